"""Near-duplicates: MinHash signatures of French text and the LSH band keys that find them.

* Text is normalised for French before shingling: lower case, typographic apostrophes unified,
  elisions split (« l’ », « d’ », « qu’ »…), so "l'apprentissage" and "l’apprentissage" shingle
  alike; shingles are word 3-grams (a reposted article with its own boilerplate, a sentence
  added or cut, keeps most of them).
* Signatures are datasketch MinHash (128 permutations). Locality-sensitive hashing splits each
  signature into 32 bands of 4 rows: two texts share at least one band key with probability
  ``1 - (1 - s^4)^32`` (s = Jaccard similarity): 0.99 at s = 0.6, 0.03 at s = 0.2.
* The band keys are *stored* (``store.py``), so a new batch is matched against everything stored
  with one indexed join instead of rebuilding an in-memory index: clustering is incremental.
  Candidates are then confirmed on the estimated similarity (:data:`NEAR_DUPLICATE`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3
NEAR_DUPLICATE = 0.5  # estimated Jaccard of word 3-grams above which two texts are one story
MIN_SHINGLES = 12  # below this, a text is too short to be called a near-duplicate of another

APOSTROPHES = re.compile(r"[’'`´ʼ]")
WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> list[str]:
    """Words of a French text, lower case, elisions split: « L’État » -> ["l", "état"]."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = APOSTROPHES.sub(" ", text)
    return WORD.findall(text)


def shingles(text: str) -> set[bytes]:
    """Word 3-grams of the normalised text (or the words themselves for a very short text)."""
    words = normalise(text)
    if len(words) < SHINGLE:
        return {w.encode() for w in words}
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray | None:
    """MinHash signature (uint64 × 128) of a text, or None when the text is too short."""
    grams = shingles(text)
    if len(grams) < MIN_SHINGLES:
        return None
    sketch = MinHash(num_perm=NUM_PERM, seed=1)
    sketch.update_batch(list(grams))
    return np.asarray(sketch.hashvalues, dtype=np.uint64)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (what the store indexes)."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype("<u8").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


class UnionFind:
    """Disjoint sets over article ids.

    The root of a set is a *stable* id when the set has one (a cluster id already stored, so
    stored clusters keep their id when new articles join), else the smallest id.
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.stable: set[str] = set()

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            keep, drop = sorted((ra, rb), key=lambda r: (r not in self.stable, r))
            self.parent[drop] = keep


def cluster_batch(
    new: dict[str, tuple[str | None, np.ndarray | None]],
    stored_candidates: list[tuple[str, str, str, np.ndarray | None]],
    stored_hash_matches: list[tuple[str, str, str]],
) -> tuple[dict[str, str], dict[str, str]]:
    """Cluster ids for a batch of new articles, matched among themselves and against the store.

    ``new``: article id -> (content hash, signature). ``stored_candidates``: (new id, stored id,
    stored cluster id, stored signature) pairs sharing an LSH band. ``stored_hash_matches``:
    (new id, stored id, stored cluster id) with the same content hash.

    Returns ``(assigned, merged)``: the cluster id of every new article, and the stored clusters
    that a new article joined together (old cluster id -> cluster id). A cluster's id is the
    smallest article id in it, so the result does not depend on the order of the batch.
    """
    sets = UnionFind()
    cluster_of_stored: dict[str, str] = {}
    for article_id in new:
        sets.find(article_id)
    # Exact copies inside the batch.
    by_hash: dict[str, str] = {}
    for article_id, (digest, _) in new.items():
        if digest is None:
            continue
        if digest in by_hash:
            sets.union(by_hash[digest], article_id)
        else:
            by_hash[digest] = article_id
    # Near-duplicates inside the batch: LSH in memory for the batch only.
    buckets: dict[tuple[int, int], list[str]] = {}
    for article_id, (_, sig) in new.items():
        if sig is None:
            continue
        for band, key in enumerate(band_keys(sig)):
            for other in buckets.setdefault((band, key), []):
                other_sig = new[other][1]
                if other_sig is not None and similarity(sig, other_sig) >= NEAR_DUPLICATE:
                    sets.union(other, article_id)
            buckets[(band, key)].append(article_id)
    # Against what is stored: a stored article stands for its whole cluster.
    for new_id, stored_id, stored_cluster, _ in (
        *[(n, s, c, None) for n, s, c in stored_hash_matches],
        *[
            (n, s, c, sig)
            for n, s, c, sig in stored_candidates
            if sig is not None
            and new[n][1] is not None
            and similarity(new[n][1], sig) >= NEAR_DUPLICATE  # type: ignore[arg-type]
        ],
    ):
        cluster_of_stored[stored_id] = stored_cluster
        sets.stable.add(stored_cluster)
        sets.union(new_id, stored_cluster)
    assigned = {article_id: sets.find(article_id) for article_id in new}
    merged = {
        old: sets.find(old) for old in set(cluster_of_stored.values()) if sets.find(old) != old
    }
    return assigned, merged
