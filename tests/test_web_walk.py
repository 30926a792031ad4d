"""Every page of the curators' app, as each person meets it: in French and in English, on a
phone (375 px) and a desktop (1280 px), in Debian's chromium.

Each page answers, never scrolls sideways, and is saved as a screenshot in tests/artifacts/
(``walk-{lang}-{page}-{width}.png``) to be looked at. The French pages show no English words
of the kinds issue 22 found ("answered HTTP", "sent, 0 skipped", "1 articles"…) and no ISO week
code: weeks are written as people write them ("semaine du 16 au 22 novembre 2026").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, USER, UvicornThread, copy_ingested
from veille import digest as digests
from veille.actions import ActionFields
from veille.auth import hash_password
from veille.config import Config
from veille.models import NewSubscriber
from veille.store import Store
from veille.web import create_app

pytestmark = pytest.mark.clock  # the week and its dates come from the clock's today

WEEK = "2026-W47"
ARTIFACTS = Path(__file__).parent / "artifacts"
ISO_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
# What a French page must not say (issue 22's list): English sentences and raw codes.
ENGLISH = re.compile(
    r"answered HTTP|is not an e-mail|already a source|\bsent\b|\bskipped\b|\bfailed\b|"
    r"\bitems?\b|\bPublished\b|\bHint\b|\bfeed\b|\b1 articles\b|\b0 mot non lus\b|"
    r"\bnot found\b",
    re.IGNORECASE,
)


def _in(config: Config, lang: str) -> Config:
    digest = config.settings.digest.model_copy(update={"lang": lang})
    return config.model_copy(
        update={"settings": config.settings.model_copy(update={"digest": digest})}
    )


@pytest.fixture
def world(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store, Path, int]:
    """The demo's pass, its week drafted, an action recorded, two subscribers (one themed)."""
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=30)
    store.set_user(USER, hash_password(PASSWORD))
    view = digests.draft(config, store, WEEK)
    article = view.included[0].article_id
    action = store.add_action(
        article, ActionFields(what="Présenter la réforme en réunion", owner=USER), by=USER
    )
    store.add_subscribers(
        [
            NewSubscriber("ana@of.example.fr"),
            NewSubscriber("bruno@of.example.fr", tags=("handicap",)),
        ]
    )
    return config, store, tmp_path / "digests", action.id


def _pages(article: str, action: int) -> list[tuple[str, str]]:
    return [
        ("semaine", f"/semaine?week={WEEK}"),
        ("tri", "/tri"),
        ("apercu", f"/apercu/{WEEK}"),
        ("archives", "/archives"),
        ("recherche", "/archives?q=handicap"),
        ("suivi", "/suivi"),
        ("action-nouvelle", f"/actions/nouvelle?article={article}"),
        ("action", f"/actions/{action}"),
        ("sources", "/sources"),
        ("abonnes", "/abonnes"),
        ("alertes", "/alertes"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_at_phone_and_desktop_width(
    world: tuple[Config, Store, Path, int], browser: Any, lang: str
) -> None:
    config, store, out, action = world
    article = store.action(action).article_id  # type: ignore[union-attr]
    ARTIFACTS.mkdir(exist_ok=True)
    with UvicornThread(create_app(_in(config, lang), store, out)) as base:
        for width in (375, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 800},
                is_mobile=width < 600,
                locale="fr-FR" if lang == "fr" else "en-GB",
            )
            page = context.new_page()
            assert page.goto(f"{base}/login").status == 200
            _look(page, lang, "login", width)
            page.fill("input[name=user]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/semaine**")
            for name, path in _pages(article, action):
                answer = page.goto(base + path)
                assert answer is not None and answer.status == 200, (path, answer and answer.status)
                _look(page, lang, name, width)
            context.close()


def _look(page: Any, lang: str, name: str, width: int) -> None:
    """Screenshot the page; it must not scroll sideways, and in French say nothing in English
    nor any ISO week code."""
    page.screenshot(path=str(ARTIFACTS / f"walk-{lang}-{name}-{width}.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name} ({lang}) scrolls sideways at {width}px ({scroll}px)"
    if lang == "fr":
        text = page.locator("body").inner_text()
        assert not ISO_WEEK.findall(text), (name, ISO_WEEK.findall(text))
        assert not ENGLISH.findall(text), (name, ENGLISH.findall(text))
