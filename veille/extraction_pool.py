"""The extraction workers: processes forked from a warm forkserver, with a per-page time
limit that is really enforced (see :class:`ExtractionPool`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import threading
from concurrent.futures.process import BrokenProcessPool

from veille import extract, pdf
from veille._workers import PARENT_VARIABLE
from veille.models import (
    Extracted,
)
from veille.slots import FairSlots

logger = logging.getLogger(__name__)


class ExtractionPool:
    """Worker processes running trafilatura, with a per-page time limit that is really enforced.

    ``concurrent.futures`` cannot cancel a running call, so a page that overruns its time limit
    gets its workers killed and the pool restarted (trafilatura can run away on huge pages:
    adbar/trafilatura#704). Workers are forked from a server that preloaded ``veille._workers``
    (so they start warm), not from this process: forking one that runs Prefect's threads is
    unsafe.
    """

    def __init__(
        self, workers: int = 2, *, timeout: float = 60.0, in_flight: int | None = None
    ) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        # Pages fetched or being fetched but not yet extracted, across all sources. The network
        # is faster than trafilatura, so without this bound every page of a large backlog would
        # wait in memory for a worker (10,000 pages of ~150 KB: 1.5 GB).
        self.in_flight = in_flight or 8 * self.workers
        self.cpu_seconds = 0.0  # spent by the workers in trafilatura, summed
        self.pages = 0
        self._slots: FairSlots | None = None
        self._context = forkserver_context()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._spare: concurrent.futures.ProcessPoolExecutor | None = None  # see extract()
        self._suspects: asyncio.Lock | None = None
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        """Start the workers now, in a background thread, without waiting for them (once:
        later calls do nothing).

        A worker takes ~3 s to be ready (forkserver, imports, date-parser warm-up), and
        starting one blocks the caller meanwhile: begun when the pass finds its first page to
        fetch, that time overlaps the fetching instead of stalling the event loop later, and a
        pass that finds nothing new starts no worker at all.
        """
        if self._started:
            return
        self._started = True

        def spawn() -> None:
            try:
                executor = self._executor()
                for _ in range(self.workers):  # one trivial job per worker makes each one start
                    executor.submit(int)
            except (OSError, RuntimeError) as exc:  # e.g. the working folder was deleted
                # Only a head start: the first page to extract starts them and reports.
                logger.debug("extraction workers not started ahead: %s", exc)

        threading.Thread(target=spawn, name="veille-pool-start", daemon=True).start()

    @property
    def slots(self) -> FairSlots:
        """Taken when a page's host admits its request, given back once it is extracted: bounds
        the pages held in memory (see Fetcher.fetch's ``admit``). Shared in turn between the
        sources that wait, so one source's 100 pages do not hold every place."""
        if self._slots is None:
            self._slots = FairSlots(self.in_flight)
        return self._slots

    def _executor(self, spare: bool = False) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if spare:
                if self._spare is None:  # one worker: one suspect at a time
                    self._spare = concurrent.futures.ProcessPoolExecutor(1, self._context)
                return self._spare
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=self._context,
                )
            return self._pool

    async def extract(
        self, url: str, body: bytes, content_type: str | None = None
    ) -> Extracted | str:
        """Extract one page or PDF in a worker; an error message instead of an exception.

        A worker that dies (out of memory, PDFium aborting on a bomb) breaks the whole pool:
        every document in flight fails with it. Each of them is tried again alone, in a spare
        one-worker pool, one after the other, so that only the one that kills a worker by
        itself is refused and the others are extracted as usual.
        """
        is_pdf = pdf.is_pdf(body, content_type)
        # A PDF's pages are read within pdf.MAX_PDF_SECONDS; past a margin, PDFium is stuck
        # inside one page (a bomb) and its worker is killed.
        timeout = min(self.timeout, pdf.MAX_PDF_SECONDS + 10) if is_pdf else self.timeout
        with contextlib.suppress(BrokenProcessPool):
            return await self._run(False, timeout, url, body, content_type)
        if self._suspects is None:
            self._suspects = asyncio.Lock()
        async with self._suspects:
            try:
                return await self._run(True, timeout, url, body, content_type)
            except BrokenProcessPool:
                if is_pdf:
                    return (
                        "PDF refused: the extraction worker died reading it (over its "
                        f"{pdf.MAX_PDF_MEMORY / 1024**3:.0f} GB memory limit? a decompression "
                        "bomb?)"
                    )
                return "the extraction worker crashed on this page (out of memory?)"

    async def _run(
        self, spare: bool, timeout: float, url: str, body: bytes, content_type: str | None
    ) -> Extracted | str:
        """One try in the main pool or the spare one; a pool that breaks or overruns is
        killed (BrokenProcessPool is raised again)."""
        loop = asyncio.get_running_loop()
        work = extract.extract_document_timed
        executor = self._executor(spare)
        future = loop.run_in_executor(executor, work, url, body, content_type)
        try:
            result, cpu = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._discard(executor)
            what = "PDF" if pdf.is_pdf(body, content_type) else "page"
            return f"extraction of this {what} took longer than {timeout:.0f} s and was stopped"
        except BrokenProcessPool:
            self._discard(executor)
            raise
        self.cpu_seconds += cpu
        self.pages += 1
        return result

    def _discard(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        """Kill this pool's workers, unless another document already had it replaced (its
        successor serves the documents that came since)."""
        with self._lock:
            if pool is self._pool:
                self._pool = None
            elif pool is self._spare:
                self._spare = None
            else:
                return
        # Private attribute, but the only way to stop a stuck worker; shutdown() alone waits.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pools, self._pool, self._spare = (self._pool, self._spare), None, None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def forkserver_context() -> multiprocessing.context.ForkServerContext:
    """The process context of the extraction workers: forked from a server that preloaded
    ``veille._workers`` (forking this process itself is unsafe: Prefect runs threads in it)."""
    # The forkserver inherits this environment: it watches this process, even when this one
    # dies before the forkserver got to look (see veille._workers).
    os.environ[PARENT_VARIABLE] = str(os.getpid())
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["veille._workers"])
    return context


def start_workers_early() -> None:
    """Start the extraction workers' forkserver now, in the background (~3 s of imports and
    warm-up), so that it is ready when a pass needs it. For commands that import Prefect
    before the pass: both then happen at once."""
    import multiprocessing.forkserver

    forkserver_context()
    threading.Thread(
        target=multiprocessing.forkserver.ensure_running, name="veille-forkserver", daemon=True
    ).start()
