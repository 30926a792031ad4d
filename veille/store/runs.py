"""Runs: one at a time, never left running, with their summaries."""

from __future__ import annotations

import json
import os
from datetime import timedelta

from veille import clock
from veille.errors import RunInProgressError
from veille.models import RunRecord, SchedulerState
from veille.records import RunSummary
from veille.store.common import STALE_RUN, process_alive, utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


class RunsMixin(StoreBase):
    """The store's runs."""

    def start_run(self, run_id: str, *, stale_after: timedelta = STALE_RUN) -> list[str]:
        """Record a new run, unless another one is running: runs never overlap.

        A run left ``running`` by a process that no longer exists (killed, machine rebooted),
        or older than ``stale_after``, is marked ``crashed`` first. Returns those run ids.
        """
        now = clock.now()
        with self.connect() as con, transaction(con):
            crashed = []
            for rid, pid, started in con.execute(
                "SELECT id, pid, started_at FROM runs WHERE status = 'running'"
            ).fetchall():
                started_at = utc_aware(started) or now
                if process_alive(pid) and now - started_at < stale_after:
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

    def crash_dead_runs(self) -> list[str]:
        """Mark ``crashed`` every run left ``running`` by a process that no longer exists (a
        stopped or killed ``veille serve``, a reboot); returns their ids. A run whose process
        is alive is left alone."""
        now = clock.now()
        with self.connect() as con, transaction(con):
            dead = [
                rid
                for rid, pid in con.execute(
                    "SELECT id, pid FROM runs WHERE status = 'running'"
                ).fetchall()
                if not process_alive(pid)
            ]
            if dead:
                con.execute(
                    "UPDATE runs SET status = 'crashed', finished_at = ? "
                    "WHERE list_contains(?, id)",
                    [utc_naive(now), dead],
                )
        return dead

    def set_scheduler(self, state: SchedulerState) -> None:
        """Record what ``veille serve`` is (or was): see :mod:`veille.scheduling`."""
        with self.connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('scheduler', ?)",
                [json.dumps(state.to_json())],
            )

    def scheduler(self) -> SchedulerState | None:
        """What the last ``veille serve`` on this database recorded, if any."""
        with self.connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'scheduler'").fetchone()
        return SchedulerState.from_json(json.loads(row[0])) if row else None

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

    def finish_run(
        self, run_id: str, status: str, summary: RunSummary, *, error: str | None = None
    ) -> None:
        """Record the end of a run with its summary (and the error that ended it)."""
        stats = summary.as_dict() if error is None else {**summary.as_dict(), "error": error}
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                [utc_naive(clock.now()), status, json.dumps(stats), run_id],
            )
