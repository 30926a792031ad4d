"""The ``veille`` command: a thin layer over the library.

Every library error is caught here and becomes one line on stderr and exit code 1 — never a
traceback. Global options come before the command::

    veille [--config PATH] [--db PATH] COMMAND
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from veille import __version__
from veille.config import Config, load_config
from veille.errors import VeilleError
from veille.pipeline import RunSummary, SourceOutcome
from veille.store import Store
from veille.weeks import week_bounds

app = typer.Typer(
    name="veille",
    help="Veille de la formation : collecte, tri et lettre hebdomadaire.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="Sources: health and checks.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(config_app, name="config")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class Context:
    config_path: Path
    db_path: Path | None

    def config(self) -> Config:
        return load_config(self.config_path)

    def store(self, config: Config | None = None) -> Store:
        if self.db_path is not None:
            return Store(self.db_path)
        if config is not None:
            return Store(_relative_to_config(self.config_path, config.settings.database))
        return Store("veille.duckdb")


def _relative_to_config(config_path: Path, database: str) -> Path:
    path = Path(database)
    return path if path.is_absolute() else config_path.parent / path


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option("--config", envvar="VEILLE_CONFIG", help="Sources file (sources.yaml)."),
    ] = Path("sources.yaml"),
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="VEILLE_DB", help="DuckDB file (default: settings.database)."),
    ] = None,
) -> None:
    """Veille de la formation : collecte, tri et lettre hebdomadaire."""
    ctx.obj = Context(config, db)


@app.command()
def version() -> None:
    """Print veille's version."""
    out.print(f"veille {__version__}")


