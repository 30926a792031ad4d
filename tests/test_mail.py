"""Sending the digest through a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.conftest import free_port
from veille.errors import MailError
from veille.mail import (
    SmtpSettings,
    build_message,
    send_all,
    unsubscribe_link,
    unsubscribe_token,
    verify_unsubscribe_token,
)
from veille.render import Digest, DigestItem, DigestSection, DigestStats, email_subject

SECRET = b"0123456789abcdef-test-secret"
SENDER = "Veille formation <veille@of-exemple.fr>"
UNSUBSCRIBE_BASE = "https://veille.of-exemple.fr/desinscription"
ARCHIVE = "https://veille.of-exemple.fr/2026-W47/"
LOGIN = ("veille", "s3cret")  # what the test server accepts
RECIPIENTS = ["ana.martin@greta.example.fr", "bruno@cfa.example.fr", "chloe@of.example.fr"]


class Collector:
    """An aiosmtpd handler that keeps every envelope and refuses some recipients."""

    def __init__(self, refuse: frozenset[str] = frozenset(), close_at: int | None = None) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = refuse
        self.close_at = close_at  # answer 421 (closing) to the DATA of this message number
        self.data_count = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_count += 1
        if self.data_count == self.close_at:
            return "421 4.3.2 Too many messages, closing the connection"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def delivered(self) -> list[str]:
        return [rcpt for env in self.envelopes for rcpt in env.rcpt_tos]

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for env in self.envelopes:
            assert isinstance(env.content, bytes)
            msg = email.message_from_bytes(env.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            parsed.append(msg)
        return parsed


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        LOGIN[0].encode(),
        LOGIN[1].encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _server(handler: Collector, **kwargs: Any) -> Iterator[tuple[Collector, int]]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    yield from _server(Collector())


@pytest.fixture
def digest() -> Digest:
    item = DigestItem(
        article_id="a1",
        title="Compte personnel de formation : ce qui change au 1er janvier",
        url="https://www.centre-inffo.fr/site-droit-formation/cpf-ce-qui-change",
        source_name="Centre Inffo",
        also_reported_by=("Thot Cursus",),
        published_at=datetime(2026, 11, 17, 9, tzinfo=UTC),
        summary="Un décret précise le reste à charge du titulaire. Les OPCO publient leurs "
        "nouvelles règles de prise en charge.",
        note="À relayer aux conseillers en formation continue.",
    )
    other = DigestItem(
        article_id="a2",
        title="AFEST : retour d’expérience d’un GRETA",
        url="https://www.cafepedagogique.net/2026/11/18/afest-greta/",
        source_name="Café pédagogique",
        published_at=datetime(2026, 11, 18, 7, tzinfo=UTC),
        summary="Une action de formation en situation de travail menée sur six mois.",
    )
    return Digest(
        week="2026-W47",
        title="Veille formation",
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        top_story=item,
        sections=(
            DigestSection(
                tag_id="innovation-pedagogique", label="Innovation pédagogique", items=(other,)
            ),
        ),
        stats=DigestStats(gathered=80, duplicates=12, off_topic=60, kept=2, words_not_read=9200),
        failing_sources=(("OPCO Atlas", "HTTP 503"),),
        published_at=datetime(2026, 11, 23, 7, tzinfo=UTC),
    )


def _settings(port: int, **kwargs: object) -> SmtpSettings:
    env = {
        "VEILLE_SMTP_HOST": "127.0.0.1",
        "VEILLE_SMTP_PORT": str(port),
        "VEILLE_SMTP_STARTTLS": "false",
        "VEILLE_MAIL_FROM": SENDER,
        **{k: str(v) for k, v in kwargs.items()},
    }
    return SmtpSettings.from_env(env)


def _messages(d: Digest, recipients: list[str]) -> list[tuple[str, EmailMessage]]:
    return [
        (
            to,
            build_message(
                d,
                to=to,
                unsubscribe_url=unsubscribe_link(UNSUBSCRIBE_BASE, SECRET, to, "veille"),
                archive_url=ARCHIVE,
                sender=SENDER,
            ),
        )
        for to in recipients
    ]


class SentLog:
    """The week's claims, in memory: what the store does for real (claim, confirm, release)."""

    def __init__(self, crash_after: int | None = None, sent: tuple[str, ...] = ()) -> None:
        self.state: dict[str, str] = dict.fromkeys(sent, "sent")
        self.crash_after = crash_after

    @property
    def done(self) -> set[str]:
        return {r for r, state in self.state.items() if state == "sent"}

    def claim(self, recipient: str) -> str | None:
        if recipient in self.state:
            return "sent" if self.state[recipient] == "sent" else "uncertain"
        self.state[recipient] = "claimed"
        return None

    def confirm(self, recipient: str) -> None:
        self.state[recipient] = "sent"
        if self.crash_after is not None and len(self.done) >= self.crash_after:
            raise RuntimeError("simulated crash right after recording a delivery")

    def release(self, recipient: str) -> None:
        self.state.pop(recipient, None)

    def hooks(self) -> dict[str, Any]:
        return {"claim": self.claim, "confirm": self.confirm, "release": self.release}


