"""Ingest with the fetching spread over Prefect workers; one process writes the database.

When one server is not enough (README, "Beyond one machine"): a work pool of type ``process``,
any number of ``prefect worker start --pool veille`` on the machines that fetch, and the
deployment of :func:`fetch_order` on that pool. The coordinator — :func:`distributed_ingest`,
run where the DuckDB file lives — splits the due sources into one work order per worker,
starts one ``fetch-order`` run per order, waits, and replays the batches into the store
(``veille/spool.py``), then deduplicates and classifies as a local run does.

Flow graph::

    distributed-ingest ─┬─ fetch-order (worker 1: sources 0, 2, 4…) ─┐
                        └─ fetch-order (worker 2: sources 1, 3, 5…) ─┴─> replay ─> dedup ─> classify
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

from veille import pipeline, records, spool
from veille.config import Config, Source, load_config
from veille.sourcelist import effective
from veille.store import Store

DEPLOYMENT = "fetch-order/workers"


@flow(name="fetch-order", log_prints=False, persist_result=False)
def fetch_order(order: str) -> str:
    """On a worker: fetch and extract the sources of a work order; returns the batch path."""
    return str(spool.run_order(Path(order)))


def _shards(sources: Sequence[Source], n: int) -> list[list[Source]]:
    groups = [list(sources[i::n]) for i in range(max(1, n))]
    return [g for g in groups if g]


@flow(name="distributed-ingest", log_prints=False, persist_result=False)
async def distributed_ingest(
    config_path: str,
    db_path: str,
    spool_dir: str,
    workers: int = 2,
    deployment: str = DEPLOYMENT,
    timeout_s: float = 3600,
) -> dict[str, object]:
    """A whole pass like ``veille run``, its sources fetched by ``workers`` Prefect workers."""
    store = Store(db_path)
    config = effective(load_config(config_path), store)
    folder = Path(spool_dir)
    folder.mkdir(parents=True, exist_ok=True)

    async def phase(
        config: Config,
        store: Store,
        sources: Sequence[Source],
        observer: object,
        timings: records.Timings,
    ) -> list[records.SourceOutcome]:
        tag = uuid.uuid4().hex[:8]
        orders = [
            spool.write_order(
                store, Path(config_path), group, folder / f"order-{tag}-{i}.json", db_path=db_path
            )
            for i, group in enumerate(_shards(sources, workers))
        ]
        # run_deployment is a coroutine in async code (Prefect's sync/async dispatch).
        started: list[Any] = [
            run_deployment(
                deployment, parameters={"order": str(o)}, timeout=timeout_s, as_subflow=True
            )
            for o in orders
        ]
        runs: list[FlowRun] = await asyncio.gather(*started)
        outcomes: list[records.SourceOutcome] = []
        for order, run in zip(orders, runs, strict=True):
            batch = order.with_name(order.name.replace("order", "batch"))
            if run.state is not None and run.state.is_completed() and batch.exists():
                outcomes += spool.replay(store, batch)
            else:  # the worker failed, not the sources: nothing is counted against them
                state = run.state.name if run.state is not None else "unknown"
                for sid in spool.order_sources(order):
                    outcomes.append(
                        records.SourceOutcome(sid, "error", error=f"worker run {state}")
                    )
        return outcomes

    summary = await pipeline.ingest(config, store, sources_phase=phase)
    return summary.as_dict()
