"""The DuckDB file: the only module that speaks SQL.

Design (measured by bench/perf.py, tested in tests/test_store.py):

* **Short connections.** DuckDB lets one process hold the file read-write, and even a read-only
  open fails while a writer holds it. Every operation opens the file, does its work and closes
  it, retrying for a while when another veille process holds the lock, so a scheduled run and
  the web app can live side by side. A long run only holds the file while it commits a source.
* **One thread at a time per file and process.** Two threads of one process opening or closing
  the same file at once make DuckDB fail ("Unique file handle conflict"): a lock per file
  makes every other thread of the process wait (bounded) while one has it open.
* **Private files.** The database, its write-ahead log and its backups are created readable by
  their owner only (0600): they hold the subscribers and the curators' password hashes. The key
  that signs the web app's sessions is not in the database but in a file beside it, so a copy
  of the database cannot forge a session.
* **Recovery.** DuckDB 1.5 loses the entries that a write-ahead log replay adds to a secondary
  index at the next checkpoint ("Failed to delete all rows from index" ever after): after a
  replay (a crash, a full disk), the secondary indexes are rebuilt before anything else.
* **One transaction per source.** A source's articles, its sightings and its new ETag /
  Last-Modified are committed together, so a crash can never save the validators without the
  articles (which would make the next run get a 304 and lose them for good).
* **Idempotent writes.** Deterministic ids (``veille.identity``) and ``INSERT OR IGNORE``: running
  twice stores nothing twice. Batches go in as Arrow tables (``executemany`` is ~100× slower).
* **Versioned migrations**, recorded in ``schema_migrations`` and applied at first connection.
* Timestamps are stored as UTC ``TIMESTAMP`` values and come back as aware UTC datetimes.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

import duckdb
import pyarrow as pa

from veille import clock, health, i18n
from veille.errors import (
    DatabaseLockedError,
    RunInProgressError,
    SendInProgressError,
    StoreError,
    one_line,
)
from veille.files import atomic_copy, dated_name, make_folder
from veille.identity import without_query
from veille.models import (
    MAX_GUID_CHARS,
    MAX_LANG_CHARS,
    MAX_NAME_CHARS,
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Article,
    RunRecord,
    Selection,
    Sighting,
    SourceFigures,
    Subscriber,
    UserAccount,
    clip,
    clip_optional,
)

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
    (
        5,
        "classification: reasons and model version per article; curators' decisions",
        """
        ALTER TABLE articles ADD COLUMN why JSON;
        ALTER TABLE articles ADD COLUMN classified_by TEXT;
        CREATE SEQUENCE decision_ids;
        CREATE TABLE decisions (
            id BIGINT PRIMARY KEY DEFAULT nextval('decision_ids'),
            article_id TEXT NOT NULL,
            kind TEXT NOT NULL,        -- reject | keep | tags
            relevant BOOLEAN NOT NULL, -- the label this decision gives
            tags TEXT[],               -- NULL: the decision says nothing about tags
            decided_at TIMESTAMP NOT NULL,
            active BOOLEAN NOT NULL DEFAULT TRUE
        );
        """,
    ),
    (
        6,
        "weekly digests (drafts, curation, published snapshots), subscribers, sends, secrets",
        # No primary keys on tables whose rows are updated in place with list columns: DuckDB
        # turns such updates into delete + insert, which an index can refuse inside one
        # transaction. Uniqueness is kept by the methods below, which own every write.
        """
        CREATE TABLE digests (
            week TEXT NOT NULL,             -- ISO week, 2026-W46
            title TEXT,                     -- NULL: the configured title
            editorial TEXT,
            top_article TEXT,               -- NULL: the best-ranked item
            drafted_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            published_at TIMESTAMP,
            snapshot JSON                   -- the digest as published (archive and feed)
        );
        CREATE TABLE digest_items (
            week TEXT NOT NULL,
            article_id TEXT NOT NULL,       -- the story's representative
            included BOOLEAN NOT NULL,
            section TEXT NOT NULL,          -- tag id
            position INTEGER NOT NULL,      -- order in its section
            rank_score DOUBLE NOT NULL,
            summary TEXT NOT NULL,          -- extractive summary (draft)
            summary_edited TEXT,            -- the curator's summary, when edited
            note TEXT,                      -- curator's note: what this changes for us
            edited BOOLEAN NOT NULL DEFAULT FALSE,  -- touched by a curator: re-drafts keep it
            edited_at TIMESTAMP
        );
        CREATE TABLE subscribers (
            email TEXT PRIMARY KEY,
            name TEXT,
            tags TEXT[],                    -- NULL or empty: every section
            lang TEXT,
            added_at TIMESTAMP NOT NULL,
            unsubscribed_at TIMESTAMP
        );
        CREATE TABLE sends (
            week TEXT NOT NULL,
            email TEXT NOT NULL,
            sent_at TIMESTAMP NOT NULL,
            PRIMARY KEY (week, email)
        );
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        7,
        "curators' accounts; sources added or switched from the web app; search index state",
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,     -- argon2id
            created_at TIMESTAMP NOT NULL,
            last_login_at TIMESTAMP
        );
        CREATE TABLE managed_sources (
            id TEXT PRIMARY KEY,
            url TEXT,                        -- NULL: a sources.yaml source switched on/off
            kind TEXT,
            name TEXT,
            enabled BOOLEAN NOT NULL,
            origin TEXT NOT NULL,            -- web | opml | toggle
            added_at TIMESTAMP NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        8,
        "backoff of failing sources; a source that has ever listed entries",
        """
        ALTER TABLE sources ADD COLUMN next_check_at TIMESTAMP;
        ALTER TABLE sources ADD COLUMN max_entries INTEGER;
        """,
    ),
    (
        9,
        "a curator approves a week's digest for automatic publication",
        """
        ALTER TABLE digests ADD COLUMN approved_at TIMESTAMP;
        ALTER TABLE digests ADD COLUMN approved_by TEXT;
        """,
    ),
    (
        10,
        "sources added from the command line or OPML keep their tags and page/json options",
        """
        ALTER TABLE managed_sources ADD COLUMN options JSON;  -- tags, link_pattern, mapping...
        """,
    ),
    (
        11,
        "sends are claimed before the message goes out; one send per week at a time; "
        "sessions end with a per-user generation; the session key leaves the database; "
        "secondary indexes rebuilt",
        # After it, Store._migrate rebuilds the secondary indexes: DuckDB 1.5 could lose the
        # entries that a write-ahead log replay put in them (see _rebuild_indexes), so a
        # database that went through a crash or a full disk before may carry a damaged one.
        """
        ALTER TABLE sends ADD COLUMN state TEXT DEFAULT 'sent';   -- claimed | sent
        ALTER TABLE sends ADD COLUMN run_id TEXT;                 -- the send that claimed it
        CREATE TABLE send_locks (
            week TEXT PRIMARY KEY,          -- the database refuses a second row for a week
            run_id TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TIMESTAMP NOT NULL
        );
        ALTER TABLE users ADD COLUMN session_generation INTEGER DEFAULT 0;
        DELETE FROM secrets WHERE name = 'session';
        """,
    ),
)

# Below this many words, the same text is not evidence of the same story ("Lire la suite",
# "Article réservé aux abonnés"): short texts are matched on their URL only.
EXACT_COPY_MIN_WORDS = 20

# A run still "running" after this long is taken as crashed even if its PID exists (PID reuse).
STALE_RUN = timedelta(hours=6)

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
    next_check_at: datetime | None = None  # backing off until then


