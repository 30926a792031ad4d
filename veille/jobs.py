"""Background jobs of the web app: long work (sending the letter, importing subscribers or
sources, adding a source whose feed is large) runs in a thread of its own, with its progress, so
that the app keeps answering meanwhile.

A job only takes the database for its short writes (the store's per-file lock lets requests in
between); its slow part — SMTP, parsing a file, fetching a feed — never holds the file. Jobs live
in memory: a restart of the app forgets finished jobs, and a job that a restart interrupted is
safe to run again (a send is at most once per subscriber, imports are idempotent).

Usage::

    jobs = Jobs()
    job, started = jobs.start("send:2026-W47", "Envoi de 2026-W47", work, lang="fr")
    # work(progress) -> str: calls progress(done, total), returns the message shown at the end
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from veille import i18n
from veille.errors import VeilleError

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
Work = Callable[[Progress], str]


@dataclass
class Job:
    """One job and where it stands (read by the progress page while the thread runs)."""

    id: str
    key: str  # at most one running job per key, e.g. "send:2026-W47"
    title: str
    back: str  # the page to go back to
    done: int = 0
    total: int | None = None
    state: str = "running"  # running | done | failed
    message: str = ""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"


class Jobs:
    """The jobs of one app: start them, find them; the last ``keep`` finished ones are kept."""

    def __init__(self, keep: int = 50) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(self, key: str, title: str, work: Work, *, back: str, lang: str) -> tuple[Job, bool]:
        """Run ``work`` in a new thread, unless a job with ``key`` is running: then that job.
        Returns (job, started)."""
        with self._lock:
            for job in self._jobs.values():
                if job.key == key and job.running:
                    return job, False
            job = Job(id=secrets.token_urlsafe(12), key=key, title=title, back=back)
            self._jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(
            target=self._run, args=(job, work, lang), name=f"veille-job-{key}", daemon=True
        )
        thread.start()
        return job, True

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, work: Work, lang: str) -> None:
        i18n.use(lang)

        def progress(done: int, total: int | None) -> None:
            job.done, job.total = done, total

        try:
            job.message = work(progress)
            job.state = "done"
        except VeilleError as exc:
            job.message, job.state = str(exc), "failed"
        except Exception:
            logger.exception("background job %s failed", job.key)
            job.message, job.state = i18n.message("job.unexpected"), "failed"
        finally:
            job.finished = time.monotonic()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if not j.running]
        for job in sorted(finished, key=lambda j: j.started)[: max(len(finished) - self.keep, 0)]:
            del self._jobs[job.id]


__all__ = ["Job", "Jobs", "Progress", "Work"]
