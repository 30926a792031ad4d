"""The corpus's source files that cannot be copied into tests/data, checked in place.

    python bench/check_corpus_sources.py [../shared/corpus]

Most of the corpus's OPML files and its real JSON listings carry no licence that allows copying
them into the repository (see ``tests/data/opml/README.md``), so the test suite, which must run
on a fresh clone, cannot hold them. This script runs them through veille when the corpus is
beside the repository:

* every OPML file of ``opml/`` is imported by the real ``veille sources import`` into a fresh
  project: feeds found, sources added, problems reported; a second import must add nothing,
  and sources.yaml must stay byte for byte as it was;
* every snapshot of ``items/veille-juridique/`` (a French legal watch's JSON listing) is read as
  a ``kind: json`` source with a field mapping: items with a link must all become entries, with
  their titles and dates, and distinct keys.

Prints one line per file; exits 1 if any check fails.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from veille.config import JsonMapping
from veille.jsonsource import parse_json_source
from veille.opml import parse_opml

FIELD_MAPPING = JsonMapping(
    items="articles", link="url", title="titre", date="date", summary="resume", content=None,
    guid="id",
)  # fmt: skip


def veille(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "veille.cli", "--config", str(project / "sources.yaml")]
    command += ["--db", str(project / "v.duckdb"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def check_opml(path: Path) -> str | None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "sources.yaml").write_text("# ours\nsources: []\n", encoding="utf-8")
        before = hashlib.sha256((project / "sources.yaml").read_bytes()).digest()
        first = veille(project, "sources", "import", str(path))
        if first.returncode != 0:
            return f"import failed: {first.stderr.strip()[-300:]}"
        again = veille(project, "sources", "import", str(path))
        if again.returncode != 0 or "added 0 sources" not in again.stdout:
            return f"second import added something: {again.stdout.strip()}"
        if hashlib.sha256((project / "sources.yaml").read_bytes()).digest() != before:
            return "sources.yaml was rewritten"
        feeds = len(parse_opml(path.read_bytes()))
        print(f"  {path.name}: {feeds} feeds · {first.stdout.strip().splitlines()[-1]}")
    return None


def check_snapshot(path: Path) -> str | None:
    raw = json.loads(path.read_bytes())
    parsed = parse_json_source(
        path.read_bytes(), url="https://example.org/api", mapping=FIELD_MAPPING
    )
    with_link = [a for a in raw["articles"] if a.get("url")]
    if [e.url for e in parsed.entries] != [a["url"] for a in with_link]:
        return "entries differ from the items with a link"
    if [e.title for e in parsed.entries] != [" ".join(a["titre"].split()) for a in with_link]:
        return "titles differ"
    if any(e.published_at is None for e in parsed.entries):
        return "an item lost its date"
    if len({e.key for e in parsed.entries}) != len(parsed.entries):
        return "two items share a key"
    print(f"  {path.name}: {len(parsed.entries)} entries")
    return None


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus").resolve()
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus}: pass its path (../shared/corpus)")
    failures = []
    print("OPML files:")
    for path in sorted(p for p in (corpus / "opml").rglob("*") if p.is_file()):
        if problem := check_opml(path):
            failures.append(f"{path.relative_to(corpus)}: {problem}")
    print("JSON listings:")
    for path in sorted((corpus / "items" / "veille-juridique").glob("*.json")):
        if problem := check_snapshot(path):
            failures.append(f"{path.relative_to(corpus)}: {problem}")
    for line in failures:
        print(f"FAILED {line}")
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
