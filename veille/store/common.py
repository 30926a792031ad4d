"""What the store's modules share: UTC conversions, row helpers, one transaction, the
crash-injection hook.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

import duckdb

from veille import watchdog

# A run still "running" after this long is taken as crashed even if its PID exists (PID reuse).
STALE_RUN = timedelta(hours=6)


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


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def date_window(since: datetime | None, until: datetime | None) -> tuple[list[str], dict[str, Any]]:
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


def process_alive(pid: int | None) -> bool:
    """True when a process with this id exists on this machine."""
    if not pid or pid <= 0:
        return False
    return watchdog.alive(pid)  # a zombie (dead, not reaped yet) counts as gone


def crash_point(name: str) -> None:
    """Crash-injection hook for the crash-safety tests: ``VEILLE_CRASH_AT=name`` kills this
    process here with SIGKILL (no cleanup, no flush: what a power cut or the OOM killer does)."""
    if os.environ.get("VEILLE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def pause_point(name: str) -> None:
    """Pause-injection hook for the schedule's stop-and-restart tests. With
    ``VEILLE_PAUSE_FILE=path``: when ``path`` holds ``name``, the first process to get here
    renames it to ``path.reached`` (the test's cue to send its signal) and waits for ever;
    everyone else goes on. The test arms the next pause by writing the file again."""
    control = os.environ.get("VEILLE_PAUSE_FILE")
    if not control:
        return
    path = Path(control)
    try:
        if path.read_text(encoding="utf-8").strip() != name:
            return
        reached = path.with_name(path.name + ".reached")
        path.rename(reached)  # atomic: one process wins, the others find no file
    except OSError:
        return
    reached.write_text(f"{name} {os.getpid()}\n", encoding="utf-8")
    while True:
        time.sleep(1)
