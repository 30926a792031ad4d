"""``veille sources``, ``veille search`` and ``veille export articles``
(registered on the app in :mod:`veille.cli`).

Sources added here go where the web app puts them (the database, merged with sources.yaml,
which is never rewritten: see :mod:`veille.sourcelist`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from veille import clock, health, i18n
from veille.cli.common import Context, err, out
from veille.config import Config
from veille.errors import ConfigError, UsageError, VeilleError
from veille.files import atomic_write
from veille.sourcelist import effective
from veille.store import Store
from veille.weeks import parse_day, week_bounds

if TYPE_CHECKING:
    from veille.search import SearchHit


def _effective(context: Context) -> tuple[Config, Store]:
    config = context.config()
    store = context.store(config)
    return effective(config, store), store


def sources_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file exported from a feed reader.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be added; add nothing.")
    ] = False,
) -> None:
    """Add the feeds of an OPML file as sources; folders become tags. Duplicates and invalid
    outlines are listed, not added. sources.yaml is not modified."""
    from veille.opml import scan_opml
    from veille.sourcelist import plan_opml_import

    context: Context = ctx.obj
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            i18n.message("subscriber.unreadable", path=file, reason=exc.strerror or exc)
        ) from None
    scan = scan_opml(data, name=str(file))
    config, store = _effective(context)
    plan = plan_opml_import(scan, config)
    added = 0 if dry_run else store.add_managed_sources(plan.rows)
    for row in plan.rows:
        tags = row.tags
        label = f"  + {row.id}: {row.url}" + (f"  [{', '.join(tags)}]" if tags else "")
        out.print(escape(label), highlight=False)
    for line in plan.warnings():
        err.print(f"[yellow]![/] {escape(line)}", highlight=False)
    count = len(plan.rows) if dry_run else added
    key = "opml.would_import" if dry_run else "opml.imported"
    out.print(
        i18n.message(
            key, file=file.name, count=count, feeds=len(scan.feeds), already=len(plan.already),
            left_out=len(plan.problems),
        ),
        highlight=False,
    )  # fmt: skip


def sources_export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="opml or yaml.")] = "opml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Every source (sources.yaml and those added since) as OPML or as a sources: YAML list."""
    from veille.sourcelist import sources_opml, sources_yaml

    context: Context = ctx.obj
    config, store = _effective(context)
    if fmt == "opml":
        text, left_out = sources_opml(config)
        if left_out:
            ids = ", ".join(s.id for s in left_out)
            note = i18n.message("opml.left_out", count=len(left_out), ids=ids)
            err.print(escape(note), highlight=False)
    elif fmt == "yaml":
        managed = {r.id for r in store.managed_sources() if r.url}
        text = sources_yaml(config, managed)
    else:
        raise UsageError(i18n.message("cli.bad_format", value=fmt, choices="opml, yaml"))
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)
        out.print(
            i18n.message("sources.exported", path=output, n=len(config.sources)), highlight=False
        )


def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A feed, or a page (its feed is looked for).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Add without asking.")] = False,
    tags: Annotated[
        str | None, typer.Option("--tags", help="Comma-separated tags, e.g. reglementaire.")
    ] = None,
) -> None:
    """Find what to follow at URL (its feeds, else the page with a proposed link pattern), show
    it with what to know first, and add it after confirmation (the web app's rule: one
    function, veille.sourcelist.propose_source)."""
    from veille.sourcelist import describe, propose_source, source_to_add

    context: Context = ctx.obj
    config, store = _effective(context)
    proposal = asyncio.run(propose_source(url, config))
    for found in proposal.choices:
        out.print(f"{escape(found.url)} — {escape(describe(found))}", highlight=False)
        for sample in found.sample[: 3 if found.kind != "page" else 5]:
            out.print(f"    · {escape(sample)}", highlight=False)
    for warning in proposal.warnings:
        err.print(f"[yellow]![/] {escape(warning)}", highlight=False)
    chosen = [t.strip() for t in (tags or "").split(",") if t.strip()]
    row = source_to_add(proposal, proposal.best.url, config, tags=chosen, origin="cli")
    what = i18n.message(f"source.kind.{row.kind}")
    summary = i18n.message("source.summary", id=row.id, what=what, url=row.url)
    if len(proposal.choices) > 1:
        out.print(i18n.message("source.more_choices"), highlight=False)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(i18n.message("source.not_confirmed", summary=summary))
        if not typer.confirm(i18n.message("source.confirm", summary=summary), default=True):
            err.print(i18n.message("source.nothing_added"))
            raise typer.Exit(1)
    store.add_managed_sources([row])
    out.print(escape(i18n.message("source.cli_added", summary=summary)), highlight=False)


