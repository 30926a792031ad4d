"""The records that travel between stages: small frozen dataclasses, nothing library-specific.

feedparser, trafilatura and httpx objects never cross a module boundary: each stage turns them
into one of these right away (miniflux's "normalise at the edge").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypedDict

# The longest text kept per field, in characters. A feed is a stranger's data: a 120,000-character
# title or a 12 MB one must not reach the store, the classifier, the letter or an e-mail header.
# Measured on the 4,109 items of the shared corpus's 207 feeds: titles are at most 282
# characters (p99 112), authors 242, GUIDs 269, tags 249 with at most 78 tags an item, and the
# longest feed content 542,196 characters of HTML. The short fields get several times the
# longest real value; summaries and texts a bound no article reaches (150,000 words or so).
MAX_TITLE_CHARS = 1_000
MAX_NAME_CHARS = 300  # author, site name, one tag, a feed's title
MAX_TAGS = 100
MAX_GUID_CHARS = 1_000  # a longer GUID is replaced by its hash (see feeds.entry_key)
MAX_URL_CHARS = 4_096  # a longer link is no link (no browser or server takes it anyway)
MAX_LANG_CHARS = 35  # BCP 47's longest tags are shorter
MAX_TEXT_CHARS = 1_000_000  # summary, article text, a feed item's content
MAX_ENTRIES_PER_FEED = 1_000  # items read from one feed document, in document order

_SURROGATES = re.compile("[\ud800-\udfff]")


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (an ellipsis marks a cut), with lone surrogates
    (a JSON feed can send ``"\\ud800"``) replaced: UTF-8 cannot encode them, and DuckDB would
    refuse the whole source's batch."""
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_optional(text: str | None, limit: int) -> str | None:
    return None if text is None else clip(text, limit)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP answer, already bounded in size and time. ``status`` is 200-299 or 304."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed (or one link found on a listing page), normalised.

    ``key`` is the entry's identity inside its source, decided once in ``feeds.entry_key``.
    Dates are timezone-aware (UTC) or ``None``; text fields are plain text, ``content_html`` is
    the feed's own HTML (untrusted: sanitise before showing it anywhere).
    """

    key: str
    url: str | None
    title: str = ""
    guid: str | None = None
    summary: str = ""  # plain text
    content_html: str = ""  # full content from the feed, when the feed carries it
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document turned into entries."""

    format: str  # "rss20", "atom10", "rss10", "json", ...
    title: str | None
    link: str | None
    lang: str | None
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction found in an article page."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    lang: str | None = None
    sitename: str | None = None
    canonical_url: str | None = None  # from <link rel="canonical"> when the page gives one
    description: str | None = None
    extraction: str = "page"  # "pdf" when the link answered with a PDF document


@dataclass(frozen=True, slots=True)
class Article:
    """An article as stored: one per story URL, whatever the number of feeds that listed it."""

    id: str
    url: str  # canonical URL (or the entry key for link-less entries)
    source_id: str  # the source it was first seen in
    title: str
    text: str
    fetched_at: datetime
    published_at: datetime | None = None
    author: str | None = None
    lang: str | None = None
    sitename: str | None = None
    summary: str = ""
    extraction: str = (
        "page"  # "page": extracted from the article page ("pdf": a PDF); "feed": feed content
    )
    extraction_error: str | None = None
    word_count: int = 0
    content_hash: str | None = None
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Sighting:
    """One entry of one source pointing at one article (an article may have several)."""

    entry_id: str
    source_id: str
    article_id: str
    entry_key: str
    url: str | None
    guid: str | None
    title: str
    published_at: datetime | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class SourceFigures:
    """What the database knows of a source's fetching, as :func:`veille.health.assess` reads
    it (dates aware, in UTC)."""

    id: str
    url: str
    kind: str
    name: str | None
    enabled: bool
    error_count: int  # consecutive errors (0 once a fetch succeeds)
    total_errors: int
    last_error: str | None
    last_error_kind: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    last_fetch_at: datetime | None
    last_new_at: datetime | None
    next_check_at: datetime | None  # backing off until then (failing sources)
    last_entries: int | None
    entries: int
    articles: int
    new_items_90d: int  # entries first seen in the last 90 days
    had_entries_before: bool  # the most entries one fetch ever gave was more than 0
    recent_words: float | None  # average words of the page texts of the last 14 days
    usual_words: float | None  # ... of the 14 to 180 days before


@dataclass(frozen=True, slots=True)
class UserAccount:
    """A web app account as :meth:`veille.store.Store.users` lists it (dates aware, in UTC);
    the password hash stays in the store."""

    name: str
    created_at: datetime
    last_login_at: datetime | None
    role: str = "admin"  # veille.roles.Role


