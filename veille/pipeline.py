"""One ingest pass as plain Python: sources -> fetch -> entries -> pages -> extraction -> store.

Nothing here imports Prefect: ``flows/ingest.py`` wraps :func:`ingest_source` as a task (one task
per source, never one per article: each task run costs Prefect 10–30 ms) and the tests call
these functions directly. The shape of a pass:

* every source is handled concurrently; the one :class:`~veille.fetch.Fetcher` bounds the
  requests in flight, overall and per host;
* entries already stored are skipped *before* anything else is fetched, so a re-run with nothing
  new fetches only the feeds (with conditional GET: mostly 304s) and no article page;
* article pages go to a pool of worker processes for extraction (trafilatura is CPU-bound and
  holds the GIL: threads would not use the second core);
* each source is committed in one transaction (articles, sightings, validators), so a crash
  loses at most the source in progress and never saves an ETag without its articles;
* a failing source is recorded on the source (count, message) and the pass goes on.

Containment (one stranger's feed never stops the watch): whatever one entry, page, feed or
redirect holds, the damage stops at that entry or that source. The fetcher and the parsers
only raise veille's errors; an entry whose page or text fails anyway keeps its feed text and
the error on the article (``extraction_error``); a source that fails in any way is recorded
with one line (``sources.last_error``); parsing runs off the event loop, requests' deadlines
count only time on the wire, and the fetch slots and the extraction queue are shared fairly
between sources, so one huge or slow source cannot starve the others. A pass that fails all
the same (the database cannot be written) is marked ``failed``, never left ``running``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import logging
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from veille import clock, dedup, extract, feeds, health, i18n, jsonsource, pages, triage
from veille._workers import PARENT_VARIABLE
from veille.config import Config, Source
from veille.errors import (
    BotChallengeError,
    FetchError,
    HTTPStatusError,
    NetworkError,
    ParseError,
    StoreError,
    VeilleError,
    describe,
    one_line,
)
from veille.fetch import Fetcher, looks_like_bot_challenge, mask_url_password
from veille.identity import (
    accepted_canonical,
    article_id_for_url,
    canonical_url,
    content_hash,
    entry_article_id,
    entry_id,
    linkless_url,
    page_entry_key,
    without_query,
)
from veille.models import (
    MAX_TEXT_CHARS,
    Article,
    Entry,
    Extracted,
    FetchResult,
    ParsedFeed,
    Sighting,
    clip,
)
from veille.slots import FairSlots
from veille.store import SourceState, Store, crash_point

if TYPE_CHECKING:
    from veille import classify, evaluation

T = TypeVar("T")
logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# A request that failed for a passing reason (connection refused or reset, 500/502/503/504
# without Retry-After) is tried again after these delays (+0–25 % jitter), within the run. Only
# requests are retried, never parsing, extraction or storage: their failures would repeat.
# Slow servers (deadline exceeded) and servers that said when to come back are not retried
# here: the source's backoff across runs (veille.health) takes them.
RETRY_DELAYS = (1.0, 4.0)
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(slots=True)
class SourceOutcome:
    """What happened to one source during a pass."""

    source_id: str
    status: str  # "ok" | "not-modified" | "error"
    entries: int = 0
    new_articles: int = 0
    pages_fetched: int = 0
    page_errors: int = 0
    resighted: int = 0  # entries seen before under another GUID or query string (churn)
    error: str | None = None
    error_kind: str | None = None
    warnings: list[str] = field(default_factory=list)  # what the parser skipped or cut
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status != "error"


@dataclass(slots=True)
class Timings:
    """Where a pass spent its time, in seconds (stored with the run, read by ``bench/perf.py``).

    The sources run concurrently, so the per-stage sums overlap each other and exceed the
    pass's wall time: ``fetch_*`` add up how long every request took, its waits for a free
    slot on its host and for room in the extraction queue included; ``extract_cpu`` is the
    CPU time the extraction workers spent in trafilatura; ``parse`` and ``store`` the work done
    in this process (feed parsing; DuckDB queries and commits, in the store thread).
    """

    sources_wall: float = 0.0  # fetching, extracting and storing every source, start to end
    fetch_feeds: float = 0.0
    fetch_pages: float = 0.0
    parse: float = 0.0
    extract_cpu: float = 0.0
    store: float = 0.0
    dedup: float = 0.0
    classify: float = 0.0
    pages_extracted: int = 0

    def as_dict(self) -> dict[str, float]:
        return {name: round(float(getattr(self, name)), 3) for name in self.__dataclass_fields__}


@dataclass(slots=True)
class RunSummary:
    """Totals of one pass, printed at the end of ``veille run``."""

    run_id: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    dedup: DedupSummary | None = None
    classify: ClassifySummary | None = None
    seconds: float = 0.0
    # Sources skipped because they are backing off after errors: (id, due again at).
    waiting: list[tuple[str, datetime]] = field(default_factory=list)
    offline: bool = False  # every source failed for network reasons: errors not counted
    crashed_runs: list[str] = field(default_factory=list)  # left "running" by a dead process
    timings: Timings = field(default_factory=Timings)

    @property
    def sources_ok(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def sources_failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)

    @property
    def sources_not_modified(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "not-modified")

    @property
    def entries_seen(self) -> int:
        return sum(o.entries for o in self.outcomes)

    @property
    def new_articles(self) -> int:
        return sum(o.new_articles for o in self.outcomes)

    @property
    def pages_fetched(self) -> int:
        return sum(o.pages_fetched for o in self.outcomes)

    @property
    def page_errors(self) -> int:
        return sum(o.page_errors for o in self.outcomes)

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "waiting": [sid for sid, _ in self.waiting],
            "offline": self.offline,
            "sources_ok": self.sources_ok,
            "sources_failed": self.sources_failed,
            "sources_not_modified": self.sources_not_modified,
            "entries_seen": self.entries_seen,
            "new_articles": self.new_articles,
            "pages_fetched": self.pages_fetched,
            "page_errors": self.page_errors,
            "duplicates": self.dedup.duplicates if self.dedup else 0,
            "classified": self.classify.articles if self.classify else 0,
            "off_topic": self.classify.off_topic if self.classify else 0,
            "model": self.classify.model if self.classify else None,
            "seconds": round(self.seconds, 3),
            "timings": self.timings.as_dict(),
            "failed": {o.source_id: o.error for o in self.outcomes if not o.ok},
            "warnings": {o.source_id: o.warnings for o in self.outcomes if o.warnings},
        }


class Observer(Protocol):
    """Receives progress events (the CLI draws a progress bar from them)."""

    def pages_queued(self, source_id: str, count: int) -> None: ...
    def page_done(self, source_id: str) -> None: ...
    def source_done(self, outcome: SourceOutcome) -> None: ...


class NullObserver:
    def pages_queued(self, source_id: str, count: int) -> None:
        pass

    def page_done(self, source_id: str) -> None:
        pass

    def source_done(self, outcome: SourceOutcome) -> None:
        pass


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
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers now, in a background thread, without waiting for them.

        A worker takes ~3 s to be ready (forkserver, imports, date-parser warm-up), and
        starting one blocks the caller meanwhile: begun at the start of a pass, that time
        overlaps the fetching of the feeds instead of stalling the event loop later.
        """

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

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=self._context,
                )
            return self._pool

    async def extract(self, url: str, html: bytes) -> Extracted | str:
        """Extract one page in a worker; an error message instead of an exception."""
        loop = asyncio.get_running_loop()
        try:
            work = extract.extract_article_timed
            future = loop.run_in_executor(self._executor(), work, url, html)
            result, cpu = await asyncio.wait_for(future, self.timeout)
            self.cpu_seconds += cpu
            self.pages += 1
            return result
        except TimeoutError:
            self._restart()
            return f"extraction took longer than {self.timeout:.0f} s and was stopped"
        except BrokenProcessPool:
            self._restart()
            return "the extraction worker crashed on this page (out of memory?)"

    def _restart(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        # Private attribute, but the only way to stop a stuck worker; shutdown() alone waits.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Ledger(Protocol):
    """What one source's stage asks of its storage: the :class:`~veille.store.Store`, or a
    Prefect worker's :class:`~veille.spool.SpoolStore`, which answers from its work order and
    records the writes for the coordinator."""

    path: Path

    def held(self) -> AbstractContextManager[None]: ...

    def source_state(self, source_id: str) -> SourceState: ...

    def known_entries(self, source_id: str, entry_ids: Sequence[str]) -> dict[str, str]: ...

    def known_articles(self, article_ids: Sequence[str]) -> set[str]: ...

    def source_items(
        self, source_id: str, article_ids: Sequence[str], titles: Sequence[str]
    ) -> tuple[set[str], set[tuple[str, str]]]: ...

    def commit_source(
        self,
        source_id: str,
        *,
        articles: Sequence[Article],
        sightings: Sequence[Sighting],
        entries_seen: int | None,
        etag: str | None,
        last_modified: str | None,
        keep_validators: bool = False,
        retitled: Sequence[tuple[str, str]] = (),
    ) -> int: ...

    def record_source_error(
        self, source_id: str, kind: str, message: str, *, retry_after: float | None = None
    ) -> int: ...


class _StoreThread:
    """Runs the store's calls of a pass in one thread, several at a time on one connection.

    DuckDB calls block: made on the event loop, each one would stall every fetch and keep the
    extraction workers waiting for work. And each open and close of the file costs a checkpoint
    (~40 ms on a small file, a commit itself ~10 ms): so the calls that queued up while the
    thread was busy run together on one connection (a *group commit*: each source keeps its own
    transaction, the file is opened and checkpointed once per group). Other processes — the
    web app — only wait for one group, never for a whole pass. Hand-written because no library
    offers group commit over DuckDB; it is a queue and a thread.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Ledger, Timings, Callable[[], Any], asyncio.Future[Any]]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    async def call(
        self, store: Ledger, timings: Timings, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._pending.append((store, timings, functools.partial(fn, *args, **kwargs), future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="veille-store", daemon=True)
                self._thread.start()
        self._wake.set()
        return await future

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=2.0)
            with self._lock:
                batch, self._pending = self._pending, []
                self._wake.clear()
                if not batch:
                    self._thread = None  # idle: the next call starts a new thread
                    return
            for store in {id(item[0]): item[0] for item in batch}.values():
                self._run_group(store, [item for item in batch if item[0] is store])

    @staticmethod
    def _run_group(
        store: Ledger, group: list[tuple[Ledger, Timings, Callable[[], Any], asyncio.Future[Any]]]
    ) -> None:
        results: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            with store.held():
                for _, timings, call, future in group:
                    started = time.perf_counter()
                    try:
                        results.append((future, call(), None))
                    except Exception as exc:  # noqa: BLE001 — raised again in the caller
                        results.append((future, None, exc))
                    timings.store += time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001 — the file would not open: all calls fail
            done = {id(f) for f, _, _ in results}
            results += [(f, None, exc) for _, _, _, f in group if id(f) not in done]
        for future, value, error in results:
            # RuntimeError: the caller's event loop is gone (its pass was cancelled).
            with contextlib.suppress(RuntimeError):
                future.get_loop().call_soon_threadsafe(_settle, future, value, error)


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


_store_thread = _StoreThread()


async def _in_store_thread(
    timings: Timings, call: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """Run ``call`` (a bound method of a Store) in the store thread; see :class:`_StoreThread`."""
    store = call.__self__  # type: ignore[attr-defined]
    return await _store_thread.call(store, timings, call, *args, **kwargs)


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


def new_run_id() -> str:
    return f"{clock.now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


async def ingest_source(
    source: Source,
    *,
    config: Config,
    fetcher: Fetcher,
    pool: ExtractionPool,
    store: Ledger,
    observer: Observer | None = None,
    timings: Timings | None = None,
) -> SourceOutcome:
    """Fetch one source, extract its new articles and commit them; never raises for the source."""
    observer = observer or NullObserver()
    timings = timings if timings is not None else Timings()
    started = time.monotonic()
    outcome = SourceOutcome(source.id, "ok")
    try:
        await _ingest(source, config, fetcher, pool, store, observer, outcome, timings)
    except StoreError:
        raise  # the database, not the source: the pass cannot go on (and is marked failed)
    except Exception as exc:  # containment: one source never stops the pass
        if isinstance(exc, VeilleError):
            message = str(exc)
        else:  # a bug, or a library surprise nobody mapped: still this source's failure
            logger.warning("source %s failed unexpectedly", source.id, exc_info=True)
            message = i18n.message("ingest.unexpected", detail=describe(exc))
        outcome.status, outcome.error = "error", one_line(mask_url_password(message))
        outcome.error_kind = exc.kind if isinstance(exc, VeilleError) else "unexpected"
        await _in_store_thread(
            timings,
            store.record_source_error,
            source.id,
            outcome.error_kind,
            outcome.error,
            retry_after=getattr(exc, "retry_after", None),
        )
    outcome.seconds = time.monotonic() - started
    observer.source_done(outcome)
    return outcome


async def _ingest(
    source: Source,
    config: Config,
    fetcher: Fetcher,
    pool: ExtractionPool,
    store: Ledger,
    observer: Observer,
    outcome: SourceOutcome,
    timings: Timings,
) -> None:
    state = await _in_store_thread(timings, store.source_state, source.id)
    tick = time.perf_counter()
    response = await _fetch(
        fetcher,
        source.url,
        etag=state.etag,
        last_modified=state.last_modified,
        accept=PAGE_ACCEPT if source.kind == "page" else FEED_ACCEPT,
        deadline=source.deadline,
        max_bytes=source.max_bytes,
        owner=source.id,
    )
    timings.fetch_feeds += time.perf_counter() - tick
    if response.not_modified:
        outcome.status = "not-modified"
        await _in_store_thread(
            timings,
            store.commit_source,
            source.id,
            articles=(),
            sightings=(),
            entries_seen=None,
            etag=response.etag or state.etag,
            last_modified=response.last_modified or state.last_modified,
        )
        return
    tick = time.perf_counter()
    # Off the event loop: a 13 MB feed takes seconds of CPU, and every other source's requests
    # would wait for it meanwhile (their deadlines are safe anyway: see fetch._WireClock).
    entries, outcome.warnings = await asyncio.to_thread(_entries_of, source, response)
    timings.parse += time.perf_counter() - tick
    outcome.entries = len(entries)
    fetched_at = clock.now()
    crash_point("after_fetch")

    ids = {e.key: entry_id(source.id, e.key) for e in entries}
    known = await _in_store_thread(timings, store.known_entries, source.id, list(ids.values()))
    fresh = [e for e in entries if ids[e.key] not in known]
    # A known entry whose title changed was edited in place: an update, not a new article.
    retitled = [
        (ids[e.key], e.title)
        for e in entries
        if ids[e.key] in known and e.title and known[ids[e.key]] != e.title
    ]
    article_ids = {e.key: entry_article_id(source.id, e.key, e.url) for e in fresh}
    seen = await _in_store_thread(
        timings,
        store.source_items,
        source.id,
        list(set(article_ids.values())),
        list({e.title for e in fresh if e.title}),
    )
    fresh = [e for e in fresh if not _seen_before(e, article_ids[e.key], seen)]
    outcome.resighted = len(article_ids) - len(fresh)
    already_stored = await _in_store_thread(
        timings, store.known_articles, list(article_ids.values())
    )
    # Newest first, so a cap on pages per run keeps the most recent stories; one page per
    # article even when the feed lists it twice (the other entry is only a sighting).
    to_build = list(
        {
            article_ids[e.key]: e
            for e in sorted(
                (e for e in fresh if article_ids[e.key] not in already_stored),
                key=lambda e: e.published_at or fetched_at,
            )
        }.values()
    )[::-1]
    deferred = to_build[config.settings.max_new_per_source :]
    to_build = to_build[: config.settings.max_new_per_source]

    observer.pages_queued(source.id, len(to_build) if _wants_pages(source) else 0)
    results = await asyncio.gather(
        *(
            _contained(source, e, article_ids[e.key], fetcher, pool, observer, fetched_at, timings)
            for e in to_build
        )
    )
    articles = [a for a, _ in results if a is not None]
    # The page's <link rel="canonical"> may name another URL than the feed's link.
    for entry, (article, _) in zip(to_build, results, strict=True):
        if article is not None:
            article_ids[entry.key] = article.id
    failed_keys = {e.key for e, (a, _) in zip(to_build, results, strict=True) if a is None}
    outcome.pages_fetched = sum(1 for _, fetched in results if fetched)
    outcome.page_errors = sum(1 for a, _ in results if a is None or a.extraction_error)
    deferred_keys = {e.key for e in deferred} | failed_keys
    sightings = [
        Sighting(
            entry_id=ids[e.key],
            source_id=source.id,
            article_id=article_ids[e.key],
            entry_key=e.key,
            url=e.url,
            guid=e.guid,
            title=e.title,
            published_at=e.published_at,
            seen_at=fetched_at,
        )
        for e in fresh
        if e.key not in deferred_keys
    ]
    outcome.new_articles = await _in_store_thread(
        timings,
        store.commit_source,
        source.id,
        articles=articles,
        sightings=sightings,
        entries_seen=len(entries),
        retitled=retitled,
        etag=response.etag,
        last_modified=response.last_modified,
        # Entries left for later (cap reached, or a listed page that could not be fetched) must
        # be seen again next time: keep the old validators so the next run is not a 304.
        keep_validators=bool(deferred_keys),
    )


class _Slot:
    """One place in the extraction queue, taken at most once (a retried fetch keeps it)."""

    def __init__(self, slots: FairSlots, owner: str) -> None:
        self._slots = slots
        self._owner = owner
        self._held = False

    async def take(self) -> None:
        if not self._held:
            await self._slots.acquire(self._owner)
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._slots.release(self._owner)


def _transient(exc: FetchError) -> bool:
    if isinstance(exc, NetworkError):
        return True
    return (
        isinstance(exc, HTTPStatusError)
        and exc.status in TRANSIENT_STATUSES
        and exc.retry_after is None
    )


async def _fetch(fetcher: Fetcher, url: str, **options: Any) -> FetchResult:
    """``fetcher.fetch`` tried again after a passing failure (see ``RETRY_DELAYS``)."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return await fetcher.fetch(url, **options)
        except FetchError as exc:
            if delay is None or not _transient(exc):
                raise
            await asyncio.sleep(delay * (1 + random.random() / 4))  # noqa: S311 — jitter only
    raise AssertionError("unreachable")


def _seen_before(
    entry: Entry, article_id: str, seen: tuple[set[str], set[tuple[str, str]]]
) -> bool:
    """Whether a new-looking entry is an item this source listed before (GUID churn).

    Some feeds give their items a new GUID at every fetch, or a new ``?sid=`` in their links;
    taken as new, each fetch would add every item again, and the database would grow without
    end. What is kept: one entry per item of a source, the first seen. An item is the same as
    one stored for this source when it leads to the same article (same canonical URL: the GUID
    changed), or when it has the same title and the same address but for its query string
    (the session parameter changed); a titled item without a usable link is known by its title
    alone (its GUID, which churns, is all that names it otherwise). Items without a title are
    told apart by their URL alone, query string included: the query may be all that tells two
    pages of a site apart
    (``spip.php?article12``). A feed that changes titles and paths at every fetch cannot be
    told from one publishing new items: it adds at most ``max_new_per_source`` a run.
    """
    articles_of_source, titled_paths = seen
    if article_id in articles_of_source:
        return True
    path = without_query(entry.url) if entry.url else ""
    return bool(entry.title) and (entry.title, path) in titled_paths


def _entries_of(source: Source, response: FetchResult) -> tuple[list[Entry], list[str]]:
    """Turn the fetched document of a source into entries (and the parser's warnings)."""
    if looks_like_bot_challenge(200, {}, response.body[:65536]):
        raise BotChallengeError(
            f"{source.url} answered a bot-protection challenge page instead of the content. "
            "Hint: ask the publisher for access or use another URL.",
            url=source.url,
        )
    if source.kind == "feed":
        parsed = feeds.parse_feed(
            response.body, url=response.final_url, content_type=response.content_type
        )
        # An item with neither link, title nor text carries nothing a reader could use.
        kept = [e for e in parsed.entries if e.url or e.title or e.summary or e.content_html]
        return kept, _warnings(parsed)
    if source.kind == "json":
        mapping = source.json_mapping()
        parsed = jsonsource.parse_json_source(
            response.body, url=response.final_url, mapping=mapping
        )
        return list(parsed.entries), _warnings(parsed)
    links = pages.find_article_links(
        response.body,
        base_url=response.final_url,
        pattern=source.link_pattern,
        selector=source.link_selector,
    )
    if not links:
        raise ParseError(
            f"no article link found on the page {source.url}. "
            "Hint: set link_pattern or link_selector for this source."
        )
    return [Entry(key=page_entry_key(link), url=link) for link in links], []


def _warnings(parsed: ParsedFeed) -> list[str]:
    return [one_line(w, 300) for w in parsed.warnings[:10]]


def _wants_pages(source: Source) -> bool:
    return source.kind == "page" or source.fetch_pages


async def _contained(
    source: Source,
    entry: Entry,
    article_id: str,
    fetcher: Fetcher,
    pool: ExtractionPool,
    observer: Observer,
    fetched_at: datetime,
    timings: Timings,
) -> tuple[Article | None, bool]:
    """:func:`_build_article`, whose failure stays with its entry: whatever went wrong, the entry
    is kept with its feed text and the error recorded on it (a page source's link is tried
    again next run)."""
    try:
        return await _build_article(
            source, entry, article_id, fetcher, pool, observer, fetched_at, timings
        )
    except Exception as exc:  # containment: the other entries go on
        logger.warning("entry %s of %s failed unexpectedly", entry.key, source.id, exc_info=True)
        if source.kind == "page":
            return None, False
        error = i18n.message("ingest.unexpected_entry", detail=describe(exc))
        return _bare_article(source, entry, article_id, error, fetched_at), False


async def _build_article(
    source: Source,
    entry: Entry,
    article_id: str,
    fetcher: Fetcher,
    pool: ExtractionPool,
    observer: Observer,
    fetched_at: datetime,
    timings: Timings,
) -> tuple[Article | None, bool]:
    """Fetch and extract one entry's page (feed text as fallback). Returns (article, fetched)."""
    extracted: Extracted | None = None
    error: str | None = None
    fetched = False
    if entry.url and _wants_pages(source):
        slot = _Slot(pool.slots, source.id)
        tick = time.perf_counter()
        try:
            page = await _fetch(
                fetcher,
                entry.url,
                accept=PAGE_ACCEPT,
                max_bytes=source.max_bytes,
                admit=slot.take,  # room in the extraction queue, once the host admits us
                owner=source.id,
            )
            fetched = True
            timings.fetch_pages += time.perf_counter() - tick
            result = await pool.extract(page.final_url, page.body)
            if isinstance(result, str):
                error = result
            else:
                extracted = result
        except FetchError as exc:
            timings.fetch_pages += time.perf_counter() - tick
            error = str(exc)
        finally:
            slot.give_back()
        observer.page_done(source.id)
    # Off the event loop: a feed item's HTML can be megabytes of markup to turn into text.
    article = await asyncio.to_thread(
        _article, source, entry, article_id, extracted, error, fetched_at
    )
    return article, fetched


def _article(
    source: Source,
    entry: Entry,
    article_id: str,
    extracted: Extracted | None,
    error: str | None,
    fetched_at: datetime,
) -> Article | None:
    """The article of an entry, from its extracted page or else the feed's own text; None for
    a page source's link with no text at all (it is tried again next run)."""
    feed_text = extract.text_of_html(entry.content_html) if entry.content_html else ""
    feed_text = feed_text or entry.summary
    if extracted is None and not feed_text and source.kind == "page":
        return None
    text = clip(extracted.text if extracted else feed_text, MAX_TEXT_CHARS)
    url = canonical_url(entry.url) if entry.url else linkless_url(source.id, entry.key)
    declared = accepted_canonical(
        extracted.canonical_url if extracted else None, url, source.url, source.sites
    )
    if declared is not None:
        url, article_id = declared, article_id_for_url(declared)
    published = entry.published_at or (extracted.published_at if extracted else None)
    if published is not None and published > fetched_at:
        published = fetched_at  # a future date would pin the article at the top of every list
    title = entry.title or (extracted.title if extracted and extracted.title else "") or ""
    return Article(
        id=article_id,
        url=url,
        source_id=source.id,
        title=title or (entry.url or "(sans titre)"),
        text=text,
        fetched_at=fetched_at,
        published_at=published,
        author=entry.author or (extracted.author if extracted else None),
        lang=(extracted.lang if extracted and extracted.lang else None)
        or entry.lang
        or source.lang,
        sitename=extracted.sitename if extracted else None,
        summary=entry.summary or (extracted.description or "" if extracted else ""),
        extraction="page" if extracted else ("feed" if text else "none"),
        extraction_error=(
            one_line(error) if error and not extracted and _wants_pages(source) else None
        ),
        word_count=len(text.split()),
        content_hash=content_hash(text) if text else None,
    )


def _bare_article(
    source: Source, entry: Entry, article_id: str, error: str, fetched_at: datetime
) -> Article:
    """An entry kept with what the feed said, plain as it is, and the error that stopped more."""
    url = canonical_url(entry.url) if entry.url else f"urn:veille:{source.id}:{entry.key}"
    text = entry.summary
    return Article(
        id=article_id,
        url=url,
        source_id=source.id,
        title=entry.title or entry.url or "(sans titre)",
        text=text,
        fetched_at=fetched_at,
        published_at=min(entry.published_at, fetched_at) if entry.published_at else None,
        author=entry.author,
        lang=entry.lang or source.lang,
        summary=entry.summary,
        extraction="feed" if text else "none",
        extraction_error=one_line(error),
        word_count=len(text.split()),
        content_hash=content_hash(text) if text else None,
    )


@dataclass(slots=True)
class DedupSummary:
    """What the duplicate stage did to the new articles of a pass."""

    articles: int = 0
    duplicates: int = 0  # new articles that joined an existing story
    seconds: float = 0.0


PARALLEL_SKETCH_MIN = 2000  # below this many articles, a helper process costs more than it saves


def _signatures(
    texts: list[str], helper: concurrent.futures.Executor | None
) -> list[np.ndarray | None]:
    """Signatures of texts; with a helper process, it takes the second half meanwhile."""
    if helper is None or len(texts) < PARALLEL_SKETCH_MIN:
        return [dedup.signature(t) for t in texts]
    half = len(texts) // 2
    future = helper.submit(dedup.signatures, texts[half:])
    return [dedup.signature(t) for t in texts[:half]] + future.result()


def deduplicate(store: Store, *, batch: int = 5000, parallel: bool = True) -> DedupSummary:
    """Match every article not yet matched against the batch and the store; record clusters.

    A large backlog (a first run, a rebuild) uses a second process for the signatures, which
    are most of the cost; a weekly batch of a few hundred articles stays in this process.
    """
    started = time.monotonic()
    summary = DedupSummary()
    helper: concurrent.futures.ProcessPoolExecutor | None = None
    try:
        with store.held():
            while rows := store.articles_to_sketch(limit=batch, sketch_chars=dedup.SKETCH_CHARS):
                if helper is None and parallel and len(rows) >= PARALLEL_SKETCH_MIN:
                    context = multiprocessing.get_context("forkserver")  # see ExtractionPool
                    helper = concurrent.futures.ProcessPoolExecutor(1, mp_context=context)
                summary.articles += len(rows)
                summary.duplicates += _cluster_rows(store, rows, helper)
    finally:
        if helper is not None:
            helper.shutdown(cancel_futures=True)
    summary.seconds = time.monotonic() - started
    return summary


def _cluster_rows(
    store: Store,
    rows: list[tuple[str, str, str | None]],
    helper: concurrent.futures.Executor | None,
) -> int:
    """Sketch, match and record one batch; returns how many joined another story."""
    signatures = _signatures([text for _, text, _ in rows], helper)
    sigs = {aid: sig for (aid, _, _), sig in zip(rows, signatures, strict=True)}
    keys_of = {aid: dedup.band_keys(sig) for aid, sig in sigs.items() if sig is not None}
    keys = [(aid, band, key) for aid, ks in keys_of.items() for band, key in enumerate(ks)]
    hashes = [(aid, digest) for aid, _, digest in rows if digest]
    candidates, matches = store.duplicate_candidates(keys, hashes)
    assigned, merged = dedup.cluster_batch(
        {aid: (digest, sigs[aid]) for aid, _, digest in rows},
        [(n, s, c, dedup.from_blob(m) if m else None) for n, s, c, m in candidates],
        matches,
        keys_of,
    )
    store.save_clusters(
        [(aid, dedup.to_blob(s) if s is not None else None) for aid, s in sigs.items()],
        keys,
        assigned,
        merged,
    )
    return sum(1 for aid, cluster in assigned.items() if cluster != aid)


SourceRunner = Callable[..., Awaitable[SourceOutcome]]
# Fetches, extracts and stores a list of sources: :func:`fetch_sources` in this process, or
# ``flows/distributed.py`` handing them to Prefect workers. Returns one outcome per source.
SourcesPhase = Callable[
    [Config, Store, Sequence[Source], Observer | None, Timings], Awaitable[list[SourceOutcome]]
]


async def fetch_sources(
    config: Config,
    store: Ledger,
    sources: Sequence[Source],
    observer: Observer | None = None,
    timings: Timings | None = None,
    *,
    run_source: SourceRunner = ingest_source,
) -> list[SourceOutcome]:
    """Fetch, extract and store these sources, all at once, in this process."""
    timings = timings if timings is not None else Timings()
    limits = config.fetch_limits()
    workers = config.settings.extract_workers
    # Enough pages in flight to keep every connection busy and every worker fed, no more.
    pool = ExtractionPool(workers, in_flight=limits.concurrency + 2 * workers)
    if any(_wants_pages(s) for s in sources):
        pool.start()
    tick = time.perf_counter()
    try:
        async with Fetcher(limits) as fetcher:
            runs = [
                run_source(
                    s,
                    config=config,
                    fetcher=fetcher,
                    pool=pool,
                    store=store,
                    observer=observer,
                    timings=timings,
                )
                for s in sources
            ]
            outcomes = list(await asyncio.gather(*runs))
    finally:
        pool.close()
    timings.sources_wall = time.perf_counter() - tick
    timings.extract_cpu, timings.pages_extracted = pool.cpu_seconds, pool.pages
    return outcomes


async def ingest(
    config: Config,
    store: Store,
    *,
    only: Sequence[str] = (),
    observer: Observer | None = None,
    run_source: SourceRunner = ingest_source,
    run_dedup: Callable[[Store], DedupSummary] = deduplicate,
    run_classify: Callable[[Config, Store], ClassifySummary] | None = None,
    sources_phase: SourcesPhase | None = None,
) -> RunSummary:
    """One whole pass over the enabled sources (or ``only`` these ids), all sources at once.

    ``run_source`` is :func:`ingest_source` itself, ``run_dedup`` :func:`deduplicate` and
    ``run_classify`` :func:`classify_new`, or the Prefect tasks that wrap them
    (``flows/ingest.py``): the pass is the same with or without orchestration.
    ``sources_phase`` replaces :func:`fetch_sources` to fetch elsewhere (Prefect workers).
    """
    sources = config.enabled_sources(list(only))
    summary = RunSummary(new_run_id())
    started = time.monotonic()
    store.sync_sources(config.sources)
    summary.crashed_runs = store.start_run(summary.run_id)
    try:
        await _pass(config, store, sources, summary, only, observer, run_source, sources_phase)
        crash_point("before_dedup")
        summary.dedup = run_dedup(store)
        summary.timings.dedup = summary.dedup.seconds
        crash_point("before_classify")
        summary.classify = (run_classify or classify_new)(config, store)
        summary.timings.classify = summary.classify.seconds
    except BaseException as exc:
        # Never left "running": a run that stays so blocks the next ones of this process
        # (`veille serve`) for hours. The error itself goes on to the caller.
        summary.seconds = time.monotonic() - started
        stats = {**summary.as_dict(), "error": one_line(describe(exc))}
        with contextlib.suppress(Exception):  # the database may be what failed
            store.finish_run(summary.run_id, "failed", stats)
        raise
    summary.seconds = time.monotonic() - started
    store.finish_run(summary.run_id, "completed", summary.as_dict())
    return summary


async def _pass(
    config: Config,
    store: Store,
    sources: list[Source],
    summary: RunSummary,
    only: Sequence[str],
    observer: Observer | None,
    run_source: SourceRunner,
    sources_phase: SourcesPhase | None,
) -> None:
    """The sources' part of a pass: who is due, then fetch, extract and store them."""
    if not only:  # a source asked for by name is tried at once, backoff or not
        now = clock.now()
        due = []
        with store.held():
            states = {s.id: store.source_state(s.id) for s in sources}
        for s in sources:
            until = states[s.id].next_check_at
            if until is not None and until > now:
                summary.waiting.append((s.id, until))
            else:
                due.append(s)
        sources = due
    timings = summary.timings
    if sources_phase is None:
        summary.outcomes = await fetch_sources(
            config, store, sources, observer, timings, run_source=run_source
        )
    else:
        summary.outcomes = await sources_phase(config, store, sources, observer, timings)
    if health.is_outage([o.error_kind for o in summary.outcomes]):
        # The machine is offline, not the sources: nobody backs off.
        store.forgive_outage([o.source_id for o in summary.outcomes])
        summary.offline = True


# -- relevance and tags ------------------------------------------------------------------------


@dataclass(slots=True)
class ClassifySummary:
    articles: int = 0
    off_topic: int = 0
    model: str = ""
    trained: bool = False  # a first model was trained from the seed during this pass
    retrained: bool | None = None  # curators' decisions retrained it: swapped in, or not
    seconds: float = 0.0


def current_model(config: Config, store: Store) -> tuple[classify.Classifier, str, bool]:
    """The current model, or one trained now from seed and decisions (first run, new taxonomy).

    Returns (model, its name, whether it was trained now).
    """
    from veille import classify, seedmodel  # imported when needed: scikit-learn takes ~1 s

    models = classify.ModelStore(config.models_path(store.path))
    fingerprint = classify.taxonomy_fingerprint(config.taxonomy)
    loaded = models.load_current()
    if loaded is not None and loaded[1].get("taxonomy") == fingerprint:
        return loaded[0], loaded[1]["name"], False
    if seedmodel.usable_for(fingerprint) and not store.decisions():
        name = seedmodel.install(models)  # the model shipped with veille: no training
        return models.load(models.folder / f"{name}.skops"), name, False
    result = train(config, store, force=True)
    assert result.model is not None and result.swapped, result
    return result.model, result.name, True  # not read back from disk: that takes ~1.5 s


def new_decisions(config: Config, store: Store) -> int:
    """Curators' decisions taken since the newest model was trained (made current or not: a
    model that was worse is not retrained at every run until new decisions arrive)."""
    from veille import classify

    meta = classify.ModelStore(config.models_path(store.path)).latest_meta()
    if meta is None:
        return 0
    last = (meta.get("training_data") or {}).get("last_decision") or 0
    return sum(1 for d in store.decisions() if d["decision"] > last)


def retrain_if_due(
    config: Config, store: Store, *, after: int = triage.RETRAIN_AFTER
) -> TrainResult | None:
    """Retrain when ``after`` decisions or more arrived since the current model; the new model
    replaces it only if it is not worse on the held-out examples (:func:`train`)."""
    if new_decisions(config, store) < after:
        return None
    return train(config, store)


def classify_new(
    config: Config, store: Store, *, batch: int = 2000, retrain_after: int = triage.RETRAIN_AFTER
) -> ClassifySummary:
    """Score and tag every article no model has seen yet (after a retrain, when enough curator
    decisions arrived since the current model: see :func:`retrain_if_due`)."""
    from veille import classify  # imported when needed: scikit-learn takes ~1 s

    started = time.monotonic()
    summary = ClassifySummary()
    retrained = retrain_if_due(config, store, after=retrain_after)
    summary.retrained = retrained.swapped if retrained is not None else None
    rows = store.articles_to_classify(limit=batch)
    if not rows:  # nothing new: not even the model is loaded (~1.5 s)
        summary.seconds = time.monotonic() - started
        return summary
    model, name, summary.trained = current_model(config, store)
    summary.model = name
    hints = {s.id: [t for t in s.tags if t in config.tag_ids()] for s in config.sources}
    threshold = config.settings.relevance_threshold
    while rows:
        verdicts = model.predict(
            [classify.article_text(title, summ, text) for _, _, title, summ, text in rows],
            threshold,
        )
        out = []
        for (aid, source_id, *_), v in zip(rows, verdicts, strict=True):
            tags = v.tags
            if v.relevant:  # a source's tags are hints: its relevant articles carry them
                extra = [t for t in hints.get(source_id, []) if t not in tags]
                tags = [*tags, *(t for t in config.tag_ids() if t in extra)]
            out.append((aid, v.relevant, v.score, tags, json.dumps(v.why, ensure_ascii=False)))
            summary.off_topic += not v.relevant
        store.save_classification(name, out)
        summary.articles += len(rows)
        rows = store.articles_to_classify(limit=batch)
    summary.seconds = time.monotonic() - started
    return summary


def training_examples(
    config: Config, store: Store
) -> tuple[list[classify.Example], dict[str, object]]:
    """Seed examples (tags outside the taxonomy dropped) + one example per curator decision."""
    from veille import classify  # imported when needed: scikit-learn takes ~1 s

    known = set(config.tag_ids())
    examples = {
        e.id: replace(e, tags=tuple(t for t in e.tags if t in known))
        for e in classify.load_seed()
        if classify.TRAIN_ON_WRITTEN or not e.written
    }
    decisions = store.decisions()
    for d in decisions:
        text = classify.article_text(d["title"], d["summary"], d["text"])
        tags = tuple(t for t in (d["tags"] or ()) if t in known) if d["relevant"] else ()
        # A retag puts the curator's section first; a keep only confirms the model's tags.
        primary = tags[0] if d["kind"] == "tags" and tags else None
        examples[d["article_id"]] = classify.Example(
            d["article_id"], text, bool(d["relevant"]), tags, "decision", primary, d["source_id"]
        )
    provenance: dict[str, object] = {
        "seed_sha256": classify.seed_digest(),
        "seed_examples": sum(1 for e in examples.values() if e.origin == "seed"),
        "decisions": len(decisions),
        "last_decision": max((d["decision"] for d in decisions), default=None),
    }
    return list(examples.values()), provenance


@dataclass(slots=True)
class TrainResult:
    name: str
    swapped: bool
    reason: str
    held_out: evaluation.Report
    current_held_out: evaluation.Report | None
    cross_validation: evaluation.Report | None
    provenance: dict[str, object]
    model: classify.Classifier | None = field(default=None, repr=False)  # the one just trained

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.name,
            "swapped": self.swapped,
            "reason": self.reason,
            "held_out": self.held_out.as_dict(),
            "current_held_out": self.current_held_out.as_dict() if self.current_held_out else None,
            "cross_validation": (
                self.cross_validation.as_dict() if self.cross_validation else None
            ),
            "training_data": self.provenance,
        }


