"""``veille db`` and ``veille config``: backups, run history, the configuration in effect."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veille.cli.common import Context, out
from veille.errors import NotFoundError


def db_backup(
    ctx: typer.Context,
    to: Annotated[
        Path | None, typer.Option("--to", help="Folder of backups (default: backups/ beside it).")
    ] = None,
    keep: Annotated[int, typer.Option(help="How many dated copies to keep.", min=1)] = 14,
) -> None:
    """Copy the database to a dated file (safe while the app runs; a run waits meanwhile)."""
    context: Context = ctx.obj
    store = context.store(context.config_if_present())
    if not store.path.exists():
        raise NotFoundError(f"there is no database at {store.path}. Hint: pass --db PATH.")
    target = store.backup(to or store.path.parent / "backups", keep=keep)
    size = target.stat().st_size / 1024 / 1024
    out.print(f"{target} ({size:.1f} MB)", highlight=False)


def db_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many runs.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The latest runs: completed, running, failed (stopped by an error) or crashed (killed)."""
    context: Context = ctx.obj
    rows = context.store(context.config_if_present()).runs(limit)
    if as_json:
        sys.stdout.write(
            json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2) + "\n"
        )
        return
    table = Table()
    for column in ("run", "status", "started", "finished", "new articles", "failed sources"):
        table.add_column(column)
    for r in rows:
        stats = r.stats or {}
        finished = r.finished_at.isoformat()[:19] if r.finished_at else ""
        table.add_row(
            r.id, r.status, r.started_at.isoformat()[:19], finished,
            str(stats.get("new_articles", "")), str(stats.get("sources_failed", "")),
        )  # fmt: skip
    out.print(table)


def config_show(ctx: typer.Context) -> None:
    """Print the validated configuration (defaults filled in) and the VEILLE_* variables in
    effect; passwords and secrets are masked."""
    from veille.environment import environment_summary
    from veille.guard import mask_url_password

    context: Context = ctx.obj
    config = context.config()
    data = config.model_dump(mode="json", exclude={"path"})
    for source in data["sources"]:
        source["url"] = mask_url_password(source["url"])
    data["environment"] = environment_summary()
    out.print_json(json.dumps(data, ensure_ascii=False))


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """The scheduler's state: is `veille serve` running, the last run and its result, the next
    one, the runs that crashed in the last 30 days."""
    from veille import clock, i18n, scheduling
    from veille.render import format_moment

    context: Context = ctx.obj
    config = context.config_if_present()
    store = context.store(config)
    now = clock.now()
    seen = scheduling.view(store.scheduler(), store.runs(200), now)
    if as_json:
        sys.stdout.write(json.dumps(seen.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    tz = config.settings.timezone if config is not None else "Europe/Paris"
    lang = i18n.current()
    for line in scheduling.sentences(seen, tz, lang, format_moment):
        out.print(line, highlight=False)
