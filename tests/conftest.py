"""Shared fixtures: real files served on 127.0.0.1, fresh DuckDB files, the veille command."""

from __future__ import annotations

import asyncio
import atexit
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings

from tests.webhooks import Receiver, running_receiver
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
# Property tests check what code does, not how fast: Hypothesis's default 200 ms deadline per
# example failed a one-line URL check that took 830 ms once while the suite loaded both cores.
# Speed is measured by bench/, never by a test.
hypothesis_settings.register_profile("veille", deadline=None)
hypothesis_settings.load_profile("veille")
# Prefect keeps its database in PREFECT_HOME (~/.prefect by default): each test process gets
# its own, so parallel test workers never share a SQLite file and nothing is left in ~.
_PREFECT_HOME = tempfile.mkdtemp(prefix="veille-tests-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one test process more than cores for the whole suite, whose slow tests wait
    (on servers, subprocesses, retries' pauses): a third process on 2 cores keeps them busy
    (measured: 388 s with 2 workers, 320 s with 3, 345 s with 4). The quick loop (`-m "not
    slow"`) mostly computes: one process per core, each one fewer collection and start."""
    cores = os.cpu_count() or 1
    return cores if config.getoption("markexpr", "") == "not slow" else cores + 1


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


@pytest.fixture(scope="session")
def prefect_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Prefect database with Prefect's schema and nothing else, made once per test run.

    A Prefect server on an empty PREFECT_HOME first runs Prefect's migrations: ~6 s of a core
    and ~10 s before it answers (measured: 12.4 s CPU and 19 s to answer on a new home, 6.7 s
    and 7 s on a copy of this file). Tests that give a server a home of its own copy it in
    (``prefect_home``); a user's PREFECT_HOME is migrated once and kept, as here. Not made
    for every test process: the quick loop (`-m "not slow"`) would wait 13 s for it.
    """
    folder = _shared_folder(tmp_path_factory, "prefect-schema")
    database = folder / "home" / "prefect.db"
    with _locked(folder):
        if not database.exists():
            done = subprocess.run(
                [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                env={**os.environ, "PREFECT_HOME": str(database.parent)},
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0 and database.exists(), done.stdout + done.stderr
    return database


def seed_prefect_home(home: Path, schema: Path) -> Path:
    """``home`` (created), holding a copy of the migrated Prefect database."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / schema.name).exists():
        shutil.copyfile(schema, home / schema.name)
    return home


@pytest.fixture
def prefect_home(tmp_path: Path, prefect_schema: Path) -> Path:
    """A PREFECT_HOME of this test's own (for a server it starts), already migrated."""
    return seed_prefect_home(tmp_path / "prefect", prefect_schema)


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory, prefect_schema: Path) -> Iterator[str]:
    """One Prefect API server for the test run's `veille run` commands.

    Without PREFECT_API_URL, each `veille run` starts Prefect's temporary server (8-19 s on this
    machine); the tests that run the command pass this one instead (`run_veille(prefect=...)`).
    One per test run, not per test process (each start costs seconds of a core): the first
    xdist worker to ask starts it, the others reuse it, the last one to leave stops it. The
    tests of the temporary server itself (tests/test_crash.py) start their own.
    """
    folder = _shared_folder(tmp_path_factory, "prefect-api")
    url_file, users_file = folder / "url", folder / "users"
    with _locked(folder):
        url = url_file.read_text(encoding="utf-8") if url_file.exists() else ""
        if not url or not _prefect_answers(url):
            url = _start_prefect_server(folder, prefect_schema)
            url_file.write_text(url, encoding="utf-8")
        users = int(users_file.read_text(encoding="utf-8")) if users_file.exists() else 0
        users_file.write_text(str(users + 1), encoding="utf-8")
    try:
        yield url
    finally:
        with _locked(folder):
            users = int(users_file.read_text(encoding="utf-8")) - 1
            users_file.write_text(str(users), encoding="utf-8")
            if users == 0:
                _stop_process(int((folder / "pid").read_text(encoding="utf-8")))
                url_file.unlink()


_SERVERS: dict[int, subprocess.Popen[bytes]] = {}  # the servers this test process started


def _shared_folder(factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every xdist worker of this test run shares (one per run without xdist)."""
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / f"{name}-{os.environ.get('PYTEST_XDIST_TESTRUNUID', 'solo')}"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The folder's lock, across the test processes (released when the file closes)."""
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _prefect_answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start_prefect_server(folder: Path, schema: Path) -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    home = seed_prefect_home(folder / f"home-{port}", schema)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    with (home / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-services", "--no-ui"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    _SERVERS[server.pid] = server
    (folder / "pid").write_text(str(server.pid), encoding="utf-8")
    deadline = time.monotonic() + 120
    while not _prefect_answers(url):
        assert server.poll() is None, (home / "server.log").read_text()[-2000:]
        assert time.monotonic() < deadline, "the Prefect server did not start within 120 s"
        time.sleep(0.3)
    return url


def _stop_process(pid: int) -> None:
    """SIGTERM, then SIGKILL after 20 s. The server may be another test process's child: that
    process may have left already, and nobody may reap it (a zombie counts as stopped)."""
    if (server := _SERVERS.pop(pid, None)) is not None:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        return
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while _running(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def sigint_default() -> None:
    """``preexec_fn`` for a child a test stops with SIGINT (as Ctrl-C would): a shell starts
    background jobs with SIGINT ignored, and a child inherits that, so a suite started with
    ``&`` would see a Ctrl-C do nothing (or a test of it pass without testing anything)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_veille(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    prefect: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real `veille` command in a subprocess (as a user would) and capture its output.

    ``prefect``: the API URL of a running Prefect server (the ``prefect_api`` fixture) for
    commands that run a flow; without it they start Prefect's temporary server.
    """
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **(env or {})}
    full_env.pop("VEILLE_CONFIG", None)
    full_env.pop("VEILLE_DB", None)
    if prefect:
        full_env["PREFECT_API_URL"] = prefect
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
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    """One real pass over the demo site, kept as a pristine DuckDB file (copy it to change it).

    Made once per test run, not once per test process: the first xdist worker to ask makes it
    (under a file lock) in the folder all workers share; the others wait and reuse it.
    """
    from veille.demo import demo_config
    from veille.pipeline import ingest
    from veille.store import Store

    folder = _shared_folder(tmp_path_factory, "ingested")
    db, made = folder / "veille.duckdb", folder / "base-url"
    with _locked(folder):
        if not made.exists():  # (what a failed attempt left is not reused)
            for leftover in (db, db.with_name(db.name + ".wal")):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(folder / "models", ignore_errors=True)
            with LocalServer(DEMO_SITE) as server:
                asyncio.run(ingest(with_site(demo_config(server.base_url)), Store(db)))
                made.write_text(server.base_url, encoding="utf-8")
    # The site's address as it was during the pass: the stored URLs name it.
    return with_site(demo_config(made.read_text(encoding="utf-8"))), db


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


CHROMIUM = "/usr/bin/chromium"  # Debian's package (.ci/run installs it)
# Quiet and offline: no sandbox (root in CI), no GPU, no background traffic or first-run setup.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 (tests/webhooks.py), for channels and alerts."""
    with running_receiver() as server:
        yield server


# The curator of the web app's tests, and the app over a private copy of the demo's pass.
USER, PASSWORD = "marie.curatrice", "une phrase de passe solide"


@pytest.fixture
def app_env(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Any, Path]:
    """The demo's configuration, a private copy of its database with the curator, a --out
    folder (a module may override it, e.g. with more accounts)."""
    from veille.auth import hash_password
    from veille.store import Store

    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user(USER, hash_password(PASSWORD))
    return config, store, tmp_path / "digests"


@pytest.fixture
def served(app_env: tuple[Config, Any, Path]) -> Iterator[str]:
    """The web app over ``app_env``, served by uvicorn on 127.0.0.1."""
    from veille.web import create_app

    config, store, out = app_env
    with UvicornThread(create_app(config, store, out)) as base:
        yield base
