"""Duplicates: exact copies, near-duplicates across sources, incremental clustering, provenance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from veille import dedup
from veille.config import parse_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store

TEXT = (
    "Le décret publié ce matin précise les modalités de financement des actions de formation "
    "par le compte personnel de formation. Les organismes certifiés Qualiopi devront informer "
    "les stagiaires du reste à charge avant l'inscription. France compétences publiera une "
    "note d'application dans les prochaines semaines, après consultation des OPCO."
)


def test_french_normalisation_splits_elisions() -> None:
    assert dedup.normalise("L’État et l'apprentissage d’aujourd’hui") == [
        "l",
        "état",
        "et",
        "l",
        "apprentissage",
        "d",
        "aujourd",
        "hui",
    ]
    assert np.array_equal(
        dedup.shingle_hashes("l’apprentissage en CFA ici"),
        dedup.shingle_hashes("L'apprentissage en cfa ici"),
    )


def test_signature_is_the_datasketch_minhash_of_the_shingle_hashes() -> None:
    grams = dedup.shingle_hashes(TEXT)
    sketch = MinHash(num_perm=dedup.NUM_PERM, seed=1, hashfunc=int)
    sketch.update_batch(list(grams))
    sig = dedup.signature(TEXT)
    assert sig is not None
    assert np.array_equal(sig, sketch.hashvalues)
    words = dedup.normalise(TEXT)
    assert len(grams) == len({tuple(words[i : i + 3]) for i in range(len(words) - 2)})


def test_word_order_matters_in_shingles() -> None:
    assert not np.array_equal(
        dedup.shingle_hashes("le décret sur la formation"),
        dedup.shingle_hashes("la formation sur le décret"),
    )


def test_edited_repost_is_similar_and_another_story_is_not() -> None:
    repost = "Info relayée par notre réseau. " + TEXT.replace(" après consultation des OPCO", "")
    other = (
        "Le ministère lance un appel à projets pour l'inclusion numérique des demandeurs "
        "d'emploi. Les régions pourront financer des ateliers Pix et des formations courtes "
        "aux outils en ligne, en lien avec les conseillers numériques des territoires."
    )
    a, b, c = (dedup.signature(t) for t in (TEXT, repost, other))
    assert a is not None and b is not None and c is not None
    assert dedup.similarity(a, b) >= dedup.NEAR_DUPLICATE
    assert dedup.similarity(a, c) < 0.2
    assert set(dedup.band_keys(a)) & set(dedup.band_keys(b))


def test_short_text_has_no_signature_and_blob_round_trips() -> None:
    assert dedup.signature("Trop court pour juger") is None
    sig = dedup.signature(TEXT)
    assert sig is not None
    assert np.array_equal(dedup.from_blob(dedup.to_blob(sig)), sig)


def test_cluster_batch_keeps_stored_cluster_ids() -> None:
    sig = dedup.signature(TEXT)
    assert sig is not None
    # "aaa" is new and sorts before the stored cluster "zzz": the stored id must still win.
    assigned, merged = dedup.cluster_batch(
        {"aaa": (None, sig), "bbb": ("h1", None), "ccc": ("h1", None)},
        [("aaa", "zzz-member", "zzz", sig)],
        [],
    )
    assert assigned == {"aaa": "zzz", "bbb": "bbb", "ccc": "bbb"}
    assert merged == {}


def test_cluster_batch_merges_two_stored_clusters() -> None:
    sig = dedup.signature(TEXT)
    assert sig is not None
    assigned, merged = dedup.cluster_batch(
        {"new": (None, sig)}, [("new", "m1", "c1", sig), ("new", "m2", "c2", sig)], []
    )
    assert assigned == {"new": "c1"} and merged == {"c2": "c1"}


def _config(server: LocalServer, *sources: str, sites: str = "") -> str:
    lines = ["settings: {allow_private_networks: true}", "sources:"]
    for name in sources:
        lines += [f"  - id: {name}", f"    url: {server.url(f'site/feeds/{name}.xml')}"]
        if name == "officiel":
            lines.append("    official: true")
            if sites:  # the other sites its pages may name in their canonical link
                lines.append(f"    sites: [{sites}]")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_one_story_across_sources_incrementally(data_server: LocalServer, db_path: Path) -> None:
    store = Store(db_path)
    # First the official source alone, then the aggregator in a later run.
    asyncio.run(ingest(parse_config(_config(data_server, "officiel")), store))
    first = store.articles(off_topic=True)
    assert len(first) == 1
    story = first[0].cluster_id
    assert story == first[0].id

    summary = asyncio.run(
        ingest(parse_config(_config(data_server, "officiel", "agregateur")), store)
    )
    assert summary.dedup is not None and summary.dedup.duplicates == 1  # the repost

    everything = {a.url.rsplit("/", 1)[-1]: a for a in store.articles(include_all=True)}
    assert everything["psl-repost.html"].cluster_id == story  # the stored cluster keeps its id
    assert everything["vide.html"].cluster_id != story

    shown = store.articles(off_topic=True)
    assert len(shown) == 2  # the story once, and the unrelated page
    original = next(a for a in shown if a.cluster_id == story)
    assert original.source_id == "officiel" and original.representative is True
    assert "utm_source" not in original.url
    assert {(source, url.rsplit("/", 1)[-1].split("?")[0]) for source, url in original.also_in} == {
        ("agregateur", "psl-original.html"),
        ("agregateur", "psl-repost.html"),
    }
    # The same page listed with another tracking parameter is the same article, not a copy.
    assert store.counts().articles == 3


@pytest.mark.slow
def test_running_again_changes_nothing(data_server: LocalServer, db_path: Path) -> None:
    config = parse_config(_config(data_server, "officiel", "agregateur"))
    store = Store(db_path)
    asyncio.run(ingest(config, store))
    before = store.articles(include_all=True)
    summary = asyncio.run(ingest(config, store))
    assert summary.new_articles == 0 and summary.dedup is not None
    assert summary.dedup.articles == 0
    assert store.articles(include_all=True) == before


@pytest.mark.slow
def test_rejected_story_stays_rejected_when_relisted(
    data_server: LocalServer, db_path: Path
) -> None:
    config = parse_config(_config(data_server, "officiel"))
    store = Store(db_path)
    asyncio.run(ingest(config, store))
    story = store.articles(off_topic=True)[0]
    assert store.set_rejected([story.id]) == 1
    assert store.articles(off_topic=True) == []
    # The aggregator re-lists the same page and a repost of it: the story stays out.
    asyncio.run(ingest(parse_config(_config(data_server, "officiel", "agregateur")), store))
    shown = store.articles(off_topic=True)
    assert [a.url.rsplit("/", 1)[-1] for a in shown] == ["vide.html"]
    rejected = [a for a in store.articles(include_all=True) if a.rejected]
    assert [a.id for a in rejected] == [story.id]


@pytest.mark.slow
def test_page_canonical_link_names_the_article(data_server: LocalServer, db_path: Path) -> None:
    # psl-original.html declares https://www.psl.eu/... as its canonical URL. The page is served
    # from 127.0.0.1, so the source declares psl.eu as one of its sites (another site's canonical
    # link never takes over: tests/test_containment.py).
    store = Store(db_path)
    asyncio.run(ingest(parse_config(_config(data_server, "officiel", sites="psl.eu")), store))
    (article,) = store.articles(off_topic=True)
    assert article.url.startswith("https://www.psl.eu/")


def _feed(items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title><link>{link}</link>"
        f"<description>{TEXT}</description></item>"
        for g, t, link in items
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>{body}</channel></rss>"
    )


@pytest.mark.slow
def test_story_edited_in_place_is_an_update(tmp_path: Path, db_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    feed = site / "feed.xml"
    feed.write_text(_feed([("g1", "Décret : premier titre", "http://x.example/decret")]))
    with LocalServer(site) as server:
        config = parse_config(
            "settings: {allow_private_networks: true}\nsources:\n"
            f"  - id: s\n    url: {server.url('feed.xml')}\n    fetch_pages: false\n"
        )
        store = Store(db_path)
        asyncio.run(ingest(config, store))
        # The feed retitles the item, then gives it a new GUID with the same link.
        feed.write_text(_feed([("g1", "Décret : titre corrigé", "http://x.example/decret")]))
        asyncio.run(ingest(config, store))
        feed.write_text(_feed([("g2", "Décret : titre corrigé", "http://x.example/decret")]))
        summary = asyncio.run(ingest(config, store))
    assert summary.new_articles == 0
    (article,) = store.articles(include_all=True)
    assert article.title == "Décret : titre corrigé"


def test_same_short_text_is_not_a_copy_but_same_long_text_is(db_path: Path) -> None:
    from dataclasses import replace

    from tests.test_store import CONFIG, _article
    from veille.dedup_run import deduplicate
    from veille.identity import content_hash

    store = Store(db_path)
    store.sync_sources(CONFIG.sources)
    teaser = "Lire la suite sur notre site."  # the whole text of two unrelated feed items
    arts = [
        replace(
            _article(f"https://a.example/{i}", title=title),
            text=text,
            word_count=len(text.split()),
            content_hash=content_hash(text),
        )
        for i, (title, text) in enumerate(
            [
                ("Alerte juin", teaser),
                ("Réforme CPF", teaser),
                ("Décret A", TEXT),
                ("Décret B", TEXT),
            ]
        )
    ]
    store.commit_source(
        "a", articles=arts, sightings=[], entries_seen=4, etag=None, last_modified=None
    )
    deduplicate(store)
    cluster = {a.title: a.cluster_id for a in store.articles(include_all=True)}
    assert cluster["Alerte juin"] != cluster["Réforme CPF"]
    assert cluster["Décret A"] == cluster["Décret B"]


def _formation_config(server: LocalServer, order: tuple[str, str]) -> str:
    """The demo's two training feeds (both list articles 03 and 14, with different dates)."""
    feeds = {"centre-ressources-demo": "centre-ressources", "observatoire-demo": "observatoire"}
    lines = ["settings: {allow_private_networks: true}", "sources:"]
    for sid in order:
        lines += [f"  - id: {sid}", f"    url: {server.url(f'formation/{feeds[sid]}.xml')}"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_shared_story_has_the_same_owner_in_two_identical_runs(
    demo_server: LocalServer, tmp_path: Path
) -> None:
    # Fresh databases, the same served files; the second and third list the sources the other
    # way round, as a concurrent pass may store them: the owner must not depend on it.
    orders = [
        ("centre-ressources-demo", "observatoire-demo"),
        ("centre-ressources-demo", "observatoire-demo"),
        ("observatoire-demo", "centre-ressources-demo"),
    ]
    owners = []
    for n, order in enumerate(orders):
        store = Store(tmp_path / f"run-{n}.duckdb")
        asyncio.run(ingest(parse_config(_formation_config(demo_server, order)), store))
        shared = [a for a in store.articles(include_all=True) if a.also_in]
        owners.append({a.id: (a.source_id, a.published_at, a.title) for a in shared})
    assert len(owners[0]) == 2  # articles 03 and 14
    assert owners[0] == owners[1] == owners[2]
    # The earliest wins: the resource centre dated article 03 the 18th, the observatory the 19th.
    by_page = {
        a.url.rsplit("/", 1)[-1]: a
        for a in Store(tmp_path / "run-2.duckdb").articles(include_all=True)
    }
    opco = by_page["article-03.html"]
    assert opco.source_id == "centre-ressources-demo"
    assert opco.title.startswith("Les OPCO resserrent")  # its owner's title, not the other's
    assert opco.published_at is not None and opco.published_at.isoformat().startswith(
        "2026-11-18T13:00"
    )
