"""The classifier's files: versioned models in a folder, saved and read safely.

Models are saved with skops (no pickle), and loading refuses any type outside scikit-learn,
numpy and scipy. A model records the taxonomy it learnt (:func:`taxonomy_fingerprint`) and is
only used with it. Saving is made cheap: the vectorizers' vocabularies are stored as one array
of terms each, and the files are deflated.
"""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops.io as sio

from veille import clock
from veille.classify import Classifier
from veille.errors import ModelError
from veille.files import atomic_copy, atomic_write, dated_name
from veille.models import ModelRecord
from veille.taxonomy import Tag

TERMS = "@terms"  # key suffix of a vectorizer's vocabulary in a model file
KEEP_MODELS = 5  # model versions kept on disk (each is a few MB)
MODEL_TIME = "%Y%m%dT%H%M%S%fZ"  # model-<this>.skops: names sort in time order
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def taxonomy_fingerprint(taxonomy: Sequence[Tag]) -> str:
    """A short hash of the taxonomy: a model is only used with the taxonomy it learnt. Where a
    tag is filed in the Qualiopi register (``also``) teaches the model nothing: left out, so
    that the models made before it existed stay usable."""
    tags = [t.model_dump(exclude={"also"}) for t in taxonomy]
    data = json.dumps(tags, sort_keys=True, default=list)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _terms(vectorizer: Any) -> tuple[Any, np.ndarray]:
    """A copy of a fitted vectorizer without its vocabulary, and the vocabulary as one array of
    terms in column order (rebuilt into a dict on load).

    skops makes one entry per value of a dict and audits each of them on load: a 50,000-term
    vocabulary took 2.3 s to load that way; one numpy array of strings is one entry.
    """
    vocabulary = vectorizer.vocabulary_
    terms = np.empty(len(vocabulary), dtype=object)
    for term, index in vocabulary.items():
        terms[index] = term
    bare = copy.copy(vectorizer)
    del bare.vocabulary_
    return bare, terms.astype(str)


_LOADED: dict[tuple[str, int, int], Classifier] = {}  # ModelStore.load's one-model cache


class ModelStore:
    """Versioned model files in a folder: ``model-<time>.skops`` + ``.json``, and ``current``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def pointer(self) -> Path:
        return self.folder / "current.json"

    def current_meta(self) -> ModelRecord | None:
        try:
            name = json.loads(self.pointer.read_text())["model"]
            meta: ModelRecord = json.loads((self.folder / f"{name}.json").read_text())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, OSError) as exc:
            raise ModelError(
                f"{self.pointer}: unreadable ({exc}). Hint: delete it and run `veille train`."
            ) from None
        return meta

    def latest_meta(self) -> ModelRecord | None:
        """The record of the newest model trained here, current or kept aside."""
        for path in sorted(self.folder.glob("model-*.json"), reverse=True):
            try:
                meta: ModelRecord = json.loads(path.read_text())
            except (ValueError, OSError):
                continue
            return meta
        return None

    def load_current(self) -> tuple[Classifier, ModelRecord] | None:
        meta = self.current_meta()
        if meta is None:
            return None
        return self.load(self.folder / f"{meta['name']}.skops"), meta

    def load(self, path: Path) -> Classifier:
        """The model in ``path``, read once per process while the file does not change (a
        long-lived process, the web app or the scheduler, classifies every run without paying
        the ~1.5 s of reading it again)."""
        try:
            stat = path.stat()
        except OSError as exc:
            raise ModelError(f"{path}: not a readable model file ({exc})") from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        cached = _LOADED.get(key)
        if cached is None:
            cached = self._read(path)
            _LOADED.clear()  # keep one model in memory: the current one
            _LOADED[key] = cached
        return cached

    def _read(self, path: Path) -> Classifier:
        try:
            untrusted = sio.get_untrusted_types(file=path)
        except Exception as exc:  # noqa: BLE001 — skops raises many kinds on a damaged file
            raise ModelError(f"{path}: not a readable model file ({exc})") from None
        foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if foreign:
            raise ModelError(
                f"{path}: refused, it contains types veille does not trust ({', '.join(foreign)}). "
                "Hint: delete the file and run `veille train`."
            )
        state = sio.load(path, trusted=untrusted)
        model = Classifier.__new__(Classifier)
        for key, value in state.items():
            if key.endswith(TERMS):
                vectorizer = state[key.removesuffix(TERMS)]
                vectorizer.vocabulary_ = {str(t): i for i, t in enumerate(value.tolist())}
            else:
                setattr(model, key, value)
        return model

    def save(self, model: Classifier, meta: ModelRecord, *, make_current: bool) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = dated_name(self.folder, "model", clock.now(), ".skops", MODEL_TIME).stem
        state = {
            k: getattr(model, k)
            for k in (
                "tag_ids",
                "keywords",
                "words",
                "chars",
                "keyword_counts",
                "relevance",
                "relevance_linear",
                "tag_models",
                "max_words",
                "c",
                "use_thresholds",
                "use_primary",
                "title_twice",
                "primary_balanced",
                "thresholds",
                "primary_model",
            )
        }
        for key in ("words", "chars"):  # vocabularies as one array of terms: see _terms()
            if state[key] is not None:
                state[key], state[key + TERMS] = _terms(state[key])
        meta = {**meta, "name": name, "sklearn": sklearn.__version__}
        # Deflate: the vocabularies are text, a model shrinks about fourfold.
        data = sio.dumps(state, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        atomic_write(self.folder / f"{name}.skops", data)
        atomic_write(
            self.folder / f"{name}.json", json.dumps(meta, indent=2, ensure_ascii=False).encode()
        )
        if make_current:
            atomic_write(self.pointer, json.dumps({"model": name}).encode())
        self.prune()
        return name

    def adopt(self, path: Path, meta: ModelRecord) -> str:
        """Copy a model file made elsewhere (the shipped one) in as the current version."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = dated_name(self.folder, "model", clock.now(), ".skops", MODEL_TIME).stem
        atomic_copy(path, self.folder / f"{name}.skops")
        atomic_write(
            self.folder / f"{name}.json",
            json.dumps({**meta, "name": name}, indent=2, ensure_ascii=False).encode(),
        )
        atomic_write(self.pointer, json.dumps({"model": name}).encode())
        self.prune()
        return name

    def prune(self, keep: int = KEEP_MODELS) -> list[str]:
        """Delete all but the ``keep`` newest models; the current one is always kept."""
        meta = self.current_meta()
        current = meta["name"] if meta else None
        names = sorted(p.stem for p in self.folder.glob("model-*.skops"))
        doomed = [n for n in names[:-keep] if n != current] if keep > 0 else []
        for name in doomed:
            for suffix in (".skops", ".json"):
                (self.folder / f"{name}{suffix}").unlink(missing_ok=True)
        return doomed
