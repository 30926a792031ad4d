"""Weeks and moments as people say them, in French and English: ``semaine du 16 au 22 novembre
2026``, ``lundi 23 novembre 2026 à 9 h 05`` (the curators' pages; the letter's own dates are
:mod:`veille.render`'s)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from veille.render import format_date

__all__ = ["WEEKDAYS", "format_day_time"]

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
