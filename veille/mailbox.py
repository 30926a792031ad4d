"""A mailbox source's letters: read from an IMAP folder (IMAPClient) or a local Maildir, and
marked read (or moved) once their articles are committed.

::

    polled = poll(source, Cursor.parse(state.etag), allow_private_networks=False)
    ...  # parse, build and commit the articles, with polled.cursor as the source's validator
    finish(source, polled, refs, allow_private_networks=False)   # \\Seen, or moved

**Seen letters.** An IMAP folder numbers its messages with UIDs that only grow, within one
UIDVALIDITY: the last UID read is kept as the source's validator (the column a feed's ETag
uses: :class:`Cursor`), committed in the same transaction as the articles. Only UIDs above it
are fetched (``BODY.PEEK[]``: reading leaves the letter unread). Letters are marked ``\\Seen``
(or moved to ``move_to``) only after that commit: a crash before it fetches them again, a crash
after it finds them below the cursor (and marks them then), and the Message-ID identity of the
entries stores nothing twice either way — also when the server renumbered the folder (a new
UIDVALIDITY: read again from the start). A Maildir has no UIDs: its letters without the Seen
flag are read, and flagged once committed.

**Bounds.** At most ``max_messages`` letters a run, the oldest first (the others next run);
a letter over ``max_message_bytes`` (its RFC822.SIZE, asked before its bytes) is skipped and
named in the run's warnings; the source's ``deadline`` (else :data:`DEADLINE`) for the whole
poll, and each socket operation within it.

**Security.** imaps:// (TLS from the start) by default, or imap:// with ``starttls: true``;
certificates and host names are always checked (``ca_file`` adds the authority of a
self-signed server). Plain imap:// is refused unless the server is on a private address and
private networks are allowed. As for web sources, a server on a private or loopback address is
refused unless ``allow_private_networks`` is set. The password comes from the variable
``password_env`` names (or its ``_FILE`` twin) and is never shown.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from veille import i18n
from veille.environment import env_secret
from veille.errors import (
    BlockedAddressError,
    ConfigError,
    DeadlineExceededError,
    MailboxError,
    describe,
)
from veille.guard import PRIVATE_HINT, is_public_address
from veille.mailbox_options import mailbox_folder

if TYPE_CHECKING:
    from veille.config import Source

DEADLINE = 120.0  # seconds for a whole poll, when the source sets no deadline
BATCH = 10  # letters fetched per FETCH command
SEEN = b"\\Seen"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where an IMAP folder was read up to: its UIDVALIDITY and the last UID committed."""

    validity: int
    last_uid: int

    @classmethod
    def parse(cls, value: str | None) -> Cursor | None:
        """The cursor stored as ``imap:VALIDITY:UID`` (None for anything else)."""
        parts = (value or "").split(":")
        if len(parts) == 3 and parts[0] == "imap" and parts[1].isdigit() and parts[2].isdigit():
            return cls(int(parts[1]), int(parts[2]))
        return None

    def __str__(self) -> str:
        return f"imap:{self.validity}:{self.last_uid}"


@dataclass(slots=True)
class Polled:
    """What one poll brought: the letters' bytes by reference (UID, or Maildir key)."""

    letters: list[tuple[int | str, bytes]] = field(default_factory=list)
    validity: int | None = None  # the folder's UIDVALIDITY (None: a Maildir)
    too_big: list[tuple[int | str, int]] = field(default_factory=list)  # (ref, bytes) skipped
    more: bool = False  # letters left for the next run (max_messages reached)
    # Letters below the cursor still to be marked (a crash came between commit and marking).
    unmarked: list[int] = field(default_factory=list)

    def cursor(self, done: list[int | str], previous: Cursor | None) -> str | None:
        """The validator to commit: the highest UID of ``done`` (None for a Maildir)."""
        if self.validity is None:
            return None
        start = previous.last_uid if previous and previous.validity == self.validity else 0
        uids = [r for r in done if isinstance(r, int)]
        return str(Cursor(self.validity, max([start, *uids])))


