"""``veille digest`` and ``veille export``: the weekly letter and the Qualiopi evidence.

Same rules as every command: each library error is one line and exit code 1
(``veille.cli.main`` catches them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veille import clock, i18n, publishing, sending
from veille import digest as digests
from veille.cli.common import Context, day_option, out
from veille.errors import MailError, UsageError
from veille.weeks import parse_week

digest_app = typer.Typer(
    help="The weekly digest: draft, edit, publish, send.", no_args_is_help=True
)
edit_app = typer.Typer(help="Curate a week's draft.", no_args_is_help=True)
digest_app.add_typer(edit_app, name="edit")
export_app = typer.Typer(help="Exports.", no_args_is_help=True)

WeekOption = Annotated[
    str | None,
    typer.Option("--week", help="ISO week, e.g. 2026-W46 (default: last week, Europe/Paris)."),
]
IdArgument = Annotated[str, typer.Argument(help="Article id (see `digest draft --json`).")]


def _week(context: Context, week: str | None) -> str:
    if week:
        parse_week(week)
        return week.strip()
    tz = context.config().settings.timezone
    return digests.week_of(clock.now(), tz)


# --- digest ----------------------------------------------------------------------------------


@digest_app.command("draft")
def digest_draft(
    ctx: typer.Context,
    week: WeekOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the draft as JSON.")] = False,
) -> None:
    """Draft (or re-draft) a week: relevant stories, ranked, by section; edits are kept."""
    context: Context = ctx.obj
    config = context.config()
    _show(digests.draft(config, context.store(config), _week(context, week)), as_json)


@digest_app.command("show")
def digest_show(
    ctx: typer.Context,
    week: WeekOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the draft as JSON.")] = False,
) -> None:
    """Show a week's stored draft without re-drafting it."""
    context: Context = ctx.obj
    config = context.config()
    _show(digests.load(config, context.store(config), _week(context, week)), as_json)


