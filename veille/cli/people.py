"""``veille subscribers`` and ``veille users``: who receives the letter, who curates it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veille import i18n
from veille.cli.common import Context, out
from veille.environment import env_secret
from veille.errors import NotFoundError, UsageError

subscribers_app = typer.Typer(help="Who receives the digest by e-mail.", no_args_is_help=True)


# --- subscribers -------------------------------------------------------------------------------


@subscribers_app.command("add")
def subscribers_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="E-mail address.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    tags: Annotated[
        str | None, typer.Option(help="Only these sections, comma-separated tag ids.")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="fr or en (default: the digest's).")] = None,
) -> None:
    """Add a subscriber (or update one)."""
    context: Context = ctx.obj
    config = context.config()
    from veille.subscribers import check_subscriber

    row = check_subscriber(
        {"email": email, "name": name, "tags": tags, "lang": lang}, config.tag_ids()
    )
    counts = context.store(config).add_subscribers([row])
    key = "subscribers.added" if counts.added else "subscribers.updated"
    out.print(i18n.message(key, email=row.email), highlight=False)


@subscribers_app.command("remove")
def subscribers_remove(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="E-mail address.")]
) -> None:
    """Remove a subscriber."""
    context: Context = ctx.obj
    if not context.store(context.config()).remove_subscriber(email.strip().lower()):
        raise NotFoundError(i18n.message("subscribers.unknown", email=email))
    out.print(i18n.message("subscribers.removed", email=email), highlight=False)


@subscribers_app.command("list")
def subscribers_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also those who unsubscribed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List subscribers."""
    context: Context = ctx.obj
    rows = context.store(context.config()).subscribers(active_only=not all_)
    if as_json:
        rows_json = [r.as_dict() for r in rows]
        sys.stdout.write(json.dumps(rows_json, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("email", "name", "tags", "lang", "since", "state"):
        table.add_column(i18n.message(f"subscribers.col.{column}"), overflow="fold")
    for r in rows:
        gone = r.unsubscribed_at
        state = (
            i18n.message("subscribers.active")
            if gone is None
            else i18n.message("subscribers.left", day=gone.date().isoformat())
        )
        table.add_row(
            r.email, r.name or "", ", ".join(r.tags) or i18n.message("subscribers.all_themes"),
            r.lang or "", r.added_at.date().isoformat(), state,
        )  # fmt: skip
    out.print(table)
    out.print(i18n.message("subscribers.count", n=len(rows)), highlight=False)


@subscribers_app.command("export")
def subscribers_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """The subscribers as a CSV file French Excel opens in columns (';', UTF-8 with a BOM),
    which `veille subscribers import` reads back."""
    from veille.files import atomic_write
    from veille.tabular import subscribers_csv

    context: Context = ctx.obj
    rows = context.store(context.config()).subscribers(active_only=True)
    text = subscribers_csv(rows)
    if output is None:
        sys.stdout.write(text)
        return
    atomic_write(output, text)
    count = sum(1 for r in rows if r.active)
    out.print(i18n.message("subscribers.exported", path=output, n=count), highlight=False)


@subscribers_app.command("import")
def subscribers_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a header: email[,name,tags,lang].")],
) -> None:
    """Import subscribers from a CSV file: all rows or none (the first bad row is named)."""
    context: Context = ctx.obj
    config = context.config()
    from veille.subscribers import read_csv

    rows = read_csv(file, config.tag_ids())
    counts = context.store(config).add_subscribers(rows)
    out.print(
        i18n.message("subscribers.imported", path=file, added=counts.added, updated=counts.updated),
        highlight=False,
    )


users_app = typer.Typer(
    help="The team's accounts for the web app, and their roles.", no_args_is_help=True
)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name, e.g. marie.dupont")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            help="admin, curator or contributor (a new account: admin for the first one, "
            "curator after; an existing one keeps its role unless given)."
        ),
    ] = None,
) -> None:
    """Create an account (or set a new password): argon2id hash, never the password itself.
    The password is asked in a terminal; a script gives it with --password-stdin or in the
    VEILLE_PASSWORD environment variable."""
    from veille.auth import check_new_password, check_username, hash_password

    context: Context = ctx.obj
    user = check_username(name)
    chosen = _role(role) if role is not None else None
    password = _new_password(password_stdin)
    check_new_password(password)
    store = context.store(context.config_if_present())
    if chosen is None and not store.user_role(user):
        # The first account must be able to manage the others; later ones curate.
        chosen = "admin" if not store.users() else "curator"
    created = store.set_user(user, hash_password(password), chosen)
    if created:
        out.print(i18n.message("users.created_role", user=user, role=chosen), highlight=False)
    else:
        out.print(i18n.message("users.password_changed", user=user), highlight=False)


def _role(value: str) -> str:
    from veille.roles import parse_role

    try:
        return parse_role(value).value
    except ValueError:
        raise UsageError(i18n.message("roles.bad_role", value=value)) from None


@users_app.command("role")
def users_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help="admin, curator or contributor.")],
) -> None:
    """Change an account's role (it applies at the person's next click)."""
    context: Context = ctx.obj
    chosen = _role(role)
    user = name.strip().lower()
    if not context.store(context.config_if_present()).set_role(user, chosen):
        raise NotFoundError(i18n.message("users.unknown", name=name))
    out.print(i18n.message("roles.changed", name=user, role=chosen), highlight=False)


def _new_password(from_stdin: bool) -> str:
    """The password from stdin (--password-stdin), VEILLE_PASSWORD, or asked twice in a
    terminal; without any of them, a UsageError saying how to give it (no prompt to abort)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    given = env_secret("VEILLE_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise UsageError(i18n.message("users.no_terminal"))
    prompt = i18n.message("users.password_prompt")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users_app.command("remove")
def users_remove(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Delete an account (its open sessions stop working)."""
    context: Context = ctx.obj
    if not context.store(context.config_if_present()).remove_user(name.strip().lower()):
        raise NotFoundError(i18n.message("users.unknown", name=name))
    out.print(i18n.message("users.removed", name=name), highlight=False)


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List accounts, their role and their last login."""
    context: Context = ctx.obj
    accounts = context.store(context.config_if_present()).users()
    if as_json:
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in accounts
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for u in accounts:
        last = u.last_login_at.isoformat() if u.last_login_at else i18n.message("users.never")
        line = i18n.message("users.list_line", user=u.name, role=u.role, last=last)
        out.print(line, highlight=False)
