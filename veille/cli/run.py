"""`veille run`'s display and glue: the ingest flow run with progress bars, and its summary.

Shared by ``veille run`` and ``veille demo``.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from veille import i18n
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
        return f"  = {o.source_id}{i18n.message('run.line_unchanged')}"
    entries = i18n.counted("run.entries", o.entries)
    new = i18n.counted("run.new", o.new_articles)
    done = i18n.message("run.line_done", entries=entries, new=new)
    return f"  ✓ {o.source_id}{done} ({o.seconds:.1f} s)"


def print_summary(summary: RunSummary) -> None:
    """What a pass did, in the configured language (veille/i18n/publishing.py, ``run.*``)."""
    failed = [o for o in summary.outcomes if not o.ok]
    if failed:
        table = Table(title=i18n.message("run.failed_title"), title_justify="left")
        table.add_column(i18n.message("run.col_source"))
        table.add_column(i18n.message("run.col_error"))
        for o in failed:
            table.add_row(o.source_id, o.error or "")
        out.print(table)
    say = partial(out.print, highlight=False)
    say(
        i18n.message(
            "run.summary",
            sources=i18n.counted("run.sources", len(summary.outcomes)),
            ok=summary.sources_ok,
            unchanged=i18n.counted("run.unchanged", summary.sources_not_modified),
            failed=i18n.counted("run.failed", summary.sources_failed),
            entries=i18n.counted("run.entries", summary.entries_seen),
            new=i18n.counted("run.new", summary.new_articles),
            pages=i18n.counted("run.pages", summary.pages_fetched),
            errors=summary.page_errors,
            seconds=f"{summary.seconds:.1f}",
        )
    )
    if summary.crashed_runs:
        ids = ", ".join(summary.crashed_runs)
        say(i18n.counted("run.crashed_before", len(summary.crashed_runs), ids=ids))
    if summary.waiting:
        names = ", ".join(
            f"{sid} ({i18n.message('run.until', at=f'{until.astimezone():%d/%m %H:%M}')})"
            for sid, until in summary.waiting
        )
        say(i18n.counted("run.backing_off", len(summary.waiting), names=names))
    if summary.offline:
        say(i18n.message("run.offline"))
    if line := summary.hosts_line():
        say(line)
    if summary.dedup is not None and summary.classify is not None:
        trained = i18n.message("run.first_model") if summary.classify.trained else ""
        model = (
            i18n.message("run.model", model=summary.classify.model, trained=trained)
            if summary.classify.model
            else ""
        )
        say(
            i18n.message(
                "run.classified",
                duplicates=i18n.counted("run.duplicates", summary.dedup.duplicates),
                classified=summary.classify.articles,
                off_topic=summary.classify.off_topic,
                model=model,
            )
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
