"""Exploitation records in the app: recording what is done about a stored story
(``/actions/nouvelle?article=ID``), and one action's page (``/actions/{id}``): its story, where
it stands, a form that records a new version, and every version with who changed what, when.

The rules are :func:`veille.actions.check`'s, as on the command line (``veille action``). A
refused form comes back as the whole page with its error beside the form and what was typed
kept (HTTP 400: htmx swaps error answers in, and without JavaScript it is a page like any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from veille.actions import (
    ACTION_TYPES,
    IMPACTS,
    STATUSES,
    ActionFields,
    ActionRecord,
    check,
    indicators_of,
    known_indicators,
    label,
)
from veille.errors import UsageError, VeilleError
from veille.render import format_date, format_moment
from veille.store import Story
from veille.web.context import WebContext, back, failure, page
from veille.web.followup import sentence, today
from veille.web.forms import _article_id
from veille.weeks import parse_day

MAX_FIELD = 10_000  # characters kept of a typed field (check() gives the real limits)
SHOWN_FIELDS = ("impact", "what", "type", "owner", "due", "status", "evidence", "indicators")


@dataclass(frozen=True, slots=True)
class Typed:
    """An action form as typed, kept as text so that a refused one is shown again as it was."""

    what: str = ""
    type: str = "autre"
    impact: str = "a-etudier"
    owner: str = ""
    due: str = ""  # YYYY-MM-DD, as <input type=date> sends it
    status: str = "planned"
    evidence: str = ""
    indicators: tuple[str, ...] = ()

    @classmethod
    def of(cls, fields: ActionFields) -> Typed:
        return cls(
            fields.what, fields.type, fields.impact, fields.owner,
            fields.due.isoformat() if fields.due else "", fields.status,
            fields.evidence or "", fields.indicators,
        )  # fmt: skip


def new_action(request: Request) -> Response:
    """The form for a story's exploitation record; its POST records version 1."""
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    raw = request.query_params.get("article", "").strip()
    if not raw:
        return failure(request, 400, t["act_no_article"])
    story = store.story(_article_id(raw))
    if story is None:
        return failure(request, 404, t["act_unknown_article"].format(id=raw[:64]))
    user = str(request.session.get("user", ""))
    if request.method == "GET":
        typed = Typed(owner=user, indicators=indicators_of(story.tags, config.taxonomy))
        return _new_page(request, story, typed)
    typed = _typed(request.state.form)
    try:
        fields = _checked(request, typed)
    except UsageError as exc:
        return _new_page(request, story, typed, error=sentence(str(exc)))
    record = store.add_action(story.id, fields, user)
    return back(request, f"/actions/{record.id}", t["act_recorded"].format(id=record.id))


def action_page(request: Request) -> Response:
    """An action, its story and history; its POST records a new version."""
    web = WebContext.of(request)
    store, t = web.store, web.t
    action_id = int(request.path_params["action_id"])
    current = store.action(action_id)
    if current is None:
        return failure(request, 404, t["act_unknown"].format(id=action_id))
    if request.method == "GET":
        return _action_page(request, current, Typed.of(current.fields))
    form = request.state.form
    typed = _typed(form)
    seen = form.get("version")
    if isinstance(seen, str) and seen.strip() != str(current.version):
        # Someone saved it since this form was shown: say so rather than undo their change
        # unseen. The form, as typed, now carries the current version: saving again is a choice.
        when = format_moment(current.changed_at, web.config.settings.timezone, web.lang)
        conflict = t["act_conflict"].format(who=current.changed_by, when=when)
        return _action_page(request, current, typed, error=conflict, status=409)
    try:
        fields = _checked(request, typed)
    except UsageError as exc:
        return _action_page(request, current, typed, error=sentence(str(exc)))
    if fields == current.fields:
        return back(request, f"/actions/{action_id}", t["act_unchanged"])
    store.change_action(action_id, fields, str(request.session.get("user", "")))
    return back(request, f"/actions/{action_id}", t["act_changed"].format(id=action_id))


