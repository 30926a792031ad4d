"""The DuckDB file: the only package that speaks SQL.

One :class:`Store` object, assembled from a base that owns the connection
(:mod:`veille.store.connection`) and one mixin per aggregate (sources, articles, exports,
clusters, labels, runs, digests, subscribers and sends, users, full-text search,
exploitation records and the register's figures, alerts, the team's activity and
suggestions), so every
caller keeps writing ``store.method(...)``.

Design (measured by bench/perf.py, tested in tests/test_store.py):

* **Short connections.** DuckDB lets one process hold the file read-write, and even a read-only
  open fails while a writer holds it. Every operation opens the file, does its work and closes
  it, retrying for a while when another veille process holds the lock, so a scheduled run and
  the web app can live side by side. A long run only holds the file while it commits a source.
  "Opening" attaches the file to one in-memory DuckDB instance that the process keeps, and
  "closing" detaches it (a checkpoint, then the lock is released): starting a DuckDB instance
  for each operation cost 11 ms of CPU (bench/store_open.py).
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
* **Typed records in and out** (:mod:`veille.models`, :mod:`veille.drafts`), never rows as
  dicts; the store decides no policy (when a failing source is due again is its caller's).
"""

from __future__ import annotations

from veille.store.actions import ActionsMixin, Diffusion, SourceDays, Story
from veille.store.alerts import AlertsMixin
from veille.store.articles import ArticlesMixin
from veille.store.clusters import ClustersMixin
from veille.store.common import STALE_RUN, crash_point, pause_point, utc_aware, utc_naive
from veille.store.digests import DigestsMixin
from veille.store.export import EXPORT_COLUMNS, ExportMixin
from veille.store.fulltext import FullTextMixin
from veille.store.labels import LabelsMixin
from veille.store.migrations import MIGRATIONS
from veille.store.runs import RunsMixin
from veille.store.sources import SourcesMixin, SourceState
from veille.store.subscribers import SubscribersMixin
from veille.store.team import Activity, Suggestion, TeamMixin
from veille.store.users import UsersMixin

__all__ = [
    "EXPORT_COLUMNS",
    "MIGRATIONS",
    "STALE_RUN",
    "Activity",
    "Diffusion",
    "SourceDays",
    "SourceState",
    "Store",
    "Story",
    "Suggestion",
    "crash_point",
    "pause_point",
    "utc_aware",
    "utc_naive",
]


class Store(
    SourcesMixin,
    ArticlesMixin,
    ExportMixin,
    ClustersMixin,
    LabelsMixin,
    RunsMixin,
    DigestsMixin,
    SubscribersMixin,
    UsersMixin,
    FullTextMixin,
    ActionsMixin,
    AlertsMixin,
    TeamMixin,
):
    """Owner of the DuckDB file and of every SQL statement veille runs.

    Usage::

        store = Store("veille.duckdb")
        store.sync_sources(config.sources)
        state = store.source_state("centre-inffo")
    """
