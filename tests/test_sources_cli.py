"""`veille sources import|export|add` on real OPML files and real pages served on 127.0.0.1, into
real DuckDB files; page sources follow only links never seen before."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli as cli
from veille import i18n
from veille.cli import common
from veille.config import load_config, parse_config
from veille.identity import canonical_url
from veille.localserver import LocalServer
from veille.models import NewManagedSource
from veille.opml import parse_opml
from veille.pipeline import ingest
from veille.store import Store

DATA = Path(__file__).parent / "data"
OPML = DATA / "opml"
DEMO_SITE = Path(__file__).parent.parent / "veille" / "demo_data" / "site"
# The corpus's OPML files without a licence that allows copying them here are checked in place
# by bench/check_corpus_sources.py, not by the suite (a fresh clone has no corpus).
COPIED = sorted(str(p.relative_to(OPML)) for p in OPML.rglob("*.opml"))

SOURCES_YAML = """\
# Our sources: the comments and the order of this file matter to us.
settings:
  allow_private_networks: true   # the test sites are on 127.0.0.1
sources:
  - id: reflets          # first, on purpose
    url: http://reflets.info/feed/
    tags: [competences-metiers]
  - id: centre-inffo
    url: https://www.centre-inffo.fr/feed
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    return tmp_path


def args(project: Path, *rest: str) -> list[str]:
    return ["--config", str(project / "sources.yaml"), "--db", str(project / "v.duckdb"), *rest]


def distinct_feeds(data: bytes) -> set[str]:
    """Canonical http(s) xmlUrl values read with the stdlib's expat parser (not veille.opml)."""
    urls = set()
    for element in ET.fromstring(data).iter():  # noqa: S314 - our own fixture files
        for key, value in element.attrib.items():
            if key.lower() == "xmlurl" and re.match(r"https?://", value.strip()):
                urls.add(canonical_url(value.strip()))
    return urls


def _import_and_check(capsys: pytest.CaptureFixture[str], project: Path, file: Path) -> None:
    before = hashlib.sha256((project / "sources.yaml").read_bytes()).hexdigest()
    code, out, err = cli(capsys, *args(project, "sources", "import", str(file)))
    assert code == 0, err
    store = Store(project / "v.duckdb")
    rows = [r for r in store.managed_sources() if r.url]
    config = load_config(project / "sources.yaml").with_managed(store.managed_sources())
    try:
        expected = distinct_feeds(file.read_bytes())
    except ET.ParseError:  # a file expat refuses (encoding, truncation): veille's own reading
        expected = {canonical_url(f.url) for f in parse_opml(file.read_bytes())}
    yaml_urls = {canonical_url(s.url) for s in load_config(project / "sources.yaml").sources}
    # Every feed of the file is a source now, once, and only the new ones were added.
    assert expected <= {canonical_url(s.url) for s in config.sources}
    assert len(rows) == len(expected - yaml_urls)
    assert f": {len(rows)} source(s) ajoutée(s)" in out
    assert len({s.id for s in config.sources}) == len(config.sources)
    # sources.yaml is never rewritten: its bytes (comments, order) are exactly as they were.
    assert hashlib.sha256((project / "sources.yaml").read_bytes()).hexdigest() == before
    # A second import adds nothing and says why for each feed.
    code, out, err = cli(capsys, *args(project, "sources", "import", str(file)))
    assert code == 0 and ": 0 source(s) ajoutée(s)" in out
    assert err.count("déjà une source") == len(expected)


@pytest.mark.parametrize("name", COPIED)
def test_import_every_copied_opml_file(
    capsys: pytest.CaptureFixture[str], project: Path, name: str
) -> None:
    _import_and_check(capsys, project, OPML / name)