# --- sending ---------------------------------------------------------------------------------


def test_digest_reaches_three_subscribers(
    smtp_server: tuple[Collector, int], digest: Digest
) -> None:
    server, port = smtp_server
    log = SentLog()
    report = send_all(
        _messages(digest, RECIPIENTS),
        _settings(port),
        **log.hooks(),
    )
    assert report.sent == tuple(RECIPIENTS) and not report.skipped and not report.failed
    assert str(report) == "3 lettres envoyées"
    assert log.done == set(RECIPIENTS)
    assert [env.mail_from for env in server.envelopes] == ["veille@of-exemple.fr"] * 3
    assert server.delivered() == RECIPIENTS

    ids = set()
    for recipient, msg in zip(RECIPIENTS, server.messages(), strict=True):
        assert msg["From"] == SENDER
        assert msg["To"] == recipient
        assert msg["Subject"] == email_subject(digest)
        assert msg["Subject"] == "Veille formation — semaine du 16 au 22 novembre 2026"
        assert msg["Date"] is not None
        assert msg["Message-ID"].endswith("@of-exemple.fr>")
        ids.add(msg["Message-ID"])
        link = unsubscribe_link(UNSUBSCRIBE_BASE, SECRET, recipient, "veille")
        assert msg["List-Unsubscribe"] == f"<{link}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["Precedence"] == "bulk"
        assert msg.get_content_type() == "multipart/alternative"
        text_part, html_part = msg.iter_parts()
        assert text_part.get_content_type() == "text/plain"
        assert html_part.get_content_type() == "text/html"
        text, html = text_part.get_content(), html_part.get_content()
        assert "Compte personnel de formation" in text and link in text
        assert "OPCO Atlas" not in text + html

        hrefs = lxml.html.document_fromstring(html).xpath("//a/@href")
        assert digest.top_story is not None
        assert digest.top_story.url in hrefs
        assert digest.sections[0].items[0].url in hrefs
        (unsubscribe,) = [h for h in hrefs if h.startswith(UNSUBSCRIBE_BASE)]
        query = parse_qs(urlsplit(unsubscribe).query)
        assert query["email"] == [recipient]
        assert verify_unsubscribe_token(SECRET, recipient, "veille", query["token"][0])
        others = [r for r in RECIPIENTS if r != recipient]
        assert not verify_unsubscribe_token(SECRET, others[0], "veille", query["token"][0])
    assert len(ids) == 3


def test_second_run_sends_nothing(smtp_server: tuple[Collector, int], digest: Digest) -> None:
    server, port = smtp_server
    log = SentLog()
    settings = _settings(port)
    send_all(
        _messages(digest, RECIPIENTS),
        settings,
        **log.hooks(),
    )
    again = send_all(
        _messages(digest, RECIPIENTS),
        settings,
        **log.hooks(),
    )
    assert again.sent == () and again.skipped == tuple(RECIPIENTS) and again.failed == ()
    assert server.delivered() == RECIPIENTS


