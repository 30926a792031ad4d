"""The DuckDB file: the only module that speaks SQL.

Design (see performance.md §B6 and reliability.md §1.15–1.16):

* **Short connections.** DuckDB lets one process hold the file read-write, and even a read-only
  open fails while a writer holds it. Every operation opens the file, does its work and closes
  it, retrying for a while when another veille process holds the lock, so a scheduled run and
  the web app can live side by side. A long run only holds the file while it commits a source.
* **One transaction per source.** A source's articles, its sightings and its new ETag /
  Last-Modified are committed together, so a crash can never save the validators without the
  articles (which would make the next run get a 304 and lose them for good).
* **Idempotent writes.** Deterministic ids (``veille.identity``) and ``INSERT OR IGNORE``: running
  twice stores nothing twice. Batches go in as Arrow tables (``executemany`` is ~100× slower).
* **Versioned migrations**, recorded in ``schema_migrations`` and applied at first connection.
* Timestamps are stored as UTC ``TIMESTAMP`` values and come back as aware UTC datetimes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from veille.errors import DatabaseLockedError, StoreError
from veille.models import Article, Sighting

# (version, name, statements). Append only: never edit a migration that has shipped.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "initial schema",
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT,
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            etag TEXT,
            last_modified TEXT,
            last_fetch_at TIMESTAMP,
            last_success_at TIMESTAMP,
            last_error TEXT,
            last_error_kind TEXT,
            last_error_at TIMESTAMP,
            error_count INTEGER NOT NULL DEFAULT 0,
            total_errors INTEGER NOT NULL DEFAULT 0,
            last_entries INTEGER,
            last_new_at TIMESTAMP,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            source_id TEXT NOT NULL,
            title TEXT NOT NULL,
            author TEXT,
            published_at TIMESTAMP,
            fetched_at TIMESTAMP NOT NULL,
            lang TEXT,
            sitename TEXT,
            summary TEXT NOT NULL,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            extraction TEXT NOT NULL,
            extraction_error TEXT,
            content_hash TEXT,
            tags TEXT[] NOT NULL,
            relevant BOOLEAN,
            score DOUBLE,
            cluster_id TEXT
        );
        CREATE TABLE entries (
            id TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            article_id TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            url TEXT,
            guid TEXT,
            title TEXT NOT NULL,
            published_at TIMESTAMP,
            first_seen_at TIMESTAMP NOT NULL
        );
        CREATE INDEX entries_article ON entries (article_id);
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status TEXT NOT NULL,
            pid INTEGER,
            stats JSON
        );
        """,
    ),
    (
        2,
        "near-duplicate sketches and LSH bands; official sources",
        """
        ALTER TABLE sources ADD COLUMN official BOOLEAN DEFAULT FALSE;
        CREATE TABLE sketches (
            article_id TEXT PRIMARY KEY,
            minhash BLOB,            -- NULL: text too short for near-duplicate matching
            processed_at TIMESTAMP NOT NULL
        );
        CREATE TABLE lsh_bands (
            band SMALLINT NOT NULL,
            key BIGINT NOT NULL,
            article_id TEXT NOT NULL
        );
        CREATE INDEX articles_content_hash ON articles (content_hash);
        """,
    ),
    (
        3,
        "curators can reject an article",
        "ALTER TABLE articles ADD COLUMN rejected_at TIMESTAMP;",
    ),
    (
        4,
        "near-duplicate signatures v2 (cached word hashes), sketches without an index",
        # No primary key on sketches: DuckDB rewrites a table's whole ART index at every
        # checkpoint (0.5-0.9 s at 100k rows), and only deduplicate() writes this table, for
        # articles that have no sketch yet, under the database lock.
        """
        DELETE FROM lsh_bands;
        DROP TABLE sketches;
        CREATE TABLE sketches (
            article_id TEXT NOT NULL,
            minhash BLOB,            -- NULL: text too short for near-duplicate matching
            processed_at TIMESTAMP NOT NULL
        );
        """,
    ),
)

# Below this many words, the same text is not evidence of the same story ("Lire la suite",
# "Article réservé aux abonnés"): short texts are matched on their URL only.
EXACT_COPY_MIN_WORDS = 20

LOCK_MARKERS = ("Could not set lock", "Conflicting lock")

