"""A week's digest as the store keeps it: the digest and its items, the choices a draft makes,
what a re-draft changed, the week's figures and the published letters.

Small frozen records, like :mod:`veille.models` (dates aware, in UTC); :mod:`veille.digest`
turns them into the draft the curators see, :mod:`veille.publishing` into the letter the
renderers take.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A week's digest as :meth:`veille.store.Store.digest` gives it."""

    week: str  # ISO week, 2026-W46
    title: str | None  # None: the configured title
    editorial: str | None
    top_article: str | None  # None: the best-ranked included item
    drafted_at: datetime
    updated_at: datetime
    published_at: datetime | None
    approved_at: datetime | None  # a curator approved it for automatic publication
    approved_by: str | None
    snapshot: str | None  # the letter as published, as JSON (veille.publishing reads it)


@dataclass(frozen=True, slots=True)
class DraftRow:
    """One item of a stored draft with its article (:meth:`veille.store.Store.digest_items`)."""

    article_id: str  # the story's representative
    included: bool
    section: str  # tag id
    position: int  # order in its section
    rank_score: float
    summary: str  # the extractive summary
    summary_edited: str | None  # the curator's, when edited
    note: str | None  # the curator's note: what this changes for us
    edited: bool  # touched by a curator: a re-draft keeps it
    title: str
    url: str
    source_id: str
    source_name: str | None
    published_at: datetime | None
    fetched_at: datetime
    word_count: int
    tags: tuple[str, ...]
    score: float | None
    edited_at: datetime | None = None  # a curator's last edit of the item
    decided: bool = False  # a curator's decision labels the article (its score is no estimate)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A story a draft may include, ranked (:func:`veille.digest.select` decides)."""

    article_id: str
    source: str  # its source id: a cap per source keeps one site from filling the letter
    section: str
    rank_score: float
    summary: str = ""
    official: bool = False  # an official source: the cap per source does not apply to it


@dataclass(frozen=True, slots=True)
class DraftChoice:
    """What a draft decided for a candidate (:meth:`veille.store.Store.save_draft` keeps it)."""

    article_id: str
    included: bool
    section: str
    position: int  # order in its section: included first, then the others, each by rank
    rank_score: float
    summary: str


@dataclass(frozen=True, slots=True)
class DraftChanges:
    """What a re-draft did: items a curator edited, kept as they are; new candidates; unedited
    items that are no longer candidates."""

    kept: int
    added: int
    dropped: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """What the watch gathered in a week (:meth:`veille.store.Store.week_figures`)."""

    gathered: int  # items seen: one per source that listed an article
    duplicates: int  # items beyond the first of each story
    off_topic: int  # stories set aside as off-topic
    words: int  # of the distinct articles

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PublishedDigest:
    """A published week and its letter as published, as JSON
    (:meth:`veille.store.Store.published_digests`; :func:`veille.publishing.published_letters`
    reads them)."""

    week: str
    snapshot: str
