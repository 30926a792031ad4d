"""Add a source from any address a curator pastes: a feed, or a page that announces one.

The address is fetched with veille's own guarded fetcher (same limits, same private-address
rule as a run). A feed is taken as it is; an HTML page is searched for the feeds it announces
(``<link rel="alternate">``), then for links to feed-looking addresses (``/feed/``, ``rss.xml``…),
then the common feed paths of the site are tried (what NetNewsWire and Miniflux do). A WordPress
site that announces its REST API (``<link rel="https://api.w.org/">``) gets a ``json`` source
proposed too. A page without any of these becomes a ``page`` source, with a proposed
``link_pattern`` (the folder most of its article links share) and a sample of the links it finds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from veille import i18n
from veille.config import JsonMapping
from veille.errors import ConfigError, ParseError, VeilleError
from veille.feeds import parse_feed
from veille.fetch import Fetcher, FetchLimits
from veille.jsonsource import parse_json_source
from veille.models import FetchResult
from veille.pages import discover_feeds, find_article_links

# Paths feed readers try when a page announces nothing (NetNewsWire, Miniflux's finder).
COMMON_FEED_PATHS = ("/feed/", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/rss/")
FEEDISH_LINK_RE = re.compile(
    r"(?:/feed/?$|/rss/?$|/atom/?$|\.rss$|\.atom$|[/.](?:rss|atom|feed)\.xml$|/feeds?/)",
    re.IGNORECASE,
)
MAX_CANDIDATES = 8
SAMPLE = 5
MIN_LISTING_LINKS = 5  # fewer article links, sharing no folder: not a listing page
DECLARED_ARTICLE_RE = re.compile(
    r'"@type"\s*:\s*"(?:News|Blog|Scholarly)?(?:Article|Posting)"', re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Discovered:
    url: str
    kind: str  # feed | page | json
    title: str | None
    entries: int  # items in the feed (0 for a page)
    link_pattern: str | None = None  # page: the proposed pattern of article links
    sample: tuple[str, ...] = ()  # page: some article links found; feed/json: some item titles
    # How it was found (i18n "discovery.how.<how>"): itself, announced (rel=alternate), linked,
    # common (a common feed path), wordpress (the REST API the page announces), page (no feed).
    how: str = ""
    article: bool = False  # page: it looks like one article, not a listing of articles


@dataclass(slots=True)
class Exploration:
    """Everything an address offers: its feeds (best first) and the page fallback."""

    url: str
    feeds: list[Discovered] = field(default_factory=list)
    page: Discovered | None = None
    unreachable: list[str] = field(default_factory=list)  # feeds announced or linked that failed

    @property
    def best(self) -> Discovered:
        if self.feeds:
            return self.feeds[0]
        assert self.page is not None
        return self.page


async def discover(url: str, limits: FetchLimits) -> Discovered:
    """What to subscribe to for ``url``; FetchError/ConfigError with a clear line otherwise."""
    return (await explore(url, limits, first_only=True)).best


async def explore(url: str, limits: FetchLimits, *, first_only: bool = False) -> Exploration:
    """The feeds ``url`` is or announces, else a page source proposal (see the module doc)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(i18n.message("web.bad_url", value=url[:200]))
    async with Fetcher(limits) as fetcher:
        page = await fetcher.fetch(url)
        itself = _as_feed(page, "itself")
        if itself is not None:
            return Exploration(page.final_url, [itself])
        found = Exploration(page.final_url)
        announced = discover_feeds(page.body, base_url=page.final_url)
        tried: set[str] = {page.final_url}
        for how, candidates in (
            ("announced", announced),
            ("linked", _feedish_links(page.body, page.final_url)),
            ("common", [urljoin(page.final_url, p) for p in COMMON_FEED_PATHS]),
        ):
            for candidate in candidates[:MAX_CANDIDATES]:
                if candidate in tried:
                    continue
                tried.add(candidate)
                feed = await _try_feed(fetcher, candidate, how)
                if feed is None:
                    if how != "common":  # the page named it: say it could not be read
                        found.unreachable.append(candidate)
                    continue
                found.feeds.append(feed)
                if first_only:
                    return found
            if found.feeds:
                break  # what the page announces wins over guesses
        api = _wordpress_api(page.body, page.final_url)
        if api is not None and api not in tried:
            posts = await _try_json(fetcher, api)
            if posts is not None:
                found.feeds.append(posts)
        if not found.feeds:
            found.page = propose_page(page.body, page.final_url)
    return found