def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(help="Words to look for (French stemming: 'formations' finds 'formation')."),
    ],
    tag: Annotated[str | None, typer.Option(help="Only articles with this tag.")] = None,
    source: Annotated[str | None, typer.Option(help="Only articles from this source id.")] = None,
    since: Annotated[str | None, typer.Option(help="From this day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this day included, YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Full-text search of stored articles, best match first, with a highlighted snippet."""
    import json

    from veille.search import search_articles

    context: Context = ctx.obj
    config = context.config_if_present()
    tz = ZoneInfo(config.settings.timezone if config else "Europe/Paris")
    start = _local_day(since, "--since", tz)
    end = _local_day(until, "--until", tz)
    store = context.store(config)
    if source is not None:
        _known_source(store, source)
    hits = search_articles(
        store,
        query,
        tag=tag,
        source=source,
        since=start,
        until=end + timedelta(days=1) if end else None,
        limit=limit,
        known_tags=config.tag_ids() if config else store.tags_in_use(),
    )
    if as_json:
        sys.stdout.write(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    _print_hits(hits)


def _known_source(store: Store, source: str) -> None:
    """UsageError naming the sources the database knows when ``source`` is none of them."""
    known = sorted(f.id for f in store.source_figures())
    if source not in known:
        raise UsageError(
            i18n.message("search.unknown_source", source=source, sources=", ".join(known))
        )


def _print_hits(hits: list[SearchHit]) -> None:
    """`veille search`'s terminal output: rank, title, where from, snippet, address."""
    for hit in hits:
        meta = " · ".join(
            x
            for x in (hit.source_name or hit.source, (hit.date or "")[:10], ", ".join(hit.tags))
            if x
        )
        out.print(
            f"{hit.rank}. [bold]{_marked(hit.title, hit.title_highlights)}[/]  "
            f"[dim]{escape(meta)} · {hit.id[:8]}[/]",
            highlight=False,
        )
        out.print(f"   {_marked(hit.snippet, hit.highlights)}", highlight=False)
        out.print(f"   [dim]{escape(hit.url)}[/]", highlight=False)
    plural = "s" if len(hits) > 1 else ""
    out.print(i18n.message("search.count", n=len(hits), plural=plural), highlight=False)
    if not hits:
        err.print(i18n.message("search.none"), highlight=False)


def export_articles(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or parquet.")] = "csv",
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W47.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (included), YYYY-MM-DD.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (stdout for csv/json)."),
    ] = None,
) -> None:
    """Every stored article of a period (all of them by default) as CSV, JSON or Parquet."""
    from veille.store import EXPORT_COLUMNS
    from veille.tabular import articles_csv, articles_json

    context: Context = ctx.obj
    config = context.config_if_present()
    tz_name = config.settings.timezone if config else "Europe/Paris"
    if fmt not in {"csv", "json", "parquet"}:
        raise UsageError(i18n.message("cli.bad_format", value=fmt, choices="csv, json, parquet"))
    if week and (from_ or to):
        raise UsageError(i18n.message("export.week_or_days"))
    since: datetime | None
    until: datetime | None
    if week:
        since, until = week_bounds(week, tz_name)
    else:
        since = _local_day(from_, "--from", ZoneInfo(tz_name))
        last = _local_day(to, "--to", ZoneInfo(tz_name))
        until = last + timedelta(days=1) if last else None
        if since and until and until <= since:
            raise UsageError(i18n.message("export.backwards", to=to, since=from_))
    store = context.store(config)
    if fmt == "parquet":
        if output is None:
            raise UsageError(i18n.message("export.parquet_file"))
        count = store.export_articles_parquet(output, since=since, until=until)
        out.print(i18n.message("export.done", path=output, n=count), highlight=False)
        return
    rows = store.export_articles(since=since, until=until)
    render = articles_csv if fmt == "csv" else articles_json
    text = render(rows, EXPORT_COLUMNS)
    if output is None:
        sys.stdout.write(text)
        return
    atomic_write(output, text)
    out.print(i18n.message("export.done", path=output, n=len(rows)), highlight=False)


def _local_day(value: str | None, option: str, tz: ZoneInfo) -> datetime | None:
    """Midnight of a YYYY-MM-DD day in the organisation's time zone."""
    if not value:
        return None
    try:
        day = parse_day(value)
    except VeilleError as exc:
        raise UsageError(f"{option} {exc}") from None
    return datetime.combine(day, time(0), tzinfo=tz)


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """Rich markup of ``text`` with ``spans`` highlighted (everything else escaped)."""
    parts, last = [], 0
    for start, end in spans:
        parts.append(escape(text[last:start]))
        parts.append(f"[black on yellow]{escape(text[start:end])}[/]")
        last = end
    parts.append(escape(text[last:]))
    return "".join(parts)


def sources_check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Health of every source watched: status, last success, consecutive errors, last error,
    entries. Sources removed from the configuration are not listed (their history is kept)."""
    context: Context = ctx.obj
    config = context.config_if_present()
    store = context.store(config)
    if config is None:  # the database alone: every source it knows, removed ones included
        err.print(i18n.message("sources.no_config", path=context.config_path), highlight=False)
        judged = health.assess(store.source_figures(), clock.now())
    else:  # with the sources added by `sources add/import` or the web app
        watched = effective(config, store).sources
        store.sync_sources(watched)
        figures = store.source_figures()
        judged = health.assess(figures, clock.now(), watched)
        gone = sorted({f.id for f in figures} - {s.id for s in watched})
        if gone:
            note = i18n.message("sources.not_listed", ids=", ".join(gone))
            err.print(escape(note), highlight=False)
    if as_json:
        rows = [h.as_dict() for h in judged]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    tz = config.settings.timezone if config is not None else "Europe/Paris"
    out.print(_health_table(judged, tz))


STATUS_STYLES = {"ok": "green", "failing": "red", "never-fetched": "yellow", "disabled": "dim"}


def _health_table(judged: list[health.SourceHealth], tz: str) -> Table:
    """``veille sources check``'s table, in the language of the messages, times in ``tz``."""
    from veille.render import format_moment

    table = Table()
    for column in ("source", "kind", "status", "errors", "success", "entries", "problem"):
        table.add_column(i18n.message(f"sources.col.{column}"), overflow="fold")
    for h in judged:
        word = escape(i18n.message(f"sources.status.{h.status}"))
        lang = i18n.current()
        when = format_moment(h.next_check_at, tz, lang) if h.next_check_at else None
        problems = [
            *([h.error] if h.error else []),
            *([i18n.message("sources.next_try", at=when)] if when else []),
            *h.flags,
        ]
        table.add_row(
            escape(h.id),
            escape(i18n.message(f"kind.{h.kind}")) if f"kind.{h.kind}" in i18n.MESSAGES else h.kind,
            f"[{STATUS_STYLES[h.status]}]{word}[/]",
            str(h.error_count),
            format_moment(h.last_success_at, tz, lang),
            str(h.entries),
            escape("; ".join(problems)),
        )
    return table
