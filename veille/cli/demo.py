"""``veille demo``: the whole pipeline on a sample site served here, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import Context, out


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
