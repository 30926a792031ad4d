"""A JSON API listing articles (``kind: json``) -> entries, through the source's field mapping.

Publishers without a feed often run WordPress, whose REST API lists the latest posts at
``/wp-json/wp/v2/posts``; others expose a home-made JSON list. The source entry says where each
field is (:class:`veille.config.JsonMapping`, WordPress defaults), and each item becomes the same
:class:`~veille.models.Entry` a feed item gives: titles stripped of HTML and entities, dates in
UTC, links absolute, identity decided by :func:`veille.feeds.entry_key`.

Size is bounded by the fetcher (``max_bytes``) before the bytes arrive here. A document that is not
JSON, or has no list where ``items`` points, is one :class:`~veille.errors.ParseError` for the
source, with a hint; an item without a usable link is skipped (counted in the warnings).
"""

from __future__ import annotations

import json
from typing import Any

from veille.config import JsonMapping
from veille.errors import ParseError
from veille.feeds import (
    absolute_http_url,
    clean_text,
    entry_key,
    parse_date,
    plain_text,
)
from veille.models import Entry, ParsedFeed

MAX_ITEMS = 1_000


def parse_json_source(body: bytes, *, url: str, mapping: JsonMapping) -> ParsedFeed:
    """The entries of a JSON document fetched from ``url``; ParseError when there are none."""
    text = body.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError(f"{url} returned an empty document, not JSON")
    if text[:1] == "<":
        raise ParseError(
            f"{url} returned HTML or XML, not JSON. "
            "Hint: use the API's address (e.g. /wp-json/wp/v2/posts), or kind: feed / page."
        )
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "invalid"
        raise ParseError(f"{url} is not valid JSON ({first})") from None
    items = value_at(data, mapping.items)
    if not isinstance(items, list):
        raise ParseError(
            f"{url}: no list of articles at {mapping.items!r} (found {_kind(items)}). "
            f"Hint: set mapping.items to the path of the list{_keys_hint(data)}."
        )
    records = [i for i in items[:MAX_ITEMS] if isinstance(i, dict)]
    entries: list[Entry] = []
    skipped = 0
    guids = [_guid(r, mapping) for r in records]
    repeated = frozenset(g for g in guids if g and guids.count(g) > 1)
    for record, guid in zip(records, guids, strict=True):
        entry = _entry(record, guid, url, mapping, repeated)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if records and not entries:
        raise ParseError(
            f"{url}: none of the {len(records)} items has a web address at {mapping.link!r}. "
            f"Hint: set mapping.link to the path of each article's address{_keys_hint(records[0])}."
        )
    warnings = (f"{skipped} item(s) without a web address at {mapping.link!r}",) if skipped else ()
    unique = {e.key: e for e in reversed(entries)}  # the first of two equal keys wins
    ordered = tuple(e for e in entries if unique.get(e.key) is e)
    return ParsedFeed(
        format="json-api", title=None, link=None, lang=None, entries=ordered, warnings=warnings
    )


def value_at(data: Any, path: str | None) -> Any:
    """The value at a dotted path (``title.rendered``, ``authors.0.name``; ``$``: the document).

    A WordPress-style ``{"rendered": ...}`` object stands for its rendered text, so ``title``
    works as well as ``title.rendered``. None when any step is missing.
    """
    if path is None:
        return None
    value = data
    if path != "$":
        for step in path.split("."):
            if isinstance(value, dict):
                value = value.get(step)
            elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
                value = value[int(step)]
            else:
                return None
    return value


def _text(record: dict[str, Any], path: str | None) -> str:
    value = value_at(record, path)
    if isinstance(value, dict) and isinstance(value.get("rendered"), str):
        value = value["rendered"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else ""


def _guid(record: dict[str, Any], mapping: JsonMapping) -> str | None:
    return clean_text(_text(record, mapping.guid)) or None


def _entry(
    record: dict[str, Any],
    guid: str | None,
    base: str,
    mapping: JsonMapping,
    repeated: frozenset[str],
) -> Entry | None:
    link = absolute_http_url(_text(record, mapping.link), base)
    if link is None:
        return None
    title = plain_text(_text(record, mapping.title))
    content_html = clean_text(_text(record, mapping.content))
    summary = plain_text(_text(record, mapping.summary))
    published = parse_date(_text(record, mapping.date))
    return Entry(
        key=entry_key(guid, link, title, content_html or summary, duplicated_guids=repeated),
        url=link,
        title=title,
        guid=guid,
        summary=summary,
        content_html=content_html,
        author=plain_text(_text(record, mapping.author)) or None,
        published_at=published,
    )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _keys_hint(value: Any) -> str:
    if isinstance(value, dict) and value:
        return f" (its keys: {', '.join(list(map(str, value))[:12])})"
    return ""
