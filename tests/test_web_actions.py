"""Exploitation records in the web app: "Suites données" on a story, an action's page with its
history, and the follow-up page ("Suivi"), over a real DuckDB file (a copy of one real pass over
the demo site) served by uvicorn on 127.0.0.1, and once in a real browser (Debian's chromium).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import UvicornThread, copy_ingested
from tests.test_web import ARTIFACTS, PASSWORD, USER, WEEK, _csrf, _shot, _sign_in
from veille import clock
from veille import digest as digests
from veille.actions import ActionFields, indicators_of
from veille.auth import hash_password
from veille.config import Config
from veille.render import format_date
from veille.store import Store
from veille.web import create_app

pytestmark = pytest.mark.clock  # "overdue" and "today" depend on the day

TRAINER = "paul.formateur"


@pytest.fixture
def app_env(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store, Path]:
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user(USER, hash_password(PASSWORD))
    store.set_user(TRAINER, hash_password(PASSWORD))
    return config, store, tmp_path / "digests"


@pytest.fixture
def client(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served) as logged_in:
        page = logged_in.get("/login")
        done = logged_in.post(
            "/login", data={"user": USER, "password": PASSWORD, "csrf": _csrf(page.text)}
        )
        assert done.status_code == 303, done.text
        yield logged_in


def _today(config: Config) -> Any:
    return clock.now().astimezone(ZoneInfo(config.settings.timezone)).date()


def _story(config: Config, store: Store) -> str:
    """A stored story with a tag that leads to an indicator."""
    for article in store.articles():
        if indicators_of(article.tags, config.taxonomy):
            return article.id
    raise AssertionError("no tagged article in the demo pass")


def _form(client: httpx.Client, path: str, **fields: Any) -> dict[str, Any]:
    """The form's fields, as a browser would send them, with ``fields`` changed."""
    html = client.get(path).text
    version = re.search(r'name="version" value="(\d+)"', html)  # a change form's
    base = {
        "csrf": _csrf(html), "version": version.group(1) if version else None,
        "impact": "impact", "what": "", "type": "programme", "owner": USER, "due": "",
        "status": "planned", "evidence": "", "indicator": ["I23"],
    }  # fmt: skip
    return {k: v for k, v in (base | fields).items() if v is not None}


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
def test_a_refused_form_says_why_in_french_and_keeps_what_was_typed(
    app_env: tuple[Config, Store, Path], client: httpx.Client
) -> None:
    config, store, _ = app_env
    article = _story(config, store)
    path = f"/actions/nouvelle?article={article}"
    blank = client.get(path)
    assert blank.status_code == 200
    # The logged-in curator owns it unless another is chosen; the story's indicators are ticked.
    assert f'<option value="{USER}" selected>' in blank.text
    for indicator in indicators_of(store.article_tags(article), config.taxonomy):
        assert f'value="{indicator}" checked' in blank.text

    empty = client.post(path, data=_form(client, path, what="   ", evidence="CR du 3/12"))
    assert empty.status_code == 400
    assert "L’action est vide" in _text(empty.text)
    assert 'value="CR du 3/12"' in empty.text  # what was typed is still there
    assert '<p class="error" role="alert" id="form-error">' in empty.text

    typed = "Programme CPF mis à jour <séquence 3>"
    unknown = client.post(path, data=_form(client, path, what=typed, owner="inconnu"))
    assert unknown.status_code == 400
    assert "'inconnu' n’est pas un compte de veille" in _text(unknown.text)
    assert "Programme CPF mis à jour &lt;séquence 3&gt;</textarea>" in unknown.text
    assert '<html lang="fr">' in unknown.text and "<nav" in unknown.text  # a whole page

    bad_day = client.post(path, data=_form(client, path, what=typed, due="2026-02-30"))
    assert bad_day.status_code == 400
    assert "Échéance : '2026-02-30' n’est pas une date" in _text(bad_day.text)
    assert store.actions() == []


