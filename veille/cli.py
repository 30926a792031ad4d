"""The ``veille`` command: a thin layer over the library.

Every library error is caught here and becomes one line on stderr and exit code 1 — never a
traceback. Global options come before the command::

    veille [--config PATH] [--db PATH] COMMAND
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.table import Table

from veille import __version__, i18n
from veille.cli_common import Context, err, out
from veille.cli_digest import digest_app, export_app, serve, subscribers_app, ui, users_app
from veille.cli_run import print_summary, run_ingest
from veille.cli_sources import (
    export_articles,
    search,
    sources_add,
    sources_export,
    sources_import,
)
from veille.errors import NotFoundError, VeilleError
from veille.sourcelist import effective
from veille.weeks import week_bounds

app = typer.Typer(
    name="veille",
    help="Veille de la formation : collecte, tri et lettre hebdomadaire.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(
    help="Sources: health, OPML import/export, add by address.", no_args_is_help=True
)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
db_app = typer.Typer(help="The database: backups and run history.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")


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
    store = context.store(config)
    config = effective(config, store)  # sources added in the web app too
    only = tuple(source or ())
    config.enabled_sources(list(only))  # unknown ids fail before anything is fetched
    config.fetch_limits()  # so does a bad VEILLE_ALLOW_PRIVATE_NETWORKS
    summary = run_ingest(config, store, only=only, progress=progress)
    print_summary(summary)


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
    config = context.config_if_present()
    tz = config.settings.timezone if config else "Europe/Paris"
    since, until = week_bounds(week, tz) if week else (None, None)
    rows = context.store(config).articles(
        since=since, until=until, tag=tag, source=source, include_all=all_, limit=limit
    )
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(show_lines=False)
    for column in ("published", "source", "title", "tags", "score"):
        table.add_column(column, overflow="fold")
    for row in rows:
        date = (row["published_at"] or row["fetched_at"] or "")[:10]
        score = "" if row["score"] is None else f"{row['score']:.2f}"
        if row["relevant"] is False:
            score += " hors sujet"
        table.add_row(date, row["source"], row["title"], ", ".join(row["tags"]), score)
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
    store = context.store(context.config_if_present())
    found = _all_found(store.set_rejected(article_ids, rejected=not undo), article_ids)
    # A rejection is also a label for the classifier (`veille train`).
    if undo:
        store.withdraw_decisions(article_ids, "reject")
    else:
        store.record_decision(article_ids, "reject", relevant=False, tags=None)
    out.print(f"{found} article{'s' if found != 1 else ''} {'restored' if undo else 'rejected'}")


@app.command()
def tag(
    ctx: typer.Context,
    article_ids: Annotated[list[str], typer.Argument(help="Article ids (see `articles --json`).")],
    set_: Annotated[
        str, typer.Option("--set", help="Comma-separated tag ids, e.g. reglementaire,handicap.")
    ],
) -> None:
    """Set the tags of articles (a curator's decision: the classifier learns from it)."""
    context: Context = ctx.obj
    config = context.config()
    tags = config.check_tags([t.strip() for t in set_.split(",") if t.strip()])
    store = context.store(config)
    found = _all_found(
        store.record_decision(article_ids, "tags", relevant=True, tags=tags), article_ids
    )
    out.print(f"{found} article{'s' if found != 1 else ''} tagged {', '.join(tags)}")


def _all_found(found: int, article_ids: list[str]) -> int:
    """``found`` when every id matched an article; a one-line error otherwise."""
    missing = len(set(article_ids)) - found
    if missing > 0:
        raise NotFoundError(
            f"{missing} of these ids match no article. "
            "Hint: ids are in `veille articles --all --json`."
        )
    return found


@app.command()
def train(
    ctx: typer.Context,
    report: Annotated[
        bool, typer.Option("--report", help="Also cross-validate and print the figures.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Make the new model current even if it is worse.")
    ] = False,
) -> None:
    """Retrain the classifier from the seed labels and the curators' decisions.

    The new model replaces the current one only if it is not worse on the held-out examples.
    """
    from veille.pipeline import train as train_model

    context: Context = ctx.obj
    config = context.config()
    result = train_model(config, context.store(config), report=report or as_json, force=force)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    data = result.provenance
    out.print(
        f"trained {result.name} from {data['seed_examples']} seed examples and "
        f"{data['decisions']} curator decisions ({result.held_out.examples} held out)",
        highlight=False,
    )
    if result.cross_validation is not None:
        _print_report(
            "source-grouped cross-validation (real texts, sources held out whole)",
            result.cross_validation,
        )
    _print_report("held-out examples (never trained on)", result.held_out)
    if result.current_held_out is not None:
        cur = result.current_held_out
        out.print(
            f"current model on the same held-out examples: macro F1 {cur.macro_f1:.3f}, "
            f"relevance accuracy {cur.relevance_accuracy:.3f}",
            highlight=False,
        )
    verdict = "now current" if result.swapped else "kept aside, current model unchanged"
    out.print(f"{result.name}: {verdict} ({result.reason})", highlight=False)


def _print_report(title: str, report: Any) -> None:
    table = Table(title=f"{title}: {report.examples} examples", title_justify="left")
    for column in ("tag", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="right" if column != "tag" else "left")
    for tag_id, m in report.per_tag.items():
        table.add_row(
            tag_id,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            str(m["support"]),
        )
    out.print(table)
    out.print(
        f"macro F1 {report.macro_f1:.3f} · relevance accuracy {report.relevance_accuracy:.3f} "
        f"(precision {report.relevance_precision:.3f}, recall {report.relevance_recall:.3f})",
        highlight=False,
    )
    out.print(
        f"primary-tag accuracy {report.primary_accuracy:.3f} "
        f"({report.primary_support} relevant examples with a known primary tag)",
        highlight=False,
    )
    if report.confusion:
        mixed = ", ".join(f"{a} → {b} ×{n}" for a, b, n in report.confusion)
        out.print(f"mixed up (expected → given): {mixed}", highlight=False)
    if report.primary_confusion:
        mixed = ", ".join(f"{a} → {b} ×{n}" for a, b, n in report.primary_confusion)
        out.print(f"primary tag (expected → given): {mixed}", highlight=False)


@sources_app.command("check")
def sources_check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Health of every source: last success, consecutive errors, last error, entries."""
    context: Context = ctx.obj
    config = context.config_if_present()
    store = context.store(config)
    if config is not None:  # with the sources added by `sources add/import` or the web app
        store.sync_sources(effective(config, store).sources)
    rows = [_health_row(r) for r in store.source_health()]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("source", "kind", "status", "errors", "last success", "entries", "problem"):
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
            "; ".join(
                [
                    *([r["last_error"]] if r["last_error"] else []),
                    *([f"next try {r['next_check_at'][:16]}"] if r["next_check_at"] else []),
                    *r["flags"],
                ]
            ),
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
        "next_check_at": r["next_check_at"],  # backing off until then (failing sources)
        "entries_per_week": r["entries_per_week"],  # new entries, average of the last 90 days
        "flags": r["flags"],  # silent, link pattern no longer matching, texts much shorter
    }


@db_app.command("backup")
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


@db_app.command("runs")
def db_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many runs.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The latest runs: completed, running, failed (stopped by an error) or crashed (killed)."""
    context: Context = ctx.obj
    rows = context.store(context.config_if_present()).runs(limit)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("run", "status", "started", "finished", "new articles", "failed sources"):
        table.add_column(column)
    for r in rows:
        stats = r["stats"] or {}
        table.add_row(
            r["id"], r["status"], (r["started_at"] or "")[:19], (r["finished_at"] or "")[:19],
            str(stats.get("new_articles", "")), str(stats.get("sources_failed", "")),
        )  # fmt: skip
    out.print(table)


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the validated configuration (defaults filled in) and the VEILLE_* variables in
    effect; passwords and secrets are masked."""
    from veille.config import environment_summary
    from veille.fetch import mask_url_password

    context: Context = ctx.obj
    config = context.config()
    data = config.model_dump(mode="json", exclude={"path"})
    for source in data["sources"]:
        source["url"] = mask_url_password(source["url"])
    data["environment"] = environment_summary()
    out.print_json(json.dumps(data, ensure_ascii=False))


@app.command()
def demo(
    ctx: typer.Context,
    serve: Annotated[
        bool, typer.Option(help="Keep serving the sample site after the run (Ctrl-C to stop).")
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where the demo's digest is published.")
    ] = Path("digests"),
) -> None:
    """Serve a bundled sample of feeds and pages on 127.0.0.1, run the whole pipeline and
    publish the week's digest."""
    from veille.demo import run_demo

    context: Context = ctx.obj
    db = context.db_path or Path("veille-demo.duckdb")
    run_demo(db, out=out, serve=serve, digests_dir=out_dir)


app.add_typer(digest_app, name="digest")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(export_app, name="export")
export_app.command("articles")(export_articles)
sources_app.command("import")(sources_import)
sources_app.command("export")(sources_export)
sources_app.command("add")(sources_add)
app.command("search")(search)
app.command("ui")(ui)
app.command("serve")(serve)
app.add_typer(users_app, name="users")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every veille error into one line and exit code 1."""
    try:
        app(args=argv, standalone_mode=False)
    except VeilleError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except OSError as exc:
        # A file veille writes outside the database (a model, an export) on a full or
        # read-only disk: the system's own words, the file, and what to do.
        key = "cli.disk_full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "cli.os_error"
        where = exc.filename or "?"
        message = i18n.message(key, reason=exc.strerror or exc, path=where)
        err.print(f"[bold red]error:[/] {message}", highlight=False)
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
