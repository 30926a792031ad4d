"""Relevance and tags: a small scikit-learn model that learns from the curators.

* Features: TF-IDF of French words (elisions split, stop words dropped, 1-2 grams) and of
  character 3-5 grams (robust to inflection: « formateur », « formatrices »), plus the
  taxonomy's seed keywords as binary features.
* Relevance: logistic regression, probabilities calibrated (sigmoid, 3-fold) -> ``score``.
* Tags: one logistic regression per tag, trained on relevant examples, each with its own
  threshold chosen by cross-validation over the training sources; the primary tag (the section
  a curator files the article under) is its own decision, a multinomial logistic regression,
  and comes first. A tag with fewer than :data:`MIN_POSITIVES` hand-labelled examples falls back
  on its keywords (two keyword hits), so a new tag works before curators have labelled any.
* Why: for each tag given, the words whose weight × TF-IDF pushed it most.

Training data = the hand-labelled seed (``veille/seed/train-fr.jsonl``: real French texts of
the field; ``labels.jsonl``: real off-topic news and the team's written items) + the curators'
decisions. The figures that count are measured by source-grouped cross-validation
(``veille.evaluation``): the model is judged on publishers it never saw. Models are saved with
skops (no pickle), and loading refuses any type outside scikit-learn, numpy and scipy.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from veille.dedup import normalise
from veille.errors import ModelError
from veille.files import atomic_copy, atomic_write, dated_name
from veille.taxonomy import Tag

MIN_POSITIVES = 5  # below this many hand-labelled examples, a tag uses its keywords
KEYWORD_HITS = 2  # keyword rule: this many hits of a tag's keywords give the tag
HELD_OUT = 5  # one example in HELD_OUT is held out
MAX_WORDS = 300  # of the article text, after title and summary
WORD_PATTERN = r"(?u)\b\w\w+\b"
SEED_FILES = ("train-fr.jsonl", "labels.jsonl")  # real texts of the field first
TEAM = "veille-team"  # the source of the team-written seed items
TRAIN_ON_WRITTEN = True  # kept while source-grouped cross-validation says they help real text

# French function words: they carry no topic. Written here rather than taken from a library:
# scikit-learn ships an English list only, and this one must match normalise()'s elision split.
_STOP_WORDS = """
au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur
leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa
se ses son sur ta te tes toi ton tu un une vos votre vous été être est sont ont avait sera
seront aussi ainsi alors après avant bien comme dont donc encore entre fait faire peut plus
sans selon si sous tous tout toute toutes très déjà lors cela ceci celle celui ceux chez
afin car puis quand quel quelle quels quelles deux trois an ans the of and to in
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    relevant: bool
    tags: tuple[str, ...] = ()
    origin: str = "seed"  # seed | decision
    primary: str | None = None  # the section a curator files it under (None: not known)
    source: str = ""  # who published it: cross-validation holds out whole sources

    @property
    def written(self) -> bool:
        """Written by the veille team, not a real text of the field."""
        return self.source == TEAM

    @property
    def known_primary(self) -> str | None:
        """The primary tag when the label says it (or the item has one tag only)."""
        if self.primary is not None or not self.relevant:
            return self.primary
        return self.tags[0] if len(self.tags) == 1 else None


@dataclass(frozen=True, slots=True)
class Options:
    """What a model is made of; the defaults are what source-grouped cross-validation kept."""

    max_words: int | None = MAX_WORDS  # of the article text read; None: all of it
    chars: bool = False  # character 3-5 grams (five times the fitting time, no gain measured)
    tag_thresholds: bool = True  # one threshold per tag, chosen by cross-validation
    primary: bool = False  # the primary tag as its own model (measured: no gain)
    c: float = 4.0  # inverse regularisation of every logistic regression
    title_twice: bool = True  # the title (first line) read twice: headlines carry the topic
    primary_balanced: bool = True  # primary model: classes weighted to balance (or as they come)


@dataclass(slots=True)
class Verdict:
    relevant: bool
    score: float
    tags: list[str]
    why: dict[str, list[str]]
    certainty: float = 1.0  # how sure the model is of relevance and primary tag, 0..1


