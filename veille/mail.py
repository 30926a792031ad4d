"""Sending the digest by e-mail: settings, one message per subscriber, one SMTP connection.

**At most once per subscriber.** ``send_all`` claims each message before it goes out
(``claim(recipient)``, written at once by the store: a second claim of the same week and address
is refused by the database), records it as sent once the server has accepted it
(``confirm``), and gives the claim back when the message surely did not go (``release``: the
server refused it, or the connection failed before the message was handed over). A send killed
between handing a message over and recording the server's answer leaves a claim without an
answer: that message is *uncertain* — the subscriber may or may not have it — and is never sent
again automatically; the next send lists it, and a curator may choose to send it again. So
nobody gets the same week's letter twice, and nobody is left out except, at worst, the one or
two subscribers whose message was in flight at the moment of a kill.

Usage::

    settings = SmtpSettings.from_env()
    token = unsubscribe_token(secret, "ana@example.org", "veille")
    msg = build_message(digest, to="ana@example.org", unsubscribe_url=link, archive_url=None,
                        sender=settings.sender)
    report = send_all([("ana@example.org", msg)], settings,
                      claim=claim, confirm=confirm, release=release)
"""

from __future__ import annotations

import base64
import contextlib
import email.generator
import email.policy
import hashlib
import hmac
import io
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlencode, urlsplit

from veille import clock, environment, i18n
from veille.environment import env_secret
from veille.errors import MailError
from veille.render import Digest, email_subject, render_email_html, render_email_text

__all__ = [
    "SendReport",
    "SmtpSettings",
    "build_message",
    "send_all",
    "unsubscribe_link",
    "unsubscribe_token",
    "verify_unsubscribe_token",
]

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send. Read from the environment by :meth:`from_env`.

    ``VEILLE_SMTP_USER`` and ``VEILLE_SMTP_PASSWORD`` may instead be read from files named by
    ``VEILLE_SMTP_USER_FILE`` / ``VEILLE_SMTP_PASSWORD_FILE``. The password is never logged,
    never printed, and kept out of ``repr``.
    """

    host: str
    sender: str  # the From address, "Veille formation <veille@of-exemple.fr>"
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = 30.0  # seconds, for the connection and each SMTP command

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """Settings from ``VEILLE_SMTP_*`` and ``VEILLE_MAIL_FROM``; a clear MailError if wrong."""
        env = os.environ if environ is None else environ
        host = _required(env, "VEILLE_SMTP_HOST", i18n.message("mail.what_host"))
        sender = _required(env, "VEILLE_MAIL_FROM", i18n.message("mail.what_sender"))
        if "@" not in parseaddr(sender)[1]:
            raise MailError(i18n.message("mail.bad_sender", name="VEILLE_MAIL_FROM", value=sender))
        user = env_secret("VEILLE_SMTP_USER", env)
        password = env_secret("VEILLE_SMTP_PASSWORD", env)
        if user and not password:
            raise MailError(i18n.message("mail.user_without_password"))
        return cls(
            host=host,
            sender=sender,
            port=_port(env.get("VEILLE_SMTP_PORT", "587")),
            user=user,
            password=password,
            # Empty is the default, not "no": encryption is never turned off by a blank line.
            starttls=_flag(env.get("VEILLE_SMTP_STARTTLS") or "true", "VEILLE_SMTP_STARTTLS"),
        )


def _required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise MailError(i18n.message("mail.not_set", name=name, what=what))
    return value


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise MailError(i18n.message("mail.bad_port", value=value))
    return port


def _flag(value: str, name: str) -> bool:
    flag = environment.yes_no(value)
    if flag is not None:
        return flag
    raise MailError(i18n.message("mail.bad_flag", name=name, value=value))


# --- unsubscribe links ---------------------------------------------------------------------


def unsubscribe_token(secret: bytes, email: str, week_or_list: str) -> str:
    """HMAC-SHA256 of the address and list (or week), URL-safe base64 without padding."""
    if len(secret) < 16:
        raise MailError(i18n.message("mail.short_secret"))
    message = f"{email.strip().lower()}\n{week_or_list}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_unsubscribe_token(secret: bytes, email: str, week_or_list: str, token: str) -> bool:
    """True when ``token`` was made by :func:`unsubscribe_token` for this address and list."""
    expected = unsubscribe_token(secret, email, week_or_list)
    return hmac.compare_digest(expected.encode("ascii"), token.encode("ascii", "replace"))


def unsubscribe_link(base_url: str, secret: bytes, email: str, week_or_list: str) -> str:
    """``https://…/unsubscribe?email=…&list=…&token=…`` for one subscriber."""
    query = urlencode(
        {
            "email": email.strip(),
            "list": week_or_list,
            "token": unsubscribe_token(secret, email, week_or_list),
        }
    )
    return f"{base_url}{'&' if '?' in base_url else '?'}{query}"


