"""What the fetcher may reach: URLs it can fetch, and public addresses only.

* **URL policy** (:func:`checked_url`): what urllib, httpx or the system resolver would refuse
  is refused first, with a :class:`~veille.errors.UnsupportedURLError` saying why; a URL quoted
  in a message never shows its password (:func:`mask_url_password`).
* **Private-address guard at connect time** (the Miniflux design): a custom httpcore network
  backend (:class:`GuardedBackend`) resolves the host itself, checks *every* address and
  connects to the checked one, so redirects and DNS rebinding cannot reach 127.0.0.1, 10/8,
  169.254.169.254... Only globally routable unicast addresses pass: every range of IANA's
  special-purpose registries is refused, and an IPv6 address that embeds an IPv4 one (mapped,
  compatible, SIIT, NAT64, 6to4, Teredo) is judged by the IPv4 address it reaches
  (:func:`is_public_address`). It is hand-written because no maintained, offline-friendly
  SSRF-safe transport exists for httpx; :class:`veille.fetch.Fetcher` plugs it into httpx
  through ``AsyncHTTPTransport._pool``, a private attribute, which is why httpx and httpcore
  are pinned and a test fails if the guard stops being used.
* **Knocking** (:func:`knock`): whether servers accept a connection at all, through the same
  guard, without sending a byte; the pass asks when one source alone failed for network
  reasons, to tell an outage from a server that is down (:func:`veille.health.is_outage`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from veille import i18n
from veille.errors import (
    BlockedAddressError,
    NetworkError,
    UnsupportedURLError,
    describe,
    one_line,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress, int], bool]
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_URL_CHARS = 4096
_net = ipaddress.ip_network

# -- addresses ----------------------------------------------------------------------------------

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
PRIVATE_HINT = (
    "Hint: intranet sources need VEILLE_ALLOW_PRIVATE_NETWORKS=1 or the "
    "allow_private_networks setting."
)


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


def allow_all(ip: IPAddress, port: int) -> bool:
    return True


def public_only(ip: IPAddress, port: int) -> bool:
    return is_public_address(ip)


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NetworkError(i18n.message("fetch.no_host", host=host, reason=exc.strerror)) from None
    except (UnicodeError, ValueError, OSError) as exc:  # a host name the system cannot encode
        raise NetworkError(i18n.message("fetch.no_host", host=host, reason=describe(exc))) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
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
            raise NetworkError(i18n.message("fetch.no_host_at_all", host=host))
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
        raise BlockedAddressError(i18n.message("fetch.unix_socket"))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def address_policy(allow_private_networks: bool) -> AddressPolicy:
    """The addresses veille may connect to: public ones, or any when intranet sources are
    allowed (the ``allow_private_networks`` setting)."""
    return allow_all if allow_private_networks else public_only


async def knock(
    targets: Iterable[tuple[str, int]],
    policy: AddressPolicy,
    *,
    timeout: float,
    resolver: Resolver = system_resolver,
) -> list[bool | None]:
    """For each (host, port), all at once: True when it accepts a TCP connection within
    ``timeout`` seconds (closed at once, nothing sent), False when it does not (no DNS answer,
    refused, unreachable, too slow), None when ``policy`` refuses its addresses (not asked)."""

    async def one(host: str, port: int) -> bool | None:
        backend = GuardedBackend(policy, resolver)
        try:
            async with asyncio.timeout(timeout):  # the name's resolution included
                stream = await backend.connect_tcp(host, port, timeout=timeout)
        except BlockedAddressError:
            return None
        except (NetworkError, httpcore.NetworkError, httpcore.TimeoutException, OSError):
            return False  # TimeoutError is an OSError
        except Exception:  # noqa: BLE001 - a surprise says nothing of the network: not asked
            return None
        await stream.aclose()
        return True

    return list(await asyncio.gather(*(one(host, port) for host, port in targets)))


# -- URLs ---------------------------------------------------------------------------------------

MASK = "********"
_USERINFO_RE = re.compile(r"(?<=://)([^/@:\s]*):([^/@\s]*)@")


def mask_url_password(text: str) -> str:
    """``https://user:secret@host/`` -> ``https://user:********@host/``, in any text.

    Feed URLs may carry a password (HTTP Basic): it must not reach messages, logs or pages.
    """
    return _USERINFO_RE.sub(lambda m: f"{m[1]}:{MASK}@", text)


def shown_url(url: str) -> str:
    """A URL as quoted in a message: no password, one line, not too long."""
    return one_line(mask_url_password(url), 200)


def bad_url(url: str, reason: str) -> UnsupportedURLError:
    """The error for a URL veille cannot fetch, saying why."""
    message = i18n.message("fetch.bad_url", url=shown_url(url), reason=one_line(reason, 200))
    return UnsupportedURLError(message, url=url)


def checked_url(url: str) -> str:
    """``url`` when veille can fetch it, else :class:`UnsupportedURLError` saying why.

    What urllib, httpx and the system resolver would each refuse, refused here first: not
    http(s), no host, a port out of range, an invalid IPv4 or IPv6 literal (``999.1.1.1``), a
    host IDNA cannot encode (an empty or 64-character label, ``xn--`` garbage), control
    characters, more than ``MAX_URL_CHARS`` characters.
    """
    if len(url) > MAX_URL_CHARS:
        raise bad_url(url, f"more than {MAX_URL_CHARS:,} characters")
    try:
        parts = urlsplit(url)
        port, host = parts.port, parts.hostname
    except ValueError as exc:
        raise bad_url(url, str(exc)) from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsupportedURLError(i18n.message("fetch.not_http", url=shown_url(url)), url=url)
    if port == 0:
        raise bad_url(url, "port 0")
    try:
        # What the request and the resolver will do with it: httpx's URL parser (IP literals,
        # IDNA 2008) and the system's IDNA 2003 encoding (label lengths).
        httpx.URL(url).raw_host.decode("ascii").encode("idna")
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise bad_url(url, describe(exc)) from None
    return url