@pytest.mark.slow
def test_every_action_route_needs_a_session_and_the_csrf_token(
    app_env: tuple[Config, Store, Path], served: str, client: httpx.Client
) -> None:
    config, store, _ = app_env
    article = _story(config, store)
    record = store.add_action(article, ActionFields("Former l’équipe", owner=USER), USER)
    with httpx.Client(base_url=served) as stranger:
        for path in ("/suivi", f"/actions/nouvelle?article={article}", f"/actions/{record.id}"):
            answer = stranger.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith(
                "/login?next="
            ), path
            if path != "/suivi":
                assert stranger.post(path, data={"what": "x"}).status_code == 401
    path = f"/actions/nouvelle?article={article}"
    fields = _form(client, path, what="Informer les formateurs")
    for target in (path, f"/actions/{record.id}"):
        assert client.post(target, data={**fields, "csrf": ""}).status_code == 403
        assert client.post(target, data={**fields, "csrf": "x" * 43}).status_code == 403
    assert [r.fields.what for r in store.actions()] == ["Former l’équipe"]
    assert len(store.action_history(record.id)) == 1


@pytest.mark.slow
def test_an_action_is_recorded_changed_and_its_history_kept(
    app_env: tuple[Config, Store, Path], client: httpx.Client
) -> None:
    config, store, _ = app_env
    article = _story(config, store)
    path = f"/actions/nouvelle?article={article}"
    due = _today(config) + timedelta(days=20)
    made = client.post(
        path,
        data=_form(
            client, path, what="Mettre à jour le programme CPF", owner=TRAINER,
            due=due.isoformat(), evidence="https://intranet.example.fr/cpf-v2",
        ),
    )  # fmt: skip
    assert made.status_code == 303, made.text
    (record,) = store.actions()
    assert made.headers["location"] == f"/actions/{record.id}"
    assert (record.fields.owner, record.fields.due, record.created_by) == (TRAINER, due, USER)
    shown = client.get(made.headers["location"])
    assert "Action n° 1 enregistrée." in shown.text
    assert format_date(due) in _text(shown.text)
    assert 'href="https://intranet.example.fr/cpf-v2"' in shown.text

    # Done: a new version, by whoever is logged in; the first one stays.
    change = _form(client, f"/actions/{record.id}", what="Mettre à jour le programme CPF")
    change |= {"owner": TRAINER, "due": due.isoformat(), "status": "done"}
    change["evidence"] = "https://intranet.example.fr/cpf-v2"
    change["indicator"] = list(record.fields.indicators)
    changed = client.post(f"/actions/{record.id}", data=change)
    assert changed.status_code == 303
    first, second = store.action_history(record.id)
    assert (first.fields.status, second.fields.status) == ("planned", "done")
    assert second.changed_by == USER
    page = _text(client.get(f"/actions/{record.id}").text)
    assert "Version 2" in page and "Version 1" in page
    assert "statut : Prévue → Réalisée" in " ".join(page.split())
    # The same form again changes nothing: no empty version.
    change["version"] = "2"
    client.post(f"/actions/{record.id}", data=change)
    assert len(store.action_history(record.id)) == 2
    # A form shown before someone else's change is not saved over it unseen: it says so, keeps
    # what was typed, and saving it again is a choice.
    stale = change | {"what": "Programme CPF v3 publié"}
    store.change_action(record.id, replace(second.fields, evidence="v2 archivée"), TRAINER)
    refused = client.post(f"/actions/{record.id}", data=stale)
    assert refused.status_code == 409
    assert f"{TRAINER} a modifié cette action" in _text(refused.text)
    assert "Programme CPF v3 publié</textarea>" in refused.text
    assert 'name="version" value="3"' in refused.text
    assert len(store.action_history(record.id)) == 3
    again = client.post(f"/actions/{record.id}", data=stale | {"version": "3"})
    assert again.status_code == 303
    assert store.action(record.id).fields.what == "Programme CPF v3 publié"  # type: ignore[union-attr]

    # The week and the search show that something was done with the story.
    digests.draft(config, store, WEEK)
    title = next(a.title for a in store.articles(include_all=True) if a.id == article)
    week = client.get(f"/semaine?week={WEEK}").text
    item = week.split(f'id="item-{article}"', 1)[1].split("</article>", 1)[0]
    assert f'href="/actions/{record.id}">1 action réalisée</a>' in item
    assert f'href="/actions/nouvelle?article={article}">Suites données</a>' in item
    found = client.get("/archives", params={"q": title.split()[0]}).text
    assert f'href="/actions/{record.id}">1 action réalisée</a>' in found


