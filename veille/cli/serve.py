"""``veille ui`` and ``veille serve``: the curators' web app, and the schedules."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from veille import i18n, publishing
from veille.cli.common import Context, out


def ui(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder of published digests (default: digests/).")
    ] = None,
    https: Annotated[
        bool, typer.Option("--https", help="Behind an HTTPS proxy: send the cookie as Secure.")
    ] = False,
) -> None:
    """Serve the curators' web app (and the public unsubscribe page)."""
    import uvicorn

    from veille.web import create_app

    context: Context = ctx.obj
    config = context.config()
    store = context.store(config)
    if not store.users():
        out.print(
            i18n.message("ui.no_account", command=_users_add(config.path, store.path)),
            highlight=False,
        )
    web = create_app(config, store, publishing.digests_dir(config, out_dir), https=https)
    base = f"http://{host}:{port}"
    out.print(i18n.message("ui.serving", app=f"{base}/login", archive=f"{base}/"), highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=https)


def _users_add(config: str | Path, db: Path) -> str:
    """The command that creates an account on this very database (as the login page says)."""
    paths = (
        f"--config {shlex.quote(str(Path(config).resolve()))} --db {shlex.quote(str(db.resolve()))}"
    )
    return f"veille {paths} users add {i18n.message('ui.account_name')}"


def serve(
    ctx: typer.Context,
    ingest_every: Annotated[
        float | None,
        typer.Option(help="Minutes between ingest runs (default: settings.schedule).", min=0.05),
    ] = None,
    prefect_port: Annotated[
        int, typer.Option(help="Port of the Prefect server started when PREFECT_API_URL is unset.")
    ] = 4200,
) -> None:
    """Run the schedules: ingest, weekly draft and (once approved) publish-and-send.

    Serves the Prefect deployments of flows/scheduled.py until Ctrl-C or SIGTERM (clean stop,
    exit 0). With PREFECT_API_URL set, they are registered on that Prefect server and its UI
    shows the runs; otherwise a Prefect server is started beside veille and stopped with it.
    """
    from datetime import timedelta

    from flows import server
    from flows.supervisor import supervise

    context: Context = ctx.obj
    config = context.config()  # a bad sources.yaml stops here, with its one-line error
    server.quiet_prefect()
    schedule = config.settings.schedule
    every = (
        timedelta(minutes=ingest_every)
        if ingest_every
        else timedelta(hours=schedule.ingest_every_hours)
    )
    publish = (
        i18n.message("serve.publish_at", cron=schedule.publish_cron)
        if schedule.publish_cron
        else ""
    )
    out.print(
        i18n.message(
            "serve.starting", every=every, draft=schedule.draft_cron, publish=publish,
            tz=config.settings.timezone,
        ),
        highlight=False,
    )  # fmt: skip
    db = context.db_path or config.database_path()
    code = supervise(
        config_path=str(context.config_path.resolve()),
        db_path=str(Path(db).resolve()),
        every=every,
        prefect_port=prefect_port,
        say=lambda text: out.print(text, highlight=False),
    )
    if code:
        raise typer.Exit(code)
