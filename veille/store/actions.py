"""Exploitation records (kept as versions), each source's fetch outcomes per day, and the
letters' diffusion: what the Qualiopi register shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from veille import clock
from veille.actions import ActionFields, ActionRecord
from veille.errors import NotFoundError, one_line
from veille.i18n import message
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction

_LATEST = """
    SELECT v.action_id, v.version, v.article_id, v.what, v.type, v.impact, v.owner, v.due,
           v.status, v.evidence, v.indicators, v.status_at, f.changed_at, f.changed_by,
           v.changed_at, v.changed_by, a.title, a.url, a.source_id, s.name
      FROM action_versions v
      JOIN action_versions f ON f.action_id = v.action_id AND f.version = 1
      LEFT JOIN articles a ON a.id = v.article_id
      LEFT JOIN sources s ON s.id = a.source_id
"""


@dataclass(frozen=True, slots=True)
class Story:
    """A stored article as an exploitation record names it: its title, link, source, tags."""

    id: str
    title: str
    url: str
    source_id: str
    source_name: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceDays:
    """A source's fetches over a window of days: how many days it answered, how many it
    failed without answering, the first and last day it answered."""

    source_id: str
    days_ok: int
    days_failed: int  # days with failures and no success
    first_ok: date | None
    last_ok: date | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Diffusion:
    """One letter's publication and sending (evidence that results reached the staff)."""

    week: str
    published_at: datetime | None
    first_sent_at: datetime | None
    last_sent_at: datetime | None
    recipients: int  # addresses the letter reached
    by_theme: tuple[tuple[str, int], ...]  # (tag, recipients who chose it); "" = every theme
    by_lang: tuple[tuple[str, int], ...]  # (language, recipients); "" = the letter's


class ActionsMixin(StoreBase):
    """The store's exploitation records, sources' days and diffusion log."""

    def add_action(self, article_id: str, fields: ActionFields, by: str) -> ActionRecord:
        """Record what is planned or done about a story (version 1); returns it."""
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            if not con.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone():
                raise NotFoundError(message("action.unknown_article", article=article_id))
            row = con.execute("SELECT nextval('action_ids')").fetchone()
            action_id = int(row[0]) if row else 1
            _insert_version(con, action_id, 1, article_id, fields, now, now, by)
        return self._action_or_fail(action_id)

    def change_action(self, action_id: int, fields: ActionFields, by: str) -> ActionRecord:
        """Record a change as a new version (nothing is overwritten); returns the new one.
        A new status starts its date; an unchanged one keeps it."""
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            row = con.execute(
                "SELECT version, article_id, status, status_at FROM action_versions "
                "WHERE action_id = ? ORDER BY version DESC LIMIT 1",
                [action_id],
            ).fetchone()
            if row is None:
                raise NotFoundError(message("action.unknown", id=action_id))
            version, article_id, status, status_at = row
            since = status_at if status == fields.status else now
            _insert_version(con, action_id, version + 1, article_id, fields, since, now, by)
        return self._action_or_fail(action_id)

    def article_tags(self, article_id: str) -> tuple[str, ...]:
        """The tags of a stored article (its default indicators come from them)."""
        with self.connect() as con:
            row = con.execute("SELECT tags FROM articles WHERE id = ?", [article_id]).fetchone()
        return tuple(t for t in (row[0] if row else None) or () if t)

    def story(self, article_id: str) -> Story | None:
        """The stored article an action is about (None when there is no such article)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT a.id, a.title, a.url, a.source_id, s.name, a.tags FROM articles a "
                "LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
                [article_id],
            ).fetchone()
        if row is None:
            return None
        tags = tuple(t for t in row[5] or () if t)
        return Story(row[0], row[1] or row[0], row[2] or "", row[3] or "", row[4], tags)

    def action(self, action_id: int) -> ActionRecord | None:
        """The current version of an action."""
        found = self.actions(ids=[action_id])
        return found[0] if found else None

    def actions(
        self,
        *,
        ids: Sequence[int] | None = None,
        article_ids: Sequence[str] | None = None,
        open_only: bool = False,
    ) -> list[ActionRecord]:
        """Current versions, by due date (none last), then number."""
        where = ["v.version = (SELECT max(version) FROM action_versions m "
                 "WHERE m.action_id = v.action_id)"]  # fmt: skip
        params: list[Any] = []
        if ids is not None:
            where.append("list_contains(?, v.action_id)")
            params.append(list(ids))
        if article_ids is not None:
            where.append("list_contains(?, v.article_id)")
            params.append(list(article_ids))
        if open_only:
            where.append("v.status = 'planned'")
        sql = f"{_LATEST} WHERE {' AND '.join(where)} ORDER BY v.due NULLS LAST, v.action_id"
        with self.connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [_record(r) for r in rows]

    def action_history(self, action_id: int) -> list[ActionRecord]:
        """Every version of an action, the first first."""
        with self.connect() as con:
            rows = con.execute(
                f"{_LATEST} WHERE v.action_id = ? ORDER BY v.version", [action_id]
            ).fetchall()
        return [_record(r) for r in rows]

    def _action_or_fail(self, action_id: int) -> ActionRecord:
        record = self.action(action_id)
        if record is None:  # pragma: no cover - written in the same breath
            raise NotFoundError(message("action.unknown", id=action_id))
        return record

    def source_days(self, since: datetime, until: datetime, tz: str) -> dict[str, SourceDays]:
        """Per source, its fetch outcomes in ``[since, until)``, counted in days of the time
        zone ``tz`` (a day answered: at least one success; failed: failures and no success)."""
        zone = ZoneInfo(tz)
        with self.connect() as con:
            rows = con.execute(
                "SELECT source_id, hour, successes, failures, last_error FROM source_days "
                "WHERE hour >= ? AND hour < ? ORDER BY hour",
                [utc_naive(since), utc_naive(until)],
            ).fetchall()
        days: dict[str, dict[date, list[int]]] = {}
        errors: dict[str, str] = {}
        for source_id, hour, ok, failed, error in rows:
            day = utc_aware(hour).astimezone(zone).date()
            tally = days.setdefault(source_id, {}).setdefault(day, [0, 0])
            tally[0] += ok
            tally[1] += failed
            if error:
                errors[source_id] = error
        found = {}
        for source_id, tallies in days.items():
            answered = sorted(d for d, (ok, _) in tallies.items() if ok)
            failing = sum(1 for ok, failed in tallies.values() if failed and not ok)
            found[source_id] = SourceDays(
                source_id, len(answered), failing, answered[0] if answered else None,
                answered[-1] if answered else None, errors.get(source_id),
            )  # fmt: skip
        return found

    def first_success(self, tz: str) -> dict[str, date]:
        """Per source, the first day (in ``tz``) it ever answered: since when it is watched."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT source_id, min(hour) FROM source_days WHERE successes > 0 GROUP BY 1"
            ).fetchall()
        zone = ZoneInfo(tz)
        return {r[0]: utc_aware(r[1]).astimezone(zone).date() for r in rows}

    def diffusion(self, since: datetime, until: datetime) -> list[Diffusion]:
        """Letters published or sent in a window, with their recipients by theme and language
        (the subscribers' current choices)."""
        window = {"since": utc_naive(since), "until": utc_naive(until)}
        with self.connect() as con:
            weeks = con.execute(
                """
                SELECT d.week, d.published_at, min(x.sent_at), max(x.sent_at), count(x.email)
                  FROM digests d
                  LEFT JOIN sends x ON x.week = d.week AND x.state = 'sent'
                 WHERE d.published_at IS NOT NULL
                 GROUP BY d.week, d.published_at
                HAVING (d.published_at >= $since AND d.published_at < $until)
                    OR (min(x.sent_at) < $until AND max(x.sent_at) >= $since)
                 ORDER BY d.week
                """,
                window,
            ).fetchall()
            themes = _grouped(con, "unnest(coalesce(nullif(b.tags, []), ['']))")
            langs = _grouped(con, "coalesce(b.lang, '')")
        return [
            Diffusion(
                week, utc_aware(published), utc_aware(first), utc_aware(last), int(count),
                themes.get(week, ()), langs.get(week, ()),
            )
            for week, published, first, last, count in weeks
        ]  # fmt: skip


