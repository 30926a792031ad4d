"""What a pass reports: per source, per stage, in all; and who watches it as it goes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from veille import i18n
from veille.errors import one_line

HOSTS_NAMED = 10  # hosts given up that the summary names; the others are counted


@dataclass(slots=True)
class SourceOutcome:
    """What happened to one source during a pass."""

    source_id: str
    status: str  # "ok" | "not-modified" | "error"
    entries: int = 0
    new_articles: int = 0
    pages_fetched: int = 0
    page_errors: int = 0
    resighted: int = 0  # entries seen before under another GUID or query string (churn)
    error: str | None = None
    error_kind: str | None = None
    warnings: list[str] = field(default_factory=list)  # what the parser skipped or cut
    seconds: float = 0.0
    # Hosts given up for the pass (veille.hosts) -> this source's pages (or feed) left unfetched.
    hosts_given_up: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != "error"

    def gave_up(self, host: str) -> None:
        """One page (or the feed) of this source not fetched: its host was given up."""
        self.hosts_given_up[host] = self.hosts_given_up.get(host, 0) + 1


@dataclass(slots=True)
class Timings:
    """Where a pass spent its time, in seconds (stored with the run, read by ``bench/perf.py``).

    The sources run concurrently, so the per-stage sums overlap each other and exceed the
    pass's wall time: ``fetch_*`` add up how long every request took, its waits for a free
    slot on its host and for room in the extraction queue included; ``extract_cpu`` is the
    CPU time the extraction workers spent in trafilatura; ``parse`` and ``store`` the work done
    in this process (feed parsing; DuckDB queries and commits, in the store thread).
    """

    sources_wall: float = 0.0  # fetching, extracting and storing every source, start to end
    fetch_feeds: float = 0.0
    fetch_pages: float = 0.0
    parse: float = 0.0
    extract_cpu: float = 0.0
    store: float = 0.0
    dedup: float = 0.0
    classify: float = 0.0
    pages_extracted: int = 0

    def as_dict(self) -> dict[str, float]:
        return {name: round(float(getattr(self, name)), 3) for name in self.__dataclass_fields__}


@dataclass(slots=True)
class DedupSummary:
    """What the duplicate stage did to the new articles of a pass."""

    articles: int = 0
    duplicates: int = 0  # new articles that joined an existing story
    seconds: float = 0.0


@dataclass(slots=True)
class ClassifySummary:
    articles: int = 0
    off_topic: int = 0
    model: str = ""
    trained: bool = False  # a first model was trained from the seed during this pass
    retrained: bool | None = None  # curators' decisions retrained it: swapped in, or not
    seconds: float = 0.0


@dataclass(slots=True)
class RunSummary:
    """Totals of one pass, printed at the end of ``veille run``."""

    run_id: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    dedup: DedupSummary | None = None
    classify: ClassifySummary | None = None
    seconds: float = 0.0
    # Sources skipped because they are backing off after errors: (id, due again at).
    waiting: list[tuple[str, datetime]] = field(default_factory=list)
    offline: bool = False  # every source failed for network reasons: errors not counted
    crashed_runs: list[str] = field(default_factory=list)  # left "running" by a dead process
    timings: Timings = field(default_factory=Timings)
    alerts: list[str] = field(default_factory=list)  # what the alerts sent, or why not

    @property
    def sources_ok(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def sources_failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)

    @property
    def sources_not_modified(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "not-modified")

    @property
    def entries_seen(self) -> int:
        return sum(o.entries for o in self.outcomes)

    @property
    def new_articles(self) -> int:
        return sum(o.new_articles for o in self.outcomes)

    @property
    def pages_fetched(self) -> int:
        return sum(o.pages_fetched for o in self.outcomes)

    @property
    def page_errors(self) -> int:
        return sum(o.page_errors for o in self.outcomes)

    @property
    def hosts_given_up(self) -> dict[str, int]:
        """Hosts given up for the pass -> pages of every source left unfetched, most first."""
        pages: Counter[str] = Counter()
        for o in self.outcomes:
            pages.update(o.hosts_given_up)
        return dict(sorted(pages.items(), key=lambda item: (-item[1], item[0])))

    def hosts_line(self) -> str | None:
        """The summary's one line on the hosts given up (None: none was)."""
        return hosts_given_up_line(self.hosts_given_up)

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "waiting": [sid for sid, _ in self.waiting],
            "offline": self.offline,
            "sources_ok": self.sources_ok,
            "sources_failed": self.sources_failed,
            "sources_not_modified": self.sources_not_modified,
            "entries_seen": self.entries_seen,
            "new_articles": self.new_articles,
            "pages_fetched": self.pages_fetched,
            "page_errors": self.page_errors,
            "hosts_given_up": self.hosts_given_up,
            "duplicates": self.dedup.duplicates if self.dedup else 0,
            "classified": self.classify.articles if self.classify else 0,
            "off_topic": self.classify.off_topic if self.classify else 0,
            "model": self.classify.model if self.classify else None,
            "seconds": round(self.seconds, 3),
            "timings": self.timings.as_dict(),
            "failed": {o.source_id: o.error for o in self.outcomes if not o.ok},
            "warnings": {o.source_id: o.warnings for o in self.outcomes if o.warnings},
        }


def hosts_given_up_line(hosts: Mapping[str, int]) -> str | None:
    """« 3 hôtes injoignables abandonnés pour cette passe : exemple.org (12 pages), … » for
    ``hosts`` (host -> pages), the first :data:`HOSTS_NAMED` named; None for none."""
    if not hosts:
        return None
    named = [
        i18n.counted("run.host_pages", n, host=one_line(host, 100))
        for host, n in list(hosts.items())[:HOSTS_NAMED]
    ]
    if len(hosts) > HOSTS_NAMED:
        more = len(hosts) - HOSTS_NAMED
        named.append(i18n.counted("run.hosts_more", more))
    listed = ", ".join(named)
    if len(hosts) == 1:
        return i18n.message("run.hosts_given_up_one", hosts=listed)
    return i18n.message("run.hosts_given_up", count=len(hosts), hosts=listed)


class Observer(Protocol):
    """Receives progress events (the CLI draws a progress bar from them)."""

    def pages_queued(self, source_id: str, count: int) -> None: ...
    def page_done(self, source_id: str) -> None: ...
    def source_done(self, outcome: SourceOutcome) -> None: ...


class NullObserver:
    def pages_queued(self, source_id: str, count: int) -> None:
        pass

    def page_done(self, source_id: str) -> None:
        pass

    def source_done(self, outcome: SourceOutcome) -> None:
        pass
