"""`veille status`: what the scheduler's state says to people, from what `veille serve`
recorded and the runs (the real command on a real database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli
from veille import clock, scheduling
from veille.models import RunRecord, SchedulerState
from veille.records import RunSummary
from veille.store import Store


def _dead_pid() -> int:
    """The id of a process that has just ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def _store(tmp_path: Path) -> Store:
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    return Store(tmp_path / "veille.duckdb")


def test_never_started_running_stopped_and_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    base = ["--config", str(tmp_path / "sources.yaml"), "--db", str(store.path)]
    code, out, _ = run_cli(capsys, *base, "status")
    assert code == 0 and "n’a jamais tourné" in out and "Aucune collecte" in out
    now = clock.now()
    store.set_scheduler(SchedulerState(os.getpid(), now - timedelta(hours=1), 6 * 3600, None))
    store.start_run("r1")
    store.finish_run("r1", "completed", RunSummary(run_id="r1"))
    code, out, _ = run_cli(capsys, *base, "status")
    assert code == 0, out
    assert "en marche depuis le" in out and "toutes les 6 h" in out
    assert "Dernière collecte : terminée" in out and "Prochaine collecte : vers le" in out
    # Killed without a word: the recorded process is gone and nothing says it stopped.
    store.set_scheduler(SchedulerState(_dead_pid(), now - timedelta(hours=1), 6 * 3600, None))
    code, out, _ = run_cli(capsys, *base, "status", "--json")
    seen = json.loads(out)
    assert seen["running"] is False and seen["next_run_at"] is None
    code, out, _ = run_cli(capsys, *base, "status")
    assert "ARRÊTÉ SANS PRÉVENIR" in out
    stopped = SchedulerState(_dead_pid(), now - timedelta(hours=1), 3600, None, now, "SIGTERM")
    store.set_scheduler(stopped)
    code, out, _ = run_cli(capsys, *base, "status")
    assert "arrêté le" in out and "(SIGTERM)" in out


def test_the_next_run_and_the_crashes_counted() -> None:
    now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    state = SchedulerState(os.getpid(), now - timedelta(days=2), 3600, None)
    runs = [
        RunRecord("c", "completed", 1, now - timedelta(minutes=20), now - timedelta(minutes=19),
                  {"new_articles": 3}),
        RunRecord("b", "crashed", 1, now - timedelta(days=3), None, None),
        RunRecord("a", "crashed", 1, now - timedelta(days=40), None, None),
    ]  # fmt: skip
    seen = scheduling.view(state, runs, now)
    assert seen.running and seen.next_run_at == now + timedelta(minutes=40)
    assert seen.crashed_recently == 1  # the one of 40 days ago is out of the window
    late = scheduling.view(state, runs[1:], now)  # the last start is long past: due now
    assert late.next_run_at == now
