"""The one HTTP client of veille: bounded in time, size and reach.

* **Reach**: only http(s) URLs veille can fetch, and only public addresses, checked at connect
  time, after every redirect and DNS answer (:mod:`veille.guard`).
* **Size cap after decompression**: only gzip/deflate are accepted (httpx decodes br/zstd in one
  unbounded call); the decoded stream is counted and cut at the cap.
* **Total deadline** around the whole request, redirects and body included (per-read timeouts
  alone let a server trickling one byte every half second hold us forever). It counts time on
  the wire only: waiting for a free slot does not count, nor a moment when this process's event
  loop was stalled by work of its own (:class:`_WireClock`), so a server is never blamed for
  our slowness.
* **Errors at the edge**: whatever a URL, a redirect or a server holds (an invalid host, an
  undecodable IDNA label, a port out of range), ``fetch`` raises a
  :class:`~veille.errors.FetchError` and nothing else: library exceptions never reach the pass.
* **Fair shares**: the overall slots go in turn to the sources that wait for one
  (:class:`~veille.slots.FairSlots`), so one source's backlog does not starve the others.
* **The caller's admission**: ``fetch(admit=...)`` is awaited once the request holds its host's
  slot, before it takes an overall one (and off the deadline): the pipeline waits there for room
  in the extraction queue. Waiting *before* the host slot instead would let pages queued for one
  busy host hold everybody's places. ``leave`` gives that place back: with it, a redirect to
  another host gives its place back before it waits for that host, and is admitted again
  there. A request must never hold a place while it waits for a host whose own requests wait
  for places: when every place is so held, nobody moves again (a pass of the corpus's feeds
  stopped for good when pages waiting to be tried again kept theirs). Without ``leave``, a
  request is admitted once, at its first hop.
* **Dead hosts given up**: after a few network failures in a row on one host, its other
  requests of the pass fail at once (:mod:`veille.hosts`; a fetcher is one pass).
* Redirects followed by hand (bounded, loops detected, scheme re-checked), conditional GET,
  Retry-After remembered per host, bot challenges named as such, per-host concurrency limit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpcore
import httpx

from veille import __version__, clock, i18n
from veille.errors import (
    BlockedAddressError,
    BotChallengeError,
    DeadlineExceededError,
    FetchError,
    HTTPStatusError,
    NetworkError,
    RateLimitedError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnsupportedEncodingError,
    describe,
    one_line,
)
from veille.guard import (
    AddressPolicy,
    GuardedBackend,
    Resolver,
    allow_all,
    bad_url,
    checked_url,
    mask_url_password,
    public_only,
    shown_url,
    system_resolver,
)
from veille.hosts import HostBreaker, host_of
from veille.models import FetchResult
from veille.slots import FairSlots

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"veille/{__version__} (+https://github.com/veille-formation/veille; veille de la formation)"
)

MAX_RETRY_AFTER = 7 * 24 * 3600.0
REDIRECT_CODES = {301, 302, 303, 307, 308}
ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}
# httpx reads every redirect's Location, even when it does not follow it, and says this when
# the address is unusable (httpx 0.28.1, pinned: _client.py, _redirect_url).
BAD_LOCATION = "Invalid URL in location header"
CHALLENGE_MARKERS = (
    b"<title>just a moment",
    b"challenge-platform",
    b"cf-browser-verification",
    b"cf_chl_opt",
    b"attention required! | cloudflare",
)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Limits of one Fetcher; defaults follow Miniflux's and trafilatura's."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 30.0  # total wall clock per request, redirects and body included
    max_bytes: int = 15 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5
    per_host: int = 2
    concurrency: int = 16
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP-date), capped at 7 days."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or clock.now())).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def looks_like_bot_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """True when a response is a bot-protection challenge (Cloudflare...) rather than content."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = body[:65536].lower()
    return any(marker in head for marker in CHALLENGE_MARKERS)


