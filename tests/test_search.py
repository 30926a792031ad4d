"""`veille search` over a real ingested database (the demo's French pages and feeds): French
stemming, ranking, filters, snippets with the matching words marked, JSON output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import copy_ingested
from tests.conftest import run_cli as cli
from veille.config import Config
from veille.search import make_snippet
from veille.store import Store


@pytest.fixture
def db(ingested: tuple[Config, Path], tmp_path: Path) -> Path:
    # The search index is built inside the database: work on a copy of the session's one.
    return copy_ingested(ingested[1], tmp_path)


def search_json(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> list[dict]:
    code, out, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", *args, "--json"
    )
    assert code == 0, err
    return json.loads(out)


def test_stemmed_french_search_ranks_and_marks_the_words(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    hits = search_json(capsys, db, "retraites")  # plural: the stem also finds "retraite"
    assert hits, "the demo site has an article on pensions"
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    stored = {a.id: a for a in Store(db).articles(include_all=True)}
    for hit in hits:
        article = stored[hit["id"]]
        assert re.search(r"retrait", f"{article.title} {article.text}", re.IGNORECASE)
        marked = [hit["snippet"][a:b] for a, b in hit["highlights"]]
        marked += [hit["title"][a:b] for a, b in hit["title_highlights"]]
        assert marked, hit
        assert all(w.lower().startswith("retrait") for w in marked), marked
    # The article about pensions, with the word in its title, comes first.
    assert "retraite" in hits[0]["title"].lower()


@pytest.mark.slow
def test_accents_and_filters(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    with_accent = search_json(capsys, db, "université")
    without = search_json(capsys, db, "universite")
    assert with_accent and [h["id"] for h in with_accent] == [h["id"] for h in without]
    source = with_accent[-1]["source"]
    only = search_json(capsys, db, "université", "--source", source)
    carried = {r.id for r in Store(db).export_articles() if source in r.sources}
    assert only and {h["id"] for h in only} <= carried and source in {h["source"] for h in only}
    assert len(search_json(capsys, db, "université", "--limit", "1")) == 1
    assert search_json(capsys, db, "université", "--since", "2100-01-01") == []


def test_terminal_output_and_errors(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = cli(capsys, "--config", "absent.yaml", "--db", str(db), "search", "retraite")
    assert code == 0
    assert out.startswith("1. ") and out.rstrip().endswith("résultats")
    code, _, err = cli(capsys, "--config", "absent.yaml", "--db", str(db), "search", "« ! »")
    assert code == 1 and "ne contient aucun mot à chercher" in err and err.count("\n") == 1
    code, _, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "x", "--since", "lundi"
    )
    assert code == 1 and "--since 'lundi' n’est pas une date" in err and err.count("\n") == 1


def test_common_words_alone_find_nothing_and_say_why(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, out, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "de la", "--json"
    )
    assert code == 1 and out == ""
    assert "« de la » : ces mots sont trop courants pour chercher" in err
    assert err.count("\n") == 1
    # Among other words they are dropped: the same articles as the meaningful word alone.
    alone = search_json(capsys, db, "retraites")
    padded = search_json(capsys, db, "les retraites de la")
    assert [h["id"] for h in padded] == [h["id"] for h in alone]


def test_an_unknown_tag_or_source_is_named_with_the_known_ones(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, _, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "formation",
        "--tag", "reglementair",
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert "thème inconnu « reglementair » (vouliez-vous dire « reglementaire » ?)" in err
    code, _, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "formation",
        "--source", "inconnue",
    )  # fmt: skip
    assert code == 1 and "aucune source « inconnue » dans la base" in err
    assert "observatoire-demo" in err
    code, out, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "formation",
        "--since", "2100-01-01",
    )  # fmt: skip
    assert code == 0 and out.strip() == "0 résultat" and "Aucun résultat. Astuce" in err


@pytest.mark.slow
def test_a_source_filter_finds_the_stories_that_source_carried(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    """A story owned by one source (the earliest) and listed by another is found when
    filtering on either: the curator asks what that source brought."""
    rows = Store(db).export_articles()
    shared = [r for r in rows if len(r.sources) > 1]
    assert shared, "the demo has stories listed by two sources"
    for row in shared:
        word = max(re.findall(r"\w+", row.title or ""), key=len)
        for source in row.sources:
            hits = search_json(capsys, db, word, "--source", source, "--limit", "50")
            assert row.id in {h["id"] for h in hits}, (row.title, source)
        assert any(s != row.source for s in row.sources)


def test_snippet_is_cut_at_words_around_the_first_match() -> None:
    text = " ".join(["mot"] * 60) + " la formation des apprentis " + " ".join(["fin"] * 80)
    stems = {"mot": "mot", "la": "la", "formation": "format", "des": "de", "apprentis": "apprent",
             "fin": "fin"}  # fmt: skip
    snippet, marks = make_snippet(text, {"format"}, stems, width=120)
    assert snippet.startswith("…mot") and snippet.endswith("fin…")
    assert [snippet[a:b] for a, b in marks] == ["formation"]
    assert len(snippet) <= 122
    snippet, marks = make_snippet("Rien ici.", {"format"}, stems)
    assert (snippet, marks) == ("Rien ici.", [])


def test_a_word_after_an_elision_is_found(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    """« l’apprentissage », « d’apprentissage »: the typographic apostrophe separates words in
    the index (it was kept inside the word, and a search for « apprentissage » missed them)."""
    elided = re.compile(r"\b\w[’'](apprentissage|alternance|emploi)\b", re.IGNORECASE)
    stored = Store(db).articles(include_all=True)
    for word in ("apprentissage", "alternance", "emploi"):
        expected = {
            a.id for a in stored
            if any(m.group(1).lower() == word for m in elided.finditer(f"{a.title} {a.text}"))
        }  # fmt: skip
        if not expected:
            continue
        found = {h["id"] for h in search_json(capsys, db, word, "--limit", "500")}
        assert expected <= found, (word, expected - found)
        break
    else:
        pytest.fail("the demo's pages hold no elided « apprentissage », « alternance », « emploi »")
