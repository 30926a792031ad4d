"""An article a contributor suggests: its address fetched through the guarded fetcher, its page
(or PDF) extracted in the extraction workers, and the article put among the week's candidates,
marked with who suggested it and why.

Usage::

    suggest(config, store, "2026-W47", "https://example.org/decret", by="paul", comment="CPF")
"""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlsplit

from veille import clock
from veille import digest as digests
from veille.articles import article_of
from veille.config import Config, Source
from veille.errors import ExtractionError
from veille.extraction_pool import ExtractionPool
from veille.fetch import Fetcher
from veille.identity import article_id_for_url, canonical_url
from veille.models import Article, Entry, Extracted
from veille.source_run import PAGE_ACCEPT
from veille.store import Store

SUGGESTED = "suggestion"  # the source id of articles that came from a suggestion


async def fetch_suggested(url: str, config: Config) -> Article:
    """The article at ``url``, fetched and extracted like a feed's page (the same limits,
    private-address guard and extraction workers); a FetchError or an ExtractionError."""
    async with Fetcher(config.fetch_limits()) as fetcher:
        page = await fetcher.fetch(url, accept=PAGE_ACCEPT)
    pool = ExtractionPool(workers=1)
    try:
        result = await pool.extract(page.final_url, page.body, page.content_type)
    finally:
        await asyncio.to_thread(pool.close)
    if isinstance(result, str):
        raise ExtractionError(result)
    return article_from(page.final_url, result)


def article_from(url: str, extracted: Extracted) -> Article:
    """The stored article of a suggested page: built as a page source's entry is
    (:func:`veille.articles.article_of`: its own canonical link may rename it), under the
    ``suggestion`` source, named by its site and, without a title, by its host."""
    page = Source(id=SUGGESTED, url=url, kind="page")
    entry = Entry(key=url, url=url)
    article = article_of(
        page, entry, article_id_for_url(canonical_url(url)), extracted, None, clock.now()
    )
    assert article is not None  # a page with its extracted text always makes an article
    host = urlsplit(article.url)
    return dataclasses.replace(
        article,
        title=extracted.title or host.netloc or article.url,
        # The letter names a suggested article's site (it has no source of its own).
        sitename=extracted.sitename or host.hostname,
    )


def suggest(
    config: Config, store: Store, week: str, url: str, *, by: str, comment: str | None
) -> tuple[Article, bool]:
    """Fetch ``url`` and put its article among ``week``'s candidates (the week is drafted
    first when it has no draft yet), marked as suggested by ``by`` with ``comment``.
    Returns the article and whether it is new among the week's suggestions."""
    article = asyncio.run(fetch_suggested(url, config))
    if store.digest(week) is None:
        digests.draft(config, store, week)
    known = [t for t in store.article_tags(article.id) if t in config.tag_ids()]
    section = known[0] if known else digests.OTHER_SECTION
    added = store.add_suggestion(week, article, section, url, by, comment)
    return article, added
