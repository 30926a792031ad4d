"""Dead hosts given up for the rest of a pass (veille.hosts), against real sockets on 127.0.0.x
and a real DuckDB file: a host that fails a few times in a row is not tried again in the pass,
a host that answers (even 404) always is, and the next pass tries it again."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from veille import i18n
from veille.config import parse_config
from veille.errors import FetchError, HTTPStatusError, NetworkError
from veille.fetch import Fetcher, FetchLimits
from veille.hosts import GIVE_UP_AFTER, HostBreaker
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.records import ClassifySummary, RunSummary, hosts_given_up_line
from veille.store import Store

PER_HOST = FetchLimits().per_host
# At most this many requests reach a dead host in a pass: the failures that give it up, and
# the ones already on their way then (a host takes PER_HOST requests at a time).
MOST_TRIES = GIVE_UP_AFTER + PER_HOST - 1


class DroppingHost:
    """A host on 127.0.0.2 that accepts every connection and drops it at once (RST), counting
    them: a dead server, seen from the client, that tells how often it was tried."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.2", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self.port}/{path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed: the test is over
                return
            self.connections += 1
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dead_host() -> Iterator[DroppingHost]:
    host = DroppingHost()
    yield host
    host.close()


def _rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>Texte du flux : {title}, sur la formation professionnelle.</description>"
        "</item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Flux</title><link>http://127.0.0.1/</link>{body}</channel></rss>"
    )


def _items(host: DroppingHost, prefix: str, n: int) -> list[tuple[str, str]]:
    return [(f"Article {prefix}{i}", host.url(f"{prefix}/{i}.html")) for i in range(n)]


def _pass(site: LocalServer, db: Path) -> RunSummary:
    config = parse_config(
        "settings: {allow_private_networks: true}\nsources:\n"
        + "".join(f"  - id: {n}\n    url: {site.url(f'{n}.xml')}\n" for n in ("un", "deux"))
    )
    # Relevance and tags are not what is tested: no first model trained from the seed.
    return asyncio.run(ingest(config, Store(db), run_classify=lambda c, s: ClassifySummary()))


