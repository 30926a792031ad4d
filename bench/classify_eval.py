"""The classifier measured on real French texts, by source-grouped cross-validation.

    python bench/classify_eval.py [--corpus ../shared/corpus] [--json FILE] [--no-corpus]

Every real labelled item we have: the seed's real texts (``veille/seed/train-fr.jsonl``, the real
off-topic items of ``labels.jsonl``) and the field items labelled by reference in
``bench/labels/`` (their text is read from the shared corpus; we may not train on them, so they
are only ever predicted, by a model trained on the whole seed). Each fold holds out whole
sources: a model is judged on publishers it never saw. The team-written items of the seed are
trained on and never scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille import evaluation, extract  # noqa: E402
from veille.examples import Example, article_text, load_seed  # noqa: E402
from veille.feeds import parse_feed  # noqa: E402
from veille.identity import canonical_url  # noqa: E402
from veille.taxonomy import DEFAULT_TAXONOMY  # noqa: E402

LABELS = ROOT / "bench/labels/field_items.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"


def _texts(corpus: Path, ref: str) -> dict[str, str]:
    """key (link or guid) -> the text the model reads, for one corpus file."""
    path = corpus / ref
    out: dict[str, str] = {}
    if path.suffix == ".json":
        for art in json.loads(path.read_text())["articles"]:
            out[art["url"]] = article_text(art["titre"], art.get("resume") or "", "")
        return out
    for entry in parse_feed(path.read_bytes(), url="https://corpus.example/").entries:
        body = extract.text_of_html(entry.content_html) if entry.content_html else ""
        text = article_text(entry.title, entry.summary, body)
        for key in (entry.url, entry.guid):
            if key:
                out[key] = text
                out[canonical_url(key)] = text
    return out


def bench_source(ref: str, key: str) -> str:
    """The publisher of a field item: its feed for the training-watch feeds, else its site."""
    name = Path(ref).name
    if "fr-veille-qualiopi" in ref and name != "rss_final.xml":
        site = name.removeprefix("rss_").removesuffix(".xml").split("_")[0]
        return site.removesuffix("-veille")  # Digiforma's two feeds are one publisher
    if "jeanremypraud" in ref:
        return "jeanremypraud"
    host = urlsplit(key).hostname or key
    return host.removeprefix("www.").split(".")[0]


def field_items(corpus: Path, labels: Path = LABELS) -> tuple[list[Example], int]:
    """The hand-labelled field items of bench/labels, with their text read from the corpus."""
    cache: dict[str, dict[str, str]] = {}
    examples, missing = [], 0
    for line in labels.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        texts = cache.setdefault(row["ref"], _texts(corpus, row["ref"]))
        text = texts.get(row["key"]) or texts.get(canonical_url(row["key"]))
        if text is None:
            missing += 1
            continue
        source = bench_source(row["ref"], row["key"])
        examples.append(
            Example(row["key"], text, bool(row["relevant"]), tuple(row["tags"]), source=source)
        )
    return examples, missing


def part_of(example: Example, bench: set[str]) -> str:
    if example.id in bench:
        return "field items (bench/labels)"
    return "train-fr" if "/" in example.source else "seed, real off-topic news"


def print_report(report: evaluation.Report, out: Sequence[str] = ()) -> None:
    print(
        f"  relevance accuracy {report.relevance_accuracy:.3f} (precision "
        f"{report.relevance_precision:.3f}, recall {report.relevance_recall:.3f}) · tag macro-F1 "
        f"{report.macro_f1:.3f} · primary-tag accuracy {report.primary_accuracy:.3f} "
        f"({report.primary_support} relevant items with a known primary tag)"
    )
    for tag, m in report.per_tag.items():
        print(
            f"    {tag:24} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
            f"support {m['support']}"
        )
    if report.confusion:
        print("    tags mixed up:", ", ".join(f"{a} → {b} ×{n}" for a, b, n in report.confusion))
    if report.primary_confusion:
        mixed = ", ".join(f"{a} → {b} ×{n}" for a, b, n in report.primary_confusion)
        print("    primary tag (expected → given):", mixed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-corpus", action="store_true", help="seed only (no bench/labels)")
    args = parser.parse_args()
    seed = load_seed()
    bench: list[Example] = []
    missing = 0
    if not args.no_corpus:
        if not (args.corpus / "feeds").is_dir():
            sys.exit(f"corpus not found at {args.corpus}: pass --corpus PATH or --no-corpus")
        bench, missing = field_items(args.corpus)
    started = time.monotonic()
    done = evaluation.grouped_predictions(DEFAULT_TAXONOMY, seed, test_only=bench)
    seconds = time.monotonic() - started
    tag_ids = [t.id for t in DEFAULT_TAXONOMY]
    report = evaluation.score([e for e, _ in done], [v for _, v in done], tag_ids)
    folds = evaluation.source_folds(seed)
    print(
        f"{report.examples} real items, source-grouped ({len(folds)} folds of held-out sources"
        f"{' + the field items, never trained on' if bench else ''}; {missing} labels without "
        f"text); team-written items trained on, never scored; {seconds:.0f} s"
    )
    print("all real items:")
    print_report(report)
    ids = {e.id for e in bench}
    parts: dict[str, dict[str, object]] = {"all": report.as_dict()}
    for part in sorted({part_of(e, ids) for e, _ in done}):
        chosen = [(e, v) for e, v in done if part_of(e, ids) == part]
        sub = evaluation.score([e for e, _ in chosen], [v for _, v in chosen], tag_ids)
        print(f"{part}:")
        print_report(sub)
        parts[part] = sub.as_dict()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(parts, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
