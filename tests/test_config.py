"""sources.yaml validation: one clear message naming file, source, key, value and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.config import load_config, parse_config
from veille.errors import ConfigError

REPO = Path(__file__).parent.parent

GOOD = """
settings:
  timezone: Europe/Paris
  fetch: {deadline: 20}
sources:
  - id: centre-inffo
    url: https://www.centre-inffo.fr/feed
    kind: feed
    name: Centre Inffo
    tags: [reglementaire]
  - id: france-competences
    url: https://www.francecompetences.fr/actualites/
    kind: page
    link_pattern: /fiche/
"""


def test_good_file_gives_typed_config() -> None:
    config = parse_config(GOOD)
    assert [s.id for s in config.sources] == ["centre-inffo", "france-competences"]
    assert config.sources[1].kind == "page"
    assert config.settings.fetch.deadline == 20
    assert config.fetch_limits().deadline == 20
    assert config.fetch_limits().allow_private_networks is False


def test_fetch_settings_reach_the_fetcher_and_the_rest_keeps_its_defaults() -> None:
    from veille.fetch import DEFAULT_USER_AGENT, FetchLimits

    given = GOOD.replace("fetch: {deadline: 20}", "fetch: {deadline: 20, user_agent: 'OF/1.0'}")
    limits = parse_config(given).fetch_limits()
    assert (limits.deadline, limits.user_agent) == (20, "OF/1.0")
    assert limits.max_bytes == FetchLimits().max_bytes and limits.per_host == FetchLimits().per_host
    assert parse_config(GOOD).fetch_limits().user_agent == DEFAULT_USER_AGENT


def test_shipped_sources_file_is_valid() -> None:
    config = load_config(REPO / "sources.yaml")
    enabled = config.enabled_sources()
    assert len(enabled) >= 10
    assert all(s.url.startswith(("http://", "https://")) for s in config.sources)
    assert any(not s.enabled for s in config.sources)  # doubtful ones ship disabled


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name="sources.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("sources.yaml: ")
    return message


def test_bad_kind_names_source_key_value_and_hint() -> None:
    message = _error("sources:\n  - id: centre-inffo\n    url: https://x.fr/feed\n    kind: rss\n")
    assert "source 'centre-inffo' (sources[0])" in message
    assert "'kind'" in message and "'rss'" in message
    assert "feed, page" in message
    assert "Hint:" in message


def test_unknown_key_is_an_error_listing_allowed_keys() -> None:
    message = _error("sources:\n  - id: a\n    url: https://x.fr/feed\n    adress: x\n")
    assert "unknown key 'adress'" in message
    assert "url" in message and "kind" in message


def test_unknown_settings_key() -> None:
    message = _error("settings:\n  timezon: Europe/Paris\nsources: []\n")
    assert "settings" in message and "'timezon'" in message and "timezone" in message


def test_bad_url_and_missing_url() -> None:
    message = _error("sources:\n  - id: a\n    url: ftp://x.fr/feed\n")
    assert "'url'" in message and "ftp://x.fr/feed" in message and "https://" in message
    message = _error("sources:\n  - id: a\n")
    assert "'url' is missing" in message


def test_bad_id_and_duplicate_ids() -> None:
    message = _error("sources:\n  - id: Centre Inffo\n    url: https://x.fr/\n")
    assert "'id'" in message and "Centre Inffo" in message and "lowercase" in message
    message = _french(
        "sources:\n  - id: a\n    url: https://x.fr/\n  - id: a\n    url: https://y.fr/\n"
    )
    assert "identifiant « a » est donné deux fois" in message


def test_bad_timezone_regex_and_yaml() -> None:
    assert "Europe/Paris" in _error("settings:\n  timezone: Paris\n")
    assert "regular expression" in _error(
        "sources:\n  - id: a\n    url: https://x.fr/\n    kind: page\n    link_pattern: '(['\n"
    )
    message = _error("sources:\n  - id: a\n   url: x\n")
    assert "line" in message and "YAML" in message


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="introuvable") as raised:
        load_config("/nonexistent/sources.yaml")
    assert "(dans /nonexistent)" in str(raised.value) and "--config" in str(raised.value)


def test_unknown_source_id_for_run() -> None:
    config = parse_config(GOOD)
    with pytest.raises(ConfigError, match="no source with id 'nope'"):
        config.enabled_sources(["nope"])


def test_private_networks_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(GOOD)
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    assert config.fetch_limits().allow_private_networks is True
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "maybe")
    with pytest.raises(ConfigError, match="VEILLE_ALLOW_PRIVATE_NETWORKS"):
        config.fetch_limits()


def _french(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name="sources.yaml")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("sources.yaml : ")
    return message


def test_a_mistyped_theme_is_refused_with_the_closest_one() -> None:
    message = _french(
        "sources:\n  - id: a\n    url: https://x.fr/\n  - id: b\n    url: https://y.fr/\n"
        "    tags: [reglementaire, handicapp]\n"
    )
    assert "source « b » (source n° 2 (ligne 4))" in message
    assert "thème inconnu « handicapp » (vouliez-vous dire « handicap » ?)" in message
    assert "Les thèmes sont : reglementaire, competences-metiers" in message
    # A theme of the organisation's own taxonomy is fine, the default ones are then unknown.
    own = (
        "taxonomy:\n  - {id: presse, label: Presse}\n"
        "sources:\n  - id: a\n    url: https://x.fr/\n    tags: [presse]\n"
    )
    assert parse_config(own).sources[0].tags == ("presse",)
    message = _french(own.replace("tags: [presse]", "tags: [presses]"))
    assert "thème inconnu « presses » (vouliez-vous dire « presse » ?)" in message
    # A label of the curator's own, far from every theme (an OPML folder), stays a label.
    label = "sources:\n  - id: a\n    url: https://x.fr/\n    tags: [culture, handicap]\n"
    assert parse_config(label).sources[0].tags == ("culture", "handicap")


def test_two_sources_with_one_id_are_both_located() -> None:
    message = _french(
        "sources:\n"
        "  - id: a\n    url: https://x.fr/\n"
        "  - id: b\n    url: https://y.fr/\n"
        "  - id: a\n    url: https://z.fr/\n"
    )
    assert (
        "l’identifiant « a » est donné deux fois, à la source n° 1 (ligne 2) et à la "
        "source n° 3 (ligne 6)"
    ) in message


def test_a_bare_address_in_sources_says_how_to_write_a_source() -> None:
    message = _french("sources:\n  - id: a\n    url: https://x.fr/\n  - https://y.fr/feed\n")
    assert "la source n° 2 (ligne 4) est une adresse seule ('https://y.fr/feed')" in message
    assert "« - id: centre-inffo »" in message and "url: https://" in message
    assert "validation error" not in message and "dict" not in message


def test_configuration_errors_reach_the_command_line_as_one_french_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import run_cli

    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - https://www.centre-inffo.fr/feed\n", encoding="utf-8"
    )
    code, _, err = run_cli(
        capsys, "--config", str(tmp_path / "sources.yaml"), "--db", str(tmp_path / "v.duckdb"),
        "sources", "check",
    )  # fmt: skip
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and "est une adresse seule" in err
