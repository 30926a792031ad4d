"""Every failure veille raises on purpose, as one tree (the way httpx documents its exceptions).

::

    VeilleError
    ├── ConfigError              sources.yaml / settings are invalid (nothing is fetched)
    ├── UsageError               a command option or a form field veille cannot use as given
    │   └── NotFoundError            it names something that does not exist (week, account...)
    ├── PrefectServerError       Prefect's API server did not start or does not answer
    ├── FetchError               one URL could not be fetched; the source is marked failed
    │   ├── UnsupportedURLError      not http(s), no host, or malformed
    │   ├── BlockedAddressError      resolves to a private/loopback/link-local/... address
    │   ├── NetworkError             DNS, connect or read failure / timeout, or a host given up
    │   ├── DeadlineExceededError    the total deadline for one request passed
    │   ├── ResponseTooLargeError    body larger than the size cap (counted after decompression)
    │   ├── TooManyRedirectsError    redirect loop or more hops than allowed
    │   ├── UnsupportedEncodingError Content-Encoding we cannot decode within bounds (br, zstd...)
    │   ├── BotChallengeError        a bot challenge (Cloudflare...) instead of content
    │   ├── MailboxError             an IMAP mailbox refused the login, the folder, the TLS...
    │   └── HTTPStatusError          a 4xx/5xx answer
    │       └── RateLimitedError         429/503, with the server's Retry-After when it gave one
    ├── ParseError               the bytes are not a feed / listing page we can read
    ├── ExtractionError          no text could be extracted from an article page
    │   └── PdfError                 a PDF refused (over a bound), unreadable or without text
    ├── StoreError               the database cannot be opened or written
    │   └── DatabaseLockedError      another process holds the DuckDB file
    ├── RunInProgressError       another ``veille run`` on this database is still running
    ├── SendInProgressError      the same week's letter is being sent by another process or job
    ├── TriageError              a curator's answer that cannot be recorded (veille.triage)
    ├── SpoolError               a worker's work order or batch file is unreadable (veille.spool)
    ├── ModelError               a model file that cannot be trusted, or training that cannot run
    ├── DigestError              a letter operation that cannot be done as asked (no draft...)
    ├── MailError                the letter cannot be sent: mail settings, SMTP server refusing
    └── ChannelError             a Teams/Slack/Mattermost webhook refused or never took a message

Each error carries a message meant for a person: what went wrong and, where it helps, what to do.

Each class names its ``kind``: a short, stable word recorded with a failure (``sources``'
``last_error_kind``, a pass's outcomes) and matched by policy (``health.NETWORK_KINDS``).
Kinds are stored in databases: renaming a class never changes them, and a kind never changes.

Containment: the exceptions of the libraries veille feeds with strangers' bytes (httpx's
``InvalidURL``, ``UnicodeError`` from IDNA, lxml's and feedparser's surprises...) are turned into
one of these where they are raised — the fetcher, the parsers, the extraction workers — so that
only this tree crosses a stage boundary, and a pass records a failure on the entry or the source
it belongs to (:func:`one_line` keeps the record short) and goes on.
"""

from __future__ import annotations

import re
from typing import ClassVar

from veille import i18n

MAX_MESSAGE_CHARS = 500
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]+")


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message as recorded for a person: one line, no control characters, at most ``limit``
    characters (a feed decides what its URLs and texts hold, and messages quote them)."""
    flat = " ".join(_CONTROL_OR_BREAK.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    """``TypeName: first words of the message``, for an error nobody planned for."""
    return one_line(f"{type(exc).__name__}: {exc}", 200)


class VeilleError(Exception):
    """Base class of every error veille raises on purpose (never raised itself).

    ``lang`` is the language its message is written in: the one in use where it was raised
    (the command line introduces it with « erreur : » or "error:" to match)."""

    kind: ClassVar[str] = "veille"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.lang = i18n.current()


class ConfigError(VeilleError):
    """The configuration (sources.yaml, environment) is invalid."""

    kind = "config"


class UsageError(VeilleError):
    """A command's option or a web form's field that veille cannot use as given."""

    kind = "usage"


class NotFoundError(UsageError):
    """The option or field names something that does not exist (a week, an account...)."""

    kind = "not-found"


class PrefectServerError(VeilleError):
    """Prefect's API server did not start, or does not answer."""

    kind = "prefect-server"


