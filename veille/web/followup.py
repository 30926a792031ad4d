"""The follow-up of exploitation records (``/suivi``): the open actions by owner, overdue first;
those done in the last 30 days; and, per Qualiopi indicator over a period, the actions planned
and done and the items kept in the published letters, with the period's Qualiopi register
(``/suivi/registre``). Also the badges the week and the archive show on a story that has
actions (:func:`badges_by_article`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from veille import clock
from veille.actions import ActionRecord, indicators_of, known_indicators
from veille.config import Config
from veille.errors import VeilleError
from veille.render import format_date
from veille.store import Store
from veille.web.context import WebContext, failure, page
from veille.web.forms import _choice
from veille.web.security import REGISTER_CSP
from veille.weeks import parse_day

RECENT_DAYS = 30  # "done recently"
REGISTER_FORMATS = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Badge:
    """A story's actions of one status, as one small label linking to the latest of them."""

    status: str  # planned, done or dropped
    text: str
    late: bool  # some of them are overdue
    href: str


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """One owner's open actions, by due date (overdue first, none last)."""

    owner: str
    records: tuple[ActionRecord, ...]
    late: int


@dataclass(frozen=True, slots=True)
class IndicatorCount:
    """For one indicator over a period: actions planned and done, items kept."""

    indicator: str
    planned: int
    done: int
    kept: int


def today(config: Config) -> date:
    """Today in the organisation's time zone (what "overdue" is measured against)."""
    return clock.now().astimezone(ZoneInfo(config.settings.timezone)).date()


def badges_by_article(
    store: Store, article_ids: Sequence[str], day: date, t: dict[str, str]
) -> dict[str, list[Badge]]:
    """Per story that has actions, its badges: planned (and how many late), done, dropped."""
    found: dict[str, list[ActionRecord]] = {}
    for record in store.actions(article_ids=list(article_ids)) if article_ids else []:
        found.setdefault(record.article_id, []).append(record)
    return {article_id: _badges(records, day, t) for article_id, records in found.items()}


def _badges(records: list[ActionRecord], day: date, t: dict[str, str]) -> list[Badge]:
    shown = []
    for status in ("planned", "done", "dropped"):
        mine = [r for r in records if r.fields.status == status]
        if not mine:
            continue
        text = (
            t[f"badge_{status}_1"] if len(mine) == 1 else t[f"badge_{status}_n"].format(n=len(mine))
        )
        late = sum(1 for r in mine if r.overdue(day))
        if late:
            text += ", " + t["badge_late"].format(n=late)
        latest = max(mine, key=lambda r: (r.changed_at, r.id))
        shown.append(Badge(status, text, late > 0, f"/actions/{latest.id}"))
    return shown


def by_owner(records: Sequence[ActionRecord], day: date) -> list[OwnerGroup]:
    """Open actions grouped by owner: the owners with overdue actions first (the most overdue
    first), then the others by name; each owner's by due date."""
    grouped: dict[str, list[ActionRecord]] = {}
    for record in records:
        if record.is_open:
            grouped.setdefault(record.fields.owner, []).append(record)
    groups = [
        OwnerGroup(
            owner,
            tuple(sorted(mine, key=lambda r: (r.fields.due or date.max, r.id))),
            sum(1 for r in mine if r.overdue(day)),
        )
        for owner, mine in grouped.items()
    ]

    def urgency(group: OwnerGroup) -> tuple[int, date, str]:
        first_due = group.records[0].fields.due or date.max
        return (0, first_due, group.owner) if group.late else (1, date.max, group.owner)

    return sorted(groups, key=urgency)


def recently_done(records: Sequence[ActionRecord], now: datetime) -> list[ActionRecord]:
    """Actions marked done in the last 30 days, the latest first."""
    since = now - timedelta(days=RECENT_DAYS)
    done = [r for r in records if r.fields.status == "done" and r.status_at >= since]
    return sorted(done, key=lambda r: (r.status_at, r.id), reverse=True)


