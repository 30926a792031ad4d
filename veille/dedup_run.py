"""The duplicate stage of a pass: sketch the new articles (in parallel when there are many)
and merge each into the story it repeats (the pure rules are in :mod:`veille.dedup`)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time

import numpy as np

from veille import dedup
from veille.records import DedupSummary
from veille.store import Store

PARALLEL_SKETCH_MIN = 2000  # below this many articles, a helper process costs more than it saves


def _signatures(
    texts: list[str], helper: concurrent.futures.Executor | None
) -> list[np.ndarray | None]:
    """Signatures of texts; with a helper process, it takes the second half meanwhile."""
    if helper is None or len(texts) < PARALLEL_SKETCH_MIN:
        return [dedup.signature(t) for t in texts]
    half = len(texts) // 2
    future = helper.submit(dedup.signatures, texts[half:])
    return [dedup.signature(t) for t in texts[:half]] + future.result()


def deduplicate(store: Store, *, batch: int = 5000, parallel: bool = True) -> DedupSummary:
    """Match every article not yet matched against the batch and the store; record clusters.

    A large backlog (a first run, a rebuild) uses a second process for the signatures, which
    are most of the cost; a weekly batch of a few hundred articles stays in this process.
    """
    started = time.monotonic()
    summary = DedupSummary()
    helper: concurrent.futures.ProcessPoolExecutor | None = None
    try:
        with store.held():
            while rows := store.articles_to_sketch(limit=batch, sketch_chars=dedup.SKETCH_CHARS):
                if helper is None and parallel and len(rows) >= PARALLEL_SKETCH_MIN:
                    context = multiprocessing.get_context("forkserver")  # see ExtractionPool
                    helper = concurrent.futures.ProcessPoolExecutor(1, mp_context=context)
                summary.articles += len(rows)
                summary.duplicates += _cluster_rows(store, rows, helper)
            store.settle_owners()  # the sources ran concurrently: who stored first is chance
    finally:
        if helper is not None:
            helper.shutdown(cancel_futures=True)
    summary.seconds = time.monotonic() - started
    return summary


def _cluster_rows(
    store: Store,
    rows: list[tuple[str, str, str | None]],
    helper: concurrent.futures.Executor | None,
) -> int:
    """Sketch, match and record one batch; returns how many joined another story."""
    signatures = _signatures([text for _, text, _ in rows], helper)
    sigs = {aid: sig for (aid, _, _), sig in zip(rows, signatures, strict=True)}
    keys_of = {aid: dedup.band_keys(sig) for aid, sig in sigs.items() if sig is not None}
    keys = [(aid, band, key) for aid, ks in keys_of.items() for band, key in enumerate(ks)]
    hashes = [(aid, digest) for aid, _, digest in rows if digest]
    candidates, matches = store.duplicate_candidates(keys, hashes)
    assigned, merged = dedup.cluster_batch(
        {aid: (digest, sigs[aid]) for aid, _, digest in rows},
        [(n, s, c, dedup.from_blob(m) if m else None) for n, s, c, m in candidates],
        matches,
        keys_of,
    )
    store.save_clusters(
        [(aid, dedup.to_blob(s) if s is not None else None) for aid, s in sigs.items()],
        keys,
        assigned,
        merged,
    )
    return sum(1 for aid, cluster in assigned.items() if cluster != aid)
