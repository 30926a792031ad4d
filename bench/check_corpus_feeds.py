"""Every feed file of the corpus through the real ``veille run``, served on 127.0.0.1.

    python bench/check_corpus_feeds.py [../shared/corpus/feeds] [--keep DIR]

Each file becomes a source of a fresh project (sources.yaml + DuckDB file in a temporary folder,
or ``--keep DIR``), served by :class:`veille.localserver.LocalServer` in this process; then the
command a user types runs in a subprocess, Prefect's temporary server and all (a fresh
``PREFECT_HOME``, so its first start is counted too)::

    python -m veille.cli --config sources.yaml --db veille.duckdb run --no-progress

The entries' pages are fetched as in production (``fetch_pages`` left on): their links name
the publishers' hosts, which this machine cannot reach (no internet here: DNS answers "unknown
name" at once), as an intranet server behind a firewall would see them. Each host is given up
after a few network failures in a row (:mod:`veille.hosts`), so the pass ends in minutes.

Prints one line per file (entries stored, or the source's error), the hosts given up, the
command's own summary, and the wall time of the command. Exit 1 if the command failed, or if a
source ended with neither entries nor an error; 0 otherwise: a clear per-source error is an
acceptable outcome for a broken feed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from veille.localserver import LocalServer
from veille.records import hosts_given_up_line
from veille.store import Store

TIMEOUT = 30 * 60  # seconds: the command is stopped (and the check fails) after this


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default="../shared/corpus/feeds", type=Path)
    parser.add_argument("--keep", type=Path, help="project folder to keep (default: temporary)")
    args = parser.parse_args()
    root = args.root.resolve()
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in {".tsv", ".md"})
    with LocalServer(root) as server, tempfile.TemporaryDirectory() as tmp:
        project = args.keep or Path(tmp)
        project.mkdir(parents=True, exist_ok=True)
        names = _write_sources(project / "sources.yaml", root, files, server)
        seconds, done = _veille_run(project)
        _report(project, names, seconds, done)
    return 0 if done.returncode == 0 and _all_clear(project) else 1


def _write_sources(
    path: Path, root: Path, files: list[Path], server: LocalServer
) -> dict[str, str]:
    lines = ["settings: {allow_private_networks: true}", "sources:"]
    names = {}
    for i, file in enumerate(files):
        rel = file.relative_to(root).as_posix().removesuffix(".gz")
        names[f"f{i:03d}"] = rel
        lines += [f"  - id: f{i:03d}", f"    url: {server.url(rel)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def _veille_run(project: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [sys.executable, "-m", "veille.cli", "--config", "sources.yaml"]
    command += ["--db", "veille.duckdb", "run", "--no-progress"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    env["PREFECT_HOME"] = str(project / "prefect-home")
    for name in ("PREFECT_API_URL", "VEILLE_CONFIG", "VEILLE_DB"):
        env.pop(name, None)
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    return time.monotonic() - started, done


def _report(
    project: Path, names: dict[str, str], seconds: float, done: subprocess.CompletedProcess[str]
) -> None:
    store = Store(project / "veille.duckdb")
    figures = {f.id: f for f in store.source_figures()}
    for sid, rel in sorted(names.items(), key=lambda item: item[1]):
        f = figures.get(sid)
        if f is None:
            print(f"{rel}: not stored")
        elif f.last_error:
            print(f"{rel}: ERROR ({f.last_error_kind}): {f.last_error}")
        else:
            print(f"{rel}: {f.entries} entries, {f.articles} articles")
    runs = store.runs(1)
    stats = runs[0].stats if runs else None
    hosts = (stats or {}).get("hosts_given_up") or {}
    failed = sum(1 for f in figures.values() if f.last_error)
    print(f"\n{len(names)} files: {len(figures) - failed} read, {failed} with a per-source error")
    print(hosts_given_up_line(hosts) or "no host given up")
    print("\n`veille run` said:\n" + done.stdout.strip())
    if done.returncode != 0:
        print(f"\n`veille run` exited {done.returncode}:\n{done.stderr.strip()[-3000:]}")
    print(f"\nwall time of `veille run`: {seconds:.1f} s")


def _all_clear(project: Path) -> bool:
    """Each source has entries or one clear error (an empty feed is reported, not failed)."""
    figures = Store(project / "veille.duckdb").source_figures()
    unclear = [f.id for f in figures if not f.last_error and f.entries == 0 and f.last_entries]
    for sid in unclear:
        print(f"{sid}: entries listed but none stored, and no error")
    return not unclear


if __name__ == "__main__":
    sys.exit(main())
