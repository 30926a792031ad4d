"""One source's part of a pass: fetch its feed or page, keep the new entries, build their
articles, commit them.

:func:`ingest_source` is what ``flows/ingest.py`` wraps as a Prefect task and what
:func:`veille.pipeline.fetch_sources` runs for every source at once:

* the feed (or page) is fetched with the validators of the last fetch (conditional GET): a 304
  renews them and ends there;
* entries already stored are skipped *before* anything else is fetched (also when a feed gives
  its items a new GUID at every fetch), and at most ``max_new_per_source`` pages are built a
  run, the newest first;
* the new entries' pages are fetched and extracted in the pass's worker processes, each taking
  a place in the extraction queue once its host admits it; the feed's own text stands in for a
  page that fails, or whose host was given up for the pass (:mod:`veille.hosts`: a dead host
  costs a few requests, and the summary names it once);
* everything is committed in one transaction (articles, sightings, validators); entries left
  for later keep the old validators, so the next run is not a 304.

Containment: whatever one entry holds, the damage stops at that entry (it keeps its feed text
and the error); whatever the source holds, at that source (recorded with one line on the
source). Only the database failing stops the pass.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from veille import clock, feeds, health, i18n, jsonsource, pages
from veille.articles import article_of, bare_article, wants_pages
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
from veille.extraction_pool import ExtractionPool
from veille.fetch import Fetcher, looks_like_bot_challenge
from veille.guard import mask_url_password
from veille.identity import entry_article_id, entry_id, page_entry_key, without_query
from veille.ledger import Ledger, _in_store_thread
from veille.mailbox_run import ingest_mailbox
from veille.models import (
    MAX_TITLE_CHARS,
    Article,
    Entry,
    Extracted,
    FetchResult,
    ParsedFeed,
    Sighting,
    clip,
)
from veille.records import NullObserver, Observer, SourceOutcome, Timings
from veille.slots import FairSlots
from veille.store import SourceState, crash_point, pause_point

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
    state: SourceState | None = None
    try:
        state = await _in_store_thread(timings, store.source_state, source.id)
        steps = _ingest_mailbox if source.kind == "mailbox" else _ingest
        await steps(source, state, config, fetcher, pool, store, observer, outcome, timings)
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
        if isinstance(exc, NetworkError) and exc.given_up_host:  # its feed's host was given up
            outcome.gave_up(exc.given_up_host)
        # Its consecutive errors once this one is counted (runs never overlap: nobody else
        # counts this source's errors meanwhile).
        errors = (state.error_count if state else 0) + 1
        await _in_store_thread(
            timings,
            store.record_source_error,
            source.id,
            outcome.error_kind,
            outcome.error,
            next_check_in=health.next_check_in(
                errors, retry_after=getattr(exc, "retry_after", None)
            ),
        )
    outcome.seconds = time.monotonic() - started
    observer.source_done(outcome)
    return outcome


async def _ingest(
    source: Source,
    state: SourceState,
    config: Config,
    fetcher: Fetcher,
    pool: ExtractionPool,
    store: Ledger,
    observer: Observer,
    outcome: SourceOutcome,
    timings: Timings,
) -> None:
    """Fetch, parse, plan, build, commit: the source's steps (errors go to the caller)."""
    pause_point("fetching")
    response = await _fetch_document(source, state, fetcher, timings)
    if response.not_modified:  # nothing new: the source is healthy, its validators renewed
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
    entries, outcome.warnings = await _parse(source, response, timings)
    outcome.entries = len(entries)
    fetched_at = clock.now()
    crash_point("after_fetch")

    plan = await _plan(source, config, store, entries, fetched_at, timings)
    outcome.resighted = plan.resighted
    articles, failed_keys = await _build_planned(
        source, plan, fetcher, pool, observer, outcome, fetched_at, timings
    )
    deferred_keys = {e.key for e in plan.deferred} | failed_keys
    sightings = [
        _sighting(source, e, plan.ids[e.key], plan.article_ids[e.key], fetched_at)
        for e in plan.fresh
        if e.key not in deferred_keys
    ]
    outcome.new_articles = await _in_store_thread(
        timings,
        store.commit_source,
        source.id,
        articles=articles,
        sightings=sightings,
        entries_seen=len(entries),
        retitled=plan.retitled,
        etag=response.etag,
        last_modified=response.last_modified,
        # Entries left for later (cap reached, or a listed page that could not be fetched) must
        # be seen again next time: keep the old validators so the next run is not a 304.
        keep_validators=bool(deferred_keys),
    )