def prepare(text: str, max_words: int | None = None) -> str:
    """Lower-case French words, elisions split, stop words and single letters dropped."""
    words = [w for w in normalise(text) if len(w) > 1 and w not in STOP_WORDS]
    return " ".join(words if max_words is None else words[:max_words])


def article_text(title: str, summary: str, text: str) -> str:
    """What the model reads of an article: title, summary and the start of the text."""
    words = text.split()
    return "\n".join(p for p in (title, summary, " ".join(words[:MAX_WORDS])) if p)


def is_held_out(example_id: str) -> bool:
    return int(hashlib.sha1(example_id.encode()).hexdigest()[:8], 16) % HELD_OUT == 0  # noqa: S324


def source_of(origin: str) -> str:
    """The publisher of a seed item, from its ``origin``: the unit cross-validation holds out."""
    if origin.startswith("written by the veille team") or origin.startswith("tests/"):
        return TEAM  # the team's items, and two of veille's own test fixtures
    if "@" in origin:  # owner/repo@commit:path (train-fr.jsonl)
        return origin.split("@", 1)[0]
    name = Path(origin).name if Path(origin).name != "source.html" else Path(origin).parent.name
    name = name.removeprefix("https___www.")
    if origin.startswith("feeds/"):
        name = name.split("_", 1)[0].removesuffix(".xml")
        return {"pcinpact": "nextinpact"}.get(name, name)  # PC INpact became Next INpact
    return re.split(r"[._-]", name, maxsplit=1)[0]


def load_seed(path: Path | None = None) -> list[Example]:
    """The hand-labelled seed shipped with veille (or one other labels file)."""
    if path is None:
        folder = resources.files("veille") / "seed"
        texts = [(folder / name).read_text(encoding="utf-8") for name in SEED_FILES]
    else:
        texts = [path.read_text(encoding="utf-8")]
    examples = []
    for content in texts:
        for number, line in enumerate(content.splitlines(), 1):
            if line.strip():
                examples.append(_example(line, number))
    return examples


