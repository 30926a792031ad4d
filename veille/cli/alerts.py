"""``veille alerts``: saved searches whose new matches go at once to their recipients."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from veille import i18n
from veille.alerts import (
    alert_filters,
    alert_recipients,
    remove_recipients,
    run_alerts,
    set_active,
    set_up_alert,
    smtp_or_warning,
)
from veille.cli.common import Context, out
from veille.errors import NotFoundError
from veille.models import Alert
from veille.sourcelist import effective

alerts_app = typer.Typer(
    help="Alerts: saved searches whose new articles are e-mailed or posted after each run.",
    no_args_is_help=True,
)


@alerts_app.command("add")
def alerts_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The alert's name, e.g. « Décrets ».")],
    query: Annotated[
        str | None, typer.Option("--query", help="What to search (as veille search).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only this theme.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source.")] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Send the matches to this address.")
    ] = None,
    webhook: Annotated[
        list[str] | None,
        typer.Option("--webhook", help="Post the matches to this channel of settings.channels."),
    ] = None,
) -> None:
    """Create an alert, or add recipients to an existing one (they get what comes after)."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    config = effective(config, store)  # sources added in the web app too
    sentence = set_up_alert(
        config,
        store,
        name,
        query=query,
        tags=tag or (),
        sources=source or (),
        emails=email or (),
        channels=webhook or (),
        by=os.environ.get("USER") or "cli",
    )
    out.print(sentence, highlight=False)


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Every alert: its search, filters and recipients."""
    context: Context = ctx.obj
    config = context.config_if_present()
    alerts = context.store(config).alerts()
    if as_json:
        sys.stdout.write(json.dumps([_row(a) for a in alerts], ensure_ascii=False, indent=2) + "\n")
        return
    if not alerts:
        out.print(i18n.message("alerts.none"), highlight=False)
        return
    table = Table()
    for key in ("alerts_name", "alerts_query", "alerts_filters", "alerts_recipients"):
        table.add_column(i18n.WEB[i18n.current()][key])
    for a in alerts:
        name = a.name if a.active else f"{a.name} ({i18n.message('alerts.state_paused')})"
        table.add_row(name, a.query, alert_filters(a), alert_recipients(a))
    out.print(table)


def _row(a: Alert) -> dict[str, object]:
    return {
        "name": a.name,
        "query": a.query,
        "tags": list(a.tags),
        "sources": list(a.sources),
        "official_only": a.official,
        "emails": list(a.emails),
        "channels": list(a.channels),
        "active": a.active,
        "created_by": a.created_by,
        "created_at": a.created_at.isoformat(),
    }


@alerts_app.command("remove")
def alerts_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert's name.")]
) -> None:
    """Delete an alert (and the memory of what it sent)."""
    context: Context = ctx.obj
    store = context.store(context.config_if_present())
    if not store.remove_alert(name):
        raise NotFoundError(i18n.message("alerts.not_found", name=name))
    out.print(i18n.message("alerts.removed", name=name), highlight=False)


@alerts_app.command("remove-recipient")
def alerts_remove_recipient(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The alert's name.")],
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Stop sending to this address.")
    ] = None,
    webhook: Annotated[
        list[str] | None, typer.Option("--webhook", help="Stop posting to this channel.")
    ] = None,
) -> None:
    """Take a recipient off an alert (what it was sent is remembered: never sent twice)."""
    context: Context = ctx.obj
    store = context.store(context.config_if_present())
    sentence = remove_recipients(store, name, emails=email or (), channels=webhook or ())
    out.print(sentence, highlight=False)


@alerts_app.command("pause")
def alerts_pause(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert's name.")]
) -> None:
    """Stop sending an alert's matches, keeping the alert (veille alerts resume)."""
    context: Context = ctx.obj
    out.print(set_active(context.store(context.config_if_present()), name, False), highlight=False)


@alerts_app.command("resume")
def alerts_resume(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert's name.")]
) -> None:
    """Send a paused alert's matches again, from now on (not what it found while paused)."""
    context: Context = ctx.obj
    out.print(set_active(context.store(context.config_if_present()), name, True), highlight=False)


@alerts_app.command("run")
def alerts_run(ctx: typer.Context) -> None:
    """Send the alerts' new matches now (what each ingest run does at its end)."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    smtp, warning = smtp_or_warning(os.environ)
    report = run_alerts(config, store, smtp, environ=os.environ)
    lines = ([warning] if warning else []) + report.lines()
    for line in lines or [i18n.message("alerts.nothing")]:
        out.print(line, highlight=False)
