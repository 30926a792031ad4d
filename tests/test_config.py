"""sources.yaml validation: one clear message naming file, source, key, value and a hint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_words import _english_words
from veille import i18n
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


def _error(text: str, lang: str = "fr", *, says: str | None = None) -> str:
    """The one line parse_config raises with ``lang`` in use (French, the default), written in
    ``says`` (``lang`` unless the file asks for another)."""
    with i18n.language(lang), pytest.raises(ConfigError) as info:
        parse_config(text, name="sources.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("sources.yaml : " if (says or lang) == "fr" else "sources.yaml: ")
    return message


BAD_KIND = "sources:\n  - id: centre-inffo\n    url: https://x.fr/feed\n    kind: rss\n"


def test_bad_kind_names_source_key_value_and_hint() -> None:
    assert _error(BAD_KIND) == (
        "sources.yaml : source « centre-inffo » (sources[0]), clé « kind » : « rss » n’est pas "
        "l’une des valeurs feed, page, json, mailbox. Astuce : kind: feed pour un flux "
        "RSS/Atom/JSON, kind: page pour une page HTML qui liste des articles, kind: json pour une "
        "API JSON qui liste des articles (par exemple wp-json/wp/v2/posts de WordPress), "
        "kind: mailbox pour des lettres d’information reçues dans une boîte IMAP."
    )


def test_an_english_organisation_reads_its_mistakes_in_english() -> None:
    """English when the language in use is (an entry point chose it), or when the file itself
    asks for English letters (settings.digest.lang: the language veille speaks once it is read)."""
    english = (
        "sources.yaml: source 'centre-inffo' (sources[0]), key 'kind': 'rss' is not one of "
        "feed, page, json, mailbox. Hint: use kind: feed for RSS/Atom/JSON feeds, kind: page "
        "for an HTML page listing articles, kind: json for a JSON API listing articles (e.g. "
        "WordPress wp-json/wp/v2/posts), kind: mailbox for newsletters received in an IMAP "
        "mailbox."
    )
    assert _error(BAD_KIND, "en") == english
    declared = "settings:\n  digest: {lang: en}\n" + BAD_KIND
    assert _error(declared, says="en") == english
    assert "clé « kind »" in _error(declared.replace("lang: en", "lang: fr"), "en", says="fr")
    message = _error("sources:\n  - id: a\n    url: https://x.fr/feed\n    adress: x\n", "en")
    assert "source 'a' (sources[0]), unknown key 'adress'. Hint: allowed keys are: " in message
    message = _error("sources:\n  - id: a\n    url: ftp://x.fr/feed\n", "en")
    assert "key 'url': 'ftp://x.fr/feed' is not an http(s) URL. Hint: give the full" in message
    assert "key 'url' is missing. Hint: give" in _error("sources:\n  - id: a\n", "en")
    assert "duplicate tag id 'a' in taxonomy" in _error(
        "taxonomy:\n  - {id: a, label: A}\n  - {id: a, label: B}\n", "en"
    )
    assert "YAML syntax error at line 3, column 4: a line is not aligned" in _error(
        "sources:\n  - id: a\n   url: x\n", "en"
    )


def test_unknown_key_is_an_error_listing_allowed_keys() -> None:
    message = _error("sources:\n  - id: a\n    url: https://x.fr/feed\n    adress: x\n")
    assert "source « a » (sources[0]), clé inconnue « adress ». Astuce : les clés permises " in (
        message
    )
    assert "url" in message and "kind" in message


def test_unknown_settings_key_lists_the_keys_of_its_own_part() -> None:
    message = _error("settings:\n  timezon: Europe/Paris\nsources: []\n")
    assert "settings, clé inconnue « timezon »" in message and "timezone" in message
    message = _error("settings:\n  digest: {titel: Veille}\n")
    assert "clé inconnue « digest.titel »" in message
    assert message.endswith("les clés permises sont : lang, max_items, max_per_section, "
                            "max_per_source, out_dir, reading_wpm, site_url, title.")  # fmt: skip


def test_bad_url_and_missing_url() -> None:
    message = _error("sources:\n  - id: a\n    url: ftp://x.fr/feed\n")
    assert "clé « url » : « ftp://x.fr/feed » n’est pas une adresse http(s). Astuce : " in message
    assert "https://" in message
    message = _error("sources:\n  - id: a\n")
    assert "la clé « url » manque. Astuce : donnez l’adresse complète" in message


def test_bad_id_and_duplicate_ids() -> None:
    message = _error("sources:\n  - id: Centre Inffo\n    url: https://x.fr/\n")
    assert "clé « id » : « Centre Inffo » n’est pas un identifiant valable" in message
    assert "des minuscules, des chiffres et des tirets" in message
    message = _french(
        "sources:\n  - id: a\n    url: https://x.fr/\n  - id: a\n    url: https://y.fr/\n"
    )
    assert "identifiant « a » est donné deux fois" in message
    message = _error("taxonomy:\n  - {id: a, label: A}\n  - {id: a, label: B}\n")
    assert "le thème « a » est déclaré deux fois dans taxonomy" in message


def test_bad_timezone_regex_and_yaml() -> None:
    message = _error("settings:\n  timezone: Paris\n")
    assert "clé « timezone » : fuseau horaire inconnu « Paris »" in message
    assert "Europe/Paris" in message
    assert "n’est pas une expression régulière valable" in _error(
        "sources:\n  - id: a\n    url: https://x.fr/\n    kind: page\n    link_pattern: '(['\n"
    )
    message = _error("sources:\n  - id: a\n   url: x\n")
    assert "erreur de syntaxe YAML à la ligne 3, colonne 4 : une ligne n’est pas alignée" in (
        message
    )
    assert "tabulation" in _error("sources:\n\t- id: a\n")
    assert "« : » là où la valeur n’en attend pas" in _error("sources:\n  - id: a: b\n")
    message = _error("- id: a\n")
    assert message == (
        "sources.yaml : le fichier doit commencer par les clés settings et sources, et non par "
        "une liste."
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("settings:\n  fetch: {deadline: 0}\n", "clé « fetch.deadline » : « 0 » est trop petit"),
        ("settings:\n  fetch: {max_redirects: 99}\n", "« 99 » est trop grand (au plus 20)"),
        ("settings:\n  fetch: {per_host: deux}\n", "« deux » n’est pas un nombre entier"),
        ("settings:\n  allow_private_networks: peut-être\n", "n’est ni true ni false"),
        ("settings:\n  relevance_threshold: haut\n", "« haut » n’est pas un nombre. Astuce : "
         "un nombre entre 0 et 1"),
        ("settings: 3\n", "settings, « 3 » n’est pas une table de clés"),
        ("sources:\n  - {id: a, url: 'https://x.fr/', tags: handicap}\n",
         "clé « tags » : « handicap » n’est pas une liste. Astuce : donnez une liste, par "
         "exemple tags: [reglementaire, handicap]."),
        ("sources:\n  - {id: a, url: 'https://x.fr/', name: 12}\n", "« 12 » n’est pas un texte"),
        ("settings:\n  schedule: {draft_cron: lundi}\n",
         "« lundi » n’est pas une ligne cron de cinq champs"),
        ("settings:\n  digest: {site_url: 'ftp://x'}\n", "« ftp://x » n’est pas une adresse"),
        ("taxonomy:\n  - {id: a, label: A, indicator: X1}\n",
         "thème « a » (taxonomy[0]), clé « indicator » : « X1 » n’est pas un indicateur Qualiopi"),
        ("taxonomy: []\n", "la taxonomie est vide"),
        ("sources:\n  - {id: a, url: 'https://x.fr/', link_selector: 'main a'}\n",
         "link_pattern et link_selector ne s’appliquent qu’aux sources kind: page"),
        ("sources:\n  - {id: a, url: 'https://x.fr/', sites: ['a b']}\n",
         "« a b » n’est pas un nom de site comme example.fr"),
        ("sources:\n  - {id: a, url: 'https://x.fr/', lang: français}\n",
         "« français » n’est pas un code de langue"),
    ],
)  # fmt: skip
def test_each_kind_of_mistake_is_said_in_french(text: str, words: str) -> None:
    message = _error(text)
    assert words in message
    assert _english_words(_without_values(message)) == set(), message


@pytest.mark.parametrize(
    "text",
    [
        "sources:\n  - {id: a, url: 'https://x.fr/', adress: x}\n",
        "sources:\n  - {id: a}\n",
        "sources:\n  - {id: a, url: 'https://x.fr/', kind: page, link_pattern: '(['}\n",
        "sources:\n  - {id: a, url: 'https://x.fr/', kind: page, link_selector: 'a[['}\n",
        "sources:\n  - {id: a, url: 'https://x.fr/', kind: json, mapping: {items: 'a..b'}}\n",
        "sources:\n  - {id: a, url: 'https://x.fr/', mapping: {}}\n",
        "sources:\n  - {id: a, url: 'https://x.fr/', max_bytes: 10}\n",
        "sources:\n  - {id: m, kind: mailbox, url: 'imaps://mail.example.org/V'}\n",
        "sources:\n  - {id: m, kind: mailbox, url: 'maildir://relatif'}\n",
        "sources:\n  - {id: m, url: 'imaps://mail.example.org/V'}\n",
        "sources:\n  - {id: f, url: 'https://x.fr/', move_to: Lues}\n",
        "settings:\n  channels:\n    - {name: equipe, kind: slack, url_env: HOOK, url: x}\n",
        "settings:\n  channels:\n    - {name: Equipe, kind: slack, url_env: HOOK}\n",
        "settings:\n  channels:\n    - {name: e, kind: slack, url_env: H, receives: [tout]}\n",
        "settings:\n  channels:\n    - {name: e, kind: teams, url_env: H, username: V}\n",
        "settings:\n  channels:\n    - {name: e, kind: teams, url_env: H}\n"
        "    - {name: e, kind: slack, url_env: I}\n",
        "taxonomy:\n  - {id: A, label: A}\n",
        "taxonomy:\n  - {id: a, label: A, also: [x]}\n",
        "taxonomy:\n  - {id: a}\n",
        "sources:\n  - id: a\n   url: x\n",
        "sources: [a, b\n",
        "sources:\n  - id: 'a\n",
        "sources:\n  - *nulle\n",
        "sources:\n  - id: a\n  url: b\n  x\n",
        "'juste un texte'\n",
        "sources: {a: 1}\n",
    ],
)
def test_no_english_word_reaches_a_french_organisation(text: str) -> None:
    """The words scan of the catalogues (tests/test_words.py), on the sentences they make with
    pydantic's and PyYAML's mistakes: values (« … ») and the names of keys aside."""
    message = _error(text)
    assert _english_words(_without_values(message)) == set(), message


def _without_values(message: str) -> str:
    """A message without what the user typed (« … ») nor the list of allowed keys."""
    return re.sub(r"« [^»]* »|les clés permises sont : .*", "", message)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="introuvable") as raised:
        load_config("/nonexistent/sources.yaml")
    assert "(dans /nonexistent)" in str(raised.value) and "--config" in str(raised.value)


def test_unknown_source_id_for_run() -> None:
    config = parse_config(GOOD)
    with pytest.raises(ConfigError, match="aucune source n’a l’identifiant « nope »"):
        config.enabled_sources(["nope"])
    with i18n.language("en"), pytest.raises(ConfigError, match="no source with id 'nope'"):
        config.enabled_sources(["nope"])


def test_private_networks_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(GOOD)
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    assert config.fetch_limits().allow_private_networks is True
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "maybe")
    with pytest.raises(ConfigError, match="VEILLE_ALLOW_PRIVATE_NETWORKS='maybe' n’est pas une"):
        config.fetch_limits()
    with i18n.language("en"), pytest.raises(ConfigError, match="'maybe' is not a yes/no value"):
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
    assert err.startswith(f"erreur : {tmp_path / 'sources.yaml'} : la source n° 1 (ligne 2)")


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            "",
            "erreur : {path} : source « a » (sources[0]), clé « tags » : « handicap » n’est pas "
            "une liste. Astuce : donnez une liste, par exemple tags: [reglementaire, handicap].\n",
        ),
        (
            "settings: {digest: {lang: en}}\n",
            "error: {path}: source 'a' (sources[0]), key 'tags': 'handicap' is not a list. "
            "Hint: give a list, e.g. tags: [reglementaire, handicap].\n",
        ),
    ],
)
def test_the_command_line_says_error_in_the_language_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str, line: str
) -> None:
    """« erreur : » or "error:", as the message it introduces; the hint's [ ] are text (rich
    markup would have swallowed them)."""
    from tests.conftest import run_cli

    path = tmp_path / "sources.yaml"
    path.write_text(
        settings + "sources:\n  - {id: a, url: 'https://x.fr/', tags: handicap}\n", encoding="utf-8"
    )
    code, _, err = run_cli(
        capsys, "--config", str(path), "--db", str(tmp_path / "v.duckdb"), "sources", "check"
    )
    assert (code, err) == (1, line.format(path=path))


def test_a_usage_error_is_one_french_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    """click's own words stay (its sentence about the option), framed in French."""
    from tests.conftest import run_cli

    code, _, err = run_cli(capsys, "run", "--nope")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("erreur : ") and err.endswith(" run --help`.\n")
    assert "--nope" in err and ". Astuce : voyez `" in err


def test_a_clock_that_is_not_a_moment_is_said_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    from veille import clock

    monkeypatch.setenv("VEILLE_NOW", "lundi matin")
    with pytest.raises(ConfigError, match="VEILLE_NOW='lundi matin' n’est pas un moment ISO 8601"):
        clock.now()
    with i18n.language("en"), pytest.raises(ConfigError, match="is not an ISO 8601 moment"):
        clock.now()
