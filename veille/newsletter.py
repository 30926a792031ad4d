"""One e-mail (a newsletter) -> a :class:`Letter`: identity, sender, date, clean text, links,
PDF attachments, and whether it is only a subscription notice.

::

    letter = parse_letter(raw_bytes)
    letter.message_id, letter.sender, letter.subject, letter.text, letter.links, letter.pdfs

Pure: nothing here touches the network. The HTML part is read by lxml into plain text
(:func:`veille.extract.text_of_html`: scripts, styles and every tag dropped), so images —
tracking pixels, remote pictures — are never fetched and no markup is kept. The identity is the
Message-ID (a hash of the headers and body when a sender leaves it out); the sender is the list's
name (``List-Id``), else the From name or address. A subscription confirmation or an unsubscribe
notice is not an article (:func:`is_notice`). Attachments other than PDF are ignored.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from veille.extract import text_of_html
from veille.identity import short_hash
from veille.models import MAX_GUID_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, clip
from veille.pdf import is_pdf

MAX_LINKS = 40  # article links taken from one letter, in order
MAX_PDFS = 5  # PDF attachments read from one letter
NOTICE_BODY_CHARS = 1000  # a notice is short, with one link at most (see is_notice)

# Subjects and short bodies of the messages a list sends about the subscription itself.
NOTICE_RE = re.compile(
    r"confirm(?:ez|er|e)?\s+(?:votre|ton|vos)\s+(?:inscription|abonnement|adresse)"
    r"|valid(?:ez|er)\s+(?:votre|ton)\s+(?:inscription|abonnement|adresse)"
    r"|confirmation\s+(?:de\s+(?:votre\s+)?|d['’]\s*)(?:inscription|abonnement|désinscription)"
    r"|(?:vous\s+)?(?:êtes|avez\s+été|etes)\s+(?:bien\s+)?(?:désinscrit|desinscrit|désabonné)"
    r"|désinscription\s+(?:confirmée|effectuée|prise\s+en\s+compte)"
    r"|adresse\s+(?:\(?\S+@\S+\)?\s+)?a\s+été\s+(?:supprimée|retirée)\s+de\s+la\s+liste"  # Sympa
    r"|confirm\s+your\s+(?:subscription|e-?mail|sign[\s-]?up)"
    r"|please\s+confirm\s+(?:your|that)"
    r"|(?:you(?:['’]ve|\s+have)\s+been|successfully)\s+unsubscribed"
    r"|unsubscribe\s+(?:confirmation|successful)",
    re.IGNORECASE,
)
# Links of a letter that are not articles: its own machinery and the publisher's profiles.
NOT_ARTICLE_TEXT = re.compile(
    r"d[ée]sinscri|d[ée]sabonn|unsubscribe|se\s+d[ée]sinscrire|version\s+(?:en\s+ligne|web)|"
    r"navigateur|view\s+(?:online|in\s+(?:your\s+)?browser)|mentions\s+l[ée]gales|"
    r"pr[ée]f[ée]rences|preferences|manage\s+subscription|g[ée]rer\s+(?:mon|votre)\s+abonnement",
    re.IGNORECASE,
)
SOCIAL_HOSTS = re.compile(
    r"(?:^|\.)(?:facebook\.com|twitter\.com|x\.com|linkedin\.com|instagram\.com|youtube\.com|"
    r"tiktok\.com|bsky\.app|mastodon\.social|whatsapp\.com)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A PDF attached to a letter."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Letter:
    """A newsletter as veille reads it."""

    message_id: str  # without its angle brackets; "sha256:..." for a message without one
    subject: str
    sender: str  # the list's name, else the From name or address
    date: datetime | None  # aware, UTC
    html: str  # the HTML part as sent (untrusted: only ever turned into text)
    text: str  # plain text, no markup
    links: tuple[tuple[str, str], ...]  # (address, link text) of the links that may be articles
    pdfs: tuple[Attachment, ...]
    notice: bool  # a subscription confirmation or an unsubscribe notice, not an article
    ignored_attachments: int = 0


def parse_letter(raw: bytes) -> Letter:
    """The letter in an e-mail's bytes (RFC 5322); never raises for odd content."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    subject = _header(message, "Subject")
    body_html, body_text = _bodies(message)
    text = text_of_html(body_html) if body_html else _plain(body_text)
    pdfs, ignored = _attachments(message)
    unsubscribe = {u for u in re.findall(r"<([^>]+)>", _header(message, "List-Unsubscribe"))}
    links = tuple(_links(body_html, unsubscribe))[:MAX_LINKS] if body_html else ()
    return Letter(
        message_id=_message_id(message, raw),
        subject=clip(" ".join(subject.split()), MAX_TITLE_CHARS),
        sender=clip(_sender(message), MAX_NAME_CHARS),
        date=_date(_header(message, "Date")),
        html=body_html,
        text=text,
        links=links,
        pdfs=pdfs,
        notice=is_notice(subject, text, len(links)),
        ignored_attachments=ignored,
    )


