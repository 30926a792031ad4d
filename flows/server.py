"""Prefect's API server, as veille's commands use it: quiet settings, the temporary server that
dies with veille, a real server for ``veille serve``, and the events sent before exit.

Everything veille does with Prefect lives in ``flows/``; the commands call these functions.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable

from veille import i18n, watchdog
from veille.errors import PrefectServerError

_PREFECT_LEVEL_IS_OURS = "PREFECT_LOGGING_LEVEL" not in os.environ


def quiet_prefect() -> None:
    """Prefect settings for a command-line run (the user's own settings win).

    Without PREFECT_API_URL, Prefect starts a temporary API server for the run and stops it at
    exit; events still in flight then make it log tracebacks that say nothing about our run.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect waits 20 s for its temporary server: too little on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


def prefect_level_is_ours() -> bool:
    """True unless the user chose Prefect's log level (PREFECT_LOGGING_LEVEL) themselves."""
    return _PREFECT_LEVEL_IS_OURS


def quiet_run_logs() -> None:
    """A run that fails is one line (``main`` prints the error): Prefect's flow and task run
    loggers would print it again with its traceback, and "Crash detected!" for every source
    still running — 20 to 300 lines before the one that says what to do. Unless the user chose
    a Prefect log level, they only speak up for CRITICAL. An error that is not veille's own
    still ends in its traceback (``main`` lets it through)."""
    if _PREFECT_LEVEL_IS_OURS:
        for name in ("prefect.flow_runs", "prefect.task_runs"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # Prefect's background senders note at exit that they are still sending ("Still
        # processing items: 1 items remaining...", under load): nothing about the run.
        for name in ("EventsWorker", "APILogWorker"):
            logging.getLogger(name).setLevel(logging.ERROR)


def temporary_server_dies_with_us() -> None:
    """Without PREFECT_API_URL, start Prefect's temporary API server now (the flow reuses it),
    watched from before it exists by a watchdog that stops it if this process is killed, even
    while the server is still starting (see veille/watchdog.py)."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api.server import SubprocessASGIServer

    watchdog.start()  # first: the server inherits the mark the watchdog looks for
    server = SubprocessASGIServer()  # the instance Prefect's client asks for
    try:
        server.start()
    except RuntimeError as exc:  # Prefect's own words: "Timed out while attempting to connect…"
        timeout = os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]
        raise PrefectServerError(i18n.message("run.prefect_not_started", seconds=timeout)) from exc


def stop_temporary_server() -> None:
    """Stop Prefect's temporary API server now, if this process started one (it otherwise lives
    until exit): for a command that goes on without flows, such as ``veille demo --serve``."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().stop()  # the instance temporary_server_dies_with_us started


def drain_events() -> None:
    """Send the run's events before the temporary API server is stopped at exit."""
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all()


def start_prefect_server(
    port: int, announce: Callable[[str], None]
) -> tuple[subprocess.Popen[str], str]:
    """Start ``prefect server start`` on 127.0.0.1:port in its own session (a Ctrl-C in the
    terminal reaches ``veille serve`` only, which stops the server last), wait until it
    answers; the process and its API URL. Its output goes to a log file, named if it fails."""
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": url}
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
        "w+", prefix="veille-prefect-server-", suffix=".log", delete=False
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    announce(i18n.message("serve.prefect_starting", url=url, port=port))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            detail = log.read().strip().splitlines()
            raise PrefectServerError(
                i18n.message(
                    "serve.prefect_failed", detail=detail[-1] if detail else "—", port=port
                )
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return server, url
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    server.wait(10)
    raise PrefectServerError(i18n.message("serve.prefect_silent", log=log.name))
