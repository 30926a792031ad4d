"""What curators' labels are worth: macro-F1 on a source the model never saw, as a curator
labels 10, 25, 50 and 100 of its items.

    nice -n 10 python bench/learning_curve.py [--out bench/figures]

For each big real source of the seed (``train-fr.jsonl``): the model starts as the shipped one
would be without that source (the rest of the seed); a curator then labels items of the source,
chosen either by uncertainty (the ones the current model is least sure of, asked in batches,
retraining after each batch, as "Aidez veille à trier" does) or at random (3 draws); each
labelled item joins the training set as a decision, and the model is measured on the source's
items not labelled yet. Writes ``learning_curve.json`` and ``learning_curve.png``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille import classify, evaluation  # noqa: E402
from veille.examples import Example, load_seed  # noqa: E402
from veille.taxonomy import DEFAULT_TAXONOMY  # noqa: E402

STEPS = (0, 10, 25, 50, 100)
DRAWS = 3  # random orders per source
MIN_ITEMS = 150  # a source needs this many items: 100 to label and some left to measure


def _figures(model: classify.Classifier, rest: Sequence[Example]) -> dict[str, float]:
    report = evaluation.evaluate(model, rest)
    return {
        "macro_f1": report.macro_f1,
        "relevance_accuracy": report.relevance_accuracy,
        "primary_accuracy": report.primary_accuracy,
        "measured_on": len(rest),
    }


def _as_decision(e: Example) -> Example:
    return Example(e.id, e.text, e.relevant, e.tags, "decision", e.known_primary, e.source)


def curve(base: Sequence[Example], target: Sequence[Example], order: str, draw: int) -> list[dict]:
    """Figures after each step; ``order`` is "uncertainty" or "random"."""
    rng = random.Random(draw)
    pool = sorted(target, key=lambda e: e.id)
    rng.shuffle(pool)
    labelled: list[Example] = []
    points = []
    model = classify.Classifier(DEFAULT_TAXONOMY).fit(base)
    for step in STEPS:
        want = step - len(labelled)
        if want > 0:
            if order == "uncertainty":
                verdicts = model.predict([e.text for e in pool])
                ranked = sorted(zip(pool, verdicts, strict=True), key=lambda p: p[1].certainty)
                chosen = [e for e, _ in ranked[:want]]
            else:
                chosen = pool[:want]
            ids = {e.id for e in chosen}
            pool = [e for e in pool if e.id not in ids]
            labelled += chosen
            model = classify.Classifier(DEFAULT_TAXONOMY).fit(
                [*base, *(_as_decision(e) for e in labelled)]
            )
        points.append({"labelled": step, **_figures(model, pool)})
        print(f"    {order} #{draw} {step:3} labelled: macro-F1 {points[-1]['macro_f1']:.3f}")
    return points


def plot(results: dict[str, dict[str, list[list[dict]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4), sharey=True)
    for ax, (source, runs) in zip(axes, results.items(), strict=True):
        for order, colour in (("uncertainty", "tab:blue"), ("random", "tab:orange")):
            draws = runs[order]
            xs = [p["labelled"] for p in draws[0]]
            mean = [sum(d[i]["macro_f1"] for d in draws) / len(draws) for i in range(len(xs))]
            for d in draws:
                ax.plot(xs, [p["macro_f1"] for p in d], color=colour, alpha=0.25, lw=1)
            label = f"{order} (mean of {len(draws)})" if len(draws) > 1 else order
            ax.plot(xs, mean, color=colour, marker="o", label=label)
        ax.set_title(source.split("/")[-1], fontsize=10)
        ax.set_xlabel("items labelled by a curator")
        ax.set_xticks(STEPS)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("tag macro-F1 on the source's other items")
    axes[0].legend(loc="lower right")
    fig.suptitle("veille: learning from curators on a source it never saw")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/figures")
    args = parser.parse_args()
    seed = load_seed()
    sizes: dict[str, int] = {}
    for e in seed:
        sizes[e.source] = sizes.get(e.source, 0) + (not e.written)
    sources = sorted(s for s, n in sizes.items() if n >= MIN_ITEMS and "/" in s)
    results: dict[str, dict[str, list[list[dict]]]] = {}
    started = time.monotonic()
    for source in sources:
        print(source)
        base = [e for e in seed if e.source != source]
        target = [e for e in seed if e.source == source]
        results[source] = {
            "uncertainty": [curve(base, target, "uncertainty", 0)],
            "random": [curve(base, target, "random", d) for d in range(DRAWS)],
        }
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for source, runs in results.items():
        at = {s: i for i, s in enumerate(STEPS)}
        summary[source] = {
            order: {
                str(s): round(sum(d[at[s]]["macro_f1"] for d in runs[order]) / len(runs[order]), 4)
                for s in STEPS
            }
            for order in runs
        }
        summary[source]["gain_at_50"] = {
            order: round(summary[source][order]["50"] - summary[source][order]["0"], 4)
            for order in runs
        }
    payload = {"steps": STEPS, "summary": summary, "runs": results}
    (args.out / "learning_curve.json").write_text(json.dumps(payload, indent=1) + "\n")
    plot(results, args.out / "learning_curve.png")
    print(json.dumps(summary, indent=1))
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