def _show(view: digests.Draft, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(view.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_draft(view)


def _print_draft(view: digests.Draft) -> None:
    top = view.top
    table = Table(title=f"{view.title} — {view.week}", title_justify="left")
    for column in ("", "section", "id", "source", "title", "rank"):
        table.add_column(column, overflow="fold")
    for item in view.items:
        mark = "★" if top and item.article_id == top.article_id else ("✓" if item.included else "·")
        title = item.title + (f"\n  ↳ {item.note}" if item.note else "")
        table.add_row(
            mark, item.section, item.article_id[:12], item.source_name, title,
            f"{item.rank_score:.2f}" + (" ✎" if item.edited else ""),
        )  # fmt: skip
    out.print(table)
    f = view.figures
    changes = view.changes
    redraft = (
        f" · re-draft: {changes.kept} edited kept, {changes.added} new, {changes.dropped} gone"
        if changes
        else ""
    )
    out.print(
        f"{len(view.included)} of {len(view.items)} candidates included · week: "
        f"{f.gathered} articles, {f.duplicates} duplicates, {f.off_topic} off-topic"
        f"{redraft}",
        highlight=False,
    )
    if view.failing_sources:
        out.print("Failing sources (curators only):", highlight=False)
        for name, error in view.failing_sources:
            out.print(f"  {name}: {error}", highlight=False)
    state = f"published {view.published_at:%Y-%m-%d %H:%M} UTC" if view.published_at else "draft"
    out.print(f"State: {state}. ✓ included · ★ top story · ✎ edited by a curator", highlight=False)


@edit_app.command("include")
def edit_include(
    ctx: typer.Context, article_ids: Annotated[list[str], typer.Argument()], week: WeekOption = None
) -> None:
    """Put candidates in the digest."""
    context: Context = ctx.obj
    digests.include(
        context.store(context.config()), _week(context, week), _ids(context, article_ids)
    )
    out.print(f"{len(article_ids)} included")


@edit_app.command("exclude")
def edit_exclude(
    ctx: typer.Context,
    article_ids: Annotated[list[str], typer.Argument()],
    week: WeekOption = None,
    off_topic: Annotated[
        bool, typer.Option("--off-topic", help="Also teach the classifier it is off-topic.")
    ] = False,
) -> None:
    """Take items out of the digest (they stay candidates)."""
    context: Context = ctx.obj
    store = context.store(context.config())
    digests.exclude(store, _week(context, week), _ids(context, article_ids), off_topic=off_topic)
    out.print(f"{len(article_ids)} excluded")


@edit_app.command("move")
def edit_move(
    ctx: typer.Context,
    article_id: IdArgument,
    week: WeekOption = None,
    section: Annotated[str | None, typer.Option(help="Tag id of the new section.")] = None,
    position: Annotated[int | None, typer.Option(help="1 = first in its section.", min=1)] = None,
) -> None:
    """Move an item to another section or position."""
    context: Context = ctx.obj
    config = context.config()
    if section is None and position is None:
        raise UsageError("nothing to do. Hint: give --section TAG and/or --position N.")
    [aid] = _ids(context, [article_id])
    where = position - 1 if position is not None else None
    digests.move(
        config, context.store(config), _week(context, week), aid, section=section, position=where
    )
    out.print("moved")


@edit_app.command("summary")
def edit_summary(
    ctx: typer.Context,
    article_id: IdArgument,
    text: Annotated[str | None, typer.Argument(help="New summary (omit with --reset).")] = None,
    week: WeekOption = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the automatic summary.")] = False,
) -> None:
    """Replace an item's summary."""
    context: Context = ctx.obj
    if text is None and not reset:
        raise UsageError("no summary given. Hint: pass the text, or --reset.")
    [aid] = _ids(context, [article_id])
    digests.set_summary(
        context.store(context.config()), _week(context, week), aid, None if reset else text
    )
    out.print("summary saved")


@edit_app.command("note")
def edit_note(
    ctx: typer.Context,
    article_id: IdArgument,
    text: Annotated[str, typer.Argument(help='What this changes for us ("" removes it).')],
    week: WeekOption = None,
) -> None:
    """Add the curator's note to an item."""
    context: Context = ctx.obj
    [aid] = _ids(context, [article_id])
    digests.set_note(context.store(context.config()), _week(context, week), aid, text)
    out.print("note saved")


@edit_app.command("top")
def edit_top(
    ctx: typer.Context,
    article_id: Annotated[str | None, typer.Argument(help="Article id; omit with --reset.")] = None,
    week: WeekOption = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the best-ranked item.")] = False,
) -> None:
    """Pick the top story."""
    context: Context = ctx.obj
    if article_id is None and not reset:
        raise UsageError("no article given. Hint: pass its id, or --reset.")
    aid = None if reset or article_id is None else _ids(context, [article_id])[0]
    digests.set_top(context.store(context.config()), _week(context, week), aid)
    out.print("top story set")


@edit_app.command("editorial")
def edit_editorial(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help='Paragraphs split by blank lines; "" removes it.')],
    week: WeekOption = None,
) -> None:
    """Write the editorial paragraph at the top of the letter."""
    context: Context = ctx.obj
    digests.set_editorial(context.store(context.config()), _week(context, week), text)
    out.print("editorial saved")


@edit_app.command("tags")
def edit_tags(
    ctx: typer.Context,
    article_id: IdArgument,
    tags: Annotated[str, typer.Argument(help="Comma-separated tag ids.")],
    week: WeekOption = None,
) -> None:
    """Change an item's tags (the classifier learns them; the item moves to its first tag)."""
    context: Context = ctx.obj
    config = context.config()
    [aid] = _ids(context, [article_id])
    wanted = [t.strip() for t in tags.split(",") if t.strip()]
    digests.set_tags(config, context.store(config), _week(context, week), aid, wanted)
    out.print(f"tagged {', '.join(wanted)}")


def _ids(context: Context, ids: list[str]) -> list[str]:
    """Full article ids; a unique prefix of 6+ characters is accepted (the table shows 12)."""
    store = context.store(context.config())
    return store.resolve_ids(ids)


