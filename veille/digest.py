"""The weekly digest: draft, curate, publish, send.

A week's draft is stored (``digests`` and ``digest_items`` tables), so the curators' edits
persist; drafting again refreshes what nobody touched and keeps the rest.

- :func:`draft`: the week's candidates (relevant stories only, one per story, with every other
  source that carried it), ranked and grouped in sections by tag, each with an extractive
  summary;
- curation: :func:`include`, :func:`exclude`, :func:`move`, :func:`set_summary`,
  :func:`set_note`, :func:`set_top`, :func:`set_editorial`, :func:`set_tags` (the web app calls
  these too);
- :func:`publish`: Markdown, HTML e-mail and its text twin, the week's web page, the archive
  index and the Atom feed, each file written atomically;
- :func:`send`: the letter as published, one e-mail per active subscriber, at most once each
  (see :mod:`veille.mail`).

Usage::

    view = draft(config, store, "2026-W46")
    exclude(store, "2026-W46", ["3f2a…"])
    result = publish(config, store, "2026-W46", Path("digests"))
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from veille import clock, health, i18n
from veille.config import Config
from veille.drafts import Candidate, DraftChanges, DraftChoice, WeekFigures
from veille.errors import DigestError
from veille.files import atomic_write
from veille.render import (
    Digest,
    DigestItem,
    DigestSection,
    DigestStats,
    render_archive_index,
    render_atom,
    render_email_html,
    render_email_text,
    render_markdown,
    render_web_html,
    week_url,
)
from veille.store import Store, crash_point
from veille.summarize import summarize
from veille.weeks import letter_week, parse_week, week_bounds

if TYPE_CHECKING:
    from veille.mail import SendReport, SmtpSettings

T = TypeVar("T")

__all__ = [
    "OTHER_SECTION",
    "Candidate",
    "Draft",
    "DraftItem",
    "PublishResult",
    "build_digest",
    "draft",
    "exclude",
    "include",
    "letter_for",
    "load",
    "move",
    "publish",
    "published_letter",
    "published_letters",
    "rank_score",
    "select",
    "send",
    "set_editorial",
    "set_note",
    "set_summary",
    "set_tags",
    "set_top",
]

OTHER_SECTION = "autres"  # a relevant story the classifier gave no tag
UNSUBSCRIBE_LIST = "veille"  # unsubscribe tokens name the list, not the week: links never expire


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["also"] = list(self.also)
        data["tags"] = list(self.tags)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
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
    room (the cap per source keeps one prolific site from filling the letter), after a first
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

    # First the best story of each section, so every theme with news is in the letter; then
    # the rest by rank.
    for c in ordered:
        if (
            len(chosen) < max_items
            and not per_section[c.section]
            and per_source[c.source] < max_per_source
        ):
            take(c)
    for c in ordered:
        if (
            c.article_id not in chosen
            and len(chosen) < max_items
            and per_section[c.section] < max_per_section
            and per_source[c.source] < max_per_source
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


def load(config: Config, store: Store, week: str, *, changes: DraftChanges | None = None) -> Draft:
    """The stored draft of ``week``; DigestError when there is none."""
    parse_week(week)
    row = store.digest(week)
    if row is None:
        raise DigestError(i18n.message("digest.no_draft", week=week))
    items = store.digest_items(week)
    sources = store.story_sources([i.article_id for i in items])
    order = {tag: n for n, tag in enumerate([*config.tag_ids(), OTHER_SECTION])}
    draft_items = []
    for i in items:
        carried = sources.get(i.article_id, [])
        also = tuple(dict.fromkeys(name for sid, name in carried if sid != i.source_id))
        draft_items.append(
            DraftItem(
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
            )
        )
    draft_items.sort(
        key=lambda d: (order.get(d.section, len(order)), d.section, not d.included, d.position)
    )
    since, until = week_bounds(week, config.settings.timezone)
    failing = tuple(
        (h.name or h.id, "; ".join(h.problems))
        for h in health.assess(store.source_figures(), clock.now())
        if h.enabled and (h.error_count or h.flags)
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


# --- building the letter ---------------------------------------------------------------------


def build_digest(
    config: Config,
    view: Draft,
    *,
    published_at: datetime | None = None,
    tags: Sequence[str] | None = None,
    lang: str | None = None,
    curators: bool = False,
) -> Digest:
    """The letter of a draft, as the renderers take it.

    ``tags``: a subscriber's tags: only the items that carry one of them (all when empty).
    ``lang``: fr or en (default: settings.digest.lang).
    ``curators``: include the failing sources (never in the trainers' e-mail).
    """
    settings = config.settings.digest
    lang = lang or settings.lang
    wanted = set(tags or ())
    items = [i for i in view.included if not wanted or wanted & set(i.tags)]
    top = view.top
    if top is not None and top not in items:
        top = max(items, key=lambda i: i.rank_score, default=None)
    labels = {t.id: (t.label_en or t.label) if lang == "en" else t.label for t in config.taxonomy}
    labels[OTHER_SECTION] = i18n.LETTER[lang]["other_news"]
    sections = []
    for tag in [*config.tag_ids(), OTHER_SECTION]:
        chosen = sorted((i for i in items if i.section == tag), key=lambda i: i.position)
        if chosen:
            sections.append(
                DigestSection(
                    tag_id=tag, label=labels[tag], items=tuple(_digest_item(i) for i in chosen)
                )
            )
    year, number = parse_week(view.week)
    kept_words = sum(i.word_count for i in view.included)
    figures = view.figures
    stats = DigestStats(
        gathered=figures.gathered,
        duplicates=figures.duplicates,
        off_topic=figures.off_topic,
        kept=len(view.included),
        words_not_read=max(figures.words - kept_words, 0),
        reading_wpm=settings.reading_wpm,
    )
    return Digest(
        week=view.week,
        title=view.title,
        period_start=date.fromisocalendar(year, number, 1),
        period_end=date.fromisocalendar(year, number, 7),
        editorial=view.editorial,
        top_story=_digest_item(top) if top else None,
        sections=tuple(sections),
        stats=stats,
        failing_sources=view.failing_sources if curators else (),
        published_at=published_at or view.published_at or clock.now(),
        lang=lang,
        tz=config.settings.timezone,
    )


def _digest_item(i: DraftItem) -> DigestItem:
    return DigestItem(
        article_id=i.article_id,
        title=i.title,
        url=i.url,
        source_name=i.source_name,
        also_reported_by=i.also,
        published_at=i.published_at,
        summary=i.summary,
        note=i.note,
        tags=i.tags,
    )


def snapshot(d: Digest) -> dict[str, Any]:
    """A published digest as JSON (the archive and the feed are rebuilt from these)."""
    data = asdict(d)
    data["failing_sources"] = []
    result: dict[str, Any] = _jsonable(data)
    return result


def from_snapshot(data: dict[str, Any]) -> Digest:
    def item(x: dict[str, Any]) -> DigestItem:
        return DigestItem(
            **{
                **x,
                "also_reported_by": tuple(x["also_reported_by"]),
                "tags": tuple(x["tags"]),
                "published_at": _datetime(x["published_at"]),
            }
        )

    return Digest(
        week=data["week"],
        title=data["title"],
        period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]),
        editorial=data["editorial"],
        top_story=item(data["top_story"]) if data["top_story"] else None,
        sections=tuple(
            DigestSection(
                tag_id=s["tag_id"], label=s["label"], items=tuple(item(x) for x in s["items"])
            )
            for s in data["sections"]
        ),
        stats=DigestStats(**data["stats"]),
        published_at=_datetime(data["published_at"]) or clock.now(),
        lang=data["lang"],
        tz=data["tz"],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- publishing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishResult:
    week: str
    files: tuple[Path, ...]
    items: int
    feed_written: bool  # False when settings.digest.site_url is not set


def digests_dir(config: Config, out: Path | None = None) -> Path:
    """Where published digests go: ``out``, else settings.digest.out_dir next to sources.yaml."""
    if out is not None:
        return out
    folder = Path(config.settings.digest.out_dir)
    return folder if folder.is_absolute() else Path(config.path).parent / folder


def publish(
    config: Config, store: Store, week: str, out: Path, *, now: datetime | None = None
) -> PublishResult:
    """Write the week's files and the archive, record the digest as published.

    Every file is written to a temporary name and renamed into place, so a reader (or a web
    server) never sees half a file, and a crash leaves the previous version whole.
    """
    view = load(config, store, week)
    if not view.included:
        raise DigestError(i18n.message("digest.empty", week=week))
    moment = now or clock.now()
    letter = build_digest(config, view, published_at=view.published_at or moment)
    site = config.settings.digest.site_url
    archive_url = week_url(site, week) if site else None
    week_dir = out / week
    files = [
        _write(week_dir / "digest.md", render_markdown(letter)),
        _write(
            week_dir / "digest.html",
            render_email_html(letter, unsubscribe_url=None, archive_url=archive_url),
        ),
        _write(
            week_dir / "digest.txt",
            render_email_text(letter, unsubscribe_url=None, archive_url=archive_url),
        ),
        _write(week_dir / "index.html", render_web_html(letter)),
    ]
    # "Kept in a digest" is a curator's label too; an earlier explicit decision stays.
    decided = {d.article_id for d in store.decisions()}
    kept = [i.article_id for i in view.included if i.article_id not in decided]
    if kept:
        store.record_decision(kept, "keep", relevant=True, tags=None)
    store.publish_digest(
        week, json.dumps(snapshot(letter), ensure_ascii=False), letter.published_at
    )
    published = published_letters(store)
    index = [(d.week, d.title, d.published_at.astimezone(UTC).date()) for d in published]
    feed_url = f"{site}feed.xml" if site else None
    files.append(
        _write(
            out / "index.html",
            render_archive_index(index, config.settings.digest.lang, feed_url=feed_url),
        )
    )
    if site:
        files.append(
            _write(
                out / "feed.xml",
                render_atom(published[-50:], feed_url=f"{site}feed.xml", site_url=site),
            )
        )
    return PublishResult(week, tuple(files), len(view.included), feed_written=bool(site))


def _write(path: Path, text: str) -> Path:
    """Write a published file atomically (:func:`veille.files.atomic_write`)."""
    try:
        return atomic_write(path, text)
    except OSError as exc:
        raise DigestError(
            i18n.message("digest.cannot_write", path=path, reason=exc.strerror or exc)
        ) from None


def week_of(moment: datetime, tz: str) -> str:
    """The ISO week before the one containing ``moment``: the week a Monday letter covers."""
    return letter_week(moment, tz)


# --- sending ---------------------------------------------------------------------------------


def letter_for(
    config: Config, letter: Digest, *, tags: Sequence[str] | None, lang: str | None
) -> Digest:
    """The published ``letter`` as one subscriber gets it: only the items that carry one of
    their ``tags`` (all when none), sections named in their ``lang``."""
    lang = lang if lang in i18n.LETTER else letter.lang
    wanted = set(tags or ())
    labels = {t.id: (t.label_en or t.label) if lang == "en" else t.label for t in config.taxonomy}
    labels[OTHER_SECTION] = i18n.LETTER[lang]["other_news"]
    sections = []
    for section in letter.sections:
        items = tuple(i for i in section.items if not wanted or wanted & set(i.tags))
        if items:
            label = labels.get(section.tag_id, section.label)
            sections.append(DigestSection(tag_id=section.tag_id, label=label, items=items))
    kept = [i for s in sections for i in s.items]
    top = letter.top_story
    if top is None or top.article_id not in {i.article_id for i in kept}:
        top = kept[0] if kept else None  # their best-placed item
    return replace(letter, sections=tuple(sections), top_story=top, lang=lang)


def published_letter(store: Store, week: str) -> Digest:
    """The letter of ``week`` exactly as it was published (what the archive shows)."""
    parse_week(week)
    row = store.digest(week)
    if row is None:
        raise DigestError(i18n.message("digest.no_draft", week=week))
    if row.published_at is None or not row.snapshot:
        raise DigestError(i18n.message("digest.not_published", week=week))
    return from_snapshot(json.loads(row.snapshot))


def published_letters(store: Store) -> list[Digest]:
    """Every published letter as it was published, oldest week first."""
    return [from_snapshot(json.loads(d.snapshot)) for d in store.published_digests()]


def _confirm(store: Store, week: str, email: str, run_id: str) -> None:
    # The window that makes a message "uncertain": accepted by the server, not yet recorded.
    crash_point("send_accepted")
    store.confirm_send(week, email, run_id)


def send(
    config: Config,
    store: Store,
    week: str,
    smtp: SmtpSettings,
    *,
    resend_uncertain: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SendReport:
    """E-mail the published letter of ``week`` to every active subscriber, at most once each.

    What goes out is the letter as published (its snapshot), not the draft as it is now. One
    send per week at a time (SendInProgressError otherwise). ``resend_uncertain``: send again
    to the subscribers whose message was in flight when an earlier send died (they may get it
    twice). ``progress(done, total)`` after each subscriber.
    """
    from veille.mail import build_message, send_all, unsubscribe_link

    letter = published_letter(store, week)
    site = config.settings.digest.site_url
    if not site or not site.startswith("https://"):
        raise DigestError(i18n.message("digest.no_site_url"))
    secret = store.secret("unsubscribe").encode()
    run_id = uuid.uuid4().hex
    store.lock_send(week, run_id)
    try:
        if resend_uncertain:
            store.forget_uncertain(week, run_id)
        subscribers = store.subscribers()

        def messages() -> Iterator[tuple[str, EmailMessage]]:
            for sub in subscribers:
                mine = letter_for(config, letter, tags=list(sub.tags), lang=sub.lang)
                link = unsubscribe_link(f"{site}unsubscribe", secret, sub.email, UNSUBSCRIBE_LIST)
                yield (
                    sub.email,
                    build_message(
                        mine,
                        to=sub.email,
                        unsubscribe_url=link,
                        archive_url=week_url(site, week),
                        sender=smtp.sender,
                    ),
                )

        with _Turns(store) as turn:
            return send_all(
                messages(),
                smtp,
                claim=lambda email: turn(store.claim_send, week, email, run_id),
                confirm=lambda email: turn(_confirm, store, week, email, run_id),
                release=lambda email: turn(store.release_send, week, email, run_id),
                progress=(lambda done: progress(done, len(subscribers))) if progress else None,
                on_wire=turn.let_go,
            )
    finally:
        store.unlock_send(week, run_id)


class _Turns:
    """The send's bookkeeping in few openings of the file: one opening records a message as
    sent and claims the next one, and it is let go before each exchange with the mail server
    and after :attr:`LONGEST` seconds (others take their turn meanwhile). Each opening costs
    40-50 ms of CPU (measured with py-spy): opening the file twice per subscriber made it the
    main cost of a send."""

    LONGEST = 0.2  # seconds

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hold = contextlib.ExitStack()
        self.since: float | None = None

    def __call__(self, work: Callable[..., T], *args: Any) -> T:
        now = time.monotonic()
        if self.since is not None and now - self.since > self.LONGEST:
            self.let_go()
        if self.since is None:
            self.hold.enter_context(self.store.held())
            self.since = now
        return work(*args)

    def let_go(self) -> None:
        self.since = None
        self.hold.close()

    def __enter__(self) -> _Turns:
        return self

    def __exit__(self, *exc: object) -> None:
        self.let_go()
