"""End-to-end performance of ``veille run``, measured side by side with the work it cannot avoid.

    python bench/perf.py                      # 1,000 pages, every measurement (< 5 min here)
    python bench/perf.py --pages 300          # quicker
    python bench/perf.py scale                # 1,000 / 5,000 / 10,000 articles (~10 min)

A realistic little web is served on 127.0.0.1 by a separate process: 50 RSS feeds, one per
site, each site on its own loopback address (127.0.0.2, 127.0.0.3, …: per-host politeness
applies as on the real web), listing real article pages from ``../shared/corpus/pages``
(trafilatura-eval and scrapinghub sets, gunzipped into a work directory). Every response is
delayed by 100 ms to stand for the real web; feeds answer conditional requests (ETag → 304).
For more articles than the corpus has (scale mode), pages are served again under new URLs.

Measured in one go, each in its own process (peak memory = sum of the resident memory of the
process and all its children, sampled every 50 ms):

1. ``floor``  — bare trafilatura extraction with metadata (veille's own option set) of the same
   pages, read from disk, in a pool of 2 processes: the floor for the CPU part;
2. ``veille`` — ``veille run`` end to end on a fresh database, as `veille serve` runs it: Prefect
   flow against a running Prefect server (started by this script beforehand; its start-up is
   reported separately, it is what a cold ``veille run`` without ``PREFECT_API_URL`` pays);
3. ``plain``  — the same pass without Prefect (``pipeline.ingest`` called directly), fresh
   database: ``veille`` minus ``plain`` is the orchestration overhead;
4. ``rerun``  — ``veille run`` again with nothing new (article pages fetched must be 0);
5. ``peer``   — trafilatura's command line fetching and extracting the same URL list with
   ``--parallel`` (same concurrency as veille, ``--fast --with-metadata``, its politeness sleep
   and SSRF guard switched off so that it can reach 127.0.0.x at full speed).

Results go to ``bench/results/perf-<pages>.json`` (or ``--json``) and a table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
# trafilatura-eval keeps its pages in eval/ (923) and cache/ (110); scrapinghub in html/ (181).
PAGE_SETS = (
    "pages/trafilatura-eval/eval",
    "pages/trafilatura-eval/cache",
    "pages/scrapinghub-article-extraction-benchmark/html",
)
FEEDS = 50
CANONICAL_LINK = re.compile(rb"<link[^>]*rel=[\"']?canonical[^>]*>", re.IGNORECASE)
CONCURRENCY = 16  # veille's default fetch.concurrency; the peer gets the same


# -- the corpus --------------------------------------------------------------------------------


def prepare_pages(corpus: Path, n: int, out: Path, *, seed: int = 20261123) -> list[Path]:
    """Gunzip ``n`` real pages (cycling through the corpus when n is larger) into ``out``."""
    sources = sorted(p for d in PAGE_SETS for p in (corpus / d).glob("*.htm*"))
    if not sources:
        sys.exit(f"no pages under {corpus}/pages: pass --corpus PATH (../shared/corpus)")
    random.Random(seed).shuffle(sources)
    # Only distinct pages: the same HTML twice would be one story with two URLs.
    distinct: dict[bytes, Path] = {}
    for src in sources:
        distinct.setdefault(hashlib.sha256(src.read_bytes()).digest(), src)
    sources = list(distinct.values())
    out.mkdir(parents=True, exist_ok=True)
    originals: list[Path] = []
    for src in sources:
        dest = out / f"{len(originals)}.html"
        if not dest.exists():
            data = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
            dest.write_bytes(data)
        originals.append(dest)
        if len(originals) == n:
            break
    pages = list(originals)
    while len(pages) < n:  # scale mode: the same page again under a new URL, as its own story
        dest = out / f"{len(pages)}.html"
        if not dest.exists():
            # Without its canonical link, a copy is an article of its own (its URL decides);
            # its text makes it a duplicate of the original, for the duplicate stage to find.
            html = originals[len(pages) % len(originals)].read_bytes()
            dest.write_bytes(CANONICAL_LINK.sub(b"", html))
        pages.append(dest)
    return pages


def host(feed: int) -> str:
    return f"127.0.0.{2 + feed}"


def page_url(i: int, port: int, feeds: int) -> str:
    return f"http://{host(i % feeds)}:{port}/p/{i}.html"


def feed_xml(feed: int, n: int, port: int, feeds: int) -> bytes:
    items = []
    for rank, i in enumerate(range(feed, n, feeds)):
        date = time.strftime(
            "%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1_790_000_000 - rank * 3600)
        )
        url = page_url(i, port, feeds)
        items.append(
            f"<item><title>Article {i}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{date}</pubDate><description>Article {i} du site {feed}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Site {feed}</title><link>http://{host(feed)}:{port}/</link>"
        f"<description>bench</description>{''.join(items)}</channel></rss>"
    ).encode()


# -- the little web (run in its own process by `perf.py serve`) --------------------------------


def serve(root: Path, port: int, n: int, feeds: int, latency: float) -> None:
    """Serve the feeds and pages on 127.0.0.2… with a fixed delay; /__stats counts page hits."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    hits = {"pages": 0, "feeds": 0, "not_modified": 0}
    cache = {f: feed_xml(f, n, port, feeds) for f in range(feeds)}

    async def feed(request: Request) -> Response:
        await asyncio.sleep(latency)
        f = int(request.path_params["f"])
        etag = f'"{f}-{n}"'
        if request.headers.get("if-none-match") == etag:
            hits["not_modified"] += 1
            return Response(status_code=304, headers={"ETag": etag})
        hits["feeds"] += 1
        return Response(cache[f], media_type="application/rss+xml", headers={"ETag": etag})

    async def page(request: Request) -> Response:
        await asyncio.sleep(latency)
        hits["pages"] += 1
        path = root / f"{int(request.path_params['i'])}.html"
        return Response(path.read_bytes(), media_type="text/html; charset=utf-8")

    async def stats(request: Request) -> Response:
        return JSONResponse(hits)

    app = Starlette(
        routes=[
            Route("/feed/{f:int}.xml", feed),
            Route("/p/{i:int}.html", page),
            Route("/__stats", stats),
        ]
    )
    sockets = []
    for f in range(feeds):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host(f), port))
        sockets.append(s)
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=2048)
    uvicorn.Server(config).run(sockets=sockets)


