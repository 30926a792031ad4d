"""`veille run`'s display and glue: the ingest flow run with progress bars, and its summary.

Shared by ``veille run`` and ``veille demo``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from veille.cli.common import Context, err, out
from veille.config import Config
from veille.records import RunSummary, SourceOutcome
from veille.sourcelist import effective
from veille.store import Store


def run_ingest(
    config: Config, store: Store, *, only: tuple[str, ...] = (), progress: bool = True
) -> RunSummary:
    """Run the ``ingest`` flow with a live progress display."""
    from flows import server

    server.quiet_prefect()
    from veille.extraction_pool import start_workers_early

    start_workers_early()  # the extraction workers warm up while Prefect is imported
    server.temporary_server_dies_with_us()
    from flows.ingest import ingest_flow  # imported late: importing Prefect takes seconds

    server.quiet_run_logs()
    sources = config.enabled_sources(list(only))
    with ProgressObserver(len(sources), enabled=progress) as observer:
        result = asyncio.run(ingest_flow(config, str(store.path), only, observer))
    server.drain_events()
    assert isinstance(result, RunSummary)
    return result


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
    if summary.crashed_runs:
        out.print(
            f"Earlier run{'s' if len(summary.crashed_runs) != 1 else ''} "
            f"{', '.join(summary.crashed_runs)} had stopped without finishing (process killed?): "
            "marked crashed; this run picked up what they left.",
            highlight=False,
        )
    if summary.waiting:
        names = ", ".join(
            f"{sid} (until {until.astimezone():%d/%m %H:%M})" for sid, until in summary.waiting
        )
        out.print(
            f"{len(summary.waiting)} failing source{'s' if len(summary.waiting) != 1 else ''} "
            f"backing off: {names} · `veille run --source ID` tries one now",
            highlight=False,
        )
    if summary.offline:
        out.print(
            "Every source failed for network reasons: is this machine offline? "
            "These errors are not counted against the sources.",
            highlight=False,
        )
    if line := summary.hosts_line():
        out.print(line, highlight=False)
    if summary.dedup is not None and summary.classify is not None:
        trained = " (first model, trained from the seed labels)" if summary.classify.trained else ""
        model = f" · model {summary.classify.model}{trained}" if summary.classify.model else ""
        out.print(
            f"{summary.dedup.duplicates} duplicates merged · {summary.classify.articles} "
            f"classified, {summary.classify.off_topic} off-topic{model}",
            highlight=False,
        )
    for line in summary.alerts:
        out.print(line, highlight=False)


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
    store = context.store(config)
    config = effective(config, store)  # sources added in the web app too
    only = tuple(source or ())
    config.enabled_sources(list(only))  # unknown ids fail before anything is fetched
    config.fetch_limits()  # so does a bad VEILLE_ALLOW_PRIVATE_NETWORKS
    summary = run_ingest(config, store, only=only, progress=progress)
    print_summary(summary)
