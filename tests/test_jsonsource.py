"""kind: json sources: a WordPress REST answer (tests/data/wp-json, see its README) -> entries,
the field mapping and its errors, and a whole ingest pass over a JSON source served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille import i18n
from veille.config import JsonMapping, parse_config
from veille.errors import ConfigError, ParseError
from veille.jsonsource import parse_json_source, value_at
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store

DATA = Path(__file__).parent / "data"
BASE = "https://formation.example.fr"


def wp_posts() -> bytes:
    return (DATA / "wp-json" / "posts.json").read_bytes().replace(b"__BASE__", BASE.encode())


def test_wordpress_posts_with_default_mapping() -> None:
    parsed = parse_json_source(wp_posts(), url=f"{BASE}/wp-json/wp/v2/posts", mapping=JsonMapping())
    raw = json.loads(wp_posts())
    assert [e.url for e in parsed.entries] == [p["link"] for p in raw]
    first = parsed.entries[0]
    # HTML entities and tags of title.rendered are gone, as for feed titles.
    assert first.title == (
        "Appel à projets : compétences numériques des salariés des TPE, édition 2027"
    )
    assert parsed.entries[1].title.startswith("L’OPCO précise")
    assert parsed.entries[2].title == (
        "Webinaire référents handicap : adapter les parcours de formation"
    )
    assert first.published_at == datetime(2026, 11, 17, 8, 30, tzinfo=UTC)  # date_gmt
    assert first.guid == "4812"
    assert first.key == "guid:4812"
    assert "<" not in first.summary and first.summary.startswith("La Région ouvre l’appel")
    assert "<strong>" in first.content_html  # the feed-text fallback keeps its HTML


def test_custom_mapping_nested_items_and_list_index() -> None:
    doc = {
        "data": {
            "results": [
                {
                    "href": "/actualites/decret-cpf",
                    "headline": "Décret &laquo;CPF&raquo;",
                    "when": "Tue, 17 Nov 2026 09:00:00 +0100",
                    "authors": [{"name": "Service presse"}],
                },
                {"headline": "no link, skipped"},
            ]
        }
    }
    mapping = JsonMapping(
        items="data.results",
        link="href",
        title="headline",
        date="when",
        author="authors.0.name",
        summary=None,
        content=None,
        guid=None,
    )
    parsed = parse_json_source(json.dumps(doc).encode(), url=f"{BASE}/api/news", mapping=mapping)
    (entry,) = parsed.entries
    assert entry.url == f"{BASE}/actualites/decret-cpf"
    assert entry.title == "Décret «CPF»"
    assert entry.published_at == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
    assert entry.author == "Service presse"
    assert entry.key == f"link:{BASE}/actualites/decret-cpf"
    assert parsed.warnings == ("1 item(s) without a web address at 'href'",)


def test_value_at() -> None:
    doc = {"a": {"b": [10, {"c": "x"}]}}
    assert value_at(doc, "$") is doc
    assert value_at(doc, "a.b.1.c") == "x"
    assert value_at(doc, "a.b.7") is None
    assert value_at(doc, "a.z.c") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "is not valid JSON"),
        (b"<!doctype html><html><body>Accueil</body></html>", "returned HTML or XML, not JSON"),
        (b"", "empty document"),
        (b'{"posts": []}', "no list of articles at '$' (found an object). Hint: set "
         "mapping.items to the path of the list (its keys: posts)"),
        (b'[{"url": "https://x.fr/a"}]', "none of the 1 items has a web address at 'link'"),
    ],
)  # fmt: skip
def test_bad_documents_are_one_clear_parse_error(body: bytes, message: str) -> None:
    """Checked in English (the words), and in French (the configured default)."""
    with pytest.raises(ParseError) as french:
        parse_json_source(body, url=f"{BASE}/wp-json/wp/v2/posts", mapping=JsonMapping())
    assert "Hint" not in str(french.value) and "returned" not in str(french.value)
    with i18n.language("en"), pytest.raises(ParseError) as info:
        parse_json_source(body, url=f"{BASE}/wp-json/wp/v2/posts", mapping=JsonMapping())
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_mapping_errors_name_the_key() -> None:
    yaml = "sources: [{id: wp, url: https://x.fr/wp-json/wp/v2/posts, kind: json, mapping: %s}]"
    with pytest.raises(ConfigError, match=r"clé inconnue « mapping.titel ».*permises sont : auth"):
        parse_config(yaml % "{titel: x}")
    with pytest.raises(ConfigError, match=r"clé « mapping.items » : « a..b » n’est pas un chemin"):
        parse_config(yaml % "{items: 'a..b'}")
    with pytest.raises(ConfigError, match="mapping ne s’applique qu’aux sources kind: json"):
        parse_config(yaml.replace("kind: json", "kind: feed") % "{}")
    with i18n.language("en"), pytest.raises(ConfigError, match=r"key 'mapping.items': 'a..b' is"):
        parse_config(yaml % "{items: 'a..b'}")
    source = parse_config(yaml % "{title: title}").sources[0]
    assert source.json_mapping().title == "title"
    assert source.json_mapping().link == "link"  # the other defaults stay


@pytest.mark.slow
def test_ingest_a_json_source(data_server: LocalServer, db_path: Path) -> None:
    config = parse_config(
        f"""
