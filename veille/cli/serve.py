"""``veille ui`` and ``veille serve``: the curators' web app, and the schedules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from veille import publishing
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
            "No account yet: nobody can log in. Create one with `veille users add NAME`.",
            highlight=False,
        )
    web = create_app(config, store, publishing.digests_dir(config, out_dir), https=https)
    out.print(f"veille ui on http://{host}:{port}/ — Ctrl-C to stop.", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=https)


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

    Serves the Prefect deployments of flows/scheduled.py in this process until Ctrl-C. With
    PREFECT_API_URL set, they are registered on that Prefect server and its UI shows the runs.
    """
    from datetime import timedelta

    from flows import server

    context: Context = ctx.obj
    config = context.config()  # a bad sources.yaml stops here, with its one-line error
    server.quiet_prefect()
    if not os.environ.get("PREFECT_API_URL"):
        # Prefect's temporary in-process server cannot schedule runs ("Cannot schedule flows
        # on an ephemeral server"): run a real one beside us, stopped when we stop.
        os.environ["PREFECT_API_URL"] = server.start_prefect_server(
            prefect_port, lambda text: out.print(text, highlight=False)
        )

    from flows.scheduled import serve_schedules

    schedule = config.settings.schedule
    every = (
        timedelta(minutes=ingest_every)
        if ingest_every
        else timedelta(hours=schedule.ingest_every_hours)
    )
    out.print(
        f"veille serve: ingest every {every}, draft at '{schedule.draft_cron}'"
        + (f", publish at '{schedule.publish_cron}'" if schedule.publish_cron else "")
        + f" ({config.settings.timezone}) — Ctrl-C to stop.",
        highlight=False,
    )
    serve_schedules(
        config,
        config_path=str(context.config_path.resolve()),
        db_path=str(context.db_path.resolve()) if context.db_path else None,
        ingest_every=every,
    )
