"""Run every feed file of the corpus through a real ingest pass, served on 127.0.0.1.

    python bench/check_corpus_feeds.py [../shared/corpus/feeds]

Each file becomes a source (``fetch_pages: false``: the entries' pages are on the real web);
prints one line per file (entries, or the per-source error) and the totals. Exit 1 if the pass
itself crashed, 0 otherwise: a clear per-source error is an acceptable outcome for a broken feed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from veille.config import parse_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/feeds").resolve()
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in {".tsv", ".md"})
    with LocalServer(root) as server, tempfile.TemporaryDirectory() as tmp:
        lines = ["settings: {allow_private_networks: true}", "sources:"]
        names = {}
        for i, path in enumerate(files):
            rel = path.relative_to(root).as_posix().removesuffix(".gz")
            names[f"f{i:03d}"] = rel
            lines += [f"  - id: f{i:03d}", f"    url: {server.url(rel)}", "    fetch_pages: false"]
        config = parse_config("\n".join(lines) + "\n")
        summary = asyncio.run(ingest(config, Store(Path(tmp) / "check.duckdb")))
    for o in sorted(summary.outcomes, key=lambda o: names[o.source_id]):
        result = f"{o.entries} entries" if o.ok else f"ERROR ({o.error_kind}): {o.error}"
        print(f"{names[o.source_id]}: {result}")
    print(
        f"\n{len(files)} files: {summary.sources_ok} read, {summary.sources_failed} with a "
        f"per-source error; {summary.entries_seen} entries, {summary.new_articles} articles stored"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
