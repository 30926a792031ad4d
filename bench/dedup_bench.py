"""Duplicate detection: pair precision/recall on a labelled set, and cost at scale.

    python bench/dedup_bench.py quality [--corpus ../shared/corpus] [--json FILE]
    python bench/dedup_bench.py scale [--sizes 10000 50000 100000] [--json FILE]

**quality** builds a labelled set of items from the corpus and runs them through veille's own
identity and duplicate stages (``Store.commit_source`` then ``dedup_run.deduplicate``, the code
a run uses), then counts pairs: two items are *predicted* together when they end up in the same
cluster, and *labelled* together when they are the same story:

* repeated captures of one feed (``feeds/fr-jeanremypraud``, ``feeds/rss2email/*capture*``)
  and the ten snapshots of ``items/veille-juridique``: same story = same link;
* the same items in several formats (``netnewswire/DaringFireball.{rss,atom,json}``,
  ``laminas/wordpress-norm2782-{atom10,rss2}``) and the aggregates of ``fr-veille-qualiopi``
  that overlap its per-source feeds: same story = same link;
* reposts generated from real article texts (ground truth of the extraction benchmarks, French
  pages and feed items): the original, plus copies with an aggregator's header and footer, a
  new title, a sentence added and one cut, a few words changed, or cut to a teaser.

Every other pair of items is labelled *different*, across all sets. Two modes: ``full`` keeps
the real URLs (what a run sees: same link = same article), ``content`` gives every item its
own URL, so only the text can bring two items together (what happens when another source
carries the story under its own URL). Items whose text has fewer than 12 word 3-grams (title-
only snapshots) are left out of ``content`` mode: nothing but the URL can match them.

**scale** runs one process per size: N synthetic articles (words drawn from real French and
English texts of the corpus, lengths drawn from real article lengths, 5 % planted near-copies)
are stored, then clustered from scratch; then 1,000 new articles (10 % copies of stored ones) are
added and clustered incrementally. Reported: wall time and peak RSS of each step.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille import dedup, extract  # noqa: E402
from veille.config import parse_config  # noqa: E402
from veille.dedup_run import deduplicate  # noqa: E402
from veille.feeds import parse_feed  # noqa: E402
from veille.identity import article_id_for_url, canonical_url, content_hash  # noqa: E402
from veille.models import Article  # noqa: E402
from veille.store import Store  # noqa: E402

NOW = datetime(2026, 11, 16, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    set: str
    label: str  # same label = same story
    source: str
    url: str
    title: str
    text: str
    kind: str = "original"


# -- the labelled set -------------------------------------------------------------------------


def _feed_items(path: Path, set_name: str, source: str, *, by_title: bool = False) -> list[Item]:
    parsed = parse_feed(path.read_bytes(), url=f"https://{source}.example/")
    items = []
    for entry in parsed.entries:
        text = extract.text_of_html(entry.content_html) if entry.content_html else ""
        text = text or entry.summary
        link = entry.url or f"urn:{source}:{entry.key}"
        label = entry.title.strip().lower() if by_title else canonical_url(link)
        items.append(Item(set_name, label, source, link, entry.title, text, path.name))
    return items


def snapshot_sets(corpus: Path) -> list[Item]:
    items: list[Item] = []
    feeds = corpus / "feeds"
    for i, path in enumerate(sorted((feeds / "fr-jeanremypraud").glob("*.xml"))):
        items += _feed_items(path, "captures: fr-jeanremypraud", f"jrp{i}")
    for i, path in enumerate(sorted((feeds / "rss2email").glob("*capture*"))):
        items += _feed_items(path, "captures: rss2email", f"r2e{i}")
    for path in sorted((feeds / "netnewswire").glob("DaringFireball.*")):
        # Atom links a "linked" item to the site it points at, JSON to its own permalink:
        # the same item is recognised by its title here.
        items += _feed_items(
            path, "formats: DaringFireball", f"df-{path.suffix[1:]}", by_title=True
        )
    for path in sorted((feeds / "laminas").glob("wordpress-norm2782-*")):
        items += _feed_items(
            path, "formats: wordpress-norm2782", f"wp-{path.stem[-5:]}", by_title=True
        )
    for path in sorted((feeds / "fr-veille-qualiopi").glob("*.xml")):
        source = "vq-" + re.sub(r"[^a-z0-9]+", "-", path.stem.lower())[:40]
        items += _feed_items(path, "aggregates: fr-veille-qualiopi", source)
    for i, path in enumerate(sorted((corpus / "items" / "veille-juridique").glob("*.json"))):
        for art in json.loads(path.read_text())["articles"]:
            text = art.get("resume") or ""
            items.append(
                Item(
                    "snapshots: veille-juridique",
                    canonical_url(art["url"]),
                    f"vj{i}",
                    art["url"],
                    art["titre"],
                    text,
                    path.name,
                )
            )
    return items


def original_texts(corpus: Path) -> list[tuple[str, str, str]]:
    """(name, title, text) of real articles: benchmark ground truth, French pages, feed items."""
    out: list[tuple[str, str, str]] = []
    pages = corpus / "pages"
    truth = pages / "scrapinghub-article-extraction-benchmark" / "ground-truth.json"
    if truth.exists():
        for name, row in sorted(json.loads(truth.read_text()).items()):
            body = row.get("articleBody") or ""
            out.append((f"scrapinghub/{name}", body.split("\n", 1)[0][:90], body))
    for folder in ("graby-fr", "picofeed-fr"):
        for path in sorted((pages / folder).glob("*.html")):
            html = path.read_bytes()
            if path.suffix == ".gz":
                html = gzip.decompress(html)
            got = extract.extract_article_safe(f"https://{folder}.example/{path.name}", html)
            if got is not None and not isinstance(got, str):
                out.append((f"{folder}/{path.name}", got.title or path.stem, got.text))
    return [(n, t, x) for n, t, x in out if len(x.split()) >= 80]


HEADERS = [
    "Publié par la rédaction de {site} — Revue de presse de la semaine. "
    "Cet article est repris de notre partenaire, avec son autorisation.",
    "Veille formation professionnelle | {site} | Temps de lecture : 4 minutes. "
    "Partager sur LinkedIn Partager sur X Envoyer par courriel Imprimer",
    "Accueil > Actualités > Emploi et compétences. Par {site}, mis à jour le 12 novembre.",
]
FOOTERS = [
    "Abonnez-vous à notre lettre d'information pour recevoir chaque semaine l'essentiel de "
    "l'actualité de la formation. Vos données sont traitées conformément à notre politique de "
    "confidentialité. Articles similaires : Réforme de l'apprentissage, ce qui change ; "
    "CPF : le reste à charge ; Qualiopi : les indicateurs 23 à 26.",
    "Source : article original. Tous droits réservés. Mentions légales - Plan du site - "
    "Contact - Accessibilité : partiellement conforme. Suivez-nous sur les réseaux sociaux.",
    "Lire aussi : France compétences publie ses chiffres. Vous avez aimé cet article ? "
    "Partagez-le avec vos collègues formateurs et commentez ci-dessous.",
]
ADDED = [
    "Contacté par notre rédaction, le ministère n'a pas souhaité commenter.",
    "Les organismes de formation concernés ont jusqu'à la fin de l'année pour s'adapter.",
    "Cette mesure s'inscrit dans la continuité de la loi du 5 septembre 2018.",
    "Plus d'informations sont disponibles auprès de votre OPCO.",
]
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def reposts(originals: list[tuple[str, str, str]], seed: int = 7) -> list[Item]:
    rng = random.Random(seed)
    vocabulary = [w for _, _, text in originals for w in text.split()]
    items: list[Item] = []
    for n, (_name, title, text) in enumerate(originals):
        # Some fixtures are the same article saved twice (20minutes-*.html): same title, same story.
        label = f"repost:{title.strip().lower()}"
        url = f"https://origine-{n}.example/article"
        items.append(Item("generated reposts", label, "origine", url, title, text))
        sentences = SENTENCE.split(text)
        site = f"relais-{n % 5}.example"

        def wrap(body: str, site: str = site) -> str:
            head = rng.choice(HEADERS).format(site=site)
            return f"{head}\n{body}\n{rng.choice(FOOTERS)}"

        variants = {
            "boilerplate": wrap(text),
            "edited": wrap(_edit_sentences(sentences, rng)),
            "words": wrap(_change_words(text, rng, vocabulary, rate=0.03)),
            "teaser": wrap(" ".join(sentences[: max(2, len(sentences) * 6 // 10)])),
        }
        for k, (kind, body) in enumerate(variants.items()):
            items.append(
                Item(
                    "generated reposts",
                    label,
                    f"relais-{k}",
                    f"https://{site}/{kind}/{n}?utm_source=rss",
                    f"{kind.capitalize()} : {title[:60]}",
                    body,
                    kind,
                )
            )
    return items


def _edit_sentences(sentences: list[str], rng: random.Random) -> str:
    kept = list(sentences)
    if len(kept) > 3:
        del kept[rng.randrange(1, len(kept))]  # a sentence cut
    kept.insert(rng.randrange(0, len(kept) + 1), rng.choice(ADDED))  # a sentence added
    return " ".join(kept)


def _change_words(text: str, rng: random.Random, vocabulary: list[str], rate: float) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), max(1, int(len(words) * rate))):
        words[i] = rng.choice(vocabulary)
    return " ".join(words)


def evaluate(items: list[Item], mode: str, workdir: Path) -> dict[str, object]:
    if mode == "content":
        items = [
            replace(it, url=f"https://item-{i}.example/{it.source}")
            for i, it in enumerate(items)
            if dedup.signature(f"{it.title}\n{it.text}") is not None
        ]
    sources = sorted({it.source for it in items})
    config = parse_config(
        "sources:\n" + "".join(f"  - id: {s}\n    url: https://{s}.example/feed\n" for s in sources)
    )
    db = workdir / f"quality-{mode}.duckdb"
    db.unlink(missing_ok=True)
    store = Store(db)
    store.sync_sources(config.sources)
    ids = [article_id_for_url(canonical_url(it.url)) for it in items]
    by_source: dict[str, list[Article]] = {}
    for it, aid in zip(items, ids, strict=True):
        by_source.setdefault(it.source, []).append(_as_article(aid, it))
    for source, arts in by_source.items():
        store.commit_source(
            source,
            articles=arts,
            sightings=[],
            entries_seen=len(arts),
            etag=None,
            last_modified=None,
        )
    started = time.perf_counter()
    deduplicate(store)
    seconds = time.perf_counter() - started
    cluster = {a.id: a.cluster_id for a in store.articles(include_all=True, limit=None)}
    predicted = [cluster[aid] for aid in ids]
    result: dict[str, object] = {"mode": mode, "items": len(items), "dedup_seconds": seconds}
    result["all"] = _pair_scores(items, predicted, lambda it: True)
    # The edits (boilerplate, a sentence added and cut, a new title, words changed);
    # teasers (the first 60 % of an article) are a harder case, reported apart.
    result["all_but_teasers"] = _pair_scores(
        items, predicted, lambda it: True, lambda it: it.kind != "teaser"
    )
    result["by_set"] = {
        name: _pair_scores(items, predicted, lambda it, name=name: it.set == name)
        for name in sorted({it.set for it in items})
    }
    kinds = sorted({it.kind for it in items if it.set == "generated reposts"} - {"original"})
    result["reposts_by_kind"] = {kind: _repost_recall(items, predicted, kind) for kind in kinds}
    result["false_positives"] = _false_positive_examples(items, predicted)
    return result


def _as_article(aid: str, it: Item) -> Article:
    return Article(
        id=aid,
        url=canonical_url(it.url),
        source_id=it.source,
        title=it.title,
        text=it.text,
        fetched_at=NOW,
        word_count=len(it.text.split()),
        content_hash=content_hash(it.text) if it.text else None,
    )


def _pairs(counter: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in counter.values())


def _pair_scores(
    items: list[Item],
    predicted: list[str],
    keep: Callable[[Item], bool],
    universe: Callable[[Item], bool] = lambda it: True,
) -> dict[str, float | int]:
    """Pair scores for the kept items, among the items of ``universe``.

    Labelled pairs are pairs of kept items; a predicted pair is any pair of universe items in
    one cluster with at least one kept item, so a kept item wrongly merged with an item of
    another set counts against precision.
    """
    idx = [i for i, it in enumerate(items) if keep(it) and universe(it)]
    truth = _pairs(Counter(items[i].label for i in idx))
    both = _pairs(Counter((items[i].label, predicted[i]) for i in idx))
    per_cluster_kept = Counter(predicted[i] for i in idx)
    per_cluster_all = Counter(predicted[i] for i, it in enumerate(items) if universe(it))
    predicted_pairs = sum(
        k * (k - 1) // 2 + k * (per_cluster_all[c] - k) for c, k in per_cluster_kept.items()
    )
    return {
        "items": len(idx),
        "labelled_pairs": truth,
        "predicted_pairs": predicted_pairs,
        "true_positives": both,
        "precision": round(both / predicted_pairs, 4) if predicted_pairs else 1.0,
        "recall": round(both / truth, 4) if truth else 1.0,
    }


def _repost_recall(items: list[Item], predicted: list[str], kind: str) -> dict[str, object]:
    origin = {
        it.label: predicted[i]
        for i, it in enumerate(items)
        if it.set == "generated reposts" and it.kind == "original"
    }
    hits = [predicted[i] == origin.get(it.label) for i, it in enumerate(items) if it.kind == kind]
    return {"reposts": len(hits), "joined_original": sum(hits)}


def _false_positive_examples(items: list[Item], predicted: list[str], limit: int = 20) -> list:  # type: ignore[type-arg]
    members: dict[str, list[int]] = {}
    for i, c in enumerate(predicted):
        members.setdefault(c, []).append(i)
    out = []
    for group in members.values():
        labels = {items[i].label for i in group}
        if len(labels) > 1:
            out.append(
                [
                    f"{items[i].source} | {items[i].title[:60]} | {items[i].label[-50:]}"
                    for i in group
                ][:6]
            )
        if len(out) >= limit:
            break
    return out


def quality(corpus: Path) -> dict[str, object]:
    items = snapshot_sets(corpus) + reposts(original_texts(corpus))
    with tempfile.TemporaryDirectory() as tmp:
        return {m: evaluate(items, m, Path(tmp)) for m in ("full", "content")}


# -- scale ------------------------------------------------------------------------------------


def _word_pool(corpus: Path) -> tuple[list[str], list[int]]:
    texts = [t for _, _, t in original_texts(corpus)]
    words = [w for t in texts for w in t.split()]
    lengths = [len(t.split()) for t in texts]
    return words, lengths


def _synthetic(
    rng: random.Random,
    words: list[str],
    lengths: list[int],
    n: int,
    start: int,
    copies_of: list[str],
    copy_rate: float,
) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        if copies_of and rng.random() < copy_rate:
            base = rng.choice(copies_of).split()[:600]
            for j in rng.sample(range(len(base)), max(1, len(base) // 50)):
                base[j] = rng.choice(words)
            text = "Repris de notre partenaire. " + " ".join(base)
        else:
            text = " ".join(rng.choices(words, k=rng.choice(lengths)))
            if len(copies_of) < 2000:
                copies_of.append(text)
        out.append(
            (f"https://site-{(start + i) % 500}.example/a/{start + i}", f"Titre {start + i}", text)
        )
    return out


def _store_batch(store: Store, rows: list[tuple[str, str, str]], when: datetime) -> None:
    for chunk in range(0, len(rows), 10_000):
        arts = [
            Article(
                id=article_id_for_url(url),
                url=url,
                source_id="s",
                title=title,
                text=text,
                fetched_at=when,
                word_count=len(text.split()),
                content_hash=content_hash(text),
            )
            for url, title, text in rows[chunk : chunk + 10_000]
        ]
        store.commit_source(
            "s", articles=arts, sightings=[], entries_seen=len(arts), etag=None, last_modified=None
        )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scale_store(db: Path) -> Store:
    store = Store(db)
    store.sync_sources(parse_config("sources:\n  - id: s\n    url: https://s.example/f\n").sources)
    return store


def scale_phase(phase: str, size: int, db: Path, corpus: Path) -> dict[str, object]:
    """One phase in its own process, so that peak RSS is that phase's own."""
    rng = random.Random(f"{phase}-{size}")
    words, lengths = _word_pool(corpus)
    store = _scale_store(db)
    if phase == "prepare":
        copies: list[str] = []
        for start in range(0, size, 10_000):
            _store_batch(
                store,
                _synthetic(rng, words, lengths, min(10_000, size - start), start, copies, 0.05),
                NOW,
            )
        return {}
    if phase == "add":
        # Copies of stored articles: read a few back so the batch really meets the store.
        with store.connect() as con:
            stored = [
                r[0]
                for r in con.execute("SELECT text FROM articles USING SAMPLE 100 ROWS").fetchall()
            ]
        new = _synthetic(rng, words, lengths, 1000, size, stored, 0.10)
        _store_batch(store, new, NOW + timedelta(days=7))
    del words, lengths
    before = _rss_mb()
    started = time.perf_counter()
    summary = deduplicate(store)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "duplicates": summary.duplicates,
        "articles": summary.articles,
        "rss_before_mb": round(before),
        "peak_rss_mb": round(_rss_mb()),
        # The signature helper process, if one was started (its own peak, added on top).
        "helper_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def scale_one(size: int, corpus: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scale.duckdb"
        out = {}
        for phase in ("prepare", "cluster", "add"):
            run = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "scale-phase",
                    "--phase",
                    phase,
                    "--sizes",
                    str(size),
                    "--db",
                    str(db),
                    "--corpus",
                    str(corpus),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            out[phase] = json.loads(run.stdout.strip().splitlines()[-1])
        with Store(db).connect() as con:
            row = con.execute("SELECT avg(word_count) FROM articles").fetchone()
        return {
            "articles": size,
            "mean_words": round(float(row[0])) if row else 0,
            "cluster_all_seconds": out["cluster"]["seconds"],
            "duplicates_found": out["cluster"]["duplicates"],
            "cluster_peak_rss_mb": out["cluster"]["peak_rss_mb"],
            "cluster_helper_peak_rss_mb": out["cluster"]["helper_peak_rss_mb"],
            "add_1000_seconds": out["add"]["seconds"],
            "add_1000_duplicates": out["add"]["duplicates"],
            "add_peak_rss_mb": out["add"]["peak_rss_mb"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("what", choices=["quality", "scale", "scale-phase"])
    parser.add_argument("--phase", choices=["prepare", "cluster", "add"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (args.corpus / "feeds").is_dir():
        sys.exit(f"corpus not found at {args.corpus}: pass --corpus PATH (the shared corpus)")
    if args.what == "scale-phase":
        print(json.dumps(scale_phase(args.phase, args.sizes[0], args.db, args.corpus)))
        return
    if args.what == "quality":
        result: object = quality(args.corpus)
        for mode, res in result.items():  # type: ignore[attr-defined]
            print(f"[{mode}] {res['items']} items, dedup {res['dedup_seconds']:.2f} s")
            for name, key in (("without teasers", "all_but_teasers"), ("everything", "all")):
                a = res[key]
                print(
                    f"    {name:34} {a['items']:5} items {a['labelled_pairs']:6} pairs  "
                    f"P {a['precision']:.4f}  R {a['recall']:.4f}"
                )
            for name, s in res["by_set"].items():
                print(
                    f"    {name:34} {s['items']:5} items {s['labelled_pairs']:6} pairs  "
                    f"P {s['precision']:.4f}  R {s['recall']:.4f}"
                )
            for kind, r in res["reposts_by_kind"].items():
                print(
                    f"    repost '{kind}': {r['joined_original']}/{r['reposts']} "
                    "joined the original"
                )
            for example in res["false_positives"]:
                print("    merged wrongly:", " || ".join(example))
    else:
        result = []
        for size in args.sizes:
            row = scale_one(size, args.corpus)
            result.append(row)
            print(
                f"{row['articles']:>7} articles ({row['mean_words']} words avg): cluster all "
                f"{row['cluster_all_seconds']:6.2f} s, peak RSS {row['cluster_peak_rss_mb']} MB "
                f"+ helper {row['cluster_helper_peak_rss_mb']} MB "
                f"({row['duplicates_found']} duplicates); +1000 new "
                f"{row['add_1000_seconds']:.2f} s, peak RSS {row['add_peak_rss_mb']} MB "
                f"({row['add_1000_duplicates']} duplicates)",
                flush=True,
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
