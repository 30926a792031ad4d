"""Add a source from any address a curator pastes: a feed, or a page that announces one.

The address is fetched with veille's own guarded fetcher (same limits, same private-address
rule as a run). A feed is taken as it is; an HTML page is searched for the feeds it announces
(``<link rel="alternate">``, then common feed paths it links to); a page without a feed becomes a
``page`` source whose article links veille will find by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from veille.errors import ConfigError, ParseError, VeilleError
from veille.feeds import parse_feed
from veille.fetch import Fetcher, FetchLimits
from veille.pages import discover_feeds


@dataclass(frozen=True, slots=True)
class Discovered:
    url: str
    kind: str  # feed | page
    title: str | None
    entries: int  # items in the feed (0 for a page)


async def discover(url: str, limits: FetchLimits) -> Discovered:
    """What to subscribe to for ``url``; FetchError/ConfigError with a clear line otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{url!r} is not a web address. Hint: paste it with https://.")
    async with Fetcher(limits) as fetcher:
        page = await fetcher.fetch(url)
        try:
            feed = parse_feed(page.body, url=page.final_url, content_type=page.content_type)
            return Discovered(page.final_url, "feed", feed.title or None, len(feed.entries))
        except ParseError:
            pass
        for candidate in discover_feeds(page.body, base_url=page.final_url)[:5]:
            try:
                found = await fetcher.fetch(candidate)
                feed = parse_feed(found.body, url=found.final_url, content_type=found.content_type)
            except VeilleError:
                continue
            return Discovered(found.final_url, "feed", feed.title or None, len(feed.entries))
    return Discovered(page.final_url, "page", None, 0)