def train(
    config: Config, store: Store, *, report: bool = False, force: bool = False
) -> TrainResult:
    """Train from seed + decisions; make it current only if it is not worse on the held-out set.

    The held-out fifth (by a hash of each example id) is never trained on. The current model
    is measured on the same held-out examples, so the comparison is like for like.
    """
    from veille import classify, evaluation  # imported when needed: scikit-learn takes ~1 s

    examples, provenance = training_examples(config, store)
    training, held_out = classify.split(examples)
    threshold = config.settings.relevance_threshold
    model = classify.Classifier(config.taxonomy).fit(training)
    new_report = evaluation.evaluate(model, held_out, threshold)
    models = classify.ModelStore(config.models_path(store.path))
    current = models.load_current()
    current_report = None
    fingerprint = classify.taxonomy_fingerprint(config.taxonomy)
    if current is not None and current[1].get("taxonomy") == fingerprint:
        current_report = evaluation.evaluate(current[0], held_out, threshold)
    if force or current_report is None:
        swapped, reason = True, "no current model for this taxonomy" if not force else "forced"
    elif (
        new_report.macro_f1 >= current_report.macro_f1
        and new_report.relevance_accuracy >= current_report.relevance_accuracy
    ):
        swapped, reason = True, "not worse than the current model on the held-out examples"
    else:
        swapped, reason = False, "worse than the current model on the held-out examples"
    cv = None
    if report:  # judged on publishers it never saw: whole sources held out, real texts only
        cv = evaluation.grouped_cross_validate(config.taxonomy, examples, threshold=threshold)
    meta = {
        "created_at": clock.now().isoformat(),
        "taxonomy": fingerprint,
        "training_examples": len(training),
        "held_out_examples": len(held_out),
        "held_out": new_report.as_dict(),
        "training_data": provenance,
    }
    name = models.save(model, meta, make_current=swapped)
    if swapped and current is not None:
        store.forget_classification(since=clock.now() - timedelta(days=90))
    return TrainResult(name, swapped, reason, new_report, current_report, cv, provenance, model)