@contextmanager
def little_web(root: Path, n: int, feeds: int, latency: float) -> Iterator[int]:
    port = free_port()
    cmd = [sys.executable, __file__, "serve", str(root), str(port), str(n), str(feeds)]
    proc = subprocess.Popen([*cmd, str(latency)])
    try:
        wait_http(f"http://{host(0)}:{port}/__stats", 30)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def web_stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://{host(0)}:{port}/__stats", timeout=10) as r:
        return dict(json.load(r))


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    name: str
    wall: float = 0.0
    peak_rss_mb: float = 0.0
    exit_code: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    # psutil would do this, but it is not one of veille's dependencies: /proc is enough on Linux.
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(kids.get(p, []))
    return tree


def _rss_mb(pids: Sequence[int]) -> float:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its waited-for children (utime + stime + cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def measure(name: str, cmd: Sequence[str], env: dict[str, str] | None = None) -> Measure:
    """Run a command, return its wall time and the peak memory of its process tree."""
    m = Measure(name)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss_mb(_children(proc.pid)))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    m.wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    m.peak_rss_mb, m.exit_code = round(peak, 1), proc.returncode
    if stdout.strip().startswith(b"{"):
        m.extra = json.loads(stdout)
    print(f"  {name:<8} {m.wall:7.1f} s  peak {m.peak_rss_mb:7.0f} MB  exit {m.exit_code}")
    return m


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- the floor (run in its own process by `perf.py floor`) -------------------------------------


