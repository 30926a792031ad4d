"""The weekly digest: a week's draft and the curators' edits to it.

A week's draft is stored (``digests`` and ``digest_items`` tables), so the curators' edits
persist; drafting again refreshes what nobody touched and keeps the rest.

- :func:`draft`: the week's candidates (relevant stories only, one per story, with every other
  source that carried it), ranked and grouped in sections by tag, each with an extractive
  summary; :func:`load`: the stored draft as a :class:`Draft`;
- curation: :func:`include`, :func:`exclude`, :func:`move`, :func:`set_summary`,
  :func:`set_note`, :func:`set_top`, :func:`set_editorial`, :func:`set_tags` (the web app calls
  these too).

Publishing the letter is :mod:`veille.publishing`, e-mailing it :mod:`veille.sending`.

Usage::

    view = draft(config, store, "2026-W46")
    exclude(store, "2026-W46", ["3f2a…"])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from veille import clock, health, i18n
from veille.config import Config
from veille.drafts import Candidate, DraftChanges, DraftChoice, DraftRow, WeekFigures
from veille.errors import DigestError
from veille.sourcelist import effective
from veille.store import Store
from veille.summarize import summarize
from veille.weeks import letter_week, parse_week, week_bounds

__all__ = [
    "OTHER_SECTION",
    "Candidate",
    "Draft",
    "DraftItem",
    "OutReason",
    "draft",
    "exclude",
    "include",
    "load",
    "move",
    "rank_score",
    "select",
    "set_editorial",
    "set_note",
    "set_summary",
    "set_tags",
    "set_top",
    "week_of",
    "why_out",
]

OTHER_SECTION = "autres"  # a relevant story the classifier gave no tag


@dataclass(frozen=True, slots=True)
class DraftItem:
    """One candidate of a week's draft, as the curators see it."""

    article_id: str
    title: str
    url: str
    source: str
    source_name: str
    also: tuple[str, ...]  # names of the other sources that carried the story
    published_at: datetime | None
    included: bool
    section: str
    position: int
    rank_score: float
    summary: str  # the curator's summary when edited, else the extractive one
    note: str | None
    edited: bool
    tags: tuple[str, ...]
    score: float | None
    word_count: int
    decided: bool = False  # a curator's decision labels the article: its score is no estimate
    out: OutReason | None = None  # why it is not in the letter (None when it is)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["also"] = list(self.also)
        data["tags"] = list(self.tags)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["out"] = self.out.as_dict() if self.out else None
        return data


@dataclass(frozen=True, slots=True)
class OutReason:
    """Why a candidate is not in the letter, as things stand: a curator left it out (``when``),
    its source, its section or the letter is full (``count`` kept, ``limit``), or it ranked
    below the kept ones and room was made since (``room``)."""

    kind: str  # curator | source_cap | section_cap | letter_full | room
    count: int = 0
    limit: int = 0
    when: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["when"] = self.when.isoformat() if self.when else None
        return data


@dataclass(frozen=True, slots=True)
class Draft:
    """A week's stored draft with the figures of the week."""

    week: str
    title: str
    editorial: str | None
    top_article: str | None  # the curator's pick; None: the best-ranked included item
    items: tuple[DraftItem, ...]
    figures: WeekFigures
    failing_sources: tuple[tuple[str, str], ...]  # curators only
    published_at: datetime | None
    changes: DraftChanges | None = None  # of the last re-draft
    approved_by: str | None = None  # a curator approved it for automatic publication

    @property
    def included(self) -> list[DraftItem]:
        return [i for i in self.items if i.included]

    @property
    def top(self) -> DraftItem | None:
        included = self.included
        for item in included:
            if item.article_id == self.top_article:
                return item
        return max(included, key=lambda i: i.rank_score, default=None)

    def to_json(self) -> dict[str, Any]:
        top = self.top
        return {
            "week": self.week,
            "title": self.title,
            "editorial": self.editorial,
            "top_article": top.article_id if top else None,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "approved_by": self.approved_by,
            "figures": self.figures.as_dict(),
            "failing_sources": [{"source": n, "error": e} for n, e in self.failing_sources],
            "changes": self.changes.as_dict() if self.changes else {},
            "items": [i.to_json() for i in self.items],
        }


