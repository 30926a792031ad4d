"""The one HTTP client of veille: bounded in time, size and reach.

* **Private-address guard at connect time** (the Miniflux design): a custom httpcore network
  backend resolves the host itself, checks *every* address and connects to the checked one, so
  redirects and DNS rebinding cannot reach 127.0.0.1, 10/8, 169.254.169.254... It is hand-written
  because no maintained, offline-friendly SSRF-safe transport exists for httpx (reliability.md §3);
  it plugs into httpx through ``AsyncHTTPTransport._pool``, a private attribute, which is why
  httpx and httpcore are pinned and a test fails if the guard stops being used.
* **Size cap after decompression**: only gzip/deflate are accepted (httpx decodes br/zstd in one
  unbounded call); the decoded stream is counted and cut at the cap.
* **Total deadline** around the whole request, redirects and body included (per-read timeouts
  alone let a server trickling one byte every half second hold us forever).
* Redirects followed by hand (bounded, loops detected, scheme re-checked), conditional GET,
  Retry-After remembered per host, bot challenges named as such, per-host concurrency limit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from veille import __version__, clock
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
)
from veille.models import FetchResult

DEFAULT_USER_AGENT = (
    f"veille/{__version__} (+https://github.com/veille-formation/veille; veille de la formation)"
)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress, int], bool]
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_RETRY_AFTER = 7 * 24 * 3600.0
REDIRECT_CODES = {301, 302, 303, 307, 308}
ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
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
    """Limits of one Fetcher; defaults follow Miniflux and trafilatura (reliability.md §2)."""

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
    """True only for globally routable unicast addresses (IPv6 wrappers of IPv4 unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            return is_public_address(ip.sixtofour)
        if ip.teredo is not None:
            return is_public_address(ip.teredo[1])
    if ip in CGNAT:
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


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
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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
        transport = httpx.AsyncHTTPTransport()
        transport._pool = httpcore.AsyncConnectionPool(  # private: see the module docstring
            ssl_context=httpx.create_ssl_context(),
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
        self._all = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
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
    ) -> FetchResult:
        """GET a URL within the limits; 2xx or 304, or a FetchError subclass.

        ``admit`` is awaited once the request holds its host's slot, before it takes one of the
        overall slots (and off the deadline): the caller's own admission control — the pipeline
        waits there for room in the extraction queue. Waiting *before* the host slot instead
        would let pages queued for one busy host hold everybody's places.
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
        try:
            async with asyncio.timeout(limit) as deadline_cm:
                return await self._follow(
                    url, headers, max_bytes or self.limits.max_bytes, started, deadline_cm, admit
                )
        except TimeoutError:
            raise DeadlineExceededError(
                f"{_host(url)} did not answer completely within {limit:.0f} s", url=url
            ) from None
        except FetchError as exc:  # a URL in a message must not show its password
            exc.args = (mask_url_password(str(exc)),)
            raise

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        cap: int,
        started: float,
        deadline: asyncio.Timeout,
        admit: Callable[[], Awaitable[None]] | None = None,
    ) -> FetchResult:
        current = url
        seen = [url]
        for _ in range(self.limits.max_redirects + 1):
            _check_scheme(current)
            response, body = await self._get(current, headers, cap, deadline, admit)
            admit = None  # once per fetch, at the first hop
            if response.status_code in REDIRECT_CODES:
                target = response.headers.get("location")
                if not target:
                    raise HTTPStatusError(
                        f"{_host(current)} answered a redirect without a Location",
                        url=url,
                        status=response.status_code,
                    )
                current = urljoin(current, target.strip())
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
            async with self._all:
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
        except httpx.HTTPError as exc:
            raise NetworkError(_describe(exc, host), url=url) from None
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
    return (urlsplit(url).hostname or url).lower()


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsupportedURLError(f"{url!r} is not an http(s) URL: not fetched", url=url)


def _describe(exc: httpx.HTTPError, host: str) -> str:
    """A network failure in words a curator understands."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {host}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{host} stopped sending data (read timeout)"
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or "connection failed"
        return f"cannot connect to {host}: {reason}"
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent a body that cannot be decompressed"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from {host}"
    return f"network error with {host}: {type(exc).__name__} {exc}".strip()
