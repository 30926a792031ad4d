"""Learning from curators: "Aidez veille à trier" (the items the model is least sure of), the
week's off-topic items visible and rescuable, and the retrain that follows a batch of answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import UvicornThread, copy_ingested, run_cli
from tests.test_web import ARTIFACTS, PASSWORD, USER, WEEK
from veille import triage
from veille.auth import hash_password
from veille.config import Config
from veille.errors import TriageError
from veille.store import Store
from veille.web import create_app

pytestmark = pytest.mark.clock  # date-sensitive: the week's window


@pytest.fixture
def app_env(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store, Path]:
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user(USER, hash_password(PASSWORD))
    return config, store, tmp_path


def test_the_queue_puts_the_least_sure_first_and_lists_the_off_topic_ones(
    app_env: tuple[Config, Store, Path],
) -> None:
    config, store, _ = app_env
    todo = triage.week_to_sort(config, store, WEEK, size=50)
    threshold = config.settings.relevance_threshold
    assert len(todo.queue) >= 5 and todo.off_topic
    distances = [abs(a.score - threshold) for a in todo.queue]
    assert distances == sorted(distances)
    assert all(a.relevant is False for a in todo.off_topic)
    # Everything the model set aside this week is listed, once per story.
    week_articles = store.articles(include_all=False, off_topic=True)
    ids = {a.id for a in todo.off_topic}
    assert ids and ids <= {a.id for a in week_articles if a.relevant is False}
    # An answered article leaves both lists; a rescue makes it relevant with its section.
    rescued = todo.off_topic[0].id
    triage.answer(config, store, rescued, ["handicap", "reglementaire"])
    after = triage.week_to_sort(config, store, WEEK, size=50)
    assert rescued not in {a.id for a in after.queue + after.off_topic}
    assert after.decisions == todo.decisions + 1
    article = next(a for a in store.articles(include_all=True) if a.id == rescued)
    assert article.relevant is True and article.tags == ("handicap", "reglementaire")
    with pytest.raises(TriageError, match="n’existe pas"):
        triage.answer(config, store, todo.queue[0].id, ["sport"])
    with pytest.raises(TriageError, match="cochez au moins une section"):
        triage.answer(config, store, todo.queue[0].id, [])
    triage.answer(config, store, todo.queue[0].id, ["handicap"], relevant=False)
    assert next(d for d in store.decisions() if d.article_id == todo.queue[0].id).relevant is False


def _config_file(folder: Path, db: Path) -> Path:
    path = folder / "sources.yaml"
    path.write_text(
        f"settings: {{database: {db}}}\nsources:\n  - id: s\n    url: https://s.example/feed\n"
    )
    return path


@pytest.mark.slow
def test_a_curator_rescues_an_item_and_answers_the_queue_then_train_counts_them(
    app_env: tuple[Config, Store, Path], browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config, store, folder = app_env
    before = len(store.decisions())
    with UvicornThread(create_app(config, store, folder / "digests")) as base:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
        page = context.new_page()
        page.goto(f"{base}/login?next=/semaine%3Fweek%3D{WEEK}")
        page.fill("input[name=user]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/semaine?week={WEEK}")
        page.click("nav >> text=Aidez veille à trier")  # the menu keeps the week
        page.wait_for_url(f"**/tri?week={WEEK}")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-triage.png"), full_page=True)

        # The week's off-topic items are visible; rescue one into "Handicap".
        off = page.locator("#off-topic article.item")
        assert off.count() >= 1
        rescued = off.nth(0).get_attribute("data-id")
        card = page.locator(f"#off-{rescued}")
        for box in card.locator("input[name=tag]").all():
            box.uncheck()
        card.locator("input[name=tag][value=handicap]").check()
        card.locator("button[value=relevant]").click()
        page.wait_for_selector(".flash:has-text('réponse enregistrée')")
        assert page.locator(f"#off-{rescued}").count() == 0

        # Three answers from the queue: two relevant (a section each), one off-topic.
        answered = []
        for answer in ("reglementaire", "competences-metiers", None):
            card = page.locator("#queue article.item").nth(0)
            aid = card.get_attribute("data-id")
            answered.append((aid, answer))
            if answer is None:
                card.locator("button[value=off]").click()
            else:
                for box in card.locator("input[name=tag]").all():
                    box.uncheck()
                card.locator(f"input[name=tag][value={answer}]").check()
                card.locator("button[value=relevant]").click()
            page.wait_for_selector(f"#queue article[data-id='{aid}']", state="detached")
        assert f"{before + 4} décision" in page.locator("#decisions").inner_text()
        context.close()

    decisions = {d.article_id: d for d in store.decisions()}
    assert decisions[rescued].relevant and decisions[rescued].tags == ("handicap",)
    for aid, answer in answered:
        assert decisions[aid].relevant is (answer is not None)
        assert decisions[aid].tags == ((answer,) if answer else decisions[aid].tags)
    # `veille train` learns from them and says so (its `--report`, the source-grouped
    # cross-validation, is measured by tests/test_classify.py's quality gate).
    code, out, err = run_cli(capsys, "--config", str(_config_file(folder, store.path)), "train")
    assert code == 0, err
    assert f"{before + 4} curator decisions" in out, out
    assert "held-out examples (never trained on)" in out and "primary-tag accuracy" in out
