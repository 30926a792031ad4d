"""Source health rules: when to try a failing source again, and when a quiet source is worrying.

Decided here, applied by :mod:`veille.pipeline`, and shown as :class:`SourceHealth` (built by
:func:`assess` from the store's figures) by ``veille sources check``, the web app's Sources page
and the curators' draft.

- **Backoff**: after ``n`` consecutive errors a source waits
  ``BASE × 2^(n-1)``, capped at ``CAP`` (a day), plus a random 0–25 % so that sources failing
  together do not all come back at the same instant (miniflux#3130). A success resets it. A
  source is never disabled by errors: it keeps being tried at least once a day.
- **Retry-After**: a 429/503 that says when to come back is obeyed, across runs too.
- **Outage**: when every source tried in a pass fails with a network-class error, the machine is
  offline, not the sources (miniflux#1893, #2150): those errors are not counted and nobody backs
  off. Two sources failing together are evidence enough; one alone is not (its own server may
  be down), so the pass then knocks at the servers of up to three other sources
  (:func:`probe_targets`, those that answered last first): if none of them answers either, it
  is an outage; if one answers, or there is no other source to ask, the error counts.
- **Silent**: a source that usually brings new items and has brought none for three times its
  usual interval is flagged; so is a page source whose link pattern stopped matching, and a
  source whose recent texts became much shorter than before (extraction broken by a redesign).
- **Status** (:attr:`SourceHealth.status`): ``ok`` only for a source that has answered at least
  once and has no error counted against it now; ``failing`` for one with errors counted, or
  tried and never answered (even when its errors were forgiven as an outage); ``never-fetched``
  for one never tried; ``disabled``. Only the sources veille watches are judged
  (:func:`assess` given the effective list, :func:`veille.sourcelist.effective`): those
  removed from the configuration keep their history in the database but are not shown.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from veille import i18n
from veille.config import Source
from veille.errors import DeadlineExceededError, NetworkError
from veille.models import SourceFigures

BASE = timedelta(minutes=30)
CAP = timedelta(days=1)
JITTER = 0.25
# Error kinds (veille.errors) that say "the network", not "this source".
NETWORK_KINDS = frozenset({NetworkError.kind, DeadlineExceededError.kind})
SILENT_FACTOR = 3.0  # silent after 3 × the usual interval between new items
MIN_HISTORY = 3  # new items needed before a source's usual interval means anything
SHORTER_RATIO = 0.5  # recent texts under half their usual length: extraction may be broken
OUTAGE_EVIDENCE = 2  # sources failing together for network reasons: the network, no doubt
PROBE_HOSTS = 3  # servers of other sources asked when fewer failed (one source alone)
PROBE_TIMEOUT = 3.0  # seconds each of them has to accept a connection


def backoff_delay(consecutive_errors: int, rng: random.Random | None = None) -> timedelta:
    """How long a source waits after ``consecutive_errors`` failures in a row (0: no wait)."""
    if consecutive_errors <= 0:
        return timedelta(0)
    step = min(BASE * (1 << min(consecutive_errors - 1, 20)), CAP)
    draw: float = (rng or random.Random()).random()  # noqa: S311 - jitter, not a secret
    return step * (1 + JITTER * draw)


def next_check_in(
    consecutive_errors: int,
    rng: random.Random | None = None,
    *,
    retry_after: float | None = None,
) -> timedelta | None:
    """How long until a failing source is due again; None once it succeeds.

    A server's Retry-After (seconds, already capped at a week by veille.fetch) wins over a
    shorter backoff: asking again sooner is what gets a bot banned.
    """
    if consecutive_errors <= 0:
        return None
    delay = backoff_delay(consecutive_errors, rng)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def next_check(
    consecutive_errors: int,
    now: datetime,
    rng: random.Random | None = None,
    *,
    retry_after: float | None = None,
) -> datetime | None:
    """When a failing source is due again (:func:`next_check_in` from ``now``)."""
    delay = next_check_in(consecutive_errors, rng, retry_after=retry_after)
    return None if delay is None else now + delay


def needs_probe(error_kinds: Sequence[str | None]) -> bool:
    """True when the sources tried all failed for network reasons but are too few to tell an
    outage from a server that is down: the caller then asks other sources' servers
    (:func:`probe_targets`) and passes their answers to :func:`is_outage`."""
    return 0 < len(error_kinds) < OUTAGE_EVIDENCE and all(k in NETWORK_KINDS for k in error_kinds)


def is_outage(error_kinds: Sequence[str | None], answers: Sequence[bool | None] = ()) -> bool:
    """True when every source tried failed for network reasons and that says "the network":
    at least two of them did, or the servers of other sources were asked (``answers``: True
    answered, False did not, None could not be asked) and none of those asked answered."""
    if not error_kinds or not all(k in NETWORK_KINDS for k in error_kinds):
        return False
    if len(error_kinds) >= OUTAGE_EVIDENCE:
        return True
    asked = [a for a in answers if a is not None]
    return bool(asked) and not any(asked)


def probe_targets(
    failed_urls: Sequence[str],
    others: Sequence[tuple[str, datetime | None]],
    limit: int = PROBE_HOSTS,
) -> list[tuple[str, int]]:
    """The (host, port) of up to ``limit`` other sources to knock at when one source failed
    for network reasons: ``others`` are (url, last success), those that answered most recently
    first (never: last), each server once, never the failed sources' own servers."""
    skip = {_endpoint(url) for url in failed_urls}
    never = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(others, key=lambda o: o[1] or never, reverse=True)  # stable: file order
    targets: list[tuple[str, int]] = []
    for url, _ in ranked:
        target = _endpoint(url)
        if target is not None and target not in skip and target not in targets:
            targets.append(target)
        if len(targets) >= limit:
            break
    return targets