def test_crash_mid_run_then_rerun_mails_everyone_once(
    smtp_server: tuple[Collector, int], digest: Digest
) -> None:
    server, port = smtp_server
    log = SentLog(crash_after=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        send_all(
            _messages(digest, RECIPIENTS),
            _settings(port),
            **log.hooks(),
        )
    assert server.delivered() == RECIPIENTS[:2]

    log.crash_after = None  # the process is restarted with the same record
    report = send_all(
        _messages(digest, RECIPIENTS),
        _settings(port),
        **log.hooks(),
    )
    assert report.sent == (RECIPIENTS[2],)
    assert report.skipped == tuple(RECIPIENTS[:2])
    delivered = server.delivered()
    assert sorted(delivered) == sorted(RECIPIENTS)  # nobody twice, nobody skipped


def test_refused_recipient_is_reported_and_the_others_go_on(digest: Digest) -> None:
    for server, port in _server(Collector(refuse=frozenset({RECIPIENTS[1]}))):
        log = SentLog()
        report = send_all(
            _messages(digest, RECIPIENTS),
            _settings(port),
            **log.hooks(),
        )
        assert report.sent == (RECIPIENTS[0], RECIPIENTS[2])
        ((who, reason),) = report.failed
        assert who == RECIPIENTS[1] and "550" in reason and "Mailbox unavailable" in reason
        assert log.done == {RECIPIENTS[0], RECIPIENTS[2]}  # retried on the next run
        assert server.delivered() == [RECIPIENTS[0], RECIPIENTS[2]]


def test_connection_closed_mid_run_leaves_the_rest_for_the_next_run(digest: Digest) -> None:
    for server, port in _server(Collector(close_at=2)):
        log = SentLog()
        report = send_all(
            _messages(digest, RECIPIENTS),
            _settings(port),
            **log.hooks(),
        )
        assert report.sent == (RECIPIENTS[0],)
        assert [who for who, _ in report.failed] == RECIPIENTS[1:]
        assert "421" in report.failed[0][1] and "connexion perdue" in report.failed[1][1]
        server.close_at = None
        again = send_all(
            _messages(digest, RECIPIENTS),
            _settings(port),
            **log.hooks(),
        )
        assert again.sent == tuple(RECIPIENTS[1:])
        assert server.delivered() == RECIPIENTS


def test_login_when_a_user_is_set(digest: Digest) -> None:
    for server, port in _server(Collector(), authenticator=_authenticate, auth_require_tls=False):
        log = SentLog()
        good = _settings(port, VEILLE_SMTP_USER="veille", VEILLE_SMTP_PASSWORD=LOGIN[1])
        report = send_all(
            _messages(digest, RECIPIENTS[:1]),
            good,
            **log.hooks(),
        )
        assert report.sent == (RECIPIENTS[0],)
        bad = _settings(port, VEILLE_SMTP_USER="veille", VEILLE_SMTP_PASSWORD=LOGIN[1] + "x")
        with pytest.raises(
            MailError, match=r"a refusé l’identifiant 'veille'.*VEILLE_SMTP_PASSWORD"
        ):
            send_all(
                _messages(digest, RECIPIENTS[1:2]),
                bad,
                **log.hooks(),
            )
        assert server.delivered() == RECIPIENTS[:1]


def test_starttls_required_but_not_offered(
    smtp_server: tuple[Collector, int], digest: Digest
) -> None:
    _, port = smtp_server
    settings = _settings(port, VEILLE_SMTP_STARTTLS="true")
    with pytest.raises(MailError, match="ne propose pas STARTTLS"):
        send_all(
            _messages(digest, RECIPIENTS[:1]),
            settings,
            **SentLog().hooks(),
        )


def test_unreachable_server_is_a_clear_error(digest: Digest) -> None:
    settings = _settings(free_port())
    with pytest.raises(MailError, match=r"connexion impossible au serveur SMTP 127.0.0.1:.*HOST"):
        send_all(
            _messages(digest, RECIPIENTS[:1]),
            settings,
            **SentLog().hooks(),
        )


def test_nothing_to_send_opens_no_connection(digest: Digest) -> None:
    settings = _settings(free_port())  # nobody listens there: connecting would fail
    report = send_all(
        _messages(digest, RECIPIENTS),
        settings,
        **SentLog(sent=tuple(RECIPIENTS)).hooks(),
    )
    assert report.skipped == tuple(RECIPIENTS)


def test_password_is_never_sent_in_clear_to_a_remote_host() -> None:
    settings = SmtpSettings(
        host="smtp.example.org", sender=SENDER, user="u", password=LOGIN[1], starttls=False
    )
    assert LOGIN[1] not in repr(settings)
    with pytest.raises(MailError, match=r"sans chiffrement.*VEILLE_SMTP_STARTTLS=true"):
        send_all(
            [("a@b.fr", EmailMessage())],
            settings,
            **SentLog().hooks(),
        )


# --- settings, messages, tokens ------------------------------------------------------------


def test_settings_from_env_defaults() -> None:
    settings = SmtpSettings.from_env(
        {"VEILLE_SMTP_HOST": "smtp.example.org", "VEILLE_MAIL_FROM": SENDER}
    )
    assert (settings.port, settings.starttls, settings.user) == (587, True, None)


GOOD_ENV = {"VEILLE_SMTP_HOST": "smtp.example.org", "VEILLE_MAIL_FROM": SENDER}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VEILLE_MAIL_FROM": SENDER}, "VEILLE_SMTP_HOST n’est pas défini. Astuce : export"),
        ({"VEILLE_SMTP_HOST": "smtp.example.org"}, "VEILLE_MAIL_FROM n’est pas défini"),
        (
            {**GOOD_ENV, "VEILLE_MAIL_FROM": "veille"},
            "VEILLE_MAIL_FROM='veille' n’est pas une adresse e-mail",
        ),
        (
            {**GOOD_ENV, "VEILLE_SMTP_PORT": "smtp"},
            "VEILLE_SMTP_PORT='smtp' n’est pas un numéro de port",
        ),
        ({**GOOD_ENV, "VEILLE_SMTP_STARTTLS": "peut-être"}, "VEILLE_SMTP_STARTTLS='peut-être'"),
        ({**GOOD_ENV, "VEILLE_SMTP_USER": "veille"}, "VEILLE_SMTP_PASSWORD ne l’est pas\\."),
    ],
)
def test_settings_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(MailError, match=message):
        SmtpSettings.from_env(env)