settings: {{allow_private_networks: true}}
sources:
  - id: region-wp
    url: {data_server.url("wp-json/posts.json")}
    kind: json
  - id: broken-json
    url: {data_server.url("wp-json/README.md")}
    kind: json
"""
    )
    summary = asyncio.run(ingest(config, Store(db_path)))
    outcomes = {o.source_id: o for o in summary.outcomes}
    assert outcomes["region-wp"].ok
    assert outcomes["region-wp"].new_articles == 3
    assert not outcomes["broken-json"].ok
    assert "n’est pas du JSON valide" in (outcomes["broken-json"].error or "")
    rows = {r.url: r for r in Store(db_path).articles(include_all=True)}
    article = rows[data_server.url("2026/11/13/opco-prise-en-charge-afest/")]
    # The article pages do not exist on this server: the text comes from content.rendered.
    assert article.extraction == "feed"
    assert "Le forfait horaire est fixé à 30" in article.text
    assert article.title.startswith("L’OPCO précise")
    # A second pass lists the same posts: nothing new, no article page asked for again.
    pages_before = len(data_server.hits_for("/2026/"))
    again = asyncio.run(ingest(config, Store(db_path), only=("region-wp",)))
    assert again.new_articles == 0
    assert len(data_server.hits_for("/2026/")) == pages_before


def test_a_real_json_feed_through_a_custom_mapping() -> None:
    """Any JSON listing can be read with a mapping: here a real JSON Feed (NetNewsWire's
    fixtures, tests/data/feeds/README.md), its fields named by hand instead of by feedparser."""
    body = (DATA / "feeds" / "netnewswire" / "inessential.json").read_bytes()
    mapping = JsonMapping(
        items="items", link="url", title="title", date="date_published", summary=None,
        content="content_html", guid="id",
    )  # fmt: skip
    parsed = parse_json_source(body, url="https://inessential.com/feed.json", mapping=mapping)
    items = [i for i in json.loads(body)["items"] if i.get("url")]
    assert [e.url for e in parsed.entries] == [i["url"] for i in items]
    # Titles as feeds give them: spaces (non-breaking ones included) collapsed.
    assert [e.title for e in parsed.entries] == [" ".join(i["title"].split()) for i in items]
    assert all(e.published_at is not None and e.content_html for e in parsed.entries)
    assert parsed.entries[0].published_at == datetime(2017, 6, 3, 5, 5, 47, tzinfo=UTC)
    keys = [e.key for e in parsed.entries]
    assert len(set(keys)) == len(keys)  # one entry per item, stable ids from the item's id
