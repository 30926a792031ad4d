"""Relevance and tags in a pass: the current model, retraining from the curators' decisions
when enough arrived (a new model is used only if it is not worse), and scoring new articles."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from veille import clock, triage
from veille.config import Config
from veille.examples import TRAIN_ON_WRITTEN, Example, article_text, load_seed, seed_digest, split
from veille.models import Decision, ModelRecord, TrainingData
from veille.records import ClassifySummary
from veille.store import Store, pause_point

if TYPE_CHECKING:
    from veille import classify, evaluation


def current_model(config: Config, store: Store) -> tuple[classify.Classifier, str, bool]:
    """The current model, or one trained now from seed and decisions (first run, new taxonomy).

    Returns (model, its name, whether it was trained now).
    """
    from veille import modelfiles, seedmodel  # imported when needed: scikit-learn takes ~1 s

    models = modelfiles.ModelStore(config.models_path(store.path))
    fingerprint = modelfiles.taxonomy_fingerprint(config.taxonomy)
    loaded = models.load_current()
    if loaded is not None and loaded[1].get("taxonomy") == fingerprint:
        return loaded[0], loaded[1]["name"], False
    if seedmodel.usable_for(fingerprint) and not store.decisions():
        name = seedmodel.install(models)  # the model shipped with veille: no training
        return models.load(models.folder / f"{name}.skops"), name, False
    result = train(config, store, force=True)
    assert result.model is not None and result.swapped, result
    return result.model, result.name, True  # not read back from disk: that takes ~1.5 s


def new_decisions(config: Config, store: Store) -> int:
    """Curators' decisions taken since the newest model was trained (made current or not: a
    model that was worse is not retrained at every run until new decisions arrive)."""
    return _newer_than_model(config, store, store.decisions())


def _newer_than_model(config: Config, store: Store, decisions: list[Decision]) -> int:
    from veille import modelfiles  # scikit-learn: only once there are decisions to count

    meta = modelfiles.ModelStore(config.models_path(store.path)).latest_meta()
    if meta is None:
        return 0
    training = meta.get("training_data")
    last = (training["last_decision"] if training is not None else None) or 0
    return sum(1 for d in decisions if d.id > last)


def retrain_if_due(
    config: Config, store: Store, *, after: int = triage.RETRAIN_AFTER
) -> TrainResult | None:
    """Retrain when ``after`` decisions or more arrived since the current model; the new model
    replaces it only if it is not worse on the held-out examples (:func:`train`)."""
    decisions = store.decisions()
    if len(decisions) < after or _newer_than_model(config, store, decisions) < after:
        return None  # fewer decisions than that in all: not even scikit-learn is imported
    return train(config, store)


def classify_new(
    config: Config, store: Store, *, batch: int = 2000, retrain_after: int = triage.RETRAIN_AFTER
) -> ClassifySummary:
    """Score and tag every article no model has seen yet (after a retrain, when enough curator
    decisions arrived since the current model: see :func:`retrain_if_due`)."""
    started = time.monotonic()
    summary = ClassifySummary()
    pause_point("classification")
    retrained = retrain_if_due(config, store, after=retrain_after)
    summary.retrained = retrained.swapped if retrained is not None else None
    rows = store.articles_to_classify(limit=batch)
    if not rows:  # nothing new: not even scikit-learn is imported (1-7 s) nor the model loaded
        summary.seconds = time.monotonic() - started
        return summary
    model, name, summary.trained = current_model(config, store)
    summary.model = name
    hints = {s.id: [t for t in s.tags if t in config.tag_ids()] for s in config.sources}
    threshold = config.settings.relevance_threshold
    while rows:
        verdicts = model.predict(
            [article_text(title, summ, text) for _, _, title, summ, text in rows],
            threshold,
        )
        out = []
        for (aid, source_id, *_), v in zip(rows, verdicts, strict=True):
            tags = v.tags
            if v.relevant:  # a source's tags are hints: its relevant articles carry them
                extra = [t for t in hints.get(source_id, []) if t not in tags]
                tags = [*tags, *(t for t in config.tag_ids() if t in extra)]
            out.append((aid, v.relevant, v.score, tags, json.dumps(v.why, ensure_ascii=False)))
            summary.off_topic += not v.relevant
        store.save_classification(name, out)
        summary.articles += len(rows)
        rows = store.articles_to_classify(limit=batch)
    summary.seconds = time.monotonic() - started
    return summary


def training_examples(config: Config, store: Store) -> tuple[list[Example], TrainingData]:
    """Seed examples (tags outside the taxonomy dropped) + one example per curator decision."""
    known = set(config.tag_ids())
    examples = {
        e.id: replace(e, tags=tuple(t for t in e.tags if t in known))
        for e in load_seed()
        if TRAIN_ON_WRITTEN or not e.written
    }
    decisions = store.decisions()
    for d in decisions:
        text = article_text(d.title, d.summary, d.text)
        tags = tuple(t for t in d.tags if t in known) if d.relevant else ()
        # A retag puts the curator's section first; a keep only confirms the model's tags.
        primary = tags[0] if d.kind == "tags" and tags else None
        examples[d.article_id] = Example(
            d.article_id, text, bool(d.relevant), tags, "decision", primary, d.source_id
        )
    provenance: TrainingData = {
        "seed_sha256": seed_digest(),
        "seed_examples": sum(1 for e in examples.values() if e.origin == "seed"),
        "decisions": len(decisions),
        "last_decision": max((d.id for d in decisions), default=None),
    }
    return list(examples.values()), provenance


@dataclass(slots=True)
class TrainResult:
    name: str
    swapped: bool
    reason: str
    held_out: evaluation.Report
    current_held_out: evaluation.Report | None
    cross_validation: evaluation.Report | None
    provenance: TrainingData
    model: classify.Classifier | None = field(default=None, repr=False)  # the one just trained

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.name,
            "swapped": self.swapped,
            "reason": self.reason,
            "held_out": self.held_out.as_dict(),
            "current_held_out": self.current_held_out.as_dict() if self.current_held_out else None,
            "cross_validation": (
                self.cross_validation.as_dict() if self.cross_validation else None
            ),
            "training_data": self.provenance,
        }


def train(
    config: Config, store: Store, *, report: bool = False, force: bool = False
) -> TrainResult:
    """Train from seed + decisions; make it current only if it is not worse on the held-out set.

    The held-out fifth (by a hash of each example id) is never trained on. The current model
    is measured on the same held-out examples, so the comparison is like for like.
    """
    from veille import classify, evaluation, modelfiles  # scikit-learn: when needed

    examples, provenance = training_examples(config, store)
    training, held_out = split(examples)
    threshold = config.settings.relevance_threshold
    model = classify.Classifier(config.taxonomy).fit(training)
    new_report = evaluation.evaluate(model, held_out, threshold)
    models = modelfiles.ModelStore(config.models_path(store.path))
    current = models.load_current()
    current_report = None
    fingerprint = modelfiles.taxonomy_fingerprint(config.taxonomy)
    if current is not None and current[1].get("taxonomy") == fingerprint:
        current_report = evaluation.evaluate(current[0], held_out, threshold)
    if force or current_report is None:
        swapped, reason = True, "no current model for this taxonomy" if not force else "forced"
    elif (
        new_report.macro_f1 >= current_report.macro_f1
        and new_report.relevance_accuracy >= current_report.relevance_accuracy
    ):
        swapped, reason = True, "not worse than the current model on the held-out examples"
    else:
        swapped, reason = False, "worse than the current model on the held-out examples"
    cv = None
    if report:  # judged on publishers it never saw: whole sources held out, real texts only
        cv = evaluation.grouped_cross_validate(config.taxonomy, examples, threshold=threshold)
    meta: ModelRecord = {
        "created_at": clock.now().isoformat(),
        "taxonomy": fingerprint,
        "training_examples": len(training),
        "held_out_examples": len(held_out),
        "held_out": new_report.as_dict(),
        "training_data": provenance,
    }
    name = models.save(model, meta, make_current=swapped)
    if swapped and current is not None:
        store.forget_classification(since=clock.now() - timedelta(days=90))
    return TrainResult(name, swapped, reason, new_report, current_report, cv, provenance, model)