@pytest.mark.slow
def test_the_follow_up_page_puts_overdue_first_and_counts_by_indicator(
    app_env: tuple[Config, Store, Path], client: httpx.Client
) -> None:
    config, store, out = app_env
    empty = client.get("/suivi")
    assert empty.status_code == 200
    assert "Aucune action enregistrée : depuis la semaine ou les archives, ouvrez « Suites " in (
        _text(empty.text)
    )
    today = _today(config)
    article = _story(config, store)
    fields = ActionFields("Revoir le livret d’accueil", owner=USER, due=today, indicators=("I23",))
    later = store.add_action(article, fields, USER)
    late = store.add_action(
        article,
        ActionFields("Informer les formateurs", owner=TRAINER, due=today - timedelta(days=3),
                     indicators=("I23", "I26")),
        USER,
    )  # fmt: skip
    done = store.add_action(
        article, ActionFields("Procédure handicap revue", owner=TRAINER, status="done",
                              indicators=("I26",)), USER,
    )  # fmt: skip
    digests.draft(config, store, WEEK)
    from veille import publishing

    publishing.publish(config, store, WEEK, out)

    page = client.get("/suivi").text
    open_part = page.split('id="open"', 1)[1].split('id="done"', 1)[0]
    # The owner with an overdue action comes first, the action marked; the other's is not.
    assert open_part.index(TRAINER) < open_part.index(f'<h3 class="owner">{USER}')
    late_row = open_part.split(f'id="action-{late.id}"', 1)[1].split("</li>", 1)[0]
    assert 'class="late-mark">en retard<' in late_row
    assert "en retard" not in open_part.split(f'id="action-{later.id}"', 1)[1].split("</li>")[0]
    assert "2 actions en cours, dont 1 en retard." in page
    assert f'id="done-{done.id}"' in page.split('id="done"', 1)[1]
    counts = {
        m[0]: (int(m[1]), int(m[2]), int(m[3]))
        for m in re.findall(
            r'id="count-(I\d+)">.*?<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', page
        )
    }
    kept = {
        i for s in store.selections(clock.now() - timedelta(days=1), clock.now() + timedelta(1))
        for i in indicators_of(s.tags, config.taxonomy)
    }  # fmt: skip
    assert counts["I23"][:2] == (2, 0) and counts["I26"][:2] == (1, 1)
    assert counts["I24"][:2] == (0, 0) and kept and all(counts[i][2] > 0 for i in kept)
    # Another period: a year that has nothing; a period upside down is refused, in French.
    before = client.get("/suivi", params={"from": "2020-01-01", "to": "2020-12-31"}).text
    assert "Du 1er janvier 2020 au 31 décembre 2020" in before
    assert 'id="count-I23"><th scope="row">I23' in before and "<td>2</td>" not in before
    upside = client.get("/suivi", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert upside.status_code == 400
    assert "la date de début doit précéder la date de fin" in _text(upside.text)
    wrong = client.get("/suivi", params={"from": "hier"})
    assert wrong.status_code == 400 and "'hier' n’est pas une date" in _text(wrong.text)


@pytest.mark.slow
def test_the_register_of_the_period_as_a_page_a_workbook_and_csv(
    app_env: tuple[Config, Store, Path], client: httpx.Client
) -> None:
    import io

    import openpyxl

    config, store, out = app_env
    article = _story(config, store)
    fields = ActionFields("Livret d’accueil revu", owner=TRAINER, indicators=("I23",))
    store.add_action(article, fields, USER)
    digests.draft(config, store, WEEK)
    from veille import publishing

    publishing.publish(config, store, WEEK, out)
    # The year up to today (the action is recorded now, whatever moment VEILLE_NOW says).
    today = clock.now().astimezone(ZoneInfo("Europe/Paris")).date()
    start, end = (today - timedelta(days=365)).isoformat(), today.isoformat()
    suivi = client.get("/suivi", params={"from": start, "to": end}).text
    links = re.findall(r'href="(/suivi/registre\?[^"]+)"', suivi)
    assert [unescape(x) for x in links] == [
        f"/suivi/registre?from={start}&to={end}&format={f}" for f in ("html", "xlsx", "csv")
    ]
    html = client.get(unescape(links[0]))
    assert html.status_code == 200 and "Livret d’accueil revu" in html.text
    assert "<script" not in html.text
    assert "script-src" not in html.headers["content-security-policy"]  # default-src 'none'
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    xlsx = client.get(unescape(links[1]))
    assert xlsx.headers["content-disposition"] == (
        f'attachment; filename="registre-qualiopi-{start}-{end}.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [str(c) for sheet in book.worksheets for row in sheet.values for c in row if c]
    assert "Livret d’accueil revu" in cells
    csv = client.get(unescape(links[2]))
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.content.startswith("\ufeff".encode()) and "Livret d’accueil revu" in csv.text
    bad = client.get("/suivi/registre", params={"format": "pdf"})
    assert bad.status_code == 400 and "valeur inconnue pour « format »" in _text(bad.text)
    upside = client.get("/suivi/registre", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert upside.status_code == 400 and "doit précéder" in _text(upside.text)


def test_unknown_story_or_action_is_said_in_french(client: httpx.Client) -> None:
    missing = client.get("/actions/nouvelle?article=" + "ab" * 12)
    assert missing.status_code == 404 and "Aucune information" in _text(missing.text)
    assert client.get("/actions/nouvelle").status_code == 400
    assert "pas un identifiant" in _text(client.get("/actions/nouvelle?article=zz").text)
    gone = client.get("/actions/99")
    assert gone.status_code == 404 and "Aucune action n° 99" in _text(gone.text)


def test_english_when_configured(app_env: tuple[Config, Store, Path]) -> None:
    config, store, out = app_env
    digest = config.settings.digest.model_copy(update={"lang": "en"})
    english = config.model_copy(
        update={"settings": config.settings.model_copy(update={"digest": digest})}
    )
    article = _story(config, store)
    with (
        UvicornThread(create_app(english, store, out)) as base,
        httpx.Client(base_url=base) as client,
    ):
        token = _csrf(client.get("/login").text)
        client.post("/login", data={"user": USER, "password": PASSWORD, "csrf": token})
        assert "No action recorded yet" in client.get("/suivi").text
        path = f"/actions/nouvelle?article={article}"
        form = client.get(path).text
        assert "Record the action" in form and "No impact on our offer" in form
        refused = client.post(path, data=_form(client, path, what=" "))
        assert refused.status_code == 400 and "The action is empty" in _text(refused.text)
        made = client.post(path, data=_form(client, path, what="Tell the trainers"))
        shown = _text(client.get(made.headers["location"]).text)
        assert "Action no. 1 recorded." in shown and "Version 1" in shown
        assert format_date(_today(config), "en") in shown  # "25 November 2026"


# --- in a real browser ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_curator_records_an_action_and_its_owner_sees_it_through(
    app_env: tuple[Config, Store, Path], served: str, browser: Any
) -> None:
    config, store, _ = app_env
    digests.draft(config, store, WEEK)
    today = _today(config)
    due = today - timedelta(days=2)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, served, f"/semaine?week={WEEK}")

    item = page.locator("article.item").first
    article = item.get_attribute("data-id")
    item.locator("text=Suites données").click()
    page.wait_for_url(f"**/actions/nouvelle?article={article}")
    # A refused form first (htmx swaps the 400 page in): the error beside the form, and what
    # was typed kept.
    page.fill("textarea[name=what]", "   ")
    page.select_option("select[name=owner]", TRAINER)
    page.fill("input[name=evidence]", "Note de service du 2 décembre")
    page.click("button:text('Enregistrer l’action')")
    page.wait_for_selector("#form-error")
    assert "L’action est vide" in page.locator("#form-error").inner_text()
    assert page.locator("input[name=evidence]").input_value() == "Note de service du 2 décembre"
    assert page.locator("select[name=owner]").input_value() == TRAINER
    _shots(page, "action-new")
    page.fill("textarea[name=what]", "Informer les formateurs du nouveau décret")
    page.fill("input[name=due]", due.isoformat())
    page.check("input[name=impact][value=impact]")
    page.click("button:text('Enregistrer l’action')")
    page.wait_for_selector("p.flash:has-text('enregistrée')")
    (record,) = store.actions()
    assert (record.fields.owner, record.fields.due, record.created_by) == (TRAINER, due, USER)

    page.click("nav >> text=Suivi")
    page.wait_for_url("**/suivi")
    row = page.locator(f"#action-{record.id}")
    assert "en retard" in row.inner_text().lower()
    assert page.locator("h3.owner").first.inner_text().startswith(TRAINER)
    _shots(page, "suivi")
    # The register opens as a page of its own, styled (its inline styles are allowed there).
    page.click("text=Lire ou imprimer")
    page.wait_for_url("**/suivi/registre?**format=html")
    heading = page.locator("h1")
    assert "Registre de veille Qualiopi" in heading.inner_text()
    assert heading.evaluate("h => getComputedStyle(h).color") == "rgb(18, 57, 91)"
    page.go_back()
    page.wait_for_url("**/suivi")

    # The owner logs in and marks it done from its page.
    context.clear_cookies()
    page.goto(f"{served}/login?next=/suivi")
    page.fill("input[name=user]", TRAINER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/suivi")
    page.click(f"#action-{record.id} .act-what a")
    page.wait_for_url(f"**/actions/{record.id}")
    page.check("input[name=status][value=done]")
    page.fill("input[name=evidence]", "Compte rendu de réunion pédagogique du 2 décembre")
    page.click("button:text('Enregistrer les changements')")
    page.wait_for_selector("p.flash:has-text('modifiée')")
    history = page.locator("ol.history > li")
    assert history.count() == 2
    latest, first = history.nth(0).inner_text(), history.nth(1).inner_text()
    when = format_date(clock.now().astimezone(ZoneInfo(config.settings.timezone)).date())
    assert "Version 2" in latest and f"par {TRAINER}, le {when}" in latest
    assert "Prévue → Réalisée" in latest
    assert "Version 1" in first and f"par {USER}, le {when}" in first
    assert page.locator("dl.fields .late-mark").count() == 0  # done: no longer overdue
    _shots(page, "action")
    page.goto(f"{served}/suivi")
    assert page.locator(f"#done-{record.id}").is_visible()
    assert page.locator(f"#action-{record.id}").count() == 0
    # The week shows what was done with the story.
    page.goto(f"{served}/semaine?week={WEEK}")
    badge = page.locator(f"#item-{article} .badge")
    assert badge.inner_text() == "1 action réalisée"
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(f"#item-{article}").screenshot(path=str(ARTIFACTS / "ui-week-badge-390.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def _shots(page: Any, name: str) -> None:
    """The page at desktop and phone widths (tests/artifacts/); no sideways scroll on a phone."""
    _shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    _shot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{name} scrolls sideways on a phone ({width}px)"