# --- messages ------------------------------------------------------------------------------


def build_message(
    d: Digest,
    *,
    to: str,
    unsubscribe_url: str,
    archive_url: str | None,
    sender: str,
    date: datetime | None = None,
) -> EmailMessage:
    """The digest for one subscriber: text/plain then text/html, with one-click unsubscribe."""
    if urlsplit(unsubscribe_url).scheme != "https":
        # RFC 8058: one-click unsubscribe (List-Unsubscribe-Post) requires an HTTPS URI.
        raise MailError(i18n.message("mail.unsubscribe_not_https", url=unsubscribe_url))
    recipient = _address(to, "mail.role_recipient")
    domain = _address(sender, "mail.role_sender").split("@", 1)[1]
    msg = EmailMessage()
    msg["Subject"] = email_subject(d)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(date or clock.now())
    msg["Message-ID"] = make_msgid(idstring=d.week, domain=domain)
    msg["List-Id"] = f"<veille.{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Precedence"] = "bulk"  # a newsletter: auto-responders should stay quiet
    text = render_email_text(d, unsubscribe_url=unsubscribe_url, archive_url=archive_url)
    html = render_email_html(d, unsubscribe_url=unsubscribe_url, archive_url=archive_url)
    # quoted-printable keeps both parts 7-bit: no server needs 8BITMIME, lines stay short.
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg


