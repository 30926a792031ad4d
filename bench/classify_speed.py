"""What the shipped model costs: loading it, and classifying one article, on one core.

    python bench/classify_speed.py [--json FILE]

Runs in a fresh process pinned to one core (BLAS threads 1): import of scikit-learn and skops,
reading ``veille/seed/model.skops`` (with its trust check), then ``predict`` over the seed's real
texts as a run does (one batch), and one article at a time. Medians of 5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, statistics, sys, time
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
t = time.monotonic()
import sklearn, skops.io  # noqa
imports = time.monotonic() - t
from veille import modelfiles, seedmodel
from veille.examples import load_seed
path = seedmodel.folder() / "model.skops"
loads = []
for _ in range(5):
    t = time.monotonic()
    model = modelfiles.ModelStore(path.parent)._read(path)
    loads.append(time.monotonic() - t)
texts = [e.text for e in load_seed() if not e.written]
batch, single = [], []
for _ in range(5):
    t = time.monotonic(); model.predict(texts); batch.append((time.monotonic() - t) / len(texts))
for text in texts[:100]:
    t = time.monotonic(); model.predict([text]); single.append(time.monotonic() - t)
print(json.dumps({
    "articles": len(texts),
    "import_s": round(imports, 3),
    "load_s": round(statistics.median(loads), 3),
    "batch_ms_per_article": round(1000 * statistics.median(batch), 3),
    "one_at_a_time_ms": round(1000 * statistics.median(single), 3),
    "model_bytes": path.stat().st_size,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"one core: import scikit-learn + skops {figures['import_s']} s; load the shipped model "
        f"{figures['load_s']} s ({figures['model_bytes'] / 1e6:.1f} MB); classify "
        f"{figures['batch_ms_per_article']} ms per article in a batch of {figures['articles']}, "
        f"{figures['one_at_a_time_ms']} ms one at a time"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