# --- ranking (pure) --------------------------------------------------------------------------


def rank_score(
    score: float | None,
    published: datetime | None,
    since: datetime,
    until: datetime,
    n_sources: int,
) -> float:
    """How high a story ranks: relevance first, then recency in the week, then how many
    sources carried it (a story several sources report is usually one that matters)."""
    relevance = min(max(score if score is not None else 0.5, 0.0), 1.0)
    recency = 0.5
    if published is not None:
        span = (until - since).total_seconds()
        recency = min(max((published - since).total_seconds() / span, 0.0), 1.0)
    echo = min(max(n_sources - 1, 0), 3) / 3
    return round(0.65 * relevance + 0.2 * recency + 0.15 * echo, 4)


def select(
    candidates: Sequence[Candidate],
    *,
    max_items: int,
    max_per_section: int,
    max_per_source: int,
) -> list[DraftChoice]:
    """Decide which candidates the draft includes and their order in each section.

    Best first, an item is included while the digest, its section and its source each have
    room (the cap per source keeps one prolific site from filling the letter; it does not
    apply to official sources, whose every item may be a rule that changed), after a first
    pass that gives each section its best story. Returns one choice per candidate, with
    ``included`` and ``position`` set: included first, then the others, each by rank.
    """
    ordered = sorted(candidates, key=lambda c: (-c.rank_score, c.article_id))
    per_section: Counter[str] = Counter()
    per_source: Counter[str] = Counter()
    chosen: set[str] = set()

    def take(c: Candidate) -> None:
        chosen.add(c.article_id)
        per_section[c.section] += 1
        per_source[c.source] += 1

    def source_room(c: Candidate) -> bool:
        return c.official or per_source[c.source] < max_per_source

    # First the best story of each section, so every theme with news is in the letter; then
    # the rest by rank.
    for c in ordered:
        if len(chosen) < max_items and not per_section[c.section] and source_room(c):
            take(c)
    for c in ordered:
        if (
            c.article_id not in chosen
            and len(chosen) < max_items
            and per_section[c.section] < max_per_section
            and source_room(c)
        ):
            take(c)
    positions: Counter[str] = Counter()
    result = []
    for c in sorted(
        ordered, key=lambda c: (c.article_id not in chosen, -c.rank_score, c.article_id)
    ):
        included = c.article_id in chosen
        result.append(
            DraftChoice(
                c.article_id, included, c.section, positions[c.section], c.rank_score, c.summary
            )
        )
        positions[c.section] += 1
    return result


# --- draft -----------------------------------------------------------------------------------


def draft(config: Config, store: Store, week: str) -> Draft:
    """Draft (or re-draft) ``week``: candidates, ranking, sections, summaries; edits kept."""
    parse_week(week)
    settings = config.settings.digest
    since, until = week_bounds(week, config.settings.timezone)
    rows = [r for r in store.articles(since=since, until=until) if r.relevant is True]
    sources = store.story_sources([r.id for r in rows])
    official = _official_sources(config, store)
    known_tags = set(config.tag_ids())
    candidates = []
    for row in rows:
        tags = [t for t in row.tags if t in known_tags]
        candidates.append(
            Candidate(
                article_id=row.id,
                source=row.source_id,
                section=tags[0] if tags else OTHER_SECTION,
                rank_score=rank_score(
                    row.score, row.date, since, until, len(sources.get(row.id, [])) or 1
                ),
                summary=summarize(row.title, row.text, lang=settings.lang)
                or summarize(row.title, row.summary, lang=settings.lang),
                official=row.source_id in official,
            )
        )
    chosen = select(
        candidates,
        max_items=settings.max_items,
        max_per_section=settings.max_per_section,
        max_per_source=settings.max_per_source,
    )
    changes = store.save_draft(week, chosen)
    return load(config, store, week, changes=changes)


