"""The one place veille reads the time of day from.

Every "now" in veille (the week a letter covers, when an article was fetched, a run's start, a
session's expiry, a Retry-After date, an Atom feed's ``updated``) comes from :func:`now`, so a
test, a demo or a replay of a past week can set the moment for the whole program:

- ``VEILLE_NOW=2026-11-23T00:30:00+01:00`` (ISO 8601 with an offset, or ``Z``) freezes the clock
  at that instant, in this process and in every process it starts (Prefect flows, workers);
- unset (production), :func:`now` is the system clock.

Durations (deadlines, timeouts, timings) are measured with ``time.monotonic`` and are not
affected: only the calendar moves.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache

from veille import i18n
from veille.errors import ConfigError

VARIABLE = "VEILLE_NOW"


def now() -> datetime:
    """The current moment, timezone-aware, in UTC (``VEILLE_NOW`` when set)."""
    frozen = os.environ.get(VARIABLE)
    if frozen:
        return _parse(frozen)
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _parse(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(i18n.message("config.env.now", name=VARIABLE, value=value))
    return moment.astimezone(UTC)


__all__ = ["VARIABLE", "now"]
