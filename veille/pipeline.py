"""One ingest pass as plain Python: sources -> fetch -> entries -> pages -> extraction -> store,
then duplicates, then relevance and tags, then the alerts (:mod:`veille.alerts`).

Nothing here imports Prefect: ``flows/ingest.py`` wraps :func:`veille.source_run.ingest_source`
as a task (one task per source, never one per article: each task run costs Prefect 10–30 ms)
and the tests call these functions directly. The shape of a pass:

* the sources due are chosen (a source backing off waits, unless asked for by name);
* every source is handled concurrently (:mod:`veille.source_run`); the one
  :class:`~veille.fetch.Fetcher` bounds the requests in flight, overall and per host, and
  gives a host up for the rest of the pass after a few network failures in a row
  (:mod:`veille.hosts`: the summary names it once, the next pass tries it again);
* entries already stored are skipped *before* anything else is fetched, so a re-run with nothing
  new fetches only the feeds (with conditional GET: mostly 304s) and no article page;
* article pages go to a pool of worker processes for extraction (trafilatura is CPU-bound and
  holds the GIL: threads would not use the second core);
* each source is committed in one transaction (articles, sightings, validators), so a crash
  loses at most the source in progress and never saves an ETag without its articles;
* a failing source is recorded on the source (count, message) and the pass goes on; when every
  source tried failed for network reasons, the machine is offline, not the sources, and those
  errors are taken back (:func:`veille.health.is_outage`; one source alone is not evidence
  enough: the servers of a few other sources are knocked at first).

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
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

from veille import clock, guard, health
from veille.alerts import after_run
from veille.config import Config, Source
from veille.dedup_run import deduplicate
from veille.errors import describe, one_line
from veille.extraction_pool import ExtractionPool
from veille.fetch import Fetcher
from veille.learning import classify_new
from veille.ledger import Ledger
from veille.records import (
    ClassifySummary,
    DedupSummary,
    Observer,
    RunSummary,
    SourceOutcome,
    Timings,
)
from veille.source_run import ingest_source
from veille.store import Store, crash_point


def new_run_id() -> str:
    return f"{clock.now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


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
        crash_point("before_alerts")
        # In a thread: sending blocks (SMTP) and channel posts run their own event loop.
        summary.alerts = await asyncio.to_thread(after_run, config, store)  # never raises
    except BaseException as exc:
        # Never left "running": a run that stays so blocks the next ones of this process
        # (`veille serve`) for hours. The error itself goes on to the caller. Stopped from
        # outside (a signal, a cancellation: not an Exception) is "crashed", as a killed run
        # is found later; "failed" is a run that an error stopped.
        summary.seconds = time.monotonic() - started
        error = one_line(describe(exc))
        status = "failed" if isinstance(exc, Exception) else "crashed"
        with contextlib.suppress(Exception):  # the database may be what failed
            store.finish_run(summary.run_id, status, summary, error=error)
        raise
    summary.seconds = time.monotonic() - started
    store.finish_run(summary.run_id, "completed", summary)
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
    kinds = [o.error_kind for o in summary.outcomes]
    answers: list[bool | None] = []
    if health.needs_probe(kinds):  # one source failing alone: is it the network, or its server?
        answers = await _knock_at_others(config, store, summary.outcomes)
    if health.is_outage(kinds, answers):
        # The machine is offline, not the sources: nobody backs off.
        store.forgive_outage([o.source_id for o in summary.outcomes])
        summary.offline = True


async def _knock_at_others(
    config: Config, store: Store, outcomes: Sequence[SourceOutcome]
) -> list[bool | None]:
    """Whether the servers of a few other sources answer, when the sources tried (one, asked
    by name or alone due) all failed for network reasons (:func:`veille.health.is_outage`)."""
    tried = {o.source_id for o in outcomes}
    others = [s for s in config.enabled_sources() if s.id not in tried]
    with store.held():
        last_success = {s.id: store.source_state(s.id).last_success_at for s in others}
    targets = health.probe_targets(
        [s.url for s in config.sources if s.id in tried],
        [(s.url, last_success[s.id]) for s in others],
    )
    policy = guard.address_policy(config.fetch_limits().allow_private_networks)
    return await guard.knock(targets, policy, timeout=health.PROBE_TIMEOUT)
