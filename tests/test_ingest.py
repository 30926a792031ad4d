"""A whole ingest pass against real files served on 127.0.0.1, into a real DuckDB file.

These call :func:`veille.pipeline.ingest` directly (the Prefect flow runs the same function with a
task per source; ``test_cli.py`` covers the flow through the real command).
"""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from veille import clock
from veille.config import Config, parse_config
from veille.demo import demo_config
from veille.extraction_pool import ExtractionPool
from veille.fetch import Fetcher
from veille.health import assess
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.records import RunSummary
from veille.source_run import ingest_source
from veille.store import Store

DATA = Path(__file__).parent / "data"


def _run(config: Config, db: Path, only: tuple[str, ...] = ()) -> RunSummary:
    return asyncio.run(ingest(config, Store(db), only=only))


@pytest.mark.slow
def test_demo_site_end_to_end(demo_server: LocalServer, db_path: Path) -> None:
    config = demo_config(demo_server.base_url)
    summary = _run(config, db_path)
    outcomes = {o.source_id: o for o in summary.outcomes}

    # One failing source is recorded and the run goes on.
    assert outcomes["flux-disparu"].status == "error"
    assert "404" in (outcomes["flux-disparu"].error or "")
    assert outcomes["flux-disparu"].error_kind == "http-status"
    assert all(o.ok for sid, o in outcomes.items() if sid != "flux-disparu")

    store = Store(db_path)
    feed_articles = store.articles(source="actualites-demo", off_topic=True)
    assert len(feed_articles) == 6
    assert all(a.extraction == "page" for a in feed_articles)
    assert all(a.word_count > 50 for a in feed_articles)
    assert all(a.lang == "fr" for a in feed_articles)
    # Tracking parameters are gone from the stored URL.
    psl = next(a for a in feed_articles if "psl" in a.url)
    assert "utm_" not in psl.url
    assert "grandes écoles" in psl.text

    # The page source found its six article links (and not the nav/footer links).
    page_articles = store.articles(source="revue-de-presse-demo", off_topic=True)
    assert len(page_articles) == 6
    # The pages declare their publisher's URL as canonical: that is the article's URL now.
    assert any(a.url.startswith("https://www.lemonde.fr/") for a in page_articles)
    assert all(a.extraction == "page" for a in page_articles)
    assert all(a.title for a in page_articles)

    # Feed-only sources keep the feed's text, decoded from ISO-8859-1 without a declaration.
    psy = store.articles(source="le-cercle-psy", off_topic=True)
    assert psy and all(a.extraction == "feed" for a in psy)
    assert any("é" in a.title + a.text for a in psy)

    health = {h.id: h for h in assess(store.source_figures(), clock.now())}
    assert health["flux-disparu"].error_count == 1
    assert health["actualites-demo"].error_count == 0
    assert health["actualites-demo"].last_success_at


@pytest.mark.slow
def test_second_run_is_conditional_and_fetches_no_page_again(
    demo_server: LocalServer, db_path: Path
) -> None:
    config = demo_config(demo_server.base_url)
    first = _run(config, db_path)
    assert first.new_articles > 20
    pages_first = len(demo_server.hits_for("/articles/"))
    assert pages_first == 12
    formation_first = len(demo_server.hits_for("/formation/article-"))
    assert formation_first >= 15
    n_hits = len(demo_server.hits)

    second = _run(config, db_path)
    assert second.new_articles == 0
    assert Store(db_path).counts().articles == first.new_articles
    new_hits = demo_server.hits[n_hits:]
    # Only the working source documents were asked for, each conditionally, and answered
    # 304; the one that answered 404 is backing off; no article page was fetched again.
    assert len(new_hits) == len(config.sources) - 1
    assert all(h.conditional for h in new_hits)
    assert sorted(h.status for h in new_hits) == [304] * (len(config.sources) - 1)
    assert [sid for sid, _ in second.waiting] == ["flux-disparu"]
    assert len(demo_server.hits_for("/articles/")) == pages_first
    assert len(demo_server.hits_for("/formation/article-")) == formation_first
    assert second.sources_not_modified == len(config.sources) - 1


@pytest.mark.slow
def test_missing_or_empty_article_page_falls_back_to_feed_text(
    data_server: LocalServer, db_path: Path
) -> None:
    config = parse_config(
        "settings: {allow_private_networks: true}\n"
        "sources:\n"
        f"  - id: liens\n    url: {data_server.url('site/feeds/broken-links.xml')}\n"
    )
    summary = _run(config, db_path)
    assert summary.outcomes[0].ok and summary.new_articles == 2
    rows = {r.title: r for r in Store(db_path).articles(off_topic=True)}
    decret = rows["Décret relatif à la formation professionnelle"]
    assert decret.extraction == "feed"
    assert "compte personnel de formation" in decret.text
    assert "404" in decret.extraction_error
    assert decret.published_at.isoformat() == "2026-11-16T08:00:00+00:00"  # +0100 in UTC
    assert rows["Une page vide"].extraction == "feed"


def test_private_addresses_are_refused_without_the_setting(
    demo_server: LocalServer, db_path: Path
) -> None:
    text = f"sources:\n  - id: local\n    url: {demo_server.url('feeds/actualites.xml')}\n"
    summary = _run(parse_config(text), db_path)
    outcome = summary.outcomes[0]
    assert outcome.status == "error" and outcome.error_kind == "blocked-address"
    assert "VEILLE_ALLOW_PRIVATE_NETWORKS" in (outcome.error or "")
    assert demo_server.hits == []  # refused before any connection


