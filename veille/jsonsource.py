"""A JSON API listing articles (``kind: json``) -> entries, through the source's field mapping.

Publishers without a feed often run WordPress, whose REST API lists the latest posts at
``/wp-json/wp/v2/posts``; others expose a home-made JSON list. The source entry says where each
field is (:class:`veille.config.JsonMapping`, WordPress defaults), and each item becomes the same
:class:`~veille.models.Entry` a feed item gives: titles stripped of HTML and entities, dates in
UTC, links absolute, identity decided by :func:`veille.identity.entry_key`.

Size is bounded by the fetcher (``max_bytes``) before the bytes arrive here. A document that is not
JSON, or has no list where ``items`` points, is one :class:`~veille.errors.ParseError` for the
source, with a hint; an item without a usable link is skipped (counted in the warnings).
"""

from __future__ import annotations

import json
from typing import Any

from veille import i18n
from veille.config import JsonMapping
from veille.errors import ParseError, describe
from veille.feeds import (
    absolute_http_url,
    clean_text,
    parse_date,
    plain_text,
    repeated,
)
from veille.identity import entry_key
from veille.models import (
    MAX_ENTRIES_PER_FEED,
    MAX_GUID_CHARS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    Entry,
    ParsedFeed,
    clip,
)

MAX_ITEMS = MAX_ENTRIES_PER_FEED


def parse_json_source(body: bytes, *, url: str, mapping: JsonMapping) -> ParsedFeed:
    """The entries of a JSON document fetched from ``url``; ParseError when there are none."""
    text = body.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError(i18n.message("json.empty", url=url))
    if text[:1] == "<":
        raise ParseError(i18n.message("json.markup", url=url))
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "invalid"
        raise ParseError(i18n.message("feeds.bad_json", url=url, detail=first)) from None
    items = value_at(data, mapping.items)
    if not isinstance(items, list):
        raise _no_list(url, mapping, items, data)
    records = [i for i in items[:MAX_ITEMS] if isinstance(i, dict)]
    entries: list[Entry] = []
    skipped = 0
    failures: list[Exception] = []
    guids = [_guid(r, mapping) for r in records]
    duplicated = repeated(guids)
    for record, guid in zip(records, guids, strict=True):
        try:
            entry = _entry(record, guid, url, mapping, duplicated)
        except Exception as exc:  # noqa: BLE001 — containment: one odd item costs that item
            failures.append(exc)
            continue
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if records and not entries:
        raise _no_link(url, mapping, records)
    warnings: tuple[str, ...] = ()
    if skipped:
        warnings += (f"{skipped} item(s) without a web address at {mapping.link!r}",)
    if failures:
        detail = describe(failures[0])
        warnings += (i18n.message("feeds.unreadable_entries", count=len(failures), detail=detail),)
    if len(items) > MAX_ITEMS:
        warnings += (i18n.message("feeds.too_many_entries", count=len(items), kept=MAX_ITEMS),)
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
    return clean_text(_text(record, mapping.guid), 4 * MAX_GUID_CHARS) or None


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
    title = plain_text(_text(record, mapping.title), MAX_TITLE_CHARS)
    content_html = clean_text(_text(record, mapping.content), MAX_TEXT_CHARS)
    summary = plain_text(_text(record, mapping.summary), MAX_TEXT_CHARS)
    published = parse_date(_text(record, mapping.date))
    return Entry(
        key=entry_key(guid, link, title, content_html or summary, duplicated_guids=repeated),
        url=link,
        title=title,
        guid=clip(guid, MAX_GUID_CHARS) if guid else None,
        summary=summary,
        content_html=content_html,
        author=plain_text(_text(record, mapping.author), MAX_NAME_CHARS) or None,
        published_at=published,
    )


def _no_list(url: str, mapping: JsonMapping, items: Any, data: Any) -> ParseError:
    return ParseError(
        i18n.message(
            "json.no_list", url=url, path=mapping.items, found=_kind(items), keys=_keys_hint(data)
        )
    )


def _no_link(url: str, mapping: JsonMapping, records: list[dict[str, Any]]) -> ParseError:
    keys = _keys_hint(records[0])
    return ParseError(
        i18n.message("json.no_link", url=url, count=len(records), path=mapping.link, keys=keys)
    )


def _kind(value: Any) -> str:
    if value is None:
        return i18n.message("json.nothing")
    if isinstance(value, dict):
        return i18n.message("json.object")
    return i18n.message("json.other", type=type(value).__name__)


def _keys_hint(value: Any) -> str:
    if isinstance(value, dict) and value:
        return i18n.message("json.keys", keys=", ".join(list(map(str, value))[:12]))
    return ""
