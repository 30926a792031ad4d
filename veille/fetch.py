"""The one HTTP client of veille: bounded in time, size and reach.

* **Private-address guard at connect time** (the Miniflux design): a custom httpcore network
  backend resolves the host itself, checks *every* address and connects to the checked one, so
  redirects and DNS rebinding cannot reach 127.0.0.1, 10/8, 169.254.169.254... Only globally
  routable unicast addresses pass: every range of IANA's special-purpose registries is refused,
  and an IPv6 address that embeds an IPv4 one (mapped, compatible, SIIT, NAT64, 6to4, Teredo)
  is judged by the IPv4 address it reaches (:func:`is_public_address`). It is hand-written
  because no maintained, offline-friendly SSRF-safe transport exists for httpx;
  it plugs into httpx through ``AsyncHTTPTransport._pool``, a private attribute, which is why
  httpx and httpcore are pinned and a test fails if the guard stops being used.
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
* Redirects followed by hand (bounded, loops detected, scheme re-checked), conditional GET,
  Retry-After remembered per host, bot challenges named as such, per-host concurrency limit.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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
    UnsupportedURLError,
    describe,
    one_line,
)
from veille.models import FetchResult
from veille.slots import FairSlots

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"veille/{__version__} (+https://github.com/veille-formation/veille; veille de la formation)"
)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress, int], bool]
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_RETRY_AFTER = 7 * 24 * 3600.0
REDIRECT_CODES = {301, 302, 303, 307, 308}
ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}
MAX_URL_CHARS = 4096
# httpx reads every redirect's Location, even when it does not follow it, and says this when
# the address is unusable (httpx 0.28.1, pinned: _client.py, _redirect_url).
BAD_LOCATION = "Invalid URL in location header"
_net = ipaddress.ip_network

# IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates; registries as of
# 2025). Every block is refused, the few marked "globally reachable" included (anycast relays,
# AS112, AMT): no feed lives there. Python's ``is_global`` is not enough: on 3.11 it answers
# True for 3fff::/20, 5f00::/16, 64:ff9b:1::/48, fec0::/10 or 192.0.0.9.
SPECIAL_IPV4 = tuple(
    _net(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private use
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link local (cloud metadata: 169.254.169.254)
        "172.16.0.0/12",  # private use
        "192.0.0.0/24",  # IETF protocol assignments (and its /29, /32 entries)
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private use
        "192.175.48.0/24",  # direct delegation AS112 service
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast (not in the registry, never a web server)
        "240.0.0.0/4",  # reserved, and 255.255.255.255 limited broadcast
    )
)
SPECIAL_IPV6 = tuple(
    _net(block)
    for block in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy prefix
        "2001::/23",  # IETF protocol assignments (Teredo's 2001::/32 is unwrapped before)
        "2001:db8::/32",  # documentation
        "2620:4f:8000::/48",  # direct delegation AS112 service
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing (SRv6) SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link local
        "fec0::/10",  # site local (deprecated, outside 2000::/3 anyway)
    )
)
GLOBAL_UNICAST_IPV6 = _net("2000::/3")  # every other IPv6 address is reserved or not unicast
# IPv6 forms that carry an IPv4 address, judged by the IPv4 address they reach.
IPV4_COMPATIBLE = _net("::/96")  # deprecated; :: and ::1 decode to 0.0.0.0/8, refused
IPV4_MAPPED = _net("::ffff:0:0/96")
SIIT = _net("::ffff:0:0:0/96")  # IPv4-translated (RFC 2765)
NAT64_WELL_KNOWN = _net("64:ff9b::/96")  # RFC 6052
NAT64_LOCAL_USE = _net("64:ff9b:1::/48")  # RFC 8215: the operator picks the prefix length
SIX_TO_FOUR = _net("2002::/16")
TEREDO = _net("2001::/32")
CHALLENGE_MARKERS = (
    b"<title>just a moment",
    b"challenge-platform",
    b"cf-browser-verification",
    b"cf_chl_opt",
    b"attention required! | cloudflare",
)
PRIVATE_HINT = (
    "Hint: intranet sources need VEILLE_ALLOW_PRIVATE_NETWORKS=1 or the "
    "allow_private_networks setting."
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


def is_public_address(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses; an IPv6 address that embeds an IPv4
    address (mapped, compatible, SIIT, NAT64, 6to4, Teredo) is judged by every IPv4 address it
    may reach."""
    if isinstance(ip, ipaddress.IPv6Address):
        reached = embedded_ipv4(ip)
        if reached is not None:
            return bool(reached) and all(is_public_address(v4) for v4 in reached)
        return ip in GLOBAL_UNICAST_IPV6 and not any(ip in block for block in SPECIAL_IPV6)
    return ip.is_global and not any(ip in block for block in SPECIAL_IPV4)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...] | None:
    """The IPv4 addresses an IPv6 address stands for, or None when it carries none.

    An empty tuple means "an IPv4 translation prefix, but no IPv4 address can be read from it"
    (a malformed NAT64 local-use address): not public either.
    """
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in IPV4_MAPPED or ip in IPV4_COMPATIBLE or ip in SIIT or ip in NAT64_WELL_KNOWN:
        return (low,)
    if ip in NAT64_LOCAL_USE:
        return _rfc6052_candidates(ip)
    if ip in SIX_TO_FOUR and ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip in TEREDO and ip.teredo is not None:
        return ip.teredo  # the relay server and the client behind it
    return None