ARTICLE_COLUMNS = (
    "id",
    "url",
    "source_id",
    "title",
    "author",
    "published_at",
    "fetched_at",
    "lang",
    "sitename",
    "summary",
    "text",
    "word_count",
    "extraction",
    "extraction_error",
    "content_hash",
    "tags",
)
ENTRY_COLUMNS = (
    "id",
    "source_id",
    "article_id",
    "entry_key",
    "url",
    "guid",
    "title",
    "published_at",
    "first_seen_at",
)


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between runs."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    last_success_at: datetime | None = None


def utc_naive(value: datetime | None) -> datetime | None:
    """Aware datetime -> naive UTC for storage (naive values are taken as UTC already)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def utc_aware(value: datetime | None) -> datetime | None:
    """Stored naive UTC -> aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


class Store:
    """Owner of the DuckDB file and of every SQL statement veille runs.

    Usage::

        store = Store("veille.duckdb")
        store.sync_sources(config.sources)
        state = store.source_state("centre-inffo")
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._migrated = False
        self._held: duckdb.DuckDBPyConnection | None = None

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one connection open for a series of calls (each open and close of the file
        costs a checkpoint: ~0.2 s on a 1 GB file). Other processes wait meanwhile, so hold
        it only for a short, busy stretch such as :func:`veille.pipeline.deduplicate`."""
        if self._held is not None:
            yield
            return
        with self.connect() as con:
            self._held = con
            try:
                yield
            finally:
                self._held = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file (waiting while another process holds it), migrate once, close after."""
        if self._held is not None:
            try:
                yield self._held
            except duckdb.Error as exc:
                raise StoreError(f"database {self.path}: {_first_line(exc)}") from exc
            return
        con = self._open()
        try:
            if not self._migrated:
                self._migrate(con)
                self._migrated = True
            yield con
        except duckdb.Error as exc:
            raise StoreError(f"database {self.path}: {_first_line(exc)}") from exc
        finally:
            con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"database {self.path}: folder {self.path.parent} does not exist. "
                "Hint: create it or pass --db with another path."
            )
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                message = str(exc)
                if not any(marker in message for marker in LOCK_MARKERS):
                    raise StoreError(
                        f"database {self.path} cannot be opened: {_first_line(exc)}. "
                        "Hint: check the path and its permissions, or restore a backup."
                    ) from exc
                if time.monotonic() >= deadline:
                    raise DatabaseLockedError(
                        f"database {self.path} is in use by another process "
                        f"({_lock_holder(message)}) and stayed busy for {self.lock_timeout:.0f} s. "
                        "Hint: wait for the running `veille run` to finish."
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except duckdb.Error as exc:
                raise StoreError(
                    f"database {self.path} cannot be opened: {_first_line(exc)}. "
                    "Hint: is it a DuckDB file written by veille? Restore a backup if damaged."
                ) from exc

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [version, name, utc_naive(now_utc())],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        with self.connect() as con:
            row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- sources -----------------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Insert or update the source rows from configuration (url, kind, name, enabled)."""
        rows = [(s.id, s.url, s.kind, s.name, s.enabled, s.official) for s in sources]
        if not rows:
            return
        now = utc_naive(now_utc())
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            for sid, url, kind, name, enabled, official in rows:
                con.execute(
                    """
                    INSERT INTO sources (id, url, kind, name, enabled, official, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        -- a new URL means new validators: the old ETag belongs to the old URL
                        etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                        last_modified = CASE WHEN sources.url = excluded.url
                                             THEN sources.last_modified END,
                        url = excluded.url, kind = excluded.kind, name = excluded.name,
                        enabled = excluded.enabled, official = excluded.official
                    """,
                    [sid, url, kind, name, enabled, official, now],
                )
            con.execute("COMMIT")

    def source_state(self, source_id: str) -> SourceState:
        with self.connect() as con:
            row = con.execute(
                "SELECT etag, last_modified, error_count, last_success_at "
                "FROM sources WHERE id = ?",
                [source_id],
            ).fetchone()
        if row is None:
            return SourceState(source_id)
        return SourceState(source_id, row[0], row[1], int(row[2]), utc_aware(row[3]))

    def record_source_error(self, source_id: str, kind: str, message: str) -> None:
        """Count one failed fetch of a source; its validators and articles are left alone."""
        now = utc_naive(now_utc())
        with self.connect() as con:
            con.execute(
                """
                UPDATE sources SET error_count = error_count + 1, total_errors = total_errors + 1,
                       last_error = ?, last_error_kind = ?, last_error_at = ?, last_fetch_at = ?
                WHERE id = ?
                """,
                [message, kind, now, now, source_id],
            )

    def commit_source(
        self,
        source_id: str,
        *,
        articles: Sequence[Article],
        sightings: Sequence[Sighting],
        entries_seen: int | None,
        etag: str | None,
        last_modified: str | None,
        keep_validators: bool = False,
        retitled: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Store a source's new articles and sightings and mark it healthy, in one transaction.

        Returns the number of articles actually inserted (already-known ones are ignored).
        ``keep_validators`` leaves the stored ETag/Last-Modified untouched (used when some
        article of the source could not be fetched, so the next run sees the listing again).
        ``retitled``: (entry id, new title) of entries edited in place by their feed; the
        article takes the new title when that source is the article's own.
        """
        now = utc_naive(now_utc())
        article_table = _articles_table(articles)
        entry_table = _entries_table(sightings)
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                before = _count(con, "articles")
                if article_table.num_rows:
                    con.register("new_articles", article_table)
                    con.execute(
                        f"INSERT OR IGNORE INTO articles ({', '.join(ARTICLE_COLUMNS)}) "
                        f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM new_articles"
                    )
                    con.unregister("new_articles")
                inserted = _count(con, "articles") - before
                if entry_table.num_rows:
                    con.register("new_entries", entry_table)
                    con.execute(
                        f"INSERT OR IGNORE INTO entries ({', '.join(ENTRY_COLUMNS)}) "
                        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM new_entries"
                    )
                    con.unregister("new_entries")
                for eid, title in retitled:
                    con.execute("UPDATE entries SET title = ? WHERE id = ?", [title, eid])
                    con.execute(
                        "UPDATE articles SET title = ? FROM entries e "
                        "WHERE e.id = ? AND articles.id = e.article_id "
                        "AND articles.source_id = e.source_id",
                        [title, eid],
                    )
                validators = (
                    "" if keep_validators else ", etag = $etag, last_modified = $last_modified"
                )
                con.execute(
                    f"""
                    UPDATE sources SET error_count = 0, last_error = NULL, last_error_kind = NULL,
                           last_fetch_at = $now, last_success_at = $now,
                           last_entries = coalesce($entries, last_entries),
                           last_new_at = CASE WHEN $inserted > 0 THEN $now ELSE last_new_at END
                           {validators}
                    WHERE id = $id
                    """,
                    {
                        "now": now,
                        "entries": entries_seen,
                        "inserted": inserted,
                        "id": source_id,
                        **(
                            {}
                            if keep_validators
                            else {"etag": etag, "last_modified": last_modified}
                        ),
                    },
                )
                _crash_point("before_commit")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return inserted

    def known_entries(self, source_id: str, entry_ids: Sequence[str]) -> dict[str, str]:
        """Which of these entry ids of a source are already stored, with their stored title."""
        if not entry_ids:
            return {}
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, title FROM entries WHERE source_id = ? AND list_contains(?, id)",
                [source_id, list(entry_ids)],
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def known_articles(self, article_ids: Sequence[str]) -> set[str]:
        """Which of these article ids are already stored (by any source)."""
        if not article_ids:
            return set()
        with self.connect() as con:
            rows = con.execute(
                "SELECT id FROM articles WHERE list_contains(?, id)", [list(article_ids)]
            ).fetchall()
        return {r[0] for r in rows}

    def set_rejected(self, article_ids: Sequence[str], rejected: bool = True) -> int:
        """Mark articles as rejected by a curator (or restore them); returns how many exist."""
        with self.connect() as con:
            con.execute(
                "UPDATE articles SET rejected_at = ? WHERE list_contains(?, id)",
                [utc_naive(now_utc()) if rejected else None, list(article_ids)],
            )
            row = con.execute(
                "SELECT count(*) FROM articles WHERE list_contains(?, id)", [list(article_ids)]
            ).fetchone()
        return int(row[0]) if row else 0

    # -- deduplication -------------------------------------------------------------------------

    def articles_to_sketch(
        self, limit: int = 50_000, sketch_chars: int = 1_000_000
    ) -> list[tuple[str, str, str | None]]:
        """(id, title and text, content hash) of articles not yet matched, oldest first.

        Only the first ``sketch_chars`` characters of the text are read; the content hash is
        given only for texts long enough for an identical text to mean an identical story.
        """
        with self.connect() as con:
            rows = con.execute(
                """
                WITH todo AS (
                    SELECT a.id, a.fetched_at FROM articles a
                     WHERE NOT EXISTS (SELECT 1 FROM sketches k WHERE k.article_id = a.id)
                     ORDER BY a.fetched_at, a.id LIMIT $limit
                )
                SELECT a.id, a.title || '\n' || left(a.text, $chars),
                       CASE WHEN a.word_count >= $min_words THEN a.content_hash END
                  FROM todo JOIN articles a ON a.id = todo.id
                 ORDER BY todo.fetched_at, todo.id
                """,
                {"limit": limit, "min_words": EXACT_COPY_MIN_WORDS, "chars": sketch_chars},
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def duplicate_candidates(
        self, keys: Sequence[tuple[str, int, int]], hashes: Sequence[tuple[str, str]]
    ) -> tuple[list[tuple[str, str, str, bytes | None]], list[tuple[str, str, str]]]:
        """Stored articles sharing an LSH band key or a content hash with new ones.

        ``keys``: (new id, band, key); ``hashes``: (new id, content hash). Returns
        ``(band candidates (new id, stored id, stored cluster, stored minhash),
        hash matches (new id, stored id, stored cluster))``.
        """
        band_table = pa.table(
            {
                "new_id": [k[0] for k in keys],
                "band": pa.array([k[1] for k in keys], pa.int16()),
                "key": pa.array([k[2] for k in keys], pa.int64()),
            }
        )
        hash_table = pa.table({"new_id": [h[0] for h in hashes], "hash": [h[1] for h in hashes]})
        with self.connect() as con:
            con.register("new_keys", band_table)
            con.register("new_hashes", hash_table)
            candidates = con.execute(
                """
                SELECT DISTINCT n.new_id, b.article_id, coalesce(a.cluster_id, a.id), k.minhash
                  FROM new_keys n
                  JOIN lsh_bands b ON b.band = n.band AND b.key = n.key
                  JOIN articles a ON a.id = b.article_id
                  JOIN sketches k ON k.article_id = b.article_id
                 WHERE b.article_id <> n.new_id
                """
            ).fetchall()
            matches = con.execute(
                """
                SELECT DISTINCT n.new_id, a.id, coalesce(a.cluster_id, a.id)
                  FROM new_hashes n JOIN articles a ON a.content_hash = n.hash
                 WHERE a.id <> n.new_id
                   AND EXISTS (SELECT 1 FROM sketches k WHERE k.article_id = a.id)
                """
            ).fetchall()
        return (
            [(r[0], r[1], r[2], r[3]) for r in candidates],
            [(r[0], r[1], r[2]) for r in matches],
        )

    def save_clusters(
        self,
        sketches: Sequence[tuple[str, bytes | None]],
        keys: Sequence[tuple[str, int, int]],
        assigned: dict[str, str],
        merged: dict[str, str],
    ) -> None:
        """Record sketches, band keys and cluster ids of a batch, in one transaction."""
        now = utc_naive(now_utc())
        sketch_table = pa.table(
            {
                "article_id": [s[0] for s in sketches],
                "minhash": pa.array([s[1] for s in sketches], pa.binary()),
                "processed_at": pa.array([now] * len(sketches), pa.timestamp("us")),
            }
        )
        band_table = pa.table(
            {
                "band": pa.array([k[1] for k in keys], pa.int16()),
                "key": pa.array([k[2] for k in keys], pa.int64()),
                "article_id": [k[0] for k in keys],
            }
        )
        updates = pa.table({"id": list(assigned), "cluster_id": [assigned[i] for i in assigned]})
        merges = pa.table({"old": list(merged), "new": [merged[o] for o in merged]})
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for name, table in (
                    ("s", sketch_table),
                    ("b", band_table),
                    ("u", updates),
                    ("m", merges),
                ):
                    con.register(f"batch_{name}", table)
                con.execute("INSERT INTO sketches SELECT * FROM batch_s")
                con.execute("INSERT INTO lsh_bands SELECT * FROM batch_b")
                con.execute(
                    "UPDATE articles SET cluster_id = m.new FROM batch_m m "
                    "WHERE articles.cluster_id = m.old"
                )
                con.execute(
                    "UPDATE articles SET cluster_id = u.cluster_id FROM batch_u u "
                    "WHERE articles.id = u.id"
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, run_id: str) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT INTO runs (id, started_at, status, pid) VALUES (?, ?, 'running', ?)",
                [run_id, utc_naive(now_utc()), os.getpid()],
            )

    def finish_run(self, run_id: str, status: str, stats: dict[str, Any]) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                [utc_naive(now_utc()), status, json.dumps(stats), run_id],
            )

    # -- reading ---------------------------------------------------------------------------------

    def articles(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        tag: str | None = None,
        source: str | None = None,
        include_all: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stored articles, newest first, as plain dicts ready for JSON.

        The window applies to the publication date, or the fetch date when the feed gave none.
        Without ``include_all`` only the representative of each story is listed (the original:
        an official source first, then the earliest) and off-topic articles are left out.
        ``also_in`` lists every other source and URL of the story.
        ``source`` matches the first source and every other source that listed the article.
        """
        where = ["TRUE"]
        params: dict[str, Any] = {}
        if since is not None:
            where.append("coalesce(a.published_at, a.fetched_at) >= $since")
            params["since"] = utc_naive(since)
        if until is not None:
            where.append("coalesce(a.published_at, a.fetched_at) < $until")
            params["until"] = utc_naive(until)
        if tag:
            where.append("list_contains(a.tags, $tag)")
            params["tag"] = tag
        if source:
            where.append(
                "(a.source_id = $source OR EXISTS (SELECT 1 FROM entries e "
                "WHERE e.article_id = a.id AND e.source_id = $source))"
            )
            params["source"] = source
        if not include_all:
            # A rejected story stays rejected: reposts of it (same cluster) are hidden too.
            where.append(
                "a.relevant IS DISTINCT FROM FALSE AND a.rank = 1 AND NOT EXISTS ("
                "SELECT 1 FROM articles r WHERE r.rejected_at IS NOT NULL "
                "AND coalesce(r.cluster_id, r.id) = coalesce(a.cluster_id, a.id))"
            )
        sql = f"""
            WITH ranked AS (
                SELECT a.*, s.name AS source_name,
                       row_number() OVER (
                           PARTITION BY coalesce(a.cluster_id, a.id)
                           ORDER BY coalesce(s.official, FALSE) DESC,
                                    coalesce(a.published_at, a.fetched_at), a.id
                       ) AS rank
                  FROM articles a LEFT JOIN sources s ON s.id = a.source_id
            )
            SELECT a.id, a.url, a.title, a.source_id, a.source_name, a.published_at,
                   a.fetched_at, a.lang, a.author, a.sitename, a.summary, a.text, a.word_count,
                   a.extraction, a.extraction_error, a.tags, a.relevant, a.score, a.cluster_id,
                   a.rank = 1 AS representative, a.rejected_at,
                   (SELECT list(DISTINCT {{'source': e.source_id, 'url': e.url}})
                      FROM entries e JOIN articles b ON b.id = e.article_id
                     WHERE coalesce(b.cluster_id, b.id) = coalesce(a.cluster_id, a.id)
                       AND NOT (e.source_id = a.source_id AND e.article_id = a.id)) AS also_in
              FROM ranked a
             WHERE {" AND ".join(where)}
             ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id
        """
        if limit is not None:
            sql += " LIMIT $limit"
            params["limit"] = limit
        with self.connect() as con:
            cursor = con.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall()
        return [_article_dict(dict(zip(names, row, strict=True))) for row in rows]

    def source_health(self) -> list[dict[str, Any]]:
        """Health of every stored source, with counts of entries and articles."""
        with self.connect() as con:
            cursor = con.execute(
                """
                SELECT s.id, s.url, s.kind, s.name, s.enabled, s.error_count, s.total_errors,
                       s.last_error, s.last_error_kind, s.last_error_at, s.last_success_at,
                       s.last_fetch_at, s.last_entries, s.last_new_at,
                       (SELECT count(*) FROM entries e WHERE e.source_id = s.id) AS entries,
                       (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles
                  FROM sources s ORDER BY s.id
                """
            )
            names = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall()
        result = []
        for row in rows:
            item = dict(zip(names, row, strict=True))
            for key in ("last_error_at", "last_success_at", "last_fetch_at", "last_new_at"):
                item[key] = _iso(item[key])
            result.append(item)
        return result

    def counts(self) -> dict[str, int]:
        with self.connect() as con:
            return {t: _count(con, t) for t in ("sources", "articles", "entries")}


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    columns: dict[str, list[Any]] = {c: [] for c in ARTICLE_COLUMNS}
    for a in articles:
        values = {
            "id": a.id,
            "url": a.url,
            "source_id": a.source_id,
            "title": a.title,
            "author": a.author,
            "published_at": utc_naive(a.published_at),
            "fetched_at": utc_naive(a.fetched_at),
            "lang": a.lang,
            "sitename": a.sitename,
            "summary": a.summary,
            "text": a.text,
            "word_count": a.word_count,
            "extraction": a.extraction,
            "extraction_error": a.extraction_error,
            "content_hash": a.content_hash,
            "tags": list(a.tags),
        }
        for key, value in values.items():
            columns[key].append(value)
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("url", pa.string()),
            ("source_id", pa.string()),
            ("title", pa.string()),
            ("author", pa.string()),
            ("published_at", pa.timestamp("us")),
            ("fetched_at", pa.timestamp("us")),
            ("lang", pa.string()),
            ("sitename", pa.string()),
            ("summary", pa.string()),
            ("text", pa.string()),
            ("word_count", pa.int32()),
            ("extraction", pa.string()),
            ("extraction_error", pa.string()),
            ("content_hash", pa.string()),
            ("tags", pa.list_(pa.string())),
        ]
    )
    return pa.table(columns, schema=schema)


