"""``veille serve``'s own process: it starts the schedule's parts, watches them and stops them.

::

    veille serve (this module: signals, children, recovery)
    ├── prefect server start      its own session; only when PREFECT_API_URL is not set
    ├── python -m flows.scheduled  the Prefect runner serving the deployments; its own session
    │   └── one process per flow run (Prefect's)
    └── python -m veille.watchdog  stops all of the above if ``veille serve`` itself is killed

Why a supervisor rather than Prefect's ``serve()`` in this process: in the foreground, Ctrl-C
reached the whole process group, so Prefect's server died first and the runner spent a minute
printing connection errors; SIGTERM ran Prefect's handler, which left a coroutine never
awaited; and a flow run stopped with the process stayed *Running* in Prefect for ever, holding
the deployment's one concurrency slot, so no scheduled run ever started again. Here:

* **SIGINT or SIGTERM** (Ctrl-C, ``systemctl stop``): the runner gets SIGINT and
  :data:`RUNNER_GRACE` seconds to stop, then its whole process group gets SIGKILL; the runs it
  left are marked *Crashed* in Prefect (which frees the deployment's concurrency slot) and
  *crashed* in veille's database; then the Prefect server is stopped. Exit code 0, nothing
  left running, within :data:`STOP_WITHIN` seconds. A second Ctrl-C kills everything at once.
* **The Prefect server dies**: one line, the runner is stopped, exit code 1, so that the
  service manager (``Restart=on-failure``) starts ``veille serve`` again.
* **SIGKILL of veille serve, or of the machine**: the watchdog (``veille/watchdog.py``) stops
  what is left; at the next start, :func:`recover` marks the runs that were going *Crashed*
  in Prefect and *crashed* in veille's database before serving, so the next scheduled run
  starts on time.
* While it serves, the flow runs send Prefect **heartbeats** (``PREFECT_FLOWS_HEARTBEAT_
  FREQUENCY``, :data:`HEARTBEAT_SECONDS`); a run process that dies under a live runner is marked
  crashed by the runner itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from types import FrameType

from veille import clock, i18n, watchdog
from veille.models import SchedulerState
from veille.store import Store

RUNNER_GRACE = 3.0  # seconds the runner has to stop by itself before SIGKILL
SERVER_GRACE = 3.0  # ... the Prefect server
RUNS_GONE = 2.0  # ... a killed run's process to be gone (SIGKILL takes milliseconds)
STOP_WITHIN = 10.0  # what the README promises, all included
HEARTBEAT_SECONDS = 30
SCHEDULED_FLOWS = ("scheduled-ingest", "weekly-draft", "publish-approved")
Say = Callable[[str], None]


class _Stop:
    """What the signal handlers saw: a first signal asks for a clean stop, a second Ctrl-C
    for an immediate one."""

    def __init__(self) -> None:
        self.asked: str | None = None
        self.now = False

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if self.asked is not None and signum == signal.SIGINT:
            self.now = True
            raise KeyboardInterrupt
        self.asked = self.asked or signal.Signals(signum).name


def supervise(
    *,
    config_path: str,
    db_path: str,
    every: timedelta,
    prefect_port: int,
    say: Say,
) -> int:
    """Serve the schedules until a signal or a dead part; the process's exit code."""
    from flows import server

    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    watchdog.start()  # before any child: they inherit the mark it looks for
    prefect: subprocess.Popen[str] | None = None
    runner: subprocess.Popen[bytes] | None = None
    try:
        if not os.environ.get("PREFECT_API_URL"):
            prefect, url = server.start_prefect_server(prefect_port, say)
            os.environ["PREFECT_API_URL"] = url
        recover(db_path, say)
        watch_heartbeats(say)
        runner = _start_runner(config_path, db_path, every)
        state = SchedulerState(
            os.getpid(), clock.now(), every.total_seconds(), os.environ.get("PREFECT_API_URL")
        )
        Store(db_path).set_scheduler(state)
        code = _watch(stop, prefect, runner, say)
        if prefect is not None and prefect.poll() is not None:
            _kill(runner)  # nothing to report its runs to: no grace, no noise
        _stop_runner(runner)
        if prefect is None or prefect.poll() is None:
            with contextlib.suppress(Exception):  # a server that stops answering: say nothing
                recover(db_path, say)
        _crash_veille_runs(db_path, say, group=runner.pid)
        _stop_server(prefect)
    except KeyboardInterrupt:  # a second Ctrl-C: everything at once
        _kill(runner)
        _kill(prefect)
        _stopped(db_path, "Ctrl-C Ctrl-C")
        say(i18n.message("serve.stopped_now"))
        return 130
    _stopped(db_path, stop.asked or ("prefect-server" if prefect and prefect.poll() else "runner"))
    if code == 0:
        say(i18n.message("serve.stopped", signal=stop.asked or "?"))
    return code


def _stopped(db_path: str, reason: str) -> None:
    """Record that veille serve stopped, and why (``veille status`` says it)."""
    store = Store(db_path)
    with contextlib.suppress(Exception):  # a database that cannot be written: nothing to add
        state = store.scheduler()
        if state is not None and state.pid == os.getpid():
            store.set_scheduler(replace(state, stopped_at=clock.now(), stop_reason=reason))


def _watch(
    stop: _Stop,
    prefect: subprocess.Popen[str] | None,
    runner: subprocess.Popen[bytes],
    say: Say,
) -> int:
    """Wait for a signal (0) or a part that died (1, said in one line)."""
    while stop.asked is None:
        if prefect is not None and prefect.poll() is not None:
            say(i18n.message("serve.prefect_died", code=prefect.returncode))
            return 1
        if runner.poll() is not None:
            say(i18n.message("serve.runner_died", code=runner.returncode))
            return 1
        time.sleep(0.2)
    return 0


