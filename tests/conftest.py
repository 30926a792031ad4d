"""Shared fixtures: real files served on 127.0.0.1, fresh DuckDB files, the veille command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from veille.localserver import LocalServer

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
DEMO_SITE = REPO / "veille" / "demo_data" / "site"


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
