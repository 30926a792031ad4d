"""The Qualiopi watch register: what was watched, what was kept, what was done with it.

Indicators 23 to 26 ask a training organisation to show its watch *and its use*: the audit
samples an item and follows it from its source to the analysis, the action, who carried it and
when, and checks that results reached the staff (``DOMAIN.md``, "What an audit actually
checks"). For a period, :func:`build_register` gathers:

* the **watch plan**: organisation and watch lead (``settings.qualiopi``), rhythm (the
  schedule), and every source of the effective list (``sources.yaml`` plus those added in the
  app or imported) with since when it answers, whether it answered in the period or failed,
  and why it is trusted (an official publisher or not);
* per indicator, the **items kept** in the letters published in the period, with the curators'
  notes and their **exploitation records** (:mod:`veille.actions`), each with its history;
* the **diffusion log**: each letter published, when, to how many people, by theme and language.

Tags map to indicators through the taxonomy (a disability item is filed under I26 and I23).
:mod:`veille.register_files` turns a :class:`Register` into HTML, XLSX and CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from veille import clock
from veille.actions import ActionRecord, indicators_of, known_indicators
from veille.config import Config, ScheduleSettings
from veille.models import Selection
from veille.sourcelist import effective
from veille.store import Diffusion, SourceDays, Store
from veille.weeks import parse_week

INDICATORS: dict[str, tuple[str, str]] = {
    "I23": (
        "Veille légale et réglementaire sur le champ de la formation professionnelle",
        "Legal and regulatory watch on vocational training",
    ),
    "I24": (
        "Veille sur les évolutions des compétences, des métiers et des emplois",
        "Watch on changes in skills, jobs and employment",
    ),
    "I25": (
        "Veille sur les innovations pédagogiques et technologiques",
        "Watch on pedagogical and technological innovation",
    ),
    "I26": (
        "Handicap : expertise, outils et réseaux mobilisés",
        "Disability: expertise, tools and networks",
    ),
}
# A source that failed on this many days of the period without answering "failed for long".
LONG_FAILURE_DAYS = 7
DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class WatchedSource:
    """A source of the watch plan, as the period saw it."""

    id: str
    name: str
    url: str
    kind: str
    official: bool
    origin: str  # file | web | opml | cli: where it was declared
    indicators: tuple[str, ...]
    since: date | None  # first day it ever answered
    last_success: date | None  # last day it answered, in the period or before
    days_ok: int  # days of the period it answered
    days_failed: int  # days of the period it failed without answering
    last_error: str | None
    enabled: bool

    @property
    def status(self) -> str:
        """``watched`` (answered in the period), ``failing`` (failed and never answered in it),
        ``off`` (switched off) or ``unchecked`` (no fetch recorded in the period)."""
        if self.days_ok:
            return "watched"
        if not self.enabled:
            return "off"
        return "failing" if self.days_failed else "unchecked"

    @property
    def failed_long(self) -> bool:
        return self.days_failed >= LONG_FAILURE_DAYS


@dataclass(frozen=True, slots=True)
class KeptItem:
    """An item kept in a letter of the period, with what was done about it."""

    selection: Selection
    indicators: tuple[str, ...]
    actions: tuple[ActionRecord, ...]


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """An exploitation record of the period with all its versions and the letters (weeks) its
    story went out in."""

    current: ActionRecord
    history: tuple[ActionRecord, ...]
    letters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndicatorBlock:
    id: str
    label: str
    sources: tuple[WatchedSource, ...]  # those filed under it (any status)
    items: tuple[KeptItem, ...]
    actions: tuple[TrackedAction, ...]

    def count(self, status: str) -> int:
        return sum(1 for a in self.actions if a.current.fields.status == status)

    @property
    def watched(self) -> int:
        return sum(1 for s in self.sources if s.status == "watched")


@dataclass(frozen=True, slots=True)
class Register:
    organisation: str | None
    watch_lead: str | None
    generated_at: datetime  # aware, in the organisation's zone
    start: date
    end: date
    lang: str
    timezone: str
    rhythm: tuple[str, ...]  # sentences: how often the watch runs, when the letter goes
    sources: tuple[WatchedSource, ...]
    blocks: tuple[IndicatorBlock, ...]
    actions: tuple[TrackedAction, ...]
    diffusion: tuple[Diffusion, ...]

    @property
    def recipients(self) -> int:
        return sum(d.recipients for d in self.diffusion)


def build_register(config: Config, store: Store, start: date, end: date) -> Register:
    """The register for ``[start, end]`` (both days included, in ``settings.timezone``)."""
    config = effective(config, store)  # sources added in the app or imported are watched too
    lang = config.settings.digest.lang
    zone = ZoneInfo(config.settings.timezone)
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    indicators = known_indicators(config.taxonomy)
    sources = _sources(config, store, start, end, indicators)
    letters = _letters(store, until)
    actions = tuple(
        TrackedAction(a, tuple(store.action_history(a.id)), letters.get(a.article_id, ()))
        for a in store.actions()
        if _in_period(a, since, until)
    )
    by_article: dict[str, list[ActionRecord]] = {}
    for tracked in actions:
        by_article.setdefault(tracked.current.article_id, []).append(tracked.current)
    kept = [
        KeptItem(s, _item_indicators(s, config), tuple(by_article.get(s.article_id, ())))
        for s in store.selections(since, until)
    ]
    blocks = []
    for indicator in indicators:
        items = tuple(k for k in kept if indicator in k.indicators)
        # The sources of an indicator: those its tags file under it, and those that brought
        # an item kept under it (a source without tags is filed under every indicator).
        fed = {k.selection.source_id for k in items}
        blocks.append(
            IndicatorBlock(
                indicator,
                _indicator_label(indicator, lang),
                tuple(s for s in sources if indicator in s.indicators or s.id in fed),
                items,
                tuple(a for a in actions if indicator in a.current.fields.indicators),
            )
        )
    return Register(
        organisation=config.settings.qualiopi.organisation,
        watch_lead=config.settings.qualiopi.watch_lead,
        generated_at=clock.now().astimezone(zone),
        start=start,
        end=end,
        lang=lang,
        timezone=config.settings.timezone,
        rhythm=rhythm(config.settings.schedule, lang),
        sources=sources,
        blocks=tuple(blocks),
        actions=actions,
        diffusion=tuple(store.diffusion(since, until)),
    )


def _sources(
    config: Config, store: Store, start: date, end: date, indicators: Sequence[str]
) -> tuple[WatchedSource, ...]:
    tz = config.settings.timezone
    zone = ZoneInfo(tz)
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    days = store.source_days(since, until, tz)  # days as the organisation counts them
    first = store.first_success(tz)
    figures = {f.id: f for f in store.source_figures()}
    origins = {m.id: m.origin for m in store.managed_sources() if m.url}
    found = []
    for s in config.sources:
        own = indicators_of(s.tags, config.taxonomy)
        period = days.get(s.id) or SourceDays(s.id, 0, 0, None, None, None)
        figure = figures.get(s.id)
        last_ok = figure.last_success_at if figure else None
        found.append(
            WatchedSource(
                id=s.id,
                name=s.name or s.id,
                url=s.url,
                kind=s.kind,
                official=s.official,
                origin=origins.get(s.id, "file"),
                indicators=own or tuple(indicators),
                since=first.get(s.id),
                last_success=period.last_ok
                or (last_ok.astimezone(zone).date() if last_ok else None),
                days_ok=period.days_ok,
                days_failed=period.days_failed,
                last_error=period.last_error or (figure.last_error if figure else None),
                enabled=s.enabled,
            )
        )
    return tuple(sorted(found, key=lambda w: (not w.official, w.name.casefold())))


def _letters(store: Store, until: datetime) -> dict[str, tuple[str, ...]]:
    """Per story, the published letters (weeks) it went out in, up to ``until``."""
    found: dict[str, list[str]] = {}
    for s in store.selections(datetime(2000, 1, 1, tzinfo=UTC), until):
        weeks = found.setdefault(s.article_id, [])
        if s.week not in weeks:
            weeks.append(s.week)
    return {article: tuple(weeks) for article, weeks in found.items()}


def _in_period(action: ActionRecord, since: datetime, until: datetime) -> bool:
    """Written before the end of the period, and changed in it or still open."""
    if action.created_at >= until:
        return False
    return action.is_open or since <= action.changed_at < until or since <= action.status_at


def _item_indicators(selection: Selection, config: Config) -> tuple[str, ...]:
    found = indicators_of(selection.tags, config.taxonomy)
    return found or indicators_of((selection.section,), config.taxonomy)


def _indicator_label(indicator: str, lang: str) -> str:
    pair = INDICATORS.get(indicator)
    if pair is None:
        return indicator
    return pair[0] if lang == "fr" else pair[1]


def rhythm(schedule: ScheduleSettings, lang: str) -> tuple[str, ...]:
    """How often the watch runs and when the letter is drafted and published, in words."""
    hours = schedule.ingest_every_hours
    every = f"{hours:g}".replace(".", "," if lang == "fr" else ".")
    lines = [
        f"Collecte des sources toutes les {every} h"
        if lang == "fr"
        else f"Sources collected every {every} h"
    ]
    draft = cron_words(schedule.draft_cron, lang)
    lines.append(
        f"Lettre de la semaine préparée {draft}"
        if lang == "fr"
        else f"Weekly letter drafted {draft}"
    )
    if schedule.publish_cron:
        sent = cron_words(schedule.publish_cron, lang)
        lines.append(
            f"Lettre validée publiée et envoyée {sent}"
            if lang == "fr"
            else f"Approved letter published and sent {sent}"
        )
    else:
        lines.append(
            "Publication et envoi déclenchés par un membre de l’équipe après relecture"
            if lang == "fr"
            else "Published and sent by a curator after review"
        )
    return tuple(lines)


def cron_words(line: str, lang: str) -> str:
    """``0 6 * * 1`` -> ``chaque lundi à 06:00``; a line with ranges or steps stays as written
    (written here: a five-field line of plain numbers is all the schedule's defaults use, and a
    cron-to-words library would be a dependency for one sentence)."""
    fields = line.split()
    minute, hour, day, month, weekday = fields
    if not (minute.isdigit() and hour.isdigit() and day == "*" and month == "*"):
        return f"« {line} » (cron)" if lang == "fr" else f"'{line}' (cron)"
    at = f"{int(hour):02d}:{int(minute):02d}"
    if weekday == "*":
        return f"chaque jour à {at}" if lang == "fr" else f"every day at {at}"
    if weekday.isdigit() and 0 <= int(weekday) <= 7:
        index = (int(weekday) - 1) % 7  # cron: 0 and 7 are Sunday, 1 is Monday
        if lang == "fr":
            return f"chaque {DAYS_FR[index]} à {at}"
        return f"every {DAYS_EN[index]} at {at}"
    return f"« {line} » (cron)" if lang == "fr" else f"'{line}' (cron)"


def week_days(week: str) -> tuple[date, date]:
    """The Monday and the Sunday of an ISO week."""
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return monday, monday + timedelta(days=6)