def test_folders_become_tags_and_export_round_trips(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    file = OPML / "picofeed" / "google-reader_fr.opml"
    code, out, err = cli(capsys, *args(project, "sources", "import", str(file)))
    assert code == 0, err
    # Reflets (folder "Presse") is already in sources.yaml: reported, not added again.
    assert "http://reflets.info/feed/ : déjà une source (reflets) ; pas ajoutée" in err
    config = load_config(project / "sources.yaml").with_managed(
        Store(project / "v.duckdb").managed_sources()
    )
    by_url = {s.url: s for s in config.sources}
    assert by_url["http://omnilogie.fr/flux.rss"].tags == ("culture",)
    # Folder names as written in the file, independently of veille.opml.
    tree = ET.fromstring(file.read_bytes())  # noqa: S314 - our own fixture file
    for folder in tree.iter("outline"):
        if "xmlUrl" in folder.attrib:
            continue
        tag = folder.get("title", "").lower().replace("é", "e").replace(" ", "-")
        for feed in folder.iter("outline"):
            url = feed.get("xmlUrl")
            if url and url in by_url and by_url[url].id != "reflets":
                assert tag in by_url[url].tags, (url, by_url[url].tags)

    # OPML export: every feed, tags as folders; importing it elsewhere gives the same tags.
    exported = tmp_path / "export.opml"
    code, out, _ = cli(capsys, *args(project, "sources", "export", "-o", str(exported)))
    assert code == 0 and f"{len(config.sources)} sources" in out
    other = tmp_path / "other"
    other.mkdir()
    (other / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    code, _, err = cli(capsys, *args(other, "sources", "import", str(exported)))
    assert code == 0, err
    again = load_config(other / "sources.yaml").with_managed(
        Store(other / "v.duckdb").managed_sources()
    )
    assert {s.url: s.tags for s in again.sources} == {s.url: s.tags for s in config.sources}

    # YAML export: a valid sources list, sources.yaml's own first and in its order.
    code, text, _ = cli(capsys, *args(project, "sources", "export", "--format", "yaml"))
    assert code == 0
    listed = parse_config(text).sources
    assert [s.id for s in listed[:2]] == ["reflets", "centre-inffo"]
    assert {s.url: s.tags for s in listed} == {s.url: s.tags for s in config.sources}
    assert text.count("# added with `veille sources`") == len(config.sources) - 2


def test_duplicates_and_invalid_outlines_are_reported_with_their_line(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    file = project / "mixed.opml"
    file.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>t</title></head><body>
  <outline text="Réglementaire">
    <outline text="Centre Inffo" xmlUrl="https://www.centre-inffo.fr/feed?utm_source=x"/>
    <outline text="Légifrance" xmlUrl="javascript:alert(1)"/>
    <outline text="Travail" xmlUrl="https://travail-emploi.gouv.fr/rss"/>
  </outline>
  <outline text="Travail bis" xmlUrl="https://travail-emploi.gouv.fr/rss"/>
  <outline text="Vide" xmlUrl=""/>
</body></opml>
""",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, *args(project, "sources", "import", str(file)))
    assert code == 0
    assert "+ travail: https://travail-emploi.gouv.fr/rss  [reglementaire]" in out
    assert "1 source(s) ajoutée(s) sur 2 flux ; 1 déjà suivie(s), 3 entrée(s) écartée(s)" in out
    err = " ".join(err.split())
    assert "ligne 5 (Légifrance) : xmlUrl 'javascript:alert(1)' n’est pas une adresse" in err
    assert "ligne 8 (Travail bis) : https://travail-emploi.gouv.fr/rss figure deux fois" in err
    assert "ligne 9 (Vide) : xmlUrl '' n’est pas une adresse http(s)" in err
    # Same canonical URL as sources.yaml's centre-inffo (tracking parameter dropped).
    assert "déjà une source (centre-inffo)" in err


def test_dry_run_adds_nothing_and_bad_files_are_one_line(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    file = OPML / "picofeed" / "tinytinyrss-export_fr.opml"
    code, out, _ = cli(capsys, *args(project, "sources", "import", str(file), "--dry-run"))
    assert code == 0 and "2 source(s) seraient ajoutée(s)" in out
    assert Store(project / "v.duckdb").managed_sources() == []
    code, _, err = cli(
        capsys, *args(project, "sources", "import", str(DATA / "listing" / "coco.html"))
    )
    assert code == 1 and err.startswith("erreur : ") and err.count("\n") == 1
    code, _, err = cli(capsys, *args(project, "sources", "export", "--format", "csv"))
    assert code == 1 and "choisissez parmi opml, yaml" in err


# -- sources check -----------------------------------------------------------------------------


def _history(project: Path) -> Store:
    """The database of a project whose reflets was tried once, during an outage (forgiven: it
    never answered), and that used to watch « ancienne », removed from sources.yaml since."""
    store = Store(project / "v.duckdb")
    gone = parse_config("sources:\n  - {id: ancienne, url: 'https://a.example/'}\n", name="x")
    store.sync_sources([*load_config(project / "sources.yaml").sources, *gone.sources])
    for sid in ("reflets", "ancienne"):
        store.record_source_error(
            sid, "network", "cannot resolve host", next_check_in=timedelta(hours=1)
        )
    store.forgive_outage(["reflets"])
    store.add_managed_sources(
        [NewManagedSource("ajoutee", "https://ajoutee.example/feed", "feed", None, "web")]
    )
    return store


def test_check_lists_the_sources_watched_and_none_that_never_answered_is_ok(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _history(project)
    code, out, err = cli(capsys, *args(project, "sources", "check", "--json"))
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["id"], r["status"], r["ok"], r["error_count"]) for r in rows] == [
        ("reflets", "failing", False, 0),  # tried, never answered: its error was forgiven
        ("centre-inffo", "never-fetched", False, 0),
        ("ajoutee", "never-fetched", False, 0),  # added in the web app, not fetched yet
    ]
    # The removed source is not listed, and its history stays in the database.
    assert "ancienne" in err and "historique" in err
    assert store.source_state("ancienne").error_count == 1

    monkeypatch.setattr(common.out, "width", 200)  # one line per source, words unbroken
    code, out, err = cli(capsys, *args(project, "sources", "check"))
    assert code == 0 and "ancienne" not in out and "ancienne" in err
    assert "état" in out and "jamais relevée" in out and "en échec" in out
    assert "cannot resolve host (pendant une coupure du réseau : non comptée" in out
    assert " ok " not in out
    english = SOURCES_YAML.replace("settings:\n", "settings:\n  digest: {lang: en}\n")
    (project / "sources.yaml").write_text(english, encoding="utf-8")
    code, out, err = cli(capsys, *args(project, "sources", "check"))
    assert i18n.current() == "fr"  # the command's language ended with it
    assert "status" in out and "never fetched" in out and "failing" in out
    assert "not counted against the source" in out and "history stays" in err


def test_check_without_sources_yaml_lists_the_whole_database_and_says_so(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    _history(project)
    (project / "sources.yaml").unlink()
    code, out, err = cli(capsys, *args(project, "sources", "check", "--json"))
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["ancienne", "centre-inffo", "reflets"]
    assert "sources.yaml est introuvable" in err and "plus suivies" in err


# -- sources add -------------------------------------------------------------------------------


def test_add_finds_the_feed_a_real_page_announces(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "feeds").mkdir(parents=True)
    # Daring Fireball's home page announces /feeds/main (rel=alternate, relative).
    shutil.copy(DATA / "listing" / "DaringFireball.html", site / "index.html")
    shutil.copy(DATA / "feeds" / "feed-rs" / "atom_scattered.xml", site / "feeds" / "main")
    with LocalServer(site) as server:
        # Not confirmed (no terminal, no --yes): shown, then nothing added, exit 1.
        code, out, err = cli(capsys, *args(project, "sources", "add", server.url("")))
        assert code == 1
        assert f"{server.url('feeds/main')} — flux « Scattered Thoughts » : 1 article" in out
        assert "(annoncé par la page)" in out
        assert "rien n’a été confirmé. Astuce : lancez la commande dans un terminal" in err
        assert "ajoutez --yes" in err
        assert Store(project / "v.duckdb").managed_sources() == []

        code, out, err = cli(
            capsys,
            *args(project, "sources", "add", server.url(""), "--yes", "--tags", "numerique-ia"),
        )
        assert code == 0, err
        (row,) = Store(project / "v.duckdb").managed_sources()
        assert (row.url, row.kind, row.name) == (
            server.url("feeds/main"),
            "feed",
            "Scattered Thoughts",
        )
        assert row.options == {"tags": ["numerique-ia"]}
        code, _, err = cli(capsys, *args(project, "sources", "add", server.url(""), "--yes"))
        assert code == 1 and "est déjà suivie (source « scattered-thoughts »)" in err


def test_add_follows_feed_links_then_common_feed_paths(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    linked, guessed = tmp_path / "linked", tmp_path / "guessed"
    linked.mkdir()
    # A real page whose <link rel="alternate"> is commented out but whose body links to /rss.xml.
    shutil.copy(DATA / "listing" / "afis-html4_relative-feed-link.html", linked / "index.html")
    shutil.copy(DEMO_SITE / "feeds" / "rue89.xml", linked / "rss.xml")
    # A real listing page that links to no feed at all; the site serves /feed.xml all the same.
    shutil.copytree(DEMO_SITE / "revue-de-presse", guessed / "presse")
    shutil.copy(DEMO_SITE / "feeds" / "le-cercle-psy.xml", guessed / "feed.xml")
    with LocalServer(linked) as one, LocalServer(guessed) as two:
        code, out, err = cli(capsys, *args(project, "sources", "add", one.url(""), "--yes"))
        assert code == 0, err
        assert "(lien trouvé dans la page)" in out
        code, out, err = cli(capsys, *args(project, "sources", "add", two.url("presse/"), "--yes"))
        assert code == 0, err
        assert "(adresse habituelle des flux)" in out
        rows = Store(project / "v.duckdb").managed_sources()
        assert [(r.url, r.kind) for r in rows] == [
            (one.url("rss.xml"), "feed"),
            (two.url("feed.xml"), "feed"),
        ]


@pytest.mark.slow
def test_add_falls_back_to_a_page_source_with_a_link_pattern_that_runs(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    with LocalServer(DEMO_SITE) as server:
        listing = server.url("revue-de-presse/")
        code, out, err = cli(capsys, *args(project, "sources", "add", listing, "--yes"))
        assert code == 0, err
        assert "aucun flux trouvé : la page" in err and "motif des liens : /articles/" in out
        assert server.url("articles/radio-france-conflit.html") in out
        store = Store(project / "v.duckdb")
        config = load_config(project / "sources.yaml").with_managed(store.managed_sources())
        (added,) = [s for s in config.sources if s.url == listing]
        assert (added.kind, added.link_pattern) == ("page", "/articles/")
        summary = asyncio.run(ingest(config, store, only=(added.id,)))
        assert summary.new_articles == 6
        assert len(server.hits_for("/a-propos")) == 0  # the pattern kept navigation out


# -- page sources: only new links are followed ------------------------------------------------


def _listing(links: list[str]) -> str:
    items = "".join(f'<li><a href="/articles/{name}">{name}</a></li>' for name in links)
    return (
        "<html><head><title>Actualités</title></head><body><nav><a href='/a-propos.html'>À propos"
        f"</a></nav><main><ul>{items}</ul></main></body></html>"
    )


@pytest.mark.slow
def test_a_listing_that_reshuffles_gives_nothing_new(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE / "articles", site / "articles")
    names = sorted(p.name for p in (site / "articles").iterdir())
    (site / "actualites").mkdir()
    page = site / "actualites" / "index.html"
    page.write_text(_listing(names[:8]), encoding="utf-8")
    with LocalServer(site) as server:
        config = parse_config(
            f"""
settings: {{allow_private_networks: true}}
sources:
  - id: actualites
    url: {server.url("actualites/")}
    kind: page
    link_selector: main li a
"""
        )
        db = tmp_path / "v.duckdb"
        first = asyncio.run(ingest(config, Store(db)))
        assert first.new_articles == 8
        assert len(server.hits_for("/articles/")) == 8

        # Same links, another order (and so another ETag): no article page is asked for.
        page.write_text(_listing(list(reversed(names[:8]))), encoding="utf-8")
        second = asyncio.run(ingest(config, Store(db)))
        assert second.new_articles == 0
        assert len(server.hits_for("/articles/")) == 8
        assert [h.status for h in server.hits_for("/actualites/")] == [200, 200]

        # Reshuffled again with one link never seen: only that page is fetched.
        page.write_text(_listing([names[8], *names[3:8], *names[:3]]), encoding="utf-8")
        third = asyncio.run(ingest(config, Store(db)))
        assert third.new_articles == 1
        assert [h.path for h in server.hits_for("/articles/")][-1] == f"/articles/{names[8]}"
        assert len(server.hits_for("/articles/")) == 9


@pytest.mark.slow
def test_add_proposes_the_wordpress_api_of_a_site_without_feed(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "wp-json" / "wp" / "v2").mkdir(parents=True)
    # A WordPress home page whose theme dropped the feed links but kept the REST API link.
    (site / "index.html").write_text(
        '<html><head><title>Région</title><link rel="https://api.w.org/" href="/wp-json/">'
        "</head><body><main><p>Bienvenue</p></main></body></html>",
        encoding="utf-8",
    )
    with LocalServer(site) as server:
        posts = (DATA / "wp-json" / "posts.json").read_text(encoding="utf-8")
        (site / "wp-json" / "wp" / "v2" / "posts").write_text(
            posts.replace("__BASE__", server.base_url), encoding="utf-8"
        )
        code, out, err = cli(capsys, *args(project, "sources", "add", server.url(""), "--yes"))
        assert code == 0, err
        assert "API WordPress annoncée par la page" in out and "3 articles" in out
        (row,) = Store(project / "v.duckdb").managed_sources()
        assert (row.url, row.kind) == (server.url("wp-json/wp/v2/posts"), "json")
        config = load_config(project / "sources.yaml").with_managed([row])
        summary = asyncio.run(ingest(config, Store(project / "v.duckdb"), only=(row.id,)))
        assert summary.new_articles == 3
