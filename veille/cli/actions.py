"""``veille action``: what was done with a story (the Qualiopi exploitation records)."""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from veille import clock, i18n
from veille.actions import ActionFields, ActionRecord, check, indicators_of, known_indicators
from veille.actions import label as word
from veille.cli.common import Context, day_option, out
from veille.config import Config
from veille.errors import NotFoundError, UsageError, VeilleError
from veille.store import Store

action_app = typer.Typer(
    help="What was done with a story: analysis, action, owner, due date (Qualiopi).",
    no_args_is_help=True,
)

_TYPE = "programme, formateurs, procedure, document, apprenants or autre."
_BY = "Who records it (default: this system account's name)."


@action_app.command("add")
def action_add(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="The story's article id (or 6+ characters).")],
    what: Annotated[str, typer.Option("--what", help="What is done or planned.")],
    owner: Annotated[str, typer.Option("--owner", help="Who carries it (a veille account).")],
    type_: Annotated[str, typer.Option("--type", help=_TYPE)] = "autre",
    impact: Annotated[str, typer.Option(help="aucun, a-etudier or impact.")] = "a-etudier",
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    status: Annotated[str, typer.Option(help="planned, done or dropped.")] = "planned",
    evidence: Annotated[str | None, typer.Option(help="A link or a document name.")] = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option(help="Qualiopi indicator served (repeat it); default: from the tags."),
    ] = None,
    by: Annotated[str | None, typer.Option(help=_BY)] = None,
) -> None:
    """Record what is planned or done about a story."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    (article_id,) = _resolve(store, article)
    indicators = tuple(indicator or ()) or _default_indicators(config, store, article_id)
    fields = ActionFields(
        what, type_, impact, owner, _due(due), status, evidence, indicators
    )  # fmt: skip
    record = store.add_action(article_id, _checked(config, store, fields), _by(by))
    out.print(_done("action.added", record), highlight=False)


@action_app.command("update")
def action_update(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="The action's number (veille action list).")],
    what: Annotated[str | None, typer.Option("--what", help="What is done or planned.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who carries it.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help=_TYPE)] = None,
    impact: Annotated[str | None, typer.Option(help="aucun, a-etudier or impact.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD; 'none' clears.")] = None,
    status: Annotated[str | None, typer.Option(help="planned, done or dropped.")] = None,
    evidence: Annotated[str | None, typer.Option(help="A link or a document name.")] = None,
    indicator: Annotated[
        list[str] | None, typer.Option(help="Qualiopi indicators served (replace them).")
    ] = None,
    by: Annotated[str | None, typer.Option(help=_BY)] = None,
) -> None:
    """Change an action: a new version is kept beside the old ones, with who and when."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    current = store.action(number)
    if current is None:
        raise NotFoundError(i18n.message("action.unknown", id=number))
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("what", what), ("owner", owner), ("type", type_), ("impact", impact),
            ("status", status), ("evidence", evidence),
        )
        if value is not None
    }  # fmt: skip
    if due is not None:
        changes["due"] = None if due.strip().lower() in {"none", "aucune", ""} else _due(due)
    if indicator:
        changes["indicators"] = tuple(indicator)
    if not changes:
        raise UsageError(i18n.message("action.nothing_to_change"))
    fields = _checked(config, store, replace(current.fields, **changes))
    record = store.change_action(number, fields, _by(by))
    out.print(_done("action.changed", record), highlight=False)


@action_app.command("list")
def action_list(
    ctx: typer.Context,
    open_: Annotated[bool, typer.Option("--open", help="Only the actions still planned.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List actions: due date first, overdue ones marked."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    records = store.actions(open_only=open_)
    if as_json:
        rows = [_as_json(r, store.action_history(r.id)) for r in records]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    today = clock.now().astimezone(ZoneInfo(config.settings.timezone)).date()
    fr = i18n.current() == "fr"
    table = Table()
    heads = ("n°", "article", "action", "type", "responsable", "échéance", "statut", "indic.")
    heads_en = ("no.", "article", "action", "type", "owner", "due", "status", "ind.")
    for head in heads if fr else heads_en:
        table.add_column(head, overflow="fold")
    for r in records:
        due = _day(r.fields.due)
        if r.overdue(today):
            due = f"[bold red]{due} ({'en retard' if fr else 'overdue'})[/]"
        table.add_row(
            str(r.id), f"{r.title[:60]} ({r.article_id[:8]})", r.fields.what, word(r.fields.type),
            r.fields.owner, due, word(r.fields.status), " ".join(r.fields.indicators),
        )  # fmt: skip
    out.print(table)
    out.print(i18n.message("action.count", count=len(records)), highlight=False)


def _resolve(store: Store, article: str) -> list[str]:
    try:
        return store.resolve_ids([article])
    except VeilleError:
        raise NotFoundError(i18n.message("action.unknown_article", article=article)) from None


def _default_indicators(config: Config, store: Store, article_id: str) -> tuple[str, ...]:
    tags = store.article_tags(article_id)
    return indicators_of(tags, config.taxonomy)


def _checked(config: Config, store: Store, fields: ActionFields) -> ActionFields:
    users = [u.name for u in store.users()]
    return check(fields, users=users, indicators=known_indicators(config.taxonomy))


def _due(value: str | None) -> date | None:
    return None if value is None else day_option(value, "--due")


def _by(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "?"


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _done(key: str, record: ActionRecord) -> str:
    return i18n.message(
        key, id=record.id, status=word(record.fields.status), title=record.title[:80]
    )


def _as_json(record: ActionRecord, history: list[ActionRecord]) -> dict[str, Any]:
    def fields(r: ActionRecord) -> dict[str, Any]:
        f = r.fields
        return {
            "what": f.what, "type": f.type, "impact": f.impact, "owner": f.owner,
            "due": f.due.isoformat() if f.due else None, "status": f.status,
            "status_at": r.status_at.isoformat(), "evidence": f.evidence,
            "indicators": list(f.indicators),
        }  # fmt: skip

    return {
        "id": record.id,
        "article": {
            "id": record.article_id,
            "title": record.title,
            "url": record.url,
            "source": record.source_id,
        },
        **fields(record),
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "history": [
            {"version": h.version, "at": h.changed_at.isoformat(), "by": h.changed_by, **fields(h)}
            for h in history
        ],
    }
