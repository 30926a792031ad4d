"""``veille sources``, ``veille search`` and ``veille export articles``
(registered on the app in :mod:`veille.cli`).

Sources added here go where the web app puts them (the database, merged with sources.yaml,
which is never rewritten: see :mod:`veille.sourcelist`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated
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
        raise ConfigError(f"{file}: cannot be read ({exc.strerror}).") from None
    scan = scan_opml(data, name=str(file))
    config, store = _effective(context)
    plan = plan_opml_import(scan, config)
    added = 0 if dry_run else store.add_managed_sources(plan.rows)
    verb = "would add" if dry_run else "added"
    for row in plan.rows:
        tags = row.tags
        label = f"  + {row.id}: {row.url}" + (f"  [{', '.join(tags)}]" if tags else "")
        out.print(escape(label), highlight=False)
    for line in plan.warnings():
        err.print(f"[yellow]warning:[/] {escape(line)}", highlight=False)
    count = len(plan.rows) if dry_run else added
    out.print(
        f"{file.name}: {verb} {count} source{'s' if count != 1 else ''} of "
        f"{len(scan.feeds)} feed{'s' if len(scan.feeds) != 1 else ''}; "
        f"{len(plan.already)} already present, {len(plan.problems)} outline(s) left out.",
        highlight=False,
    )


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
            err.print(
                f"note: {len(left_out)} page/json source(s) left out (OPML lists feeds): {ids}",
                highlight=False,
            )
    elif fmt == "yaml":
        managed = {r.id for r in store.managed_sources() if r.url}
        text = sources_yaml(config, managed)
    else:
        raise UsageError(f"--format {fmt!r} is not opml or yaml.")
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text)
        out.print(f"{output}: {len(config.sources)} sources", highlight=False)


def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A feed, or a page (its feed is looked for).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Add without asking.")] = False,
    tags: Annotated[
        str | None, typer.Option("--tags", help="Comma-separated tags, e.g. reglementaire.")
    ] = None,
) -> None:
    """Find what to follow at URL (its feeds, else the page with a proposed link pattern), show
    it, and add it after confirmation."""
    from veille.discovery import explore
    from veille.sourcelist import existing_source, row_for

    context: Context = ctx.obj
    config, store = _effective(context)
    found = asyncio.run(explore(url, config.fetch_limits()))
    for feed in found.feeds:
        title = feed.title or "untitled"
        out.print(
            f"{feed.kind} {escape(feed.url)} — {escape(title)}, {feed.entries} items ({feed.how})",
            highlight=False,
        )
        for sample in feed.sample[:3]:
            out.print(f"    · {escape(sample)}", highlight=False)
    for bad in found.unreachable:
        err.print(f"warning: announced feed {escape(bad)} could not be read", highlight=False)
    choice = found.best
    if choice.kind == "page":
        pattern = choice.link_pattern or "none (veille's heuristic picks article links)"
        out.print(
            f"No feed found. Page source {escape(choice.url)}: {choice.entries} article links, "
            f"link_pattern: {escape(pattern)}",
            highlight=False,
        )
        for link in choice.sample:
            out.print(f"    · {escape(link)}", highlight=False)
    already = existing_source(choice.url, config)
    if already is not None:
        raise UsageError(f"{choice.url} is already a source ({already}).")
    row = row_for(choice, config)
    if tags:
        chosen = [t.strip() for t in tags.split(",") if t.strip()]
        row = replace(row, options={**row.options, "tags": chosen})
    summary = f"{row.id} ({row.kind}): {row.url}"
    if found.feeds and len(found.feeds) > 1:
        out.print("The first one is proposed; add the others with their own address.")
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"would add {summary}; not confirmed. Hint: run it in a terminal, or add --yes."
            )
        if not typer.confirm(f"Add {summary}?", default=True):
            err.print("nothing added")
            raise typer.Exit(1)
    store.add_managed_sources([row])
    out.print(escape(f"added {summary}"), highlight=False)


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
    hits = search_articles(
        context.store(config),
        query,
        tag=tag,
        source=source,
        since=start,
        until=end + timedelta(days=1) if end else None,
        limit=limit,
    )
    if as_json:
        sys.stdout.write(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
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
    out.print(f"{len(hits)} result{'s' if len(hits) != 1 else ''}", highlight=False)


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
        raise UsageError(f"--format {fmt!r} is not csv, json or parquet.")
    if week and (from_ or to):
        raise UsageError("give --week or --from/--to, not both.")
    since: datetime | None
    until: datetime | None
    if week:
        since, until = week_bounds(week, tz_name)
    else:
        since = _local_day(from_, "--from", ZoneInfo(tz_name))
        last = _local_day(to, "--to", ZoneInfo(tz_name))
        until = last + timedelta(days=1) if last else None
        if since and until and until <= since:
            raise UsageError(f"--to {to} is before --from {from_}.")
    store = context.store(config)
    if fmt == "parquet":
        if output is None:
            raise UsageError("--format parquet writes a file. Hint: add --output articles.parquet.")
        count = store.export_articles_parquet(output, since=since, until=until)
        out.print(f"{output}: {count} articles", highlight=False)
        return
    rows = store.export_articles(since=since, until=until)
    render = articles_csv if fmt == "csv" else articles_json
    text = render(rows, EXPORT_COLUMNS)
    if output is None:
        sys.stdout.write(text)
        return
    atomic_write(output, text)
    out.print(f"{output}: {len(rows)} articles", highlight=False)


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
