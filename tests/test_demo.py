"""``veille demo`` as a new user meets it: ``--serve`` keeps no Prefect server alive to serve
files, and the command it prints next opens the app on the demo's own settings, database and
archive from any folder.

The real ``veille`` command in subprocesses, Prefect's temporary server (no PREFECT_API_URL),
real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, run_veille, sigint_default

WEEK = "2026-W47"


def _descendants(pid: int) -> list[str]:
    """The command lines of every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found.append((Path("/proc") / str(child) / "cmdline").read_bytes().decode())
        except OSError:
            continue
        todo += children.get(child, [])
    return [line.replace("\0", " ") for line in found]


def _wait_for(path: Path, pattern: str, process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first match of ``pattern`` in the file ``path`` (a process's output), waited for."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if found := re.search(pattern, text):
            return found.group(1)
        assert process.poll() is None, f"exited {process.returncode}: {text}"
        assert time.monotonic() < deadline, f"{pattern!r} not printed: {text}"
        time.sleep(0.2)


@contextmanager
def _started(args: list[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "400"}
    for name in ("PREFECT_API_URL", "VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "veille.cli", *args],
            cwd=cwd,
            env=env,
            stdout=output,
            preexec_fn=sigint_default,  # stopped with Ctrl-C's SIGINT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=10)
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} does not answer"
            time.sleep(0.3)


@pytest.mark.slow
def test_demo_serve_runs_no_prefect_server_and_its_next_command_works_anywhere(
    tmp_path: Path,
) -> None:
    folder, elsewhere = tmp_path / "essai", tmp_path / "ailleurs"
    folder.mkdir()
    elsewhere.mkdir()
    log = tmp_path / "demo.txt"
    with _started(["demo", "--serve"], folder, log) as demo:
        letter = _wait_for(log, r"et archive sur (\S+) — Ctrl-C pour arrêter", demo, timeout=240)
        # Serving: Prefect's temporary server, started for the run, is gone.
        assert not [c for c in _descendants(demo.pid) if "prefect" in c], _descendants(demo.pid)
        page = httpx.get(letter)
        assert page.status_code == 200 and "Veille formation (démo)" in page.text
        assert letter.endswith(f"/{WEEK}/")
        assert httpx.get(letter.removesuffix(f"{WEEK}/") + "feed.xml").status_code == 200
        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0
    printed = log.read_text(encoding="utf-8")
    next_command = re.search(
        r"^  (veille --config .+?) ui +l’application sur ces données", printed, re.MULTILINE
    )
    assert next_command, printed
    there = shlex.split(next_command.group(1))[1:]
    sources = Path(there[1])
    assert sources.is_absolute() and sources.parent == folder
    # From another folder, the printed command finds the demo's settings and data.
    shown = run_veille(*there, "config", "show", cwd=elsewhere)
    assert shown.returncode == 0, shown.stderr
    assert "Veille formation (démo)" in shown.stdout
    assert "https://veille.example.org/" in shown.stdout  # site_url: "Envoyer" can work
    listed = run_veille(*there, "articles", "--json", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert {a["source"] for a in json.loads(listed.stdout)} & {"actualites-demo", "rue89"}
    port = free_port()
    with _started([*there, "ui", "--port", str(port)], elsewhere, tmp_path / "ui.txt"):
        base = f"http://127.0.0.1:{port}"
        week = _answers(f"{base}/{WEEK}/")
        assert week.status_code == 200, week.text
        assert week.text == (folder / "digests" / WEEK / "index.html").read_text("utf-8")
        assert "Veille formation (démo)" in httpx.get(f"{base}/").text  # the archive's index
    # The README's shorter command, in the demo's folder: the sources file beside the database.
    beside = run_veille("--db", "veille-demo.duckdb", "config", "show", cwd=folder)
    assert beside.returncode == 0 and "Veille formation (démo)" in beside.stdout


def test_ui_without_a_sources_file_says_how_to_fix_it_in_one_french_line(
    tmp_path: Path,
) -> None:
    result = run_veille("ui", "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "sources.yaml introuvable (dans " in line and str(tmp_path) in line
    assert "--config" in line and "veille demo" in line