async def _ingest_mailbox(
    source: Source,
    state: SourceState,
    config: Config,
    fetcher: Fetcher,
    pool: ExtractionPool,
    store: Ledger,
    observer: Observer,
    outcome: SourceOutcome,
    timings: Timings,
) -> None:
    """A mailbox source's steps (veille/mailbox_run.py); the pages its letters link to are
    fetched as feeds' are, tried again after a passing failure."""

    async def fetch_page(url: str) -> FetchResult:
        options = {"accept": PAGE_ACCEPT, "max_bytes": source.max_bytes, "owner": source.id}
        return await _fetch(fetcher, url, **options)

    await ingest_mailbox(source, state, config, fetch_page, pool, store, observer, outcome, timings)


async def _fetch_document(
    source: Source, state: SourceState, fetcher: Fetcher, timings: Timings
) -> FetchResult:
    """The source's feed or page, asked with the validators of its last fetch."""
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
    return response


async def _parse(
    source: Source, response: FetchResult, timings: Timings
) -> tuple[list[Entry], list[str]]:
    """The entries of the fetched document (and the parser's warnings), parsed off the event
    loop: a 13 MB feed takes seconds of CPU, and every other source's requests would wait for
    it meanwhile (their deadlines are safe anyway: see fetch._WireClock)."""
    tick = time.perf_counter()
    entries, warnings = await asyncio.to_thread(_entries_of, source, response)
    timings.parse += time.perf_counter() - tick
    return entries, warnings


async def _build_planned(
    source: Source,
    plan: _Plan,
    fetcher: Fetcher,
    pool: ExtractionPool,
    observer: Observer,
    outcome: SourceOutcome,
    fetched_at: datetime,
    timings: Timings,
) -> tuple[list[Article], set[str]]:
    """The plan's pages fetched and extracted, all at once: the articles built, and the keys of
    the entries that gave none (a page source's link is tried again next run). A page's
    canonical link may rename its article: ``plan.article_ids`` follows."""
    to_build = plan.to_build
    observer.pages_queued(source.id, len(to_build) if wants_pages(source) else 0)
    results = await asyncio.gather(
        *(
            _contained(
                source, e, plan.article_ids[e.key], fetcher, pool, observer, fetched_at, timings
            )
            for e in to_build
        )
    )
    articles = [r.article for r in results if r.article is not None]
    # The page's <link rel="canonical"> may name another URL than the feed's link.
    for entry, r in zip(to_build, results, strict=True):
        if r.article is not None:
            plan.article_ids[entry.key] = r.article.id
        if r.given_up_host:
            outcome.gave_up(r.given_up_host)
    failed_keys = {e.key for e, r in zip(to_build, results, strict=True) if r.article is None}
    outcome.pages_fetched = sum(1 for r in results if r.fetched)
    outcome.page_errors = sum(1 for r in results if r.article is None or r.article.extraction_error)
    return articles, failed_keys


def _sighting(
    source: Source, e: Entry, entry_id_: str, article_id: str, seen_at: datetime
) -> Sighting:
    """One entry of the feed seen now, for the story ``article_id``."""
    return Sighting(
        entry_id=entry_id_,
        source_id=source.id,
        article_id=article_id,
        entry_key=e.key,
        url=e.url,
        guid=e.guid,
        title=e.title,
        published_at=e.published_at,
        seen_at=seen_at,
    )


@dataclass(slots=True)
class _Plan:
    """What a fetched feed brings: its entries' ids, the new ones, the pages to build now."""

    ids: dict[str, str]  # entry key -> entry id
    article_ids: dict[str, str]  # entry key -> article id, for the new entries
    fresh: list[Entry]  # entries never seen before (by id, URL or title)
    retitled: list[tuple[str, str]]  # (entry id, new title): edited in place
    to_build: list[Entry]  # pages to fetch and extract in this run, newest first
    deferred: list[Entry]  # beyond max_new_per_source: left for the next run
    resighted: int  # new entries of stories already stored


