"""Stops the helper processes of a veille process when it dies, however and whenever it died.

``veille run`` without ``PREFECT_API_URL`` runs its flow against Prefect's temporary API
server, a child process that Prefect stops at exit. A ``veille run`` killed with SIGKILL (the
OOM killer, a timeout in cron) has no exit: the server would stay up for ever, one more per
killed run. So before the server is started, veille marks its environment with a token that
every process it starts from then on inherits, and starts this watchdog beside it, in its own
session::

    python -m veille.watchdog PARENT_PID TOKEN

It checks once a second; when the parent is gone it sends every process that carries the token
SIGTERM, then SIGKILL after 5 s, and leaves. Because the mark is set and the watchdog running
*before* the server is spawned, there is no moment when the server exists unwatched: a run
killed while its server is still starting (which takes seconds) leaves nothing behind either.
Processes are found through ``/proc/PID/environ`` (Linux, the platform veille runs on).
Hand-written: a few dozen lines, and nothing in the standard library or Prefect does it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

TOKEN_VARIABLE = "VEILLE_WATCHDOG_TOKEN"  # noqa: S105 — a name, not a secret


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped) still answers signal 0: look at its state.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def marked(token: str) -> list[int]:
    """Processes (other than this one) whose environment carries ``token``."""
    mark = f"{TOKEN_VARIABLE}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        if mark in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def stop(pids: list[int], *, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL to those still alive after ``grace`` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def watch(parent: int, token: str, *, every: float = 1.0) -> None:
    while alive(parent):
        time.sleep(every)
    stop(marked(token))


def start() -> str:
    """Mark this process's environment and watch what it starts from now on; returns the token.

    Call it *before* starting the helper processes to watch: they inherit the mark. A new
    token each time: a mark inherited from another veille process belongs to that one.
    """
    token = secrets.token_hex(12)
    os.environ[TOKEN_VARIABLE] = token
    subprocess.Popen(
        [sys.executable, "-m", "veille.watchdog", str(os.getpid()), token],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a signal to our process group does not reach it
    )
    return token


if __name__ == "__main__":
    try:
        watch(int(sys.argv[1]), sys.argv[2])
    except (IndexError, ValueError):
        sys.exit("usage: python -m veille.watchdog PARENT_PID TOKEN")
