"""What one store operation costs in CPU: opening the DuckDB file, a small query, closing it.

Every store operation opens the file and closes it after (other processes share it: the web
app, `veille run`, the scheduler), so this is paid by every page of the web app and every
step of a run. Run it on a copy of a real database:

    python bench/store_open.py veille.duckdb [--times 300]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from veille.models import NewSubscriber
from veille.store import Store


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--times", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "veille.duckdb"
        shutil.copy(args.database, copy)
        store = Store(copy)
        store.counts()  # migrations, once
        for label, operation in (("read", store.counts), ("write", _write(store))):
            cpu, wall = _cpu(), time.perf_counter()
            for _ in range(args.times):
                operation()
            cpu, wall = (_cpu() - cpu) / args.times, (time.perf_counter() - wall) / args.times
            print(f"{label}: {cpu * 1000:.1f} ms CPU, {wall * 1000:.1f} ms wall per operation")


def _write(store: Store) -> Callable[[], object]:
    """One subscriber more each time: a small write transaction, then a checkpoint at close."""
    numbers = itertools.count()

    def operation() -> object:
        return store.add_subscribers([NewSubscriber(f"bench-{next(numbers)}@of.example.fr")])

    return operation


if __name__ == "__main__":
    main()
