"""One ``kind: mailbox`` source's part of a pass (:func:`veille.source_run.ingest_source` comes
here for them): poll the letters, turn them into entries, build the new articles, commit them
with the folder's cursor, then mark the letters read.

Each letter is one entry, identified by its Message-ID, whose text is the letter's. With
``follow_links: true`` its article links are the entries instead (the letter itself is kept when
none is found): each link is fetched through the guarded fetcher, which follows the tracking
redirects of mailing services (Brevo, Mailchimp...) to the article's own address; the address
must match ``link_pattern`` when one is given; the page is extracted in the extraction workers
like a feed's. A PDF attached to a letter is one more entry, read by the same workers
(:mod:`veille.pdf`). Subscription notices are read and marked, never stored.

Order of the steps (see :mod:`veille.mailbox` for why it is crash-safe): poll, build, commit the
articles and the cursor in one transaction, then mark the letters ``\\Seen`` (or move them). A
letter whose entries were left for the next run (``max_new_per_source``) keeps the cursor
below it, so it is read again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from veille import clock, i18n, mailbox
from veille.articles import article_of
from veille.config import Config, Source
from veille.errors import FetchError, MailboxError, one_line
from veille.extraction_pool import ExtractionPool
from veille.identity import canonical_url, entry_article_id, entry_id, entry_key, page_entry_key
from veille.ledger import Ledger, _in_store_thread
from veille.models import Article, Entry, Extracted, FetchResult, Sighting
from veille.newsletter import Attachment, Letter, parse_letter, plain_html
from veille.records import Observer, SourceOutcome, Timings
from veille.store import SourceState, crash_point, pause_point

logger = logging.getLogger(__name__)

Document = FetchResult | Attachment | None  # what an entry's text comes from (None: its letter)
FetchPage = Callable[[str], Awaitable[FetchResult]]  # the guarded fetcher, retries included


@dataclass(frozen=True, slots=True)
class _Item:
    """One entry of a letter, and what its article is built from."""

    ref: int | str  # the letter's UID (or Maildir key)
    entry: Entry
    letter: Letter
    document: Document = None
    label: str = ""  # the link's text, a title when the page has none


async def ingest_mailbox(
    source: Source,
    state: SourceState,
    config: Config,
    fetch_page: FetchPage,
    pool: ExtractionPool,
    store: Ledger,
    observer: Observer,
    outcome: SourceOutcome,
    timings: Timings,
) -> None:
    """Poll, build, commit, mark: the mailbox source's steps (errors go to the caller)."""
    allow = config.fetch_limits().allow_private_networks
    if source.ca_file and not Path(source.ca_file).is_absolute():  # next to sources.yaml
        source = source.model_copy(
            update={"ca_file": str(Path(config.path).parent / source.ca_file)}
        )
    previous = mailbox.Cursor.parse(state.etag)
    pause_point("fetching")
    tick = time.perf_counter()
    polled = await asyncio.to_thread(mailbox.poll, source, previous, allow_private_networks=allow)
    timings.fetch_feeds += time.perf_counter() - tick
    letters = await asyncio.to_thread(_parse_all, polled, outcome)
    fetched_at = clock.now()
    crash_point("after_fetch")
    items = await _items(source, letters, fetch_page)
    outcome.entries = len(items)
    to_build, fresh, deferred = await _plan(source, config, store, items, timings)
    observer.pages_queued(source.id, 0)
    built = await _build_all(source, to_build, pool, fetched_at)
    outcome.pages_fetched = sum(isinstance(i.document, FetchResult) for i in to_build)
    articles = list(built.values())
    ids = {i.entry.key: entry_id(source.id, i.entry.key) for i in fresh}
    sightings = [_sighting(source, i, ids[i.entry.key], built, fetched_at) for i in fresh]
    blocked = min((i.ref for i in deferred), default=None)
    refs = [r for r, _ in polled.letters] + [r for r, _ in polled.too_big]
    done = [r for r in refs if blocked is None or r < blocked]  # type: ignore[operator]
    outcome.new_articles = await _in_store_thread(
        timings,
        store.commit_source,
        source.id,
        articles=articles,
        sightings=[s for s in sightings if s.entry_key not in {i.entry.key for i in deferred}],
        entries_seen=len(items),
        etag=polled.cursor(done, previous),
        last_modified=None,
    )
    crash_point("mailbox_before_mark")
    try:
        await asyncio.to_thread(mailbox.finish, source, polled, done, allow_private_networks=allow)
    except (MailboxError, FetchError) as exc:  # committed: the cursor keeps them from coming back
        outcome.warnings.append(one_line(str(exc), 300))


def _parse_all(polled: mailbox.Polled, outcome: SourceOutcome) -> list[tuple[int | str, Letter]]:
    """The letters of a poll, parsed; notices and letters too big named in the warnings."""
    letters: list[tuple[int | str, Letter]] = []
    notices = 0
    for ref, size in polled.too_big:
        where = f"UID {ref}" if isinstance(ref, int) else ref
        outcome.warnings.append(i18n.message("mailbox.too_big", ref=where, mb=f"{size / 1e6:.1f}"))
    for ref, raw in polled.letters:
        try:
            letter = parse_letter(raw)
        except Exception as exc:  # containment: one letter the parser chokes on costs that letter
            logger.warning("letter %s could not be read", ref, exc_info=True)
            outcome.warnings.append(i18n.message("mailbox.unreadable", ref=ref, detail=exc))
            continue
        if letter.notice:
            notices += 1
        else:
            letters.append((ref, letter))
    if notices:
        outcome.warnings.append(i18n.message("mailbox.notices", n=notices))
    if polled.more:
        outcome.warnings.append(i18n.message("mailbox.more"))
    return letters


