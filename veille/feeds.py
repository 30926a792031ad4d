"""Feed bytes -> :class:`~veille.models.ParsedFeed`: RSS 0.9x/1.0/2.0, Atom, JSON Feed, RSS-in-JSON.

feedparser is used for XML feeds with the defences found necessary on 6.0.14 (reliability.md
§0, §1.2, §1.7): it only ever gets bytes (given a str it opens paths and URLs), the DOCTYPE is
stripped first (its loose parser expands a "quadratic blow-up" entity without limit), and any
exception it raises becomes a :class:`~veille.errors.ParseError`. HTML sanitising is left to
render time (feed text is untrusted everywhere it lands), which also makes parsing 2–3× faster.
"""

from __future__ import annotations

import calendar
import io
import json
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from veille.errors import ParseError
from veille.extract import text_of_html
from veille.identity import short_hash
from veille.models import Entry, ParsedFeed
from veille.pages import discover_feeds

DOCTYPE_RE = re.compile(rb"<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SPACES_RE = re.compile(r"\s+")
HTML_START_RE = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL
)


def entry_key(
    guid: str | None,
    link: str | None,
    title: str,
    content: str,
    *,
    duplicated_guids: frozenset[str] = frozenset(),
) -> str:
    """The identity of an entry inside its source: decided here and nowhere else.

    * The GUID when the feed gives one and it is unique in the document: it survives a changed
      title or URL (miniflux hashes the GUID first too).
    * A feed that repeats a GUID (some CMSs give every item the channel's id) would lose entries
      if we trusted it: for those, GUID + link, as miniflux falls back to GUID+URL and FreshRSS
      degrades its rule per feed.
    * No GUID: the absolute link, which is what readers follow anyway.
    * No link either: a hash of title and content — the only thing left that tells items apart.
    """
    if guid and guid not in duplicated_guids:
        return f"guid:{guid}"
    if guid and link:
        return f"guid+link:{guid}|{link}"
    if link:
        return f"link:{link}"
    return "hash:" + short_hash(title, content)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document fetched from ``url``; ParseError when it is not a readable feed."""
    if not body.strip():
        raise ParseError(f"{url} returned an empty document, not a feed")
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return _parse_json(stripped, url)
    if HTML_START_RE.match(stripped[:4096]):
        raise ParseError(_html_message(stripped, url))
    return _parse_xml(stripped, url, content_type)


def _html_message(body: bytes, url: str) -> str:
    found = discover_feeds(body, base_url=url)
    if found:
        return (
            f"{url} is an HTML page, not a feed. Hint: the page announces a feed at {found[0]}; "
            "use that URL."
        )
    return (
        f"{url} is an HTML page, not a feed. Hint: use kind: page for a page that lists "
        "articles, or find the site's feed URL."
    )


def _parse_xml(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    body = DOCTYPE_RE.sub(b"", body, count=1)
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
        raise ParseError(f"{url} could not be parsed as a feed ({type(exc).__name__})") from None
    version = parsed.get("version") or ""
    entries_raw = parsed.get("entries") or []
    if not version and not entries_raw:
        reason = parsed.get("bozo_exception")
        detail = f": {_first_line(str(reason))}" if reason else ""
        raise ParseError(f"{url} is not an RSS, Atom or JSON feed{detail}")
    warnings: list[str] = []
    if parsed.get("bozo") and entries_raw:
        warnings.append(f"malformed feed, read what could be read: {parsed.get('bozo_exception')}")
    feed = parsed.get("feed", {})
    feed_lang = _lang(feed.get("language"))
    guids = [e.get("id") for e in entries_raw if e.get("id")]
    duplicated = frozenset(g for g in guids if guids.count(g) > 1)
    entries = []
    for raw in entries_raw:
        entries.append(_xml_entry(raw, url, feed_lang, duplicated))
    return ParsedFeed(
        format=version or "unknown",
        title=_plain(feed.get("title")) or None,
        link=_http(feed.get("link"), url),
        lang=feed_lang,
        entries=_unique(entries),
        warnings=tuple(warnings),
    )


def _xml_entry(raw: Any, base: str, feed_lang: str | None, duplicated: frozenset[str]) -> Entry:
    link = _http(raw.get("link"), base)
    guid = _clean(raw.get("id")) or None
    title = _plain(raw.get("title"))
    content_html = ""
    for content in raw.get("content") or []:
        if content.get("value"):
            content_html = _clean(content["value"])
            break
    summary = _plain(raw.get("summary"))
    published = _struct_time(raw.get("published_parsed")) or _struct_time(raw.get("updated_parsed"))
    return Entry(
        key=entry_key(guid, link, title, content_html or summary, duplicated_guids=duplicated),
        url=link,
        title=title,
        guid=guid,
        summary=summary,
        content_html=content_html,
        author=_plain(raw.get("author")) or None,
        published_at=published,
        updated_at=_struct_time(raw.get("updated_parsed")),
        lang=_lang(raw.get("language")) or feed_lang,
        tags=tuple(t for t in (_plain(tag.get("term")) for tag in raw.get("tags") or []) if t),
    )


def _parse_json(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8", "replace"), strict=False)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"{url} is not valid JSON ({_first_line(str(exc))})") from None
    if isinstance(data, dict) and isinstance(data.get("rss"), dict):
        return _parse_rss_json(data["rss"], url)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(f"{url} is JSON but not a JSON Feed (no 'items' list)")
    lang = _lang(data.get("language"))
    items = [i for i in data["items"] if isinstance(i, dict)]
    guids = [str(i["id"]) for i in items if i.get("id") not in (None, "")]
    duplicated = frozenset(g for g in guids if guids.count(g) > 1)
    entries = []
    for item in items:
        link = _http(item.get("url") or item.get("external_url"), url)
        guid = _clean(str(item["id"])) if item.get("id") not in (None, "") else None
        title = _plain(_str(item.get("title")))
        content_html = _clean(_str(item.get("content_html")))
        summary = _plain(_str(item.get("summary"))) or (
            _clean(_str(item.get("content_text"))) if not content_html else ""
        )
        entries.append(
            Entry(
                key=entry_key(
                    guid, link, title, content_html or summary, duplicated_guids=duplicated
                ),
                url=link,
                title=title,
                guid=guid,
                summary=summary,
                content_html=content_html,
                author=_json_author(item) or _json_author(data),
                published_at=_date(item.get("date_published")) or _date(item.get("date_modified")),
                updated_at=_date(item.get("date_modified")),
                lang=_lang(item.get("language")) or lang,
                tags=tuple(str(t) for t in item.get("tags") or [] if isinstance(t, str)),
            )
        )
    return ParsedFeed(
        format="json",
        title=_plain(_str(data.get("title"))) or None,
        link=_http(data.get("home_page_url"), url),
        lang=lang,
        entries=_unique(entries),
    )


def _parse_rss_json(rss: dict[str, Any], url: str) -> ParsedFeed:
    """RSS 2.0 serialised as JSON (Dave Winer's Scripting News)."""
    channel = rss.get("channel") if isinstance(rss.get("channel"), dict) else {}
    assert isinstance(channel, dict)
    items = channel.get("item") or []
    if isinstance(items, dict):
        items = [items]
    lang = _lang(channel.get("language"))
    entries = []
    for item in (i for i in items if isinstance(i, dict)):
        guid_raw = item.get("guid")
        guid = _str(guid_raw.get("#value") if isinstance(guid_raw, dict) else guid_raw) or None
        link = _http(item.get("link"), url)
        description = _str(item.get("description"))
        title = _plain(_str(item.get("title")))
        summary = _plain(description)
        entries.append(
            Entry(
                key=entry_key(guid, link, title, summary),
                url=link,
                title=title,
                guid=guid,
                summary=summary,
                content_html=_clean(description),
                published_at=_date(item.get("pubDate")),
                lang=lang,
            )
        )
    return ParsedFeed(
        format="rss-json",
        title=_plain(_str(channel.get("title"))) or None,
        link=_http(channel.get("link"), url),
        lang=lang,
        entries=_unique(entries),
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


def _clean(value: Any) -> str:
    """Text without C0 control characters (they break e-mail headers and some renderers)."""
    return CONTROL_RE.sub("", value).strip() if isinstance(value, str) else ""


def _plain(value: Any) -> str:
    """Plain one-line text of a field that may carry HTML (titles often do)."""
    text = _clean(value)
    if "<" in text or "&" in text:
        text = text_of_html(text)
    return SPACES_RE.sub(" ", text).strip()


def _http(link: Any, base: str) -> str | None:
    """An absolute http(s) URL, or None (javascript:, mailto:, garbage)."""
    if not isinstance(link, str) or not link.strip():
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
    return absolute


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
