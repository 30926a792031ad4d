"""Sources: their configuration, their state between runs, their failures and health figures,
and the sources added or switched outside sources.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import duckdb

from veille import clock
from veille.errors import one_line
from veille.models import (
    MAX_NAME_CHARS,
    ManagedSource,
    NewManagedSource,
    SourceFigures,
    clip_optional,
)
from veille.store.common import fetch_dicts, utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between runs."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    last_success_at: datetime | None = None
    next_check_at: datetime | None = None  # backing off until then


class SourceDefinition(Protocol):
    """What the store keeps of a configured source (:class:`veille.config.Source` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def official(self) -> bool: ...


def count_day(
    con: duckdb.DuckDBPyConnection, source_id: str, now: datetime, *, ok: bool, error: str | None
) -> None:
    """Count one fetch outcome of a source in its hour (UTC): the register's watch plan reads
    which days, in the organisation's time zone, each source answered."""
    con.execute(
        """
        INSERT INTO source_days (source_id, hour, successes, failures, last_error)
        VALUES ($id, $hour, $ok, 1 - $ok, $error)
        ON CONFLICT (source_id, hour) DO UPDATE SET
            successes = source_days.successes + excluded.successes,
            failures = source_days.failures + excluded.failures,
            last_error = coalesce(excluded.last_error, source_days.last_error)
        """,
        {"id": source_id, "hour": _hour(now), "ok": int(ok), "error": error},
    )


def _hour(moment: datetime) -> datetime:
    """The UTC hour a moment falls in, naive as the store keeps times."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


class SourcesMixin(StoreBase):
    """The store's sources: configuration, state between runs, failures, health figures."""

    def sync_sources(self, sources: Iterable[SourceDefinition]) -> None:
        """Insert or update the source rows from configuration (url, kind, name, enabled)."""
        rows = [
            (s.id, s.url, s.kind, clip_optional(s.name, MAX_NAME_CHARS), s.enabled, s.official)
            for s in sources
        ]
        if not rows:
            return
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
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
        self, source_id: str, kind: str, message: str, *, next_check_in: timedelta | None
    ) -> int:
        """Count one failed fetch of a source and set when to try it again: ``next_check_in``
        from now (the caller's policy, :func:`veille.health.next_check_in`); its validators and
        articles are left alone. Returns its consecutive errors."""
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
                [utc_naive(now + next_check_in) if next_check_in is not None else None, source_id],
            )
            count_day(con, source_id, now, ok=False, error=message)
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
            con.execute(
                "UPDATE source_days SET failures = greatest(failures - 1, 0) "
                "WHERE list_contains(?, source_id) AND hour = ?",
                [list(source_ids), _hour(clock.now())],
            )

    def source_figures(self, now: datetime | None = None) -> list[SourceFigures]:
        """What is known of every stored source's fetching (:func:`veille.health.assess`
        turns it into a status and warnings)."""
        now = now or clock.now()
        with self.connect() as con:
            rows = fetch_dicts(
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

    def managed_sources(self) -> list[ManagedSource]:
        """Sources added or switched outside sources.yaml, in the order they came."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, url, kind, name, enabled, origin, added_at, options "
                "FROM managed_sources ORDER BY rowid"
            ).fetchall()
        return [
            ManagedSource(
                sid, url, kind, name, bool(enabled), origin, utc_aware(added),
                json.loads(options) if options else {},
            )
            for sid, url, kind, name, enabled, origin, added, options in rows
        ]  # fmt: skip

    def add_managed_sources(self, rows: Sequence[NewManagedSource]) -> int:
        """Add sources (their ``options``: tags, link_pattern, link_selector, mapping...); ids
        already present are left alone. Returns how many were added."""
        now = utc_naive(clock.now())
        added = 0
        with self.connect() as con, transaction(con):
            for row in rows:
                options = row.options
                done = con.execute(
                    "INSERT OR IGNORE INTO managed_sources "
                    "(id, url, kind, name, enabled, origin, added_at, options) "
                    "VALUES (?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id",
                    [
                        row.id,
                        row.url,
                        row.kind,
                        row.name,
                        row.origin,
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

    def update_managed_source(
        self, source_id: str, *, url: str, name: str | None, options: Mapping[str, object]
    ) -> bool:
        """Change the address, name and options (tags…) of a source added outside
        sources.yaml; False when there is no such source (sources.yaml's are not changed)."""
        with self.connect() as con:
            done = con.execute(
                "UPDATE managed_sources SET url = ?, name = ?, options = ? "
                "WHERE id = ? AND url IS NOT NULL RETURNING id",
                [
                    url,
                    name,
                    json.dumps(dict(options), ensure_ascii=False) if options else None,
                    source_id,
                ],
            ).fetchall()
            if done:  # the health table shows the new address and name at once
                con.execute(
                    "UPDATE sources SET url = ?, name = ? WHERE id = ?", [url, name, source_id]
                )
        return bool(done)

    def remove_managed_source(self, source_id: str) -> bool:
        """Stop watching a source added outside sources.yaml: it leaves the list of sources;
        its articles, their letters and its fetch history stay (the register still shows
        them). False when there is no such source."""
        with self.connect() as con:
            done = con.execute(
                "DELETE FROM managed_sources WHERE id = ? AND url IS NOT NULL RETURNING id",
                [source_id],
            ).fetchall()
        return bool(done)
