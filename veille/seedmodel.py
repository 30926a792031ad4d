"""The model shipped with veille, trained from the seed: a new database classifies its first run
at once instead of training one (about 4 s on an idle machine, 20 s and more on a busy one).

``veille/seed/model.skops`` and ``model.json`` (its training record: seed checksum, taxonomy
fingerprint, scikit-learn version, held-out figures) are built by::

    python -m veille.seedmodel

Run it after changing the seed (``labels.jsonl``) or the default taxonomy; the test suite fails
while the shipped model no longer matches them. A database whose taxonomy differs from the
default one, or whose curators have already decided something, trains its own model as before.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from importlib import resources
from pathlib import Path

import sklearn

from veille import classify, clock, evaluation, modelfiles
from veille.examples import TRAIN_ON_WRITTEN, load_seed, seed_digest, split
from veille.models import ModelRecord
from veille.taxonomy import DEFAULT_TAXONOMY, Tag

NAME = "model"


def folder() -> Path:
    """Where the shipped model lives (inside the installed package)."""
    return Path(str(resources.files("veille") / "seed"))


def shipped_meta() -> ModelRecord | None:
    """The shipped model's training record, or None when no model is shipped."""
    try:
        meta: ModelRecord = json.loads((folder() / f"{NAME}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return meta


def usable_for(fingerprint: str) -> bool:
    """Whether the shipped model was trained on this seed, this taxonomy and this scikit-learn."""
    meta = shipped_meta()
    training = meta.get("training_data") if meta is not None else None
    return (
        meta is not None
        and training is not None
        and (folder() / f"{NAME}.skops").is_file()
        and meta.get("taxonomy") == fingerprint
        and meta.get("sklearn") == sklearn.__version__
        and training.get("seed_sha256") == seed_digest()
    )


def install(models: modelfiles.ModelStore) -> str:
    """Copy the shipped model into ``models`` as its current version; returns its name there."""
    meta = shipped_meta()
    assert meta is not None
    shipped = meta.copy()
    shipped["origin"] = "shipped"
    return models.adopt(folder() / f"{NAME}.skops", shipped)


def build(out: Path, taxonomy: tuple[Tag, ...] = DEFAULT_TAXONOMY) -> ModelRecord:
    """Train from the seed alone (held-out fifth excluded, as ``veille train`` does) into
    ``out/model.skops`` and ``out/model.json``; returns the training record."""
    examples = [
        replace(e, tags=tuple(t for t in e.tags if t in _ids(taxonomy)))
        for e in load_seed()
        if TRAIN_ON_WRITTEN or not e.written
    ]
    training, held_out = split(examples)
    model = classify.Classifier(taxonomy).fit(training)
    report = evaluation.evaluate(model, held_out, 0.5)
    meta: ModelRecord = {
        "created_at": clock.now().isoformat(),
        "taxonomy": modelfiles.taxonomy_fingerprint(taxonomy),
        "training_examples": len(training),
        "held_out_examples": len(held_out),
        "held_out": report.as_dict(),
        "training_data": {
            "seed_sha256": seed_digest(),
            "seed_examples": len(examples),
            "decisions": 0,
            "last_decision": None,
        },
    }
    staging = modelfiles.ModelStore(out / ".build")
    name = staging.save(model, meta, make_current=False)
    saved = json.loads((staging.folder / f"{name}.json").read_text("utf-8"))
    shutil.move(staging.folder / f"{name}.skops", out / f"{NAME}.skops")
    (out / f"{NAME}.json").write_text(
        json.dumps({**saved, "name": NAME}, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    shutil.rmtree(staging.folder)
    return meta


def _ids(taxonomy: tuple[Tag, ...]) -> set[str]:
    return {t.id for t in taxonomy}


if __name__ == "__main__":
    record = build(Path(sys.argv[1]) if len(sys.argv) > 1 else folder())
    held = record["held_out"]
    print(
        f"shipped model: {record['training_examples']} examples, held-out relevance accuracy "
        f"{held['relevance_accuracy']}, tag macro-F1 {held['macro_f1']}"
    )