@app.command()
def run(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source id (repeatable).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Fetch every enabled source, extract new articles and store them (Prefect flow `ingest`)."""
    context: Context = ctx.obj
    config = context.config()
    only = tuple(source or ())
    config.enabled_sources(list(only))  # unknown ids fail before anything is fetched
    summary = run_ingest(config, context.store(config), only=only, progress=progress)
    print_summary(summary)


def run_ingest(
    config: Config, store: Store, *, only: tuple[str, ...] = (), progress: bool = True
) -> RunSummary:
    """Run the ``ingest`` flow with a live progress display."""
    _quiet_prefect()
    from prefect.events.worker import EventsWorker

    from flows.ingest import ingest_flow  # imported late: importing Prefect takes seconds

    sources = config.enabled_sources(list(only))
    with ProgressObserver(len(sources), enabled=progress) as observer:
        result = asyncio.run(ingest_flow(config, str(store.path), only, observer))
    # Send the run's events before the temporary API server is stopped at exit.
    EventsWorker.drain_all()
    assert isinstance(result, RunSummary)
    return result


def _quiet_prefect() -> None:
    """Prefect settings for a command-line run (the user's own settings win).

    Without PREFECT_API_URL, Prefect starts a temporary API server for the run and stops it at
    exit; events still in flight then make it log tracebacks that say nothing about our run.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


class ProgressObserver:
    """Draws sources and article pages as two progress bars; plain lines when not a terminal."""

    def __init__(self, n_sources: int, *, enabled: bool = True) -> None:
        self.live = enabled and err.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not self.live,
        )
        self.sources_task = self.progress.add_task("Sources ", total=n_sources)
        self.pages_task = self.progress.add_task("Articles", total=0)

    def __enter__(self) -> ProgressObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def pages_queued(self, source_id: str, count: int) -> None:
        task = self.progress.tasks[self.pages_task]
        self.progress.update(self.pages_task, total=(task.total or 0) + count)

    def page_done(self, source_id: str) -> None:
        self.progress.advance(self.pages_task)

    def source_done(self, outcome: SourceOutcome) -> None:
        self.progress.advance(self.sources_task)
        if not self.live:
            err.print(_outcome_line(outcome), highlight=False)


def _outcome_line(o: SourceOutcome) -> str:
    if o.status == "error":
        return f"  ✗ {o.source_id}: {o.error}"
    if o.status == "not-modified":
        return f"  = {o.source_id}: unchanged (304)"
    return f"  ✓ {o.source_id}: {o.entries} entries, {o.new_articles} new ({o.seconds:.1f} s)"


def print_summary(summary: RunSummary) -> None:
    failed = [o for o in summary.outcomes if not o.ok]
    if failed:
        table = Table(title="Failed sources", title_justify="left", show_lines=False)
        table.add_column("source")
        table.add_column("error")
        for o in failed:
            table.add_row(o.source_id, o.error or "")
        out.print(table)
    n = len(summary.outcomes)
    out.print(
        f"{n} source{'s' if n != 1 else ''}: {summary.sources_ok} ok "
        f"({summary.sources_not_modified} unchanged), {summary.sources_failed} failed · "
        f"{summary.entries_seen} entries seen · {summary.new_articles} new articles "
        f"({summary.pages_fetched} pages fetched, {summary.page_errors} with errors) · "
        f"{summary.seconds:.1f} s",
        highlight=False,
    )


@app.command()
def articles(
    ctx: typer.Context,
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W46.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only articles with this tag.")] = None,
    source: Annotated[str | None, typer.Option(help="Only articles from this source id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include articles marked off-topic.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many articles.")] = None,
) -> None:
    """List stored articles, newest first."""
    context: Context = ctx.obj
    config = _config_if_present(context)
    tz = config.settings.timezone if config else "Europe/Paris"
    since, until = week_bounds(week, tz) if week else (None, None)
    rows = context.store(config).articles(
        since=since, until=until, tag=tag, source=source, include_all=all_, limit=limit
    )
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(show_lines=False)
    for column in ("published", "source", "title", "words", "via"):
        table.add_column(column, overflow="fold")
    for row in rows:
        date = (row["published_at"] or row["fetched_at"] or "")[:10]
        table.add_row(date, row["source"], row["title"], str(row["word_count"]), row["extraction"])
    out.print(table)
    out.print(f"{len(rows)} article{'s' if len(rows) != 1 else ''}", highlight=False)


@app.command()
def reject(
    ctx: typer.Context,
    article_ids: Annotated[list[str], typer.Argument(help="Article ids (see `articles --json`).")],
    undo: Annotated[bool, typer.Option("--undo", help="Restore them instead.")] = False,
) -> None:
    """Reject articles: they (and reposts of them) no longer appear, even when re-listed."""
    context: Context = ctx.obj
    store = context.store(_config_if_present(context))
    found = store.set_rejected(article_ids, rejected=not undo)
    if found < len(set(article_ids)):
        raise VeilleError(
            f"{len(set(article_ids)) - found} of these ids match no article. "
            "Hint: ids are in `veille articles --all --json`."
        )
    out.print(f"{found} article{'s' if found != 1 else ''} {'restored' if undo else 'rejected'}")


def _config_if_present(context: Context) -> Config | None:
    """The config when the file exists (reading commands work with --db alone)."""
    if context.config_path.exists():
        return context.config()
    return None


@sources_app.command("check")
def sources_check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Health of every source: last success, consecutive errors, last error, entries."""
    context: Context = ctx.obj
    config = _config_if_present(context)
    store = context.store(config)
    if config is not None:
        store.sync_sources(config.sources)
    rows = [_health_row(r) for r in store.source_health()]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("source", "kind", "status", "errors", "last success", "entries", "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        status = r["status"]
        style = {"ok": "green", "failing": "red", "never-fetched": "yellow"}.get(status, "")
        table.add_row(
            r["id"],
            r["kind"],
            f"[{style}]{status}[/]" if style else status,
            str(r["error_count"]),
            (r["last_success_at"] or "—")[:16],
            str(r["entries"]),
            r["last_error"] or "",
        )
    out.print(table)


def _health_row(r: dict[str, Any]) -> dict[str, Any]:
    if not r["enabled"]:
        status = "disabled"
    elif r["last_fetch_at"] is None:
        status = "never-fetched"
    elif r["error_count"]:
        status = "failing"
    else:
        status = "ok"
    return {
        "id": r["id"],
        "url": r["url"],
        "kind": r["kind"],
        "name": r["name"],
        "enabled": r["enabled"],
        "ok": status == "ok",
        "status": status,
        "error_count": r["error_count"],
        "total_errors": r["total_errors"],
        "last_error": r["last_error"],
        "last_error_kind": r["last_error_kind"],
        "last_error_at": r["last_error_at"],
        "last_success_at": r["last_success_at"],
        "last_fetch_at": r["last_fetch_at"],
        "entries": r["entries"],
        "articles": r["articles"],
        "last_entries": r["last_entries"],
    }


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the validated configuration (defaults filled in)."""
    context: Context = ctx.obj
    config = context.config()
    data = config.model_dump(mode="json", exclude={"path"})
    out.print_json(json.dumps(data, ensure_ascii=False))


@app.command()
def demo(
    ctx: typer.Context,
    serve: Annotated[
        bool, typer.Option(help="Keep serving the sample site after the run (Ctrl-C to stop).")
    ] = False,
) -> None:
    """Serve a bundled sample of real feeds and pages on 127.0.0.1 and run the whole pipeline."""
    from veille.demo import run_demo

    context: Context = ctx.obj
    db = context.db_path or Path("veille-demo.duckdb")
    run_demo(db, out=out, serve=serve)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every veille error into one line and exit code 1."""
    try:
        app(args=argv, standalone_mode=False)
    except VeilleError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        # Usage errors come from click, or from the copy of click that recent Typer vendors:
        # recognise them by shape rather than by class.
        if type(exc).__name__ == "NoArgsIsHelpError":
            app(args=["--help"], standalone_mode=False)
            sys.exit(0)
        if isinstance(exc, click.exceptions.Abort) or type(exc).__name__ == "Abort":
            err.print("aborted")
            sys.exit(130)
        format_message = getattr(exc, "format_message", None)
        if not callable(format_message):
            raise
        ctx = getattr(exc, "ctx", None)
        hint = f" Hint: see `{ctx.command_path} --help`." if ctx is not None else ""
        err.print(f"[bold red]error:[/] {format_message()}{hint}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
