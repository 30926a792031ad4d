"""Subscriber records: one place that decides what a valid subscriber is.

``veille subscribers add`` and ``import`` both go through :func:`check_subscriber`, so a row
the command line refuses is refused in a CSV file too, with the same words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from veille import i18n
from veille.errors import ConfigError
from veille.models import NewSubscriber
from veille.taxonomy import unknown_tag

COLUMNS = ("email", "name", "tags", "lang")
LANGS = ("fr", "en")


def check_subscriber(row: Mapping[str, str | None], tag_ids: Sequence[str]) -> NewSubscriber:
    """A clean subscriber (email lower-cased, tags split) or ConfigError saying why not."""
    raw = (row.get("email") or "").strip()
    address = parseaddr(raw)[1]
    try:
        if not address or "@" not in address or "\n" in raw or "\r" in raw:
            raise ValueError
        Address(addr_spec=address)
    except (ValueError, IndexError):
        raise ConfigError(i18n.message("subscriber.bad_email", raw=raw)) from None
    tags_value = row.get("tags") or ""
    tags = [t.strip() for t in str(tags_value).replace(";", ",").split(",") if t.strip()]
    unknown = [t for t in tags if t not in tag_ids]
    if unknown:
        problem = unknown_tag(unknown[0], tag_ids)  # with the theme meant, for a typo
        raise ConfigError(i18n.message("subscriber.unknown_tag", address=address, problem=problem))
    lang = (row.get("lang") or "").strip().lower() or None
    if lang is not None and lang not in LANGS:
        raise ConfigError(i18n.message("subscriber.bad_lang", lang=lang, address=address))
    name = (row.get("name") or "").strip() or None
    return NewSubscriber(email=address.lower(), name=name, tags=tuple(tags), lang=lang)


def read_csv(path: Path, tag_ids: Sequence[str]) -> list[NewSubscriber]:
    """Every subscriber of a CSV file (header: email[,name,tags,lang]; tags split by ; or ,).

    The whole file is checked before anything is stored: the first bad row stops the import
    with its line number, and nothing is half-imported.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            i18n.message("subscriber.unreadable", path=path, reason=exc.strerror or exc)
        ) from None
    return parse_csv(raw, str(path), tag_ids)


def parse_csv(
    raw: bytes,
    path: str,
    tag_ids: Sequence[str],
    progress: Callable[[int, int | None], None] | None = None,
) -> list[NewSubscriber]:
    """:func:`read_csv` on the bytes of a file named ``path`` (an upload); ``progress(line,
    lines)`` every thousand lines."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows still save CSV as cp1252.
        text = raw.decode("cp1252", errors="replace")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "email" not in header:
        found = ", ".join(header) or i18n.message("subscriber.nothing")
        raise ConfigError(i18n.message("subscriber.no_header", path=path, found=found))
    extra = [h for h in header if h not in COLUMNS]
    if extra:
        raise ConfigError(
            i18n.message(
                "subscriber.unknown_column", path=path, column=extra[0], columns=", ".join(COLUMNS)
            )
        )
    reader.fieldnames = header
    rows: dict[str, NewSubscriber] = {}
    lines = text.count("\n") + 1
    for record in reader:
        line = reader.line_num
        if progress is not None and line % 1000 == 0:
            progress(line, lines)
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue  # blank line
        try:
            clean = check_subscriber(record, tag_ids)
        except ConfigError as exc:
            raise ConfigError(
                i18n.message("subscriber.line", path=path, line=line, problem=exc)
            ) from None
        rows[clean.email] = clean  # the last line for an address wins
    return list(rows.values())