def _rfc6052_candidates(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """IPv4 addresses a local-use NAT64 address may carry (RFC 6052 §2.2).

    The operator chooses the prefix length (48, 56, 64 or 96 inside 64:ff9b:1::/48), and the
    IPv4 bits sit elsewhere for each; bits 64-71 are always zero and the bits after the IPv4
    address are zero. Every layout the address is consistent with is returned, so the caller
    refuses the address if any of them reaches a non-public address.
    """
    raw = ip.packed
    if raw[8] != 0:
        return ()
    found = [ipaddress.IPv4Address(raw[12:16])]  # /96: the last four bytes
    without_u = raw[:8] + raw[9:]  # the shorter layouts skip byte 8
    for start in (6, 7, 8):  # /48, /56, /64
        v4, suffix = without_u[start : start + 4], without_u[start + 4 :]
        if not any(suffix):
            found.append(ipaddress.IPv4Address(v4))
    return tuple(found)


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


async def _system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve host {host} ({exc.strerror})") from None
    except (UnicodeError, ValueError, OSError) as exc:  # a host name the system cannot encode
        raise NetworkError(f"cannot resolve host {host} ({describe(exc)})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore backend refusing non-public addresses after DNS resolution, before connecting."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._policy = policy
        self._resolver = resolver
        self.connections = 0  # how many connections went through the guard (tests check it)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolver(host, port)
        if not addresses:
            raise NetworkError(f"cannot resolve host {host}")
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not self._policy(ip, port):
                raise BlockedAddressError(
                    f"{host} resolves to {ip}, a private or reserved address: refused. "
                    + PRIVATE_HINT
                )
        self.connections += 1
        last: Exception | None = None
        for address in addresses:  # connect to the checked address, never re-resolve
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


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
            address_policy = _allow_all if self.limits.allow_private_networks else _public_only
        self.backend = _GuardedBackend(address_policy, resolver or _system_resolver)
        transport = httpx.AsyncHTTPTransport(verify=_ssl_context())
        transport._pool = httpcore.AsyncConnectionPool(  # private: see the module docstring
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
    ) -> FetchResult:
        """GET a URL within the limits; 2xx or 304, or a FetchError subclass — never anything
        else, whatever the URL, its redirects or the server hold.

        ``admit`` is awaited once the request holds its host's slot, before it takes one of the
        overall slots (and off the deadline): the caller's own admission control — the pipeline
        waits there for room in the extraction queue. Waiting *before* the host slot instead
        would let pages queued for one busy host hold everybody's places. ``owner`` (a source
        id) is who the request is for: the overall slots go in turn to the owners that wait.
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
        try:
            async with asyncio.timeout(limit) as deadline_cm:
                self._clock.watch(deadline_cm)
                try:
                    return await self._follow(url, headers, cap, started, deadline_cm, admit, owner)
                finally:
                    self._clock.forget(deadline_cm)
        except TimeoutError:
            raise DeadlineExceededError(
                f"{_host(url)} did not answer completely within {limit:.0f} s", url=url
            ) from None
        except FetchError as exc:  # a URL in a message must not show its password
            exc.args = (one_line(mask_url_password(str(exc))),)
            raise
        except Exception as exc:  # containment (errors.py): nothing else leaves the fetcher
            logger.debug("unexpected error while fetching %s", url, exc_info=True)
            raise FetchError(
                i18n.message("fetch.unexpected", url=_shown(url), detail=describe(exc)), url=url
            ) from None

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        cap: int,
        started: float,
        deadline: asyncio.Timeout,
        admit: Callable[[], Awaitable[None]] | None = None,
        owner: str | None = None,
    ) -> FetchResult:
        current = url
        seen = [url]
        for _ in range(self.limits.max_redirects + 1):
            checked_url(current)
            response, body = await self._get(current, headers, cap, deadline, admit, owner)
            admit = None  # once per fetch, at the first hop
            if response.status_code in REDIRECT_CODES:
                target = response.headers.get("location")
                if not target:
                    raise HTTPStatusError(
                        f"{_host(current)} answered a redirect without a Location",
                        url=url,
                        status=response.status_code,
                    )
                current = _join(current, target)
                if current in seen:
                    raise TooManyRedirectsError(f"redirect loop at {current}", url=url)
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
            f"more than {self.limits.max_redirects} redirects starting from {url}", url=url
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
        host = _host(url)
        wait = self._blocked_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            raise RateLimitedError(
                f"{host} asked us to wait (Retry-After): {wait:.0f} s left",
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
                return await self._send(url, headers, cap, host)

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
                f"{host} sent a body that cannot be decompressed", url=url
            ) from None
        except httpx.RemoteProtocolError as exc:
            if str(exc).startswith(BAD_LOCATION):  # a redirect to no usable address: permanent
                raise _bad_url(url, f"redirect: {exc}") from None
            raise NetworkError(_describe(exc, host), url=url) from None
        except httpx.HTTPError as exc:
            raise NetworkError(_describe(exc, host), url=url) from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # checked_url should have said so
            raise _bad_url(url, describe(exc)) from None
        except OSError as exc:
            raise NetworkError(f"network error with {host}: {describe(exc)}", url=url) from None
        return response, body

    async def _read(self, response: httpx.Response, url: str, cap: int) -> bytes:
        status = response.status_code
        host = _host(url)
        if status in REDIRECT_CODES or status == 304:
            return b""
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ACCEPTED_ENCODINGS:
            raise UnsupportedEncodingError(
                f"{host} sent a body encoded as {encoding!r}, which veille does not accept",
                url=url,
            )
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > cap:
            raise ResponseTooLargeError(
                f"{host} announced {int(length):,} bytes, over the {cap:,}-byte limit", url=url
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # no chunk_size: see module docstring
            size += len(chunk)
            if size > cap:
                raise ResponseTooLargeError(
                    f"{host} sent more than {cap:,} bytes (after decompression): stopped",
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
        host = _host(url)
        if status in (403, 429, 503) and looks_like_bot_challenge(status, response.headers, body):
            raise BotChallengeError(
                f"{host} answered a bot-protection challenge (Cloudflare or similar) instead of "
                "the content. Hint: ask the publisher for access or use another URL.",
                url=url,
            )
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after:
                self._blocked_until[host] = time.monotonic() + retry_after
            wait = f", retry after {retry_after:.0f} s" if retry_after is not None else ""
            raise RateLimitedError(
                f"{host} answered HTTP {status} ({response.reason_phrase}){wait}",
                url=url,
                status=status,
                retry_after=retry_after,
            )
        raise HTTPStatusError(
            f"{url} answered HTTP {status} ({response.reason_phrase})", url=url, status=status
        )


MASK = "********"
_USERINFO_RE = re.compile(r"(?<=://)([^/@:\s]*):([^/@\s]*)@")


def mask_url_password(text: str) -> str:
    """``https://user:secret@host/`` -> ``https://user:********@host/``, in any text.

    Feed URLs may carry a password (HTTP Basic): it must not reach messages, logs or pages.
    """
    return _USERINFO_RE.sub(lambda m: f"{m[1]}:{MASK}@", text)


def _allow_all(ip: IPAddress, port: int) -> bool:
    return True


def _public_only(ip: IPAddress, port: int) -> bool:
    return is_public_address(ip)


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return (host or one_line(url, 100)).lower()


def _shown(url: str) -> str:
    """A URL as quoted in a message: no password, one line, not too long."""
    return one_line(mask_url_password(url), 200)


def _bad_url(url: str, reason: str) -> UnsupportedURLError:
    message = i18n.message("fetch.bad_url", url=_shown(url), reason=one_line(reason, 200))
    return UnsupportedURLError(message, url=url)


def checked_url(url: str) -> str:
    """``url`` when veille can fetch it, else :class:`UnsupportedURLError` saying why.

    What urllib, httpx and the system resolver would each refuse, refused here first: not
    http(s), no host, a port out of range, an invalid IPv4 or IPv6 literal (``999.1.1.1``), a
    host IDNA cannot encode (an empty or 64-character label, ``xn--`` garbage), control
    characters, more than ``MAX_URL_CHARS`` characters.
    """
    if len(url) > MAX_URL_CHARS:
        raise _bad_url(url, f"more than {MAX_URL_CHARS:,} characters")
    try:
        parts = urlsplit(url)
        port, host = parts.port, parts.hostname
    except ValueError as exc:
        raise _bad_url(url, str(exc)) from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsupportedURLError(f"{_shown(url)!r} is not an http(s) URL: not fetched", url=url)
    if port == 0:
        raise _bad_url(url, "port 0")
    try:
        # What the request and the resolver will do with it: httpx's URL parser (IP literals,
        # IDNA 2008) and the system's IDNA 2003 encoding (label lengths).
        httpx.URL(url).raw_host.decode("ascii").encode("idna")
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise _bad_url(url, describe(exc)) from None
    return url


def _join(base: str, target: str) -> str:
    """A redirect's Location resolved against the URL that answered it."""
    try:
        return urljoin(base, target.strip())
    except ValueError as exc:  # "http://[oops"
        raise _bad_url(target, describe(exc)) from None


def _describe(exc: httpx.HTTPError, host: str) -> str:
    """A network failure in words a curator understands."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {host}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{host} stopped sending data (read timeout)"
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or "connection failed"
        return f"cannot connect to {host}: {reason}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from {host}"
    return f"network error with {host}: {type(exc).__name__} {exc}".strip()