def _example(line: str, number: int) -> Example:
    try:
        row = json.loads(line)
        text = "\n".join(p for p in (row["title"], row.get("text") or "") if p)
        tags = tuple(row.get("tags") or ())
        return Example(
            row["id"],
            text,
            bool(row["relevant"]),
            tags,
            primary=row.get("primary"),
            source=source_of(str(row.get("origin") or "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"seed labels line {number}: {exc}") from None


def taxonomy_fingerprint(taxonomy: Sequence[Tag]) -> str:
    """A short hash of the taxonomy: a model is only used with the taxonomy it learnt."""
    data = json.dumps([t.model_dump() for t in taxonomy], sort_keys=True, default=list)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def seed_digest(path: Path | None = None) -> str:
    """The checksum of the seed's label files (a model records the seed it learnt)."""
    digest = hashlib.sha256()
    if path is not None:
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for name in SEED_FILES:
        digest.update((resources.files("veille") / "seed" / name).read_bytes())
    return digest.hexdigest()


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out): the held-out fifth is chosen by a hash of each example's id."""
    train: list[Example] = []
    held: list[Example] = []
    for e in examples:
        (held if is_held_out(e.id) else train).append(e)
    return train, held


def _logistic(c: float) -> LogisticRegression:
    # liblinear: on these few thousand sparse rows it fits 2-5 times faster than lbfgs.
    return LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=3000, random_state=0
    )


def inner_folds(examples: Sequence[Example], k: int = 3) -> list[np.ndarray]:
    """Index sets of ``k`` folds that keep each source whole (by hash when there are few)."""
    sources = sorted({e.source for e in examples})
    key = [e.source for e in examples] if len(sources) >= k else [e.id for e in examples]
    fold = np.array([int(hashlib.sha1(s.encode()).hexdigest()[:8], 16) % k for s in key])  # noqa: S324
    return [np.flatnonzero(fold == f) for f in range(k) if (fold == f).any() and (fold != f).any()]


def best_threshold(proba: np.ndarray, truth: np.ndarray) -> float:
    """The threshold that gives the best F1 over out-of-fold probabilities (0.5 on ties)."""
    best, best_f1 = 0.5, -1.0
    for t in sorted(np.arange(0.15, 0.86, 0.05), key=lambda v: abs(v - 0.5)):
        given = proba >= t
        tp = float((given & truth).sum())
        f1 = 2 * tp / (given.sum() + truth.sum()) if given.sum() + truth.sum() else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = round(float(t), 2), f1
    return best


class Classifier:
    """Features + relevance model + one model (or keyword rule) per tag + the primary tag."""

    def __init__(self, taxonomy: Sequence[Tag], options: Options | None = None) -> None:
        options = options or Options()
        self.tag_ids = [t.id for t in taxonomy]
        self.keywords = {t.id: [prepare(k) for k in t.keywords if prepare(k)] for t in taxonomy}
        self.max_words = options.max_words
        self.c = options.c
        self.use_thresholds = options.tag_thresholds
        self.use_primary = options.primary
        self.title_twice = options.title_twice
        self.primary_balanced = options.primary_balanced
        vocabulary = sorted({k for ks in self.keywords.values() for k in ks})
        self.words = TfidfVectorizer(
            token_pattern=WORD_PATTERN,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
            max_features=50_000,
        )
        self.chars = (
            TfidfVectorizer(
                analyzer="char_wb",
                lowercase=False,
                ngram_range=(3, 5),
                sublinear_tf=True,
                min_df=2,
                max_features=100_000,
            )
            if options.chars
            else None
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
        self.thresholds: dict[str, float] = {}
        self.primary_model: LogisticRegression | None = None

    # -- features --------------------------------------------------------------------------

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        if getattr(self, "title_twice", False):
            texts = [f"{t.split(chr(10), 1)[0]}\n{t}" for t in texts]
        return [prepare(t, getattr(self, "max_words", MAX_WORDS)) for t in texts]

    def _features(self, prepared: Sequence[str], fit: bool = False) -> sp.csr_matrix:
        vectorizers = [v for v in (self.words, self.chars) if v is not None]
        blocks = [v.fit_transform(prepared) if fit else v.transform(prepared) for v in vectorizers]
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
        x = self._features(self._prepare([e.text for e in examples]), fit=True)
        for vectorizer in (self.words, self.chars, self.keyword_counts):
            _compact(vectorizer)
        y = np.array([e.relevant for e in examples])
        folds = min(3, int(min(y.sum(), (~y).sum())))
        if folds >= 2:
            calibrated = CalibratedClassifierCV(_logistic(self.c), method="sigmoid", cv=folds)
            self.relevance = calibrated.fit(x, y)
        self.relevance_linear = _logistic(self.c).fit(x, y)
        relevant = np.flatnonzero(y)
        kept = [examples[i] for i in relevant.tolist()]
        xr = x[relevant]
        for tag in self.tag_ids:
            labels = np.array([tag in e.tags for e in kept])
            if labels.sum() < MIN_POSITIVES or labels.all():
                self.tag_models[tag] = None  # keyword rule
                continue
            self.tag_models[tag] = _logistic(self.c).fit(xr, labels)
        if self.use_thresholds:
            self.thresholds = self._choose_thresholds(kept, xr)
        if self.use_primary:
            self.primary_model = self._fit_primary(kept, xr)
        return self

    def _choose_thresholds(self, kept: Sequence[Example], xr: sp.csr_matrix) -> dict[str, float]:
        """Per tag, the threshold that gave the best F1 on sources held out of training."""
        trained = [t for t, m in self.tag_models.items() if m is not None]
        oof = {t: np.full(len(kept), np.nan) for t in trained}
        for test in inner_folds(kept):
            train = np.setdiff1d(np.arange(len(kept)), test)
            for tag in trained:
                labels = np.array([tag in kept[i].tags for i in train.tolist()])
                if labels.all() or not labels.any():
                    continue
                est = _logistic(self.c).fit(xr[train], labels)
                oof[tag][test] = est.predict_proba(xr[test])[:, 1]
        out = {}
        for tag in trained:
            seen = ~np.isnan(oof[tag])
            truth = np.array([tag in e.tags for e in kept])[seen]
            out[tag] = best_threshold(oof[tag][seen], truth) if truth.any() else 0.5
        return out

    def _fit_primary(self, kept: Sequence[Example], xr: sp.csr_matrix) -> LogisticRegression | None:
        rows = [i for i, e in enumerate(kept) if e.known_primary in self.tag_ids]
        labels = [str(kept[i].known_primary) for i in rows]
        if len(set(labels)) < 2:
            return None
        weight = "balanced" if self.primary_balanced else None
        model = LogisticRegression(C=self.c, class_weight=weight, max_iter=3000)
        return model.fit(xr[rows], labels)

    # -- prediction ------------------------------------------------------------------------

    def predict(self, texts: Sequence[str], threshold: float = 0.5) -> list[Verdict]:
        if self.relevance_linear is None:
            raise ModelError("the model is not trained")
        prepared = self._prepare(texts)
        x = self._features(prepared)
        model = self.relevance if self.relevance is not None else self.relevance_linear
        scores = model.predict_proba(x)[:, list(model.classes_).index(True)]
        tag_proba: dict[str, np.ndarray] = {}
        for tag, est in self.tag_models.items():
            if est is not None:
                tag_proba[tag] = est.predict_proba(x)[:, list(est.classes_).index(True)]
        primary = getattr(self, "primary_model", None)
        primary_proba = primary.predict_proba(x) if primary is not None else None
        thresholds: dict[str, float] = getattr(self, "thresholds", {})
        verdicts = []
        for i, score in enumerate(scores):
            relevant = bool(score >= threshold)
            tags: list[str] = []
            first, sure = None, 1.0
            if primary_proba is not None and primary is not None:
                best = int(np.argmax(primary_proba[i]))
                first, sure = str(primary.classes_[best]), float(primary_proba[i][best])
            if relevant:
                tags = self._tags(i, prepared[i], tag_proba, thresholds, first)
            why = {tag: self._why(x[i], prepared[i], tag) for tag in tags}
            why["relevance"] = self._why(x[i], prepared[i], None)
            certainty = abs(2 * float(score) - 1) * (sure if relevant else 1.0)
            verdicts.append(Verdict(relevant, round(float(score), 4), tags, why, certainty))
        return verdicts

    def _tags(
        self,
        i: int,
        prepared: str,
        tag_proba: dict[str, np.ndarray],
        thresholds: dict[str, float],
        first: str | None,
    ) -> list[str]:
        """The tags of a relevant article, its primary tag first."""
        tags: list[str] = []
        for tag in self.tag_ids:
            if tag in tag_proba:
                if tag_proba[tag][i] >= thresholds.get(tag, 0.5):
                    tags.append(tag)
            elif self._keyword_hits(prepared, tag) >= KEYWORD_HITS:
                tags.append(tag)
        if not tags and tag_proba and first is None:
            tags = [max(tag_proba, key=lambda t: tag_proba[t][i])]
        if not tags and first is None:  # no tag model at all: the tag with most keyword hits
            hits = {t: self._keyword_hits(prepared, t) for t in self.tag_ids}
            best = max(hits, key=lambda t: hits[t])
            tags = [best] if hits[best] else []
        # Most probable tag first: the digest files the article under its first tag.
        tags.sort(key=lambda t: -float(tag_proba[t][i]) if t in tag_proba else 0.0)
        if first is not None:
            tags = [first, *(t for t in tags if t != first)]
        return tags

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


TERMS = "@terms"  # key suffix of a vectorizer's vocabulary in a model file
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

    def latest_meta(self) -> dict[str, Any] | None:
        """The record of the newest model trained here, current or kept aside."""
        for path in sorted(self.folder.glob("model-*.json"), reverse=True):
            try:
                meta: dict[str, Any] = json.loads(path.read_text())
            except (ValueError, OSError):
                continue
            return meta
        return None

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
            if key.endswith(TERMS):
                vectorizer = state[key.removesuffix(TERMS)]
                vectorizer.vocabulary_ = {str(t): i for i, t in enumerate(value.tolist())}
            else:
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
