"""Hosts given up for the rest of a pass: a dead host costs a few requests, not minutes.

A feed's article links may all point at a host this machine cannot reach (down, or out of
reach: an intranet server behind a firewall sees every publisher so). Each page would be tried
three times (:data:`veille.source_run.RETRY_DELAYS`), two at a time per host: a pass over the
corpus's 210 feeds, their links all out of reach, had done 55 sources after 5 minutes
(``bench/check_corpus_feeds.py``; 2 minutes in all now).

So, after :data:`GIVE_UP_AFTER` network failures in a row on one host (DNS, connect, read,
deadline: the network kinds of :mod:`veille.health`; a 404 is an answer, and any answer starts
the count again), the host is given up **for the rest of the pass**: its other requests fail at
once, without touching the network, with a :class:`~veille.errors.NetworkError` that names the
host (``given_up_host``). Their entries keep the feed's text, as for any page that could not be
fetched, and the pass's summary names the host once
(:attr:`veille.records.RunSummary.hosts_given_up`). The next pass starts with a clean slate: one
:class:`HostBreaker` per :class:`~veille.fetch.Fetcher`, which is one per pass, shared by every
source of it (two feeds pointing at one dead host pay once).

Hand-written: a circuit breaker that never closes again within its pass is a counter and a set;
the libraries (pybreaker, aiobreaker) bring half-open states and timers this does not need.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from veille import i18n
from veille.errors import NetworkError, one_line
from veille.guard import mask_url_password

GIVE_UP_AFTER = 3  # network failures in a row on one host before it is given up for the pass


def host_of(url: str) -> str:
    """The host name of a URL, lower-cased (the start of the URL when it has none)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return (host or one_line(url, 100)).lower()


class HostBreaker:
    """Counts network failures in a row per host, and gives a host up at ``threshold``.

    Its methods never await: on the fetcher's event loop each runs whole. The lock keeps them
    whole too if a fetcher is ever shared by threads (it costs nothing here).
    """

    def __init__(self, threshold: int = GIVE_UP_AFTER) -> None:
        self.threshold = max(1, threshold)
        self._lock = threading.Lock()
        self._in_a_row: dict[str, int] = {}
        self._given_up: dict[str, str] = {}  # host -> the failure that decided it

    def failed(self, host: str, reason: str) -> bool:
        """Count one network failure on ``host``; True when this one gave it up."""
        with self._lock:
            if host in self._given_up:
                return False
            count = self._in_a_row.get(host, 0) + 1
            self._in_a_row[host] = count
            if count < self.threshold:
                return False
            self._given_up[host] = one_line(mask_url_password(reason), 200)
            return True

    def answered(self, host: str) -> None:
        """``host`` answered (whatever the status): its failures are no longer in a row."""
        with self._lock:
            self._in_a_row.pop(host, None)

    def given_up(self, host: str) -> bool:
        with self._lock:
            return host in self._given_up

    def check(self, url: str, host: str | None = None) -> None:
        """Raise the error of a given-up host for a request to ``url`` (on ``host``, the
        current hop's host, if not the URL's own); return when the host is still tried."""
        host = host or host_of(url)
        with self._lock:
            reason = self._given_up.get(host)
        if reason is not None:
            message = i18n.message(
                "fetch.host_given_up", host=one_line(host, 100), count=self.threshold, reason=reason
            )
            raise NetworkError(message, url=url, given_up_host=host)

    def hosts(self) -> list[str]:
        """The hosts given up so far, in the order they were."""
        with self._lock:
            return list(self._given_up)