def _new_page(request: Request, story: Story, typed: Typed, error: str | None = None) -> Response:
    web = WebContext.of(request)
    existing = web.store.actions(article_ids=[story.id])
    return page(
        request,
        "action_new.html",
        status=400 if error else 200,
        story=story,
        existing=existing,
        today=today(web.config),
        form=_form_context(
            request, typed, f"/actions/nouvelle?article={story.id}", error, web.t["act_record"]
        ),
    )


def _action_page(
    request: Request,
    current: ActionRecord,
    typed: Typed,
    error: str | None = None,
    status: int = 400,
) -> Response:
    web = WebContext.of(request)
    history = web.store.action_history(current.id)
    changes = [
        _changes(before, after, web.lang)
        for before, after in zip([None, *history[:-1]], history, strict=True)
    ]
    return page(
        request,
        "action.html",
        status=status if error else 200,
        record=current,
        overdue=current.overdue(today(web.config)),
        history=list(zip(history, changes, strict=True))[::-1],  # the latest first
        form=_form_context(
            request, typed, f"/actions/{current.id}", error, web.t["act_save"], current.version
        ),
    )


def _form_context(
    request: Request,
    typed: Typed,
    target: str,
    error: str | None,
    submit: str,
    version: int | None = None,  # the version a change form was made from
) -> dict[str, Any]:
    web = WebContext.of(request)
    config, store, t, lang = web.config, web.store, web.t, web.lang
    return {
        "typed": typed,
        "target": target,
        "error": error,
        "submit": submit,
        "version": version,
        # A new record's indicators come from the story's tags; a stored one's are its own.
        "hint": t["act_indicators_hint"] if target.startswith("/actions/nouvelle") else "",
        "types": [(v, label(v, lang)) for v in ACTION_TYPES],
        "impacts": [(v, label(v, lang)) for v in IMPACTS],
        "statuses": [(v, label(v, lang)) for v in STATUSES],
        # The accounts; and the owner as typed or stored, even when no account has that name
        # any more: shown, never silently replaced by the first account of the list.
        "users": sorted({u.name for u in store.users()} | ({typed.owner} - {""})),
        "indicators": [
            (i, f"{i} · {t[f'ind_{i}']}" if f"ind_{i}" in t else i)
            for i in known_indicators(config.taxonomy)
        ],
    }


def _typed(form: Any) -> Typed:
    def text(name: str) -> str:
        value = form.get(name)
        return value[:MAX_FIELD] if isinstance(value, str) else ""

    indicators = tuple(str(v)[:16] for v in form.getlist("indicator") if isinstance(v, str))
    return Typed(
        text("what"), text("type"), text("impact"), text("owner").strip(), text("due").strip(),
        text("status"), text("evidence"), indicators[:50],
    )  # fmt: skip


def _checked(request: Request, typed: Typed) -> ActionFields:
    """The typed form as fields the store takes, or a :class:`UsageError` saying what is wrong."""
    web = WebContext.of(request)
    due: date | None = None
    if typed.due:
        try:
            due = parse_day(typed.due)
        except VeilleError as exc:
            raise UsageError(web.t["act_bad_due"].format(error=exc)) from None
    fields = ActionFields(
        typed.what, typed.type, typed.impact, typed.owner, due, typed.status,
        typed.evidence, typed.indicators,
    )  # fmt: skip
    users = [u.name for u in web.store.users()]
    return check(fields, users=users, indicators=known_indicators(web.config.taxonomy))


def _changes(
    before: ActionRecord | None, after: ActionRecord, lang: str
) -> list[tuple[str, str, str]]:
    """(field, old, new) for each field a version changed; every field set, for the first."""
    found = []
    for name in SHOWN_FIELDS:
        now = getattr(after.fields, name)
        if before is None:
            if now not in (None, "", ()):
                found.append((name, "", _shown(name, now, lang)))
        elif (was := getattr(before.fields, name)) != now:
            found.append((name, _shown(name, was, lang), _shown(name, now, lang)))
    return found


def _shown(name: str, value: object, lang: str) -> str:
    if value is None or value in ("", ()):
        return "—"
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, tuple):
        return ", ".join(value)
    return label(str(value), lang) if name in ("type", "impact", "status") else str(value)
