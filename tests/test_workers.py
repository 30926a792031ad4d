"""Beyond one machine: two Prefect workers share one ingest, one process writes the database.

A real Prefect server, a real ``process`` work pool, two real ``prefect worker start``
processes (one flow run at a time each), the ``fetch-order`` deployment on that pool, and the
coordinator flow ``distributed-ingest`` in its own process. The database it writes must equal
the one a single-process pass writes over the same site: same articles, same entries, no
duplicates; and each worker must have fetched part of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from veille import spool
from veille.config import parse_config
from veille.demo import demo_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store

POOL = "veille-test"

# RunnerDeployment.apply, not Flow.deploy: Prefect 3.8.8's deploy() asks the server for the
# pool's workers with a request its own server refuses (422 on limit=None).
DEPLOY = f"""
from prefect import flow
source = flow.from_source(source={str(REPO)!r}, entrypoint="flows/distributed.py:fetch_order")
source.to_deployment(name="workers", work_pool_name={POOL!r}).apply()
"""

COORDINATE = """
import asyncio, json, sys
from flows.distributed import distributed_ingest
result = asyncio.run(distributed_ingest(sys.argv[1], sys.argv[2], sys.argv[3], workers=2))
print("RESULT " + json.dumps(result))
"""


def _rows(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": sorted(r[0] for r in con.execute("SELECT id FROM articles").fetchall()),
            "entries": sorted(r[0] for r in con.execute("SELECT id FROM entries").fetchall()),
            "urls": con.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone(),
            "stories": con.execute(
                "SELECT count(DISTINCT coalesce(cluster_id, id)) FROM articles"
            ).fetchone(),
            "unclassified": con.execute(
                "SELECT count(*) FROM articles WHERE relevant IS NULL"
            ).fetchone(),
        }
    finally:
        con.close()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Wait for a process group told to stop; a busy machine gets 30 s, then SIGKILL."""
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture
def worker_env(prefect_api: str, tmp_path: Path, prefect_home: Path) -> dict[str, str]:
    """The environment of the workers and the coordinator: the session's Prefect server."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_API_URL": prefect_api,
        "PYTHONPATH": str(REPO),
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # workers look for work every 2 s, not 10
    }
    for name in ("VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    return env


@pytest.mark.slow
def test_two_workers_share_one_ingest_without_duplicates(
    demo_server: LocalServer, worker_env: dict[str, str], tmp_path: Path
) -> None:
    env = worker_env
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    config_path = tmp_path / "sources.yaml"
    config_path.write_text(text.replace("__BASE__", demo_server.base_url), encoding="utf-8")

    def prefect(*args: str) -> None:
        subprocess.run(["prefect", *args], env=env, cwd=REPO, check=True, timeout=120,
                       capture_output=True)  # fmt: skip

    prefect("work-pool", "create", POOL, "--type", "process")
    subprocess.run([sys.executable, "-c", DEPLOY], env=env, cwd=REPO, check=True, timeout=120)
    workers = [
        subprocess.Popen(
            ["prefect", "worker", "start", "--pool", POOL, "--limit", "1", "--name", name],
            env={**env, "VEILLE_WORKER_NAME": name},
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in ("worker-1", "worker-2")
    ]
    try:
        db, spool_dir = tmp_path / "veille.duckdb", tmp_path / "spool"
        coordinator = subprocess.run(
            [sys.executable, "-c", COORDINATE, str(config_path), str(db), str(spool_dir)],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            _reap(worker)
    assert coordinator.returncode == 0, coordinator.stderr[-3000:]
    result = json.loads(coordinator.stdout.split("RESULT ", 1)[1])

    # The same pass in one process, over the same site: the reference.
    reference = tmp_path / "reference.duckdb"
    asyncio.run(ingest(demo_config(demo_server.base_url), Store(reference)))
    assert _rows(db) == _rows(reference)
    assert _rows(db)["urls"] == (0,)  # no article stored twice
    assert result["new_articles"] == len(_rows(reference)["articles"])  # type: ignore[arg-type]
    batches = sorted(spool_dir.glob("batch-*.json"))
    assert len(batches) == 2
    assert {spool.batch_worker(b) for b in batches} == {"worker-1", "worker-2"}


def test_a_failure_on_a_worker_replays_as_a_local_one(tmp_path: Path) -> None:
    """A source's error recorded on a worker goes through the batch's JSON and comes back with
    its backoff: the same count, due again that long after the error is stored."""
    db = tmp_path / "veille.duckdb"
    store = Store(db)
    store.sync_sources(parse_config("sources:\n  - id: a\n    url: https://a.example/f\n").sources)
    worker = spool.SpoolStore({"database": str(db), "states": {}, "entries": {}})
    wait = timedelta(minutes=47, seconds=3, microseconds=250)
    assert worker.record_source_error("a", "network", "refused", next_check_in=wait) == 1
    batch = tmp_path / "batch.json"
    data = {"version": spool.ORDER_VERSION, "calls": worker.calls, "outcomes": []}
    batch.write_text(json.dumps(data), encoding="utf-8")
    assert spool.replay(store, batch) == []
    (figures,) = store.source_figures()
    assert (figures.error_count, figures.last_error) == (1, "refused")
    assert figures.next_check_at == figures.last_error_at + wait  # type: ignore[operator]
