"""Relevance and tags: a small scikit-learn model that learns from the curators.

* Features: TF-IDF of French words (elisions split, stop words dropped, 1-2 grams:
  :func:`veille.examples.prepare`) and of character 3-5 grams (robust to inflection:
  « formateur », « formatrices »), plus the taxonomy's seed keywords as binary features.
* Relevance: logistic regression, probabilities calibrated (sigmoid, 3-fold) -> ``score``.
* Tags: one logistic regression per tag, trained on relevant examples, each with its own
  threshold chosen by cross-validation over the training sources; the primary tag (the section
  a curator files the article under) is its own decision, a multinomial logistic regression,
  and comes first. A tag with fewer than :data:`MIN_POSITIVES` hand-labelled examples falls back
  on its keywords (two keyword hits), so a new tag works before curators have labelled any.
* Why: for each tag given, the words whose weight × TF-IDF pushed it most.

What it learns from: :mod:`veille.examples`. The figures that count are measured by
source-grouped cross-validation (``veille.evaluation``): the model is judged on publishers it
never saw. Its files: :mod:`veille.modelfiles`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from veille.errors import ModelError
from veille.examples import MAX_WORDS, Example, prepare
from veille.taxonomy import Tag

MIN_POSITIVES = 5  # below this many hand-labelled examples, a tag uses its keywords
KEYWORD_HITS = 2  # keyword rule: this many hits of a tag's keywords give the tag
WORD_PATTERN = r"(?u)\b\w\w+\b"


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


def _logistic(c: float) -> LogisticRegression:
    # liblinear: on these few thousand sparse rows it fits 2-5 times faster than lbfgs. Its dual
    # form, as scikit-learn advises when features outnumber examples (50,000 word n-grams for
    # a thousand texts): the same optimum, found 3-8 times faster (the seed's source-grouped
    # cross-validation gave the same three figures, in 24 s of CPU instead of 199 s).
    return LogisticRegression(
        C=c,
        class_weight="balanced",
        solver="liblinear",
        dual=True,
        max_iter=3000,
        random_state=0,
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