@pytest.mark.slow
def test_only_selected_sources_run(demo_server: LocalServer, db_path: Path) -> None:
    config = demo_config(demo_server.base_url)
    summary = _run(config, db_path, only=("rue89",))
    assert [o.source_id for o in summary.outcomes] == ["rue89"]
    assert {h.path for h in demo_server.hits} == {"/feeds/rue89.xml"}


def _copied_feeds() -> list[Path]:
    root = DATA / "feeds"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "feeds").exists(), reason="feed fixtures not copied")
def test_every_copied_real_feed_goes_through_a_run(data_server: LocalServer, db_path: Path) -> None:
    """Each real feed yields entries or a clear per-source error; nothing crashes the run."""
    files = _copied_feeds()
    assert len(files) > 50
    lines = ["settings: {allow_private_networks: true}", "sources:"]
    for i, path in enumerate(files):
        rel = path.relative_to(DATA).as_posix()
        if rel.endswith(".gz"):
            rel = rel[: -len(".gz")]  # served with Content-Encoding: gzip
        lines += [
            f"  - id: feed-{i:03d}",
            f"    url: {data_server.url(rel)}",
            "    fetch_pages: false",
        ]
    config = parse_config("\n".join(lines) + "\n")
    summary = _run(config, db_path)
    assert len(summary.outcomes) == len(files)
    failed = [o for o in summary.outcomes if not o.ok]
    for o in failed:
        assert o.error and "\n" not in o.error and o.error_kind == "parse"
    ok = [o for o in summary.outcomes if o.ok]
    assert len(ok) >= 0.9 * len(files)
    assert sum(o.entries for o in ok) > 500
    assert Store(db_path).counts().articles > 400


class _SlowSite(ThreadingHTTPServer):
    """A feed of 30 article pages, each answered after 0.2 s; counts pages fetched at once."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.lock = threading.Lock()
        self.active = self.max_active = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _SlowHandler(BaseHTTPRequestHandler):
    server: _SlowSite

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Article {i}</title><link>{self.server.base}/p/{i}</link></item>"
                for i in range(30)
            )
            body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
            return self._send(body.encode(), "application/rss+xml")
        with self.server.lock:
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)
        try:
            time.sleep(0.2)
            words = " ".join(f"mot{i} phrase formation" for i in range(120))
            page = f"<html><body><article><h1>Article</h1><p>{words}</p></article></body></html>"
            self._send(page.encode(), "text/html; charset=utf-8")
        finally:
            with self.server.lock:
                self.server.active -= 1

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.slow
def test_pages_in_flight_are_bounded_by_the_pool(db_path: Path) -> None:
    """Fetched pages wait for a worker in memory: the pool's slots bound how many at once."""
    site = _SlowSite()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        config = parse_config(
            "settings:\n  allow_private_networks: true\n"
            "  fetch: {concurrency: 16, per_host: 16}\n"
            f"sources:\n  - id: slow\n    url: {site.base}/feed.xml\n"
        )
        store = Store(db_path)
        store.sync_sources(config.sources)

        async def one_source() -> int:
            pool = ExtractionPool(1, in_flight=3)
            try:
                async with Fetcher(config.fetch_limits()) as fetcher:
                    outcome = await ingest_source(
                        config.sources[0], config=config, fetcher=fetcher, pool=pool, store=store
                    )
            finally:
                pool.close()
            return outcome.new_articles

        assert asyncio.run(one_source()) == 30
        # 16 connections were allowed: the pool's 3 slots, not the fetcher, set how many at once.
        assert site.max_active == 3
    finally:
        site.shutdown()


class _FlakyHandler(BaseHTTPRequestHandler):
    """/flaky: 502 twice, then a feed; /gone: always 404; /busy: 503 with Retry-After."""

    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        n = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/flaky" and n > 2:
            body = b"<rss version='2.0'><channel><title>t</title><item><title>Un</title>"
            body += b"<description>Texte du flux.</description></item></channel></rss>"
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
        else:
            body = b"no"
            self.send_response({"/flaky": 502, "/gone": 404, "/busy": 503}[self.path])
            if self.path == "/busy":
                self.send_header("Retry-After", "120")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.slow
def test_passing_network_failures_are_retried_within_the_run(db_path: Path) -> None:
    # Two hosts: the one that says "come back in 120 s" must not hold up the other.
    sites = [ThreadingHTTPServer((host, 0), _FlakyHandler) for host in ("127.0.0.1", "127.0.0.2")]
    for site in sites:
        threading.Thread(target=site.serve_forever, daemon=True).start()
    base = [f"http://{s.server_address[0]}:{s.server_address[1]}" for s in sites]
    try:
        config = parse_config(
            "settings:\n  allow_private_networks: true\nsources:\n"
            + "".join(
                f"  - id: {name}\n    url: {url}/{name}\n    fetch_pages: false\n"
                for name, url in (("flaky", base[0]), ("gone", base[0]), ("busy", base[1]))
            )
        )
        outcomes = {o.source_id: o for o in _run(config, db_path).outcomes}
    finally:
        for site in sites:
            site.shutdown()
    assert outcomes["flaky"].ok and outcomes["flaky"].new_articles == 1
    assert _FlakyHandler.hits["/flaky"] == 3  # two 502s, then the feed
    assert _FlakyHandler.hits["/gone"] == 1  # a 404 will not change by trying again
    assert _FlakyHandler.hits["/busy"] == 1  # told when to come back: the backoff waits
    assert not outcomes["gone"].ok and not outcomes["busy"].ok
