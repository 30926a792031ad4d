"""Shared fixtures: real files served on 127.0.0.1, fresh DuckDB files, the veille command."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from veille.config import Config, DigestSettings
from veille.localserver import LocalServer

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
DEMO_SITE = REPO / "veille" / "demo_data" / "site"

# No test reads the wall clock: veille takes "now" from VEILLE_NOW (veille/clock.py), set here
# for this process and every process a test starts. The default is a Wednesday morning in
# Paris; `.ci/run` runs the date-sensitive tests (marked `clock`) again at the moments where
# calendars break: a Monday at 00:30 in Paris (still Sunday in UTC), New Year's Eve at 23:30
# (2026 has an ISO week 53), and the night the clocks change in March.
DEFAULT_NOW = "2026-11-25T09:30:00+01:00"
TEST_NOW = os.environ.get("VEILLE_TEST_NOW") or DEFAULT_NOW
os.environ["VEILLE_NOW"] = TEST_NOW


@pytest.fixture
def data_server() -> Iterator[LocalServer]:
    """tests/data served on 127.0.0.1 (ETag, Last-Modified, 304, request log)."""
    with LocalServer(DATA) as server:
        yield server


@pytest.fixture
def demo_server() -> Iterator[LocalServer]:
    """The demo's sample site (real French pages, a feed and a listing page) on 127.0.0.1."""
    with LocalServer(DEMO_SITE) as server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "veille.duckdb"


def run_veille(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run the real `veille` command in a subprocess (as a user would) and capture its output."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **(env or {})}
    full_env.pop("VEILLE_CONFIG", None)
    full_env.pop("VEILLE_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real command in this process: (exit code, stdout, stderr)."""
    from veille.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_bounded(
    code: str, *, memory_mb: int = 1024, timeout: float = 60, fsize_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in a child process with hard limits (address space, time, file size).

    For tests whose failure mode is "eats the machine": if the protection under test is removed,
    the child hits its limit and the test fails, instead of the test run swapping or hanging.
    """
    limits = [f"resource.setrlimit(resource.RLIMIT_AS, ({memory_mb << 20}, {memory_mb << 20}))"]
    if fsize_bytes is not None:
        limits += [
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)",  # EFBIG instead of being killed
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize_bytes}, {fsize_bytes}))",
        ]
    prelude = "import resource, signal\n" + "\n".join(limits) + "\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# Peak memory of a run_bounded child, in MB. VmHWM belongs to the process image (ru_maxrss
# would also count the parent's peak, which Linux keeps across fork and exec).
PEAK_MB = (
    "int(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[1])"
    " // 1024"
)


SITE = "https://veille.of-exemple.fr/"


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def copy_ingested(db: Path, folder: Path) -> Path:
    """A private copy of an ingested database and its models in ``folder``."""
    shutil.copy(db, folder / db.name)
    shutil.copytree(db.parent / "models", folder / "models")
    return folder / db.name


def with_site(config: Config, **digest: Any) -> Config:
    """The configuration with a public site address (feed, e-mail links)."""
    settings = config.settings.model_copy(
        update={"digest": DigestSettings(site_url=SITE, **digest)}
    )
    return config.model_copy(update={"settings": settings})


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Path]]:
    """One real pass over the demo site, kept as a pristine DuckDB file (copy it to change it)."""
    from veille.demo import demo_config
    from veille.pipeline import ingest
    from veille.store import Store

    folder = tmp_path_factory.mktemp("ingested")
    with LocalServer(DEMO_SITE) as server:
        config = with_site(demo_config(server.base_url))
        db = folder / "veille.duckdb"
        asyncio.run(ingest(config, Store(db)))
    yield config, db


class UvicornThread:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread (``with ... as url``)."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