def indicator_counts(
    config: Config, store: Store, records: Sequence[ActionRecord], start: date, end: date
) -> list[IndicatorCount]:
    """Per indicator, for the days ``start`` to ``end`` (both included, in the organisation's
    time zone): the actions still planned that were written before the period's end (the
    register lists them too), those marked done in it, and the items kept in the letters
    published in it (an item under every indicator its tags lead to, or its section's)."""
    zone = ZoneInfo(config.settings.timezone)
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    actions: dict[str, Counter[str]] = {"planned": Counter(), "done": Counter()}
    for record in records:
        if record.is_open and record.created_at < until:
            actions["planned"].update(record.fields.indicators)
        elif record.fields.status == "done" and since <= record.status_at < until:
            actions["done"].update(record.fields.indicators)
    kept: dict[str, set[str]] = {}
    for row in store.selections(since, until):
        served = indicators_of(row.tags, config.taxonomy) or indicators_of(
            (row.section,), config.taxonomy
        )
        for indicator in served:
            kept.setdefault(indicator, set()).add(row.article_id)
    return [
        IndicatorCount(i, actions["planned"][i], actions["done"][i], len(kept.get(i, ())))
        for i in known_indicators(config.taxonomy)
    ]


def default_period(day: date) -> tuple[date, date]:
    """The last twelve months up to ``day``."""
    try:
        return day.replace(year=day.year - 1), day
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28), day


def followup(request: Request) -> Response:
    web = WebContext.of(request)
    config, store = web.config, web.store
    day = today(config)
    start, end, error = _period(request, day)
    records = store.actions()
    return page(
        request,
        "followup.html",
        status=400 if error else 200,
        error=error,
        records=records,
        groups=by_owner(records, day),
        late=sum(1 for r in records if r.overdue(day)),
        open_count=sum(1 for r in records if r.is_open),
        done=recently_done(records, clock.now()),
        counts=indicator_counts(config, store, records, start, end),
        today=day,
        start=start,
        end=end,
        formats=REGISTER_FORMATS,
    )


def register(request: Request) -> Response:
    """The Qualiopi register of a period (:mod:`veille.qualiopi`): a page to read or print, or
    a file to download (XLSX, CSV)."""
    from veille.qualiopi import build_register
    from veille.register_files import render_csv, render_html, render_xlsx

    web = WebContext.of(request)
    start, end, error = _period(request, today(web.config))
    if error:
        return failure(request, 400, error)
    fmt = _choice(request.query_params, "format", list(REGISTER_FORMATS)) or "html"
    built = build_register(web.config, web.store, start, end)
    if fmt == "html":
        # A page of its own: its styles are inline, it has no script, it is not framed.
        return HTMLResponse(render_html(built), headers={"content-security-policy": REGISTER_CSP})
    name = f"registre-qualiopi-{start.isoformat()}-{end.isoformat()}.{fmt}"
    body = render_xlsx(built) if fmt == "xlsx" else render_csv(built).encode("utf-8")
    return Response(
        body,
        media_type=REGISTER_FORMATS[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _period(request: Request, day: date) -> tuple[date, date, str | None]:
    """The period asked for (``from``, ``to``), the last twelve months by default; with a
    message, and the default period, when it cannot be used."""
    web = WebContext.of(request)
    start, end = default_period(day)
    q = request.query_params
    try:
        asked = (
            parse_day(q["from"]) if q.get("from") else start,
            parse_day(q["to"]) if q.get("to") else end,
        )
    except VeilleError as exc:
        return start, end, sentence(str(exc))
    if asked[0] > asked[1]:
        words = [format_date(d, web.lang) for d in asked]
        return start, end, web.t["fu_bad_period"].format(start=words[0], end=words[1])
    return asked[0], asked[1], None


def sentence(text: str) -> str:
    """A message (they start in lower case, after a field's name) as a sentence on its own."""
    return text[:1].upper() + text[1:]
