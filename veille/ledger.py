"""Where one source's stage stores its work: the :class:`Ledger` protocol (the Store, or a
Prefect worker's SpoolStore), and the thread that runs a pass's store calls, several at a time
on one connection (see :class:`_StoreThread`)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from veille.models import Article, Sighting
from veille.records import Timings
from veille.store import SourceState

T = TypeVar("T")


class Ledger(Protocol):
    """What one source's stage asks of its storage: the :class:`~veille.store.Store`, or a
    Prefect worker's :class:`~veille.spool.SpoolStore`, which answers from its work order and
    records the writes for the coordinator."""

    path: Path

    def held(self) -> AbstractContextManager[None]: ...

    def source_state(self, source_id: str) -> SourceState: ...

    def known_entries(self, source_id: str, entry_ids: Sequence[str]) -> dict[str, str]: ...

    def known_articles(self, article_ids: Sequence[str]) -> set[str]: ...

    def source_items(
        self, source_id: str, article_ids: Sequence[str], titles: Sequence[str]
    ) -> tuple[set[str], set[tuple[str, str]]]: ...

    def commit_source(
        self,
        source_id: str,
        *,
        articles: Sequence[Article],
        sightings: Sequence[Sighting],
        entries_seen: int | None,
        etag: str | None,
        last_modified: str | None,
        keep_validators: bool = False,
        retitled: Sequence[tuple[str, str]] = (),
    ) -> int: ...

    def record_source_error(
        self, source_id: str, kind: str, message: str, *, next_check_in: timedelta | None
    ) -> int: ...


class _StoreThread:
    """Runs the store's calls of a pass in one thread, several at a time on one connection.

    DuckDB calls block: made on the event loop, each one would stall every fetch and keep the
    extraction workers waiting for work. And each open and close of the file costs a checkpoint
    (~40 ms on a small file, a commit itself ~10 ms): so the calls that queued up while the
    thread was busy run together on one connection (a *group commit*: each source keeps its own
    transaction, the file is opened and checkpointed once per group). Other processes — the
    web app — only wait for one group, never for a whole pass. Hand-written because no library
    offers group commit over DuckDB; it is a queue and a thread.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Ledger, Timings, Callable[[], Any], asyncio.Future[Any]]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    async def call(
        self, store: Ledger, timings: Timings, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._pending.append((store, timings, functools.partial(fn, *args, **kwargs), future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="veille-store", daemon=True)
                self._thread.start()
        self._wake.set()
        return await future

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=2.0)
            with self._lock:
                batch, self._pending = self._pending, []
                self._wake.clear()
                if not batch:
                    self._thread = None  # idle: the next call starts a new thread
                    return
            for store in {id(item[0]): item[0] for item in batch}.values():
                self._run_group(store, [item for item in batch if item[0] is store])

    @staticmethod
    def _run_group(
        store: Ledger, group: list[tuple[Ledger, Timings, Callable[[], Any], asyncio.Future[Any]]]
    ) -> None:
        results: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            with store.held():
                for _, timings, call, future in group:
                    started = time.perf_counter()
                    try:
                        results.append((future, call(), None))
                    except Exception as exc:  # noqa: BLE001 — raised again in the caller
                        results.append((future, None, exc))
                    timings.store += time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001 — the file would not open: all calls fail
            done = {id(f) for f, _, _ in results}
            results += [(f, None, exc) for _, _, _, f in group if id(f) not in done]
        for future, value, error in results:
            # RuntimeError: the caller's event loop is gone (its pass was cancelled).
            with contextlib.suppress(RuntimeError):
                future.get_loop().call_soon_threadsafe(_settle, future, value, error)


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


_store_thread = _StoreThread()


async def _in_store_thread(
    timings: Timings, call: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """Run ``call`` (a bound method of a Store) in the store thread; see :class:`_StoreThread`."""
    store = call.__self__  # type: ignore[attr-defined]
    return await _store_thread.call(store, timings, call, *args, **kwargs)
