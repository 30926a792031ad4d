"""Relevance and tags: a small scikit-learn model that learns from the curators.

* Features: TF-IDF of French words (elisions split, stop words dropped, 1-2 grams) and of
  character 3-5 grams (robust to inflection: « formateur », « formatrices »), plus the
  taxonomy's seed keywords as binary features.
* Relevance: logistic regression, probabilities calibrated (sigmoid, 3-fold) -> ``score``.
* Tags: one logistic regression per tag, trained on relevant examples. A tag with fewer than
  :data:`MIN_POSITIVES` hand-labelled examples falls back on its keywords (a weak label: two
  keyword hits), so a new tag works before curators have labelled anything for it.
* Why: for each tag given, the words whose weight × TF-IDF pushed it most.

Training data = the hand-labelled seed (``veille/seed/labels.jsonl``) + the curators'
decisions. One example in five (by a hash of its id) is held out and never trained on; the
report and the "not worse" swap rule use it. Models are saved with skops (no pickle), and
loading refuses any type outside scikit-learn, numpy and scipy.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from veille import clock
from veille.config import Tag
from veille.dedup import normalise
from veille.errors import VeilleError
from veille.files import atomic_copy, atomic_write, dated_name

MIN_POSITIVES = 5  # below this many hand-labelled examples, a tag uses its keywords
KEYWORD_HITS = 2  # keyword rule: this many hits of a tag's keywords give the tag
HELD_OUT = 5  # one example in HELD_OUT is held out
MAX_WORDS = 300  # of the article text, after title and summary
WORD_PATTERN = r"(?u)\b\w\w+\b"

# French function words: they carry no topic. Written here rather than taken from a library:
# scikit-learn ships an English list only, and this one must match normalise()'s elision split.
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "où",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "été",
        "être",
        "est",
        "sont",
        "ont",
        "avait",
        "sera",
        "seront",
        "aussi",
        "ainsi",
        "alors",
        "après",
        "avant",
        "bien",
        "comme",
        "dont",
        "donc",
        "encore",
        "entre",
        "fait",
        "faire",
        "peut",
        "plus",
        "sans",
        "selon",
        "si",
        "sous",
        "tous",
        "tout",
        "toute",
        "toutes",
        "très",
        "déjà",
        "lors",
        "cela",
        "ceci",
        "celle",
        "celui",
        "ceux",
        "chez",
        "leurs",
        "afin",
        "car",
        "puis",
        "quand",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "deux",
        "trois",
        "an",
        "ans",
        "the",
        "of",
        "and",
        "to",
        "in",
    ]
)


class ModelError(VeilleError):
    """A model file that cannot be trusted or read, or training that cannot be done."""


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    relevant: bool
    tags: tuple[str, ...] = ()
    origin: str = "seed"  # seed | decision


@dataclass(slots=True)
class Verdict:
    relevant: bool
    score: float
    tags: list[str]
    why: dict[str, list[str]]


def prepare(text: str) -> str:
    """Lower-case French words, elisions split, stop words and single letters dropped."""
    return " ".join(w for w in normalise(text) if len(w) > 1 and w not in STOP_WORDS)


def article_text(title: str, summary: str, text: str) -> str:
    """What the model reads of an article: title, summary and the start of the text."""
    words = text.split()
    return "\n".join(p for p in (title, summary, " ".join(words[:MAX_WORDS])) if p)


def is_held_out(example_id: str) -> bool:
    return int(hashlib.sha1(example_id.encode()).hexdigest()[:8], 16) % HELD_OUT == 0  # noqa: S324


def load_seed(path: Path | None = None) -> list[Example]:
    """The hand-labelled seed set shipped with veille (or another labels.jsonl)."""
    if path is None:
        source = resources.files("veille") / "seed" / "labels.jsonl"
        lines = source.read_text(encoding="utf-8").splitlines()
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    examples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = "\n".join(p for p in (row["title"], row.get("text") or "") if p)
            examples.append(
                Example(row["id"], text, bool(row["relevant"]), tuple(row.get("tags") or ()))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"seed labels line {number}: {exc}") from None
    return examples


def taxonomy_fingerprint(taxonomy: Sequence[Tag]) -> str:
    """A short hash of the taxonomy: a model is only used with the taxonomy it learnt."""
    data = json.dumps([t.model_dump() for t in taxonomy], sort_keys=True, default=list)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def seed_digest(path: Path | None = None) -> str:
    if path is None:
        data = (resources.files("veille") / "seed" / "labels.jsonl").read_bytes()
    else:
        data = path.read_bytes()
    return hashlib.sha256(data).hexdigest()


class Classifier:
    """Features + relevance model + one model (or keyword rule) per tag."""

    def __init__(self, taxonomy: Sequence[Tag]) -> None:
        self.tag_ids = [t.id for t in taxonomy]
        self.keywords = {t.id: [prepare(k) for k in t.keywords if prepare(k)] for t in taxonomy}
        vocabulary = sorted({k for ks in self.keywords.values() for k in ks})
        self.words = TfidfVectorizer(
            token_pattern=WORD_PATTERN,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
            max_features=50_000,
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            lowercase=False,
            ngram_range=(3, 5),
            sublinear_tf=True,
            min_df=2,
            max_features=100_000,
        )
        self.keyword_counts = (
            CountVectorizer(
                token_pattern=WORD_PATTERN,
                lowercase=False,
                ngram_range=(1, 3),
                vocabulary=vocabulary,
            )
            if vocabulary
            else None
        )
        self.relevance: CalibratedClassifierCV | None = None
        self.relevance_linear: LogisticRegression | None = None
        self.tag_models: dict[str, LogisticRegression | None] = {}

    # -- features --------------------------------------------------------------------------

    def _features(self, prepared: Sequence[str], fit: bool = False) -> sp.csr_matrix:
        if fit:
            words = self.words.fit_transform(prepared)
            chars = self.chars.fit_transform(prepared)
        else:
            words = self.words.transform(prepared)
            chars = self.chars.transform(prepared)
        blocks = [words, chars]
        if self.keyword_counts is not None:
            blocks.append(self.keyword_counts.transform(prepared).astype(np.float64) * 0.5)
        return sp.hstack(blocks, format="csr")

    def _keyword_hits(self, prepared: str, tag: str) -> int:
        padded = f" {prepared} "
        return sum(padded.count(f" {k} ") for k in self.keywords.get(tag, ()))

    # -- training --------------------------------------------------------------------------

    def fit(self, examples: Sequence[Example]) -> Classifier:
        if len({e.relevant for e in examples}) < 2:
            raise ModelError("training needs relevant and off-topic examples")
        prepared = [prepare(e.text) for e in examples]
        x = self._features(prepared, fit=True)
        for vectorizer in (self.words, self.chars, self.keyword_counts):
            _compact(vectorizer)
        y = np.array([e.relevant for e in examples])
        linear = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)
        folds = min(3, int(min(Counter(y.tolist()).values())))
        if folds >= 2:
            self.relevance = CalibratedClassifierCV(linear, method="sigmoid", cv=folds).fit(x, y)
        self.relevance_linear = LogisticRegression(
            C=4.0, class_weight="balanced", max_iter=3000
        ).fit(x, y)
        relevant = np.flatnonzero(y)
        for tag in self.tag_ids:
            labels = np.array([tag in examples[i].tags for i in relevant.tolist()])
            if labels.sum() < MIN_POSITIVES or labels.all():
                self.tag_models[tag] = None  # keyword rule
                continue
            self.tag_models[tag] = LogisticRegression(
                C=4.0, class_weight="balanced", max_iter=3000
            ).fit(x[relevant], labels)
        return self

    # -- prediction ------------------------------------------------------------------------

    def predict(self, texts: Sequence[str], threshold: float = 0.5) -> list[Verdict]:
        if self.relevance_linear is None:
            raise ModelError("the model is not trained")
        prepared = [prepare(t) for t in texts]
        x = self._features(prepared)
        model = self.relevance if self.relevance is not None else self.relevance_linear
        scores = model.predict_proba(x)[:, list(model.classes_).index(True)]
        tag_proba: dict[str, np.ndarray] = {}
        for tag, est in self.tag_models.items():
            if est is not None:
                tag_proba[tag] = est.predict_proba(x)[:, list(est.classes_).index(True)]
        verdicts = []
        for i, score in enumerate(scores):
            relevant = bool(score >= threshold)
            tags: list[str] = []
            if relevant:
                for tag in self.tag_ids:
                    if tag in tag_proba:
                        if tag_proba[tag][i] >= 0.5:
                            tags.append(tag)
                    elif self._keyword_hits(prepared[i], tag) >= KEYWORD_HITS:
                        tags.append(tag)
                if not tags and tag_proba:
                    tags = [max(tag_proba, key=lambda t: tag_proba[t][i])]
                if not tags:  # no tag model at all: the tag with most keyword hits, if any
                    hits = {t: self._keyword_hits(prepared[i], t) for t in self.tag_ids}
                    best = max(hits, key=lambda t: hits[t])
                    tags = [best] if hits[best] else []
            # Most probable tag first: the digest files the article under its first tag.
            tags.sort(key=lambda t: -float(tag_proba[t][i]) if t in tag_proba else 0.0)
            why = {tag: self._why(x[i], prepared[i], tag) for tag in tags}
            why["relevance"] = self._why(x[i], prepared[i], None)
            verdicts.append(Verdict(relevant, round(float(score), 4), tags, why))
        return verdicts

    def _word_names(self) -> np.ndarray:
        names: np.ndarray | None = getattr(self, "_names", None)
        if names is None:
            names = self._names = self.words.get_feature_names_out()
        return names

    def _why(self, row: sp.csr_matrix, prepared: str, tag: str | None, top: int = 5) -> list[str]:
        """The words that pushed this tag (or relevance) most for this article."""
        est = self.relevance_linear if tag is None else self.tag_models.get(tag)
        if est is None:
            if tag is None:
                return []
            padded = f" {prepared} "
            return [k for k in self.keywords.get(tag, ()) if f" {k} " in padded][:top]
        n_words = len(self.words.vocabulary_)
        coef = est.coef_[0]
        sign = 1.0 if list(est.classes_).index(True) == 1 else -1.0
        start, end = row.indptr[0], row.indptr[1]
        cols, vals = row.indices[start:end], row.data[start:end]
        mask = cols < n_words
        contrib = sign * coef[cols[mask]] * vals[mask]
        order = np.argsort(-contrib)
        names = self._word_names()
        return [str(names[cols[mask][j]]) for j in order[:top] if contrib[j] > 0]


# -- evaluation --------------------------------------------------------------------------------


@dataclass
class Report:
    examples: int
    relevance_accuracy: float
    relevance_precision: float
    relevance_recall: float
    macro_f1: float
    per_tag: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: list[tuple[str, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(model: Classifier, examples: Sequence[Example], threshold: float = 0.5) -> Report:
    verdicts = model.predict([e.text for e in examples], threshold)
    return score(examples, verdicts, model.tag_ids)


def score(
    examples: Sequence[Example], verdicts: Sequence[Verdict], tag_ids: Sequence[str]
) -> Report:
    """Relevance accuracy over all examples; tag P/R/F1 over truly relevant examples."""
    pairs = list(zip(examples, verdicts, strict=True))
    correct = sum(e.relevant == v.relevant for e, v in pairs)
    tp = sum(e.relevant and v.relevant for e, v in pairs)
    predicted_pos = sum(v.relevant for _, v in pairs)
    actual_pos = sum(e.relevant for e, _ in pairs)
    per_tag: dict[str, dict[str, float]] = {}
    confusion: Counter[tuple[str, str]] = Counter()
    relevant_pairs = [(e, v) for e, v in pairs if e.relevant]
    for tag in tag_ids:
        t_tp = sum(tag in e.tags and tag in v.tags for e, v in relevant_pairs)
        t_fp = sum(tag not in e.tags and tag in v.tags for e, v in relevant_pairs)
        t_fn = sum(tag in e.tags and tag not in v.tags for e, v in relevant_pairs)
        support = t_tp + t_fn
        p = t_tp / (t_tp + t_fp) if t_tp + t_fp else 0.0
        r = t_tp / support if support else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_tag[tag] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    for e, v in relevant_pairs:
        for missed in set(e.tags) - set(v.tags):
            for wrong in set(v.tags) - set(e.tags):
                confusion[(missed, wrong)] += 1
    scored = [m["f1"] for m in per_tag.values() if m["support"]]
    return Report(
        examples=len(pairs),
        relevance_accuracy=round(correct / len(pairs), 4) if pairs else 0.0,
        relevance_precision=round(tp / predicted_pos, 4) if predicted_pos else 0.0,
        relevance_recall=round(tp / actual_pos, 4) if actual_pos else 0.0,
        macro_f1=round(sum(scored) / len(scored), 4) if scored else 0.0,
        per_tag=per_tag,
        # Most frequent first, ties by name: the same figures give the same report.
        confusion=[(a, b, n) for (a, b), n in sorted(confusion.items(), key=_by_count)[:8]],
    )


def _by_count(item: tuple[tuple[str, str], int]) -> tuple[int, str, str]:
    (a, b), n = item
    return -n, a, b


def cross_validate(
    taxonomy: Sequence[Tag], examples: Sequence[Example], folds: int = 5, threshold: float = 0.5
) -> Report:
    """K-fold predictions over the training examples (folds by a hash of the id)."""
    verdicts: list[Verdict | None] = [None] * len(examples)
    fold_of = [int(hashlib.sha1(e.id.encode()).hexdigest()[8:16], 16) % folds for e in examples]  # noqa: S324
    for k in range(folds):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != k]
        test = [i for i, f in enumerate(fold_of) if f == k]
        if not test:
            continue
        model = Classifier(taxonomy).fit(train)
        for i, v in zip(
            test, model.predict([examples[i].text for i in test], threshold), strict=True
        ):
            verdicts[i] = v
    done = [(e, v) for e, v in zip(examples, verdicts, strict=True) if v is not None]
    return score([e for e, _ in done], [v for _, v in done], [t.id for t in taxonomy])


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out): the held-out fifth is chosen by a hash of each example's id."""
    train: list[Example] = []
    held: list[Example] = []
    for e in examples:
        (held if is_held_out(e.id) else train).append(e)
    return train, held


