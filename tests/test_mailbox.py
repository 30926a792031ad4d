"""Newsletters received by e-mail (``kind: mailbox``): the letters' parsing on real-structured
fixtures (tests/data/mail), the sources.yaml keys, and whole passes against a real Dovecot IMAP
server on 127.0.0.1 (tests/imap.py): new letters, seen letters, a crash before and after the
commit, a hostile letter, notices, links followed through tracking redirects, PDF attachments,
a refused login, TLS with and without the server's authority, and a local Maildir."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.imap import PASSWORD, USER, Dovecot, free_port
from veille.config import Config, parse_config
from veille.demo import demo_config
from veille.demo_mail import SOURCE_ID, deliver_demo_letters
from veille.errors import ConfigError
from veille.localserver import LocalServer
from veille.mailbox import Cursor
from veille.newsletter import is_notice, parse_letter
from veille.pipeline import ingest
from veille.store import Store

MAIL = Path(__file__).parent / "data" / "mail"
REPO = Path(__file__).parent.parent
DEMO_SITE = REPO / "veille" / "demo_data" / "site"
PASSWORD_ENV = "VEILLE_TEST_MAILBOX_PASSWORD"  # noqa: S105 — a variable's name


def eml(name: str, base: str = "127.0.0.1:9") -> bytes:
    """A fixture letter, its ``__BASE__`` pointed at ``base`` (host:port of a test server)."""
    return (MAIL / name).read_bytes().replace(b"__BASE__", base.encode())


# --- parsing -----------------------------------------------------------------------------


def test_a_letter_is_read_with_its_identity_sender_date_and_clean_text() -> None:
    letter = parse_letter(eml("quotidien-formation.eml"))
    assert letter.message_id == "20261116070000.quotidien.2611@lettres.centre-inffo.example"
    assert letter.sender == "Le Quotidien de la formation"  # the List-Id's name
    assert letter.subject == "Le Quotidien de la formation – lundi 16 novembre 2026"
    assert letter.date is not None and letter.date.isoformat() == "2026-11-16T06:00:00+00:00"
    assert "le décret sur les niveaux de prise en charge est paru" in letter.text
    assert "<" not in letter.text and "font-family" not in letter.text  # no markup, no style
    assert not letter.notice
    # Article links only: not the unsubscribe link, the online version or the publisher's
    # LinkedIn page.
    assert [url for url, _ in letter.links] == [
        "https://www.centre-inffo.example/actualites/apprentissage-decret-niveaux-de-prise-en-charge",
        "https://www.centre-inffo.example/actualites/cpf-reste-a-charge",
    ]


def test_a_plain_text_letter_in_latin_1_without_list_id() -> None:
    letter = parse_letter(eml("france-travail-plain.eml"))
    assert letter.subject == "Lettre partenaires n° 112 : métiers en tension et formation"
    assert letter.sender == "France Travail - Actualites partenaires"  # the From name
    assert "La liste des métiers en tension de votre région a été actualisée." in letter.text
    assert letter.links == () and letter.html == ""


@pytest.mark.parametrize(
    "name", ["confirmez-inscription.eml", "desinscription.eml", "confirm-subscription-en.eml"]
)
def test_subscription_notices_are_not_articles(name: str) -> None:
    assert parse_letter(eml(name)).notice


def test_a_list_server_s_removal_notice_is_a_notice() -> None:
    # The words of Sympa's French "removed" notice (sympa-community/sympa, removed.tpl).
    text = (
        "Votre adresse (veille@of-exemple.fr) a été supprimée de la liste "
        "formation@listes.example, probablement parce que nous recevons des rapports "
        "d'anomalie concernant cette adresse."
    )
    assert is_notice("Supprime de formation", text)
    assert not is_notice("Supprime de formation", "Le décret supprime une aide à l’embauche.")


def test_a_long_letter_that_mentions_a_subscription_is_still_a_letter() -> None:
    raw = eml("quotidien-formation.eml").replace(
        b"<p>Lundi 16 novembre 2026</p>",
        b"<p>Lundi 16 novembre 2026. Confirmez votre inscription au colloque !</p>",
    )
    assert not parse_letter(raw).notice


def test_pdf_attachments_are_kept_and_other_attachments_ignored() -> None:
    letter = parse_letter(eml("accord-piece-jointe.eml"))
    assert [a.filename for a in letter.pdfs] == ["accord-canoe-kayak.pdf"]
    assert letter.pdfs[0].data == (REPO / "tests/data/pdf/accord-canoe-kayak.pdf").read_bytes()
    assert letter.ignored_attachments == 1  # the .docx


def test_a_letter_without_message_id_gets_a_stable_identity() -> None:
    raw = eml("france-travail-plain.eml").replace(b"Message-ID:", b"X-Old-Message-ID:")
    first, again = parse_letter(raw), parse_letter(raw)
    assert first.message_id.startswith("sha256:") and first.message_id == again.message_id


def test_cursor_round_trip() -> None:
    assert Cursor.parse(str(Cursor(1796295528, 42))) == Cursor(1796295528, 42)
    assert Cursor.parse('"an-etag"') is None and Cursor.parse(None) is None


# --- sources.yaml ------------------------------------------------------------------------

STABLE = """
sources:
  - id: lettres-centre-inffo
    kind: mailbox
    url: imaps://mail.example.org/Veille
    username: veille@example.org
    password_env: VEILLE_MAILBOX_PASSWORD
    follow_links: false