@dataclass(frozen=True, slots=True)
class Selection:
    """An item kept in a published letter, as the Qualiopi evidence lists it
    (:meth:`veille.store.Store.selections`; dates aware, in UTC)."""

    week: str
    published_at: datetime  # when its letter was published
    section: str
    note: str | None  # the curator's note: what was done about it
    article_id: str
    url: str
    title: str
    source_id: str
    source_name: str | None
    article_at: datetime | None  # the article's own publication date
    tags: tuple[str, ...]
    kept_by: str | None = None  # who kept it in the web app, else who published the letter
    suggested_by: str | None = None  # the contributor who suggested it


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One pass as :meth:`veille.store.Store.runs` lists it (dates aware, in UTC)."""

    id: str
    status: str  # running | completed | failed | crashed
    pid: int | None
    started_at: datetime
    finished_at: datetime | None
    stats: dict[str, Any] | None  # the run's summary (RunSummary.as_dict), once finished

    def as_dict(self) -> dict[str, Any]:
        """For JSON: dates as ISO 8601 strings."""
        return {
            "id": self.id,
            "status": self.status,
            "pid": self.pid,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "stats": self.stats,
        }


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A letter's subscriber as :meth:`veille.store.Store.subscribers` lists them (dates
    aware, in UTC)."""

    email: str
    name: str | None
    tags: tuple[str, ...]  # empty: every section
    lang: str | None
    added_at: datetime
    unsubscribed_at: datetime | None

    @property
    def active(self) -> bool:
        return self.unsubscribed_at is None

    def as_dict(self) -> dict[str, Any]:
        """For JSON: dates as ISO 8601 strings."""
        return {
            "email": self.email,
            "name": self.name,
            "tags": list(self.tags),
            "lang": self.lang,
            "added_at": self.added_at.isoformat(),
            "unsubscribed_at": self.unsubscribed_at.isoformat() if self.unsubscribed_at else None,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class NewManagedSource:
    """A source to add outside sources.yaml, from the web app, ``veille sources add`` or an
    OPML import (:meth:`veille.store.Store.add_managed_sources`)."""

    id: str
    url: str
    kind: str  # feed | page | json
    name: str | None
    origin: str  # web | cli | opml
    # The source's other keys, as in sources.yaml: tags, link_pattern, mapping...
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The name is what a feed or a page said its title was (discovery, OPML): a stranger's
        # text, bounded like every name before it is stored and shown on the Sources page.
        object.__setattr__(self, "name", clip_optional(self.name, MAX_NAME_CHARS))

    @property
    def tags(self) -> tuple[str, ...]:
        given = self.options.get("tags")
        return tuple(str(t) for t in given) if isinstance(given, list | tuple) else ()


@dataclass(frozen=True, slots=True)
class ManagedSource:
    """A source added or switched outside sources.yaml, as
    :meth:`veille.store.Store.managed_sources` lists it (dates aware, in UTC)."""

    id: str
    url: str | None  # None: a sources.yaml source switched on or off
    kind: str | None
    name: str | None
    enabled: bool
    origin: str  # web | cli | opml | toggle
    added_at: datetime
    options: Mapping[str, object]  # as NewManagedSource.options (maybe empty)


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    """A subscriber to add or update (:func:`veille.subscribers.check_subscriber` makes them
    clean; :meth:`veille.store.Store.add_subscribers` stores them)."""

    email: str
    name: str | None = None
    tags: tuple[str, ...] = ()  # empty: every section
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    """What :meth:`veille.store.Store.add_subscribers` did."""

    added: int
    updated: int  # already there (subscribed again if they had left)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as :meth:`veille.store.Store.articles` lists it: its story, relevance and tags
    (dates aware, in UTC)."""

    id: str
    url: str
    title: str
    source_id: str  # the source it was first seen in
    source_name: str | None
    published_at: datetime | None
    fetched_at: datetime
    lang: str | None
    author: str | None
    sitename: str | None
    summary: str
    text: str
    word_count: int
    extraction: str
    extraction_error: str | None
    tags: tuple[str, ...]
    relevant: bool | None  # None: not classified yet
    score: float | None
    why: dict[str, list[str]]  # per tag (and "relevance"): the words that weighed most
    cluster_id: str | None  # articles with the same one are one story
    representative: bool  # the story's original (an official source first, then the earliest)
    rejected: bool
    also_in: tuple[tuple[str, str | None], ...]  # (source id, URL) of the story's other entries

    @property
    def date(self) -> datetime:
        """The publication date, or the fetch date when the source gave none."""
        return self.published_at or self.fetched_at

    def as_dict(self) -> dict[str, Any]:
        """For JSON (``veille articles --json``): dates as ISO 8601 strings."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "source": self.source_id,
            "source_name": self.source_name,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "fetched_at": self.fetched_at.isoformat(),
            "lang": self.lang,
            "author": self.author,
            "sitename": self.sitename,
            "summary": self.summary,
            "text": self.text,
            "word_count": self.word_count,
            "extraction": self.extraction,
            "extraction_error": self.extraction_error,
            "tags": list(self.tags),
            "relevant": self.relevant,
            "score": self.score,
            "why": self.why,
            "cluster": self.cluster_id,
            "representative": self.representative,
            "rejected": self.rejected,
            "also_in": [{"source": source, "url": url} for source, url in self.also_in],
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """A curator's active decision on an article, with the text the model reads
    (:meth:`veille.store.Store.decisions`; dates aware, in UTC)."""

    id: int  # grows with each decision: "newer than the model" compares it
    article_id: str
    kind: str  # reject | keep | tags
    relevant: bool  # the label it gives
    tags: tuple[str, ...]  # the curator's, else the article's
    decided_at: datetime
    source_id: str
    title: str
    summary: str
    text: str  # its first 4,000 characters


@dataclass(frozen=True, slots=True)
class FoundArticle:
    """An article matching a full-text query (:meth:`veille.store.Store.search`; dates aware,
    in UTC)."""

    id: str
    url: str
    title: str
    source_id: str
    source_name: str | None
    tags: tuple[str, ...]
    relevant: bool | None
    date: datetime  # its publication date, or its fetch date when the source gave none
    excerpt: str  # the first 300 characters of its text
    text: str
    bm25: float  # the match's score: higher is better


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One article as ``veille export articles`` writes it (:meth:`veille.store.Store.
    export_articles`): its fields are the export's columns, in order (dates aware, in UTC)."""

    id: str
    title: str
    url: str
    source: str  # the id of the source it was first seen in
    source_name: str | None
    sources: tuple[str, ...]  # every source that listed it
    published_at: datetime | None
    fetched_at: datetime
    lang: str | None
    author: str | None
    tags: tuple[str, ...]
    relevant: bool | None
    score: float | None
    story: str  # equal for articles merged as one story
    rejected: bool
    extraction: str
    word_count: int
    summary: str


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """How many rows the main tables hold (:meth:`veille.store.Store.counts`)."""

    sources: int
    articles: int
    entries: int


class TrainingData(TypedDict):
    """What a model learnt from: its JSON record's ``training_data``."""

    seed_sha256: str
    seed_examples: int
    decisions: int
    last_decision: int | None  # the newest curator decision it saw (by decision id)


class ModelRecord(TypedDict, total=False):
    """A model file's JSON record (``models/model-<time>.json``, ``veille/seed/model.json``).

    A TypedDict, not a dataclass: it is the file's JSON as written, keys and all, and the files
    of earlier versions read the same way."""

    name: str
    created_at: str  # ISO 8601
    taxonomy: str  # the taxonomy's fingerprint
    training_examples: int
    held_out_examples: int
    held_out: dict[str, object]  # evaluation.Report.as_dict(): the held-out figures
    training_data: TrainingData
    sklearn: str  # the scikit-learn version that wrote it
    origin: str  # "shipped" for the model that comes with veille


@dataclass(frozen=True, slots=True)
class SchedulerState:
    """What ``veille serve`` wrote of itself (dates aware, in UTC)."""

    pid: int
    started_at: datetime
    every_seconds: float  # between two ingest runs
    api_url: str | None
    stopped_at: datetime | None = None
    stop_reason: str | None = None  # SIGTERM, SIGINT, "prefect-server", "runner"...

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "stopped_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SchedulerState:
        return cls(
            pid=int(data["pid"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            every_seconds=float(data["every_seconds"]),
            api_url=data.get("api_url"),
            stopped_at=datetime.fromisoformat(data["stopped_at"])
            if data.get("stopped_at")
            else None,
            stop_reason=data.get("stop_reason"),
        )


@dataclass(frozen=True, slots=True)
class Alert:
    """A saved search sent between two letters (:mod:`veille.alerts`; dates aware, in UTC).

    ``emails`` and ``channels`` (names in settings.channels) are its recipients, each getting
    the matching articles fetched from the moment they were added (``since``)."""

    id: int
    name: str
    query: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    official: bool  # only the sources marked official
    created_by: str | None
    created_at: datetime
    active: bool
    emails: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    since: dict[str, datetime] = field(default_factory=dict)  # recipient -> added at

    @property
    def recipients(self) -> tuple[str, ...]:
        """E-mail addresses, then ``channel:NAME`` for each channel."""
        return (*self.emails, *(f"channel:{c}" for c in self.channels))
