"""How good the classifier is, measured the honest way: on publishers it never saw.

:func:`grouped_cross_validate` holds out whole sources: each fold trains on every other source
and predicts the held-out one, so a model is never judged on the register of a publisher whose
texts it learnt. Items written by the team are trained on (when kept) but never scored: only real
texts count. Items marked ``test_only`` (labels we may not train on) are scored by a model
trained on every trainable item.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from veille.classify import Classifier, Options, Verdict
from veille.examples import Example
from veille.taxonomy import Tag

BIG_SOURCE = 40  # a source with this many items or more is a fold of its own
SMALL_FOLDS = 3  # the other sources are dealt into this many folds (by a hash of their name)


@dataclass
class Report:
    examples: int
    relevance_accuracy: float
    relevance_precision: float
    relevance_recall: float
    macro_f1: float
    per_tag: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: list[tuple[str, str, int]] = field(default_factory=list)
    primary_accuracy: float = 0.0  # first tag given == the curator's section, relevant items
    primary_support: int = 0
    primary_confusion: list[tuple[str, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(model: Classifier, examples: Sequence[Example], threshold: float = 0.5) -> Report:
    verdicts = model.predict([e.text for e in examples], threshold)
    return score(examples, verdicts, model.tag_ids)


def score(
    examples: Sequence[Example], verdicts: Sequence[Verdict], tag_ids: Sequence[str]
) -> Report:
    """Relevance accuracy over all examples; tag P/R/F1 and primary tag over relevant ones."""
    pairs = list(zip(examples, verdicts, strict=True))
    correct = sum(e.relevant == v.relevant for e, v in pairs)
    tp = sum(e.relevant and v.relevant for e, v in pairs)
    predicted_pos = sum(v.relevant for _, v in pairs)
    actual_pos = sum(e.relevant for e, _ in pairs)
    relevant_pairs = [(e, v) for e, v in pairs if e.relevant]
    per_tag = {tag: _tag_figures(tag, relevant_pairs) for tag in tag_ids}
    confusion: Counter[tuple[str, str]] = Counter()
    for e, v in relevant_pairs:
        for missed in set(e.tags) - set(v.tags):
            for wrong in set(v.tags) - set(e.tags):
                confusion[(missed, wrong)] += 1
    primary: Counter[tuple[str, str]] = Counter()
    with_primary = [(e.known_primary, v) for e, v in relevant_pairs if e.known_primary]
    for expected, v in with_primary:
        given = v.tags[0] if v.tags else "(off-topic)"
        if given != expected:
            primary[(str(expected), given)] += 1
    scored = [m["f1"] for m in per_tag.values() if m["support"]]
    right = len(with_primary) - sum(primary.values())
    return Report(
        examples=len(pairs),
        relevance_accuracy=_ratio(correct, len(pairs)),
        relevance_precision=_ratio(tp, predicted_pos),
        relevance_recall=_ratio(tp, actual_pos),
        macro_f1=round(sum(scored) / len(scored), 4) if scored else 0.0,
        per_tag=per_tag,
        # Most frequent first, ties by name: the same figures give the same report.
        confusion=_top(confusion),
        primary_accuracy=_ratio(right, len(with_primary)),
        primary_support=len(with_primary),
        primary_confusion=_top(primary),
    )


def _tag_figures(tag: str, pairs: Sequence[tuple[Example, Verdict]]) -> dict[str, float]:
    t_tp = sum(tag in e.tags and tag in v.tags for e, v in pairs)
    t_fp = sum(tag not in e.tags and tag in v.tags for e, v in pairs)
    support = sum(tag in e.tags for e, _ in pairs)
    p = t_tp / (t_tp + t_fp) if t_tp + t_fp else 0.0
    r = t_tp / support if support else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": support}


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _top(counts: Counter[tuple[str, str]], n: int = 8) -> list[tuple[str, str, int]]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(a, b, k) for (a, b), k in ordered[:n]]


def source_folds(examples: Sequence[Example]) -> list[set[str]]:
    """Sets of sources, each held out together: a big source alone, small ones in a few folds."""
    sizes = Counter(e.source for e in examples if not e.written)
    folds = [{s} for s, n in sorted(sizes.items()) if n >= BIG_SOURCE]
    small: list[set[str]] = [set() for _ in range(SMALL_FOLDS)]
    for s, n in sorted(sizes.items()):
        if n < BIG_SOURCE:
            small[int(hashlib.sha1(s.encode()).hexdigest()[:8], 16) % SMALL_FOLDS].add(s)  # noqa: S324
    return folds + [f for f in small if f]


def grouped_predictions(
    taxonomy: Sequence[Tag],
    examples: Sequence[Example],
    *,
    options: Options | None = None,
    test_only: Sequence[Example] = (),
    trainable: Callable[[Example], bool] = lambda e: True,
    make: Callable[[], Classifier] | None = None,
    threshold: float = 0.5,
) -> list[tuple[Example, Verdict]]:
    """Each real example predicted by a model that never saw its source (and trained only on
    the examples ``trainable`` accepts)."""
    build = make or (lambda: Classifier(taxonomy, options))
    pool = [e for e in examples if trainable(e)]
    out: list[tuple[Example, Verdict]] = []
    for held in source_folds(examples):
        tested = [e for e in examples if e.source in held and not e.written]
        model = build().fit([e for e in pool if e.source not in held])
        out += zip(tested, model.predict([e.text for e in tested], threshold), strict=True)
    if test_only:
        model = build().fit(pool)
        out += zip(test_only, model.predict([e.text for e in test_only], threshold), strict=True)
    return out


def grouped_cross_validate(
    taxonomy: Sequence[Tag], examples: Sequence[Example], **kwargs: Any
) -> Report:
    """The source-grouped figures over every real example (and ``test_only`` ones)."""
    done = grouped_predictions(taxonomy, examples, **kwargs)
    return score([e for e, _ in done], [v for _, v in done], [t.id for t in taxonomy])