# -- model files -------------------------------------------------------------------------------


def _compact(vectorizer: Any) -> None:
    """Make a fitted vectorizer cheap to save and load.

    skops stores every numpy scalar as its own entry of the zip file, and looks the archive's
    names up linearly for each one: a 50,000-term vocabulary of numpy ints took 70 s to save and
    9 s to load. Plain ints are stored as one JSON value. ``stop_words_`` (the terms cut by
    max_features/min_df) is only kept for introspection; scikit-learn documents that it can be
    deleted before persisting.
    """
    if vectorizer is None:
        return
    vocabulary = getattr(vectorizer, "vocabulary_", None)
    if vocabulary is not None:
        vectorizer.vocabulary_ = {term: int(index) for term, index in vocabulary.items()}
    if hasattr(vectorizer, "stop_words_"):
        del vectorizer.stop_words_


KEEP_MODELS = 5  # model versions kept on disk (each is a few MB)
MODEL_TIME = "%Y%m%dT%H%M%S%fZ"  # model-<this>.skops: names sort in time order
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


_LOADED: dict[tuple[str, int, int], Classifier] = {}  # ModelStore.load's one-model cache


class ModelStore:
    """Versioned model files in a folder: ``model-<time>.skops`` + ``.json``, and ``current``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def pointer(self) -> Path:
        return self.folder / "current.json"

    def current_meta(self) -> dict[str, Any] | None:
        try:
            name = json.loads(self.pointer.read_text())["model"]
            meta: dict[str, Any] = json.loads((self.folder / f"{name}.json").read_text())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, OSError) as exc:
            raise ModelError(
                f"{self.pointer}: unreadable ({exc}). Hint: delete it and run `veille train`."
            ) from None
        return meta

    def load_current(self) -> tuple[Classifier, dict[str, Any]] | None:
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
            setattr(model, key, value)
        return model

    def save(self, model: Classifier, meta: dict[str, Any], *, make_current: bool) -> str:
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
            )
        }
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

    def adopt(self, path: Path, meta: dict[str, Any]) -> str:
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
