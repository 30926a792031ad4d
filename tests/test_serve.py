"""``veille serve``: the deployments are registered with their schedules and a scheduled run
completes, on a real Prefect server that veille starts beside itself (and stops with itself)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_ingested, free_port, sigint_default
from veille.localserver import LocalServer
from veille.models import RunRecord
from veille.store import Store


@pytest.mark.slow
def test_serve_runs_the_ingest_on_its_schedule(
    demo_server: LocalServer, tmp_path: Path, prefect_home: Path
) -> None:
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        text.replace("__BASE__", demo_server.base_url), encoding="utf-8"
    )
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PYTHONUNBUFFERED": "1",
        # The server's scheduler looks for runs to create every 60 s by default.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    }
    for name in ("PREFECT_API_URL", "VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "veille.cli", "serve", "--ingest-every", "0.2",
         "--prefect-port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    db = tmp_path / "veille.duckdb"
    completed: list[RunRecord] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and serve.poll() is None:
            time.sleep(3)
            if db.exists():
                completed = [r for r in Store(db).runs() if r.status == "completed"]
                if completed:
                    break
    finally:
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=60)
    assert completed, output[-3000:]
    stats = completed[0].stats
    assert isinstance(stats, dict) and stats["new_articles"] > 20
    assert "collecte toutes les 0:00:12" in output
    # The Prefect server veille started is gone with it.
    time.sleep(2)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the Prefect server outlived serve"


@pytest.mark.slow
def test_scheduled_draft_and_publish_only_after_approval(
    ingested: tuple[object, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.scheduled import publish_approved, weekly_draft

    _, db = ingested
    copy_ingested(db, tmp_path)
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(text.replace("__BASE__", "http://127.0.0.1:9"), "utf-8")
    # The demo's news is from 2026-W47: it is the Monday after (tests/test_clock.py checks the
    # scheduled flows' week at other moments).
    monkeypatch.setenv("VEILLE_NOW", "2026-11-23T08:00:00+01:00")

    config_path, db_path = str(tmp_path / "sources.yaml"), str(tmp_path / "veille.duckdb")
    drafted = weekly_draft.fn(config_path, db_path)
    assert drafted["week"] == "2026-W47" and drafted["included"] > 0
    waiting = publish_approved.fn(config_path, db_path, send=False)
    assert waiting["published"] is False  # nobody approved it: nothing goes out
    Store(db_path).approve_digest("2026-W47", "marie")
    done = publish_approved.fn(config_path, db_path, send=False)
    assert done["published"] is True
    assert (tmp_path / "digests" / "2026-W47" / "digest.html").exists()


def _interrupted_while_exiting(code: str, env: dict[str, str]) -> None:
    """Run ``code`` in a child; once it prints "exiting" and is in its exit calls, send it
    SIGINT: it must end with 0 and no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=sigint_default, env={**os.environ, **env},
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "exiting\n"
    time.sleep(0.5)  # now in the exit calls
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert process.returncode == 0


@pytest.mark.slow  # imports Prefect in a child: seconds
def test_a_stop_signal_during_a_flow_run_process_exit_prints_no_traceback() -> None:
    """veille serve's SIGINT to the runner's group can land while a finished flow-run process
    runs Python's exit handlers (multiprocessing joins its children there). Reproduced here:
    a process of the schedule (it imports flows.scheduled, as the flow-run processes do) exits
    while its child still runs, and gets SIGINT while it waits for it at exit."""
    code = (
        "import multiprocessing, time\n"
        "import flows.scheduled\n"
        "child = multiprocessing.get_context('spawn').Process(target=time.sleep, args=(2,))\n"
        "child.start()\n"
        "print('exiting', flush=True)\n"
    )
    _interrupted_while_exiting(code, {})


@pytest.mark.slow  # imports Prefect in a child: seconds
def test_a_stop_signal_while_prefect_sends_a_finished_runs_logs_prints_no_traceback() -> None:
    """Before ``atexit``, Python's shutdown runs the threads' exit calls, where Prefect's
    services send the rest of a run's logs and events. A flow-run process (it has
    PREFECT__FLOW_RUN_ID) whose work is over gets veille serve's SIGINT there: reproduced with
    an exit call that waits as such a drain does."""
    code = (
        "import threading, time\n"
        "from flows.scheduled import stops_ignored_when_done\n"
        "threading._register_atexit(time.sleep, 2)  # as Prefect's services register theirs\n"
        "with stops_ignored_when_done():\n"
        "    pass  # the flow's work\n"
        "print('exiting', flush=True)\n"
    )
    _interrupted_while_exiting(
        code, {"PREFECT__FLOW_RUN_ID": "0b7c3c1e-5a8e-4a55-9a51-5d7a6f0c2e11"}
    )