def _extract_file(path: str) -> int:
    from trafilatura import bare_extraction

    from veille.extract import _TRAFILATURA_OPTIONS

    document = bare_extraction(
        Path(path).read_bytes(), url="http://bench.test/", **_TRAFILATURA_OPTIONS
    )
    return 1 if document is not None else 0


def floor(pages_dir: Path, n: int, workers: int) -> None:
    from veille.extract import warm_up

    paths = [str(pages_dir / f"{i}.html") for i in range(n)]
    with ProcessPoolExecutor(workers, initializer=warm_up) as pool:
        list(pool.map(_extract_file, paths[: workers * 2]))  # workers started and warm
        started = time.perf_counter()
        extracted = sum(pool.map(_extract_file, paths, chunksize=2))
        wall = time.perf_counter() - started
    print(json.dumps({"extracted": extracted, "seconds": round(wall, 3)}))


# -- the same pass without Prefect (run by `perf.py plain`) ------------------------------------


def plain(config_path: Path, db: Path) -> None:
    from veille import pipeline
    from veille.config import load_config
    from veille.store import Store

    config = load_config(config_path)
    store = Store(db)
    summary = asyncio.run(pipeline.ingest(config, store)).as_dict()
    # Nothing new, in the same (now warm) process: what a re-run costs under `veille serve`,
    # whose process stays up between runs, before Prefect's own per-run cost.
    again = asyncio.run(pipeline.ingest(config, store)).as_dict()
    summary["rerun_in_process"] = {k: again[k] for k in ("seconds", "pages_fetched", "timings")}
    print(json.dumps(summary))


# -- the whole benchmark -----------------------------------------------------------------------


def write_config(path: Path, port: int, feeds: int, db: Path) -> None:
    lines = [
        "settings:",
        f"  database: {db}",
        f"  models_dir: {db.stem}-models",  # each measured run trains its first model
        "  allow_private_networks: true",
        "  max_new_per_source: 10000",
        "sources:",
    ]
    for f in range(feeds):
        lines += [
            f"  - id: site-{f}",
            f"    url: http://{host(f)}:{port}/feed/{f}.xml",
            "    lang: fr",
        ]
    path.write_text("\n".join(lines) + "\n")


