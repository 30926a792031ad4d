"""Publishing a week's letter: the letter of a draft, its files, the archive, the feed.

- :func:`build_digest`: the letter of a draft, as the renderers take it;
- :func:`publish`: Markdown, HTML e-mail and its text twin, the week's web page, the archive
  index and the Atom feed, each file written atomically, and the letter's snapshot stored;
- :func:`published_letter`, :func:`published_letters`: the letters exactly as published
  (rebuilt from their snapshots).

Usage::

    result = publish(config, store, "2026-W46", Path("digests"))
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from veille import clock, i18n
from veille.channel_formats import letter_message
from veille.channels import Delivery, deliver_letter
from veille.config import Config
from veille.digest import OTHER_SECTION, Draft, DraftItem, load
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
from veille.store import Store
from veille.weeks import parse_week

__all__ = [
    "PublishResult",
    "build_digest",
    "digests_dir",
    "from_snapshot",
    "publish",
    "publish_summary",
    "published_letter",
    "published_letters",
    "snapshot",
    "write_file",
]


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
    kept_words = sum(i.word_count for i in items)
    figures = view.figures
    stats = DigestStats(
        gathered=figures.gathered,
        duplicates=figures.duplicates,
        off_topic=figures.off_topic,
        kept=len(items),  # what this letter shows (a subscriber's tags cut it)
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
        word_count=i.word_count,
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
    folder: Path = Path("digests")  # where the week's files went (the ``out`` folder)
    again: bool = False  # the week was published before: this is a re-publication
    feed_stale: bool = False  # not written, and an older feed.xml stays as it was
    # What became of the posts to Teams, Slack and Mattermost channels (first publication only).
    channels: tuple[Delivery, ...] = ()


def publish_summary(result: PublishResult, config: Config) -> list[str]:
    """What a publication did, in the current language: the letter's week, its items and
    folder; then, when feed.xml was not written, why and how to fix it."""
    from veille.weeks import week_label

    lang = i18n.current()
    items = i18n.message(
        "publish.items_one" if result.items == 1 else "publish.items_other", count=result.items
    )
    lines = [
        i18n.message(
            "publish.done",
            period=week_label(result.week, lang),
            verb=i18n.message("publish.again" if result.again else "publish.first"),
            items=items,
            folder=result.folder / result.week,
        )
    ]
    if not result.feed_written:
        key = "publish.feed_stale" if result.feed_stale else "publish.feed_not_written"
        lines.append(i18n.message(key, config=config.path))
    for done in result.channels:
        if done.ok:
            lines.append(i18n.message("channels.posted", name=done.channel))
        else:
            lines.append(i18n.message("channels.not_posted", name=done.channel, error=done.error))
    return lines


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
    letter = build_digest(config, view, published_at=moment)  # "Publiée le": the latest
    site = config.settings.digest.site_url
    archive_url = week_url(site, week) if site else None
    week_dir = out / week
    files = [
        write_file(week_dir / "digest.md", render_markdown(letter)),
        write_file(
            week_dir / "digest.html",
            render_email_html(letter, unsubscribe_url=None, archive_url=archive_url),
        ),
        write_file(
            week_dir / "digest.txt",
            render_email_text(letter, unsubscribe_url=None, archive_url=archive_url),
        ),
        write_file(week_dir / "index.html", render_web_html(letter)),
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
        write_file(
            out / "index.html",
            render_archive_index(index, config.settings.digest.lang, feed_url=feed_url),
        )
    )
    if site:
        files.append(
            write_file(
                out / "feed.xml",
                render_atom(published[-50:], feed_url=f"{site}feed.xml", site_url=site),
            )
        )
    again = view.published_at is not None
    # A correction published again is not announced twice: only the first publication is posted.
    posted = () if again else tuple(deliver_letter(config, letter_message(letter, site)))
    return PublishResult(
        week, tuple(files), len(view.included), feed_written=bool(site), folder=out,
        again=again, feed_stale=not site and (out / "feed.xml").exists(), channels=posted,
    )  # fmt: skip


def write_file(path: Path, text: str | bytes) -> Path:
    """Write a published file atomically (:func:`veille.files.atomic_write`)."""
    try:
        return atomic_write(path, text)
    except OSError as exc:
        raise DigestError(
            i18n.message("digest.cannot_write", path=path, reason=exc.strerror or exc)
        ) from None


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