def _start_runner(config_path: str, db_path: str, every: timedelta) -> subprocess.Popen[bytes]:
    """The Prefect runner serving the deployments, in its own session: Ctrl-C in a terminal
    reaches this process only, which decides the order things stop in."""
    from flows import server

    env = {
        # Prefect's client would print its telemetry notice in a terminal, and try to send it:
        # veille runs on intranet servers; the user's own DO_NOT_TRACK wins.
        "DO_NOT_TRACK": "1",
        **os.environ,
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
    }
    if server.prefect_level_is_ours():
        # The runner's warnings come with tracebacks (a websocket that drops when its server
        # stops, before we stop the runner): the journal gets errors and our own lines only.
        env["PREFECT_LOGGING_LEVEL"] = "ERROR"
    return subprocess.Popen(
        [sys.executable, "-m", "flows.scheduled", config_path, db_path,
         str(every.total_seconds())],
        env=env, start_new_session=True,
    )  # fmt: skip


def _stop_runner(runner: subprocess.Popen[bytes] | None) -> None:
    """SIGINT (Prefect's runner stops its polling and its runs), then SIGKILL to its group
    (its flow-run processes and their extraction workers included)."""
    _stop(runner, signal.SIGINT, RUNNER_GRACE)


def _stop_server(prefect: subprocess.Popen[str] | None) -> None:
    _stop(prefect, signal.SIGTERM, SERVER_GRACE)


def _stop(
    process: subprocess.Popen[bytes] | subprocess.Popen[str] | None, sig: int, grace: float
) -> None:
    """``sig`` to the process's group, ``grace`` seconds to end, then SIGKILL."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    _kill(process)


def _kill(process: subprocess.Popen[bytes] | subprocess.Popen[str] | None) -> None:
    """SIGKILL to the process's whole group (it leads its own session), then reap it."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def recover(db_path: str, say: Say) -> None:
    """Mark crashed what a stopped or killed schedule left going: in Prefect, the scheduled
    flows' runs still *Running*, *Pending* or *Cancelling* (no runner is serving them: this is
    called before ours starts and after it stopped), which frees the deployments' concurrency
    slots; in veille's database, the runs whose process is gone."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.states import Crashed

    stuck = [StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(SCHEDULED_FLOWS))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=stuck))
            ),
            sort=FlowRunSort.START_TIME_DESC,
            limit=200,
        )
        for run in runs:
            client.set_flow_run_state(
                run.id, Crashed(message=i18n.message("serve.crashed_in_prefect")), force=True
            )
            say(i18n.message("serve.prefect_run_crashed", name=run.name))
    _crash_veille_runs(db_path, say)


ZOMBIE_AUTOMATION = "veille: a flow run without heartbeats is crashed"


def watch_heartbeats(say: Say) -> None:
    """Prefect's zombie detection: an automation that marks *Crashed* a flow run whose
    heartbeats stop for :data:`HEARTBEAT_SECONDS` × 3 (a run process killed while its runner
    lives on, a runner killed while a shared Prefect server lives on). Created once per Prefect
    server, by name. A server that cannot take it (no events service) only costs this."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture

    try:
        with get_client(sync_client=True) as client:
            if client.read_automations_by_name(ZOMBIE_AUTOMATION):
                return
        ends = ("Completed", "Failed", "Cancelled", "Crashed")
        Automation(
            name=ZOMBIE_AUTOMATION,
            trigger=EventTrigger(
                after={"prefect.flow-run.heartbeat"},
                expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{e}" for e in ends)},
                match={"prefect.resource.id": ["prefect.flow-run.*"]},
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=timedelta(seconds=HEARTBEAT_SECONDS * 3),
            ),
            actions=[
                ChangeFlowRunState(
                    name="Crashed",
                    state=StateType.CRASHED,
                    message=i18n.message("serve.no_heartbeat"),
                    force=True,
                )
            ],
        ).create()
    except Exception as exc:  # noqa: BLE001 - an optional safety net: say it, go on
        say(i18n.message("serve.no_zombie_watch", reason=str(exc).splitlines()[0][:200]))


def _crash_veille_runs(db_path: str, say: Say, *, group: int | None = None) -> None:
    """Mark crashed the runs whose process is gone. ``group``: the runner's process group,
    just sent SIGKILL. A killed process takes a moment to be gone (Python and DuckDB torn
    down): its runs are waited for, :data:`RUNS_GONE` seconds at most (within the promised
    :data:`STOP_WITHIN`), so that they are crashed now rather than at the next start. Runs of
    other processes (a ``veille run`` of its own) are not waited for."""
    store = Store(db_path)
    deadline = time.monotonic() + RUNS_GONE
    while group is not None and time.monotonic() < deadline:
        if not any(r.status == "running" and _in_group(r.pid, group) for r in store.runs()):
            break
        time.sleep(0.05)
    crashed = store.crash_dead_runs()
    if crashed:
        say(i18n.message("serve.runs_crashed", count=len(crashed), ids=", ".join(crashed)))


def _in_group(pid: int | None, group: int) -> bool:
    """Whether ``pid`` is a live process of the process group ``group``."""
    if not pid:
        return False
    try:
        return os.getpgid(pid) == group and watchdog.alive(pid)
    except ProcessLookupError:
        return False