async def _plan(
    source: Source,
    config: Config,
    store: Ledger,
    entries: list[Entry],
    fetched_at: datetime,
    timings: Timings,
) -> _Plan:
    ids = {e.key: entry_id(source.id, e.key) for e in entries}
    known = await _in_store_thread(timings, store.known_entries, source.id, list(ids.values()))
    fresh = [e for e in entries if ids[e.key] not in known]
    # A known entry whose title changed was edited in place: an update, not a new article.
    # (Compared as the store keeps titles: a title a parser left longer is no edit.)
    retitled = [
        (ids[e.key], e.title)
        for e in entries
        if ids[e.key] in known and e.title and known[ids[e.key]] != clip(e.title, MAX_TITLE_CHARS)
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
    return _Plan(
        ids, article_ids, fresh, retitled, to_build, deferred, len(article_ids) - len(fresh)
    )


class _Built(NamedTuple):
    """What became of one entry's page."""

    article: Article | None  # None: a page source's link with no text (tried again next run)
    fetched: bool  # its page was fetched
    given_up_host: str | None = None  # its page was not, its host being given up for the pass


class _Slot:
    """One place in the extraction queue, held at most once at a time: given back while its
    page waits to be tried again or for the next host of a redirect (see ``Fetcher.fetch``)."""

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
        return exc.given_up_host is None  # a given-up host is not tried again in this pass
    return (
        isinstance(exc, HTTPStatusError)
        and exc.status in TRANSIENT_STATUSES
        and exc.retry_after is None
    )


async def _fetch(fetcher: Fetcher, url: str, **options: Any) -> FetchResult:
    """``fetcher.fetch`` tried again after a passing failure (see ``RETRY_DELAYS``), unless the
    URL's host was given up meanwhile (by this failure or others): then that is the error.
    The caller's place (``leave``) is given back while the request waits to be tried again."""
    leave = options.get("leave")
    for delay in (*RETRY_DELAYS, None):
        try:
            return await fetcher.fetch(url, **options)
        except FetchError as exc:
            if not _transient(exc):
                raise
            if isinstance(exc, NetworkError):
                fetcher.hosts.check(url)
            if delay is None:
                raise
            if leave is not None:
                leave()
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
            i18n.message("fetch.bot_challenge", host=source.url),
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
        raise ParseError(i18n.message("pages.no_link", url=source.url))
    return [Entry(key=page_entry_key(link), url=link) for link in links], []


def _warnings(parsed: ParsedFeed) -> list[str]:
    return [one_line(w, 300) for w in parsed.warnings[:10]]


async def _contained(
    source: Source,
    entry: Entry,
    article_id: str,
    fetcher: Fetcher,
    pool: ExtractionPool,
    observer: Observer,
    fetched_at: datetime,
    timings: Timings,
) -> _Built:
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
            return _Built(None, False)
        error = i18n.message("ingest.unexpected_entry", detail=describe(exc))
        return _Built(bare_article(source, entry, article_id, error, fetched_at), False)


async def _build_article(
    source: Source,
    entry: Entry,
    article_id: str,
    fetcher: Fetcher,
    pool: ExtractionPool,
    observer: Observer,
    fetched_at: datetime,
    timings: Timings,
) -> _Built:
    """Fetch and extract one entry's page (feed text as fallback)."""
    extracted: Extracted | None = None
    error: str | None = None
    fetched = False
    given_up: str | None = None
    if entry.url and wants_pages(source):
        pool.start()  # the first page of the pass starts the workers (see ExtractionPool.start)
        slot = _Slot(pool.slots, source.id)
        tick = time.perf_counter()
        try:
            page = await _fetch(
                fetcher,
                entry.url,
                accept=PAGE_ACCEPT,
                max_bytes=source.max_bytes,
                admit=slot.take,  # room in the extraction queue, once the host admits us
                leave=slot.give_back,
                owner=source.id,
            )
            fetched = True
            timings.fetch_pages += time.perf_counter() - tick
            pause_point("extraction")  # the extraction workers are up
            result = await pool.extract(page.final_url, page.body, page.content_type)
            if isinstance(result, str):
                error = result
            else:
                extracted = result
        except FetchError as exc:
            timings.fetch_pages += time.perf_counter() - tick
            error = str(exc)
            given_up = exc.given_up_host if isinstance(exc, NetworkError) else None
        finally:
            slot.give_back()
        observer.page_done(source.id)
    # Off the event loop: a feed item's HTML can be megabytes of markup to turn into text.
    article = await asyncio.to_thread(
        article_of, source, entry, article_id, extracted, error, fetched_at
    )
    return _Built(article, fetched, given_up)
