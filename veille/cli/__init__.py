"""The ``veille`` command: a thin layer over the library.

Every library error is caught here and becomes one line on stderr and exit code 1 — never a
traceback. Global options come before the command::

    veille [--config PATH] [--db PATH] COMMAND
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import click
import typer
from rich.markup import escape

from veille import __version__, i18n
from veille.cli import (
    actions,
    alerts,
    articles,
    channels,
    database,
    demo,
    digest,
    people,
    run,
    serve,
    sources,
)
from veille.cli.common import Context, err, out
from veille.errors import VeilleError

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
db_app = typer.Typer(help="The database: backups and run history.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)


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


def version() -> None:
    """Print veille's version."""
    out.print(f"veille {__version__}")


# Every command and group of `veille`, registered here and nowhere else (in `--help` order).
app.command("version")(version)
app.command("run")(run.run)
app.command("articles")(articles.articles)
app.command("reject")(articles.reject)
app.command("tag")(articles.tag)
app.command("train")(articles.train)
app.command("demo")(demo.demo)
app.command("search")(sources.search)
app.command("ui")(serve.ui)
app.command("serve")(serve.serve)
app.command("status")(database.status)
app.add_typer(sources_app, name="sources")
sources_app.command("check")(sources.sources_check)
sources_app.command("import")(sources.sources_import)
sources_app.command("export")(sources.sources_export)
sources_app.command("add")(sources.sources_add)
app.add_typer(db_app, name="db")
db_app.command("backup")(database.db_backup)
db_app.command("runs")(database.db_runs)
app.add_typer(config_app, name="config")
config_app.command("show")(database.config_show)
app.add_typer(digest.digest_app, name="digest")
app.add_typer(people.subscribers_app, name="subscribers")
app.add_typer(digest.export_app, name="export")
digest.export_app.command("articles")(sources.export_articles)
app.add_typer(people.users_app, name="users")
app.add_typer(actions.action_app, name="action")
app.add_typer(channels.channels_app, name="channels")
app.add_typer(alerts.alerts_app, name="alerts")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every veille error into one line and exit code 1."""
    # The configuration's language holds for this command only (Context.config sets it): a
    # caller in the same process (a test, a script) keeps its own afterwards. The error line is
    # written inside, so that « erreur : » is in the language of the message it introduces.
    with i18n.language(i18n.current()):
        try:
            code = app(args=argv, standalone_mode=False)
        except VeilleError as exc:
            _fail(str(exc), exc.lang)
        except OSError as exc:
            # A file veille writes outside the database (a model, an export) on a full or
            # read-only disk: the system's own words, the file, and what to do.
            key = "cli.disk_full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "cli.os_error"
            where = exc.filename or "?"
            _fail(i18n.message(key, reason=exc.strerror or exc, path=where))
        except KeyboardInterrupt:
            err.print(i18n.message("cli.interrupted"))
            sys.exit(130)
        except Exception as exc:
            _usage_error(exc)
            raise  # not a usage error: a bug, with its traceback
    if isinstance(code, int) and code:  # a command's typer.Exit(code), e.g. `serve`
        sys.exit(code)


def _fail(message: str, lang: str | None = None) -> NoReturn:
    """« erreur : » or "error:" (as ``lang``, the message's language, asks: the one in use by
    default) and the message on one line of stderr; exit code 1. The message is escaped: a hint
    such as tags: [reglementaire] is text, not rich's markup."""
    with i18n.language(lang or i18n.current()):
        prefix = i18n.message("cli.error")
    err.print(f"[bold red]{prefix}[/] {escape(message)}", highlight=False)
    sys.exit(1)


def _usage_error(exc: Exception) -> None:
    """A usage error's line and exit code (help for a bare group); returns for anything else.
    They come from click, or from the copy of click that recent Typer vendors: recognised by
    shape rather than by class."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        app(args=["--help"], standalone_mode=False)
        sys.exit(0)
    if isinstance(exc, click.exceptions.Abort) or type(exc).__name__ == "Abort":
        err.print(i18n.message("cli.aborted"))
        sys.exit(130)
    format_message = getattr(exc, "format_message", None)
    if not callable(format_message):
        return
    ctx = getattr(exc, "ctx", None)
    hint = i18n.message("cli.see_help", command=ctx.command_path) if ctx is not None else ""
    said = str(format_message()).rstrip()
    _fail(f"{said if said.endswith('.') else said + '.'}{hint}")