def _endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) a URL connects to, or None when it names none."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "imaps": 993, "imap": 143}.get(parts.scheme, 80)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


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
            usually = i18n.counted("health.every_days", max(usual.days, 1))
            flags.append(i18n.counted("health.silent", quiet.days, usually=usually))
    if kind == "page" and last_entries == 0 and had_entries_before:
        flags.append(i18n.message("health.pattern_lost"))
    if recent_words is not None and usual_words and recent_words < usual_words * SHORTER_RATIO:
        flags.append(
            i18n.message("health.shorter", recent=f"{recent_words:.0f}", usual=f"{usual_words:.0f}")
        )
    return flags


@dataclass(frozen=True, slots=True)
class SourceHealth(SourceFigures):
    """A source as ``veille sources check``, the Sources page and the draft show it: the
    store's figures, judged."""

    entries_per_week: float  # new entries, average of the last 90 days
    flags: tuple[str, ...]  # silent, link pattern no longer matching, texts much shorter

    @property
    def status(self) -> str:
        """``ok``, ``failing``, ``never-fetched`` or ``disabled`` (see the module's notes)."""
        if not self.enabled:
            return "disabled"
        if self.error_count:
            return "failing"
        if self.last_success_at is None:
            tried = self.last_fetch_at is not None or self.last_error_at is not None
            return "failing" if tried else "never-fetched"
        return "ok"

    @property
    def error(self) -> str | None:
        """The error to read: the last one while it counts, or the last one of a source that
        never answered, said to be not counted when an outage forgave it."""
        if not self.last_error or self.status != "failing":
            return None
        if self.error_count:
            return self.last_error
        return i18n.message("health.not_counted", error=self.last_error)

    @property
    def problems(self) -> list[str]:
        """What the curators should know: the current error, then the warnings."""
        return [*([self.error] if self.error else []), *self.flags]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``veille sources check --json``): dates in ISO 8601, UTC."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "url": self.url,
            "kind": self.kind,
            "name": self.name,
            "enabled": self.enabled,
            "ok": self.status == "ok",
            "status": self.status,
            "error_count": self.error_count,
            "total_errors": self.total_errors,
            "last_error": self.last_error,
            "last_error_kind": self.last_error_kind,
            "last_error_at": iso(self.last_error_at),
            "last_success_at": iso(self.last_success_at),
            "last_fetch_at": iso(self.last_fetch_at),
            "last_new_at": iso(self.last_new_at),
            "entries": self.entries,
            "articles": self.articles,
            "last_entries": self.last_entries,
            "next_check_at": iso(self.next_check_at),
            "entries_per_week": self.entries_per_week,
            "flags": list(self.flags),
        }


def assess(
    figures: Sequence[SourceFigures], now: datetime, sources: Sequence[Source] | None = None
) -> list[SourceHealth]:
    """The health of each source, from what the store knows of it.

    ``sources``: the sources watched (:func:`veille.sourcelist.effective`), in their order,
    each once, with its address, kind, name and switch as configured; a source removed from
    them is left out (its history stays in the database), one the store has not seen yet is
    ``never-fetched``. None: every source the store knows (without a configuration).
    """
    if sources is not None:
        stored = {f.id: f for f in figures}
        figures = [_as_configured(s, stored.get(s.id)) for s in sources]
    return [
        SourceHealth(
            **{field.name: getattr(f, field.name) for field in fields(SourceFigures)},
            entries_per_week=round(f.new_items_90d / (90 / 7), 1),
            flags=tuple(
                silent_flags(
                    kind=f.kind,
                    new_items_90d=f.new_items_90d,
                    last_new_at=f.last_new_at,
                    last_entries=f.last_entries,
                    had_entries_before=f.had_entries_before,
                    recent_words=f.recent_words,
                    usual_words=f.usual_words,
                    now=now,
                )
            ),
        )
        for f in figures
    ]


def _as_configured(source: Source, stored: SourceFigures | None) -> SourceFigures:
    """The store's figures of a watched source, named as configured (blank if never seen)."""
    if stored is not None:
        return replace(
            stored, url=source.url, kind=source.kind, name=source.name, enabled=source.enabled
        )
    return SourceFigures(
        id=source.id, url=source.url, kind=source.kind, name=source.name, enabled=source.enabled,
        error_count=0, total_errors=0, last_error=None, last_error_kind=None, last_error_at=None,
        last_success_at=None, last_fetch_at=None, last_new_at=None, next_check_at=None,
        last_entries=None, entries=0, articles=0, new_items_90d=0, had_entries_before=False,
        recent_words=None, usual_words=None,
    )  # fmt: skip
