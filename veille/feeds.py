"""Feed bytes -> :class:`~veille.models.ParsedFeed`: RSS 0.9x/1.0/2.0, Atom, JSON Feed, RSS-in-JSON.

feedparser is used for XML feeds with the defences found necessary on 6.0.14 (each one has its test
in tests/test_feeds.py and tests/test_hostile.py): it only ever gets bytes (given a str it opens
paths and URLs), the DOCTYPE is stripped first (its loose parser expands a "quadratic blow-up"
entity without limit), and any exception it raises becomes a :class:`~veille.errors.ParseError`.
HTML sanitising is left to render time (feed text is untrusted everywhere it lands), which also
makes parsing 2–3× faster.

Bounded and linear, whatever the document: at most ``MAX_ENTRIES_PER_FEED`` items are read, every
field is cut to its bound (:mod:`veille.models`), an item that cannot be read is skipped (and
counted in the warnings) instead of failing the feed, and nothing here scans the whole list once
per item (``guids.count(g)`` made a 40,000-item feed take 87 s: see ``bench/feed_parse.py``).
"""

from __future__ import annotations

import calendar
import io
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.mixin

from veille import i18n
from veille.errors import ParseError, describe
from veille.extract import text_of_html
from veille.identity import entry_key
from veille.models import (
    MAX_ENTRIES_PER_FEED,
    MAX_GUID_CHARS,
    MAX_NAME_CHARS,
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Entry,
    ParsedFeed,
    clip,
)
from veille.pages import discover_feeds

DOCTYPE_RE = re.compile(rb"<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
DOCTYPE_START_RE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
ENTRY_TAG_RE = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)
FIRST_ELEMENT_RE = re.compile(rb"<\w")  # where feedparser's prolog ends (sanitizer.replace_doctype)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SPACES_RE = re.compile(r"\s+")
HTML_START_RE = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL
)