class FetchError(VeilleError):
    """A URL could not be fetched."""

    kind = "fetch"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class UnsupportedURLError(FetchError):
    """The URL is not an http(s) URL with a host."""

    kind = "unsupported-url"


class BlockedAddressError(FetchError):
    """The target address is private, loopback, link-local or otherwise not public."""

    kind = "blocked-address"


class NetworkError(FetchError):
    """DNS, connection or read failure, including connect/read timeouts.

    ``given_up_host``: the request was not even sent, its host having failed too often in a row
    during this pass (:mod:`veille.hosts`); still a network failure, of the same kind.
    """

    kind = "network"

    def __init__(
        self, message: str, *, url: str | None = None, given_up_host: str | None = None
    ) -> None:
        super().__init__(message, url=url)
        self.given_up_host = given_up_host


class DeadlineExceededError(FetchError):
    """The total deadline for one request passed (slow or trickling server)."""

    kind = "deadline-exceeded"


class ResponseTooLargeError(FetchError):
    """The body is larger than the size cap, counted after decompression."""

    kind = "response-too-large"


class TooManyRedirectsError(FetchError):
    """Redirect loop, or more redirects than allowed."""

    kind = "too-many-redirects"


class UnsupportedEncodingError(FetchError):
    """The server used a Content-Encoding we do not decode (we can only bound gzip and deflate)."""

    kind = "unsupported-encoding"


class BotChallengeError(FetchError):
    """The server answered with a bot-protection challenge instead of the content."""

    kind = "bot-challenge"


class MailboxError(FetchError):
    """A mailbox source could not be read: server unreachable, certificate refused, login or
    folder refused, no password in the environment (veille.mailbox)."""

    kind = "mailbox"


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx/5xx)."""

    kind = "http-status"

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class RateLimitedError(HTTPStatusError):
    """429 Too Many Requests or 503 Service Unavailable; ``retry_after`` in seconds if known."""

    kind = "rate-limited"


class ParseError(VeilleError):
    """The bytes are not a feed or page we can read."""

    kind = "parse"


class ExtractionError(VeilleError):
    """No article text could be extracted from a page."""

    kind = "extraction"


class PdfError(ExtractionError):
    """A PDF document over one of its bounds, damaged, protected, or without a text layer."""

    kind = "pdf"


class StoreError(VeilleError):
    """The database cannot be opened or written."""

    kind = "store"


class DatabaseLockedError(StoreError):
    """Another process holds the DuckDB file read-write."""

    kind = "database-locked"


class RunInProgressError(VeilleError):
    """Another pass over the same database is running (runs never overlap)."""

    kind = "run-in-progress"


class SendInProgressError(VeilleError):
    """The week's letter is being sent already (one send per week at a time)."""

    kind = "send-in-progress"


class TriageError(VeilleError):
    """A curator's answer in « Aidez veille à trier » that cannot be recorded (no tag, unknown
    article)."""

    kind = "triage"


class SpoolError(VeilleError):
    """A work order or batch file exchanged with a Prefect worker is missing or unreadable."""

    kind = "spool"


class ModelError(VeilleError):
    """A model file that cannot be trusted or read, or training that cannot be done."""

    kind = "model"


class DigestError(VeilleError):
    """A digest operation that cannot be done as asked (no draft, unknown article…)."""

    kind = "digest"


class MailError(VeilleError):
    """The digest cannot be sent: settings missing or wrong, SMTP server refusing us."""

    kind = "mail"


class ChannelError(VeilleError):
    """A message could not be posted to a channel's webhook (Teams, Slack, Mattermost): it
    refused it (``status``: its HTTP answer), or could not be reached after the retries."""

    kind = "channel"

    def __init__(self, message: str, *, channel: str, status: int | None = None) -> None:
        super().__init__(message)
        self.channel = channel
        self.status = status
