"""Extraction quality and speed of ``veille.extract.extract_article`` against corpus ground truth.

Two sets of the shared corpus:

* ``pages/scrapinghub-article-extraction-benchmark``: 181 pages, ``ground-truth.json`` articleBody
  (human-checked);
* ``pages/mozilla-readability``: 93 pages, reference = the text of Readability's expected.html
  (a good proxy, not human-annotated), turned into text by ``veille.extract.text_of_html``.

Scoring follows the scrapinghub benchmark's ``evaluate.py`` (re-implemented here): tokens are
``\\w+`` runs, each text becomes a bag of 4-token shingles; per page TP/FP/FN are the multiset
overlaps, normalised by their sum so that long pages do not weigh more; precision is averaged over
the pages that predicted something, recall over the pages that have a reference, and F1 is the
harmonic mean of those two means. "±" is the bootstrap standard deviation of F1. The same
computation with single tokens (a plain bag of words) is reported as "F1 bow".

Timings are per page, inside the process that extracts, so they are single-core figures whatever
``--workers`` is; "pages/s/core" is 1000 / mean ms. With ``--workers 2`` the wall-clock throughput
of a 2-process pool is reported too.

    python bench/extraction_quality.py --json /tmp/extraction_quality.json
    python bench/extraction_quality.py --corpus ../shared/corpus --workers 2 --sets scrapinghub
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import importlib.metadata
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from veille.errors import ExtractionError  # noqa: E402
from veille.extract import extract_article, text_of_html, warm_up  # noqa: E402

SCRAPINGHUB = "pages/scrapinghub-article-extraction-benchmark"
MOZILLA = "pages/mozilla-readability/test-pages"
MOZILLA_URL = "http://fakehost/test/page.html"  # the URL Readability's own tests give every page
SETS = ("scrapinghub", "mozilla")

_TOKEN = re.compile(r"\w+")


# ---------------------------------------------------------------------------------------------
# Scoring (scrapinghub benchmark method)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Bag of n-token shingles; a text shorter than n tokens is one shorter shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def tp_fp_fn(reference: str, predicted: str, n: int = 4) -> tuple[float, float, float]:
    """Shingle overlap of one page, normalised to sum to 1 (0, 0, 0 when both are empty)."""
    ref, pred = shingles(reference, n), shingles(predicted, n)
    tp = sum((ref & pred).values())
    fp = sum((pred - ref).values())
    fn = sum((ref - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def page_scores(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of one page (both empty counts as perfect, as in evaluate.py)."""
    if fp == fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def aggregate(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Mean precision (pages that predicted text), mean recall (pages with a reference), F1."""
    scores = [(page_scores(*c), c) for c in counts]
    precisions = [s[0] for s, (tp, fp, _) in scores if tp + fp > 0]
    recalls = [s[1] for s, (tp, _, fn) in scores if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bootstrap_f1(counts: list[tuple[float, float, float]], samples: int = 1000) -> float:
    """Standard deviation of F1 over bootstrap resamples of the pages.

    The benchmark README's "±" is this standard deviation: its published trafilatura output
    gives 0.0056 here, printed there as 0.006 (evaluate.py itself multiplies by 1.96).
    """
    rng = random.Random(0)
    values = [aggregate(rng.choices(counts, k=len(counts)))[2] for _ in range(samples)]
    return statistics.stdev(values)


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: bytes
    reference: str


def scrapinghub_pages(corpus: Path) -> Iterator[Page]:
    folder = corpus / SCRAPINGHUB
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        yield Page(key, truth[key].get("url") or "", html, truth[key].get("articleBody") or "")


def mozilla_pages(corpus: Path) -> Iterator[Page]:
    for folder in sorted(p for p in (corpus / MOZILLA).iterdir() if p.is_dir()):
        expected = (folder / "expected.html").read_text(encoding="utf-8")
        html = (folder / "source.html").read_bytes()
        yield Page(folder.name, MOZILLA_URL, html, text_of_html(expected))


def reference_output(corpus: Path, name: str = "trafilatura") -> dict[str, str]:
    """A published output of the benchmark (output/<name>.json), to check this scorer."""
    data = json.loads((corpus / SCRAPINGHUB / "output" / f"{name}.json").read_text("utf-8"))
    items = data.get("output", data)
    return {key: value.get("articleBody") or "" for key, value in items.items()}


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    text: str
    ms: float
    error: str | None


def extract_one(page: Page) -> Result:
    """Extract one page, timed in the process that does it."""
    started = time.perf_counter()
    try:
        text, error = extract_article(page.html, url=page.url).text, None
    except ExtractionError as exc:
        text, error = "", str(exc)
    return Result(page.id, text, 1000 * (time.perf_counter() - started), error)


def run(pages: list[Page], workers: int) -> tuple[list[Result], float]:
    warm_up()  # one-time loads (dateparser locales), so that no page is charged with them
    extract_one(pages[0])
    started = time.perf_counter()
    if workers <= 1:
        results = [extract_one(page) for page in pages]
    else:
        with concurrent.futures.ProcessPoolExecutor(workers, initializer=warm_up) as pool:
            list(pool.map(extract_one, pages[:workers]))
            started = time.perf_counter()
            results = list(pool.map(extract_one, pages, chunksize=1))
    return results, time.perf_counter() - started


def summarise(
    name: str, pages: list[Page], results: list[Result], wall: float, workers: int
) -> dict[str, object]:
    pairs = list(zip(pages, results, strict=True))
    counts = [tp_fp_fn(page.reference, result.text) for page, result in pairs]
    precision, recall, f1 = aggregate(counts)
    f1_bow = aggregate([tp_fp_fn(page.reference, result.text, 1) for page, result in pairs])[2]
    scores = [page_scores(*c) for c in counts]
    ms = sorted(result.ms for result in results)
    return {
        "set": name,
        "pages": len(pages),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "f1_std": bootstrap_f1(counts),
        "f1_bag_of_words": f1_bow,
        "mean_page_f1": statistics.fmean(s[2] for s in scores),
        "pages_f1_below_0_5": [r.id for r, s in zip(results, scores, strict=True) if s[2] < 0.5],
        "extraction_errors": {r.id: r.error for r in results if r.error},
        "ms_mean": statistics.fmean(ms),
        "ms_median": statistics.median(ms),
        "ms_p90": ms[round(0.9 * (len(ms) - 1))],
        "ms_max": ms[-1],
        "pages_per_s_one_core": 1000 / statistics.fmean(ms),
        "workers": workers,
        "wall_s": wall,
        "wall_pages_per_s": len(pages) / wall if wall else None,
        "per_page": [
            {
                "id": r.id,
                "precision": s[0],
                "recall": s[1],
                "f1": s[2],
                "ms": r.ms,
                "words": len(r.text.split()),
                "error": r.error,
            }
            for r, s in zip(results, scores, strict=True)
        ],
    }


def print_table(summaries: Iterable[dict[str, object]]) -> None:
    header = (
        f"{'set':<12} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'±':>6} {'F1 bow':>7} "
        f"{'F1<0.5':>6} {'errors':>6} {'mean ms':>8} {'med ms':>7} {'p90 ms':>7} "
        f"{'pages/s/core':>12}"
    )
    print(header)
    print("-" * len(header))
    for s in summaries:
        low, errors = s["pages_f1_below_0_5"], s["extraction_errors"]
        assert isinstance(low, list) and isinstance(errors, dict)
        print(
            f"{s['set']:<12} {s['pages']:>5} {s['precision']:>6.3f} {s['recall']:>6.3f} "
            f"{s['f1']:>6.3f} {s['f1_std']:>6.3f} {s['f1_bag_of_words']:>7.3f} {len(low):>6} "
            f"{len(errors):>6} {s['ms_mean']:>8.1f} {s['ms_median']:>7.1f} {s['ms_p90']:>7.1f} "
            f"{s['pages_per_s_one_core']:>12.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--json", type=Path, help="write the figures (and per-page scores) here")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS)
    )
    args = parser.parse_args(argv)
    loaders = {"scrapinghub": scrapinghub_pages, "mozilla": mozilla_pages}
    summaries = []
    for name in args.sets.split(","):
        pages = list(loaders[name.strip()](args.corpus))
        results, wall = run(pages, args.workers)
        summaries.append(summarise(name.strip(), pages, results, wall, args.workers))
    print_table(summaries)
    for s in summaries:
        low = s["pages_f1_below_0_5"]
        assert isinstance(low, list)
        print(f"{s['set']}: F1 < 0.5 on {', '.join(low) or 'none'}")
        if args.workers > 1:
            print(
                f"{s['set']}: {args.workers} processes, {s['wall_s']:.1f} s wall, "
                f"{s['wall_pages_per_s']:.1f} pages/s"
            )
    if "scrapinghub" in args.sets:
        truth = {p.id: p.reference for p in scrapinghub_pages(args.corpus)}
        published = reference_output(args.corpus)
        check = aggregate([tp_fp_fn(truth[k], published.get(k, "")) for k in sorted(truth)])
        print(
            f"scorer check: the benchmark's published trafilatura 2.0.0 output scores "
            f"P {check[0]:.3f} R {check[1]:.3f} F1 {check[2]:.3f} here "
            "(its README: 0.938 / 0.978 / 0.958)"
        )
    if args.json:
        report = {
            "command": " ".join(["python", *sys.argv]),
            "corpus": str(args.corpus.resolve()),
            "trafilatura": importlib.metadata.version("trafilatura"),
            "method": "scrapinghub evaluate.py: 4-token shingles, mean P / mean R, F1 of the means",
            "sets": summaries,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