@digest_app.command("approve")
def digest_approve(
    ctx: typer.Context,
    week: WeekOption = None,
    undo: Annotated[bool, typer.Option("--undo", help="Withdraw the approval.")] = False,
    by: Annotated[str, typer.Option(help="Who approves (shown to the team).")] = "cli",
) -> None:
    """Approve a draft: `veille serve` publishes and sends it at settings.schedule.publish_cron."""
    context: Context = ctx.obj
    name = _week(context, week)
    context.store(context.config()).approve_digest(name, None if undo else by)
    out.print(f"{name} {'no longer approved' if undo else 'approved'}", highlight=False)


@digest_app.command("publish")
def digest_publish(
    ctx: typer.Context,
    week: WeekOption = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder of published digests (default: digests/).")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Then e-mail it to the subscribers.")
    ] = False,
    resend_uncertain: Annotated[
        bool,
        typer.Option(
            "--resend-uncertain",
            help="With --send: also mail the subscribers whose message was in flight when an "
            "earlier send was killed (they may get it twice).",
        ),
    ] = False,
) -> None:
    """Publish a week: digest.md, digest.html (+ .txt), the archive index and feed.xml.

    With --send, each subscriber gets the letter as published at most once."""
    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    name = _week(context, week)
    smtp = None
    if send:
        from veille.mail import SmtpSettings

        smtp = SmtpSettings.from_env()  # a missing setting fails before anything is written
    folder = publishing.digests_dir(config, out_dir)
    result = publishing.publish(config, store, name, folder)
    items = i18n.counted("count.items", result.items)
    done = i18n.message("cli.published", week=name, items=items, folder=f"{folder / name}/")
    out.print(done, highlight=False)
    for path in result.files:
        out.print(f"  {path}", highlight=False)
    if not result.feed_written:
        out.print(
            "feed.xml not written: set settings.digest.site_url (the public address of the "
            "archive) in sources.yaml.",
            highlight=False,
        )
    if smtp is not None:
        report = sending.send(config, store, name, smtp, resend_uncertain=resend_uncertain)
        out.print(f"E-mail: {report}", highlight=False)
        for recipient, reason in report.failed:
            out.print(f"  {recipient}: {reason}", highlight=False)
        for recipient in report.uncertain:
            out.print(f"  {recipient}: {i18n.message('send.uncertain_one')}", highlight=False)
        if report.uncertain:
            out.print(i18n.message("send.uncertain_hint", week=name), highlight=False)
        if report.failed:
            raise MailError(
                f"{len(report.failed)} e-mails were not sent. Hint: run the same command again "
                "later: nobody already served gets it twice."
            )


# --- export ------------------------------------------------------------------------------------


@export_app.command("qualiopi")
def export_qualiopi(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last day (included), YYYY-MM-DD.")],
    fmt: Annotated[str, typer.Option("--format", help="html, xlsx or csv.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """The Qualiopi watch register (indicators 23-26): watch plan, items kept, what was done
    with them (actions, owners, dates), diffusion of the letters."""
    from veille.qualiopi import build_register
    from veille.register_files import render_csv, render_html, render_xlsx

    context: Context = ctx.obj
    config = context.config()
    if fmt not in {"csv", "html", "xlsx"}:
        raise UsageError(i18n.message("register.bad_format", value=fmt))
    start, end = day_option(from_, "--from"), day_option(to, "--to")
    if end < start:
        raise UsageError(i18n.message("register.bad_period", start=from_, end=to))
    register = build_register(config, context.store(config), start, end)
    if fmt == "xlsx":
        data = render_xlsx(register)
        if output is None:
            if sys.stdout.isatty():
                raise UsageError(i18n.message("register.xlsx_needs_file"))
            sys.stdout.buffer.write(data)
            return
        publishing.write_file(output, data)
    else:
        text = render_csv(register) if fmt == "csv" else render_html(register)
        if output is None:
            sys.stdout.write(text)
            return
        publishing.write_file(output, text)
    kept = len({k.selection.article_id for b in register.blocks for k in b.items})
    out.print(
        i18n.message(
            "register.written", path=output, items=kept, actions=len(register.actions),
            sources=len(register.sources), letters=len(register.diffusion),
        ),
        highlight=False,
    )  # fmt: skip