"""


def test_the_stable_interface_is_accepted() -> None:
    source = parse_config(STABLE).sources[0]
    assert (source.kind, source.username, source.password_env) == (
        "mailbox",
        "veille@example.org",
        "VEILLE_MAILBOX_PASSWORD",
    )
    assert source.max_messages == 50 and not source.follow_links


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("imaps://mail.example.org/Veille", "https://mail.example.org/"), "boîte aux lettres"),
        (("    password_env: VEILLE_MAILBOX_PASSWORD\n", ""), "password_env"),
        (("VEILLE_MAILBOX_PASSWORD", "pass word"), "variable d’environnement"),
        (("follow_links: false", "starttls: true"), "imap://"),
        (("imaps://mail.example.org/Veille", "maildir://relative/path"), "maildir:///"),
        (("kind: mailbox", "kind: feed"), "une boîte aux lettres demande kind: mailbox"),
    ],
)
def test_bad_mailbox_settings_are_one_clear_line(change: tuple[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(STABLE.replace(*change))
    message = str(caught.value)
    assert "lettres-centre-inffo" in message and words in message
    assert "\n" not in message


def test_mailbox_keys_on_a_feed_are_refused() -> None:
    text = "sources:\n  - id: f\n    url: https://example.org/feed\n    follow_links: true\n"
    with pytest.raises(ConfigError, match="follow_links ne s’applique qu’aux sources kind: mail"):
        parse_config(text)


# --- a real IMAP server ------------------------------------------------------------------


class _Tracker(BaseHTTPRequestHandler):
    """A mailing service's click tracker: /brevo/mk/cl/f/X redirects to an article of the demo
    site; every request (pixels, remote images, scripts) is recorded."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        server: Tracker = self.server  # type: ignore[assignment]
        with server.lock:
            server.hits.append(self.path)
        target = server.redirects.get(self.path)
        self.send_response(302 if target else 404)
        if target:
            self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Tracker(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, redirects: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Tracker)
        self.hits: list[str] = []
        self.lock = threading.Lock()
        self.redirects = redirects

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def dovecot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with Dovecot(tmp_path / "imap") as server:
        yield server


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    with LocalServer(DEMO_SITE) as site:
        server = Tracker(
            {
                "/brevo/mk/cl/f/AbCd1": site.url("formation/article-01.html"),
                "/brevo/mk/cl/f/AbCd2": site.url("formation/article-02.html"),
                "/brevo/mk/cl/f/Home": site.url("/"),
            }
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server
        server.shutdown()
        server.server_close()


def mailbox_yaml(server: Dovecot, *, extra: str = "", url: str | None = None) -> str:
    return f"""
settings: {{allow_private_networks: true}}
sources:
  - id: lettres
    kind: mailbox
    url: {url or f"imaps://127.0.0.1:{server.tls_port}/Veille"}
    ca_file: {server.cert}
    username: {USER}
    password_env: {PASSWORD_ENV}
{extra}"""


def run(config: Config, db: Path) -> Any:
    return asyncio.run(ingest(config, Store(db)))


def by_title(db: Path) -> dict[str, Any]:
    return {a.title: a for a in Store(db).articles(include_all=True)}


@pytest.mark.slow
def test_new_letters_become_articles_and_seen_ones_are_skipped(
    dovecot: Dovecot, db_path: Path
) -> None:
    dovecot.deliver(
        eml("quotidien-formation.eml"), eml("france-travail-plain.eml"), folder="Veille"
    )
    config = parse_config(mailbox_yaml(dovecot))
    summary = run(config, db_path)
    outcome = summary.outcomes[0]
    assert outcome.ok, outcome.error
    assert outcome.new_articles == 2
    articles = by_title(db_path)
    quotidien = articles["Le Quotidien de la formation – lundi 16 novembre 2026"]
    assert quotidien.source_id == "lettres" and quotidien.extraction == "mail"
    assert "à compter du 1er janvier 2027" in quotidien.text
    assert quotidien.date.isoformat().startswith("2026-11-16")
    assert "Lettre partenaires n° 112 : métiers en tension et formation" in articles
    # Read, then marked read; the folder's cursor is the source's validator.
    assert all(b"\\Seen" in flags for flags in dovecot.flags("Veille").values())
    cursor = Cursor.parse(Store(db_path).source_state("lettres").etag)
    assert cursor is not None and cursor.last_uid == 2

    # A new letter arrives; the old ones, even marked unread again by a person, are not
    # read again (the cursor, not the flag, says what was read).
    with dovecot.client() as client:
        client.select_folder("Veille")
        client.remove_flags([1, 2], [b"\\Seen"])
    dovecot.deliver(eml("hostile.eml"), folder="Veille")
    again = run(config, db_path).outcomes[0]
    assert again.ok and again.new_articles == 1 and again.entries == 1
    assert len(Store(db_path).articles(include_all=True)) == 3


CHILD = """
import asyncio, sys
from veille.config import load_config
from veille.pipeline import ingest
from veille.store import Store
asyncio.run(ingest(load_config(sys.argv[1]), Store(sys.argv[2])))
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before_commit", "mailbox_before_mark"])
def test_a_crash_loses_nothing_and_stores_nothing_twice(
    point: str, dovecot: Dovecot, db_path: Path, tmp_path: Path
) -> None:
    dovecot.deliver(
        eml("quotidien-formation.eml"), eml("france-travail-plain.eml"), folder="Veille"
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(mailbox_yaml(dovecot), encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(sources), str(db_path)],
        cwd=REPO,
        env={**os.environ, "VEILLE_CRASH_AT": point},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]
    # Killed before the letters were marked: the server still has them unread.
    assert not any(b"\\Seen" in flags for flags in dovecot.flags("Veille").values())
    committed = len(Store(db_path).articles(include_all=True))
    assert committed == (2 if point == "mailbox_before_mark" else 0)

    outcome = run(parse_config(mailbox_yaml(dovecot)), db_path).outcomes[0]
    assert outcome.ok, outcome.error
    titles = [a.title for a in Store(db_path).articles(include_all=True)]
    assert sorted(titles) == [
        "Le Quotidien de la formation – lundi 16 novembre 2026",
        "Lettre partenaires n° 112 : métiers en tension et formation",
    ]
    assert all(b"\\Seen" in flags for flags in dovecot.flags("Veille").values())


@pytest.mark.slow
def test_a_hostile_letter_is_stored_as_text_and_fetches_nothing(
    dovecot: Dovecot, tracker: Tracker, db_path: Path
) -> None:
    dovecot.deliver(eml("hostile.eml", tracker.host), folder="Veille")
    outcome = run(parse_config(mailbox_yaml(dovecot)), db_path).outcomes[0]
    assert outcome.ok, outcome.error
    article = by_title(db_path)["Formation : une lettre piégée"]
    assert "la réforme de l’apprentissage entre en vigueur" in article.text
    for live in ("<", "script", "onerror", "javascript:", "fetch(", "hostile/"):
        assert live not in article.text
    assert tracker.hits == []  # no pixel, image, stylesheet, frame or script was asked for


@pytest.mark.slow
def test_notices_are_read_and_marked_but_not_stored(dovecot: Dovecot, db_path: Path) -> None:
    dovecot.deliver(
        eml("confirmez-inscription.eml"),
        eml("desinscription.eml"),
        eml("france-travail-plain.eml"),
        folder="Veille",
    )
    outcome = run(parse_config(mailbox_yaml(dovecot)), db_path).outcomes[0]
    assert outcome.ok and outcome.new_articles == 1
    assert any("2 message(s) d’inscription ou de désinscription" in w for w in outcome.warnings)
    assert list(by_title(db_path)) == [
        "Lettre partenaires n° 112 : métiers en tension et formation"
    ]
    assert all(b"\\Seen" in flags for flags in dovecot.flags("Veille").values())


@pytest.mark.slow
def test_links_are_followed_through_tracking_redirects(
    dovecot: Dovecot, tracker: Tracker, db_path: Path
) -> None:
    dovecot.deliver(eml("brevo-tracking.eml", tracker.host), folder="Veille")
    extra = "    follow_links: true\n    link_pattern: /formation/article-\n"
    outcome = run(parse_config(mailbox_yaml(dovecot, extra=extra)), db_path).outcomes[0]
    assert outcome.ok, outcome.error
    articles = Store(db_path).articles(include_all=True)
    # The two article links, at their own addresses (the tracker's redirects followed); the
    # site's home page fails the pattern; the pixel and the unsubscribe link never asked.
    assert sorted(a.url.rsplit("/", 1)[-1] for a in articles) == [
        "article-01.html",
        "article-02.html",
    ]
    assert outcome.pages_fetched == 2
    cpf = next(a for a in articles if a.url.endswith("article-01.html"))
    assert cpf.extraction == "page" and cpf.title.startswith("CPF : un décret revoit")
    assert "/brevo/tr/op/e91a" not in tracker.hits
    assert not any("unsubscribe" in hit for hit in tracker.hits)
    assert "/brevo/mk/cl/f/AbCd1" in tracker.hits


@pytest.mark.slow
def test_a_pdf_attachment_is_extracted(dovecot: Dovecot, db_path: Path) -> None:
    dovecot.deliver(eml("accord-piece-jointe.eml"), folder="Veille")
    outcome = run(parse_config(mailbox_yaml(dovecot)), db_path).outcomes[0]
    assert outcome.ok and outcome.new_articles == 2  # the letter and its PDF
    articles = Store(db_path).articles(include_all=True)
    pdf = next(a for a in articles if a.extraction == "pdf")
    expected = (REPO / "tests/data/pdf/accord-canoe-kayak.txt").read_text(encoding="utf-8")
    assert expected.split()[:6] == pdf.text.split()[:6]
    assert sum(a.extraction == "mail" for a in articles) == 1


@pytest.mark.slow
def test_a_refused_login_is_that_source_s_error_only(
    dovecot: Dovecot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver(eml("france-travail-plain.eml"), folder="Veille")
    monkeypatch.setenv("VEILLE_TEST_WRONG_PASSWORD", "pas-le-bon")
    extra = f"""  - id: mauvais-mot-de-passe
    kind: mailbox
    url: imap://127.0.0.1:{dovecot.port}/Veille
    starttls: true
    ca_file: {dovecot.cert}
    username: {USER}
    password_env: VEILLE_TEST_WRONG_PASSWORD
  - id: sans-mot-de-passe
    kind: mailbox
    url: imaps://127.0.0.1:{dovecot.tls_port}/Veille
    ca_file: {dovecot.cert}
    username: {USER}
    password_env: VEILLE_TEST_UNSET_PASSWORD
  - id: serveur-eteint
    kind: mailbox
    url: imaps://127.0.0.1:{free_port()}/Veille
    username: {USER}
    password_env: {PASSWORD_ENV}
  - id: boite-absente
    kind: mailbox
    url: imaps://127.0.0.1:{dovecot.tls_port}/Nulle-part
    ca_file: {dovecot.cert}
    username: {USER}
    password_env: {PASSWORD_ENV}
"""
    summary = run(parse_config(mailbox_yaml(dovecot, extra=extra)), db_path)
    outcomes = {o.source_id: o for o in summary.outcomes}
    assert outcomes["lettres"].ok and outcomes["lettres"].new_articles == 1
    wrong = outcomes["mauvais-mot-de-passe"]
    assert wrong.error_kind == "mailbox"
    assert "refuse l’identifiant 'veille@example.org' ou son mot de passe" in (wrong.error or "")
    assert PASSWORD not in (wrong.error or "") and "pas-le-bon" not in (wrong.error or "")
    assert "le dossier 'Nulle-part' est introuvable" in (outcomes["boite-absente"].error or "")
    down = outcomes["serveur-eteint"]
    assert down.error_kind == "mailbox" and "ne répond pas" in (down.error or "")
    unset = outcomes["sans-mot-de-passe"].error or ""
    assert "la variable d’environnement VEILLE_TEST_UNSET_PASSWORD (ou " in unset
    figures = {f.id: f for f in Store(db_path).source_figures()}
    assert figures["mauvais-mot-de-passe"].last_error == wrong.error


@pytest.mark.slow
def test_certificates_are_checked(dovecot: Dovecot, db_path: Path, tmp_path: Path) -> None:
    text = mailbox_yaml(dovecot).replace(f"    ca_file: {dovecot.cert}\n", "")
    outcome = run(parse_config(text), db_path).outcomes[0]
    assert outcome.error_kind == "mailbox"
    assert "le certificat du serveur 127.0.0.1 n’est pas reconnu" in (outcome.error or "")
    assert "ca_file" in (outcome.error or "")
    # The authority given as a path relative to the sources file.
    dovecot.deliver(eml("france-travail-plain.eml"), folder="Veille")
    shutil.copy(dovecot.cert, tmp_path / "autorite.pem")
    text = mailbox_yaml(dovecot).replace(str(dovecot.cert), "autorite.pem")
    config = parse_config(text, name=str(tmp_path / "sources.yaml"))
    assert run(config, tmp_path / "autre.duckdb").outcomes[0].ok  # (the first backs off)


@pytest.mark.slow
def test_plain_imap_only_to_a_private_address_when_allowed(dovecot: Dovecot, db_path: Path) -> None:
    dovecot.deliver(eml("france-travail-plain.eml"), folder="Veille")
    url = f"imap://127.0.0.1:{dovecot.port}/Veille"
    allowed = parse_config(mailbox_yaml(dovecot, url=url))
    assert run(allowed, db_path).outcomes[0].new_articles == 1
    refused = parse_config(
        mailbox_yaml(dovecot, url=url).replace("allow_private_networks: true", "")
    )
    outcome = run(refused, db_path).outcomes[0]
    assert outcome.error_kind == "blocked-address"
    assert "adresse privée ou locale" in (outcome.error or "")


@pytest.mark.slow
def test_a_local_maildir_is_read_with_the_same_rules(tmp_path: Path, db_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for index, name in enumerate(["quotidien-formation.eml", "desinscription.eml"]):
        (maildir / "new" / f"170000000{index}.M{index}P1.test").write_bytes(eml(name))
    config = parse_config(
        f"sources:\n  - id: boite-locale\n    kind: mailbox\n    url: maildir://{maildir}\n"
    )
    assert run(config, db_path).outcomes[0].new_articles == 1
    assert sorted(p.name.rsplit(",", 1)[-1] for p in (maildir / "cur").iterdir()) == ["S", "S"]
    assert not list((maildir / "new").iterdir())
    again = run(config, db_path).outcomes[0]
    assert again.ok and again.entries == 0 and again.new_articles == 0
    shutil.rmtree(maildir)


@pytest.mark.slow
def test_the_demo_s_letters(demo_server: LocalServer, tmp_path: Path, db_path: Path) -> None:
    maildir = deliver_demo_letters(tmp_path / "lettres de démo")  # a space and an accent
    config = demo_config(demo_server.base_url, maildir)
    summary = asyncio.run(ingest(config, Store(db_path), only=(SOURCE_ID,)))
    assert summary.outcomes[0].new_articles == 2  # and a subscription confirmation set aside
    titles = sorted(a.title for a in Store(db_path).articles(include_all=True))
    assert titles == [
        "La lettre du centre de ressources – apprentissage et CPF",
        "OPCO Exemple : vos priorités de financement pour 2027",
    ]
    assert deliver_demo_letters(maildir) == maildir  # made once: its letters stay read
    assert len(list((maildir / "cur").iterdir())) == 3


@pytest.mark.slow
def test_a_renumbered_folder_is_read_again_without_doubles(dovecot: Dovecot, db_path: Path) -> None:
    dovecot.deliver(eml("quotidien-formation.eml"), folder="Veille")
    config = parse_config(mailbox_yaml(dovecot))
    assert run(config, db_path).outcomes[0].new_articles == 1
    # The server renumbered the folder since (a new UIDVALIDITY): the stored cursor names
    # another numbering, whose UID 99 means nothing here.
    Store(db_path).commit_source(
        "lettres", articles=(), sightings=(), entries_seen=None, etag="imap:1:99",
        last_modified=None,
    )  # fmt: skip
    dovecot.deliver(eml("france-travail-plain.eml"), folder="Veille")
    outcome = run(config, db_path).outcomes[0]
    assert outcome.entries == 2  # read again from the start ...
    assert outcome.new_articles == 1  # ... the letter already stored is not stored twice
    assert len(Store(db_path).articles(include_all=True)) == 2
    cursor = Cursor.parse(Store(db_path).source_state("lettres").etag)
    assert cursor is not None and cursor.validity != 1 and cursor.last_uid == 2


@pytest.mark.slow
def test_bounds_and_move_to(dovecot: Dovecot, db_path: Path) -> None:
    big = eml("accord-piece-jointe.eml")  # 53 KB with its PDF
    dovecot.deliver(
        eml("quotidien-formation.eml"), big, eml("france-travail-plain.eml"), folder="Veille"
    )
    extra = "    max_messages: 2\n    max_message_bytes: 20000\n    move_to: Veille/Lues\n"
    config = parse_config(mailbox_yaml(dovecot, extra=extra))
    first = run(config, db_path).outcomes[0]
    assert first.ok and first.new_articles == 1  # two letters read, one of them too big
    assert any(
        "lettre UID 2 ignorée : 0.1 Mo, au-delà de max_message_bytes" in w for w in first.warnings
    )
    assert any("d’autres lettres attendent" in w for w in first.warnings)
    # Both were moved (the big one too: it will never fit); the third waits in the folder.
    assert list(dovecot.flags("Veille")) == [3]
    assert len(dovecot.flags("Veille.Lues")) == 2  # Dovecot's delimiter is "."
    second = run(config, db_path).outcomes[0]
    assert second.new_articles == 1 and not second.warnings
    assert dovecot.flags("Veille") == {} and len(dovecot.flags("Veille.Lues")) == 3


@pytest.mark.slow
def test_a_server_that_never_answers_costs_its_deadline_only(db_path: Path) -> None:
    with socket.socket() as silent:  # the connection is taken, the greeting never comes
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        config = parse_config(
            f"""
settings: {{allow_private_networks: true}}
sources:
  - id: muet
    kind: mailbox
    url: imap://127.0.0.1:{port}/Veille
    username: {USER}
    password_env: {PASSWORD_ENV}
    deadline: 2
"""
        )
        outcome = run(config, db_path).outcomes[0]
    assert outcome.error_kind == "deadline-exceeded"
    assert "la lecture de la boîte sur 127.0.0.1 a dépassé 2 s" in (outcome.error or "")
    assert outcome.seconds < 30
