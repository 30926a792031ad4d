"""The classifier measured on real French items of the field that it never saw.

    python bench/classify_eval.py [--corpus ../shared/corpus] [--json FILE]

The items of ``feeds/fr-veille-qualiopi``, ``items/veille-juridique`` and ``feeds/fr-jeanremypraud``
carry no licence that lets us copy them into the repository, so their hand labels are kept *by
reference* in ``bench/labels/field_items.jsonl`` (file + link, no text) and their text is read
from the shared corpus here. None of them is in the training seed: the whole set is held out.
The model is veille's own: ``Classifier(DEFAULT_TAXONOMY).fit(seed)``, with the full seed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille import classify, extract  # noqa: E402
from veille.config import DEFAULT_TAXONOMY  # noqa: E402
from veille.feeds import parse_feed  # noqa: E402
from veille.identity import canonical_url  # noqa: E402


def _texts(corpus: Path, ref: str) -> dict[str, str]:
    """key (link or guid) -> the text the model reads, for one corpus file."""
    path = corpus / ref
    out: dict[str, str] = {}
    if path.suffix == ".json":
        for art in json.loads(path.read_text())["articles"]:
            out[art["url"]] = classify.article_text(art["titre"], art.get("resume") or "", "")
        return out
    for entry in parse_feed(path.read_bytes(), url="https://corpus.example/").entries:
        body = extract.text_of_html(entry.content_html) if entry.content_html else ""
        text = classify.article_text(entry.title, entry.summary, body)
        for key in (entry.url, entry.guid):
            if key:
                out[key] = text
                out[canonical_url(key)] = text
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--labels", type=Path, default=ROOT / "bench/labels/field_items.jsonl")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (args.corpus / "feeds").is_dir():
        sys.exit(f"corpus not found at {args.corpus}: pass --corpus PATH")
    cache: dict[str, dict[str, str]] = {}
    examples, missing = [], 0
    for line in args.labels.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        texts = cache.setdefault(row["ref"], _texts(args.corpus, row["ref"]))
        text = texts.get(row["key"]) or texts.get(canonical_url(row["key"]))
        if text is None:
            missing += 1
            continue
        examples.append(
            classify.Example(row["key"], text, bool(row["relevant"]), tuple(row["tags"]))
        )
    seed = classify.load_seed()
    model = classify.Classifier(DEFAULT_TAXONOMY).fit(seed)
    report = classify.evaluate(model, examples)
    by_ref: dict[str, list[classify.Example]] = {}
    for e in examples:
        by_ref.setdefault("relevant" if e.relevant else "off-topic", []).append(e)
    print(
        f"{len(examples)} real field items never trained on ({missing} labels without text); "
        f"model trained on {len(seed)} seed examples"
    )
    print(
        f"relevance accuracy {report.relevance_accuracy:.3f} (precision "
        f"{report.relevance_precision:.3f}, recall {report.relevance_recall:.3f}); "
        f"tag macro F1 {report.macro_f1:.3f}"
    )
    for tag, m in report.per_tag.items():
        print(
            f"    {tag:24} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
            f"support {m['support']}"
        )
    if report.confusion:
        print("    mixed up:", ", ".join(f"{a} → {b} ×{n}" for a, b, n in report.confusion))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