def test_build_message_refuses_bad_input(digest: Digest) -> None:
    with pytest.raises(MailError, match="n’est pas en https"):
        build_message(
            digest,
            to=RECIPIENTS[0],
            unsubscribe_url="http://x.org/u",
            archive_url=None,
            sender=SENDER,
        )
    with pytest.raises(MailError, match="n’est pas une adresse e-mail"):
        build_message(
            digest,
            to="ana@of.fr\r\nBcc: everyone@example.org",
            unsubscribe_url=UNSUBSCRIBE_BASE,
            archive_url=None,
            sender=SENDER,
        )


def test_unsubscribe_tokens() -> None:
    token = unsubscribe_token(SECRET, "Ana.Martin@greta.example.fr ", "veille")
    assert token == unsubscribe_token(SECRET, "ana.martin@greta.example.fr", "veille")
    assert all(c.isalnum() or c in "-_" for c in token) and len(token) == 43
    assert verify_unsubscribe_token(SECRET, "ana.martin@greta.example.fr", "veille", token)
    assert not verify_unsubscribe_token(SECRET, "ana.martin@greta.example.fr", "autre", token)
    assert not verify_unsubscribe_token(
        b"another-secret-of-16+", "ana.martin@greta.example.fr", "veille", token
    )
    assert not verify_unsubscribe_token(SECRET, "ana.martin@greta.example.fr", "veille", "é")
    with pytest.raises(MailError, match="moins de 16 octets"):
        unsubscribe_token(b"short", "a@b.fr", "veille")
