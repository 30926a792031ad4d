"""Near-duplicates: MinHash signatures of French text and the LSH band keys that find them.

* Text is normalised for French before shingling: lower case, typographic apostrophes unified,
  elisions split (« l’ », « d’ », « qu’ »…), so "l'apprentissage" and "l’apprentissage" shingle
  alike; shingles are word 3-grams (a reposted article with its own boilerplate, a sentence
  added or cut, keeps most of them).
* Signatures are datasketch MinHash (128 permutations). Locality-sensitive hashing splits each
  signature into 32 bands of 4 rows: two texts share at least one band key with probability
  ``1 - (1 - s^4)^32`` (s = Jaccard similarity): 0.99 at s = 0.6, 0.03 at s = 0.2.
* The band keys are *stored* (``veille/store/clusters.py``), so a new batch is matched against
  everything stored with one indexed join instead of rebuilding an in-memory index: clustering
  is incremental.
  Candidates are then confirmed on the estimated similarity (:data:`NEAR_DUPLICATE`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3
NEAR_DUPLICATE = 0.5  # estimated Jaccard of word 3-grams above which two texts are one story
MIN_SHINGLES = 12  # below this, a text is too short to be called a near-duplicate of another
# Only the beginning of a text is sketched: a repost keeps the lead of its story, and the cost
# of a signature grows with length (bench/dedup_bench.py measures both sides of this choice).
MAX_WORDS = 400
SKETCH_CHARS = MAX_WORDS * 12  # enough characters for MAX_WORDS words of any real text

APOSTROPHES = re.compile(r"[’'`´ʼ]")
WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> list[str]:
    """Words of a French text, lower case, elisions split: « L’État » -> ["l", "état"]."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = APOSTROPHES.sub(" ", text)
    return WORD.findall(text)


# The permutations are datasketch's own (a, b) for NUM_PERM and seed 1. What we do ourselves is
# hashing the shingles: MinHash.update_batch hashes every shingle with SHA-1 in a Python loop
# and rebuilds its permutations per object (~0.9 ms per article, 90 s for 100k articles).
# Here each distinct word is hashed once (cached) and shingle hashes are combined from word
# hashes with numpy; the permutation step is datasketch's formula. The result is a datasketch
# MinHash signature (``LeanMinHash(seed=1, hashvalues=sig)``), ~0.3 ms per article.


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Imported on first use: datasketch brings scipy.integrate (~0.5 s) to every command.
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=1).permutations
    return a, b


_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_WORD_HASHES: dict[str, int] = {}
_WORD_CACHE_SIZE = 500_000


