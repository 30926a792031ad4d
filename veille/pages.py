"""HTML listing pages -> article links (sources without a feed), and feed autodiscovery.

With a source's ``link_selector`` (CSS) or ``link_pattern`` (regex on the absolute URL), exactly
those links are taken. Without either, a heuristic keeps same-site links that look like articles:
inside ``<main>``/``<article>`` when the page has them, never in nav/header/footer, and not tag,
category, author, pagination, search, login or file links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
}
NOT_ARTICLE_RE = re.compile(
    r"/(?:tag|tags|category|categories|categorie|rubrique|author|auteur|page|search|recherche|"
    r"login|connexion|account|compte|contact|a-propos|about|mentions-legales|feed|rss)(?:/|$|\.)",
    re.IGNORECASE,
)
FILE_RE = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|mp[34]|xml|css|js)$", re.IGNORECASE
)
BOILERPLATE_TAGS = {"nav", "header", "footer", "aside"}


MAX_URL_CHARS = 4096


def _parse(html: bytes) -> lxml.html.HtmlElement | None:
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.LxmlError, ValueError):
        return None


def _base(doc: lxml.html.HtmlElement, base_url: str) -> str:
    for base in doc.iter("base"):
        href = base.get("href")
        if isinstance(href, str) and href.strip():
            return _absolute(href, base_url) or base_url
    return base_url


def _absolute(href: str | None, base: str) -> str | None:
    """``href`` resolved against ``base`` when it is an http(s) URL with a host, else None (a
    page decides what its links hold: ``http://[oops``, a port out of range...)."""
    if not href or not href.strip() or href.strip().startswith("#") or len(href) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(urljoin(base, href.strip()))
        parts.port  # noqa: B018 — raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def find_article_links(
    html: bytes,
    *,
    base_url: str,
    pattern: str | None = None,
    selector: str | None = None,
    limit: int = 200,
) -> list[str]:
    """Article links of a listing page, absolute, unique, in page order, at most ``limit``."""
    doc = _parse(html)
    if doc is None:
        return []
    base = _base(doc, base_url)
    if selector:
        anchors = [a for el in doc.cssselect(selector) for a in _anchors_in(el)]
    else:
        containers = doc.xpath("//main | //article | //*[@role='main']")
        anchors = [a for c in containers for a in _anchors_in(c)] or list(doc.iter("a"))
    regex = re.compile(pattern) if pattern else None
    listing = urlsplit(base_url)._replace(fragment="").geturl()
    site = (urlsplit(base_url).hostname or "").removeprefix("www.")
    links: list[str] = []
    for anchor in anchors:
        url = _absolute(anchor.get("href"), base)
        if url is None or url in links or url == listing:
            continue
        if regex is not None:
            if not regex.search(url):
                continue
        elif not selector and not _looks_like_article(anchor, url, site):
            continue
        links.append(url)
        if len(links) >= limit:
            break
    return links


def _anchors_in(element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    if element.tag == "a":
        return [element]
    return list(element.iter("a"))


def _looks_like_article(anchor: lxml.html.HtmlElement, url: str, site: str) -> bool:
    parts = urlsplit(url)
    if (parts.hostname or "").removeprefix("www.") != site:
        return False
    if any(a.tag in BOILERPLATE_TAGS for a in anchor.iterancestors()):
        return False
    path = parts.path
    if path in ("", "/") or NOT_ARTICLE_RE.search(path) or FILE_RE.search(path):
        return False
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    # Articles have a descriptive slug (several words) or an id; section pages rarely do.
    return slug.count("-") >= 2 or any(ch.isdigit() for ch in slug) or path.count("/") >= 3


def discover_feeds(html: bytes, *, base_url: str) -> list[str]:
    """Feeds a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    doc = _parse(html)
    if doc is None:
        return []
    base = _base(doc, base_url)
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            url = _absolute(link.get("href"), base)
            if url and url not in found:
                found.append(url)
    return found
