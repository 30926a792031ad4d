"""ISO weeks in the organisation's time zone: ``2026-W46`` <-> a half-open UTC interval.

Weeks are named with ``%G-W%V`` (ISO year), never ``%Y-W%V``: 2024-12-31 belongs to 2025-W01.
A week is ``[Monday 00:00 local, next Monday 00:00 local)``, each bound converted to UTC on its
own, so the DST weeks last 167 or 169 hours as they really do.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from veille import i18n
from veille.errors import ConfigError

# ASCII digits only: ``\d`` and ``int()`` also take "２０２６" (full-width), which would name a
# second letter for the same week.
WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# The calendar veille works in. Python's dates end at years 1 and 9999, and a week's neighbours
# (the previous and next week, a window's day after) must exist too; nobody's watch goes back
# before 1900.
FIRST_YEAR, LAST_YEAR = 1900, 9998


def parse_week(name: str) -> tuple[int, int]:
    """``"2026-W46"`` -> ``(2026, 46)``; a clear error for anything else."""
    match = WEEK_RE.fullmatch(name.strip())
    if not match:
        raise ConfigError(i18n.message("week.not_iso", name=name))
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ConfigError(
            i18n.message("week.out_of_range", name=name, first=FIRST_YEAR, last=LAST_YEAR)
        )
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ConfigError(i18n.message("week.missing", name=name, year=year, week=week)) from None
    return year, week


def parse_day(value: str) -> date:
    """``"2026-11-23"`` -> a date within the supported calendar; a clear error otherwise."""
    match = DAY_RE.fullmatch(value.strip())
    if not match:
        raise ConfigError(i18n.message("date.not_iso", value=value))
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ConfigError(i18n.message("date.not_iso", value=value)) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ConfigError(
            i18n.message("date.out_of_range", value=value, first=FIRST_YEAR, last=LAST_YEAR)
        )
    return day


def adjacent_weeks(name: str) -> tuple[str | None, str | None]:
    """The weeks before and after ``name`` (None past the supported calendar's ends)."""
    year, week = parse_week(name)
    monday = date.fromisocalendar(year, week, 1)
    before = (monday - timedelta(days=7)).strftime("%G-W%V")
    after = (monday + timedelta(days=7)).strftime("%G-W%V")

    def inside(candidate: str) -> str | None:
        return candidate if FIRST_YEAR <= int(candidate[:4]) <= LAST_YEAR else None

    return inside(before), inside(after)


def week_bounds(name: str, tz: str = "Europe/Paris") -> tuple[datetime, datetime]:
    """The UTC instants where week ``name`` starts and ends in time zone ``tz``."""
    year, week = parse_week(name)
    zone = ZoneInfo(tz)
    monday = date.fromisocalendar(year, week, 1)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_name(moment: datetime, tz: str = "Europe/Paris") -> str:
    """The ISO week that contains ``moment`` in time zone ``tz``."""
    local = moment.astimezone(ZoneInfo(tz)) if moment.tzinfo else moment
    return local.strftime("%G-W%V")


def letter_week(moment: datetime, tz: str = "Europe/Paris") -> str:
    """The ISO week before the one containing ``moment`` in ``tz``: the week a Monday letter
    covers. Counted in calendar days, not in 7 × 24 hours: the week the clocks go forward lasts
    167 hours, and on the Monday after it, 168 hours earlier is already two weeks back."""
    local = moment.astimezone(ZoneInfo(tz)) if moment.tzinfo else moment
    return (local.date() - timedelta(days=7)).strftime("%G-W%V")


def week_dates(name: str, lang: str | None = None) -> str:
    """The days of ISO week ``name``, Monday to Sunday: ``du 16 au 22 novembre 2026``,
    ``du 30 novembre au 6 décembre 2026``, ``du 28 décembre 2026 au 3 janvier 2027``;
    in English ``16–22 November 2026``."""
    year, week = parse_week(name)
    return i18n.week_days(year, week, lang or i18n.current())


def week_label(name: str, lang: str | None = None, *, title: bool = False) -> str:
    """A week as people say it: ``semaine du 16 au 22 novembre 2026`` (``Semaine …`` with
    ``title``), ``week of 16–22 November 2026``; never the ISO code, which stays in URLs and in
    ``--week``. Example::

        week_label("2026-W47", "fr")   # "semaine du 16 au 22 novembre 2026"
    """
    lang = lang or i18n.current()
    with i18n.language(lang):
        return i18n.message("week.title" if title else "week.label", dates=week_dates(name, lang))
