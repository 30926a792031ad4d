"""Imported once by the extraction pool's forkserver, so that every worker starts warm.

Workers are forked from the forkserver: what it imported and compiled here (trafilatura, lxml,
htmldate's date parsers: ~3 s in all) is theirs at once, instead of each worker paying it
when it starts (see :class:`veille.extraction_pool.ExtractionPool`).

It also makes the forkserver and its workers die with veille. A veille process killed with
SIGKILL while a worker was starting leaves that worker waiting forever for the parent's
instructions, and the forkserver waiting for the worker (each holds the other's pipe), both
still holding the terminal or the service's output. So: the forkserver leaves when its parent
is gone (checked twice a second), and every process forked from it gets SIGKILL when the
forkserver goes (Linux ``PR_SET_PDEATHSIG``; multiprocessing offers nothing for this).

The parent to watch is the one veille named before starting the forkserver
(:data:`PARENT_VARIABLE`, set by ``extraction_pool.forkserver_context``), not whatever
``os.getppid()`` says here: on a busy machine veille can be killed before this module is
imported, and the forkserver, already adopted by init, would then watch init for ever.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PARENT_VARIABLE = "_VEILLE_FORKSERVER_PARENT"  # internal: the PID of the process that started us


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)  # veille is gone: nothing will ask for a worker again


def _expected_parent() -> int:
    named = os.environ.get(PARENT_VARIABLE, "")
    return int(named) if named.isdigit() else os.getppid()


def _in_forkserver() -> bool:
    """True when the forkserver is importing this module (its ``main`` is on the stack)."""
    frame = sys._getframe()
    while frame is not None:
        name = frame.f_code.co_filename
        if name.endswith("forkserver.py") and "multiprocessing" in name:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


if _in_forkserver():  # never when veille itself, a test or a tool imports this module
    os.register_at_fork(after_in_child=_die_with_parent)
    threading.Thread(
        target=_watch_parent, args=(_expected_parent(),), name="veille-watch-parent", daemon=True
    ).start()

    from veille import extract  # after the watch: importing takes seconds

    extract.warm_up()