def _entries_table(sightings: Sequence[Sighting]) -> pa.Table:
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("source_id", pa.string()),
            ("article_id", pa.string()),
            ("entry_key", pa.string()),
            ("url", pa.string()),
            ("guid", pa.string()),
            ("title", pa.string()),
            ("published_at", pa.timestamp("us")),
            ("first_seen_at", pa.timestamp("us")),
        ]
    )
    columns: dict[str, list[Any]] = {c: [] for c in ENTRY_COLUMNS}
    for s in sightings:
        for key, value in (
            ("id", s.entry_id),
            ("source_id", s.source_id),
            ("article_id", s.article_id),
            ("entry_key", s.entry_key),
            ("url", s.url),
            ("guid", s.guid),
            ("title", s.title),
            ("published_at", utc_naive(s.published_at)),
            ("first_seen_at", utc_naive(s.seen_at)),
        ):
            columns[key].append(value)
    return pa.table(columns, schema=schema)


def _article_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "title": row["title"],
        "source": row["source_id"],
        "source_name": row["source_name"],
        "published_at": _iso(row["published_at"]),
        "fetched_at": _iso(row["fetched_at"]),
        "lang": row["lang"],
        "author": row["author"],
        "sitename": row["sitename"],
        "summary": row["summary"],
        "text": row["text"],
        "word_count": row["word_count"],
        "extraction": row["extraction"],
        "extraction_error": row["extraction_error"],
        "tags": list(row["tags"] or []),
        "relevant": row["relevant"],
        "score": row["score"],
        "cluster": row["cluster_id"],
        "representative": row["representative"],
        "rejected": row["rejected_at"] is not None,
        "also_in": sorted(row["also_in"] or [], key=lambda x: (x["source"], x["url"] or "")),
    }


def _iso(value: datetime | None) -> str | None:
    aware = utc_aware(value)
    return aware.isoformat() if aware else None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _lock_holder(message: str) -> str:
    marker = "(PID "
    if marker in message:
        pid = message.split(marker, 1)[1].split(")", 1)[0]
        return f"PID {pid}"
    return "another process"


def _crash_point(name: str) -> None:
    """Crash-injection hook for the crash-safety tests: ``VEILLE_CRASH_AT=name`` kills us here."""
    if os.environ.get("VEILLE_CRASH_AT") == name:
        os._exit(137)
