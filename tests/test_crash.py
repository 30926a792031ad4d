"""Crash safety: a pass killed with SIGKILL at any point loses nothing and duplicates nothing.

Each case runs the real pipeline in a child process over the demo site (served on 127.0.0.1)
with ``VEILLE_CRASH_AT`` set, so the child kills itself with SIGKILL at that point (no cleanup,
no flush); then a normal pass runs on the same DuckDB file. The result must equal a pass that
was never interrupted. One case kills the real ``veille run`` command from outside.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DEMO_SITE, REPO
from veille.demo import demo_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store

CHILD = """
import asyncio, faulthandler, sys
faulthandler.dump_traceback_later(90, exit=True)  # a hang shows where it hangs
from veille.demo import demo_config
from veille.pipeline import ingest
from veille.store import Store
asyncio.run(ingest(demo_config(sys.argv[1]), Store(sys.argv[2])))
"""
POINTS = [
    "after_fetch",
    "between_articles_and_entries",
    "before_commit",
    "before_dedup",
    "before_classify",
]


@pytest.fixture(scope="module")
def site() -> Iterator[LocalServer]:
    with LocalServer(DEMO_SITE) as server:
        yield server


def _snapshot(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": sorted(r[0] for r in con.execute("SELECT id FROM articles").fetchall()),
            "entries": sorted(r[0] for r in con.execute("SELECT id FROM entries").fetchall()),
            "unclassified": con.execute(
                "SELECT count(*) FROM articles WHERE relevant IS NULL"
            ).fetchone(),
            "unsketched": con.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM sketches s WHERE s.article_id = a.id)"
            ).fetchone(),
            "stories": con.execute(
                "SELECT count(DISTINCT coalesce(cluster_id, id)) FROM articles"
            ).fetchone(),
            "validators": sorted(
                r[0]
                for r in con.execute(
                    "SELECT id FROM sources WHERE etag IS NOT NULL OR last_modified IS NOT NULL"
                ).fetchall()
            ),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(site: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    db = tmp_path_factory.mktemp("reference") / "veille.duckdb"
    asyncio.run(ingest(demo_config(site.base_url), Store(db)))
    return _snapshot(db)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_killed_pass_then_a_normal_pass_equals_an_uninterrupted_one(
    point: str, site: LocalServer, reference: dict[str, object], tmp_path: Path
) -> None:
    db = tmp_path / "veille.duckdb"
    env = {**os.environ, "VEILLE_CRASH_AT": point}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, site.base_url, str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, (point, child.returncode, child.stderr[-4000:])

    summary = asyncio.run(ingest(demo_config(site.base_url), Store(db)))
    assert len(summary.crashed_runs) == 1  # the killed pass is recorded as crashed
    assert _snapshot(db) == reference
    statuses = [r.status for r in Store(db).runs()]
    assert sorted(statuses) == ["completed", "crashed"]


@pytest.mark.slow
def test_killed_while_its_workers_start_leaves_no_process_behind() -> None:
    child = (
        "import asyncio, os, signal\n"
        "from veille.extraction_pool import ExtractionPool\n"
        "async def main():\n"
        "    pool = ExtractionPool(2)\n"
        "    pool.start()\n"
        "    await asyncio.sleep(0.3)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "asyncio.run(main())\n"
    )
    # The output pipes close only when every process holding them is gone: a worker or
    # forkserver left behind would make this wait for ever (here: fail at the timeout).
    result = subprocess.run(
        [sys.executable, "-c", child], cwd=REPO, capture_output=True, timeout=90, check=False
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


# Imported first by every Python started with this folder on PYTHONPATH: the extraction
# workers' forkserver then starts as slowly as on a loaded machine.
SLOW_FORKSERVER = """
import sys, time
if any("multiprocessing.forkserver" in arg for arg in sys.orig_argv):
    time.sleep(2)
"""


@pytest.mark.slow
def test_killed_before_its_forkserver_looked_leaves_no_process_behind(tmp_path: Path) -> None:
    # veille asks for a worker, then dies before the forkserver has even imported veille (a
    # busy CI machine made this happen): the forkserver must still see that veille is gone,
    # rather than watch init, which adopted it, and fork a worker that waits for ever.
    (tmp_path / "sitecustomize.py").write_text(SLOW_FORKSERVER, encoding="utf-8")
    child = (
        "import os, signal, threading\n"
        "from veille.extraction_pool import ExtractionPool\n"
        "threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGKILL)).start()\n"
        "ExtractionPool(1)._executor().submit(int).result()\n"
    )
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-c", child],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


def _temporary_prefect_servers() -> set[int]:
    """PIDs of Prefect temporary API servers (uvicorn serving its app factory)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"prefect.server.api.server:create_app" in command:
                found.add(int(entry.name))
    return found


