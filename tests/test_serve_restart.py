"""``veille serve`` never stops silently: stopped at any moment, however, and started again, the
next scheduled run completes and nothing is left running.

A real Prefect server (with its scheduler), the demo's site on 127.0.0.1, the real `veille
serve` command. Each case waits for the moment it names — between two runs, or a run paused
while fetching, extracting or classifying (``VEILLE_PAUSE_FILE``, veille/store/common.py) —
then stops `veille serve` one way: SIGTERM (a service manager), Ctrl-C typed into a
pseudo-terminal (a person in a terminal), SIGKILL (the OOM killer, a power cut), or SIGKILL of
its Prefect server. Then it checks that `veille serve` ended as promised, that no process is
left (the process table), that the interrupted run is *crashed* in veille's database and
*Crashed* in Prefect, and that once started again the next scheduled run completes within two
intervals.

Every phase × every signal is 12 cases and several minutes: CI runs one case per phase and
signal, rotated (`VEILLE_SERVE_CASES=all` runs them all).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_SITE, REPO, free_port
from veille.localserver import LocalServer
from veille.store import Store

EVERY_MINUTES = 0.2  # 12 s between scheduled runs
INTERVAL = EVERY_MINUTES * 60
PHASES = ("between", "fetching", "extraction", "classification")
HOWS = ("sigterm", "ctrl-c", "sigkill")
ROTATED = [
    ("between", "sigterm"),
    ("fetching", "ctrl-c"),
    ("extraction", "sigkill"),
    ("classification", "sigterm"),
]
CASES = (
    [(p, h) for p in PHASES for h in HOWS]
    if os.environ.get("VEILLE_SERVE_CASES") == "all"
    else ROTATED
)


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    log: Path
    terminal: int | None  # the pseudo-terminal's master end, when started in one

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalServer]:
    """A copy of the demo's site (news is added to it between runs), served on 127.0.0.1."""
    shutil.copytree(DEMO_SITE, tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
        (tmp_path / "sources.yaml").write_text(
            text.replace("__BASE__", server.base_url), encoding="utf-8"
        )
        yield server


def _news(site: Path, number: int) -> None:
    """One more item in the observatory's feed, with its own page: the next run has a page to
    fetch, extract and classify."""
    formation = site / "formation"
    page = (formation / f"article-{1 + number % 9:02d}.html").read_text(encoding="utf-8")
    (formation / f"nouvelle-{number}.html").write_text(
        page.replace("<title>", f"<title>Nouvelle {number} : "), encoding="utf-8"
    )
    feed = formation / "observatoire.xml"
    item = (
        f"<item><title>Nouvelle {number}</title>"
        f"<link>__BASE__/formation/nouvelle-{number}.html</link>"
        f'<guid isPermaLink="false">tag:veille.test,2026:{number}</guid>'
        "<pubDate>Mon, 23 Nov 2026 09:00:00 +0100</pubDate></item>"
    )
    text = feed.read_text(encoding="utf-8")
    feed.write_text(text.replace("<item>", item + "\n    <item>", 1), encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path, site: LocalServer, prefect_home: Path) -> Iterator[dict[str, str]]:
    """The demo's sources, a Prefect server with its scheduler, and the environment."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PYTHONUNBUFFERED": "1",
        # The server's scheduler looks for runs to create every 60 s by default.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "VEILLE_PAUSE_FILE": str(tmp_path / "pause"),
    }
    for name in ("PREFECT_API_URL", "VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    with (tmp_path / "prefect-server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui"],
            env={**env, "PREFECT_API_URL": url, "VEILLE_TEST_FIXTURE": "prefect-server"},
            stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _until(lambda: _answers(url), 120, "the Prefect server did not start")
        yield {**env, "PREFECT_API_URL": url}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    return False


def _until(check: object, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, message
        time.sleep(0.5)


def _start(cwd: Path, env: dict[str, str], *, terminal: bool = False) -> Serve:
    log = cwd / f"serve-{time.monotonic_ns()}.log"
    log.touch()
    command = [sys.executable, "-m", "veille.cli", "serve", "--ingest-every", str(EVERY_MINUTES),
               "--prefect-port", str(free_port())]  # fmt: skip
    if not terminal:
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return Serve(process, log, None)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True,  # a session of its own, whose controlling terminal is the pty:
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    os.close(slave)
    _drain(master, log)
    return Serve(process, log, master)


def _drain(master: int, log: Path) -> None:
    """Copy what the terminal shows into the log, in a thread (a full pty would block)."""
    import threading

    def copy() -> None:
        with log.open("ab") as out:
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                out.write(chunk)
                out.flush()

    threading.Thread(target=copy, daemon=True).start()


def _runs(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    return [(r.id, r.status) for r in Store(db, lock_timeout=60).runs(limit=200)]


def _left(marker: str) -> list[str]:
    """Processes still running whose command line or environment names this test's folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text(errors="replace")
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            blob = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            if marker.encode() in blob and b"VEILLE_TEST_FIXTURE=prefect-server" not in blob:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def _flow_run_state(url: str, name: str) -> str:
    answer = httpx.post(
        f"{url}/flow_runs/filter", json={"flow_runs": {"name": {"any_": [name]}}}, timeout=10
    )
    answer.raise_for_status()
    (run,) = answer.json()
    return str(run["state"]["type"])


def _between_runs(serve: Serve) -> bool:
    return "ingest-end" in serve.text().rsplit("ingest-start", 1)[-1]


def _said(serve: Serve, words: str) -> bool:
    return words in serve.text()


def _completed_after(db: Path, known: set[str]) -> bool:
    return any(status == "completed" and rid not in known for rid, status in _runs(db))


def _stop(serve: Serve, how: str) -> None:
    if how == "sigterm":
        serve.process.send_signal(signal.SIGTERM)
    elif how == "ctrl-c":
        assert serve.terminal is not None
        os.write(serve.terminal, b"\x03")  # the terminal sends SIGINT to its foreground group
    else:
        serve.process.send_signal(signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_serve_stopped_at_any_moment_resumes_its_schedule(
    world: dict[str, str], tmp_path: Path
) -> None:
    db, pause, url = tmp_path / "veille.duckdb", tmp_path / "pause", world["PREFECT_API_URL"]
    serve = _start(tmp_path, world, terminal=CASES[0][1] == "ctrl-c")
    _until(lambda: _completed_after(db, set()), 240, "no first scheduled run:\n" + serve.text())
    for number, (phase, how) in enumerate(CASES):
        known = {rid for rid, _ in _runs(db)}
        flow_run = ""
        if phase == "between":
            _until(partial(_between_runs, serve), 120, "no run ended")
        else:
            _news(tmp_path / "site", number)
            pause.write_text(phase, encoding="utf-8")
            reached = pause.with_name("pause.reached")
            _until(reached.exists, 4 * INTERVAL + 60, f"no run reached {phase}:\n{serve.text()}")
            reached.unlink()
            flow_run = re.findall(r"ingest-start flow_run=(\S+)", serve.text())[-1]
        _stop(serve, how)
        code = serve.process.wait(60)
        said = serve.text()
        if how == "sigkill":
            assert code == -signal.SIGKILL
        else:
            assert code == 0, said[-3000:]
            assert "plus rien ne tourne" in said and "Traceback" not in said, said[-3000:]
        _until(lambda: not _left(str(tmp_path)), 30, f"left running: {_left(str(tmp_path))}")
        # `veille status` says it stopped, and how (a SIGKILL leaves no word: it says so).
        seen = _status(tmp_path, world)
        assert seen["running"] is False, seen
        reason = seen["scheduler"]["stop_reason"]
        assert reason == ("SIGTERM" if how == "sigterm" else "SIGINT" if how == "ctrl-c" else None)
        # Started again (in a terminal when the next case types Ctrl-C).
        following = CASES[number + 1][1] if number + 1 < len(CASES) else "sigterm"
        serve = _start(tmp_path, world, terminal=following == "ctrl-c")
        _until(partial(_said, serve, "ingest-start"), 2 * INTERVAL + 30,
               f"no run after restart ({phase}, {how}):\n{serve.text()}")  # fmt: skip
        _until(partial(_completed_after, db, known), 2 * INTERVAL + 90,
               f"the next run did not complete ({phase}, {how}):\n{serve.text()}")  # fmt: skip
        if flow_run:  # the run that was going is crashed, in veille and in Prefect
            assert _flow_run_state(url, flow_run) == "CRASHED", (phase, how)
            statuses = {status for rid, status in _runs(db) if rid not in known}
            assert "crashed" in statuses, (phase, how, _runs(db)[:5])
        assert all(status != "running" for _, status in _runs(db)[1:]), _runs(db)[:5]
    _stop(serve, "sigterm")
    assert serve.process.wait(60) == 0
    _until(lambda: not _left(str(tmp_path)), 30, f"left running: {_left(str(tmp_path))}")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_serve_exits_with_one_line_when_its_prefect_server_dies(
    tmp_path: Path, demo_server: LocalServer, prefect_home: Path
) -> None:
    """With its own Prefect server (no PREFECT_API_URL), killed during a run: `veille serve`
    exits non-zero with one clear line; started again, the interrupted run is crashed in both
    places and the next one completes."""
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        text.replace("__BASE__", demo_server.base_url), encoding="utf-8"
    )
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PYTHONUNBUFFERED": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
        "VEILLE_PAUSE_FILE": str(tmp_path / "pause"),
    }
    for name in ("PREFECT_API_URL", "VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    db, pause = tmp_path / "veille.duckdb", tmp_path / "pause"
    pause.write_text("fetching", encoding="utf-8")
    serve = _start(tmp_path, env)
    _until(pause.with_name("pause.reached").exists, 240, "no run paused:\n" + serve.text())
    flow_run = re.findall(r"ingest-start flow_run=(\S+)", serve.text())[-1]
    (server,) = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and b"prefect\0server\0start" in _cmdline(p)
        and str(tmp_path / "prefect").encode() in _environ(p)
    ]
    os.kill(server, signal.SIGKILL)
    code = serve.process.wait(60)
    said = serve.text()
    assert code == 1, said[-3000:]
    assert "le serveur Prefect s’est arrêté" in said and "Traceback" not in said, said[-3000:]
    assert _status(tmp_path, env)["scheduler"]["stop_reason"] == "prefect-server"
    _until(lambda: not _left(str(tmp_path)), 30, f"left running: {_left(str(tmp_path))}")
    assert [status for _, status in _runs(db)] == ["crashed"]
    serve = _start(tmp_path, env)
    _until(lambda: _completed_after(db, set()), 2 * INTERVAL + 120, serve.text())
    port = re.findall(r"http://127\.0\.0\.1:(\d+)/api", serve.text())[-1]
    assert _flow_run_state(f"http://127.0.0.1:{port}/api", flow_run) == "CRASHED"
    _stop(serve, "sigterm")
    assert serve.process.wait(60) == 0
    _until(lambda: not _left(str(tmp_path)), 30, f"left running: {_left(str(tmp_path))}")


def _status(cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", "status", "--json"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


def _cmdline(entry: Path) -> bytes:
    with contextlib.suppress(OSError):
        return (entry / "cmdline").read_bytes()
    return b""


def _environ(entry: Path) -> bytes:
    with contextlib.suppress(OSError):
        return (entry / "environ").read_bytes()
    return b""
