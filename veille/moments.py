"""Weeks and moments as people say them, in French and English: ``semaine du 16 au 22 novembre
2026``, ``lundi 23 novembre 2026 à 9 h 05`` (the curators' pages; the letter's own dates are
:mod:`veille.render`'s)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from veille.render import format_date, format_period
from veille.weeks import parse_week

__all__ = ["WEEKDAYS", "format_day_time", "week_phrase"]

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def format_day_time(moment: datetime, tz: str, lang: str = "fr") -> str:
    """``lundi 23 novembre 2026 à 9 h 05`` / ``Monday 23 November 2026 at 9:05``, in ``tz``
    (as people write a moment, not as a log does)."""
    local = moment.astimezone(ZoneInfo(tz))
    day = f"{WEEKDAYS[lang][local.weekday()]} {format_date(local.date(), lang)}"
    if lang == "fr":
        return f"{day} à {local.hour}\u00a0h\u00a0{local.minute:02d}"
    return f"{day} at {local.hour}:{local.minute:02d}"


def week_phrase(week: str, lang: str = "fr") -> str:
    """``semaine du 16 au 22 novembre 2026`` / ``week of 16–22 November 2026``: an ISO week as
    people say it (the code 2026-W47 means nothing to a trainer)."""
    year, number = parse_week(week)
    start, end = date.fromisocalendar(year, number, 1), date.fromisocalendar(year, number, 7)
    if lang != "fr":
        return f"week of {format_period(start, end, lang)}"
    first = format_date(start, lang)
    if start.year == end.year:
        first = first.rsplit(" ", 1)[0]  # no year twice
        if start.month == end.month:
            first = first.rsplit(" ", 1)[0]  # nor the month
    return f"semaine du {first} au {format_date(end, lang)}"
