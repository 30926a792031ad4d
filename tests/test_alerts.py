"""Alerts between two letters (veille/alerts.py, veille/store/alerts.py, veille/cli/alerts.py).

Real parts: a small RSS feed served on 127.0.0.1 and rewritten between runs, the real ingest
pass (pipeline.ingest) into a real DuckDB file, aiosmtpd on 127.0.0.1 collecting the e-mails,
an HTTP receiver on 127.0.0.1 taking the channel's posts. The clock is VEILLE_NOW, moved
between runs as days pass.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.conftest import UvicornThread, free_port, run_cli
from tests.test_mail import Collector, _server
from tests.test_web import PASSWORD, USER, _csrf
from tests.webhooks import Receiver
from veille.alerts import (
    alert_email,
    remove_recipients,
    run_alerts,
    set_active,
    set_up_alert,
    smtp_or_warning,
)
from veille.auth import hash_password
from veille.config import Config, parse_config
from veille.errors import UsageError
from veille.localserver import LocalServer
from veille.mail import SmtpSettings
from veille.models import Alert
from veille.pipeline import ingest
from veille.records import RunSummary
from veille.search import SearchHit
from veille.store import Store
from veille.web import create_app

ITEMS = {
    # No elided article (« l’apprentissage »): the search index keeps it as one word (reported).
    "a": ("Décret sur les contrats d’apprentissage", "Le décret fixe les aides en apprentissage."),
    "b": ("Portes ouvertes du centre", "Une journée de visite des ateliers de cuisine."),
    "c": ("Arrêté apprentissage et handicap", "Un arrêté précise un apprentissage adapté."),
    "d": (
        "Apprentissage : nouveaux niveaux",
        "Les niveaux de prise en charge des contrats en apprentissage changent au premier "
        "janvier : France compétences publie les montants par diplôme et par branche, les "
        "opérateurs de compétences les appliquent aux contrats signés après cette date, et "
        "les centres de formation doivent mettre à jour leurs conventions avant la fin du mois.",
    ),
    "e": ("Bilan de compétences en ligne", "Le bilan de compétences passe en ligne."),
}
COPY = ITEMS["d"]  # the same story again, under another address (another source's copy)


def _feed(folder: Path, keys: str) -> None:
    every = ITEMS | {"f": COPY}
    items = "".join(
        f"<item><title>{every[k][0]}</title><guid isPermaLink='false'>{k}</guid>"
        f"<link>__BASE__/pages/{k}.html</link>"
        f"<pubDate>Mon, 16 Nov 2026 09:00:00 +0100</pubDate>"
        f"<description>{every[k][1]}</description></item>"
        for k in keys
    )
    (folder / "feed.xml").write_text(
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Actualités (test)</title><link>__BASE__/</link>{items}</channel></rss>",
        encoding="utf-8",
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, LocalServer]]:
    folder = tmp_path / "site"
    folder.mkdir()
    _feed(folder, "abc")
    with LocalServer(folder) as server:
        yield folder, server


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    yield from _server(Collector())


def _config(server: LocalServer) -> Config:
    return parse_config(
        "settings:\n"
        "  allow_private_networks: true\n"
        "  channels:\n"
        "    - {name: equipe, kind: slack, url_env: ALERT_HOOK, receives: [alerts]}\n"
        "    - {name: direction, kind: teams, url_env: LETTER_HOOK, receives: [letters]}\n"
        "sources:\n"
        f"  - id: actus\n    url: {server.url('feed.xml')}\n    official: true\n"
    )


def _smtp_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name, value in {
        "VEILLE_SMTP_HOST": "127.0.0.1",
        "VEILLE_SMTP_PORT": str(port),
        "VEILLE_SMTP_STARTTLS": "false",
        "VEILLE_MAIL_FROM": "Veille <veille@of-exemple.fr>",
    }.items():
        monkeypatch.setenv(name, value)


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("VEILLE_NOW", moment)


def _run(config: Config, store: Store) -> RunSummary:
    return asyncio.run(ingest(config, store))


def _titles(message: EmailMessage) -> list[str]:
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    return sorted(title for title, _ in ITEMS.values() if title in text)


def _mails(collector: Collector) -> dict[str, list[EmailMessage]]:
    got: dict[str, list[EmailMessage]] = {}
    for message in collector.messages():
        got.setdefault(str(message["To"]), []).append(message)
    return got


@pytest.mark.slow
def test_new_matches_go_once_each_and_later_recipients_get_only_what_follows(
    site: tuple[Path, LocalServer],
    smtp: tuple[Collector, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, server = site
    collector, port = smtp
    _smtp_env(monkeypatch, port)
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    _at(monkeypatch, "2026-11-23T08:00:00+01:00")
    set_up_alert(config, store, "Apprentissage", query="apprentissage", emails=["ana@of.fr"])
    set_up_alert(config, store, "Bilans", query="bilan", emails=["ana@of.fr"])

    _at(monkeypatch, "2026-11-23T09:00:00+01:00")
    first = _run(config, store)
    mails = _mails(collector)
    assert list(mails) == ["ana@of.fr"] and len(mails["ana@of.fr"]) == 1  # no match: no mail
    (message,) = mails["ana@of.fr"]
    assert message["Subject"] == "Alerte « Apprentissage » : 2 nouveaux articles"
    assert _titles(message) == sorted([ITEMS["a"][0], ITEMS["c"][0]])
    assert "lundi 16 novembre 2026" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Alerte « Apprentissage » : 2 articles envoyés à ana@of.fr" in first.alerts

    _at(monkeypatch, "2026-11-23T10:00:00+01:00")
    set_up_alert(config, store, "Apprentissage", emails=["bob@of.fr"])  # added after run 1
    _feed(folder, "abcde")
    _at(monkeypatch, "2026-11-23T11:00:00+01:00")
    second = _run(config, store)
    mails = _mails(collector)
    assert sorted(mails) == ["ana@of.fr", "bob@of.fr"]
    later = [m for m in mails["ana@of.fr"]][1:]
    assert sorted(str(m["Subject"]) for m in later) == [
        "Alerte « Apprentissage » : 1 nouvel article",
        "Alerte « Bilans » : 1 nouvel article",
    ]
    assert [_titles(m) for m in later if "Apprentissage" in str(m["Subject"])] == [[ITEMS["d"][0]]]
    assert [_titles(m) for m in mails["bob@of.fr"]] == [[ITEMS["d"][0]]]
    assert len(second.alerts) == 3

    _at(monkeypatch, "2026-11-23T12:00:00+01:00")
    _run(config, store)  # nothing new: nothing sent again
    assert len(collector.messages()) == 4


@pytest.mark.slow
def test_a_mail_server_down_records_nothing_and_the_next_run_delivers(
    site: tuple[Path, LocalServer],
    smtp: tuple[Collector, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, server = site
    collector, port = smtp
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    _at(monkeypatch, "2026-11-23T08:00:00+01:00")
    set_up_alert(config, store, "Apprentissage", query="apprentissage", emails=["ana@of.fr"])
    _smtp_env(monkeypatch, free_port())  # nobody listens there
    _at(monkeypatch, "2026-11-23T09:00:00+01:00")
    summary = _run(config, store)
    assert summary.new_articles == 3
    (line,) = summary.alerts
    assert line.startswith("Alerte « Apprentissage » : pas envoyée à ana@of.fr (")
    (alert,) = [a for a in store.alerts() if a.name == "Apprentissage"]
    assert store.alert_deliveries(alert.id) == []

    _smtp_env(monkeypatch, port)
    _at(monkeypatch, "2026-11-23T15:00:00+01:00")
    report = run_alerts(config, store, SmtpSettings.from_env())
    assert report.outcomes[0].sent == (("ana@of.fr", 2),)
    (message,) = collector.messages()
    assert _titles(message) == sorted([ITEMS["a"][0], ITEMS["c"][0]])
    assert len(store.alert_deliveries(alert.id)) == 2


@pytest.mark.slow
def test_without_mail_settings_one_warning_and_channels_still_posted(
    site: tuple[Path, LocalServer],
    receiver: Receiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, server = site
    for name in ("VEILLE_SMTP_HOST", "VEILLE_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALERT_HOOK", receiver.url)
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    _at(monkeypatch, "2026-11-23T08:00:00+01:00")
    set_up_alert(
        config, store, "Apprentissage", query="apprentissage",
        emails=["ana@of.fr"], channels=["equipe"],
    )  # fmt: skip
    _at(monkeypatch, "2026-11-23T09:00:00+01:00")
    summary = _run(config, store)
    assert summary.alerts[0].startswith("Alertes par e-mail non envoyées : VEILLE_SMTP_HOST")
    assert summary.alerts[1:] == ["Alerte « Apprentissage » : 2 articles envoyés à channel:equipe"]
    (body,) = receiver.bodies()
    assert body["text"].startswith("Alerte « Apprentissage » : 2 nouveaux articles")
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert ITEMS["a"][0] in shown and ITEMS["c"][0] in shown and ITEMS["b"][0] not in shown

    _at(monkeypatch, "2026-11-23T10:00:00+01:00")
    assert run_alerts(config, store, None).outcomes[0].sent == ()  # posted once only
    assert len(receiver.bodies()) == 1


def test_the_default_alert_and_filters(
    site: tuple[Path, LocalServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, server = site
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    (default,) = store.alerts()
    assert (default.name, default.official, default.recipients) == ("Textes officiels", True, ())
    with pytest.raises(UsageError, match=r"settings\.channels"):
        set_up_alert(config, store, "X", query="décret", channels=["https://hooks.slack.com/x"])
    with pytest.raises(UsageError, match="ne reçoit pas les alertes"):
        set_up_alert(config, store, "X", query="décret", channels=["direction"])
    with pytest.raises(UsageError, match="Source inconnue"):
        set_up_alert(config, store, "X", query="décret", sources=["ailleurs"])
    with pytest.raises(UsageError, match="adresse e-mail"):
        set_up_alert(config, store, "X", query="décret", emails=["pas-une-adresse"])
    assert [a.name for a in store.alerts()] == ["Textes officiels"]  # nothing half-made


def test_alert_email_shows_hostile_titles_as_text_and_no_dangerous_link() -> None:
    config = parse_config("sources: []\n")
    hit = SearchHit(
        rank=1, id="x", title="<script>alert(1)</script> Décret", url="javascript:alert(1)",
        source="s", source_name="<b>Source</b>", date="2026-11-16T08:00:00+00:00", tags=[],
        relevant=None, score=1.0, snippet="", highlights=[], title_highlights=[],
    )  # fmt: skip
    alert = Alert(
        1, "Décrets", "décret", (), (), False, None, datetime(2026, 11, 16, tzinfo=UTC), True
    )
    message = alert_email(config, alert, [hit], to="ana@of.fr", sender="veille@of.fr")
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "<b>" not in html


def test_cli_add_list_json_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: actus\n    url: https://example.org/feed.xml\n", encoding="utf-8"
    )
    code, out, _ = run_cli(capsys, "alerts", "list")
    assert code == 0 and "Textes officiels" in out and "sans destinataire" in out
    code, out, _ = run_cli(
        capsys, "alerts", "add", "Décrets", "--query", "décret apprentissage",
        "--source", "actus", "--email", "ana@of.fr",
    )  # fmt: skip
    assert code == 0 and "Alerte « Décrets » créée." in out
    code, out, err = run_cli(
        capsys, "alerts", "add", "Y", "--query", "z", "--webhook", "https://h/x"
    )
    assert code == 1 and "settings.channels" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli(capsys, "alerts", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Décrets"]["emails"] == ["ana@of.fr"] and rows["Décrets"]["sources"] == ["actus"]
    assert rows["Textes officiels"]["official_only"] is True
    code, out, _ = run_cli(capsys, "alerts", "remove", "Décrets")
    assert code == 0 and "supprimée" in out
    code, _, err = run_cli(capsys, "alerts", "remove", "Décrets")
    assert code == 1 and "Pas d’alerte « Décrets »" in err


def test_smtp_or_warning_says_what_is_missing() -> None:
    smtp, warning = smtp_or_warning({})
    assert smtp is None and warning is not None and "VEILLE_SMTP_HOST" in warning


@pytest.mark.slow
def test_web_page_adds_and_removes_alerts_with_csrf(
    site: tuple[Path, LocalServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, server = site
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    store.set_user(USER, hash_password(PASSWORD))
    with (
        UvicornThread(create_app(config, store, tmp_path / "digests")) as base,
        httpx.Client() as client,
    ):
        assert client.get(f"{base}/alertes").status_code in (303, 302, 401)  # login first
        token = _csrf(client.get(f"{base}/login").text)
        client.post(f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token})
        listing = client.get(f"{base}/alertes")
        assert listing.status_code == 200 and "Textes officiels" in listing.text
        assert 'href="/alertes" aria-current="page">Alertes</a>' in listing.text
        token = _csrf(listing.text)
        form = {"name": "Décrets", "query": "décret", "source": "actus", "emails": "ana@of.fr"}
        assert client.post(f"{base}/alertes/ajouter", data=form).status_code == 403  # no token
        assert [a.name for a in store.alerts()] == ["Textes officiels"]
        done = client.post(f"{base}/alertes/ajouter", data={**form, "csrf": token})
        assert done.status_code == 303
        page = client.get(f"{base}/alertes").text
        assert "Alerte « Décrets » créée." in page and "ana@of.fr" in page
        (made,) = [a for a in store.alerts() if a.name == "Décrets"]
        assert (made.sources, made.emails, made.created_by) == (("actus",), ("ana@of.fr",), USER)
        bad = client.post(
            f"{base}/alertes/ajouter",
            data={"name": "Z", "query": "z", "channel": "direction", "csrf": token},
        )
        assert bad.status_code == 303  # back to the page, with the reason
        shown = client.get(f"{base}/alertes").text
        assert '<p class="error" role="alert">Le canal « direction » ne reçoit pas' in shown
        assert [a.name for a in store.alerts()] == ["Décrets", "Textes officiels"]
        more = {"name": "Décrets", "emails": "bo@of.fr", "csrf": token}
        assert client.post(f"{base}/alertes/ajouter", data=more).status_code == 303
        off = {"name": "Décrets", "recipient": "ana@of.fr"}
        assert client.post(f"{base}/alertes/retirer", data=off).status_code == 403
        assert (
            client.post(f"{base}/alertes/retirer", data={**off, "csrf": token}).status_code == 303
        )
        pause = {"name": "Décrets", "active": "0", "csrf": token}
        assert client.post(f"{base}/alertes/etat", data=pause).status_code == 303
        page = client.get(f"{base}/alertes").text
        assert "En pause : rien n’est envoyé." in page and "Reprendre" in page
        (made,) = [a for a in store.alerts() if a.name == "Décrets"]
        assert (made.emails, made.active) == (("bo@of.fr",), False)
        assert client.post(f"{base}/alertes/supprimer", data={"name": "Décrets"}).status_code == 403
        gone = client.post(f"{base}/alertes/supprimer", data={"name": "Décrets", "csrf": token})
        assert gone.status_code == 303
        assert [a.name for a in store.alerts()] == ["Textes officiels"]


def test_two_copies_of_one_story_are_sent_once(
    site: tuple[Path, LocalServer],
    smtp: tuple[Collector, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, server = site
    collector, port = smtp
    _smtp_env(monkeypatch, port)
    _feed(folder, "bdf")
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    _at(monkeypatch, "2026-11-23T08:00:00+01:00")
    set_up_alert(config, store, "Apprentissage", query="apprentissage", emails=["ana@of.fr"])
    _at(monkeypatch, "2026-11-23T09:00:00+01:00")
    summary = _run(config, store)
    assert summary.new_articles == 3 and summary.dedup is not None
    assert summary.dedup.duplicates == 1
    (message,) = collector.messages()
    assert message["Subject"] == "Alerte « Apprentissage » : 1 nouvel article"


@pytest.mark.slow
def test_a_paused_alert_sends_nothing_and_resumes_from_then_and_a_recipient_comes_off(
    site: tuple[Path, LocalServer],
    smtp: tuple[Collector, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, server = site
    collector, port = smtp
    _smtp_env(monkeypatch, port)
    config, store = _config(server), Store(tmp_path / "veille.duckdb")
    _at(monkeypatch, "2026-11-23T08:00:00+01:00")
    set_up_alert(
        config, store, "Apprentissage", query="apprentissage", emails=["ana@of.fr", "bo@of.fr"]
    )
    assert set_active(store, "Apprentissage", False) == (
        "Alerte « Apprentissage » en pause : plus rien n’est envoyé jusqu’à sa reprise."
    )
    assert set_active(store, "Apprentissage", False) == "Alerte « Apprentissage » : rien de changé."
    _at(monkeypatch, "2026-11-23T09:00:00+01:00")
    _run(config, store)  # a and c match: paused, nothing goes
    assert collector.messages() == []
    _at(monkeypatch, "2026-11-24T08:00:00+01:00")
    assert "reprise" in set_active(store, "Apprentissage", True)
    said = remove_recipients(store, "Apprentissage", emails=["bo@of.fr"])
    assert said == "Alerte « Apprentissage » : destinataires retirés : bo@of.fr."
    with pytest.raises(UsageError, match=r"n’a pas ce destinataire : zoe@of\.fr"):
        remove_recipients(store, "Apprentissage", emails=["zoe@of.fr"])
    _feed(folder, "abcd")
    _at(monkeypatch, "2026-11-24T09:00:00+01:00")
    _run(config, store)  # only d is new since the alert resumed; only ana gets it
    mails = _mails(collector)
    assert list(mails) == ["ana@of.fr"] and len(mails["ana@of.fr"]) == 1
    assert _titles(mails["ana@of.fr"][0]) == [ITEMS["d"][0]]


def test_cli_pauses_resumes_and_takes_a_recipient_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: actus, url: 'https://example.org/feed.xml'}\n", encoding="utf-8"
    )
    code, _, _ = run_cli(capsys, "alerts", "add", "Décrets", "--query", "décret",
                         "--email", "ana@of.fr", "--email", "bo@of.fr")  # fmt: skip
    assert code == 0
    code, out, _ = run_cli(capsys, "alerts", "pause", "Décrets")
    assert code == 0 and "en pause" in out
    code, out, _ = run_cli(capsys, "alerts", "list")
    assert code == 0 and "pause" in out  # the table wraps cells: the name is cut across lines
    code, out, _ = run_cli(capsys, "alerts", "list", "--json")
    assert [a["active"] for a in json.loads(out) if a["name"] == "Décrets"] == [False]
    code, out, _ = run_cli(capsys, "alerts", "resume", "Décrets")
    assert code == 0 and "reprise" in out
    code, out, _ = run_cli(capsys, "alerts", "remove-recipient", "Décrets", "--email", "bo@of.fr")
    assert code == 0 and "retirés : bo@of.fr" in out
    code, _, err = run_cli(capsys, "alerts", "remove-recipient", "Décrets", "--email", "bo@of.fr")
    assert code == 1 and "n’a pas ce destinataire" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "alerts", "pause", "Inconnue")
    assert code == 1 and "Pas d’alerte « Inconnue »" in err
    code, out, _ = run_cli(capsys, "alerts", "list", "--json")
    assert [a["emails"] for a in json.loads(out) if a["name"] == "Décrets"] == [["ana@of.fr"]]
