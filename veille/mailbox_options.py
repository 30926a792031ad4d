"""The keys of a ``kind: mailbox`` source (newsletters received by e-mail), declared apart from
:mod:`veille.config` so that its Source model stays small::

    sources:
      - id: lettres-centre-inffo
        kind: mailbox
        url: imaps://mail.example.org/Veille    # imaps://host[:port]/FOLDER (INBOX when none)
        username: veille@example.org
        password_env: VEILLE_MAILBOX_PASSWORD   # the variable holding the password (or _FILE)
        follow_links: false                     # true: each article link becomes an entry

``imap://host/FOLDER`` is plain IMAP: with ``starttls: true`` it is encrypted after the greeting,
without, it is refused unless the server is on a private address and private networks are
allowed (the password would cross the network in clear). ``ca_file`` names the certificate
authority of a server whose certificate is self-signed; certificates are always checked.
``maildir:///path/to/Maildir`` reads a Maildir folder on this machine (the demo's letters, or a
mail server's local delivery) with the same parser and rules.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from veille import i18n

MAILBOX_SCHEMES = ("imaps", "imap", "maildir")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_MAX_MESSAGES = 50
DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # a letter with a PDF order or two attached

# The keys only a mailbox source takes, and their defaults (a non-mailbox source leaves them so).
MAILBOX_ONLY = {
    "username": None,
    "password_env": None,
    "follow_links": False,
    "starttls": False,
    "ca_file": None,
    "move_to": None,
    "max_messages": DEFAULT_MAX_MESSAGES,
    "max_message_bytes": DEFAULT_MAX_MESSAGE_BYTES,
}


class MailboxOptions(BaseModel):
    """The mailbox keys of a source (the base of :class:`veille.config.Source`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: Annotated[str, Field(min_length=1, max_length=320)] | None = None
    password_env: str | None = None
    follow_links: bool = False
    starttls: bool = False
    ca_file: str | None = None
    move_to: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    max_messages: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_MAX_MESSAGES
    max_message_bytes: Annotated[int, Field(ge=10_000, le=50 * 1024 * 1024)] = (
        DEFAULT_MAX_MESSAGE_BYTES
    )

    @model_validator(mode="after")
    def _mailbox_keys(self) -> Any:
        kind, url = getattr(self, "kind", "feed"), getattr(self, "url", "")
        if kind != "mailbox":
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(i18n.message("config.value.not_http_mailbox", value=url))
            given = [k for k, default in MAILBOX_ONLY.items() if getattr(self, k) != default]
            if given:
                raise ValueError(i18n.message("mailbox.config.only", keys=", ".join(given)))
            return self
        check_mailbox_url(url)
        scheme = urlsplit(url).scheme
        if scheme != "maildir" and not (self.username and self.password_env):
            raise ValueError(i18n.message("mailbox.config.login"))
        if self.password_env is not None and not ENV_NAME_RE.match(self.password_env):
            raise ValueError(i18n.message("mailbox.config.env", name=self.password_env))
        if self.starttls and scheme != "imap":
            raise ValueError(i18n.message("mailbox.config.starttls"))
        return self


def check_mailbox_url(url: str) -> None:
    """ValueError unless ``url`` is imaps://host[:port]/FOLDER, imap://... or maildir:///path."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a port out of range
    except ValueError:
        raise ValueError(i18n.message("mailbox.config.url", url=url)) from None
    if parts.scheme not in MAILBOX_SCHEMES:
        raise ValueError(i18n.message("mailbox.config.url", url=url))
    if parts.scheme == "maildir":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValueError(i18n.message("mailbox.config.maildir", url=url))
    elif not parts.hostname or parts.password or parts.query:
        raise ValueError(i18n.message("mailbox.config.url", url=url))


def mailbox_folder(url: str) -> str:
    """The folder an imap(s):// address names (``INBOX`` when none); a maildir's path."""
    path = unquote(urlsplit(url).path)
    if urlsplit(url).scheme == "maildir":
        return path
    return path.strip("/") or "INBOX"
