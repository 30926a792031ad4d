"""The week's letter in the curators' app: what a send needs, said before anyone confirms it;
the sent state (when, to how many) once it left; the warning an edit deserves afterwards.
The app runs under uvicorn over a real DuckDB file, mail goes to a real aiosmtpd server, and the
curator's part is played in Debian's Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import UvicornThread, copy_ingested, with_site
from tests.test_mail import Collector, _server
from tests.test_web import ARTIFACTS, PASSWORD, USER, WEEK, _login, _sign_in
from veille import clock, publishing
from veille import digest as digests
from veille.auth import hash_password
from veille.config import Config
from veille.models import NewSubscriber
from veille.store import Store
from veille.web import create_app

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

SMTP_VARIABLES = (
    "VEILLE_SMTP_HOST",
    "VEILLE_SMTP_PORT",
    "VEILLE_SMTP_STARTTLS",
    "VEILLE_MAIL_FROM",
)


@pytest.fixture
def published(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store]:
    """A drafted and published week, three subscribers and a curator's account."""
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user(USER, hash_password(PASSWORD))
    digests.draft(config, store, WEEK)
    publishing.publish(config, store, WEEK, tmp_path / "digests")
    store.add_subscribers([NewSubscriber(f"formateur{i}@of.example.fr") for i in range(3)])
    return config, store


