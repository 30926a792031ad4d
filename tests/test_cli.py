"""The real `veille` command in a subprocess: the Prefect flow, JSON outputs, clear errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import copy_ingested, run_cli, run_veille
from veille import clock
from veille.config import Config
from veille.localserver import LocalServer

REPO = Path(__file__).parent.parent


def _write_demo_sources(tmp_path: Path, base_url: str) -> Path:
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(text.replace("__BASE__", base_url), encoding="utf-8")
    return path


@pytest.mark.slow
def test_run_twice_articles_and_sources_check(
    demo_server: LocalServer, tmp_path: Path, prefect_api: str
) -> None:
    _write_demo_sources(tmp_path, demo_server.base_url)
    first = run_veille("run", cwd=tmp_path, prefect=prefect_api)
    assert first.returncode == 0, first.stderr
    assert "1 en échec" in first.stdout and "nouveaux articles" in first.stdout
    assert (tmp_path / "veille.duckdb").exists()

    second = run_veille("run", cwd=tmp_path, prefect=prefect_api)
    assert second.returncode == 0, second.stderr
    assert " 0 nouvel article " in second.stdout
    assert "8 inchangées" in second.stdout
    assert (
        "attend avant un nouvel essai : flux-disparu" in second.stdout
    )  # the 404 source waits, it is not retried
    conditional = [h for h in demo_server.hits if h.conditional]
    assert len(conditional) == 8 and all(h.status == 304 for h in conditional)
    assert all(h.user_agent.startswith("veille/") for h in demo_server.hits)

    listed = run_veille("articles", "--json", "--all", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) > 20
    required = {
        "id",
        "url",
        "title",
        "source",
        "published_at",
        "lang",
        "text",
        "tags",
        "relevant",
        "score",
        "cluster",
        "also_in",
    }
    for row in rows:
        assert required <= row.keys()
        assert isinstance(row["tags"], list) and isinstance(row["also_in"], list)
        # Every new article is scored and tagged by the run; off-topic ones are kept, marked.
        assert isinstance(row["relevant"], bool) and 0.0 <= row["score"] <= 1.0
        assert bool(row["tags"]) == row["relevant"]
    shown = json.loads(run_veille("articles", "--json", cwd=tmp_path).stdout)
    assert shown and all(r["relevant"] for r in shown)
    assert len(shown) < len(rows)
    dated = [r for r in rows if r["published_at"]]
    assert dated and all("T" in r["published_at"] for r in dated)

    only_demo = json.loads(
        run_veille(
            "articles", "--json", "--all", "--source", "actualites-demo", cwd=tmp_path
        ).stdout
    )
    assert len(only_demo) == 6 and {r["source"] for r in only_demo} == {"actualites-demo"}

    check = run_veille("sources", "check", "--json", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    health = {h["id"]: h for h in json.loads(check.stdout)}
    for item in health.values():
        assert {
            "id",
            "url",
            "kind",
            "ok",
            "error_count",
            "last_error",
            "last_success_at",
            "entries",
        } <= item.keys()
    assert health["flux-disparu"]["ok"] is False
    assert health["flux-disparu"]["error_count"] == 1
    assert health["flux-disparu"]["next_check_at"] is not None
    assert "404" in health["flux-disparu"]["last_error"]
    assert health["actualites-demo"]["ok"] is True
    assert health["actualites-demo"]["entries"] == 6


@pytest.mark.slow
def test_bad_config_is_one_line_exit_1_and_nothing_fetched(
    demo_server: LocalServer, tmp_path: Path
) -> None:
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - id: ok\n    url: {demo_server.url('feeds/rue89.xml')}\n"
        "  - id: broken\n    url: https://example.org/feed\n    kind: rss\n",
        encoding="utf-8",
    )
    result = run_veille("run", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("erreur : sources.yaml : source « broken » (sources[1])")
    assert "clé « kind » : « rss » n’est pas l’une des valeurs feed, page" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert demo_server.hits == []


@pytest.mark.slow
def test_unknown_source_and_bad_week_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: a\n    url: https://example.org/feed\n", encoding="utf-8"
    )
    result = run_veille("run", "--source", "nope", cwd=tmp_path)
    assert result.returncode == 1 and "aucune source n’a l’identifiant « nope »" in result.stderr
    result = run_veille("articles", "--week", "2026-46", cwd=tmp_path)
    assert result.returncode == 1 and "2026-W46" in result.stderr
    result = run_veille("articles", "--nope", cwd=tmp_path)
    assert result.returncode == 1 and "--nope" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_runs_offline_and_prints_what_it_found(tmp_path: Path, prefect_api: str) -> None:
    result = run_veille("demo", cwd=tmp_path, prefect=prefect_api)
    assert result.returncode == 0, result.stderr
    assert "Articles trouvés" in result.stdout
    assert "Site d’exemple servi sur http://127.0.0.1:" in result.stdout
    assert "flux-disparu" in result.stdout  # the expected failing source is reported
    assert (tmp_path / "veille-demo.duckdb").exists()
    # It ends with a published digest of the demo's training news.
    assert "Lettre de la semaine du 16 au 22 novembre 2026 : " in result.stdout
    week = tmp_path / "digests" / "2026-W47"
    assert {p.name for p in week.iterdir()} == {
        "digest.md",
        "digest.html",
        "digest.txt",
        "index.html",
    }
    markdown = (week / "digest.md").read_text(encoding="utf-8")
    assert markdown.count("\n## ") >= 4  # several sections, by tag
    assert "Aussi relayé par" in markdown  # a story two sources carried, shown once
    assert (tmp_path / "digests" / "feed.xml").exists()
    # The commands it suggests next work on its data (they need its sources file).
    there = ("--config", str(tmp_path / "veille-demo.sources.yaml"))
    assert "veille " + " ".join(there) + " ui " in result.stdout
    shown = run_veille(*there, "digest", "show", "--week", "2026-W47", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["week"] == "2026-W47"
    # A sample Qualiopi register beside the database, with a sample action on the top story.
    register = (tmp_path / "veille-demo-registre-qualiopi.html").read_text(encoding="utf-8")
    assert "Organisme de formation (démo)" in register
    assert "Présenter l’information aux formateurs" in register
    assert "la lettre de la semaine du 16 au 22 novembre 2026" in register
    assert (tmp_path / "veille-demo-registre-qualiopi.xlsx").stat().st_size > 5_000
    assert not any("registre" in p.name for p in (tmp_path / "digests").rglob("*"))


@pytest.mark.slow
def test_a_prefect_server_that_does_not_start_is_one_clear_line(tmp_path: Path) -> None:
    """On a machine too busy for Prefect's temporary server to answer in time, `veille run`
    says so in one line (it printed Prefect's traceback)."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: a\n    url: http://127.0.0.1:9/feed\n", encoding="utf-8"
    )
    result = run_veille(
        "run", "--no-progress", cwd=tmp_path,
        env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "0"},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "serveur temporaire de Prefect" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_runs_lists_the_passes_as_a_table_and_as_json(
    ingested: tuple[Config, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = copy_ingested(ingested[1], tmp_path)
    code, out, err = run_cli(capsys, "--db", str(db), "db", "runs", "--json")
    assert code == 0, err
    (run,) = json.loads(out)
    assert run["status"] == "completed" and run["stats"]["new_articles"] > 20
    # Dates in ISO 8601 with their offset, as veille's clock gave them.
    assert datetime.fromisoformat(run["started_at"]) == clock.now()
    code, out, err = run_cli(capsys, "--db", str(db), "db", "runs")
    assert code == 0, err
    assert "completed" in out and str(run["stats"]["new_articles"]) in out
