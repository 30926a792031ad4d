"""``veille channels``: the Teams, Slack and Mattermost channels declared in settings.channels."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from veille import i18n
from veille.channel_formats import KIND_NAMES
from veille.channels import channel_named, mask_webhook, post_ready
from veille.cli.common import Context, out
from veille.environment import env_secret
from veille.errors import ConfigError

channels_app = typer.Typer(
    help="Teams, Slack and Mattermost channels: list them, post a test message.",
    no_args_is_help=True,
)


@channels_app.command("list")
def channels_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The declared channels, what they receive, and whether their address is set (masked)."""
    context: Context = ctx.obj
    config = context.config()
    rows = []
    with i18n.language(config.settings.digest.lang):
        for channel in config.settings.channels:
            problem: str | None
            try:
                url = env_secret(channel.url_env)
            except ConfigError as exc:  # both the variable and its _FILE twin, an unreadable file
                url, problem = None, str(exc)
            else:
                problem = None if url else i18n.message("channels.not_set")
            rows.append(
                {
                    "name": channel.name,
                    "kind": channel.kind,
                    "receives": list(channel.receives),
                    "url_env": channel.url_env,
                    "address": mask_webhook(url) if url else None,
                    "problem": problem,
                }
            )
        if as_json:
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            return
        if not rows:
            out.print(i18n.message("channels.none"), highlight=False)
            return
        table = Table()
        for key in ("name", "kind", "receives", "variable", "address"):
            table.add_column(i18n.message(f"channels.col.{key}"))
        for row in rows:
            receives = ", ".join(row["receives"])  # type: ignore[arg-type]
            address = row["address"] or f"[red]{row['problem']}[/]"
            kind = KIND_NAMES[str(row["kind"])]
            table.add_row(str(row["name"]), kind, receives, str(row["url_env"]), str(address))
        out.print(table)


@channels_app.command("test")
def channels_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The channel's name (veille channels list).")],
) -> None:
    """Post a test message to a channel and say what its webhook answered."""
    context: Context = ctx.obj
    config = context.config()
    lang = config.settings.digest.lang
    with i18n.language(lang):
        channel = channel_named(config, name, os.environ)
        result = post_ready(channel, lang)
        key = "channels.sent_one" if result.attempts == 1 else "channels.sent_other"
        words = {"name": channel.name, "kind": channel.service, "url": channel.shown}
        out.print(
            i18n.message(key, status=result.status, attempts=result.attempts, **words),
            highlight=False,
        )
