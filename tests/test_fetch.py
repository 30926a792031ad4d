"""The fetcher against real misbehaving servers on 127.0.0.1 (and 127.0.0.2 as "internal")."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

import pytest

from tests.hostile_server import Hostile, hostile
from veille.errors import (
    BlockedAddressError,
    BotChallengeError,
    DeadlineExceededError,
    HTTPStatusError,
    NetworkError,
    RateLimitedError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnsupportedEncodingError,
    UnsupportedURLError,
)
from veille.fetch import Fetcher, FetchLimits, looks_like_bot_challenge, parse_retry_after
from veille.guard import IPAddress, is_public_address
from veille.models import FetchResult


@pytest.fixture
def public() -> Iterator[Hostile]:
    with hostile("127.0.0.1") as server:
        yield server


@pytest.fixture
def internal() -> Iterator[Hostile]:
    with hostile("127.0.0.2") as server:
        yield server


def _policy_for(server: Hostile) -> Any:
    """Test policy: the 'public' test server counts as public; everything else is refused."""
    port = server.server_address[1]

    def allowed(ip: Any, p: int) -> bool:
        return (str(ip) == "127.0.0.1" and p == port) or is_public_address(ip)

    return allowed


def fetch(url: str, server: Hostile | None = None, **kw: Any) -> FetchResult:
    limits = kw.pop("limits", FetchLimits(deadline=10))
    resolver = kw.pop("resolver", None)

    async def go() -> FetchResult:
        policy = _policy_for(server) if server else None
        async with Fetcher(limits, address_policy=policy, resolver=resolver) as f:
            return await f.fetch(url, **kw)

    return asyncio.run(go())


def test_plain_get_sends_user_agent(public: Hostile) -> None:
    result = fetch(public.base + "/ua", public)
    assert result.status == 200 and result.body.startswith(b"veille/")


def test_conditional_get_gives_304(public: Hostile) -> None:
    first = fetch(public.base + "/feed", public)
    assert first.status == 200 and first.etag == '"v1"'
    second = fetch(public.base + "/feed", public, etag=first.etag)
    assert second.not_modified and second.body == b""


def test_redirect_followed_and_loops_and_chains_stopped(public: Hostile) -> None:
    result = fetch(public.base + "/redirect?to=/feed", public)
    assert result.status == 200 and result.final_url.endswith("/feed")
    with pytest.raises(TooManyRedirectsError, match="loop"):
        fetch(public.base + "/loop", public)
    with pytest.raises(TooManyRedirectsError):
        fetch(public.base + "/chain?n=10", public)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:x"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(UnsupportedURLError):
        fetch(url)


def test_redirect_to_file_scheme_refused(public: Hostile) -> None:
    with pytest.raises(UnsupportedURLError):
        fetch(public.base + "/redirect?to=file:///etc/passwd", public)


def test_private_targets_refused_by_default(internal: Hostile) -> None:
    port = internal.server_address[1]
    for url in (
        f"http://127.0.0.2:{port}/secret",
        f"http://localhost:{port}/secret",
        f"http://0.0.0.0:{port}/secret",
        f"http://[::ffff:127.0.0.2]:{port}/secret",
        f"http://2130706434:{port}/secret",  # 127.0.0.2 as a decimal number
    ):
        with pytest.raises(BlockedAddressError, match="VEILLE_ALLOW_PRIVATE_NETWORKS"):
            fetch(url)
    assert internal.hits == []


def test_redirects_to_internal_addresses_refused(public: Hostile, internal: Hostile) -> None:
    secret = f"{internal.base}/secret"
    with pytest.raises(BlockedAddressError):
        fetch(f"{public.base}/redirect?to={secret}", public)
    with pytest.raises(BlockedAddressError):
        fetch(f"{public.base}/redirect?code=307&to=http://169.254.169.254/latest/", public)
    assert internal.hits == []
    assert len(public.hits) == 2


@pytest.mark.parametrize(
    "address",
    ["100.64.0.1", "169.254.169.254", "fe80::1", "::ffff:10.0.0.1", "fd00:ec2::254", "10.0.0.1"],
)
def test_names_resolving_to_private_ranges_are_refused_before_connecting(address: str) -> None:
    # CGNAT, link-local (cloud metadata), IPv6 link-local, IPv4-mapped, ULA, RFC 1918.
    async def resolver(host: str, port: int) -> list[str]:
        return [address]

    async def go() -> int:
        async with Fetcher(FetchLimits(deadline=5), resolver=resolver) as f:
            with pytest.raises(BlockedAddressError, match="private or reserved"):
                await f.fetch("http://intranet.example.org/")
            return f.backend.connections

    assert asyncio.run(go()) == 0


def test_dns_rebinding_cannot_reach_internal(public: Hostile, internal: Hostile) -> None:
    answers = iter(["127.0.0.1", "127.0.0.2"])

    async def rebinding(host: str, port: int) -> list[str]:
        return [next(answers, "127.0.0.2")]

    port = public.server_address[1]
    # Same port on the internal host, so only the address decides.
    limits = FetchLimits(deadline=5)
    with pytest.raises((BlockedAddressError, NetworkError)):
        for _ in range(2):
            fetch(f"http://rebind.test:{port}/secret", public, resolver=rebinding, limits=limits)
    assert internal.hits == []


def test_allow_private_networks(internal: Hostile) -> None:
    result = fetch(internal.base + "/secret", limits=FetchLimits(allow_private_networks=True))
    assert result.body == b"INTERNAL-SECRET"


def test_guard_is_in_the_connection_path(public: Hostile) -> None:
    async def go() -> int:
        async with Fetcher(address_policy=_policy_for(public)) as f:
            await f.fetch(public.base + "/feed")
            return f.backend.connections

    assert asyncio.run(go()) == 1  # fails if httpx stops using our network backend


def test_gzip_bomb_stops_at_the_cap(public: Hostile) -> None:
    started = time.monotonic()
    with pytest.raises(ResponseTooLargeError, match="une fois décompressés"):
        fetch(public.base + "/gzipbomb", public, max_bytes=5 << 20)
    assert time.monotonic() - started < 5


def test_deflate_bomb_stops_at_the_cap(public: Hostile) -> None:
    with pytest.raises(ResponseTooLargeError, match="une fois décompressés"):
        fetch(public.base + "/deflatebomb", public, max_bytes=5 << 20)


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress", "x-custom"])
def test_encodings_we_cannot_bound_are_refused_before_decoding(
    public: Hostile, encoding: str
) -> None:
    # httpx would decode br/zstd in one unbounded call if brotli/zstandard were installed.
    with pytest.raises(UnsupportedEncodingError, match="n’accepte pas"):
        fetch(public.base + "/encoded?as=" + encoding.replace(" ", "%20"), public)


def test_only_bounded_encodings_are_asked_for(public: Hostile) -> None:
    async def go() -> str:
        async with Fetcher() as f:
            return str(f._client.headers["Accept-Encoding"])

    assert set(asyncio.run(go()).replace(" ", "").split(",")) <= {"gzip", "deflate"}


def test_gzip_is_decoded(public: Hostile) -> None:
    assert fetch(public.base + "/gzipped", public).body == b"hello " * 100


def test_endless_stream_stops_at_the_cap(public: Hostile) -> None:
    with pytest.raises(ResponseTooLargeError):
        fetch(public.base + "/endless", public, max_bytes=1 << 20)


def test_lying_content_length_reads_no_more_than_announced(public: Hostile) -> None:
    # The server announces 10 bytes and sends 4 MiB: the client reads the 10 and stops.
    assert len(fetch(public.base + "/liar", public).body) == 10


def test_announced_length_over_the_cap_is_refused_without_reading(public: Hostile) -> None:
    with pytest.raises(ResponseTooLargeError, match="annonce"):
        fetch(public.base + "/big", public)


def test_brotli_is_refused(public: Hostile) -> None:
    with pytest.raises(UnsupportedEncodingError, match="br"):
        fetch(public.base + "/brotli", public)


@pytest.mark.slow
def test_slow_trickle_cut_at_the_deadline(public: Hostile) -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError):
        fetch(public.base + "/slow", public, deadline=2)
    assert time.monotonic() - started < 4


def test_stalled_headers(public: Hostile) -> None:
    with pytest.raises((DeadlineExceededError, NetworkError)):
        fetch(public.base + "/stall", public, limits=FetchLimits(read_timeout=1, deadline=3))


def test_429_and_503_with_retry_after_then_fail_fast(public: Hostile) -> None:
    async def go() -> tuple[Any, Any, int]:
        async with Fetcher(address_policy=_policy_for(public)) as f:
            with pytest.raises(RateLimitedError) as first:
                await f.fetch(public.base + "/ratelimit?ra=120")
            hits = len(public.hits)
            with pytest.raises(RateLimitedError) as second:
                await f.fetch(public.base + "/feed")
            return first.value, second.value, len(public.hits) - hits

    first, second, new_hits = asyncio.run(go())
    assert first.retry_after == 120 and first.status == 429
    assert new_hits == 0 and second.retry_after > 100  # no retry storm on the same host

    with pytest.raises(RateLimitedError) as info:
        fetch(public.base + "/unavailable", public)
    assert info.value.status == 503 and 250 < (info.value.retry_after or 0) <= 300


def test_bot_challenge_named_as_such(public: Hostile) -> None:
    with pytest.raises(BotChallengeError, match="anti-robots"):
        fetch(public.base + "/challenge", public)


def test_404_and_refused_connection(public: Hostile) -> None:
    with pytest.raises(HTTPStatusError, match="404") as info:
        fetch(public.base + "/nope", public)
    assert info.value.status == 404
    with pytest.raises(NetworkError, match="connexion impossible"):
        fetch("http://127.0.0.1:9/", limits=FetchLimits(allow_private_networks=True))


@pytest.mark.slow
def test_waiting_for_a_slot_does_not_count_against_the_deadline(public: Hostile) -> None:
    # Ten 0.3 s answers one at a time take 3 s: each request alone is well within its 2 s.
    async def go() -> list[FetchResult]:
        limits = FetchLimits(per_host=1, deadline=2)
        async with Fetcher(limits, address_policy=_policy_for(public)) as f:
            return await asyncio.gather(*(f.fetch(public.base + "/busy") for _ in range(10)))

    assert [r.body for r in asyncio.run(go())] == [b"ok"] * 10
    assert public.max_active == 1


def test_per_host_limit(public: Hostile) -> None:
    async def go() -> None:
        async with Fetcher(FetchLimits(per_host=2), address_policy=_policy_for(public)) as f:
            await asyncio.gather(*(f.fetch(public.base + "/busy") for _ in range(6)))

    asyncio.run(go())
    assert public.max_active == 2


def test_requests_waiting_for_a_busy_host_do_not_hold_up_other_hosts(
    public: Hostile, internal: Hostile
) -> None:
    """Three requests to one host (one at a time there), then one to another host: the other
    host's request runs at once, not after the first host's queue (2 slots overall)."""
    done: list[str] = []

    async def get(url: str, name: str, f: Fetcher) -> None:
        await f.fetch(url)
        done.append(name)

    async def go() -> None:
        limits = FetchLimits(per_host=1, concurrency=2, allow_private_networks=True)
        async with Fetcher(limits) as f:
            await asyncio.gather(
                *(get(public.base + f"/busy?n={i}", f"a{i}", f) for i in range(3)),
                get(internal.base + "/busy", "b", f),
            )

    asyncio.run(go())
    assert set(done[:2]) == {"a0", "b"}, done


def test_admit_is_awaited_once_the_host_admits_the_request(public: Hostile) -> None:
    """The caller's admission control runs after the host's slot, once per fetch."""
    order: list[str] = []

    async def go() -> None:
        async with Fetcher(FetchLimits(per_host=1), address_policy=_policy_for(public)) as f:

            async def admit() -> None:
                order.append("admit")

            result = await f.fetch(public.base + "/redirect?to=/ua", admit=admit)
            order.append(f"done {result.status}")

    asyncio.run(go())
    assert order == ["admit", "done 200"]  # a redirect does not admit the request twice


def test_a_redirect_gives_its_place_back_before_it_waits_for_the_next_host(
    public: Hostile,
) -> None:
    """With ``leave``, the caller's place is given back before each next hop (which waits for
    its host's slot) and taken again there: a place is never held while waiting for a host."""
    order: list[str] = []

    async def go() -> None:
        async with Fetcher(FetchLimits(per_host=1), address_policy=_policy_for(public)) as f:

            async def admit() -> None:
                order.append("admit")

            result = await f.fetch(
                public.base + "/redirect?to=/ua", admit=admit, leave=lambda: order.append("leave")
            )
            order.append(f"done {result.status}")

    asyncio.run(go())
    assert order == ["admit", "leave", "admit", "done 200"]


