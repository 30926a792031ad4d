"""Slots shared fairly between sources: one source's backlog cannot starve the others.

::

    slots = FairSlots(16)
    async with slots.held("centre-inffo"):
        ...  # one of the 16 places, given in turn to the sources that wait

An ``asyncio.Semaphore`` serves waiters first come, first served: a source that queues 500
requests (a feed of 70,000 items, a listing page of links to 200 hosts) holds every place until
its backlog is done, and a source that asks after it waits for all of it. Here a freed place goes
to the waiting source that holds the fewest places (among equals, the one served least
recently), so
every source gets its share of the pass while the others wait, and all of it when alone.
Hand-written: asyncio has no keyed or fair semaphore, and the few lines below are the whole of it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class FairSlots:
    """``n`` places handed out in turn to owners (source ids); see the module docstring."""

    def __init__(self, n: int) -> None:
        self.size = max(1, n)
        self._free = self.size
        self.held_by: Counter[str] = Counter()
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}  # each owner's, in order
        self._served: dict[str, int] = {}  # when each owner last got a place (a counter)
        self._turn = 0

    async def acquire(self, owner: str) -> None:
        if self._free > 0 and not self._waiting:
            self._take(owner)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(owner, deque()).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted, but nobody will use it
                self.release(owner)
            else:
                self._forget(owner, waiter)
            raise

    def release(self, owner: str) -> None:
        self.held_by[owner] -= 1
        if self.held_by[owner] <= 0:
            del self.held_by[owner]
        self._free += 1
        self._hand_out()

    @asynccontextmanager
    async def held(self, owner: str) -> AsyncIterator[None]:
        await self.acquire(owner)
        try:
            yield
        finally:
            self.release(owner)

    def _take(self, owner: str) -> None:
        self._free -= 1
        self.held_by[owner] += 1
        self._turn += 1
        self._served[owner] = self._turn

    def _hand_out(self) -> None:
        while self._free > 0 and self._waiting:
            owner = min(self._waiting, key=lambda o: (self.held_by[o], self._served.get(o, -1)))
            queue = self._waiting[owner]
            waiter = queue.popleft()
            if not queue:
                del self._waiting[owner]
            if waiter.done():  # cancelled while waiting
                continue
            self._take(owner)
            waiter.set_result(None)

    def _forget(self, owner: str, waiter: asyncio.Future[None]) -> None:
        queue = self._waiting.get(owner)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self._waiting[owner]
        self._hand_out()