@pytest.mark.slow
def test_what_a_send_needs_is_said_before_the_confirmation(
    published: tuple[Config, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store = published
    for name in SMTP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    digest = config.settings.digest.model_copy(update={"site_url": None})
    no_site = config.model_copy(
        update={"settings": config.settings.model_copy(update={"digest": digest})}
    )
    app = create_app(no_site, store, tmp_path / "digests")
    with UvicornThread(app) as base, httpx.Client() as client:
        token = _login(client, base)
        page = client.get(f"{base}/apercu/{WEEK}").text
        assert 'id="send-blocked"' in page and 'class="error"' in page
        assert "/envoyer" not in page  # no button to press, no confirmation to give
        for words in ("site_url", "VEILLE_SMTP_HOST", "VEILLE_MAIL_FROM", "redémarrez"):
            assert words in page, words
        # A form sent anyway gets the same French words, and nothing is sent.
        forced = client.post(
            f"{base}/apercu/{WEEK}/envoyer",
            data={"csrf": token, "count": "3"},
            headers={"referer": f"{base}/apercu/{WEEK}"},
        )
        assert forced.status_code == 303  # back to the page, with the error shown there
        shown = client.get(base + forced.headers["location"]).text
        assert 'class="error"' in shown and "il manque" in shown
        assert "site_url" in shown and "must be" not in shown
    assert store.letter_sent(WEEK) == (0, None)


def _send_in_browser(page: Any, served: str, confirm: str) -> str:
    """Press the send button as a curator does (tick the box, accept the dialog); the job's
    final message."""
    page.goto(f"{served}/apercu/{WEEK}")
    page.locator("label.check", has_text=confirm).locator("input").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/envoyer'] button").click()
    page.wait_for_selector("#job .flash, #job .error", timeout=60_000)
    return str(page.locator("#job").inner_text())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_sent_state_and_the_warning_after_sending(
    published: tuple[Config, Store], tmp_path: Path, browser: Any, lang: str
) -> None:
    config, store = published
    config = with_site(config, lang=lang)
    english = lang == "en"
    for handler, port in _server(Collector()):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("VEILLE_SMTP_HOST", "127.0.0.1")
            mp.setenv("VEILLE_SMTP_PORT", str(port))
            mp.setenv("VEILLE_SMTP_STARTTLS", "false")
            mp.setenv("VEILLE_MAIL_FROM", "Veille <veille@of-exemple.fr>")
            app = create_app(config, store, tmp_path / "digests")
            with UvicornThread(app) as served:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                _sign_in(page, served, f"/apercu/{WEEK}")
                assert page.locator("#sent-state").count() == 0
                first = (
                    "Send the digest to 3 subscribers?"
                    if english
                    else "Envoyer la lettre aux 3 abonnés ?"
                )
                done = _send_in_browser(page, served, first)
                assert (
                    "Letter sent to 3 subscribers." if english else "Lettre envoyée à 3 abonnés."
                ) in done
                assert "sent, " not in done and "skipped" not in done
                assert len(handler.delivered()) == 3

                # Back on the page: sent when (in Paris time, as people write it), to how many;
                # nothing more to send, and said so.
                page.goto(f"{served}/apercu/{WEEK}")
                sent = page.locator("#sent-state").inner_text()
                local = clock.now().astimezone(ZoneInfo(config.settings.timezone))
                if english:
                    when = rf"[A-Z][a-z]+day {local.day} [A-Z][a-z]+ {local.year} at "
                    when += f"{local.hour}:{local.minute:02d}"
                    assert re.fullmatch(f"Digest sent on {when} to 3 subscribers.", sent), sent
                else:
                    when = rf"[a-z]+ {local.day}(er)? [a-zéû]+ {local.year} à "
                    when += f"{local.hour}\u00a0h\u00a0{local.minute:02d}"
                    assert re.fullmatch(f"Lettre envoyée le {when} à 3 abonnés.", sent), sent
                # Who started it (veille/roles.py: sending is an admin's; kept in the activity).
                started = "sending started by " if english else "envoi lancé par "
                assert page.locator("#done-by").inner_text().endswith(started + USER)
                assert page.locator("form[action$='/envoyer']").count() == 0
                assert page.locator("#send-state").is_visible()

                # A new subscriber: the send is worded as what it is, for the one left.
                store.add_subscribers([NewSubscriber("nouvelle@of.example.fr")])
                rest = (
                    "Send the digest to the subscriber who has not had it yet?"
                    if english
                    else "Envoyer la lettre à l’abonné qui ne l’a pas encore reçue ?"
                )
                done = _send_in_browser(page, served, rest)
                assert (
                    "Letter sent to 1 subscriber." if english else "Lettre envoyée à 1 abonné."
                ) in done
                assert (
                    "3 subscribers had it already."
                    if english
                    else "3 abonnés l’avaient déjà reçue."
                ) in done
                assert sorted(handler.delivered()).count("nouvelle@of.example.fr") == 1
                assert len(handler.delivered()) == 4

                # The week page warns that edits no longer change what left.
                page.goto(f"{served}/semaine?week={WEEK}")
                warning = page.locator("#edit-warning").inner_text()
                assert ("was sent on" if english else "a déjà été envoyée le") in warning
                assert ("4 subscribers" if english else "4 abonnés") in warning
                main = page.locator("main").inner_text()
                assert "UTC" not in main and "1.00" not in main
                # Every item left out says why; the cap per source is named as such.
                left_out = page.locator("article.item.out")
                assert left_out.count() >= 1
                for n in range(left_out.count()):
                    assert left_out.nth(n).locator(".reason").inner_text().strip()
                cap = "of this source kept already" if english else "de cette source déjà retenus"
                assert cap in main
                said = (
                    ("according to the model", "likely relevant", "uncertain relevance")
                    if english
                    else ("selon le modèle", "probablement pertinent", "pertinence incertaine")
                )
                assert any(words in main for words in said)
                assert ("according to a curator" if english else "selon un curateur") in main
                context.close()
    assert store.letter_sent(WEEK)[0] == 4


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 1280])
def test_the_week_pages_fit_a_phone_and_a_desktop(
    published: tuple[Config, Store], tmp_path: Path, browser: Any, width: int
) -> None:
    """The week (reasons, warning), the preview (sent state, what a send needs) and a send's
    page, looked at on a phone and a desktop: none scrolls sideways."""
    config, store = published
    store.edit_digest(WEEK, editorial="Une *semaine* chargée : https://www.centre-inffo.fr/")
    for handler, port in _server(Collector()):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("VEILLE_SMTP_HOST", "127.0.0.1")
            mp.setenv("VEILLE_SMTP_PORT", str(port))
            mp.setenv("VEILLE_SMTP_STARTTLS", "false")
            mp.setenv("VEILLE_MAIL_FROM", "Veille <veille@of-exemple.fr>")
            with UvicornThread(create_app(config, store, tmp_path / "digests")) as served:
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, is_mobile=width < 500
                )
                page = context.new_page()
                _sign_in(page, served, f"/apercu/{WEEK}")
                _fits(page, width, f"preview-{width}")
                _send_in_browser(page, served, "Envoyer la lettre aux 3 abonnés ?")
                _fits(page, width, f"job-{width}")
                page.goto(f"{served}/apercu/{WEEK}")
                _fits(page, width, f"preview-sent-{width}")
                page.goto(f"{served}/semaine?week={WEEK}")
                page.wait_for_selector("article.item.out .reason")
                _fits(page, width, f"week-sent-{width}")
                context.close()
        assert len(handler.delivered()) == 3


def _fits(page: Any, width: int, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}-top.png"))  # the first screen, legible
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{name} scrolls sideways ({scrolled}px)"