@pytest.mark.slow  # whole passes: extraction workers start
def test_a_dead_host_is_tried_a_few_times_a_pass_and_again_the_next(
    dead_host: DroppingHost, tmp_path: Path
) -> None:
    """Two feeds on 127.0.0.1 whose 20 article links all point at a host that drops every
    connection: a few tries, not 60 (20 pages × 3 tries); the entries are stored with the
    feed's text, the summary names the host once; the next pass tries it again."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "un.xml").write_text(_rss(_items(dead_host, "a", 10)), encoding="utf-8")
    (folder / "deux.xml").write_text(_rss(_items(dead_host, "b", 10)), encoding="utf-8")
    db = tmp_path / "veille.duckdb"
    with LocalServer(folder) as site:
        first = _pass(site, db)
        tried_first = dead_host.connections
        articles = Store(db).articles(include_all=True)
        # The next pass: three new items in the first feed, on the same dead host.
        items = _items(dead_host, "a", 10) + _items(dead_host, "c", 3)
        (folder / "un.xml").write_text(_rss(items), encoding="utf-8")
        second = _pass(site, db)

    assert GIVE_UP_AFTER <= tried_first <= MOST_TRIES
    assert all(o.ok for o in first.outcomes) and first.new_articles == 20
    host = "127.0.0.2"
    assert first.hosts_given_up == {host: 20}
    with i18n.language("fr"):
        line = first.hosts_line()
    assert line is not None and line.count(host) == 1
    assert line.startswith("1 hôte injoignable abandonné pour cette passe : 127.0.0.2 (20 pages)")
    assert len(articles) == 20
    assert all(a.extraction == "feed" and "Texte du flux" in a.text for a in articles)
    assert all("127.0.0.2" in (a.extraction_error or "") for a in articles)

    assert GIVE_UP_AFTER <= dead_host.connections - tried_first <= MOST_TRIES  # tried again
    assert second.new_articles == 3 and second.hosts_given_up == {host: 3}
    assert Store(db).counts().articles == 23


class DroppingHosts(DroppingHost):
    """A dropping host on another loopback address (all of 127/8 is loopback on Linux)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.create_server((address, 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.port}/{path}"


@pytest.mark.slow  # whole passes: extraction workers start
def test_pages_waiting_to_be_tried_again_never_hold_the_extraction_queue(tmp_path: Path) -> None:
    """Eight dead hosts, six pages each, four places in the extraction queue (one worker, two
    connections): pages waiting to be tried again used to keep their place while they waited
    for their host, whose other pages waited for a place: the pass never ended (pytest's
    timeout ends this test if it comes back). Now it ends, each host tried a few times."""
    hosts = [DroppingHosts(f"127.0.1.{i}") for i in range(1, 9)]
    folder = tmp_path / "site"
    folder.mkdir()
    items = [
        (f"Article {h}-{i}", host.url(f"{i}.html"))
        for h, host in enumerate(hosts)
        for i in range(6)
    ]
    (folder / "un.xml").write_text(_rss(items), encoding="utf-8")
    try:
        with LocalServer(folder) as site:
            config = parse_config(
                "settings: {allow_private_networks: true, extract_workers: 1, "
                "fetch: {concurrency: 2}}\n"
                f"sources:\n  - id: un\n    url: {site.url('un.xml')}\n"
            )
            summary = asyncio.run(
                ingest(
                    config,
                    Store(tmp_path / "v.duckdb"),
                    run_classify=lambda c, s: ClassifySummary(),
                )
            )
    finally:
        for host in hosts:
            host.close()
    assert summary.new_articles == 48
    assert summary.hosts_given_up == {f"127.0.1.{i}": 6 for i in range(1, 9)}
    assert all(GIVE_UP_AFTER <= h.connections <= MOST_TRIES for h in hosts)


@pytest.mark.slow  # whole passes: extraction workers start
def test_a_host_that_answers_is_never_given_up(tmp_path: Path) -> None:
    """Ten pages that answer 404 are each asked for: an answer is no network failure."""
    folder = tmp_path / "site"
    folder.mkdir()
    with LocalServer(folder) as site:
        items = [(f"Page {i}", site.url(f"absente-{i}.html")) for i in range(10)]
        (folder / "un.xml").write_text(_rss(items), encoding="utf-8")
        (folder / "deux.xml").write_text(_rss([]), encoding="utf-8")
        summary = _pass(site, tmp_path / "veille.duckdb")
        asked = len(site.hits_for("/absente-"))
    assert asked == 10 and summary.hosts_given_up == {}
    assert summary.hosts_line() is None


def test_failures_count_only_in_a_row() -> None:
    """A host that answers between failures is not failing "in a row"; once given up, it
    stays so for the breaker's pass, whatever answers come."""
    breaker = HostBreaker()
    for _ in range(5):
        for _ in range(GIVE_UP_AFTER - 1):
            breaker.failed("a.example", "refused")
        breaker.answered("a.example")
    assert not breaker.given_up("a.example")
    assert [breaker.failed("a.example", "x") for _ in range(GIVE_UP_AFTER)][-1] is True
    breaker.answered("a.example")
    assert breaker.given_up("a.example") and breaker.hosts() == ["a.example"]
    with pytest.raises(NetworkError) as raised:
        breaker.check("https://a.example/page")
    assert raised.value.given_up_host == "a.example" and raised.value.kind == "network"
    breaker.check("https://b.example/page")  # another host: still tried


def test_the_fetcher_gives_a_refusing_port_up_and_keeps_other_hosts(
    data_server: LocalServer,
) -> None:
    """Connections refused (nothing listens on the port): after GIVE_UP_AFTER of them the
    host's other requests fail at once, naming it, without touching the network; another
    host of the same fetcher is fetched as before, and a 404 stays a 404."""
    closed = f"http://127.0.0.3:{free_port()}"

    async def scenario() -> tuple[list[BaseException | None], int, int, bytes]:
        async with Fetcher(FetchLimits(allow_private_networks=True)) as fetcher:
            errors: list[BaseException | None] = []
            for i in range(8):  # one after the other: each failure is counted in turn
                try:
                    await fetcher.fetch(f"{closed}/page-{i}")
                    errors.append(None)
                except FetchError as exc:
                    errors.append(exc)
            tried = fetcher.backend.connections
            with pytest.raises(HTTPStatusError):
                await fetcher.fetch(data_server.url("absente.html"))
            page = await fetcher.fetch(data_server.url("site/feeds/broken-links.xml"))
            return errors, tried, fetcher.backend.connections, page.body

    errors, tried, after, body = asyncio.run(scenario())
    assert tried == GIVE_UP_AFTER
    assert all(isinstance(e, NetworkError) for e in errors)
    given_up = [e for e in errors if isinstance(e, NetworkError) and e.given_up_host]
    assert len(given_up) == 8 - GIVE_UP_AFTER
    assert all(e.given_up_host == "127.0.0.3" and "127.0.0.3" in str(e) for e in given_up)
    assert after > tried and body.startswith(b"<?xml")


def test_the_summary_line_names_each_host_once_and_counts_the_rest() -> None:
    hosts = {f"site-{i}.example": 20 - i for i in range(12)}
    with i18n.language("fr"):
        line = hosts_given_up_line(hosts)
        one = hosts_given_up_line({"exemple.org": 1})
    assert line is not None and one is not None
    assert line.startswith("12 hôtes injoignables abandonnés pour cette passe : ")
    assert "site-0.example (20 pages), site-1.example (19 pages)" in line
    assert "site-10.example" not in line and "et 2 autres" in line
    assert one.startswith("1 hôte injoignable abandonné pour cette passe : exemple.org (1 page)")
    with i18n.language("en"):
        assert (hosts_given_up_line({"example.org": 12}) or "").startswith(
            "1 unreachable host given up for this pass: example.org (12 pages)"
        )
    assert hosts_given_up_line({}) is None