def _grouped(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, tuple[tuple[str, int], ...]]:
    rows = con.execute(
        f"""
        SELECT week, k, count(*) FROM (
            SELECT x.week, {key} AS k FROM sends x LEFT JOIN subscribers b ON b.email = x.email
             WHERE x.state = 'sent')
         GROUP BY week, k ORDER BY week, count(*) DESC, k
        """
    ).fetchall()
    found: dict[str, list[tuple[str, int]]] = {}
    for week, k, count in rows:
        found.setdefault(week, []).append((k, int(count)))
    return {week: tuple(pairs) for week, pairs in found.items()}


def _insert_version(
    con: duckdb.DuckDBPyConnection,
    action_id: int,
    version: int,
    article_id: str,
    fields: ActionFields,
    status_at: datetime | None,
    now: datetime | None,
    by: str,
) -> None:
    con.execute(
        "INSERT INTO action_versions (action_id, version, article_id, what, type, impact, "
        "owner, due, status, status_at, evidence, indicators, changed_at, changed_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            action_id, version, article_id, fields.what, fields.type, fields.impact,
            fields.owner, fields.due, fields.status, status_at, fields.evidence,
            list(fields.indicators), now, one_line(by) or "?",
        ],
    )  # fmt: skip


def _record(row: tuple[Any, ...]) -> ActionRecord:
    (action_id, version, article_id, what, type_, impact, owner, due, status, evidence,
     indicators, status_at, created_at, created_by, changed_at, changed_by, title, url,
     source_id, source_name) = row  # fmt: skip
    return ActionRecord(
        id=int(action_id),
        version=int(version),
        article_id=article_id,
        fields=ActionFields(
            what, type_, impact, owner, due, status, evidence, tuple(indicators or ())
        ),
        status_at=utc_aware(status_at),
        created_at=utc_aware(created_at),
        created_by=created_by,
        changed_at=utc_aware(changed_at),
        changed_by=changed_by,
        title=title or article_id,
        url=url or "",
        source_id=source_id or "",
        source_name=source_name,
    )