async def _items(
    source: Source, letters: list[tuple[int | str, Letter]], fetch_page: FetchPage
) -> list[_Item]:
    """Every entry the letters bring: each letter (or its article links), its PDFs."""
    items: list[_Item] = []
    for ref, letter in letters:
        links = await _followed(source, letter, fetch_page) if source.follow_links else []
        items += [
            _Item(ref, _link_entry(page, letter), letter, page, label) for page, label in links
        ]
        if not links:
            items.append(_Item(ref, _letter_entry(letter), letter))
        for pdf in letter.pdfs:
            key = entry_key(f"mid:{letter.message_id}/{pdf.filename}", None, "", "")
            entry = Entry(key=key, url=None, author=letter.sender, published_at=letter.date)
            items.append(_Item(ref, entry, letter, pdf, pdf.filename))
    return items


def _letter_entry(letter: Letter) -> Entry:
    body = letter.html or plain_html(letter.text)
    return Entry(
        key=entry_key(f"mid:{letter.message_id}", None, "", ""),
        url=None,
        title=letter.subject or "(sans objet)",
        content_html=body,
        author=letter.sender,
        published_at=letter.date,
    )


def _link_entry(page: FetchResult, letter: Letter) -> Entry:
    url = canonical_url(page.final_url)
    return Entry(key=page_entry_key(url), url=url, author=None, published_at=letter.date)


async def _followed(
    source: Source, letter: Letter, fetch_page: FetchPage
) -> list[tuple[FetchResult, str]]:
    """The article pages a letter links to, fetched (tracking redirects followed); only those
    whose final address matches ``link_pattern`` (or, without one, that are not a site's home)."""

    async def one(href: str) -> FetchResult | None:
        try:
            return await fetch_page(href)
        except FetchError as exc:
            logger.info("link %s of a letter of %s: %s", href, source.id, exc)
            return None

    pages = await asyncio.gather(*(one(href) for href, _ in letter.links))
    kept: dict[str, tuple[FetchResult, str]] = {}
    for page, (_, label) in zip(pages, letter.links, strict=True):
        if page is None or not _is_article(source, page.final_url):
            continue
        kept.setdefault(canonical_url(page.final_url), (page, label))
    return list(kept.values())


def _is_article(source: Source, url: str) -> bool:
    if source.link_pattern:
        return re.search(source.link_pattern, url) is not None
    return urlsplit(url).path.strip("/") != ""  # a site's home page is not an article


async def _plan(
    source: Source, config: Config, store: Ledger, items: list[_Item], timings: Timings
) -> tuple[list[_Item], list[_Item], list[_Item]]:
    """(to build now, new entries, left for the next run). Message-IDs do not churn as feed
    GUIDs do: an entry is known by its id, an article by its address (or letter)."""
    ids = {i.entry.key: entry_id(source.id, i.entry.key) for i in items}
    known = await _in_store_thread(timings, store.known_entries, source.id, list(ids.values()))
    fresh = list({i.entry.key: i for i in items if ids[i.entry.key] not in known}.values())
    article_ids = [_article_id(source, i) for i in fresh]
    stored = await _in_store_thread(timings, store.known_articles, article_ids)
    new = {a: i for a, i in zip(article_ids, fresh, strict=True) if a not in stored}
    to_build = list(new.values())
    cap = config.settings.max_new_per_source
    return to_build[:cap], fresh, to_build[cap:]


def _article_id(source: Source, item: _Item) -> str:
    return entry_article_id(source.id, item.entry.key, item.entry.url)


async def _build_all(
    source: Source, items: list[_Item], pool: ExtractionPool, fetched_at: datetime
) -> dict[str, Article]:
    """The articles built, by entry key (a page's canonical link may have renamed one)."""
    if any(i.document is not None for i in items):
        pool.start()
    built = await asyncio.gather(*(_build(source, i, pool, fetched_at) for i in items))
    return {i.entry.key: a for i, a in zip(items, built, strict=True) if a is not None}


async def _build(
    source: Source, item: _Item, pool: ExtractionPool, fetched_at: datetime
) -> Article | None:
    """An entry's article: the letter's own text, or its page's or PDF's, extracted."""
    extracted: Extracted | None = None
    error: str | None = None
    document = item.document
    if isinstance(document, FetchResult):
        result = await pool.extract(document.final_url, document.body, document.content_type)
    elif isinstance(document, Attachment):
        name = f"urn:veille:{source.id}:{document.filename}"
        result = await pool.extract(name, document.data, "application/pdf")
    else:
        result = None
    if isinstance(result, str):
        error = result
    else:
        extracted = result
    article_id = _article_id(source, item)
    article = article_of(source, item.entry, article_id, extracted, error, fetched_at)
    if article is None:
        return None
    if document is None:  # the letter itself: its sender is the site it comes from
        return dataclasses.replace(article, extraction="mail", sitename=item.letter.sender)
    if article.title in (item.entry.url, "(sans titre)") and item.label:
        return dataclasses.replace(article, title=item.label)
    return article


def _sighting(
    source: Source, item: _Item, entry_id_: str, built: dict[str, Article], seen_at: datetime
) -> Sighting:
    entry = item.entry
    article = built.get(entry.key)
    return Sighting(
        entry_id=entry_id_,
        source_id=source.id,
        article_id=article.id if article else _article_id(source, item),
        entry_key=entry.key,
        url=entry.url,
        guid=None,
        title=entry.title or item.label,
        published_at=entry.published_at,
        seen_at=seen_at,
    )