def _draft_item(
    i: DraftRow, out: OutReason | None, sources: dict[str, list[tuple[str, str]]]
) -> DraftItem:
    carried = sources.get(i.article_id, [])
    also = tuple(dict.fromkeys(name for sid, name in carried if sid != i.source_id))
    return DraftItem(
        article_id=i.article_id,
        title=i.title,
        url=i.url,
        source=i.source_id,
        source_name=i.source_name or i.source_id,
        also=also,
        published_at=i.published_at or i.fetched_at,
        included=i.included,
        section=i.section,
        position=i.position,
        rank_score=i.rank_score,
        summary=i.summary_edited if i.summary_edited is not None else i.summary,
        note=i.note,
        edited=i.edited,
        tags=i.tags,
        score=i.score,
        word_count=i.word_count,
        decided=i.decided,
        out=out,
    )


def load(config: Config, store: Store, week: str, *, changes: DraftChanges | None = None) -> Draft:
    """The stored draft of ``week``; DigestError when there is none."""
    parse_week(week)
    row = store.digest(week)
    if row is None:
        raise DigestError(i18n.message("digest.no_draft", week=week))
    items = store.digest_items(week)
    sources = store.story_sources([i.article_id for i in items])
    order = {tag: n for n, tag in enumerate([*config.tag_ids(), OTHER_SECTION])}
    watched = effective(config, store).sources  # not those removed from the configuration
    reasons = why_out(
        items,
        max_items=config.settings.digest.max_items,
        max_per_section=config.settings.digest.max_per_section,
        max_per_source=config.settings.digest.max_per_source,
        official={s.id for s in watched if s.official},
    )
    draft_items = [_draft_item(i, reasons.get(i.article_id), sources) for i in items]
    draft_items.sort(
        key=lambda d: (order.get(d.section, len(order)), d.section, not d.included, d.position)
    )
    since, until = week_bounds(week, config.settings.timezone)
    failing = tuple(
        (h.name or h.id, "; ".join(h.problems))
        for h in health.assess(store.source_figures(), clock.now(), watched)
        if h.status == "failing" or (h.enabled and h.flags)
    )  # failing, silent or no longer matching: for the curators, never in the trainers' e-mail
    return Draft(
        week=week,
        title=row.title or config.settings.digest.title,
        editorial=row.editorial,
        top_article=row.top_article,
        items=tuple(draft_items),
        figures=store.week_figures(since, until),
        failing_sources=failing,
        published_at=row.published_at,
        changes=changes,
        approved_by=row.approved_by if row.approved_at else None,
    )


def _official_sources(config: Config, store: Store) -> set[str]:
    return {s.id for s in effective(config, store).sources if s.official}


def why_out(
    items: Sequence[DraftRow],
    *,
    max_items: int,
    max_per_section: int,
    max_per_source: int,
    official: set[str],
) -> dict[str, OutReason]:
    """Why each item left out of a stored draft is out, as the draft stands now (the rules of
    :func:`select` read against what is kept; a curator's own choice first)."""
    kept = [i for i in items if i.included]
    per_source = Counter(i.source_id for i in kept)
    per_section = Counter(i.section for i in kept)
    reasons = {}
    for i in items:
        if i.included:
            continue
        if i.edited:
            reason = OutReason("curator", when=i.edited_at)
        elif i.source_id not in official and per_source[i.source_id] >= max_per_source:
            reason = OutReason("source_cap", per_source[i.source_id], max_per_source)
        elif per_section[i.section] >= max_per_section:
            reason = OutReason("section_cap", per_section[i.section], max_per_section)
        elif len(kept) >= max_items:
            reason = OutReason("letter_full", len(kept), max_items)
        else:
            reason = OutReason("room")
        reasons[i.article_id] = reason
    return reasons


