"""Newsletters per second: parsing alone, and whole passes through a real IMAP server.

    python bench/mailbox.py [--letters 500] [--rounds 3]

1. **parse + clean**: the letters of ``tests/data/mail`` (notices and the PDF one left out:
   their cost is PDFium's, measured by bench/pdf.py), each with its own Message-ID, through
   :func:`veille.newsletter.parse_letter` (MIME, headers, HTML to text, links), in this
   process; the best of ``--rounds`` rounds, in CPU seconds.
2. **end to end**: ``--letters`` letters delivered to a Dovecot started on 127.0.0.1
   (tests/imap.py: Debian's dovecot-imapd must be installed), then one pass of a mailbox
   source over IMAPS: connect, TLS, login, search, fetch, parse, plan, commit to a fresh
   DuckDB file, mark read (the source's own wall seconds), then the pass's duplicates and
   classification (the whole pass's). The server runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.imap import PASSWORD, USER, Dovecot  # noqa: E402
from veille.config import parse_config  # noqa: E402
from veille.newsletter import parse_letter  # noqa: E402
from veille.pipeline import ingest  # noqa: E402
from veille.store import Store  # noqa: E402

LETTERS = ["quotidien-formation.eml", "france-travail-plain.eml", "brevo-tracking.eml"]


def letters(count: int) -> list[bytes]:
    """``count`` letters, the fixtures in turn, each with a Message-ID of its own."""
    raw = [(REPO / "tests/data/mail" / name).read_bytes() for name in LETTERS]
    out = []
    for index in range(count):
        body = raw[index % len(raw)].replace(b"__BASE__", b"127.0.0.1:9")
        start = body.index(b"Message-ID: <") + len(b"Message-ID: <")
        out.append(body[:start] + f"bench-{index}.".encode() + body[start:])
    return out


def parse_rate(batch: list[bytes], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        tick = time.process_time()
        for raw in batch:
            parse_letter(raw)
        best = min(best, time.process_time() - tick)
    return len(batch) / best


def end_to_end(batch: list[bytes]) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder, Dovecot(Path(folder) / "imap") as server:
        server.deliver(*batch, folder="Veille")
        os.environ["BENCH_MAILBOX_PASSWORD"] = PASSWORD
        config = parse_config(
            f"""
settings: {{allow_private_networks: true, max_new_per_source: 10000}}
sources:
  - id: lettres
    kind: mailbox
    url: imaps://127.0.0.1:{server.tls_port}/Veille
    ca_file: {server.cert}
    username: {USER}
    password_env: BENCH_MAILBOX_PASSWORD
    max_messages: 1000
"""
        )
        tick = time.perf_counter()
        summary = asyncio.run(ingest(config, Store(Path(folder) / "veille.duckdb")))
        seconds = time.perf_counter() - tick
        outcome = summary.outcomes[0]
        return seconds, outcome.seconds, outcome.new_articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    batch = letters(args.letters)
    size = sum(len(b) for b in batch) / len(batch)
    print(f"{len(batch)} letters, {size / 1024:.1f} KiB each on average")
    print(f"parse + clean: {parse_rate(batch, args.rounds):,.0f} letters per CPU second")
    seconds, source_seconds, stored = end_to_end(batch)
    print(
        f"through Dovecot (IMAPS): the mailbox source {source_seconds:.1f} s "
        f"({len(batch) / source_seconds:,.0f} letters/s: poll, parse, commit, mark read); "
        f"the whole pass with duplicates and classification {seconds:.1f} s "
        f"({len(batch) / seconds:,.0f} letters/s); {stored} articles stored"
    )


if __name__ == "__main__":
    main()
