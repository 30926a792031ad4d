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
    assert only and {h["source"] for h in only} == {source}
    assert len(search_json(capsys, db, "université", "--limit", "1")) == 1
    assert search_json(capsys, db, "université", "--since", "2100-01-01") == []


def test_terminal_output_and_errors(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = cli(capsys, "--config", "absent.yaml", "--db", str(db), "search", "retraite")
    assert code == 0
    assert out.startswith("1. ") and out.rstrip().endswith("results")
    code, _, err = cli(capsys, "--config", "absent.yaml", "--db", str(db), "search", "« ! »")
    assert code == 1 and "has no word to search for" in err and err.count("\n") == 1
    code, _, err = cli(
        capsys, "--config", "absent.yaml", "--db", str(db), "search", "x", "--since", "lundi"
    )
    assert code == 1 and "--since 'lundi' n’est pas une date" in err and err.count("\n") == 1


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
