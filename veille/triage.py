"""Curators teach the model: the week's items it is least sure of, and its off-topic ones.

Each answer is a curator's decision (``Store.record_decision``), the same label a retag or a
rejection gives: the next run retrains once enough of them arrived
(``learning.retrain_if_due``), and the new model is used only if it is not worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from veille import i18n
from veille.config import Config
from veille.errors import TriageError
from veille.models import StoredArticle
from veille.store import Store
from veille.weeks import week_bounds

QUEUE = 10  # items in "Aidez veille à trier"
RETRAIN_AFTER = 20  # new decisions that make the next run retrain before classifying


@dataclass(slots=True)
class WeekToSort:
    queue: list[StoredArticle] = field(default_factory=list)  # least sure first
    off_topic: list[StoredArticle] = field(default_factory=list)  # newest first
    decisions: int = 0  # curators' decisions stored, all weeks
    # Per article id: how sure the model is, 0 % on the threshold, 100 % at a score of 0 or 1.
    certainty: dict[str, int] = field(default_factory=dict)


def week_to_sort(config: Config, store: Store, week: str, *, size: int = QUEUE) -> WeekToSort:
    """The week's undecided articles whose relevance score is nearest the threshold, and the
    week's undecided articles the model set aside as off-topic (one per story)."""
    since, until = week_bounds(week, config.settings.timezone)
    rows = store.articles(since=since, until=until, off_topic=True)
    decisions = store.decisions()
    decided = {d.article_id for d in decisions}
    open_ = [(r, r.score) for r in rows if r.id not in decided and r.score is not None]
    threshold = config.settings.relevance_threshold
    span = max(threshold, 1 - threshold)
    certainty = {r.id: round(100 * abs(score - threshold) / span) for r, score in open_}
    # Ordered by the exact distance to the threshold (the rounded percentage ties too often).
    queue = [r for r, _ in sorted(open_, key=lambda x: (abs(x[1] - threshold), x[0].id))][:size]
    off = [r for r, _ in open_ if r.relevant is False]
    return WeekToSort(queue, off, len(decisions), certainty)


def answer(
    config: Config, store: Store, article_id: str, tags: Sequence[str], *, relevant: bool = True
) -> None:
    """A curator's answer on one article: relevant with its tags (the first is its section; a
    rescue from the off-topic list is one), or off-topic."""
    chosen = [t for t in tags if t] if relevant else []
    unknown = [t for t in chosen if t not in config.tag_ids()]
    if unknown:
        raise TriageError(i18n.message("triage.unknown_tag", tag=unknown[0]))
    if relevant and not chosen:
        raise TriageError(i18n.message("triage.no_tag"))
    if relevant:
        found = store.record_decision([article_id], "tags", relevant=True, tags=chosen)
    else:
        found = store.record_decision([article_id], "reject", relevant=False, tags=None)
    if not found:
        raise TriageError(i18n.message("triage.unknown_article", id=article_id))