def utc_naive(value: datetime | None) -> datetime | None:
    """Aware datetime -> naive UTC for storage (naive values are taken as UTC already)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


@overload
def utc_aware(value: datetime) -> datetime: ...
@overload
def utc_aware(value: None) -> None: ...
@overload
def utc_aware(value: datetime | None) -> datetime | None: ...
def utc_aware(value: datetime | None) -> datetime | None:
    """Stored naive UTC -> aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        self._local = threading.local()  # .con: the connection this thread holds (held())
        self._file_lock = _file_lock(self.path)

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one connection open for a series of calls (each open and close of the file
        costs a checkpoint: ~0.2 s on a 1 GB file). Other processes, and the other threads of
        this one, wait meanwhile, so hold it only for a short, busy stretch such as
        :func:`veille.dedup_run.deduplicate`."""
        if getattr(self._local, "con", None) is not None:
            yield
            return
        with self.connect() as con:
            self._local.con = con
            try:
                yield
            finally:
                self._local.con = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file (waiting while another process or thread holds it), migrate once,
        close after."""
        held: duckdb.DuckDBPyConnection | None = getattr(self._local, "con", None)
        if held is not None:
            try:
                yield held
            except duckdb.Error as exc:
                raise self._failure(exc) from exc
            return
        if not self._file_lock.acquire(timeout=self.lock_timeout):
            raise DatabaseLockedError(
                i18n.message("store.busy_here", path=self.path, seconds=f"{self.lock_timeout:.0f}")
            )
        try:
            with _private_files():
                con = self._open()
                try:
                    if not self._migrated:
                        self._migrate(con)
                        self._migrated = True
                    yield con
                except duckdb.Error as exc:
                    raise self._failure(exc) from exc
                finally:
                    con.close()
        finally:
            self._file_lock.release()

    def _failure(self, exc: duckdb.Error) -> StoreError:
        """The StoreError for a failed statement. A damaged index (DuckDB says FATAL and gives
        up on the database) is rebuilt at the next opening of the file in this process."""
        if INDEX_DAMAGE_MARKER in str(exc):
            _REBUILD_INDEXES.add(_key(self.path))
            return StoreError(i18n.message("store.index_damaged", path=self.path))
        return StoreError(_store_error_message(self.path, exc))

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"database {self.path}: folder {self.path.parent} does not exist. "
                "Hint: create it or pass --db with another path."
            )
        con = self._connect_waiting()
        try:
            _keep_private(self.path)
            # This process is the only one with the file open (DuckDB's lock) and no other
            # thread of it has it (our lock): a non-empty log now is one DuckDB just replayed.
            key = _key(self.path)
            if _wal_path(self.path).exists() and _wal_path(self.path).stat().st_size > 0:
                _REBUILD_INDEXES.add(key)
            if key in _REBUILD_INDEXES:
                _rebuild_indexes(con)
                _REBUILD_INDEXES.discard(key)
        except duckdb.Error as exc:
            con.close()
            raise StoreError(_store_error_message(self.path, exc)) from exc
        except BaseException:
            con.close()
            raise
        return con

    def _connect_waiting(self) -> duckdb.DuckDBPyConnection:
        """duckdb.connect, waiting while another process holds the file (up to lock_timeout),
        setting a damaged write-ahead log aside once; a StoreError for anything else."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        wal_moved = False
        while True:
            try:
                con = duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                message = str(exc)
                if "replaying WAL" in message and not wal_moved:
                    # A crash left a damaged write-ahead log (duckdb#19712, #22044): the file
                    # itself is whole up to its last checkpoint. Keep the log aside for
                    # inspection and open what was safely written.
                    wal = self.path.with_name(self.path.name + ".wal")
                    aside = wal.with_name(f"{wal.name}.damaged-{clock.now():%Y%m%dT%H%M%SZ}")
                    wal.replace(aside)
                    wal_moved = True
                    warnings.warn(
                        f"database {self.path}: its write-ahead log was damaged (a crash?) and "
                        f"was moved to {aside.name}; the last moments before the crash are "
                        "lost, everything checkpointed before is intact.",
                        stacklevel=2,
                    )
                    continue
                if not any(marker in message for marker in LOCK_MARKERS):
                    if _cannot_write(message):
                        raise StoreError(_store_error_message(self.path, exc)) from exc
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
            else:
                return con

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with _transaction(con):
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [version, name, utc_naive(clock.now())],
                )
            if version == REBUILD_INDEXES_AT and done:
                _rebuild_indexes(con)  # an existing database: see migration 11

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
        now = utc_naive(clock.now())
        with self.connect() as con, _transaction(con):
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

    def source_state(self, source_id: str) -> SourceState:
        with self.connect() as con:
            row = con.execute(
                "SELECT etag, last_modified, error_count, last_success_at, next_check_at "
                "FROM sources WHERE id = ?",
                [source_id],
            ).fetchone()
        if row is None:
            return SourceState(source_id)
        return SourceState(
            source_id, row[0], row[1], int(row[2]), utc_aware(row[3]), utc_aware(row[4])
        )

    def record_source_error(
        self, source_id: str, kind: str, message: str, *, retry_after: float | None = None
    ) -> int:
        """Count one failed fetch of a source and set when to try it again (veille.health, which
        obeys the server's ``retry_after`` seconds); its validators and articles are left alone.
        Returns its consecutive errors."""
        now = clock.now()
        message = one_line(message)
        with self.connect() as con:
            row = con.execute(
                """
                UPDATE sources SET error_count = error_count + 1, total_errors = total_errors + 1,
                       last_error = ?, last_error_kind = ?, last_error_at = ?, last_fetch_at = ?
                WHERE id = ? RETURNING error_count
                """,
                [message, kind, utc_naive(now), utc_naive(now), source_id],
            ).fetchone()
            errors = int(row[0]) if row else 1
            con.execute(
                "UPDATE sources SET next_check_at = ? WHERE id = ?",
                [utc_naive(health.next_check(errors, now, retry_after=retry_after)), source_id],
            )
        return errors

    def forgive_outage(self, source_ids: Sequence[str]) -> None:
        """Take back the last error of these sources: the network was down, not them."""
        with self.connect() as con:
            con.execute(
                "UPDATE sources SET error_count = greatest(error_count - 1, 0), "
                "total_errors = greatest(total_errors - 1, 0), next_check_at = NULL "
                "WHERE list_contains(?, id)",
                [list(source_ids)],
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
        now = utc_naive(clock.now())
        article_table = _articles_table(articles)
        entry_table = _entries_table(sightings)
        with self.connect() as con, _transaction(con):
            before = _count(con, "articles")
            _insert_new(con, "articles", article_table, ARTICLE_COLUMNS)
            inserted = _count(con, "articles") - before
            crash_point("between_articles_and_entries")
            _insert_new(con, "entries", entry_table, ENTRY_COLUMNS)
            for eid, new_title in retitled:
                title = clip(new_title, MAX_TITLE_CHARS)
                con.execute("UPDATE entries SET title = ? WHERE id = ?", [title, eid])
                con.execute(
                    "UPDATE articles SET title = ? FROM entries e "
                    "WHERE e.id = ? AND articles.id = e.article_id "
                    "AND articles.source_id = e.source_id",
                    [title, eid],
                )
            validators = "" if keep_validators else ", etag = $etag, last_modified = $last_modified"
            con.execute(
                f"""
                    UPDATE sources SET error_count = 0, last_error = NULL, last_error_kind = NULL,
                           next_check_at = NULL,
                           last_fetch_at = $now, last_success_at = $now,
                           last_entries = coalesce($entries, last_entries),
                           max_entries = greatest(coalesce(max_entries, 0), coalesce($entries, 0)),
                           last_new_at = CASE WHEN $inserted > 0 THEN $now ELSE last_new_at END
                           {validators}
                    WHERE id = $id
                    """,
                {
                    "now": now,
                    "entries": entries_seen,
                    "inserted": inserted,
                    "id": source_id,
                    **({} if keep_validators else {"etag": etag, "last_modified": last_modified}),
                },
            )
            crash_point("before_commit")
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

    def source_items(
        self, source_id: str, article_ids: Sequence[str], titles: Sequence[str]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        """What this source listed before, to recognise an item under a new GUID or query string
        (``veille.pipeline._seen_before``): the articles among ``article_ids`` it has entries
        for, and the (title, URL without query) of its entries titled as one of ``titles``."""
        if not article_ids and not titles:
            return set(), set()
        with self.connect() as con:
            rows = con.execute(
                "SELECT article_id, title, url FROM entries WHERE source_id = $source "
                "AND (article_id IN (SELECT unnest($articles)) "
                "     OR title IN (SELECT unnest($titles)))",
                {
                    "source": source_id,
                    "articles": list(article_ids),
                    "titles": [clip(t, MAX_TITLE_CHARS) for t in titles],
                },
            ).fetchall()
        wanted = set(article_ids)
        articles = {aid for aid, _, _ in rows if aid in wanted}
        titled = {(title, without_query(url) if url else "") for _, title, url in rows if title}
        return articles, titled

    def entry_titles(self, source_ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Every stored entry of these sources: {source: {entry id: [title, article id, url]}}."""
        out: dict[str, dict[str, list[str]]] = {sid: {} for sid in source_ids}
        with self.connect() as con:
            rows = con.execute(
                "SELECT source_id, id, title, article_id, url FROM entries "
                "WHERE list_contains(?, source_id)",
                [list(source_ids)],
            ).fetchall()
        for sid, eid, title, aid, url in rows:
            out[sid][eid] = [title, aid, url or ""]
        return out

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
                [utc_naive(clock.now()) if rejected else None, list(article_ids)],
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
        now = utc_naive(clock.now())
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
        with self.connect() as con, _transaction(con):
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

    # -- classification ----------------------------------------------------------------------

    def articles_to_classify(self, limit: int = 2000) -> list[tuple[str, str, str, str, str]]:
        """(id, source id, title, summary, start of text) of articles no model has seen."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, source_id, title, summary, left(text, 4000) FROM articles "
                "WHERE classified_by IS NULL ORDER BY fetched_at, id LIMIT ?",
                [limit],
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def save_classification(
        self, model: str, rows: Sequence[tuple[str, bool, float, list[str], str]]
    ) -> None:
        """(id, relevant, score, tags, why JSON) per article. A curator's decision wins:
        the tags and relevance of a decided article are left as the curator set them."""
        table = pa.table(
            {
                "id": [r[0] for r in rows],
                "relevant": pa.array([r[1] for r in rows], pa.bool_()),
                "score": pa.array([r[2] for r in rows], pa.float64()),
                "tags": pa.array([r[3] for r in rows], pa.list_(pa.string())),
                "why": [r[4] for r in rows],
            }
        )
        with self.connect() as con:
            con.register("verdicts", table)
            con.execute(
                """
                UPDATE articles SET
                    score = v.score, why = v.why, classified_by = $model,
                    relevant = CASE WHEN d.article_id IS NULL THEN v.relevant
                                    ELSE articles.relevant END,
                    tags = CASE WHEN d.article_id IS NULL THEN v.tags ELSE articles.tags END
                  FROM verdicts v
                  LEFT JOIN (SELECT DISTINCT article_id FROM decisions WHERE active) d
                    ON d.article_id = v.id
                 WHERE articles.id = v.id
                """,
                {"model": model},
            )
            con.unregister("verdicts")

    def forget_classification(self, since: datetime | None = None) -> int:
        """Have the next pass classify again (after a better model was swapped in)."""
        with self.connect() as con:
            row = con.execute(
                "UPDATE articles SET classified_by = NULL "
                "WHERE $since IS NULL OR fetched_at >= $since RETURNING 1",
                {"since": utc_naive(since)},
            ).fetchall()
        return len(row)

    def record_decision(
        self, article_ids: Sequence[str], kind: str, relevant: bool, tags: Sequence[str] | None
    ) -> int:
        """A curator's decision on articles, applied to them and kept as a training label.

        A new decision of an article replaces its earlier ones. Returns how many articles exist.
        """
        now = utc_naive(clock.now())
        with self.connect() as con, _transaction(con):
            known = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM articles WHERE list_contains(?, id)", [list(article_ids)]
                ).fetchall()
            ]
            con.execute(
                "UPDATE decisions SET active = FALSE WHERE list_contains(?, article_id)",
                [known],
            )
            for aid in known:
                con.execute(
                    "INSERT INTO decisions (article_id, kind, relevant, tags, decided_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [aid, kind, relevant, list(tags) if tags is not None else None, now],
                )
            con.execute(
                "UPDATE articles SET relevant = $relevant, "
                "tags = coalesce($tags, tags) WHERE list_contains($ids, id)",
                {
                    "relevant": relevant,
                    "tags": list(tags) if tags is not None else None,
                    "ids": known,
                },
            )
        return len(known)

    def withdraw_decisions(self, article_ids: Sequence[str], kind: str) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE decisions SET active = FALSE "
                "WHERE kind = ? AND list_contains(?, article_id)",
                [kind, list(article_ids)],
            )
            con.execute(
                "UPDATE articles SET classified_by = NULL, relevant = NULL "
                "WHERE list_contains(?, id)",
                [list(article_ids)],
            )

    def decisions(self) -> list[dict[str, Any]]:
        """The active decision of each decided article, with the text the model reads."""
        with self.connect() as con:
            return _all(
                con,
                """
                SELECT d.id AS decision, d.article_id, d.kind, d.relevant,
                       coalesce(d.tags, a.tags) AS tags, d.decided_at, a.source_id,
                       a.title, a.summary, left(a.text, 4000) AS text
                  FROM decisions d JOIN articles a ON a.id = d.article_id
                 WHERE d.active ORDER BY d.id
                """,
                [],
            )

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, run_id: str, *, stale_after: timedelta = STALE_RUN) -> list[str]:
        """Record a new run, unless another one is running: runs never overlap.

        A run left ``running`` by a process that no longer exists (killed, machine rebooted),
        or older than ``stale_after``, is marked ``crashed`` first. Returns those run ids.
        """
        now = clock.now()
        with self.connect() as con, _transaction(con):
            crashed = []
            for rid, pid, started in con.execute(
                "SELECT id, pid, started_at FROM runs WHERE status = 'running'"
            ).fetchall():
                started_at = utc_aware(started) or now
                if _process_alive(pid) and now - started_at < stale_after:
                    raise RunInProgressError(
                        f"another veille run is running on {self.path} (PID {pid}, started "
                        f"{started_at:%Y-%m-%d %H:%M} UTC). Hint: wait for it to finish; if that "
                        "process is not veille, delete nothing: it is marked crashed after "
                        f"{stale_after.total_seconds() / 3600:.0f} h."
                    )
                crashed.append(rid)
            if crashed:
                con.execute(
                    "UPDATE runs SET status = 'crashed', finished_at = ? "
                    "WHERE list_contains(?, id)",
                    [utc_naive(now), crashed],
                )
            con.execute(
                "INSERT INTO runs (id, started_at, status, pid) VALUES (?, ?, 'running', ?)",
                [run_id, utc_naive(now), os.getpid()],
            )
        return crashed

    def backup(self, folder: Path, *, keep: int = 14) -> Path:
        """A dated copy of the database in ``folder`` (checkpointed, taken while holding the
        file, so no run writes meanwhile; readable by its owner only); only the ``keep``
        newest copies are kept."""
        make_folder(folder, 0o700)
        target = dated_name(
            folder, self.path.stem, clock.now(), self.path.suffix, "%Y%m%dT%H%M%S.%fZ"
        )
        with self.connect() as con:
            con.execute("CHECKPOINT")
            try:
                atomic_copy(self.path, target, mode=0o600)
            except OSError as exc:
                raise StoreError(
                    f"cannot write the backup {target}: {exc.strerror or exc}. "
                    "Hint: check the folder and the free space."
                ) from None
        copies = sorted(folder.glob(f"{self.path.stem}-*{self.path.suffix}"))
        for old in copies[: max(len(copies) - keep, 0)]:
            old.unlink(missing_ok=True)
        return target

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, status, pid, started_at, finished_at, stats FROM runs "
                "ORDER BY started_at DESC LIMIT ?",
                [limit],
            ).fetchall()
        return [
            RunRecord(
                run_id, status, pid, utc_aware(started), utc_aware(finished),
                json.loads(stats) if stats else None,
            )
            for run_id, status, pid, started, finished, stats in rows
        ]  # fmt: skip

    def finish_run(self, run_id: str, status: str, stats: dict[str, Any]) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                [utc_naive(clock.now()), status, json.dumps(stats), run_id],
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
        off_topic: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stored articles, newest first, as plain dicts ready for JSON.

        The window applies to the publication date, or the fetch date when the feed gave none.
        Without ``include_all`` only the representative of each story is listed (the original:
        an official source first, then the earliest) and off-topic articles are left out
        (``off_topic`` keeps them, still one per story).
        ``also_in`` lists every other source and URL of the story.
        ``source`` matches the first source and every other source that listed the article.
        """
        where, params = _article_filters(since, until, tag, source, include_all, off_topic)
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
                   a.extraction, a.extraction_error, a.tags, a.relevant, a.score, a.why,
                   a.cluster_id, a.rank = 1 AS representative, a.rejected_at,
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
            rows = _all(con, sql, params)
        return [_article_dict(row) for row in rows]

    def source_figures(self, now: datetime | None = None) -> list[SourceFigures]:
        """What is known of every stored source's fetching (:func:`veille.health.assess`
        turns it into a status and warnings)."""
        now = now or clock.now()
        with self.connect() as con:
            rows = _all(
                con,
                """
                SELECT s.id, s.url, s.kind, s.name, s.enabled, s.error_count, s.total_errors,
                       s.last_error, s.last_error_kind, s.last_error_at, s.last_success_at,
                       s.last_fetch_at, s.last_entries, s.last_new_at,
                       s.next_check_at, s.max_entries,
                       (SELECT count(*) FROM entries e WHERE e.source_id = s.id) AS entries,
                       (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles,
                       (SELECT count(*) FROM entries e WHERE e.source_id = s.id
                           AND e.first_seen_at >= $now - INTERVAL 90 DAY) AS new_90d,
                       (SELECT avg(word_count) FROM articles a WHERE a.source_id = s.id
                           AND a.extraction = 'page'
                           AND a.fetched_at >= $now - INTERVAL 14 DAY) AS recent_words,
                       (SELECT avg(word_count) FROM articles a WHERE a.source_id = s.id
                           AND a.extraction = 'page'
                           AND a.fetched_at < $now - INTERVAL 14 DAY
                           AND a.fetched_at >= $now - INTERVAL 180 DAY) AS usual_words
                  FROM sources s ORDER BY s.id
                """,
                {"now": utc_naive(now)},
            )
        return [
            SourceFigures(
                id=r["id"],
                url=r["url"],
                kind=r["kind"],
                name=r["name"],
                enabled=bool(r["enabled"]),
                error_count=int(r["error_count"]),
                total_errors=int(r["total_errors"]),
                last_error=r["last_error"],
                last_error_kind=r["last_error_kind"],
                last_error_at=utc_aware(r["last_error_at"]),
                last_success_at=utc_aware(r["last_success_at"]),
                last_fetch_at=utc_aware(r["last_fetch_at"]),
                last_new_at=utc_aware(r["last_new_at"]),
                next_check_at=utc_aware(r["next_check_at"]),
                last_entries=r["last_entries"],
                entries=int(r["entries"]),
                articles=int(r["articles"]),
                new_items_90d=int(r["new_90d"]),
                had_entries_before=bool(r["max_entries"]),
                recent_words=r["recent_words"],
                usual_words=r["usual_words"],
            )
            for r in rows
        ]

    # -- digests -----------------------------------------------------------------------------

    def resolve_ids(self, prefixes: Sequence[str]) -> list[str]:
        """Full article ids from ids or unique prefixes (6+ characters); StoreError otherwise."""
        resolved = []
        with self.connect() as con:
            for prefix in prefixes:
                p = prefix.strip().lower()
                rows = (
                    con.execute(
                        "SELECT id FROM articles WHERE starts_with(id, ?) ORDER BY id LIMIT 2", [p]
                    ).fetchall()
                    if len(p) >= 6
                    else []
                )
                if len(rows) != 1:
                    problem = "matches several articles" if rows else "matches no article"
                    raise StoreError(
                        f"id {prefix!r} {problem}. Hint: copy a longer id from "
                        "`veille digest show --json` or `veille articles --all --json`."
                    )
                resolved.append(str(rows[0][0]))
        return resolved

    def digest(self, week: str) -> dict[str, Any] | None:
        """The digest row of ``week`` (title, editorial, top_article, dates, snapshot)."""
        with self.connect() as con:
            return _one(con, "SELECT * FROM digests WHERE week = ?", [week])

    def digest_items(self, week: str) -> list[dict[str, Any]]:
        """The draft's items with their article, by section and position."""
        with self.connect() as con:
            return _all(
                con,
                """
                SELECT i.*, a.url, a.title, a.source_id, s.name AS source_name,
                       a.published_at, a.fetched_at, a.word_count, a.tags, a.relevant, a.score,
                       a.why, a.summary AS feed_summary, coalesce(a.cluster_id, a.id) AS story
                  FROM digest_items i
                  JOIN articles a ON a.id = i.article_id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE i.week = ?
                 ORDER BY i.section, i.position, i.article_id
                """,
                [week],
            )

    def story_sources(self, article_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """Per article: every (source id, source name) that carried its story, first seen first."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT x.id, e.source_id, coalesce(s.name, e.source_id) AS name,
                       min(e.first_seen_at) AS seen
                  FROM articles x
                  JOIN articles b ON coalesce(b.cluster_id, b.id) = coalesce(x.cluster_id, x.id)
                  JOIN entries e ON e.article_id = b.id
                  LEFT JOIN sources s ON s.id = e.source_id
                 WHERE list_contains($ids, x.id)
                 GROUP BY ALL ORDER BY x.id, seen, e.source_id
                """,
                {"ids": list(article_ids)},
            ).fetchall()
        result: dict[str, list[tuple[str, str]]] = {}
        for aid, source_id, name, _ in rows:
            result.setdefault(aid, []).append((source_id, name))
        return result

    def save_draft(self, week: str, items: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Store a fresh draft of ``week``, keeping everything a curator touched.

        ``items``: dicts with article_id, included, section, position, rank_score, summary.
        Items a curator edited are kept as they are; the others are replaced by ``items``.
        Returns counts: kept (edited), added, dropped (unedited items no longer candidates).
        """
        now = utc_naive(clock.now())
        with self.connect() as con, _transaction(con):
            if con.execute("SELECT 1 FROM digests WHERE week = ?", [week]).fetchone():
                con.execute("UPDATE digests SET updated_at = ? WHERE week = ?", [now, week])
            else:
                con.execute(
                    "INSERT INTO digests (week, drafted_at, updated_at) VALUES (?, ?, ?)",
                    [week, now, now],
                )
            edited = {
                r[0]
                for r in con.execute(
                    "SELECT article_id FROM digest_items WHERE week = ? AND edited", [week]
                ).fetchall()
            }
            before = {
                r[0]
                for r in con.execute(
                    "SELECT article_id FROM digest_items WHERE week = ? AND NOT edited", [week]
                ).fetchall()
            }
            con.execute("DELETE FROM digest_items WHERE week = ? AND NOT edited", [week])
            fresh = [i for i in items if i["article_id"] not in edited]
            for item in fresh:
                con.execute(
                    "INSERT INTO digest_items (week, article_id, included, section, position, "
                    "rank_score, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        week,
                        item["article_id"],
                        item["included"],
                        item["section"],
                        item["position"],
                        item["rank_score"],
                        item["summary"],
                    ],
                )
        ids = {i["article_id"] for i in fresh}
        return {
            "kept": len(edited),
            "added": len(ids - before),
            "dropped": len(before - ids),
        }

    def edit_digest(self, week: str, **fields: Any) -> None:
        """Set ``title``, ``editorial`` or ``top_article`` of a stored draft."""
        allowed = {"title", "editorial", "top_article"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"edit_digest takes {sorted(allowed)}, not {sorted(fields)}")
        assignments = ", ".join(f"{name} = ${name}" for name in sorted(fields))
        with self.connect() as con:
            found = con.execute(
                f"UPDATE digests SET {assignments}, updated_at = $now WHERE week = $week "
                "RETURNING week",
                {**fields, "now": utc_naive(clock.now()), "week": week},
            ).fetchall()
        if not found:
            raise StoreError(f"there is no draft for {week}. Hint: run `veille digest draft`.")

    def edit_items(self, week: str, article_ids: Sequence[str], **fields: Any) -> int:
        """Set ``included``, ``section``, ``position``, ``summary_edited`` or ``note`` of items;
        marks them edited (a re-draft keeps them). Returns how many items matched."""
        allowed = {"included", "section", "position", "summary_edited", "note"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"edit_items takes {sorted(allowed)}, not {sorted(fields)}")
        assignments = ", ".join(f"{name} = ${name}" for name in sorted(fields))
        now = utc_naive(clock.now())
        with self.connect() as con:
            rows = con.execute(
                f"UPDATE digest_items SET {assignments}, edited = TRUE, edited_at = $now "
                "WHERE week = $week AND list_contains($ids, article_id) RETURNING article_id",
                {**fields, "now": now, "week": week, "ids": list(article_ids)},
            ).fetchall()
            if rows:
                con.execute("UPDATE digests SET updated_at = ? WHERE week = ?", [now, week])
        return len(rows)

    def approve_digest(self, week: str, by: str | None) -> None:
        """Mark the draft as approved (``by=None`` withdraws the approval)."""
        with self.connect() as con:
            found = con.execute(
                "UPDATE digests SET approved_at = ?, approved_by = ? WHERE week = ? RETURNING week",
                [utc_naive(clock.now()) if by else None, by, week],
            ).fetchall()
        if not found:
            raise StoreError(f"there is no draft for {week}. Hint: run `veille digest draft`.")

    def publish_digest(self, week: str, snapshot: dict[str, Any], published_at: datetime) -> None:
        """Record the digest of ``week`` as published, with the snapshot the archive shows."""
        with self.connect() as con:
            con.execute(
                "UPDATE digests SET published_at = ?, snapshot = ? WHERE week = ?",
                [utc_naive(published_at), json.dumps(snapshot, ensure_ascii=False), week],
            )

    def published_digests(self) -> list[dict[str, Any]]:
        """Every published digest's snapshot, oldest week first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT snapshot FROM digests WHERE snapshot IS NOT NULL ORDER BY week"
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def week_figures(self, since: datetime, until: datetime) -> dict[str, int]:
        """What the watch gathered in a window: items seen (one per source that listed an
        article), duplicates merged (items beyond the first of each story), off-topic stories,
        and the words of the distinct articles."""
        with self.connect() as con:
            row = con.execute(
                """
                WITH w AS (
                    SELECT a.id, coalesce(a.cluster_id, a.id) AS story, a.relevant, a.word_count,
                           greatest((SELECT count(*) FROM entries e WHERE e.article_id = a.id), 1)
                               AS seen
                      FROM articles a
                     WHERE coalesce(a.published_at, a.fetched_at) >= $since
                       AND coalesce(a.published_at, a.fetched_at) < $until
                )
                SELECT coalesce(sum(seen), 0),
                       count(DISTINCT story),
                       count(DISTINCT story) FILTER (WHERE relevant IS FALSE),
                       coalesce(sum(word_count), 0)
                  FROM w
                """,
                {"since": utc_naive(since), "until": utc_naive(until)},
            ).fetchone()
        gathered, stories, off_topic, words = row or (0, 0, 0, 0)
        return {
            "gathered": int(gathered),
            "duplicates": int(gathered) - int(stories),
            "off_topic": int(off_topic),
            "words": int(words),
        }

    def selections(self, since: datetime, until: datetime) -> list[Selection]:
        """Items kept in digests published in a window, with tags and curators' notes
        (the Qualiopi evidence of what was selected and what was done about it)."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT d.week, d.published_at, i.section, i.note, a.id AS article_id, a.url,
                       a.title, a.source_id, s.name AS source_name, a.published_at AS article_at,
                       a.tags
                  FROM digests d
                  JOIN digest_items i ON i.week = d.week AND i.included
                  JOIN articles a ON a.id = i.article_id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE d.published_at >= $since AND d.published_at < $until
                 ORDER BY d.week, i.section, i.position
                """,
                {"since": utc_naive(since), "until": utc_naive(until)},
            ).fetchall()
        return [
            Selection(
                week, utc_aware(published), section, note, article_id, url, title,
                source_id, source_name, utc_aware(article_at), tuple(t for t in tags or () if t),
            )
            for (week, published, section, note, article_id, url, title, source_id, source_name,
                 article_at, tags) in rows
        ]  # fmt: skip

    # -- subscribers and sends -------------------------------------------------------------------

    def add_subscribers(self, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Add or update subscribers (email, name, tags, lang) in one transaction; a
        subscriber who had unsubscribed is subscribed again. Returns added/updated counts.

        The rows go in as one Arrow table and three statements, whatever their number
        (100,000 rows one by one held the file for minutes)."""
        unique = {row["email"]: row for row in rows}  # the last row of an address wins
        table = pa.table(
            {
                "email": pa.array(list(unique), pa.string()),
                "name": pa.array([r.get("name") for r in unique.values()], pa.string()),
                "tags": pa.array(
                    [list(r.get("tags") or []) or None for r in unique.values()],
                    pa.list_(pa.string()),
                ),
                "lang": pa.array([r.get("lang") for r in unique.values()], pa.string()),
            }
        )
        with self.connect() as con, _transaction(con):
            con.register("incoming", table)
            try:
                row = con.execute(
                    "SELECT count(*) FROM subscribers s JOIN incoming i ON i.email = s.email"
                ).fetchone()
                updated = int(row[0]) if row else 0
                con.execute("DELETE FROM subscribers WHERE email IN (SELECT email FROM incoming)")
                con.execute(
                    "INSERT INTO subscribers (email, name, tags, lang, added_at) "
                    "SELECT email, name, tags, lang, ? FROM incoming",
                    [utc_naive(clock.now())],
                )
            finally:
                con.unregister("incoming")
        return {"added": len(unique) - updated, "updated": updated}

    def count_subscribers(self, *, active_only: bool = True) -> int:
        where = "WHERE unsubscribed_at IS NULL" if active_only else ""
        with self.connect() as con:
            row = con.execute(f"SELECT count(*) FROM subscribers {where}").fetchone()
        return int(row[0]) if row else 0

    def remove_subscriber(self, email: str) -> bool:
        with self.connect() as con:
            rows = con.execute(
                "DELETE FROM subscribers WHERE email = ? RETURNING email", [email]
            ).fetchall()
        return bool(rows)

    def unsubscribe(self, email: str) -> bool:
        """Mark a subscriber as unsubscribed (the link in the e-mail); True if one was active."""
        with self.connect() as con:
            rows = con.execute(
                "UPDATE subscribers SET unsubscribed_at = ? "
                "WHERE email = ? AND unsubscribed_at IS NULL RETURNING email",
                [utc_naive(clock.now()), email],
            ).fetchall()
        return bool(rows)

    def subscribers(
        self, *, active_only: bool = True, search: str | None = None, limit: int | None = None
    ) -> list[Subscriber]:
        """Subscribers by address; ``search``: only addresses or names containing it."""
        where = ["TRUE"]
        params: dict[str, Any] = {"limit": limit}
        if active_only:
            where.append("unsubscribed_at IS NULL")
        if search:
            where.append("(contains(lower(email), $q) OR contains(lower(coalesce(name, '')), $q))")
            params["q"] = search.lower()
        with self.connect() as con:
            rows = con.execute(
                "SELECT email, name, tags, lang, added_at, unsubscribed_at FROM subscribers "
                f"WHERE {' AND '.join(where)} ORDER BY email LIMIT $limit",
                params,
            ).fetchall()
        return [
            Subscriber(email, name, tuple(tags or ()), lang, utc_aware(added), utc_aware(gone))
            for email, name, tags, lang, added, gone in rows
        ]

    # A week's letter goes to each subscriber at most once. One send per week at a time
    # (send_locks: the primary key refuses a second holder); before a message goes out its
    # (week, email) row is written as 'claimed' (the primary key refuses a second claim), and
    # it becomes 'sent' once the server accepted it. A claim left by a send that died is
    # "uncertain": the message may or may not have gone, so it is not sent again unless a
    # curator asks (forget_uncertain).

    def lock_send(self, week: str, run_id: str, *, stale_after: timedelta = STALE_RUN) -> None:
        """Take the week's send lock for ``run_id``; SendInProgressError while a live one
        holds it (a lock left by a dead process, or older than ``stale_after``, is taken over)."""
        now = clock.now()
        with self.connect() as con, _transaction(con):
            row = con.execute(
                "SELECT pid, started_at FROM send_locks WHERE week = ?", [week]
            ).fetchone()
            if row is not None:
                pid, started = row
                started_at = utc_aware(started) or now
                if _process_alive(pid) and now - started_at < stale_after:
                    raise SendInProgressError(
                        i18n.message(
                            "send.in_progress", week=week, pid=pid, since=f"{started_at:%H:%M}"
                        )
                    )
                con.execute("DELETE FROM send_locks WHERE week = ?", [week])
            try:
                con.execute(
                    "INSERT INTO send_locks VALUES (?, ?, ?, ?)",
                    [week, run_id, os.getpid(), utc_naive(now)],
                )
            except duckdb.ConstraintException:  # another connection got there first
                raise SendInProgressError(
                    i18n.message("send.in_progress", week=week, pid="?", since=f"{now:%H:%M}")
                ) from None

    def unlock_send(self, week: str, run_id: str) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM send_locks WHERE week = ? AND run_id = ?", [week, run_id])

    def claim_send(self, week: str, email: str, run_id: str) -> str | None:
        """Claim the message of ``week`` to ``email`` for this send, in its own transaction.
        None: claimed, send it; ``"sent"``: already delivered; ``"uncertain"``: a send that
        died had claimed it (it may have gone)."""
        with self.connect() as con, _transaction(con):
            row = con.execute(
                "SELECT state, run_id FROM sends WHERE week = ? AND email = ?", [week, email]
            ).fetchone()
            if row is not None:
                return "sent" if row[0] == "sent" else "uncertain"
            con.execute(
                "INSERT INTO sends (week, email, sent_at, state, run_id) "
                "VALUES (?, ?, ?, 'claimed', ?)",
                [week, email, utc_naive(clock.now()), run_id],
            )
        return None

    def confirm_send(self, week: str, email: str, run_id: str) -> None:
        """The server accepted the message: record it as sent (its own transaction)."""
        with self.connect() as con:
            con.execute(
                "UPDATE sends SET state = 'sent', sent_at = ? "
                "WHERE week = ? AND email = ? AND run_id = ?",
                [utc_naive(clock.now()), week, email, run_id],
            )

    def release_send(self, week: str, email: str, run_id: str) -> None:
        """The message surely did not go (refused, or never handed over): the next send
        tries again."""
        with self.connect() as con:
            con.execute(
                "DELETE FROM sends WHERE week = ? AND email = ? AND run_id = ? "
                "AND state = 'claimed'",
                [week, email, run_id],
            )

    def forget_uncertain(self, week: str, run_id: str) -> list[str]:
        """Drop the claims of sends that died (while holding the week's lock as ``run_id``),
        so that those subscribers are sent the letter again. Returns their addresses."""
        with self.connect() as con:
            rows = con.execute(
                "DELETE FROM sends WHERE week = ? AND state = 'claimed' AND run_id IS DISTINCT "
                "FROM ? RETURNING email",
                [week, run_id],
            ).fetchall()
        return sorted(r[0] for r in rows)

    def sends(self, week: str) -> dict[str, str]:
        """Per address: ``sent`` or ``claimed`` for the letter of ``week``."""
        with self.connect() as con:
            rows = con.execute("SELECT email, state FROM sends WHERE week = ?", [week]).fetchall()
        return {r[0]: r[1] for r in rows}

    def secret(self, name: str) -> str:
        """A random secret kept in the database, made on first use (e.g. unsubscribe links)."""
        with self.connect() as con:
            con.execute(
                "INSERT OR IGNORE INTO secrets VALUES (?, ?)", [name, secrets.token_hex(32)]
            )
            row = con.execute("SELECT value FROM secrets WHERE name = ?", [name]).fetchone()
        assert row is not None
        return str(row[0])

    # -- users -------------------------------------------------------------------------------

    def set_user(self, name: str, password_hash: str) -> bool:
        """Create a user or change their password (which ends their open sessions); True
        when the user is new."""
        now = utc_naive(clock.now())
        with self.connect() as con:
            existed = con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
            if existed:
                con.execute(
                    "UPDATE users SET password_hash = ?, "
                    "session_generation = coalesce(session_generation, 0) + 1 WHERE name = ?",
                    [password_hash, name],
                )
            else:
                con.execute(
                    "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)",
                    [name, password_hash, now],
                )
        return existed is None

    def rehash_password(self, name: str, old_hash: str, new_hash: str) -> None:
        """Store a stronger hash of the same password (at login, when the hashing parameters
        changed). Sessions go on; nothing changes if the password was changed meanwhile."""
        with self.connect() as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?",
                [new_hash, name, old_hash],
            )

    def password_hash(self, name: str) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
        return str(row[0]) if row else None

    def session_generation(self, name: str) -> int | None:
        """The generation of ``name``'s sessions (a session made under another one has ended),
        or None when there is no such user."""
        with self.connect() as con:
            row = con.execute(
                "SELECT coalesce(session_generation, 0) FROM users WHERE name = ?", [name]
            ).fetchone()
        return int(row[0]) if row else None

    def end_sessions(self, name: str) -> None:
        """End every open session of ``name`` (logging out ends them all)."""
        with self.connect() as con:
            con.execute(
                "UPDATE users SET session_generation = coalesce(session_generation, 0) + 1 "
                "WHERE name = ?",
                [name],
            )

    def session_key(self) -> str:
        """The key that signs the web app's session cookies.

        Kept in a file beside the database (``.<name>-session.key``, 0600), made on first use,
        never in the database: a copy or a backup of the database cannot forge a session.
        """
        path = self.path.parent / f".{self.path.stem}-session.key"
        try:
            try:
                key = path.read_text(encoding="ascii").strip()
            except FileNotFoundError:
                key = self._new_session_key(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(i18n.message("store.session_key", path=path, reason=exc)) from None
        if len(key) < 32:
            raise StoreError(i18n.message("store.session_key", path=path, reason=len(key)))
        return key

    @staticmethod
    def _new_session_key(path: Path) -> str:
        """Write a new key atomically (a temporary file, then a hard link that fails if another
        process made the key meanwhile: then that one is used)."""
        fd, name = tempfile.mkstemp(prefix=".session-key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(name, path)
        finally:
            Path(name).unlink()
        return path.read_text(encoding="ascii").strip()

    def user_logged_in(self, name: str) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE users SET last_login_at = ? WHERE name = ?", [utc_naive(clock.now()), name]
            )

    def remove_user(self, name: str) -> bool:
        with self.connect() as con:
            return bool(
                con.execute("DELETE FROM users WHERE name = ? RETURNING name", [name]).fetchall()
            )

    def users(self) -> list[UserAccount]:
        with self.connect() as con:
            rows = con.execute(
                "SELECT name, created_at, last_login_at FROM users ORDER BY name"
            ).fetchall()
        return [
            UserAccount(name, utc_aware(created), utc_aware(last)) for name, created, last in rows
        ]

    # -- sources managed from the web app --------------------------------------------------------

    def managed_sources(self) -> list[dict[str, Any]]:
        """Sources added or switched outside sources.yaml; ``options`` is a dict (maybe empty)."""
        with self.connect() as con:
            rows = _all(con, "SELECT * FROM managed_sources ORDER BY rowid", [])
        for row in rows:
            row["options"] = json.loads(row["options"]) if row.get("options") else {}
        return rows

    def add_managed_sources(self, rows: Sequence[dict[str, Any]]) -> int:
        """Add sources (id, url, kind, name, origin, optional ``options`` dict: tags,
        link_pattern, link_selector, mapping...); ids already present are left alone."""
        now = utc_naive(clock.now())
        added = 0
        with self.connect() as con, _transaction(con):
            for row in rows:
                options = row.get("options")
                done = con.execute(
                    "INSERT OR IGNORE INTO managed_sources "
                    "(id, url, kind, name, enabled, origin, added_at, options) "
                    "VALUES (?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id",
                    [
                        row["id"],
                        row["url"],
                        row["kind"],
                        row.get("name"),
                        row["origin"],
                        now,
                        json.dumps(options, ensure_ascii=False) if options else None,
                    ],
                ).fetchall()
                added += len(done)
        return added

    def set_source_enabled(self, source_id: str, enabled: bool) -> None:
        """Switch a source on or off (a web-app source, or one from sources.yaml)."""
        now = utc_naive(clock.now())
        with self.connect() as con:
            updated = con.execute(
                "UPDATE managed_sources SET enabled = ? WHERE id = ? RETURNING id",
                [enabled, source_id],
            ).fetchall()
            if not updated:
                con.execute(
                    "INSERT INTO managed_sources (id, enabled, origin, added_at) "
                    "VALUES (?, ?, 'toggle', ?)",
                    [source_id, enabled, now],
                )
            con.execute("UPDATE sources SET enabled = ? WHERE id = ?", [enabled, source_id])

    # -- full-text search ----------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        tag: str | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Articles matching ``query`` (French stemming, accents folded), best first.

        The DuckDB FTS index does not follow inserts: it is rebuilt here when articles were
        added since it was built (0.1 s for a hundred articles; it grows with the table).
        """
        with self.connect() as con:
            _load_fts(con)
            stamp = con.execute(
                "SELECT count(*)::TEXT || '/' || coalesce(max(fetched_at)::TEXT, '') FROM articles"
            ).fetchone()
            built = con.execute("SELECT value FROM meta WHERE key = 'fts'").fetchone()
            if stamp is None or built is None or built[0] != stamp[0]:
                con.execute(
                    "PRAGMA create_fts_index('articles', 'id', 'title', 'text', "
                    "stemmer = 'french', stopwords = 'none', strip_accents = 1, lower = 1, "
                    "overwrite = 1)"
                )
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('fts', ?)", [stamp[0] if stamp else ""]
                )
            where, params = _date_window(since, until)
            where.append("m.bm25 IS NOT NULL")
            params |= {"q": query, "limit": limit}
            if tag:
                where.append("list_contains(a.tags, $tag)")
                params["tag"] = tag
            if source:
                where.append("a.source_id = $source")
                params["source"] = source
            rows = _all(
                con,
                f"""
                SELECT a.id, a.url, a.title, a.source_id, s.name AS source_name, a.tags,
                       a.relevant, coalesce(a.published_at, a.fetched_at) AS date,
                       left(a.text, 300) AS excerpt, a.text, m.bm25
                  FROM (SELECT id, fts_main_articles.match_bm25(id, $q) AS bm25 FROM articles) m
                  JOIN articles a ON a.id = m.id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE {" AND ".join(where)}
                 ORDER BY m.bm25 DESC, a.id
                 LIMIT $limit
                """,
                params,
            )
        for row in rows:
            row["date"] = _iso(row["date"])
            row["tags"] = list(row["tags"] or [])
        return rows

    def stems(self, words: Sequence[str]) -> dict[str, str]:
        """Each word as the search index sees it: lower case, accents stripped, French stem."""
        unique = sorted({w for w in words if w})
        if not unique:
            return {}
        with self.connect() as con:
            _load_fts(con)
            rows = con.execute(
                "SELECT w, stem(strip_accents(lower(w)), 'french') FROM unnest($w) t(w)",
                {"w": unique},
            ).fetchall()
        return {str(w): str(s) for w, s in rows}

    # -- export --------------------------------------------------------------------------------

    def export_articles(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every stored article of the window (publication date, else fetch date), oldest first,
        with the columns of :data:`EXPORT_COLUMNS` (lists as lists, dates as UTC datetimes)."""
        sql, params = _export_query(since, until)
        with self.connect() as con:
            return _all(con, sql, params)

    def export_articles_parquet(
        self, path: Path, *, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Write the same rows as :meth:`export_articles` to a Parquet file (DuckDB's COPY);
        returns the number of rows. The file is written beside ``path`` then renamed."""
        sql, params = _export_query(since, until)
        partial = path.with_name(f".{path.name}.partial")
        target = str(partial).replace("'", "''")  # COPY takes the file name as a literal
        with self.connect() as con:
            con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", params)
            row = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        partial.replace(path)
        return int(row[0]) if row else 0

    def counts(self) -> dict[str, int]:
        with self.connect() as con:
            return {t: _count(con, t) for t in ("sources", "articles", "entries")}


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full, read-only file) may have ended the transaction already:
        # the rollback error must not hide the real one.
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def _load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's FTS extension from the ``duckdb-extension-fts`` package (no download)."""
    import duckdb_extension_fts

    path = (
        Path(duckdb_extension_fts.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "fts.duckdb_extension"
    )
    if not path.exists():
        raise StoreError(
            f"the full-text search extension for DuckDB {duckdb.__version__} is missing "
            f"({path}). Hint: pip install duckdb-extension-fts=={duckdb.__version__}."
        )
    con.execute(f"INSTALL '{path}'")
    con.execute("LOAD fts")


def _all(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> dict[str, Any] | None:
    rows = _all(con, sql, params)
    return rows[0] if rows else None


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    """Articles as an Arrow table, every text within its bound (veille.models): the parsers bound
    them already, this is the last line before the file."""
    columns: dict[str, list[Any]] = {c: [] for c in ARTICLE_COLUMNS}
    for a in articles:
        values = {
            "id": a.id,
            "url": clip(a.url, MAX_URL_CHARS + 100),
            "source_id": a.source_id,
            "title": clip(a.title, MAX_TITLE_CHARS),
            "author": clip_optional(a.author, MAX_NAME_CHARS),
            "published_at": utc_naive(a.published_at),
            "fetched_at": utc_naive(a.fetched_at),
            "lang": clip_optional(a.lang, MAX_LANG_CHARS),
            "sitename": clip_optional(a.sitename, MAX_NAME_CHARS),
            "summary": clip(a.summary, MAX_TEXT_CHARS),
            "text": clip(a.text, MAX_TEXT_CHARS),
            "word_count": a.word_count,
            "extraction": a.extraction,
            "extraction_error": one_line(a.extraction_error) if a.extraction_error else None,
            "content_hash": a.content_hash,
            "tags": [clip(t, MAX_NAME_CHARS) for t in a.tags[:MAX_TAGS]],
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
            ("entry_key", clip(s.entry_key, MAX_URL_CHARS + MAX_GUID_CHARS + 100)),
            ("url", clip_optional(s.url, MAX_URL_CHARS)),
            ("guid", clip_optional(s.guid, MAX_GUID_CHARS)),
            ("title", clip(s.title, MAX_TITLE_CHARS)),
            ("published_at", utc_naive(s.published_at)),
            ("first_seen_at", utc_naive(s.seen_at)),
        ):
            columns[key].append(value)
    return pa.table(columns, schema=schema)


EXPORT_COLUMNS = (
    "id",
    "title",
    "url",
    "source",
    "source_name",
    "sources",
    "published_at",
    "fetched_at",
    "lang",
    "author",
    "tags",
    "relevant",
    "score",
    "story",
    "rejected",
    "extraction",
    "word_count",
    "summary",
)


def _insert_new(
    con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, columns: Sequence[str]
) -> None:
    """INSERT OR IGNORE the Arrow ``rows`` into ``table`` (rows already there are kept)."""
    if not rows.num_rows:
        return
    con.register(f"new_{table}", rows)
    con.execute(
        f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM new_{table}"
    )
    con.unregister(f"new_{table}")


def _article_filters(
    since: datetime | None,
    until: datetime | None,
    tag: str | None,
    source: str | None,
    include_all: bool,
    off_topic: bool,
) -> tuple[list[str], dict[str, Any]]:
    """The WHERE conditions and parameters of :meth:`Store.articles` (``a``: the ranked
    articles)."""
    where, params = _date_window(since, until)
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
        if not off_topic:
            where.append("a.relevant IS DISTINCT FROM FALSE")
        where.append(
            "a.rank = 1 AND NOT EXISTS ("
            "SELECT 1 FROM articles r WHERE r.rejected_at IS NOT NULL "
            "AND coalesce(r.cluster_id, r.id) = coalesce(a.cluster_id, a.id))"
        )
    return where, params


def _date_window(
    since: datetime | None, until: datetime | None
) -> tuple[list[str], dict[str, Any]]:
    """WHERE conditions and parameters for articles dated in [since, until): the publication
    date, or the fetch date when the feed gave none."""
    where, params = ["TRUE"], {}
    if since is not None:
        where.append("coalesce(a.published_at, a.fetched_at) >= $since")
        params["since"] = utc_naive(since)
    if until is not None:
        where.append("coalesce(a.published_at, a.fetched_at) < $until")
        params["until"] = utc_naive(until)
    return where, params


def _export_query(since: datetime | None, until: datetime | None) -> tuple[str, dict[str, Any]]:
    where, params = _date_window(since, until)
    # story: articles with the same value are one story (copies merged by deduplication).
    sql = f"""
        SELECT a.id, a.title, a.url, a.source_id AS source, s.name AS source_name,
               coalesce((SELECT list(DISTINCT e.source_id ORDER BY e.source_id) FROM entries e
                          WHERE e.article_id = a.id), [a.source_id]) AS sources,
               a.published_at, a.fetched_at, a.lang, a.author,
               coalesce(a.tags, []::VARCHAR[]) AS tags, a.relevant, a.score,
               coalesce(a.cluster_id, a.id) AS story,
               a.rejected_at IS NOT NULL AS rejected, a.extraction, a.word_count, a.summary
          FROM articles a LEFT JOIN sources s ON s.id = a.source_id
         WHERE {" AND ".join(where)}
         ORDER BY coalesce(a.published_at, a.fetched_at), a.id
    """
    return sql, params


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
        "why": json.loads(row["why"]) if row.get("why") else {},
        "cluster": row["cluster_id"],
        "representative": row["representative"],
        "rejected": row["rejected_at"] is not None,
        "also_in": sorted(row["also_in"] or [], key=lambda x: (x["source"], x["url"] or "")),
    }


def _iso(value: datetime | None) -> str | None:
    aware = utc_aware(value)
    return aware.isoformat() if aware else None


# What the OS says when a write cannot happen (strerror of ENOSPC, EFBIG, EDQUOT, EROFS, EACCES,
# EPERM), as DuckDB quotes it in its IO errors.
DISK_FULL_MARKERS = ("No space left on device", "File too large", "Disk quota exceeded")
READ_ONLY_MARKERS = ("Read-only file system", "Permission denied", "Operation not permitted")


def _cannot_write(message: str) -> bool:
    return any(m in message for m in DISK_FULL_MARKERS + READ_ONLY_MARKERS)


def _store_error_message(path: Path, exc: BaseException) -> str:
    """One line for a failed database statement, with a fix for a full or read-only disk."""
    message = str(exc)
    if any(m in message for m in DISK_FULL_MARKERS):
        return (
            f"cannot write the database {path}: the disk is full ({_first_line(exc)}). "
            "Nothing already stored was lost; this batch was not saved. "
            "Hint: free some space on that disk, then run the command again."
        )
    if any(m in message for m in READ_ONLY_MARKERS):
        return (
            f"cannot write the database {path}: the file or its folder is read-only "
            f"({_first_line(exc)}). Nothing already stored was lost. Hint: give the user running "
            "veille write access to the file and its folder (DuckDB writes a .wal file beside "
            "it), or pass --db with a writable path."
        )
    return f"database {path}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _lock_holder(message: str) -> str:
    marker = "(PID "
    if marker in message:
        pid = message.split(marker, 1)[1].split(")", 1)[0]
        return f"PID {pid}"
    return "another process"


def _process_alive(pid: int | None) -> bool:
    """True when a process with this id exists on this machine."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# --- one thread per file, private files, index rebuilds ---------------------------------------

_FILE_LOCKS: dict[str, threading.RLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()
# The secondary indexes of the schema (migrations 1 and 2), made again if a crash lost one.
SECONDARY_INDEXES = (
    ("articles", "CREATE INDEX IF NOT EXISTS articles_content_hash ON articles (content_hash)"),
    ("entries", "CREATE INDEX IF NOT EXISTS entries_article ON entries (article_id)"),
)
REBUILD_INDEXES_AT = 11  # the migration after which an existing database's indexes are rebuilt
# Files whose secondary indexes must be rebuilt at their next opening in this process.
_REBUILD_INDEXES: set[str] = set()
INDEX_DAMAGE_MARKER = "Failed to delete all rows from index"


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _file_lock(path: Path) -> threading.RLock:
    """The lock of one database file in this process (shared by every Store of that file)."""
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(_key(path), threading.RLock())


@atexit.register
def _wait_for_other_threads() -> None:
    """At exit, wait (bounded) until no other thread has a database open, and keep it so.

    A pass that fails (a full disk) ends while its store thread, a daemon, may still be
    committing: DuckDB torn down under it at interpreter exit aborts the process ("terminate
    called without an active exception", exit code 134) after the error line was printed.
    """
    deadline = time.monotonic() + EXIT_WAIT
    with _FILE_LOCKS_GUARD:
        locks = list(_FILE_LOCKS.values())
    for lock in locks:
        lock.acquire(timeout=max(deadline - time.monotonic(), 0))


EXIT_WAIT = 30.0


def _wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


_UMASK_GUARD = threading.Lock()
_umask_users = 0
_umask_saved = 0o022


@contextmanager
def _private_files() -> Iterator[None]:
    """While a database is open, every file this process creates is private (umask 077).

    DuckDB creates the database, its write-ahead log (again after each checkpoint) and its
    spill folder with the process's umask, and offers no setting for their mode: the umask is
    the only way to have them born 0600. It is process-wide, so it is counted across threads
    and put back when the last connection closes; files meant to be public are given their
    mode explicitly (veille.files).
    """
    global _umask_users, _umask_saved
    with _UMASK_GUARD:
        if _umask_users == 0:
            _umask_saved = os.umask(0o077)
        _umask_users += 1
    try:
        yield
    finally:
        with _UMASK_GUARD:
            _umask_users -= 1
            if _umask_users == 0:
                os.umask(_umask_saved)


def _keep_private(path: Path) -> None:
    """Take away the other users' access to a database made before files were born private
    (the group's is left: an administrator may share the file with the web app's user)."""
    for file in (path, _wal_path(path)):
        try:
            mode = file.stat().st_mode & 0o777
            if mode & 0o007:
                file.chmod(mode & 0o770)
        except (FileNotFoundError, PermissionError):
            continue


def _rebuild_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Drop and create again every secondary index of the database, in one transaction.

    After a write-ahead log replay, DuckDB 1.5.5 keeps the replayed index entries aside until
    the index is first used, and a checkpoint before that writes the index without them: the
    next update of those rows fails with "FATAL Error: Failed to delete all rows from index"
    (reproduced with a table, an index, a SIGKILL after a commit, then open, close, open,
    update). Building the index again from the table makes it whole. Primary keys are not
    affected (their entries are checked at replay).

    Each statement commits on its own: right after a replay, DuckDB 1.5.5 aborts the whole
    process (C++ "pure virtual method called") when DROP and CREATE INDEX commit together in
    one transaction. A crash between the two leaves the log non-empty, so the next opening
    comes here again and makes the missing index from :data:`SECONDARY_INDEXES`.
    """
    indexes = con.execute(
        "SELECT index_name, sql FROM duckdb_indexes() "
        "WHERE database_name = current_database() AND sql IS NOT NULL"
    ).fetchall()
    for name, sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
        con.execute(sql)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table, sql in SECONDARY_INDEXES:
        if table in tables:
            con.execute(sql)


def crash_point(name: str) -> None:
    """Crash-injection hook for the crash-safety tests: ``VEILLE_CRASH_AT=name`` kills this
    process here with SIGKILL (no cleanup, no flush: what a power cut or the OOM killer does)."""
    if os.environ.get("VEILLE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