def week_of(moment: datetime, tz: str) -> str:
    """The ISO week before the one containing ``moment``: the week a Monday letter covers."""
    return letter_week(moment, tz)


# --- curation --------------------------------------------------------------------------------


def _require(store: Store, week: str, article_ids: Sequence[str], found: int) -> None:
    if found < len(set(article_ids)):
        missing = len(set(article_ids)) - found
        raise DigestError(i18n.message("digest.not_in_draft", count=missing, week=week))


def include(store: Store, week: str, article_ids: Sequence[str]) -> None:
    """Put candidates in the digest (a curator's "keep")."""
    _require(store, week, article_ids, store.edit_items(week, article_ids, included=True))


def exclude(
    store: Store, week: str, article_ids: Sequence[str], *, off_topic: bool = False
) -> None:
    """Take items out of the digest. ``off_topic``: also tell the classifier they are not
    relevant (without it, leaving an item out for lack of room teaches the model nothing)."""
    _require(store, week, article_ids, store.edit_items(week, article_ids, included=False))
    if off_topic:
        store.record_decision(article_ids, "reject", relevant=False, tags=None)


def move(
    config: Config,
    store: Store,
    week: str,
    article_id: str,
    *,
    section: str | None = None,
    position: int | None = None,
) -> None:
    """Move an item to another section and/or position (0 = first); the others make room."""
    current = {i.article_id: i for i in load(config, store, week).items}
    if article_id not in current:
        _require(store, week, [article_id], 0)
    target = section or current[article_id].section
    if target not in {*config.tag_ids(), OTHER_SECTION}:
        sections = ", ".join([*config.tag_ids(), OTHER_SECTION])
        raise DigestError(i18n.message("digest.unknown_section", target=target, sections=sections))
    siblings = [
        i.article_id
        for i in sorted(current.values(), key=lambda i: i.position)
        if i.section == target and i.article_id != article_id
    ]
    where = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(where, article_id)
    with store.held():
        for n, aid in enumerate(siblings):
            if aid == article_id:
                store.edit_items(week, [aid], section=target, position=n)
            elif current[aid].position != n:
                store.edit_items(week, [aid], position=n)


def set_summary(store: Store, week: str, article_id: str, summary: str | None) -> None:
    """Replace an item's summary (None: back to the extractive one)."""
    text = summary.strip() if summary is not None else None
    _require(store, week, [article_id], store.edit_items(week, [article_id], summary_edited=text))


def set_note(store: Store, week: str, article_id: str, note: str | None) -> None:
    """The curator's note on an item: what this changes for us (None or "": no note)."""
    text = (note or "").strip() or None
    _require(store, week, [article_id], store.edit_items(week, [article_id], note=text))


def set_top(store: Store, week: str, article_id: str | None) -> None:
    """Pick the top story (None: the best-ranked included item); it is included too."""
    if article_id is not None:
        include(store, week, [article_id])
    store.edit_digest(week, top_article=article_id)


def set_editorial(store: Store, week: str, text: str | None) -> None:
    """The editorial paragraph(s) at the top of the letter (None or "": none)."""
    store.edit_digest(week, editorial=(text or "").strip() or None)


def set_tags(config: Config, store: Store, week: str, article_id: str, tags: Sequence[str]) -> None:
    """Change an item's tags: the article keeps them (a label for the classifier) and the
    item moves to its first tag's section unless a curator placed it already."""
    config.check_tags(list(tags))
    items = {i.article_id: i for i in load(config, store, week).items}
    if article_id not in items:
        _require(store, week, [article_id], 0)
    store.record_decision([article_id], "tags", relevant=True, tags=list(tags))
    if items[article_id].section != tags[0]:
        move(config, store, week, article_id, section=tags[0])