class _WireClock:
    """Moves the running requests' deadlines back by however long the event loop was stalled.

    A request's deadline is there to stop a slow *server*. When work of this process holds the
    event loop (parsing a huge feed, loading the classifier), the bytes of other requests wait
    in their sockets and their deadlines would expire through no fault of their servers: a
    feed of 70,000 items on one host made another host's pages fail "within 30 s". So while
    requests run, a callback ticks every ``TICK`` seconds; when it runs late by more than
    ``STALL``, the loop was held, and every running deadline is pushed back by the delay. Timer
    callbacks due together run in the order they were due, so after a stall the tick (due
    first) runs before the deadlines it saves. Hand-written: asyncio's timeouts only know the
    loop's clock.
    """

    TICK = 0.1
    STALL = 0.25

    def __init__(self) -> None:
        self._running: set[asyncio.Timeout] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0
        self.stalls = 0.0  # seconds given back to requests, summed (tests and logs read it)

    def watch(self, deadline: asyncio.Timeout) -> None:
        self._running.add(deadline)
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._last = loop.time()
            self._handle = loop.call_later(self.TICK, self._tick, loop)

    def forget(self, deadline: asyncio.Timeout) -> None:
        self._running.discard(deadline)
        if not self._running and self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        late = now - self._last - self.TICK
        self._last = now
        if late > self.STALL:
            self.stalls += late
            for deadline in self._running:
                when = deadline.when()
                if when is not None:  # None: paused while the request waits for a slot
                    deadline.reschedule(when + late)
        self._handle = loop.call_later(self.TICK, self._tick, loop) if self._running else None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every fetcher of the process: building one loads the system's
    certificates (25-50 ms here, measured); httpx advises sharing it."""
    return httpx.create_ssl_context()


class Fetcher:
    """Bounded HTTP GETs for feeds and pages. Use as ``async with Fetcher(limits) as f``."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        address_policy: AddressPolicy | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        if address_policy is None:
            address_policy = allow_all if self.limits.allow_private_networks else public_only
        self.backend = GuardedBackend(address_policy, resolver or system_resolver)
        transport = httpx.AsyncHTTPTransport(verify=_ssl_context())
        transport._pool = httpcore.AsyncConnectionPool(  # private: see veille.guard
            ssl_context=_ssl_context(),
            max_connections=self.limits.concurrency * 2,
            network_backend=self.backend,
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,  # a proxy from the environment must not bypass the guard
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=self.limits.connect_timeout,
                read=self.limits.read_timeout,
                write=self.limits.read_timeout,
                pool=self.limits.deadline,
            ),
            headers={"User-Agent": self.limits.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._all = FairSlots(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._clock = _WireClock()
        self._blocked_until: dict[str, float] = {}
        self.hosts = HostBreaker()  # the hosts given up for the rest of this fetcher's pass

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        deadline: float | None = None,
        max_bytes: int | None = None,
        admit: Callable[[], Awaitable[None]] | None = None,
        owner: str | None = None,
        leave: Callable[[], None] | None = None,
    ) -> FetchResult:
        """GET a URL within the limits; 2xx or 304, or a FetchError subclass — never anything
        else, whatever the URL, its redirects or the server hold.

        ``admit`` and ``leave``: the caller's own admission control (see the module's
        docstring). ``owner`` (a source id) is who the request is for: the overall slots go in
        turn to the owners that wait.
        """
        limit = deadline or self.limits.deadline
        started = time.monotonic()
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        cap = max_bytes or self.limits.max_bytes
        hops = [url]  # the addresses asked so far, redirects included
        try:
            async with asyncio.timeout(limit) as deadline_cm:
                self._clock.watch(deadline_cm)
                try:
                    return await self._follow(
                        hops, headers, cap, started, deadline_cm, admit, owner, leave
                    )
                finally:
                    self._clock.forget(deadline_cm)
        except TimeoutError:
            message = i18n.message("fetch.deadline", host=host_of(hops[-1]), seconds=f"{limit:.0f}")
            self.hosts.failed(host_of(hops[-1]), message)  # the deadline ran out on this hop
            raise DeadlineExceededError(message, url=url) from None
        except FetchError as exc:  # a URL in a message must not show its password
            exc.args = (one_line(mask_url_password(str(exc))),)
            raise
        except Exception as exc:  # containment (errors.py): nothing else leaves the fetcher
            logger.debug("unexpected error while fetching %s", url, exc_info=True)
            raise FetchError(
                i18n.message("fetch.unexpected", url=shown_url(url), detail=describe(exc)), url=url
            ) from None

    async def _follow(
        self,
        seen: list[str],
        headers: dict[str, str],
        cap: int,
        started: float,
        deadline: asyncio.Timeout,
        admit: Callable[[], Awaitable[None]] | None = None,
        owner: str | None = None,
        leave: Callable[[], None] | None = None,
    ) -> FetchResult:
        url = current = seen[0]
        for hop in range(self.limits.max_redirects + 1):
            checked_url(current)
            if hop and leave is not None:  # not while waiting for the next host (see fetch)
                leave()
            response, body = await self._get(current, headers, cap, deadline, admit, owner)
            if leave is None:
                admit = None  # once per fetch, at the first hop
            if response.status_code in REDIRECT_CODES:
                target = response.headers.get("location")
                if not target:
                    raise HTTPStatusError(
                        i18n.message("fetch.redirect_without_location", host=host_of(current)),
                        url=url,
                        status=response.status_code,
                    )
                current = _join(current, target)
                if current in seen:
                    raise TooManyRedirectsError(
                        i18n.message("fetch.redirect_loop", url=current), url=url
                    )
                seen.append(current)
                continue
            return FetchResult(
                url=url,
                final_url=current,
                status=response.status_code,
                body=body,
                content_type=response.headers.get("content-type"),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                elapsed=time.monotonic() - started,
                redirects=tuple(seen[1:]),
            )
        raise TooManyRedirectsError(
            i18n.message("fetch.too_many_redirects", count=self.limits.max_redirects, url=url),
            url=url,
        )

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        cap: int,
        deadline: asyncio.Timeout,
        admit: Callable[[], Awaitable[None]] | None = None,
        owner: str | None = None,
    ) -> tuple[httpx.Response, bytes]:
        host = host_of(url)
        self.hosts.check(url, host)
        wait = self._blocked_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            raise RateLimitedError(
                i18n.message("fetch.retry_after", host=host, seconds=f"{wait:.0f}"),
                url=url,
                status=429,
                retry_after=wait,
            )
        semaphore = self._hosts.setdefault(host, asyncio.Semaphore(self.limits.per_host))
        # Time spent waiting for a free slot (many sources on one host) is ours, not the
        # server's: the deadline is paused meanwhile (slot holders are bounded by theirs).
        loop = asyncio.get_running_loop()
        when = deadline.when()
        left = None if when is None else when - loop.time()
        deadline.reschedule(None)
        # The host's slot first, then an overall one: a request waiting for its busy host must
        # not hold one of the overall slots meanwhile (20 pages of one site queued first would
        # otherwise leave 2 requests running out of 16).
        async with semaphore:
            if admit is not None:
                await admit()
            async with self._all.held(owner or host):
                if left is not None:
                    deadline.reschedule(loop.time() + left)
                self.hosts.check(url, host)  # given up while this request waited for a slot
                return await self._sent(url, headers, cap, host)

    async def _sent(
        self, url: str, headers: dict[str, str], cap: int, host: str
    ) -> tuple[httpx.Response, bytes]:
        """:meth:`_send`, its outcome counted for the host: a network failure, or an answer
        (an error status is an answer too). A refused address reached no server: neither."""
        try:
            answer = await self._send(url, headers, cap, host)
        except NetworkError as exc:
            self.hosts.failed(host, str(exc))
            raise
        except BlockedAddressError:
            raise
        except FetchError:
            self.hosts.answered(host)
            raise
        self.hosts.answered(host)
        return answer

    async def _send(
        self, url: str, headers: dict[str, str], cap: int, host: str
    ) -> tuple[httpx.Response, bytes]:
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                body = await self._read(response, url, cap)
        except FetchError:
            raise
        except httpx.DecodingError:  # a corrupt gzip body: the server's, and it would repeat
            raise UnsupportedEncodingError(
                i18n.message("fetch.undecodable", host=host), url=url
            ) from None
        except httpx.RemoteProtocolError as exc:
            if str(exc).startswith(BAD_LOCATION):  # a redirect to no usable address: permanent
                raise bad_url(url, f"redirect: {exc}") from None
            raise NetworkError(_describe(exc, host), url=url) from None
        except httpx.HTTPError as exc:
            raise NetworkError(_describe(exc, host), url=url) from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # checked_url should have said so
            raise bad_url(url, describe(exc)) from None
        except OSError as exc:
            raise NetworkError(
                i18n.message("fetch.network", host=host, detail=describe(exc)), url=url
            ) from None
        return response, body

    async def _read(self, response: httpx.Response, url: str, cap: int) -> bytes:
        status = response.status_code
        host = host_of(url)
        if status in REDIRECT_CODES or status == 304:
            return b""
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ACCEPTED_ENCODINGS:
            raise UnsupportedEncodingError(
                i18n.message("fetch.bad_encoding", host=host, encoding=encoding),
                url=url,
            )
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > cap:
            raise ResponseTooLargeError(
                i18n.message(
                    "fetch.announced_too_large",
                    host=host,
                    size=_bytes(int(length)),
                    cap=_bytes(cap),
                ),
                url=url,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # no chunk_size: see module docstring
            size += len(chunk)
            if size > cap:
                raise ResponseTooLargeError(
                    i18n.message("fetch.too_large", host=host, cap=_bytes(cap)),
                    url=url,
                )
            chunks.append(chunk)
            if status >= 400 and size > 65536:
                break  # enough of an error page to classify it
        body = b"".join(chunks)
        if status >= 400:
            self._raise_for_status(response, url, body)
        return body

    def _raise_for_status(self, response: httpx.Response, url: str, body: bytes) -> None:
        status = response.status_code
        host = host_of(url)
        if status in (403, 429, 503) and looks_like_bot_challenge(status, response.headers, body):
            raise BotChallengeError(
                i18n.message("fetch.bot_challenge", host=host),
                url=url,
            )
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after:
                self._blocked_until[host] = time.monotonic() + retry_after
            wait = (
                i18n.message("fetch.retry_in", seconds=f"{retry_after:.0f}")
                if retry_after is not None
                else ""
            )
            raise RateLimitedError(
                _status_sentence(host, status, response.reason_phrase) + wait,
                url=url,
                status=status,
                retry_after=retry_after,
            )
        raise HTTPStatusError(
            _status_sentence(url, status, response.reason_phrase), url=url, status=status
        )


def _status_sentence(where: str, status: int, phrase: str) -> str:
    """``https://… a répondu HTTP 404 (page introuvable)``: the server's own reason phrase in
    English only; in French, ours for the statuses people meet, else the number alone."""
    key = f"http.{status}"
    if key in i18n.MESSAGES:
        phrase = i18n.message(key)
    elif i18n.current() != "en":
        phrase = ""
    reason = i18n.message("fetch.reason", reason=phrase) if phrase else ""
    return i18n.message("fetch.status", url=where, status=status, reason=reason)


def _bytes(n: int) -> str:
    """A size in bytes with its thousands separated as the language does (12 345 / 12,345)."""
    return f"{n:,}".replace(",", "\u202f" if i18n.current() == "fr" else ",")


def _join(base: str, target: str) -> str:
    """A redirect's Location resolved against the URL that answered it."""
    try:
        return urljoin(base, target.strip())
    except ValueError as exc:  # "http://[oops"
        raise bad_url(target, describe(exc)) from None


def _describe(exc: httpx.HTTPError, host: str) -> str:
    """A network failure in words a curator understands."""
    if isinstance(exc, httpx.ConnectTimeout):
        return i18n.message("fetch.connect_timeout", host=host)
    if isinstance(exc, httpx.ReadTimeout):
        return i18n.message("fetch.read_timeout", host=host)
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or i18n.message("fetch.connection_failed")
        return i18n.message("fetch.cannot_connect", host=host, reason=reason)
    if isinstance(exc, httpx.TooManyRedirects):
        return i18n.message("fetch.redirects_from", host=host)
    return i18n.message("fetch.network", host=host, detail=f"{type(exc).__name__} {exc}".strip())