@pytest.mark.slow
def test_killing_the_veille_command_mid_run(
    site: LocalServer, reference: dict[str, object], tmp_path: Path, prefect_api: str
) -> None:
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(text.replace("__BASE__", site.base_url), "utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    for name in ("VEILLE_CONFIG", "VEILLE_DB", "PREFECT_API_URL"):  # its own temporary server
        env.pop(name, None)
    command = [sys.executable, "-m", "veille.cli", "run", "--no-progress"]
    run = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert run.stdout is not None
    servers_before = _temporary_prefect_servers()
    deadline = time.monotonic() + 240
    seen = []
    for line in run.stdout:  # kill it once the first source is stored, others still running
        seen.append(line)
        if "✓" in line:
            break
        assert time.monotonic() < deadline
    started = _temporary_prefect_servers() - servers_before
    if not started:
        pytest.fail(f"no temporary Prefect server; the run ({run.poll()}) said:\n{''.join(seen)}")
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    run.stdout.close()
    # Prefect's temporary server does not outlive the run that started it (veille.watchdog).
    deadline = time.monotonic() + 30
    while started & _temporary_prefect_servers() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not started & _temporary_prefect_servers()

    again = subprocess.run(  # the session's Prefect server: its own was tested above
        command, cwd=tmp_path, env={**env, "PREFECT_API_URL": prefect_api},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert _snapshot(tmp_path / "veille.duckdb") == reference


def _server_of(pid: int) -> int | None:
    """The temporary Prefect server started by process ``pid`` (its child), if any yet."""
    for server in _temporary_prefect_servers():
        try:
            stat = (Path("/proc") / str(server) / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            return server
    return None


@pytest.mark.slow
def test_killing_the_veille_command_while_its_prefect_server_starts(tmp_path: Path) -> None:
    """SIGKILL as soon as the temporary Prefect server process exists (it takes seconds to
    answer): the watchdog, started before the server, stops it all the same."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: a, url: 'http://127.0.0.1:9/feed.xml'}\n", "utf-8"
    )
    env = {**os.environ}
    for name in ("VEILLE_CONFIG", "VEILLE_DB", "PREFECT_API_URL"):  # its own temporary server
        env.pop(name, None)
    run = subprocess.Popen(
        [sys.executable, "-m", "veille.cli", "run", "--no-progress"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    server = None
    while server is None and run.poll() is None and time.monotonic() < deadline:
        server = _server_of(run.pid)
        time.sleep(0.02)
    assert server is not None, "the run's temporary Prefect server was not seen"
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    deadline = time.monotonic() + 30
    while server in _temporary_prefect_servers() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = server in _temporary_prefect_servers()
    if left:  # do not leave it behind for the next tests
        os.kill(server, signal.SIGKILL)
    assert not left, "the temporary Prefect server outlived the killed run"


def test_a_damaged_write_ahead_log_is_set_aside_and_the_database_opens(tmp_path: Path) -> None:
    db = tmp_path / "veille.duckdb"
    Store(db).set_user("marie", "$argon2id$placeholder")  # a checkpointed write
    child = (
        "import duckdb, os, signal, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"INSERT INTO meta VALUES ('after-checkpoint', 'x')\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", child, str(db)], check=False)
    wal = db.with_name(db.name + ".wal")
    data = bytearray(wal.read_bytes())
    data[len(data) // 2 :] = b"\x00damaged" * 8
    wal.write_bytes(bytes(data))

    with pytest.warns(UserWarning, match="write-ahead log was damaged"):
        users = Store(db).users()
    assert [u.name for u in users] == ["marie"]  # what was checkpointed is intact
    assert list(tmp_path.glob("veille.duckdb.wal.damaged-*"))


def test_backup_is_a_dated_copy_that_opens(tmp_path: Path) -> None:
    db = tmp_path / "veille.duckdb"
    store = Store(db)
    store.set_user("marie", "$argon2id$placeholder")
    folder = tmp_path / "backups"
    copies = [store.backup(folder, keep=2) for _ in range(3)]
    kept = sorted(folder.glob("veille-*.duckdb"))
    assert kept == copies[1:]  # the oldest copy went
    assert [u.name for u in Store(kept[-1]).users()] == ["marie"]


def test_runs_never_overlap_and_dead_ones_are_marked_crashed(tmp_path: Path) -> None:
    from veille.errors import RunInProgressError

    store = Store(tmp_path / "veille.duckdb")
    store.start_run("first")  # this process is alive: a second run must wait
    with pytest.raises(RunInProgressError, match=f"PID {os.getpid()}"):
        store.start_run("second")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    con = duckdb.connect(str(store.path))
    con.execute("UPDATE runs SET pid = ? WHERE id = 'first'", [int(dead.stdout)])
    con.close()
    assert store.start_run("third") == ["first"]
    assert {r.id: r.status for r in store.runs()} == {
        "first": "crashed",
        "third": "running",
    }
