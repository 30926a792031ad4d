"""An entry of a source -> the article stored for it: from its extracted page, or else from
what the feed said (its HTML content as text, or its summary).

Pure (no I/O): the canonical link a page declares may rename the article (within the rules of
:func:`veille.identity.accepted_canonical`), a date in the future is brought back to the fetch
time, and the page's error is kept on the article only when its page was wanted.
"""

from __future__ import annotations

from datetime import datetime

from veille import extract
from veille.config import Source
from veille.errors import one_line
from veille.identity import (
    accepted_canonical,
    article_id_for_url,
    canonical_url,
    content_hash,
    linkless_url,
)
from veille.models import MAX_TEXT_CHARS, Article, Entry, Extracted, clip


def wants_pages(source: Source) -> bool:
    """Whether the source's entries lead to pages veille fetches and extracts."""
    return source.kind == "page" or source.fetch_pages


def article_of(
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
        extraction=extracted.extraction if extracted else ("feed" if text else "none"),
        extraction_error=(
            one_line(error) if error and not extracted and wants_pages(source) else None
        ),
        word_count=len(text.split()),
        content_hash=content_hash(text) if text else None,
    )


def bare_article(
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
