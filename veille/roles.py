"""Who may do what: the three roles of a watch team and the one table that decides.

Every route of the web app declares the :class:`Action` it needs (``guarded(..., needs=...)``)
and the guard asks :func:`can` on the server for every request, whatever the page showed::

    can(Role.CONTRIBUTOR, Action.SUGGEST)   # True: trainers suggest articles
    can(Role.CURATOR, Action.SEND)          # False: sending the letter is an admin's
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A user's role, as stored in ``users.role``."""

    ADMIN = "admin"  # users, sources, settings, subscribers, sending; and everything below
    CURATOR = "curator"  # curation, publication, exploitation records; and everything below
    CONTRIBUTOR = "contributor"  # trainers: read, search, suggest an article


class Action(enum.StrEnum):
    """What a route does, as the permission table knows it."""

    READ = "read"  # the week, the preview, the archive, a job's progress
    SUGGEST = "suggest"  # suggest an article for the week's letter
    CURATE = "curate"  # draft, keep, drop, move, tag, summarise, annotate, sort
    PUBLISH = "publish"  # publish the letter, approve it for automatic publication
    RECORD = "record"  # exploitation records (what was done with a story), the register
    SEND = "send"  # send the letter to the subscribers
    SUBSCRIBERS = "subscribers"  # who receives the letter
    SOURCES = "sources"  # add, edit, switch, delete, import sources
    ALERTS = "alerts"  # saved searches and who they go to (sending, between two letters)
    USERS = "users"  # accounts and their roles, the team's activity


_CONTRIBUTOR = frozenset({Action.READ, Action.SUGGEST})
_CURATOR = _CONTRIBUTOR | {Action.CURATE, Action.PUBLISH, Action.RECORD}
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CONTRIBUTOR: _CONTRIBUTOR,
    Role.CURATOR: frozenset(_CURATOR),
    Role.ADMIN: frozenset(Action),
}


def can(role: Role | str | None, action: Action) -> bool:
    """Whether ``role`` may do ``action``; an unknown or missing role may do nothing."""
    try:
        known = Role(role) if role is not None else None
    except ValueError:
        return False
    return known is not None and action in PERMISSIONS[known]


def parse_role(value: str) -> Role:
    """A role from what a person typed (``admin``, ``Curator``…); ValueError otherwise."""
    return Role(value.strip().lower())
