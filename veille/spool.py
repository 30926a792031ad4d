"""Fetching on other machines: work orders out, batches back, one writer.

DuckDB lets one process write a database file. When one server is not enough, fetching and
extraction (the costly part) move to Prefect workers, and the file keeps its single writer:

1. the coordinator writes a **work order** per group of sources: their state (validators,
   entries already stored with their titles) taken from the store — :func:`write_order`;
2. a worker runs the ordinary pass (:func:`veille.pipeline.fetch_sources`) on those sources
   against a :class:`SpoolStore`, which answers from the order and records what the pass would
   have written into a **batch** file next to it — :func:`run_order`;
3. the coordinator replays each batch through the store's own calls (``commit_source``,
   ``record_source_error``): identity rules, duplicate handling and transactions are the ones
   of a local run — :func:`replay`.

Orders and batches are JSON files in a spool folder that every machine sees (a shared mount,
or object storage mounted as one). JSON rather than Parquet: a batch holds a few hundred
records and is read once, and JSON keeps the records' exact types with no schema to maintain.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from veille.config import Source, load_config
from veille.errors import SpoolError
from veille.files import atomic_write
from veille.identity import without_query
from veille.models import Article, Sighting
from veille.pipeline import fetch_sources
from veille.records import SourceOutcome, Timings
from veille.store import SourceState, Store

# 2: a failing source's call carries when to try it again (next_check_in), not retry_after.
ORDER_VERSION = 2


# -- coordinator side --------------------------------------------------------------------------


def write_order(
    store: Store, config_path: Path, sources: Sequence[Source], path: Path, *, db_path: str
) -> Path:
    """Write the work order for these sources (their state as the store knows it now)."""
    ids = [s.id for s in sources]
    states = {sid: store.source_state(sid) for sid in ids}
    order = {
        "version": ORDER_VERSION,
        "config": str(Path(config_path).resolve()),
        "database": db_path,  # for the models folder and messages only: never opened
        "sources": ids,
        # The definitions travel with the order: sources added in the web app or by
        # `veille sources add` live in the database, which workers never open.
        "definitions": [s.model_dump(mode="json") for s in sources],
        "states": {sid: _encode(dataclasses.asdict(st)) for sid, st in states.items()},
        "entries": store.entry_titles(ids),
    }
    atomic_write(path, json.dumps(order, ensure_ascii=False).encode())
    return path


def replay(store: Store, batch_path: Path) -> list[SourceOutcome]:
    """Apply a worker's batch to the store, call by call, and return its sources' outcomes."""
    batch = _read(batch_path, "batch")
    inserted: dict[str, int] = {}
    for call in batch["calls"]:
        if call["op"] == "commit_source":
            kwargs = call["kwargs"]
            inserted[call["source_id"]] = store.commit_source(
                call["source_id"],
                articles=[_article(a) for a in kwargs["articles"]],
                sightings=[_sighting(s) for s in kwargs["sightings"]],
                entries_seen=kwargs["entries_seen"],
                etag=kwargs["etag"],
                last_modified=kwargs["last_modified"],
                keep_validators=kwargs.get("keep_validators", False),
                retitled=[tuple(r) for r in kwargs.get("retitled", [])],
            )
        elif call["op"] == "record_source_error":
            store.record_source_error(
                call["source_id"],
                call["kind"],
                call["message"],
                next_check_in=_seconds(call["next_check_in"]),
            )
        else:
            raise SpoolError(f"batch {batch_path}: unknown operation {call['op']!r}")
    outcomes = [SourceOutcome(**o) for o in batch["outcomes"]]
    for o in outcomes:  # the worker could not know what another worker's batch already stored
        o.new_articles = inserted.get(o.source_id, 0)
    return outcomes


def batch_worker(batch_path: Path) -> str:
    """Which worker wrote a batch (``VEILLE_WORKER_NAME`` or host:pid)."""
    return str(_read(batch_path, "batch")["worker"])


# -- worker side -------------------------------------------------------------------------------


def run_order(order_path: Path) -> Path:
    """Fetch and extract the sources of a work order; write the batch beside it; return it."""
    order = _read(order_path, "order")
    config = load_config(order["config"])  # for its settings (limits, workers)
    sources = [Source.model_validate(d) for d in order["definitions"]]
    spool = SpoolStore(order)
    timings = Timings()
    outcomes = asyncio.run(fetch_sources(config, spool, sources, None, timings))
    batch = {
        "version": ORDER_VERSION,
        "worker": os.environ.get("VEILLE_WORKER_NAME") or f"{socket.gethostname()}:{os.getpid()}",
        "calls": spool.calls,
        "outcomes": [dataclasses.asdict(o) for o in outcomes],
        "timings": timings.as_dict(),
    }
    path = order_path.with_name(order_path.name.replace("order", "batch"))
    atomic_write(path, json.dumps(batch, ensure_ascii=False).encode())
    return path


class SpoolStore:
    """Stands in for the :class:`~veille.store.Store` on a worker.

    Answers the pass's questions from the work order, and records its writes for the
    coordinator. An article another source of this run's *other* workers stores too is fetched
    by both and stored once at replay: the store's identity rules decide, as in a local run.
    """

    def __init__(self, order: dict[str, Any]) -> None:
        self.path = Path(order["database"])
        self._states = {
            sid: SourceState(**_decode(st, SourceState)) for sid, st in order["states"].items()
        }
        self._entries: dict[str, dict[str, list[str]]] = order["entries"]
        self.calls: list[dict[str, Any]] = []

    @contextmanager
    def held(self) -> Iterator[None]:
        yield

    def source_state(self, source_id: str) -> SourceState:
        return self._states.get(source_id) or SourceState(source_id)

    def known_entries(self, source_id: str, entry_ids: Sequence[str]) -> dict[str, str]:
        known = self._entries.get(source_id, {})
        return {e: known[e][0] for e in entry_ids if e in known}

    def known_articles(self, article_ids: Sequence[str]) -> set[str]:
        known = {e[1] for entries in self._entries.values() for e in entries.values()}
        return known.intersection(article_ids)

    def source_items(
        self, source_id: str, article_ids: Sequence[str], titles: Sequence[str]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        """Store.source_items, from the order (an order without URLs matches articles only)."""
        entries = list(self._entries.get(source_id, {}).values())
        articles = {e[1] for e in entries}.intersection(article_ids)
        wanted = set(titles)
        titled = {
            (e[0], without_query(e[2])) for e in entries if len(e) > 2 and e[2] and e[0] in wanted
        }
        return articles, titled

    def commit_source(self, source_id: str, **kwargs: Any) -> int:
        kwargs = {
            **kwargs,
            "articles": [_encode(dataclasses.asdict(a)) for a in kwargs["articles"]],
            "sightings": [_encode(dataclasses.asdict(s)) for s in kwargs["sightings"]],
            "retitled": [list(r) for r in kwargs.get("retitled", ())],
        }
        self.calls.append({"op": "commit_source", "source_id": source_id, "kwargs": kwargs})
        return len(kwargs["articles"])

    def record_source_error(
        self, source_id: str, kind: str, message: str, *, next_check_in: timedelta | None
    ) -> int:
        self.calls.append(
            {
                "op": "record_source_error",
                "source_id": source_id,
                "kind": kind,
                "message": message,
                # A delay, not a moment: the coordinator's store counts it from the replay,
                # as it stamps the error's time.
                "next_check_in": next_check_in.total_seconds() if next_check_in else None,
            }
        )
        return self.source_state(source_id).error_count + 1


# -- encoding ----------------------------------------------------------------------------------


def _encode(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}


def _decode(record: dict[str, Any], cls: type) -> dict[str, Any]:
    dated = {f.name for f in dataclasses.fields(cls) if "datetime" in str(f.type)}
    return {
        k: datetime.fromisoformat(v) if k in dated and isinstance(v, str) else v
        for k, v in record.items()
    }


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _article(record: dict[str, Any]) -> Article:
    data = _decode(record, Article)
    data["tags"] = tuple(data.get("tags") or ())
    return Article(**data)


def _sighting(record: dict[str, Any]) -> Sighting:
    return Sighting(**_decode(record, Sighting))


def _read(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpoolError(f"{what} file {path} cannot be read: {exc}") from exc
    if data.get("version") != ORDER_VERSION:
        raise SpoolError(
            f"{what} file {path} is version {data.get('version')!r}, this veille reads "
            f"{ORDER_VERSION}. Hint: run the same veille version on every machine."
        )
    return dict(data)


def order_sources(order_path: Path) -> list[str]:
    """The source ids of a work order."""
    return list(_read(order_path, "order")["sources"])