def propose_page(html: bytes, url: str) -> Discovered:
    """A page source for ``url``: the article links veille's heuristic finds there, and the
    folder most of them share as ``link_pattern`` (None when they share none)."""
    links = find_article_links(html, base_url=url)
    pattern = propose_link_pattern(links)
    if pattern is not None:  # what the source will really follow: every link the pattern takes
        links = find_article_links(html, base_url=url, pattern=pattern)
    return Discovered(
        url,
        "page",
        _page_title(html),
        len(links),
        pattern,
        tuple(links[:SAMPLE]),
        "page",
        looks_like_article(html, links, pattern),
    )


def looks_like_article(html: bytes, links: list[str], pattern: str | None) -> bool:
    """Whether a page without feed is one article rather than a listing of articles: it says
    so (og:type article, JSON-LD Article), or it has few article links sharing no folder. A
    page source on an article sees the same few links forever, never anything new."""
    doc = _doc(html)
    if doc is not None:
        og_type = doc.xpath("//meta[@property='og:type']/@content")
        if og_type and str(og_type[0]).strip().lower().startswith("article"):
            return True
        for script in doc.xpath("//script[@type='application/ld+json']"):
            if DECLARED_ARTICLE_RE.search((script.text or "")[:20_000]):
                return True
    return pattern is None and len(links) < MIN_LISTING_LINKS


def propose_link_pattern(links: list[str]) -> str | None:
    """The folder (``/actualites/``) at least half of ``links`` are in, as a regex; or None.

    The deepest folder shared by most links wins, so ``/fr/actualites/`` beats ``/fr/``; the
    site root is no pattern at all (the heuristic does as well).
    """
    if len(links) < 2:
        return None
    folders: Counter[str] = Counter()
    for link in links:
        segments = urlsplit(link).path.split("/")[1:-1]
        for depth in range(1, len(segments) + 1):
            folders["/" + "/".join(segments[:depth]) + "/"] += 1
    common = [f for f, n in folders.items() if n * 2 >= len(links)]
    if not common:
        return None
    best = max(common, key=lambda f: (f.count("/"), folders[f]))
    return re.escape(best).replace("\\/", "/")


async def _try_feed(fetcher: Fetcher, url: str, how: str) -> Discovered | None:
    try:
        result = await fetcher.fetch(url)
    except VeilleError:
        return None
    return _as_feed(result, how)


def _as_feed(result: FetchResult, how: str) -> Discovered | None:
    try:
        feed = parse_feed(result.body, url=result.final_url, content_type=result.content_type)
    except ParseError:
        return None
    titles = tuple(e.title for e in feed.entries[:SAMPLE] if e.title)
    return Discovered(
        result.final_url, "feed", feed.title or None, len(feed.entries), sample=titles, how=how
    )


async def _try_json(fetcher: Fetcher, url: str) -> Discovered | None:
    try:
        result = await fetcher.fetch(url)
        parsed = parse_json_source(result.body, url=result.final_url, mapping=JsonMapping())
    except VeilleError:
        return None
    if not parsed.entries:
        return None
    titles = tuple(e.title for e in parsed.entries[:SAMPLE] if e.title)
    return Discovered(
        result.final_url,
        "json",
        None,
        len(parsed.entries),
        sample=titles,
        how="wordpress",
    )


def _doc(html: bytes) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html) if html.strip() else None
    except (etree.ParserError, ValueError):
        return None


def _feedish_links(html: bytes, base: str) -> list[str]:
    """Links of the page whose address looks like a feed (``/feed/``, ``rss.xml``...)."""
    doc = _doc(html)
    if doc is None:
        return []
    found: list[str] = []
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url = urljoin(base, href).split("#")[0]
        path = urlsplit(url).path
        feedish = urlsplit(url).scheme in ("http", "https") and FEEDISH_LINK_RE.search(path)
        if feedish and url not in found:
            found.append(url)
    return found


def _wordpress_api(html: bytes, base: str) -> str | None:
    """``…/wp-json/wp/v2/posts`` when the page announces a WordPress REST API."""
    doc = _doc(html)
    if doc is None:
        return None
    for link in doc.iter("link"):
        if (link.get("rel") or "").strip() == "https://api.w.org/" and link.get("href"):
            root = urljoin(base, str(link.get("href")).strip())
            if urlsplit(root).scheme in ("http", "https"):
                return root.rstrip("/") + "/wp/v2/posts"
    return None


def _page_title(html: bytes) -> str | None:
    doc = _doc(html)
    if doc is None:
        return None
    title = doc.findtext(".//title")
    return " ".join(title.split()) or None if title else None
