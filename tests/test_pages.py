"""Listing pages -> article links, and feed autodiscovery, on real pages."""

from __future__ import annotations

from pathlib import Path

from veille.pages import discover_feeds, find_article_links

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parent.parent / "veille" / "demo_data" / "site"


def test_discovery_on_real_home_pages() -> None:
    html = (DATA / "listing" / "coco.html").read_bytes()
    assert discover_feeds(html, base_url="https://www.theatlantic.com/") == [
        "https://www.theatlantic.com/feed/all/",
        "https://www.theatlantic.com/feed/best-of/",
    ]
    html = (DATA / "listing" / "DaringFireball.html").read_bytes()
    assert discover_feeds(html, base_url="https://daringfireball.net/") == [
        "https://daringfireball.net/feeds/main"
    ]


def test_commented_out_feed_link_is_not_discovered() -> None:
    # This real page carries its feed link inside an HTML comment.
    html = (DATA / "listing" / "afis-html4_relative-feed-link.html").read_bytes()
    assert discover_feeds(html, base_url="http://www.pseudo-sciences.org/a") == []


def test_relative_feed_link_is_resolved() -> None:
    html = b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
    assert discover_feeds(html, base_url="http://www.pseudo-sciences.org/spip.php?a=1") == [
        "http://www.pseudo-sciences.org/rss.xml"
    ]


def test_pattern_keeps_only_matching_links() -> None:
    html = (DEMO / "revue-de-presse" / "index.html").read_bytes()
    links = find_article_links(
        html, base_url="http://site.example/revue-de-presse/", pattern="/articles/"
    )
    assert len(links) == 6
    assert all(link.startswith("http://site.example/articles/") for link in links)


def test_heuristic_skips_navigation_and_footer() -> None:
    html = (DEMO / "revue-de-presse" / "index.html").read_bytes()
    links = find_article_links(html, base_url="http://site.example/revue-de-presse/")
    assert "http://site.example/a-propos.html" not in links
    assert "http://site.example/mentions-legales.html" not in links
    assert "http://site.example/articles/radio-france-conflit.html" in links


def test_selector_and_base_href_and_limit() -> None:
    html = b"""<html><head><base href="https://news.example/fr/"></head><body>
      <div class="list"><a href="actu/decret-cpf-2026">a</a><a href="actu/opco-2026">b</a></div>
      <div class="other"><a href="actu/ignored-one">c</a></div>
      <a href="#top">top</a><a href="javascript:void(0)">js</a></body></html>"""
    links = find_article_links(html, base_url="https://news.example/", selector="div.list a")
    assert links == [
        "https://news.example/fr/actu/decret-cpf-2026",
        "https://news.example/fr/actu/opco-2026",
    ]
    assert (
        len(find_article_links(html, base_url="https://news.example/", selector="a", limit=1)) == 1
    )


def test_empty_or_garbage_page_gives_no_links() -> None:
    assert find_article_links(b"", base_url="https://x.example/") == []
    assert discover_feeds(b"\x00\xff garbage", base_url="https://x.example/") == []