# The IANA IPv4 and IPv6 Special-Purpose Address Registries (iana-ipv4-special-registry and
# iana-ipv6-special-registry, as updated in 2024-2025), block by block, plus multicast and the
# deprecated site-local block: the guard must refuse every address of every one of them.
# IPv6 blocks that carry an IPv4 address are tested apart (IPV4_CARRIERS below).
IANA_IPV4 = [
    ("0.0.0.0/8", "this network (RFC 791)"),
    ("0.0.0.0/32", "this host on this network (RFC 1122)"),
    ("10.0.0.0/8", "private use (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link local (RFC 3927)"),
    ("172.16.0.0/12", "private use (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.0.0/29", "IPv4 service continuity prefix (RFC 7335)"),
    ("192.0.0.8/32", "IPv4 dummy address (RFC 7600)"),
    ("192.0.0.9/32", "port control protocol anycast (RFC 7723)"),
    ("192.0.0.10/32", "TURN anycast (RFC 8155)"),
    ("192.0.0.170/32", "NAT64/DNS64 discovery (RFC 7050)"),
    ("192.0.0.171/32", "NAT64/DNS64 discovery (RFC 7050)"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
    ("192.52.193.0/24", "AMT (RFC 7450)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private use (RFC 1918)"),
    ("192.175.48.0/24", "direct delegation AS112 service (RFC 7534)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("255.255.255.255/32", "limited broadcast (RFC 919)"),
    ("224.0.0.0/4", "multicast (RFC 5771; not in the registry)"),
]
IANA_IPV6 = [
    ("::1/128", "loopback (RFC 4291)"),
    ("::/128", "unspecified (RFC 4291)"),
    ("100::/64", "discard-only (RFC 6666)"),
    ("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
    ("2001::/23", "IETF protocol assignments (RFC 2928)"),
    ("2001:1::1/128", "port control protocol anycast (RFC 7723)"),
    ("2001:1::2/128", "TURN anycast (RFC 8155)"),
    ("2001:1::3/128", "DNS-SD SRP anycast (RFC 9665)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:3::/32", "AMT (RFC 7450)"),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
    ("2001:10::/28", "deprecated ORCHID (RFC 4843)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", "drone remote ID entity tags (RFC 9374)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2620:4f:8000::/48", "direct delegation AS112 service (RFC 7534)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "segment routing SIDs (RFC 9602)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local unicast (RFC 4291)"),
    ("fec0::/10", "site local, deprecated (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
]
# Blocks whose addresses carry an IPv4 address: judged by the IPv4 address they reach.
# (block, how to write the IPv6 address that carries a given IPv4 address)
IPV4_CARRIERS = [
    ("::ffff:0:0/96", "IPv4-mapped (RFC 4291)", lambda v4: f"::ffff:{v4}"),
    ("::/96", "IPv4-compatible, deprecated (RFC 4291)", lambda v4: f"::{v4}"),
    ("::ffff:0:0:0/96", "SIIT IPv4-translated (RFC 2765)", lambda v4: f"::ffff:0:{v4}"),
    ("64:ff9b::/96", "NAT64 well-known prefix (RFC 6052)", lambda v4: f"64:ff9b::{v4}"),
    ("64:ff9b:1::/48", "NAT64 local use, /96 layout (RFC 8215)", lambda v4: f"64:ff9b:1::{v4}"),
    ("2002::/16", "6to4 (RFC 3056)", lambda v4: _six_to_four(v4)),
    ("2001::/32", "Teredo, client address (RFC 4380)", lambda v4: _teredo(v4)),
]
NOT_PUBLIC_IPV4 = ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.0.1", "0.0.0.0",
                   "100.64.0.1", "224.0.0.1", "192.0.0.9"]  # fmt: skip
PUBLIC_IPV4 = ["8.8.8.8", "93.184.216.34", "151.101.1.69"]


def _six_to_four(v4: str) -> str:
    packed = ipaddress.IPv4Address(v4).packed
    return str(ipaddress.IPv6Address(b"\x20\x02" + packed + bytes(10)))


def _teredo(v4: str) -> str:
    """A Teredo address of a client behind ``v4`` (its bits inverted), relay 65.54.227.120."""
    client = bytes(b ^ 0xFF for b in ipaddress.IPv4Address(v4).packed)
    server = ipaddress.IPv4Address("65.54.227.120").packed
    return str(ipaddress.IPv6Address(b"\x20\x01\x00\x00" + server + b"\x80\x00\x63\xbf" + client))


def _samples(block: str) -> list[IPAddress]:
    """The first, second, middle and last addresses of a block."""
    network = ipaddress.ip_network(block)
    size = network.num_addresses
    picks = {0, min(1, size - 1), size // 2, size - 1}
    return [network[i] for i in sorted(picks)]


@pytest.mark.parametrize(("block", "name"), IANA_IPV4 + IANA_IPV6)
def test_every_special_purpose_block_is_refused(block: str, name: str) -> None:
    for address in _samples(block):
        assert not is_public_address(address), f"{address} ({name}, {block}) passed the guard"


@pytest.mark.parametrize(("block", "name", "carry"), IPV4_CARRIERS)
def test_ipv6_carrying_an_ipv4_address_is_judged_by_it(block: str, name: str, carry: Any) -> None:
    for v4 in NOT_PUBLIC_IPV4:
        address = ipaddress.IPv6Address(carry(v4))
        assert address in ipaddress.ip_network(block), (address, block)
        assert not is_public_address(address), f"{address} ({name}) reaches {v4}"
    for v4 in PUBLIC_IPV4:
        assert is_public_address(ipaddress.IPv6Address(carry(v4))), (name, v4)


@pytest.mark.parametrize(
    ("address", "reaches"),
    [
        ("::127.0.0.1", "127.0.0.1"),  # the report's examples, as written there
        ("::169.254.169.254", "169.254.169.254"),
        ("::ffff:0:127.0.0.1", "127.0.0.1"),
        ("64:ff9b:1::a9fe:a9fe", "169.254.169.254"),
        ("64:ff9b:1::7f00:1", "127.0.0.1"),
        ("64:ff9b:1:a9fe:a9:fe00::", "169.254.169.254"),  # local-use NAT64, /48 layout
        ("64:ff9b:1:7f:0:100::", "127.0.0.1"),  # local-use NAT64, /56 layout
        ("64:ff9b:1:0:7f:0:1:0", "127.0.0.1"),  # local-use NAT64, /64 layout
        ("fec0::1", "site local"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45 (RFC 4380's example)"),
    ],
)
def test_reported_guard_gaps_are_closed(address: str, reaches: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address)), reaches


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2a00:1450:4007:80a::200e", "2001:4860:4860::8888", "64:ff9b::808:808",
     "2c0f:fb50:4003::1", "1.1.1.1"],
)  # fmt: skip
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://999.1.1.1/x",  # the report's poison pill
        "http://[::1/x",
        "http://[v1.x]/",
        "http://[::ffff:999.1.1.1]/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:65536/",
        "http://127.0.0.1:-1/",
        "http://localhost:0/",
        "http://xn--a.com/",  # IDNA: a codepoint that is not allowed
        "http://xn--.com/",  # IDNA: an empty A-label
        "http://ﬀ.com/",  # IDNA 2008 refuses it
        "http://☃.net/",
        "http://" + "a" * 64 + ".com/",  # a label longer than 63 characters
        "http://a..b/",  # an empty label
        "http://.com/",
        "http://ex\x00ample.com/",
        "http://h\udcff.com/",
        "http://127.0.0.1:8/\udcff",
        "http://example.org/" + "a" * 5000,
    ],
)
def test_unusable_addresses_are_one_fetch_error(url: str) -> None:
    with pytest.raises(UnsupportedURLError) as caught:
        fetch(url, limits=FetchLimits(deadline=5, allow_private_networks=True))
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 500


def test_redirects_to_unusable_addresses_are_one_fetch_error(public: Hostile) -> None:
    for target in ("http://999.1.1.1/x", "http://[oops/", "http://xn--a.com/", "http://a..b/"):
        with pytest.raises(UnsupportedURLError):
            fetch(f"{public.base}/redirect?to={quote(target)}", public)
    # Permanent, so not tried again: one request per redirect.
    assert len(public.hits) == 4


def test_a_stalled_event_loop_does_not_count_against_a_deadline(public: Hostile) -> None:
    """Work of our own that holds the event loop (here 2 s of it) is not the server's time:
    the /busy answer takes 0.3 s on the wire, well within the 1 s deadline."""

    async def go() -> tuple[FetchResult, float]:
        limits = FetchLimits(deadline=1)
        async with Fetcher(limits, address_policy=_policy_for(public)) as f:
            request = asyncio.ensure_future(f.fetch(public.base + "/busy"))
            await asyncio.sleep(0.05)  # the request is on the wire
            time.sleep(2.0)  # on purpose: the loop is held, as by a huge parse
            return await request, f._clock.stalls

    result, stalls = asyncio.run(go())
    assert result.body == b"ok"
    assert stalls >= 1.5


def test_a_source_with_a_backlog_does_not_starve_another(public: Hostile) -> None:
    """One overall slot: source A queues five requests, then source B asks for one. B's comes
    second (A holds the slot, B holds none), not after A's whole backlog."""
    done: list[str] = []

    async def get(f: Fetcher, owner: str, name: str) -> None:
        await f.fetch(public.base + f"/busy?{name}", owner=owner)
        done.append(name)

    async def go() -> None:
        limits = FetchLimits(concurrency=1, per_host=16)
        async with Fetcher(limits, address_policy=_policy_for(public)) as f:
            backlog = [asyncio.ensure_future(get(f, "a", f"a{i}")) for i in range(5)]
            await asyncio.sleep(0.05)
            await asyncio.gather(*backlog, get(f, "b", "b"))

    asyncio.run(go())
    assert done.index("b") == 1, done


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120
    later = format_datetime(now + timedelta(seconds=300), usegmt=True)
    assert parse_retry_after(later, now=now) == 300
    earlier = format_datetime(now - timedelta(days=1), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("-5", now=now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("99999999", now=now) == 7 * 24 * 3600


def test_looks_like_bot_challenge() -> None:
    assert looks_like_bot_challenge(403, {"CF-Mitigated": "challenge"}, b"")
    assert looks_like_bot_challenge(200, {}, b"<html><title>Just a moment...</title>")
    assert not looks_like_bot_challenge(200, {}, b"<rss><channel><title>x</title></channel></rss>")