def repeated(values: Iterable[str | None]) -> frozenset[str]:
    """The values that occur more than once (None and empty ones ignored), in one pass."""
    counts = Counter(v for v in values if v)
    return frozenset(v for v, n in counts.items() if n > 1)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document fetched from ``url``; ParseError when it is not a readable feed."""
    if not body.strip():
        raise ParseError(i18n.message("feeds.empty", url=url))
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    try:
        if stripped[:1] in (b"{", b"["):
            return _parse_json(stripped, url)
        if HTML_START_RE.match(stripped[:4096]):
            raise ParseError(_html_message(stripped, url))
        return _parse_xml(stripped, url, content_type)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 — containment (errors.py): always a ParseError
        raise ParseError(i18n.message("feeds.unreadable", url=url, detail=describe(exc))) from None


def strip_doctype(body: bytes) -> bytes:
    """The document without the DOCTYPE declarations of its prolog (before the first element,
    where feedparser looks for entities to expand).

    Linear in the size of the document: each declaration is matched once, where it starts. A
    search for the whole pattern tried it at every ``<!DOCTYPE`` of a document that repeats it
    without ever closing it, scanning to the end each time (88 KB: 6.5 s; 1 MB: minutes).
    """
    first = FIRST_ELEMENT_RE.search(body)
    prolog_end = first.start() if first else len(body)
    pieces = []
    position = 0
    while (found := DOCTYPE_START_RE.search(body, position, prolog_end)) is not None:
        pieces.append(body[position : found.start()])
        whole = DOCTYPE_RE.match(body, found.start())
        position = whole.end() if whole else prolog_end  # unclosed: the rest of the prolog goes
    if not pieces:
        return body
    pieces.append(body[position:])
    return b"".join(pieces)


# feedparser looks for an e-mail address in an author's text with a regex whose time grows with
# the square of that text (6.0.14: 20,000 letters take 3 s; the million a hostile feed may send
# would take hours, stalling the pass: found by fuzzing). veille keeps MAX_NAME_CHARS of an
# author anyway, so the text is cut before that regex sees it. feedparser has no hook for this:
# its method is wrapped, and tests/test_feeds.py fails (times out) if the wrap stops working.
_AUTHOR_SCAN_CHARS = 4 * MAX_NAME_CHARS
_sync_author_detail = feedparser.mixin._FeedParserMixin._sync_author_detail


def _bounded_sync_author_detail(self: Any, key: str = "author") -> None:
    context = self._get_context()
    value = context.get(key)
    if isinstance(value, str) and len(value) > _AUTHOR_SCAN_CHARS:
        context[key] = value[:_AUTHOR_SCAN_CHARS]
    _sync_author_detail(self, key)


feedparser.mixin._FeedParserMixin._sync_author_detail = _bounded_sync_author_detail


def _html_message(body: bytes, url: str) -> str:
    found = discover_feeds(body, base_url=url)
    if found:
        return i18n.message("feeds.html_with_feed", url=url, feed=found[0])
    return i18n.message("feeds.html_page", url=url)


def _parse_xml(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    warnings: list[str] = []
    body = _first_entries(strip_doctype(body), warnings)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # noqa: BLE001 - feedparser raises arbitrary errors (feedparser#599)
        raise ParseError(
            i18n.message("feeds.unreadable", url=url, detail=type(exc).__name__)
        ) from None
    version = parsed.get("version") or ""
    entries_raw = parsed.get("entries") or []
    if not version and not entries_raw:
        reason = parsed.get("bozo_exception")
        detail = f" ({_first_line(str(reason))})" if reason else ""
        raise ParseError(i18n.message("feeds.not_a_feed", url=url, detail=detail))
    if parsed.get("bozo") and entries_raw:
        reason = _first_line(str(parsed.get("bozo_exception")))
        warnings.append(i18n.message("feeds.malformed", reason=reason))
    feed = parsed.get("feed", {})
    feed_lang = _lang(feed.get("language"))
    entries_raw = _capped(entries_raw, warnings)
    duplicated = repeated(_clean(e.get("id")) for e in entries_raw)
    entries = _each(entries_raw, lambda raw: _xml_entry(raw, url, feed_lang, duplicated), warnings)
    return ParsedFeed(
        format=version or "unknown",
        title=_plain(feed.get("title"), MAX_NAME_CHARS) or None,
        link=_http(feed.get("link"), url),
        lang=feed_lang,
        entries=_unique(entries),
        warnings=tuple(warnings),
    )


def _first_entries(body: bytes, warnings: list[str]) -> bytes:
    """The document cut before its item number ``MAX_ENTRIES_PER_FEED + 1``.

    feedparser reads every item of a document (about a millisecond each here), so a feed of
    70,000 items would hold a core for a minute for items that are dropped anyway; cut short,
    it costs what a feed of ``MAX_ENTRIES_PER_FEED`` items costs (feedparser reads a truncated
    document, marking it malformed). The tags are counted with one linear scan.
    """
    tags = ENTRY_TAG_RE.finditer(body)
    cut = next(itertools.islice(tags, MAX_ENTRIES_PER_FEED, None), None)
    if cut is None:
        return body
    total = MAX_ENTRIES_PER_FEED + 1 + sum(1 for _ in tags)
    warnings.append(i18n.message("feeds.too_many_entries", count=total, kept=MAX_ENTRIES_PER_FEED))
    return body[: cut.start()]


def _capped(items: list[Any], warnings: list[str]) -> list[Any]:
    """The first ``MAX_ENTRIES_PER_FEED`` items (feeds list the newest first)."""
    if len(items) <= MAX_ENTRIES_PER_FEED:
        return items
    warnings.append(
        i18n.message("feeds.too_many_entries", count=len(items), kept=MAX_ENTRIES_PER_FEED)
    )
    return items[:MAX_ENTRIES_PER_FEED]


def _each(items: list[Any], read: Any, warnings: list[str]) -> list[Entry]:
    """``read(item)`` for each item; an item that cannot be read is skipped and counted.

    Containment (errors.py): feedparser and JSON give attacker-shaped structures, and one odd
    item must cost that item, not the feed.
    """
    entries: list[Entry] = []
    failures: list[Exception] = []
    for item in items:
        try:
            entries.append(read(item))
        except Exception as exc:  # noqa: BLE001 — see the docstring
            failures.append(exc)
    if failures:
        warnings.append(
            i18n.message(
                "feeds.unreadable_entries", count=len(failures), detail=describe(failures[0])
            )
        )
    return entries


def _xml_entry(raw: Any, base: str, feed_lang: str | None, duplicated: frozenset[str]) -> Entry:
    link = _http(raw.get("link"), base)
    guid = _clean(raw.get("id")) or None
    title = _plain(raw.get("title"), MAX_TITLE_CHARS)
    content_html = ""
    for content in raw.get("content") or []:
        if content.get("value"):
            content_html = _clean(content["value"], MAX_TEXT_CHARS)
            break
    summary = _plain(raw.get("summary"), MAX_TEXT_CHARS)
    published = _struct_time(raw.get("published_parsed")) or _struct_time(raw.get("updated_parsed"))
    tags = (_plain(tag.get("term"), MAX_NAME_CHARS) for tag in (raw.get("tags") or [])[:MAX_TAGS])
    return Entry(
        key=entry_key(guid, link, title, content_html or summary, duplicated_guids=duplicated),
        url=link,
        title=title,
        guid=_bounded_guid(guid),
        summary=summary,
        content_html=content_html,
        author=_plain(raw.get("author"), MAX_NAME_CHARS) or None,
        published_at=published,
        updated_at=_struct_time(raw.get("updated_parsed")),
        lang=_lang(raw.get("language")) or feed_lang,
        tags=tuple(t for t in tags if t),
    )


def _bounded_guid(guid: str | None) -> str | None:
    """The GUID as stored beside its entry: cut to its bound (the key holds its hash)."""
    return clip(guid, MAX_GUID_CHARS) if guid else None


def _parse_json(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8", "replace"), strict=False)
    except (ValueError, RecursionError) as exc:
        raise ParseError(
            i18n.message("feeds.bad_json", url=url, detail=_first_line(str(exc)))
        ) from None
    if isinstance(data, dict) and isinstance(data.get("rss"), dict):
        return _parse_rss_json(data["rss"], url)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(i18n.message("feeds.not_json_feed", url=url))
    lang = _lang(data.get("language"))
    warnings: list[str] = []
    items = _capped([i for i in data["items"] if isinstance(i, dict)], warnings)
    duplicated = repeated(_json_guid(i) for i in items)
    feed_author = _json_author(data)

    def read(item: dict[str, Any]) -> Entry:
        link = _http(item.get("url") or item.get("external_url"), url)
        guid = _json_guid(item)
        title = _plain(_str(item.get("title")), MAX_TITLE_CHARS)
        content_html = _clean(_str(item.get("content_html")), MAX_TEXT_CHARS)
        summary = _plain(_str(item.get("summary")), MAX_TEXT_CHARS) or (
            _clean(_str(item.get("content_text")), MAX_TEXT_CHARS) if not content_html else ""
        )
        raw_tags = item.get("tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        return Entry(
            key=entry_key(guid, link, title, content_html or summary, duplicated_guids=duplicated),
            url=link,
            title=title,
            guid=_bounded_guid(guid),
            summary=summary,
            content_html=content_html,
            author=_json_author(item) or feed_author,
            published_at=_date(item.get("date_published")) or _date(item.get("date_modified")),
            updated_at=_date(item.get("date_modified")),
            lang=_lang(item.get("language")) or lang,
            tags=tuple(
                clip(_clean(t), MAX_NAME_CHARS) for t in tags[:MAX_TAGS] if isinstance(t, str)
            ),
        )

    return ParsedFeed(
        format="json",
        title=_plain(_str(data.get("title")), MAX_NAME_CHARS) or None,
        link=_http(data.get("home_page_url"), url),
        lang=lang,
        entries=_unique(_each(items, read, warnings)),
        warnings=tuple(warnings),
    )


def _json_guid(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    if value is None or value == "":
        return None
    return _clean(str(value)) or None


def _parse_rss_json(rss: dict[str, Any], url: str) -> ParsedFeed:
    """RSS 2.0 serialised as JSON (Dave Winer's Scripting News)."""
    channel = rss.get("channel") if isinstance(rss.get("channel"), dict) else {}
    assert isinstance(channel, dict)
    items = channel.get("item") or []
    if isinstance(items, dict):
        items = [items]
    lang = _lang(channel.get("language"))
    warnings: list[str] = []
    records = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    items = _capped(records, warnings)

    def read(item: dict[str, Any]) -> Entry:
        guid_raw = item.get("guid")
        guid = _clean(_str(guid_raw.get("#value") if isinstance(guid_raw, dict) else guid_raw))
        link = _http(item.get("link"), url)
        description = _str(item.get("description"))
        title = _plain(_str(item.get("title")), MAX_TITLE_CHARS)
        summary = _plain(description, MAX_TEXT_CHARS)
        return Entry(
            key=entry_key(guid or None, link, title, summary),
            url=link,
            title=title,
            guid=_bounded_guid(guid or None),
            summary=summary,
            content_html=_clean(description, MAX_TEXT_CHARS),
            published_at=_date(item.get("pubDate")),
            lang=lang,
        )

    return ParsedFeed(
        format="rss-json",
        title=_plain(_str(channel.get("title")), MAX_NAME_CHARS) or None,
        link=_http(channel.get("link"), url),
        lang=lang,
        entries=_unique(_each(items, read, warnings)),
        warnings=tuple(warnings),
    )


def _unique(entries: list[Entry]) -> tuple[Entry, ...]:
    """Entries with distinct keys: two entries with the same key are the same entry."""
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            out.append(entry)
    return tuple(out)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _clean(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Text without C0 control characters (they break e-mail headers and some renderers) nor
    lone surrogates, within ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    return clip(CONTROL_RE.sub("", value[: limit + 4096]).strip(), limit)


def _plain(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Plain one-line text of a field that may carry HTML (titles often do), within ``limit``
    characters. Markup rarely takes more room than its text: twenty times the limit is read."""
    text = _clean(value, 20 * limit)
    if "<" in text or "&" in text:
        text = text_of_html(text)
    return clip(SPACES_RE.sub(" ", text).strip(), limit)


def _http(link: Any, base: str) -> str | None:
    """An absolute http(s) URL, or None (javascript:, mailto:, garbage)."""
    if not isinstance(link, str) or not link.strip() or len(link) > MAX_URL_CHARS:
        return None
    try:
        absolute = urljoin(base, _clean(link))
        parts = urlsplit(absolute)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # "http://[oops", "http://host:99999/": not a link anyone can follow
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        # Relative links resolved against a feed URL that carries a password would publish it.
        netloc = parts.netloc.rsplit("@", 1)[1]
        absolute = parts._replace(netloc=netloc).geturl()
    return absolute if len(absolute) <= MAX_URL_CHARS else None


def _lang(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value)
    return match.group(1).lower() if match else None


def _struct_time(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _date(value: Any) -> datetime | None:
    """ISO 8601 or RFC 822 date -> aware UTC datetime, or None (never guessed)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _json_author(item: dict[str, Any]) -> str | None:
    author = item.get("author")
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        return _plain(author["name"]) or None
    authors = item.get("authors")
    if isinstance(authors, list):
        names = [
            a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
        ]
        return ", ".join(names) or None
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


# Shared with veille.jsonsource: articles from a JSON API are normalised exactly like feed items.
plain_text = _plain
clean_text = _clean
parse_date = _date
absolute_http_url = _http