def _word_hashes(words: list[str]) -> np.ndarray:
    """64-bit hashes of words, each distinct word hashed once per process (cached)."""
    cache = _WORD_HASHES
    missing = set(words).difference(cache)
    if len(cache) + len(missing) > _WORD_CACHE_SIZE:
        cache.clear()
        missing = set(words)
    for word in missing:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        cache[word] = int.from_bytes(digest, "little")
    if not words:
        return np.empty(0, dtype=np.uint64)
    return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word 3-grams of a text's first MAX_WORDS words (or of its words).

    A repeated 3-gram appears once per occurrence; that does not change a MinHash.
    """
    h = _word_hashes(normalise(text[:SKETCH_CHARS])[:MAX_WORDS])
    if len(h) >= SHINGLE:
        # Position-dependent mix, so "a b c" and "c b a" differ; overflow wraps by design.
        h = (h[:-2] * _MIX[0]) ^ (h[1:-1] * _MIX[1]) ^ h[2:]
    return h & _MAX_HASH


def signature(text: str) -> np.ndarray | None:
    """MinHash signature (uint64 × 128) of a text, or None when the text is too short."""
    grams = shingle_hashes(text)
    if len(grams) < MIN_SHINGLES or (
        len(grams) < 4 * MIN_SHINGLES and len(np.unique(grams)) < MIN_SHINGLES
    ):
        return None
    a, b = _permutations()
    # datasketch's (a * h + b) mod (2^61 - 1), keeping the low 32 bits. The modulo is done
    # the Mersenne way (x mod 2^61-1 = (x & p) + (x >> 61), then one subtraction), which
    # gives the same numbers as numpy's % at a fraction of the cost.
    x = np.multiply.outer(grams, a)
    x += b
    folded = x & _MERSENNE
    x >>= np.uint64(61)
    folded += x
    folded[folded >= _MERSENNE] -= _MERSENNE
    folded &= _MAX_HASH
    return np.asarray(folded.min(axis=0), dtype=np.uint64)


# Band keys: a multiply-add hash of each band's 4 values (wrapping 64-bit arithmetic), salted
# per band. Vectorised because it runs 32 times per article; a key collision only costs one
# extra candidate, which the similarity check then rejects.
_BAND_MULTIPLIERS = np.random.default_rng(20261116).integers(
    1, 2**63, size=ROWS, dtype=np.uint64
) | np.uint64(1)
_BAND_SALTS = np.random.default_rng(1611).integers(0, 2**63, size=BANDS, dtype=np.uint64)


def signatures(texts: list[str]) -> list[np.ndarray | None]:
    """Signatures of several texts (what a helper process computes)."""
    return [signature(t) for t in texts]


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (what the store indexes)."""
    mixed = (sig.reshape(BANDS, ROWS) * _BAND_MULTIPLIERS).sum(axis=1, dtype=np.uint64)
    return (mixed ^ _BAND_SALTS).view(np.int64).tolist()  # type: ignore[no-any-return]


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


def _run_start(ordered: np.ndarray) -> np.ndarray:
    """For sorted keys, True at i when ordered[i] starts a run (differs from ordered[i - 1])."""
    first = np.ones(len(ordered) - 1, dtype=bool)
    first[1:] = ordered[1:-1] != ordered[:-2]
    return first


def _band_pairs(keys: np.ndarray) -> set[tuple[int, int]]:
    """The pairs of rows (i < j) of ``keys`` (one row of band keys per signature) that share a
    key in some band: found by sorting each band's column (numpy) rather than one dict insert
    per band and article."""
    pairs: set[tuple[int, int]] = set()
    for band in range(BANDS):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        for start in np.flatnonzero((ordered[1:] == ordered[:-1]) & _run_start(ordered)):
            end = start + 1
            while end + 1 < len(ordered) and ordered[end + 1] == ordered[start]:
                end += 1
            members = sorted(order[start : end + 1].tolist())
            pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1 :])
    return pairs


def cluster_batch(
    new: dict[str, tuple[str | None, np.ndarray | None]],
    stored_candidates: list[tuple[str, str, str, np.ndarray | None]],
    stored_hash_matches: list[tuple[str, str, str]],
    keys_of: dict[str, list[int]] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Cluster ids for a batch of new articles, matched among themselves and against the store.

    ``new``: article id -> (content hash, signature). ``stored_candidates``: (new id, stored id,
    stored cluster id, stored signature) pairs sharing an LSH band. ``stored_hash_matches``:
    (new id, stored id, stored cluster id) with the same content hash. ``keys_of``: the band
    keys of the new signatures when the caller already computed them.

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
    # Near-duplicates inside the batch: articles sharing a band key, found by sorting each band's
    # keys (numpy) rather than one dict insert per band and article.
    signed = [(aid, sig) for aid, (_, sig) in new.items() if sig is not None]
    if len(signed) > 1:
        keys = np.array(
            [keys_of[aid] if keys_of is not None else band_keys(sig) for aid, sig in signed],
            dtype=np.int64,
        )
        for x, y in sorted(_band_pairs(keys)):
            if similarity(signed[x][1], signed[y][1]) >= NEAR_DUPLICATE:
                sets.union(signed[x][0], signed[y][0])
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
