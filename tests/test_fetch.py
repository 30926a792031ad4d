"""The fetcher against real misbehaving servers on 127.0.0.1 (and 127.0.0.2 as "internal")."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

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
from veille.fetch import (
    Fetcher,
    FetchLimits,
    is_public_address,
    looks_like_bot_challenge,
    parse_retry_after,
)
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
    with pytest.raises(ResponseTooLargeError, match="after decompression"):
        fetch(public.base + "/gzipbomb", public, max_bytes=5 << 20)
    assert time.monotonic() - started < 5


def test_deflate_bomb_stops_at_the_cap(public: Hostile) -> None:
    with pytest.raises(ResponseTooLargeError, match="after decompression"):
        fetch(public.base + "/deflatebomb", public, max_bytes=5 << 20)


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress", "x-custom"])
def test_encodings_we_cannot_bound_are_refused_before_decoding(
    public: Hostile, encoding: str
) -> None:
    # httpx would decode br/zstd in one unbounded call if brotli/zstandard were installed.
    with pytest.raises(UnsupportedEncodingError, match="does not accept"):
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
    with pytest.raises(ResponseTooLargeError, match="announced"):
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
    with pytest.raises(BotChallengeError, match="bot-protection"):
        fetch(public.base + "/challenge", public)


def test_404_and_refused_connection(public: Hostile) -> None:
    with pytest.raises(HTTPStatusError, match="404") as info:
        fetch(public.base + "/nope", public)
    assert info.value.status == 404
    with pytest.raises(NetworkError, match="cannot connect"):
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


@pytest.mark.parametrize(
    ("address", "public_"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4007:80a::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # CGNAT: not is_private on 3.11, still not public
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ],
)
def test_is_public_address(address: str, public_: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public_


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