@contextmanager
def prefect_server(work: Path) -> Iterator[tuple[dict[str, str], float, int]]:
    """A Prefect server as `veille serve` runs beside itself; yields (env, start seconds, pid)."""
    port = free_port()
    env = {
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    cmd = ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/health", 120)
        yield (
            {**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"},
            time.perf_counter() - started,
            proc.pid,
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def veille_cmd(config: Path, db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "veille.cli", "--config", str(config), "--db", str(db), *args]


def last_run(config: Path, db: Path) -> dict[str, Any]:
    out = subprocess.run(
        veille_cmd(config, db, "db", "runs", "--json"), capture_output=True, check=True
    )
    runs = json.loads(out.stdout)
    stats = runs[0]["stats"]
    return json.loads(stats) if isinstance(stats, str) else dict(stats)


def run_veille(name: str, config: Path, db: Path, env: dict[str, str]) -> Measure:
    m = measure(name, veille_cmd(config, db, "run", "--no-progress"), env)
    if m.exit_code == 0:
        m.extra = last_run(config, db)
    return m


def bench(args: argparse.Namespace) -> dict[str, Any]:
    n, feeds = args.pages, FEEDS
    work = Path(args.workdir or tempfile.mkdtemp(prefix="veille-perf-"))
    print(f"work directory {work}")
    pages = prepare_pages(args.corpus, n, work / "pages")
    mb = sum(p.stat().st_size for p in pages) / 1e6
    print(f"{n} pages ({mb:.0f} MB of HTML) behind {feeds} feeds, +{args.latency_ms} ms")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "pages": n,
        "feeds": feeds,
        "latency_ms": args.latency_ms,
        "cores": os.cpu_count(),
    }
    latency = args.latency_ms / 1000
    me = [sys.executable, __file__]
    measures: dict[str, Measure] = {}
    with little_web(work / "pages", n, feeds, latency) as port:
        urls = work / "urls.txt"
        urls.write_text("".join(page_url(i, port, feeds) + "\n" for i in range(n)))
        measures["floor"] = measure("floor", [*me, "floor", str(work / "pages"), str(n), "2"])
        with prefect_server(work) as (env, server_start, server_pid):
            results["prefect_server_start_s"] = round(server_start, 1)
            print(f"  (Prefect server started in {server_start:.1f} s)")
            config = work / "veille.yaml"
            db = work / "veille.duckdb"
            write_config(config, port, feeds, db)
            before_cpu = cpu_seconds(server_pid)
            before = web_stats(port)
            measures["veille"] = run_veille("veille", config, db, env)
            results["prefect_server_cpu_s"] = round(cpu_seconds(server_pid) - before_cpu, 1)
            after = web_stats(port)
            measures["veille"].extra["pages_served"] = after["pages"] - before["pages"]
            measures["rerun"] = run_veille("rerun", config, db, env)
            again = web_stats(port)
            measures["rerun"].extra["pages_served"] = again["pages"] - after["pages"]
            measures["rerun"].extra["feeds_304"] = again["not_modified"] - after["not_modified"]
        if not args.skip_plain:
            db2 = work / "plain.duckdb"
            config2 = work / "plain.yaml"
            write_config(config2, port, feeds, db2)
            measures["plain"] = measure("plain", [*me, "plain", str(config2), str(db2)])
        if not args.skip_peer:
            before = web_stats(port)
            measures["peer"] = peer(work, urls)
            measures["peer"].extra["pages_served"] = web_stats(port)["pages"] - before["pages"]
    results["measures"] = {k: vars(v) for k, v in measures.items()}
    results["ratios"] = ratios(measures)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return results


def peer(work: Path, urls: Path) -> Measure:
    cfg = work / "trafilatura.cfg"
    default = Path(__import__("trafilatura").__file__).parent / "settings.cfg"
    text = default.read_text().replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0")
    cfg.write_text(text.replace("SSRF_PROTECTION = on", "SSRF_PROTECTION = off"))
    out = work / "peer-out"
    trafilatura = shutil.which("trafilatura") or "trafilatura"
    cmd = [trafilatura, "-i", str(urls), "-o", str(out), "--parallel", str(CONCURRENCY)]
    m = measure("peer", [*cmd, "--fast", "--with-metadata", "--json", "--config-file", str(cfg)])
    # Fewer files than pages: it names each file by a hash of its words, and similar pages
    # overwrite each other; every page was fetched and extracted all the same (pages_served).
    m.extra["documents"] = sum(1 for _ in out.rglob("*.json")) if out.exists() else 0
    return m


def ratios(m: dict[str, Measure]) -> dict[str, Any]:
    r: dict[str, Any] = {}
    floor_s = m["floor"].extra.get("seconds") or m["floor"].wall
    v = m.get("veille")
    if v and v.exit_code == 0:
        r["veille_over_floor"] = round(v.wall / floor_s, 2)
        if "peer" in m:
            r["veille_over_peer"] = round(v.wall / m["peer"].wall, 2)
        if "plain" in m:
            # `plain` also timed a second pass (nothing new) in its process: not part of the run.
            warm_pass = (m["plain"].extra.get("rerun_in_process") or {}).get("seconds", 0.0)
            plain_wall = m["plain"].wall - warm_pass
            r["orchestration_overhead"] = round((v.wall - plain_wall) / v.wall, 3)
        if "rerun" in m:
            r["rerun_over_first"] = round(m["rerun"].wall / v.wall, 3)
            r["rerun_pages_fetched"] = m["rerun"].extra.get("pages_served")
        warm = m["plain"].extra.get("rerun_in_process") if "plain" in m else None
        if warm:
            r["rerun_in_process_over_first"] = round(warm["seconds"] / v.wall, 3)
    return r


def _extra(measures: dict[str, Any], name: str, key: str) -> Any:
    return measures.get(name, {}).get("extra", {}).get(key)


def print_table(res: dict[str, Any]) -> None:
    ms, r = res["measures"], res["ratios"]
    print()
    print(f"| {res['pages']} pages, +{res['latency_ms']} ms | wall s | peak MB | note |")
    print("|---|---|---|---|")
    notes = {
        "floor": f"{ms['floor']['extra'].get('extracted', '?')} extracted in "
        f"{ms['floor']['extra'].get('seconds', '?')} s (pool warm)",
        "veille": "veille run, Prefect server running",
        "plain": "same pass without Prefect",
        "rerun": f"nothing new: {_extra(ms, 'rerun', 'pages_served')} pages fetched",
        "peer": f"trafilatura CLI: {_extra(ms, 'peer', 'pages_served')} pages fetched",
    }
    for name, m in ms.items():
        print(f"| {name} | {m['wall']:.1f} | {m['peak_rss_mb']:.0f} | {notes.get(name, '')} |")
    t = ms.get("veille", {}).get("extra", {}).get("timings")
    if t:
        print("\nveille run, time per stage (s; concurrent sums overlap):", json.dumps(t))
    checks = [
        ("end to end ≤ 1.3 × floor", r.get("veille_over_floor"), 1.3),
        ("end to end < trafilatura CLI", r.get("veille_over_peer"), 1.0),
        ("re-run ≤ 5 % of first", r.get("rerun_over_first"), 0.05),
        ("  same, in a running process", r.get("rerun_in_process_over_first"), 0.05),
        ("orchestration ≤ 5 %", r.get("orchestration_overhead"), 0.05),
    ]
    print()
    for label, value, limit in checks:
        if value is None:
            continue
        verdict = "met" if value <= limit else f"MISSED by {value / limit:.2f}×"
        print(f"  {label:<32} {value:>6}  {verdict}")
    if r.get("rerun_pages_fetched") is not None:
        print(f"  {'re-run article pages fetched':<32} {r['rerun_pages_fetched']:>6}  (target 0)")


def scale(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="veille-scale-"))
    top = max(args.sizes)
    prepare_pages(args.corpus, top, work / "pages")
    rows = []
    with prefect_server(work) as (env, _, _):
        for n in args.sizes:
            with little_web(work / "pages", n, FEEDS, args.latency_ms / 1000) as port:
                config, db = work / f"veille-{n}.yaml", work / f"veille-{n}.duckdb"
                write_config(config, port, FEEDS, db)
                m = run_veille(f"{n}", config, db, env)
                rows.append(
                    {
                        "articles": n,
                        "wall": round(m.wall, 1),
                        "per_article_ms": round(1000 * m.wall / n, 1),
                        "peak_rss_mb": m.peak_rss_mb,
                        "stored": m.extra.get("new_articles"),
                        "timings": m.extra.get("timings"),
                    }
                )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| articles | wall s | ms per article | peak MB |\n|---|---|---|---|")
    for row in rows:
        cells = [row["articles"], row["wall"], row["per_article_ms"], f"{row['peak_rss_mb']:.0f}"]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    return {"date": time.strftime("%Y-%m-%d"), "latency_ms": args.latency_ms, "rows": rows}


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        root, port, n, feeds, latency = argv[1:6]
        serve(Path(root), int(port), int(n), int(feeds), float(latency))
        return
    if argv and argv[0] == "floor":
        floor(Path(argv[1]), int(argv[2]), int(argv[3]))
        return
    if argv and argv[0] == "plain":
        plain(Path(argv[1]), Path(argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", choices=["run", "scale"], default="run")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.mode == "scale":
        res = scale(args)
        target = args.json or ROOT / "bench" / "results" / "perf-scale.json"
    else:
        res = bench(args)
        print_table(res)
        target = args.json or ROOT / "bench" / "results" / f"perf-{args.pages}.json"
    res["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    target.write_text(json.dumps(res, indent=2) + "\n")
    print(f"\nbenchmark took {res['benchmark_seconds']} s; figures in {target}")


if __name__ == "__main__":
    main()
