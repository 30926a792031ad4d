"""Feed parsing time against feedparser alone, for very large feeds (issue 16/17).

    python bench/feed_parse.py                     # 10,000 / 35,000 / 70,000 items
    python bench/feed_parse.py --items 70000       # one size
    python bench/feed_parse.py --uncapped          # every item normalised (see below)
    python bench/feed_parse.py --json out.json     # also write the figures

A synthetic RSS 2.0 feed like the one of the report (70,000 items, 15 MB, just under the
15 MiB size cap): each item has a title, a link, a unique GUID, a date and a one-line
description. For each size, in a fresh process each (so one measurement's memory does not
weigh on the next): ``feedparser.parse`` alone on the whole document, called as veille calls it
(bytes, no sanitising), then ``veille.feeds.parse_feed``. Reported: wall time, peak resident
memory of the process, the number of entries veille keeps, and the ratio veille / feedparser.

By default veille reads the first ``MAX_ENTRIES_PER_FEED`` items of a document and cuts the
rest before feedparser sees it, so its time stops growing with the feed. ``--uncapped`` raises
that bound above the feed's size (in the measuring process only) so that every item goes through
feedparser and veille's normalisation: the ratio must then stay flat as the feed grows. A
per-item scan of the whole list (``guids.count(g)``) made it grow with the size (87 s for
40,000 items against 18.8 s for feedparser alone).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 35_000, 70_000)

CHILD = """
import io, json, resource, sys, time
sys.path.insert(0, {root!r})
from bench.feed_parse import feed
body = feed({items})
which = {which!r}
started, cpu = time.perf_counter(), time.process_time()
if which == "feedparser":
    import feedparser
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False,
                              response_headers={{"content-location": "https://example.org/feed"}})
    kept = len(parsed.entries)
else:
    from veille import feeds
    if {uncapped!r}:  # every item read: measures the normalisation itself
        feeds.MAX_ENTRIES_PER_FEED = {items} + 1
    kept = len(feeds.parse_feed(body, url="https://example.org/feed").entries)
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall": wall, "cpu": cpu, "peak_mb": peak, "entries": kept,
                  "bytes": len(body)}}))
"""


def feed(items: int) -> bytes:
    """An RSS 2.0 feed of ``items`` items with distinct GUIDs (~190 bytes each)."""
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Un très grand flux</title><link>https://example.org/</link>"
        "<description>bench</description>"
    )
    for i in range(items):
        day = 1 + i % 28
        out.write(
            f"<item><title>Article {i}</title><link>https://example.org/a/{i}</link>"
            f"<guid>urn:example:{i}</guid><pubDate>Mon, {day:02d} Nov 2026 08:00:00 +0000"
            f"</pubDate><description>Résumé de l'article {i}.</description></item>\n"
        )
    out.write("</channel></rss>")
    return out.getvalue().encode()


def measure(items: int, which: str, *, uncapped: bool = False) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), items=items, which=which, uncapped=uncapped)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, action="append", help="feed size (repeatable)")
    parser.add_argument("--uncapped", action="store_true", help="normalise every item")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    args = parser.parse_args()
    rows = []
    print(f"{'items':>7} {'MB':>5} {'feedparser s':>13} {'veille s':>9} {'ratio':>6} "
          f"{'veille MB peak':>15} {'entries':>8}")  # fmt: skip
    for items in args.items or SIZES:
        alone = measure(items, "feedparser")
        ours = measure(items, "veille", uncapped=args.uncapped)
        ratio = ours["wall"] / alone["wall"]
        rows.append(
            {"items": items, "uncapped": args.uncapped, "feedparser": alone, "veille": ours,
             "ratio": ratio}
        )  # fmt: skip
        print(
            f"{items:>7} {ours['bytes'] / 1e6:>5.1f} {alone['wall']:>13.2f} {ours['wall']:>9.2f}"
            f" {ratio:>6.2f} {ours['peak_mb']:>15.0f} {ours['entries']:>8.0f}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
