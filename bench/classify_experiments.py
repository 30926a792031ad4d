"""What was tried on the classifier, each variant measured by source-grouped cross-validation.

    nice -n 10 python bench/classify_experiments.py [--only NAME ...] [--json FILE]

Same real items and folds as ``bench/classify_eval.py``; one line per variant. A change is kept
in :class:`veille.classify.Options` only when these figures say it helps.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classify_eval import CORPUS, field_items  # noqa: E402

from veille import evaluation  # noqa: E402
from veille.classify import Options  # noqa: E402
from veille.examples import Example, load_seed  # noqa: E402
from veille.taxonomy import DEFAULT_TAXONOMY  # noqa: E402

OLD = Options(
    tag_thresholds=False, primary=False, chars=True
)  # the model as it was before issue 18


def _real(e: Example) -> bool:
    return not e.written


def _all(e: Example) -> bool:
    return True


def _old_seed(e: Example) -> bool:  # labels.jsonl only: what the shipped seed was
    return "/" not in e.source


W = {
    "chars": False,
    "title_twice": False,
}  # words only: five times faster to fit; chars measured separately

VARIANTS: dict[str, tuple[Options, Callable[[Example], bool]]] = {
    "old model, old seed (no train-fr)": (OLD, _old_seed),
    "old model (words only), real + team-written": (replace(OLD, **W), _all),
    "old model (words only), real only": (replace(OLD, **W), _real),
    "+ per-tag thresholds": (Options(primary=False, **W), _all),
    "+ primary tag model": (Options(tag_thresholds=False, primary=True, **W), _all),
    "+ thresholds + primary": (Options(primary=True, **W), _all),
    "+ thresholds + primary (unweighted)": (
        Options(primary=True, primary_balanced=False, **W),
        _all,
    ),
    "+ thresholds + primary, real only": (Options(primary=True, **W), _real),
    "+ thresholds, whole text": (Options(max_words=None, **W), _all),
    "+ thresholds, C=1": (Options(c=1.0, **W), _all),
    "+ thresholds, C=16": (Options(c=16.0, **W), _all),
    "+ thresholds, title twice (default)": (Options(), _all),
    "default + primary model (unweighted)": (Options(primary=True, primary_balanced=False), _all),
    "default, real only": (Options(), _real),
    "old model, real + team-written (chars)": (OLD, _all),
    "+ thresholds (chars)": (Options(chars=True, title_twice=False), _all),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "bench/figures/classify_experiments.json"
    )
    args = parser.parse_args()
    seed = load_seed()
    bench, _ = field_items(args.corpus)
    results = json.loads(args.json.read_text()) if args.json.exists() else {}
    for name, (options, trainable) in VARIANTS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        started = time.monotonic()
        report = evaluation.grouped_cross_validate(
            DEFAULT_TAXONOMY, seed, options=options, test_only=bench, trainable=trainable
        )
        results[name] = {
            "relevance_accuracy": report.relevance_accuracy,
            "macro_f1": report.macro_f1,
            "primary_accuracy": report.primary_accuracy,
            "per_tag_f1": {t: m["f1"] for t, m in report.per_tag.items()},
            "seconds": round(time.monotonic() - started, 1),
        }
        print(
            f"{name:40} relevance {report.relevance_accuracy:.3f} · macro-F1 "
            f"{report.macro_f1:.3f} · primary {report.primary_accuracy:.3f} "
            f"({results[name]['seconds']} s)",
            flush=True,
        )
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
