"""The scheduler's state as people read it: is ``veille serve`` running, how did the last run
end, when is the next one, how many runs crashed lately (``veille status``, the web app's
Sources page).

``veille serve`` records itself in the database when it starts and when it stops
(:class:`veille.models.SchedulerState`, in the store's ``meta`` table); the runs are the
store's. Pure: the caller gives the state, the runs and "now".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from veille.models import RunRecord, SchedulerState
from veille.store.common import process_alive

CRASH_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SchedulerView:
    """The state summed up: ``running`` is True when the recorded process is alive."""

    running: bool
    state: SchedulerState | None
    last_run: RunRecord | None
    next_run_at: datetime | None  # an estimate: the last start plus the interval
    crashed_recently: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "scheduler": self.state.to_json() if self.state else None,
            "last_run": self.last_run.as_dict() if self.last_run else None,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "crashed_last_30_days": self.crashed_recently,
        }


def view(state: SchedulerState | None, runs: list[RunRecord], now: datetime) -> SchedulerView:
    """The scheduler's state from what veille serve recorded and the latest runs (newest
    first). The next run is due one interval after the last one started (Prefect's interval
    schedule), or now when that moment has passed."""
    running = state is not None and state.stopped_at is None and process_alive(state.pid)
    last = runs[0] if runs else None
    next_at = None
    if running and state is not None:
        anchor = max((r.started_at for r in runs[:1]), default=state.started_at)
        next_at = max(anchor + timedelta(seconds=state.every_seconds), now)
    crashed = sum(1 for r in runs if r.status == "crashed" and now - r.started_at < CRASH_WINDOW)
    return SchedulerView(running, state, last, next_at, crashed)


def sentences(
    seen: SchedulerView, tz: str, lang: str, moment: Callable[[datetime | None, str, str], str]
) -> list[str]:
    """The view in a few sentences (``veille status``, the Sources page)."""
    from veille import i18n

    def at(value: datetime | None) -> str:
        return moment(value, tz, lang)

    state = seen.state
    if state is None:
        lines = [i18n.message("status.never")]
    elif seen.running:
        every = (
            f"{state.every_seconds / 3600:g} h"
            if state.every_seconds >= 3600
            else (f"{state.every_seconds / 60:g} min")
        )
        lines = [i18n.message("status.running", since=at(state.started_at), pid=state.pid,
                              every=every)]  # fmt: skip
    elif state.stopped_at is not None:
        lines = [i18n.message("status.stopped", at=at(state.stopped_at),
                              reason=state.stop_reason or "?")]  # fmt: skip
    else:
        lines = [i18n.message("status.gone", since=at(state.started_at), pid=state.pid)]
    last = seen.last_run
    if last is None:
        lines.append(i18n.message("status.no_run"))
    else:
        stats = last.stats or {}
        known = last.status in RUN_STATUSES
        lines.append(
            i18n.message(
                f"status.last_{last.status}" if known else "status.last_other",
                at=at(last.started_at), end=at(last.finished_at), status=last.status,
                new=i18n.counted("status.new", int(stats.get("new_articles", 0))),
                failed=i18n.counted("status.failed", int(stats.get("sources_failed", 0))),
            )
        )  # fmt: skip
    if seen.next_run_at is not None:
        lines.append(i18n.message("status.next", at=at(seen.next_run_at)))
    lines.append(i18n.message("status.crashed", count=seen.crashed_recently))
    return lines


RUN_STATUSES = ("completed", "running", "failed", "crashed")
