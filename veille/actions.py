"""Exploitation records: what the organisation did with a story it kept.

A Qualiopi audit checks the use of the watch, not the subscription: for an item, the chain
*source → analysis → action → owner → date*, tied to an indicator (see ``DOMAIN.md``). An
:class:`ActionRecord` is that chain for one story: the analysis (``impact``), the action
(``what`` and its ``type``), who carries it (``owner``, a user), by when (``due``), where it
stands (``status`` and since when), the evidence, and the indicators it serves.

Records are never overwritten: every change is a new version, with who made it and when
(:meth:`veille.store.Store.action_history`). This module holds the vocabulary and the rules
(:func:`check`); the store keeps the versions, the web app and the command line call both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from veille import i18n
from veille.errors import UsageError
from veille.taxonomy import Tag

# What was done (the audit's "action"): the values the command line takes, in order.
ACTION_TYPES = ("programme", "formateurs", "procedure", "document", "apprenants", "autre")
# The analysis: what the item changes for the organisation's offer.
IMPACTS = ("aucun", "a-etudier", "impact")
STATUSES = ("planned", "done", "dropped")
OPEN_STATUSES = ("planned",)
INDICATOR_RE = re.compile(r"^I\d{1,2}$")
MAX_WHAT_CHARS = 2_000
MAX_EVIDENCE_CHARS = 1_000

LABELS: dict[str, tuple[str, str]] = {
    "programme": ("Programme ou contenu de formation mis à jour", "Programme or course updated"),
    "formateurs": ("Formateurs informés", "Trainers informed"),
    "procedure": ("Procédure modifiée", "Procedure changed"),
    "document": ("Document modifié", "Document changed"),
    "apprenants": ("Information des apprenants modifiée", "Learner information changed"),
    "autre": ("Autre", "Other"),
    "aucun": ("Aucun impact sur notre offre", "No impact on our offer"),
    "a-etudier": ("À étudier", "To study"),
    "impact": ("Impact sur notre offre", "Impact on our offer"),
    "planned": ("Prévue", "Planned"),
    "done": ("Réalisée", "Done"),
    "dropped": ("Abandonnée", "Dropped"),
}


def label(value: str, lang: str | None = None) -> str:
    """The words for a type, an impact or a status, in ``lang`` (default: the current one)."""
    pair = LABELS.get(value)
    if pair is None:
        return value
    return pair[0] if (lang or i18n.current()) == "fr" else pair[1]


@dataclass(frozen=True, slots=True)
class ActionFields:
    """What a person sets on an exploitation record (everything but who and when)."""

    what: str
    type: str = "autre"
    impact: str = "a-etudier"
    owner: str = ""
    due: date | None = None
    status: str = "planned"
    evidence: str | None = None
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One version of an exploitation record, with its story (dates aware, in UTC)."""

    id: int
    version: int  # 1 for the record as first written, then one more per change
    article_id: str
    fields: ActionFields
    status_at: datetime  # since when it has its status
    created_at: datetime
    created_by: str
    changed_at: datetime  # when this version was written
    changed_by: str
    title: str  # the story's
    url: str
    source_id: str
    source_name: str | None

    @property
    def is_open(self) -> bool:
        return self.fields.status in OPEN_STATUSES

    def overdue(self, today: date) -> bool:
        return self.is_open and self.fields.due is not None and self.fields.due < today


def check(fields: ActionFields, *, users: Iterable[str], indicators: Iterable[str]) -> ActionFields:
    """The fields cleaned, or a :class:`UsageError` naming the first one that is not usable.

    ``users`` are the accounts that can own an action; ``indicators`` the ones the taxonomy
    knows (plus I23-I26).
    """
    what = " ".join(fields.what.split())
    if not what:
        raise UsageError(i18n.message("action.what_missing"))
    if len(what) > MAX_WHAT_CHARS:
        raise UsageError(i18n.message("action.too_long", field="what", chars=MAX_WHAT_CHARS))
    for value, allowed, option in (
        (fields.type, ACTION_TYPES, "type"),
        (fields.impact, IMPACTS, "impact"),
        (fields.status, STATUSES, "status"),
    ):
        if value not in allowed:
            raise UsageError(
                i18n.message("action.bad_choice", option=option, value=value, allowed=allowed)
            )
    known_users = set(users)
    if fields.owner not in known_users:
        key = "action.owner_unknown" if known_users else "action.no_users"
        raise UsageError(
            i18n.message(key, owner=fields.owner, users=", ".join(sorted(known_users)))
        )
    evidence = " ".join((fields.evidence or "").split()) or None
    if evidence is not None and len(evidence) > MAX_EVIDENCE_CHARS:
        raise UsageError(
            i18n.message("action.too_long", field="evidence", chars=MAX_EVIDENCE_CHARS)
        )
    known = set(indicators)
    chosen = tuple(dict.fromkeys(i.strip().upper() for i in fields.indicators if i.strip()))
    for indicator in chosen:
        if not INDICATOR_RE.match(indicator) or indicator not in known:
            raise UsageError(
                i18n.message("action.bad_indicator", value=indicator, allowed=sorted(known))
            )
    return replace(fields, what=what, evidence=evidence, indicators=tuple(sorted(chosen)))


def indicators_of(tags: Sequence[str], taxonomy: Sequence[Tag]) -> tuple[str, ...]:
    """The Qualiopi indicators a story with these tags serves, through the taxonomy: each tag's
    own indicator and those it is also filed under (disability items: I26 and I23)."""
    by_tag = {t.id: t for t in taxonomy}
    found: set[str] = set()
    for tag_id in tags:
        tag = by_tag.get(tag_id)
        if tag is None:
            continue
        if tag.indicator:
            found.add(tag.indicator)
        found.update(tag.also)
    return tuple(sorted(found))


def known_indicators(taxonomy: Sequence[Tag]) -> tuple[str, ...]:
    """I23-I26 and any other indicator the taxonomy names."""
    found = {"I23", "I24", "I25", "I26"}
    for tag in taxonomy:
        if tag.indicator:
            found.add(tag.indicator)
        found.update(tag.also)
    return tuple(sorted(found, key=lambda i: int(i[1:])))
