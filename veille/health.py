"""Source health rules: when to try a failing source again, and when a quiet source is worrying.

Decided here, applied by :mod:`veille.pipeline` and shown by ``veille sources check``.

- **Backoff**: after ``n`` consecutive errors a source waits
  ``BASE × 2^(n-1)``, capped at ``CAP`` (a day), plus a random 0–25 % so that sources failing
  together do not all come back at the same instant (miniflux#3130). A success resets it. A
  source is never disabled by errors: it keeps being tried at least once a day.
- **Retry-After**: a 429/503 that says when to come back is obeyed, across runs too.
- **Outage**: when every source tried in a pass fails with a network-class error, the machine is
  offline, not the sources (miniflux#1893, #2150): those errors are not counted and nobody backs
  off.
- **Silent**: a source that usually brings new items and has brought none for three times its
  usual interval is flagged; so is a page source whose link pattern stopped matching, and a
  source whose recent texts became much shorter than before (extraction broken by a redesign).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from veille.errors import DeadlineExceededError, NetworkError

BASE = timedelta(minutes=30)
CAP = timedelta(days=1)
JITTER = 0.25
# Error kinds (veille.errors) that say "the network", not "this source".
NETWORK_KINDS = frozenset({NetworkError.kind, DeadlineExceededError.kind})
SILENT_FACTOR = 3.0  # silent after 3 × the usual interval between new items
MIN_HISTORY = 3  # new items needed before a source's usual interval means anything
SHORTER_RATIO = 0.5  # recent texts under half their usual length: extraction may be broken


def backoff_delay(consecutive_errors: int, rng: random.Random | None = None) -> timedelta:
    """How long a source waits after ``consecutive_errors`` failures in a row (0: no wait)."""
    if consecutive_errors <= 0:
        return timedelta(0)
    step = min(BASE * (1 << min(consecutive_errors - 1, 20)), CAP)
    draw: float = (rng or random.Random()).random()  # noqa: S311 - jitter, not a secret
    return step * (1 + JITTER * draw)


def next_check(
    consecutive_errors: int,
    now: datetime,
    rng: random.Random | None = None,
    *,
    retry_after: float | None = None,
) -> datetime | None:
    """When a failing source is due again; None once it succeeds.

    A server's Retry-After (seconds, already capped at a week by veille.fetch) wins over a
    shorter backoff: asking again sooner is what gets a bot banned.
    """
    if consecutive_errors <= 0:
        return None
    due = now + backoff_delay(consecutive_errors, rng)
    if retry_after is not None and retry_after > 0:
        due = max(due, now + timedelta(seconds=retry_after))
    return due


def is_outage(error_kinds: Sequence[str | None]) -> bool:
    """True when a pass tried at least two sources and each failed for network reasons."""
    return len(error_kinds) >= 2 and all(k in NETWORK_KINDS for k in error_kinds)


def silent_flags(
    *,
    kind: str,
    new_items_90d: int,
    last_new_at: datetime | None,
    last_entries: int | None,
    had_entries_before: bool,
    recent_words: float | None,
    usual_words: float | None,
    now: datetime,
) -> list[str]:
    """Why a source looks silent or broken (empty list: it looks fine)."""
    flags = []
    if new_items_90d >= MIN_HISTORY and last_new_at is not None:
        usual = timedelta(days=90) / new_items_90d
        quiet = now - last_new_at
        if quiet > usual * SILENT_FACTOR:
            flags.append(
                f"silent for {quiet.days} days (usually a new item every "
                f"{max(usual.days, 1)} day{'s' if usual.days > 1 else ''})"
            )
    if kind == "page" and last_entries == 0 and had_entries_before:
        flags.append("its link pattern no longer matches any link on the page")
    if recent_words is not None and usual_words and recent_words < usual_words * SHORTER_RATIO:
        flags.append(
            f"recent texts are much shorter ({recent_words:.0f} words against "
            f"{usual_words:.0f} usually): has the site changed its layout?"
        )
    return flags