def poll(source: Source, cursor: Cursor | None, *, allow_private_networks: bool) -> Polled:
    """The source's unread letters (IMAP: above the cursor), within its bounds."""
    if urlsplit(source.url).scheme == "maildir":
        return _poll_maildir(source)
    deadline = time.monotonic() + (source.deadline or DEADLINE)
    with _connected(source, allow_private_networks, deadline) as client:
        folder = _folder(client, mailbox_folder(source.url))
        info = _imap(lambda: client.select_folder(folder, readonly=True), source, folder)
        validity = int(info.get(b"UIDVALIDITY", 0))
        start = cursor.last_uid + 1 if cursor and cursor.validity == validity else 1
        # "n:*" always matches the last message, even below n: filter again.
        uids = sorted(u for u in client.search(["UID", f"{start}:*"]) if u >= start)
        polled = Polled(validity=validity, more=len(uids) > source.max_messages)
        if start > 1:
            criteria = ["UID", f"1:{start - 1}"] + ([] if source.move_to else ["UNSEEN"])
            polled.unmarked = sorted(u for u in client.search(criteria) if u < start)
        uids = uids[: source.max_messages]
        sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
        wanted = []
        for uid in uids:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if size > source.max_message_bytes:
                polled.too_big.append((uid, size))
            else:
                wanted.append(uid)
        for index in range(0, len(wanted), BATCH):
            _check_deadline(source, deadline)
            batch = wanted[index : index + BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            polled.letters += [(u, bytes(fetched[u].get(b"BODY[]", b""))) for u in batch]
        return polled


def finish(
    source: Source, polled: Polled, refs: list[int | str], *, allow_private_networks: bool
) -> None:
    """Mark these committed letters read, or move them to ``move_to`` (and those a crash left
    unmarked below the cursor)."""
    if polled.validity is None:
        _finish_maildir(source, [r for r in refs if isinstance(r, str)])
        return
    uids = sorted({r for r in refs if isinstance(r, int)} | set(polled.unmarked))
    if not uids:
        return
    deadline = time.monotonic() + (source.deadline or DEADLINE)
    with _connected(source, allow_private_networks, deadline) as client:
        folder = _folder(client, mailbox_folder(source.url))
        info = _imap(lambda: client.select_folder(folder), source, folder)
        if int(info.get(b"UIDVALIDITY", 0)) != polled.validity:
            return  # renumbered meanwhile: these UIDs are other letters now
        if source.move_to:
            target = _folder(client, source.move_to)
            if not client.folder_exists(target):
                client.create_folder(target)
            if client.has_capability("MOVE"):
                client.move(uids, target)
                return
            client.copy(uids, target)
            client.delete_messages(uids)
            client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()
        else:
            client.add_flags(uids, [SEEN])


def password(source: Source) -> str:
    """The mailbox's password, from the variable ``password_env`` names (or its _FILE twin)."""
    name = source.password_env or ""
    try:
        value = env_secret(name)
    except ConfigError as exc:
        raise MailboxError(str(exc)) from None
    if not value:
        raise MailboxError(i18n.message("mailbox.no_password", name=name, source=source.id))
    return value


def _folder(client: IMAPClient, name: str) -> str:
    """A folder written with ``/`` (``Veille/Lues``), in the server's own hierarchy delimiter
    (Dovecot's Maildir++ uses ``.``)."""
    if "/" not in name:
        return name
    try:
        delimiter = client.namespace().personal[0][1]
    except (IMAPClientError, IndexError, TypeError):
        return name
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode("ascii", "replace")
    return name.replace("/", delimiter) if delimiter else name


def _check_deadline(source: Source, deadline: float) -> None:
    if time.monotonic() > deadline:
        seconds = f"{source.deadline or DEADLINE:.0f}"
        raise DeadlineExceededError(
            i18n.message("mailbox.deadline", host=_host(source), seconds=seconds)
        )


def _host(source: Source) -> str:
    return urlsplit(source.url).hostname or "?"


def _imap(call: Callable[[], T], source: Source, folder: str) -> T:
    try:
        return call()
    except IMAPClientError as exc:
        raise MailboxError(
            i18n.message("mailbox.no_folder", folder=folder, host=_host(source), detail=exc)
        ) from None


@contextlib.contextmanager
def _connected(source: Source, allow_private: bool, deadline: float) -> Iterator[IMAPClient]:
    """A logged-in client; every failure a MailboxError (or a deadline) naming the server."""
    host = _host(source)
    with _server_errors(source, "mailbox.unreachable"):
        try:
            client = _login(source, allow_private, deadline)
        except ssl.SSLCertVerificationError as exc:  # an OSError: said before the others
            raise MailboxError(
                i18n.message("mailbox.certificate", host=host, detail=exc.verify_message or exc)
            ) from None
    try:
        with _server_errors(source, "mailbox.failed"):
            yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


@contextlib.contextmanager
def _server_errors(source: Source, key: str) -> Iterator[None]:
    """The server's and the network's failures as one MailboxError (``key``: connecting or
    reading); a socket timeout as the source's deadline."""
    try:
        yield
    except TimeoutError:
        _check_deadline(source, 0)
        raise
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        raise MailboxError(i18n.message(key, host=_host(source), detail=describe(exc))) from None


def _login(source: Source, allow_private: bool, deadline: float) -> IMAPClient:
    parts = urlsplit(source.url)
    host = parts.hostname or ""
    tls = parts.scheme == "imaps"
    port = parts.port or (993 if tls else 143)
    public = _check_address(host, port, allow_private, plain=not tls and not source.starttls)
    context = ssl.create_default_context(cafile=source.ca_file) if source.ca_file else None
    context = context or ssl.create_default_context()
    timeout = max(1.0, deadline - time.monotonic())
    client = IMAPClient(host, port=port, ssl=tls, ssl_context=context, timeout=timeout)
    try:
        if source.starttls:
            client.starttls(context)
        elif not tls and public:  # _check_address refused this already; never send in clear
            raise MailboxError(i18n.message("mailbox.plain_public", host=host))
        client.login(source.username or "", password(source))
    except LoginError:
        with contextlib.suppress(Exception):
            client.logout()
        raise MailboxError(
            i18n.message("mailbox.login", user=source.username, host=host, source=source.id)
        ) from None
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


def _check_address(host: str, port: int, allow_private: bool, *, plain: bool) -> bool:
    """Whether the server's addresses are public; refuse private ones unless allowed, and plain
    IMAP to anything but a private address."""
    import ipaddress

    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError) as exc:
        raise MailboxError(i18n.message("mailbox.unreachable", host=host, detail=exc)) from None
    addresses = [ipaddress.ip_address(str(a).split("%")[0]) for a in found]
    public = any(is_public_address(a) for a in addresses)
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise BlockedAddressError(
            i18n.message("mailbox.private", host=host) + " " + PRIVATE_HINT, url=host
        )
    if plain and (public or not allow_private):
        raise MailboxError(i18n.message("mailbox.plain_public", host=host))
    return public


def _maildir(source: Source) -> mailbox.Maildir:
    path = Path(mailbox_folder(source.url))
    if not (path / "cur").is_dir() or not (path / "new").is_dir():
        raise MailboxError(i18n.message("mailbox.no_maildir", path=path))
    return mailbox.Maildir(path, factory=None, create=False)


def _poll_maildir(source: Source) -> Polled:
    box = _maildir(source)
    polled = Polled()
    # Maildir names start with their delivery time: sorted, the oldest come first.
    unread = sorted(k for k, m in box.iteritems() if "S" not in m.get_flags())
    polled.more = len(unread) > source.max_messages
    for key in unread[: source.max_messages]:
        data = box.get_bytes(key)
        if len(data) > source.max_message_bytes:
            polled.too_big.append((key, len(data)))
        else:
            polled.letters.append((key, data))
    return polled


def _finish_maildir(source: Source, keys: list[str]) -> None:
    box = _maildir(source)
    for key in keys:
        with contextlib.suppress(KeyError):
            message = box[key]
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
