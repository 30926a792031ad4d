"""Stops a helper process when the veille process that started it dies, however it died.

``veille run`` without ``PREFECT_API_URL`` runs its flow against Prefect's temporary API
server, a child process that Prefect stops at exit. A ``veille run`` killed with SIGKILL (the
OOM killer, a timeout in cron) has no exit: the server would stay up for ever, one more per
killed run. So veille starts the server itself (Prefect then reuses it) and this watchdog
beside it, in its own session::

    python -m veille.watchdog PARENT_PID CHILD_PID

It checks once a second; when the parent is gone it sends the child SIGTERM, then SIGKILL
after 5 s, and leaves. It leaves as well when the child ends first. Hand-written: a dozen
lines, and nothing in the standard library or Prefect does it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


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


def watch(parent: int, child: int, *, every: float = 1.0) -> None:
    while alive(child):
        if not alive(parent):
            os.kill(child, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while alive(child) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(child):
                os.kill(child, signal.SIGKILL)
            return
        time.sleep(every)


def start(child: int) -> subprocess.Popen[bytes]:
    """Watch ``child`` on behalf of this process, from a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "veille.watchdog", str(os.getpid()), str(child)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a signal to our process group does not reach it
    )


if __name__ == "__main__":
    try:
        watch(int(sys.argv[1]), int(sys.argv[2]))
    except (IndexError, ValueError):
        sys.exit("usage: python -m veille.watchdog PARENT_PID CHILD_PID")
    except ProcessLookupError:
        pass