def _address(value: str, role: str) -> str:
    """The bare address in ``value``; MailError if it is not one (or tries to add a header)."""
    address = parseaddr(value)[1]
    who = i18n.message(role)
    if "\r" in value or "\n" in value or "@" not in address:
        raise MailError(i18n.message("mail.bad_address", role=who, value=value))
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise MailError(
            i18n.message("mail.bad_address_why", role=who, value=value, reason=exc)
        ) from None
    return address


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one ``send_all`` run did, recipient by recipient."""

    sent: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # already sent by an earlier run
    failed: tuple[tuple[str, str], ...] = ()  # (recipient, reason): not sent, retried next run
    uncertain: tuple[str, ...] = ()  # a send died while their message was in flight

    def __str__(self) -> str:
        """``8 lettres envoyées, 2 abonnés l’avaient déjà reçue`` (parts at zero left out, but
        the letters sent, which always lead)."""
        parts = [i18n.counted("send.sent", len(self.sent))]
        for key, n in (
            ("send.skipped", len(self.skipped)),
            ("send.failed", len(self.failed)),
            ("send.uncertain", len(self.uncertain)),
        ):
            if n:
                parts.append(i18n.counted(key, n))
        return ", ".join(parts)


def send_all(
    messages: Iterable[tuple[str, EmailMessage]],
    settings: SmtpSettings,
    *,
    claim: Callable[[str], str | None],
    confirm: Callable[[str], None],
    release: Callable[[str], None],
    progress: Callable[[int], None] | None = None,
    on_wire: Callable[[], None] = lambda: None,
) -> SendReport:
    """Send each message to its recipient over one SMTP connection, at most once each.

    ``claim(recipient)`` returns None when the message is this run's to send, ``"sent"`` when
    it went already (skipped), ``"uncertain"`` when a run that died had claimed it. A recipient
    the server refuses is reported in ``failed`` (released: the next run tries again) and the
    others go on. If the connection is lost, the rest are reported as failed and left for the
    next run. An exception from ``claim``, ``confirm`` or ``release`` stops the run.
    ``progress(n)``: called after each recipient, with how many were handled. ``on_wire()``:
    called before each exchange with the server (the caller lets go of what it holds).
    """
    sent: list[str] = []
    skipped: list[str] = []
    failed: list[tuple[str, str]] = []
    uncertain: list[str] = []
    lost: str | None = None  # why the connection is gone
    smtp: smtplib.SMTP | None = None
    envelope_from = _address(settings.sender, "mail.role_sender")
    try:
        for done, (recipient, message) in enumerate(messages, start=1):
            if lost is not None:
                failed.append((recipient, lost))
            elif (state := claim(recipient)) is not None:
                (skipped if state == "sent" else uncertain).append(recipient)
            else:
                on_wire()
                if smtp is None:
                    try:
                        smtp = _connect(settings)
                    except BaseException:
                        release(recipient)
                        raise
                outcome, reason = _deliver(smtp, envelope_from, recipient, message)
                if outcome == "sent":
                    confirm(recipient)  # right away: a crash after this never mails them again
                    sent.append(recipient)
                elif outcome == "uncertain":
                    uncertain.append(recipient)  # the claim stays: never sent twice
                    lost = _connection_lost(reason)
                else:
                    release(recipient)
                    failed.append((recipient, reason or i18n.message("mail.refused")))
                    if outcome == "lost":
                        lost = _connection_lost(reason)
            if progress is not None:
                progress(done)
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return SendReport(tuple(sent), tuple(skipped), tuple(failed), tuple(uncertain))


def _deliver(
    smtp: smtplib.SMTP, envelope_from: str, recipient: str, message: EmailMessage
) -> tuple[str, str | None]:
    """Hand one message to the server: ``("sent", None)``, or ``(outcome, reason)`` where
    outcome is ``refused`` (the server answered no), ``lost`` (the connection failed before
    the message was handed over) or ``uncertain`` (it failed after: the server may have it).

    Written with SMTP's steps (MAIL, RCPT, DATA, then the message) rather than
    ``send_message``, which raises the same exception whether the connection broke before the
    message was handed over or while waiting for the server's answer: only the second may have
    delivered it, and that difference decides whether it may be sent again.
    """
    international = not (envelope_from + recipient).isascii()
    if international and not smtp.has_extn("smtputf8"):
        return "refused", i18n.message("mail.no_smtputf8")
    options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
    try:
        for code, answer, ok in (
            (*smtp.mail(envelope_from, options), (250,)),
            (*smtp.rcpt(recipient), (250, 251)),
            (*smtp.docmd("data"), (354,)),
        ):
            if code not in ok:
                return _refused(smtp, code, answer)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return "lost", i18n.message("mail.connection_lost", reason=exc)
    try:
        smtp.send(_data(message, international))
        code, answer = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return "uncertain", i18n.message("mail.lost_while_taking", reason=exc)
    if code == -1:
        return "uncertain", _refusal((code, answer))
    if code != 250:
        return _refused(smtp, code, answer)
    return "sent", None


def _connection_lost(reason: str | None) -> str:
    text = reason or i18n.message("mail.closed")
    lost = i18n.message("mail.connection_lost", reason="").removesuffix(" ()")
    return text if text.startswith(lost) else i18n.message("mail.connection_lost", reason=text)


def _refused(smtp: smtplib.SMTP, code: int, answer: bytes) -> tuple[str, str]:
    """The server said no. 421 (or an unreadable answer) also means it closes the connection:
    the message is ``lost`` for this run and so are the next ones; otherwise ``refused``."""
    if code in (421, -1):
        smtp.close()
        return "lost", _refusal((code, answer))
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()
    return "refused", _refusal((code, answer))


def _data(message: EmailMessage, international: bool) -> bytes:
    """The message as DATA sends it: CRLF line ends, leading dots doubled, the final dot."""
    with io.BytesIO() as buffer:
        policy = email.policy.SMTPUTF8 if international else email.policy.SMTP
        generator = email.generator.BytesGenerator(buffer, policy=policy)
        generator.flatten(message, linesep="\r\n")
        data = buffer.getvalue()
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _refusal(answer: tuple[int, bytes | str] | None) -> str:
    if answer is None:
        return i18n.message("mail.refused")
    code, text = answer
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return i18n.message("mail.refused_why", code=code, text=text)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An SMTP session ready to send: STARTTLS with certificate checks, then login if asked."""
    if settings.user and not settings.starttls and settings.host not in _LOOPBACK_HOSTS:
        raise MailError(i18n.message("mail.unencrypted", host=settings.host))
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except OSError as exc:
        raise MailError(i18n.message("mail.cannot_connect", where=where, reason=exc)) from None
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except smtplib.SMTPNotSupportedError:
        smtp.close()
        raise MailError(i18n.message("mail.no_starttls", where=where)) from None
    except ssl.SSLError as exc:
        smtp.close()
        raise MailError(i18n.message("mail.tls_failed", where=where, reason=exc)) from None
    except smtplib.SMTPAuthenticationError as exc:
        smtp.close()
        raise MailError(
            i18n.message("mail.login_refused", where=where, user=settings.user, code=exc.smtp_code)
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise MailError(i18n.message("mail.server_failed", where=where, reason=exc)) from None
    return smtp