def is_notice(subject: str, text: str, links: int = 0) -> bool:
    """Whether a message is about the subscription itself (confirm it, or it ended): said in
    its subject, or in a short body with one link at most (a letter mentioning one is a
    letter)."""
    if NOTICE_RE.search(subject):
        return True
    short = len(text) <= NOTICE_BODY_CHARS and links <= 1
    return short and bool(NOTICE_RE.search(text))


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, LookupError):  # a header the parser chokes on
        return ""
    return str(value) if value is not None else ""


def _message_id(message: EmailMessage, raw: bytes) -> str:
    found = re.search(r"<([^<>\s]+)>", _header(message, "Message-ID"))
    if found and len(found[1]) <= MAX_GUID_CHARS:
        return found[1]
    # No usable Message-ID: the same bytes give the same id (a letter delivered twice is one).
    return "sha256:" + short_hash(raw.decode("utf-8", "replace"))


def _sender(message: EmailMessage) -> str:
    list_id = _header(message, "List-Id")
    if list_id:
        name, _, rest = list_id.partition("<")
        name = " ".join(name.replace('"', " ").split())
        return name or rest.rstrip(">").strip()
    pairs = getaddresses([_header(message, "From")])
    name, address = pairs[0] if pairs else parseaddr("")
    return " ".join(name.split()) or address or "?"


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _content(part: EmailMessage) -> str | bytes:
    try:
        return part.get_content()  # type: ignore[no-any-return]
    except (LookupError, ValueError, AssertionError, KeyError):  # unknown charset, bad encoding
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The HTML and the plain-text body (either may be empty)."""
    found: dict[str, str] = {}
    for kind in ("html", "plain"):
        part = message.get_body(preferencelist=(kind,))
        if isinstance(part, EmailMessage):
            content = _content(part)
            found[kind] = content if isinstance(content, str) else ""
    return found.get("html", ""), found.get("plain", "")


def _plain(text: str) -> str:
    """Plain text kept as paragraphs (a text letter wraps its lines at 72 characters)."""
    return text_of_html(plain_html(text)) if text.strip() else ""


def plain_html(text: str) -> str:
    """A plain-text letter as HTML paragraphs (blank lines part them; lines within rejoin)."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p.strip())


def _attachments(message: EmailMessage) -> tuple[tuple[Attachment, ...], int]:
    pdfs: list[Attachment] = []
    ignored = 0
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        filename = part.get_filename() or ""
        content = _content(part)
        data = content if isinstance(content, bytes) else b""
        declared = part.get_content_type()
        if len(pdfs) < MAX_PDFS and data and is_pdf(data, declared):
            pdfs.append(Attachment(clip(filename or "document.pdf", MAX_NAME_CHARS), data))
        else:
            ignored += 1
    return tuple(pdfs), ignored


def _links(body_html: str, unsubscribe: set[str]) -> list[tuple[str, str]]:
    """The http(s) links of the letter that may lead to articles, in order, each once."""
    try:
        root = lxml.html.document_fromstring(body_html.encode("utf-8", "replace"))
    except (lxml.etree.LxmlError, ValueError):
        return []
    found: dict[str, str] = {}
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        label = " ".join(anchor.text_content().split())
        if href in found or href in unsubscribe or len(href) > MAX_URL_CHARS:
            continue
        try:
            parts = urlsplit(href)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if SOCIAL_HOSTS.search(parts.hostname) or NOT_ARTICLE_TEXT.search(label + " " + href):
            continue
        found[href] = clip(label, MAX_TITLE_CHARS)
    return list(found.items())
