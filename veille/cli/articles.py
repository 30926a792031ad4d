"""``veille articles``, ``reject``, ``tag``, ``train``: what arrived, and the curators' answers."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from veille.cli.common import Context, out
from veille.errors import NotFoundError
from veille.weeks import week_bounds


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
        data = [row.as_dict() for row in rows]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(show_lines=False)
    for column in ("published", "source", "title", "tags", "score"):
        table.add_column(column, overflow="fold")
    for row in rows:
        score = "" if row.score is None else f"{row.score:.2f}"
        if row.relevant is False:
            score += " hors sujet"
        table.add_row(f"{row.date:%Y-%m-%d}", row.source_id, row.title, ", ".join(row.tags), score)
    out.print(table)
    out.print(f"{len(rows)} article{'s' if len(rows) != 1 else ''}", highlight=False)


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
    from veille.learning import train as train_model

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
