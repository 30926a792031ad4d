"""The DuckDB store: migrations, idempotent writes, validators only with articles, locking."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from veille.config import parse_config
from veille.errors import DatabaseLockedError, StoreError
from veille.identity import article_id_for_url, content_hash, entry_id
from veille.models import Article, Sighting
from veille.store import MIGRATIONS, Store

CONFIG = parse_config(
    "sources:\n  - id: a\n    url: https://a.example/feed\n  - id: b\n    url: https://b.example/feed\n"
)
NOW = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def _article(url: str, source: str = "a", title: str = "Titre") -> Article:
    text = f"Le texte de {title}, assez long pour compter quelques mots."
    return Article(
        id=article_id_for_url(url),
        url=url,
        source_id=source,
        title=title,
        text=text,
        fetched_at=NOW,
        published_at=datetime(2026, 11, 12, 8, tzinfo=UTC),
        lang="fr",
        word_count=len(text.split()),
        content_hash=content_hash(text),
    )


def _sighting(url: str, source: str = "a") -> Sighting:
    return Sighting(
        entry_id=entry_id(source, f"link:{url}"),
        source_id=source,
        article_id=article_id_for_url(url),
        entry_key=f"link:{url}",
        url=url,
        guid=None,
        title="Titre",
        published_at=None,
        seen_at=NOW,
    )


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(db_path, lock_timeout=2)
    s.sync_sources(CONFIG.sources)
    return s


def test_migrations_are_recorded(store: Store) -> None:
    assert store.schema_version() == MIGRATIONS[-1][0]
    # A second Store on the same file finds them applied and does not re-run them.
    assert Store(store.path).schema_version() == MIGRATIONS[-1][0]


def test_commit_is_idempotent_and_round_trips(store: Store) -> None:
    urls = ["https://a.example/1", "https://a.example/2"]
    for _ in range(2):
        store.commit_source(
            "a",
            articles=[_article(u) for u in urls],
            sightings=[_sighting(u) for u in urls],
            entries_seen=2,
            etag='"v1"',
            last_modified=None,
        )
    assert store.counts() == {"sources": 2, "articles": 2, "entries": 2}
    row = store.articles(source="a")[0]
    assert row["published_at"] == "2026-11-12T08:00:00+00:00"
    assert row["lang"] == "fr" and row["tags"] == [] and row["also_in"] == []
    assert store.source_state("a").etag == '"v1"'


def test_second_source_of_the_same_article_is_listed_in_also_in(store: Store) -> None:
    url = "https://a.example/decret"
    store.commit_source(
        "a",
        articles=[_article(url)],
        sightings=[_sighting(url)],
        entries_seen=1,
        etag=None,
        last_modified=None,
    )
    store.commit_source(
        "b",
        articles=[_article(url, source="b")],
        sightings=[_sighting(url, source="b")],
        entries_seen=1,
        etag=None,
        last_modified=None,
    )
    rows = store.articles()
    assert len(rows) == 1
    assert rows[0]["source"] == "a"
    assert rows[0]["also_in"] == [{"source": "b", "url": url}]
    assert [r["id"] for r in store.articles(source="b")] == [rows[0]["id"]]


def test_keep_validators_leaves_the_old_etag(store: Store) -> None:
    store.commit_source(
        "a",
        articles=[],
        sightings=[],
        entries_seen=0,
        etag='"v1"',
        last_modified="Mon, 16 Nov 2026 08:00:00 GMT",
    )
    store.commit_source(
        "a",
        articles=[],
        sightings=[],
        entries_seen=0,
        etag='"v2"',
        last_modified=None,
        keep_validators=True,
    )
    state = store.source_state("a")
    assert state.etag == '"v1"' and state.last_modified == "Mon, 16 Nov 2026 08:00:00 GMT"


def test_errors_are_counted_and_reset_by_success(store: Store) -> None:
    store.record_source_error("a", "network", "connection refused")
    store.record_source_error("a", "network", "connection refused")
    health = {h["id"]: h for h in store.source_health()}
    assert health["a"]["error_count"] == 2 and health["a"]["last_error"] == "connection refused"
    store.commit_source(
        "a", articles=[], sightings=[], entries_seen=3, etag=None, last_modified=None
    )
    health = {h["id"]: h for h in store.source_health()}
    assert health["a"]["error_count"] == 0 and health["a"]["last_error"] is None
    assert health["a"]["total_errors"] == 2 and health["a"]["last_success_at"]


def test_changing_a_source_url_forgets_its_validators(store: Store) -> None:
    store.commit_source(
        "a", articles=[], sightings=[], entries_seen=0, etag='"v1"', last_modified=None
    )
    moved = parse_config("sources:\n  - id: a\n    url: https://a.example/new-feed\n")
    store.sync_sources(moved.sources)
    assert store.source_state("a").etag is None


@pytest.mark.slow
def test_a_locked_file_waits_then_says_who_holds_it(store: Store) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(30)",
            str(store.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseLockedError, match="in use by another process") as raised:
            store.counts()
        # It names the process holding the file and how long it waited.
        assert f"PID {holder.pid}" in str(raised.value)
        assert f"stayed busy for {store.lock_timeout:.0f} s" in str(raised.value)
    finally:
        holder.kill()
        holder.wait()
    assert store.counts()["sources"] == 2  # free again once the holder is gone


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "veille.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        Store(bad).counts()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "veille.duckdb").counts()


def test_duckdb_file_is_real(store: Store) -> None:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert {"sources", "articles", "entries", "runs", "schema_migrations"} <= tables
