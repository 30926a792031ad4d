"""The ``ingest`` Prefect flow: veille's pipeline with one task per source.

The work itself is plain Python in :mod:`veille.pipeline` (one source:
:mod:`veille.source_run`); this module only adds orchestration.
One task per source (never one per article: each task run costs 10–30 ms and the temporary API
server's CPU), all sources running concurrently on the flow's event loop;
article pages are extracted by a shared pool of worker processes inside those tasks.

Flow graph::

    ingest ─┬─ ingest-source[centre-inffo] ─┐
            ├─ ingest-source[cafe-pedago]  ─┼─> deduplicate ─> classify ─> run summary
            └─ ingest-source[...]          ─┘
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from veille import dedup_run, learning, pipeline, records, source_run
from veille.config import Config
from veille.store import Store

# The task's inputs are live objects (HTTP client, process pool, store): nothing to cache or
# persist; a failed source is recorded by ingest_source itself, so Prefect never retries it.
ingest_source_task = task(
    name="ingest-source",
    task_run_name="ingest-source[{source.id}]",
    cache_policy=NO_CACHE,
    persist_result=False,
    log_prints=False,
)(source_run.ingest_source)


dedup_task = task(name="deduplicate", cache_policy=NO_CACHE, persist_result=False)(
    dedup_run.deduplicate
)


classify_task = task(name="classify", cache_policy=NO_CACHE, persist_result=False)(
    learning.classify_new
)


@flow(name="ingest", log_prints=False, persist_result=False, validate_parameters=False)
async def ingest_flow(
    config: Config,
    db_path: str,
    only: Sequence[str] = (),
    observer: Any = None,
) -> records.RunSummary:
    """Fetch every enabled source (or ``only`` these), extract new articles, store them."""
    return await pipeline.ingest(
        config,
        Store(db_path),
        only=only,
        observer=observer,
        run_source=ingest_source_task,
        run_dedup=dedup_task,
        run_classify=classify_task,
    )
