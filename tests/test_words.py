"""Every word veille shows is French by default and English when configured: the catalogues of
veille/i18n hold both sides of every message, the French side holds no English word, and the
templates hold no human text outside the catalogues."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from veille import i18n
from veille.i18n.letter import LETTER
from veille.i18n.web import WEB
from veille.weeks import week_dates, week_label

TEMPLATES = Path(__file__).parent.parent / "veille" / "templates"

# Words that betray an English sentence left in the French side. Each is checked on word
# boundaries, so "pertinence" does not match "is" nor "note" match "not".
ENGLISH = {
    "the", "is", "are", "not", "no", "and", "of", "to", "with", "without", "from", "into",
    "failed", "sent", "skipped", "items", "item", "hint", "error", "errors", "answered",
    "found", "published", "added", "updated", "removed", "saved", "already", "unknown",
    "cannot", "could", "should", "must", "please", "week", "weeks", "feed", "feeds", "file",
    "was", "were", "has", "have", "been", "this", "that", "these", "those", "which", "when",
    "tried", "given", "up", "read", "timed", "out", "connect", "network", "sending",
    "subscriber", "subscribers", "tag", "tags", "kept", "dropped", "unreachable", "address",
    "e-mail", "yes", "done", "then", "only", "try", "again", "here", "there", "it", "its",
}  # fmt: skip
# Tokens that are not English although they look it: named with the reason.
ALLOWED = {
    "e-mail": "the French word too (Office québécois, Académie: « courriel » or « e-mail »)",
    "tag": "the curators' own word (DOMAIN.md: « étiquette / tag »)",
    "tags": "the curators' own word, plural",
}
# What is not prose: placeholders, code in backticks, command options, dotted settings,
# environment variables, addresses, file names, quoted examples of a configuration.
NOT_PROSE = re.compile(
    r"\{[^{}]*\}"  # str.format placeholders
    r"|`[^`]*`"  # a command to type
    r"|--[a-z-]+(?:[ =][a-z0-9-]+)?"  # an option, with its value
    r"|\b[a-z_]+(?:\.[a-z_]+)+\b"  # settings.digest.site_url, sources.yaml
    r"|\b[A-Z][A-Z0-9_]{2,}\b"  # VEILLE_SMTP_HOST, UTF-8, CSV
    r"|https?://\S+|\S+@\S+"  # addresses
    r"|python -c '[^']*'"  # a command given whole
    r"|Restart=on-failure"
)


def _french_sides() -> list[tuple[str, str]]:
    sides = [(f"MESSAGES[{key!r}]", pair[0]) for key, pair in i18n.MESSAGES.items()]
    sides += [(f"WEB['fr'][{key!r}]", text) for key, text in WEB["fr"].items()]
    sides += [(f"LETTER['fr'][{key!r}]", text) for key, text in LETTER["fr"].items()]
    return sides


def _english_words(text: str) -> set[str]:
    prose = NOT_PROSE.sub(" ", text)
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", prose)}
    return {w for w in words if w in ENGLISH and w not in ALLOWED}


def test_the_french_side_of_every_catalogue_holds_no_english_word() -> None:
    found = {where: sorted(w) for where, text in _french_sides() if (w := _english_words(text))}
    assert found == {}


def test_the_scan_catches_an_untranslated_sentence() -> None:
    assert _english_words("{url} answered HTTP 404 (Not Found)") == {"answered", "not", "found"}
    assert _english_words("'x' is not an e-mail address. Hint: write it") >= {"is", "hint"}
    assert _english_words("pertinence, note, la source `veille run --week 2026-W47`") == set()


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, (french, english) in i18n.MESSAGES.items():
        assert french.strip() and english.strip(), key
        assert _fields(french) == _fields(english), key
    for catalogue in (WEB, LETTER):
        assert set(catalogue["fr"]) == set(catalogue["en"])
        for key, french in catalogue["fr"].items():
            assert _fields(french) == _fields(catalogue["en"][key]), key


def test_every_message_is_written_in_the_language_asked() -> None:
    with i18n.language("en"):
        english = i18n.message("subscriber.bad_email", raw="pas-une-adresse@")
    with i18n.language("fr"):
        french = i18n.message("subscriber.bad_email", raw="pas-une-adresse@")
    assert "Hint" in english and "n’est pas une adresse" in french and "Hint" not in french


# --- templates: no human text outside the catalogues ----------------------------------------

JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
HUMAN_ATTRIBUTES = re.compile(r'\b(?:aria-label|placeholder|title|alt)="([^"]*)"')
# Letters allowed outside the catalogues, with the reason.
ALLOWED_TEXT: dict[str, str] = {
    "https://www.centre-inffo.fr/": "an example of an address to paste (the Sources page)",
}


def _ui_templates() -> list[Path]:
    return sorted((TEMPLATES / "ui").glob("*.html"))


def _literal_text(source: str) -> list[str]:
    """The human text of a template: text between tags and human attributes, Jinja removed."""
    bare = JINJA.sub(" ", source)
    bare = re.sub(r"<(script|style)\b.*?</\1>", " ", bare, flags=re.S)
    found = [m.group(1) for m in HUMAN_ATTRIBUTES.finditer(bare)]
    found += re.sub(r"<[^>]*>", "\n", bare).split("\n")
    return [s.strip() for s in found if re.search(r"[^\W\d_]", s) and s.strip() not in ALLOWED_TEXT]


@pytest.mark.parametrize("path", _ui_templates(), ids=lambda p: p.name)
def test_the_app_templates_hold_no_literal_human_text(path: Path) -> None:
    assert _literal_text(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", _ui_templates(), ids=lambda p: p.name)
def test_the_app_templates_write_dates_through_one_filter(path: Path) -> None:
    """Dates and times through the ``day``/``moment`` filters (words, the organisation's time
    zone), never strftime (ISO or dd/mm/yyyy, UTC) in a template."""
    assert "strftime" not in path.read_text(encoding="utf-8")


def test_the_scan_catches_literal_text_in_a_template() -> None:
    assert _literal_text('<p class="meta">{{ n }} articles</p>') == ["articles"]
    assert _literal_text('<input placeholder="search" aria-label="{{ t.search }}">') == ["search"]
    assert _literal_text("<p>{{ t.saved }} · ★ ✓ —</p>") == []


# --- weeks and counts as people say them -----------------------------------------------------


@pytest.mark.parametrize(
    ("week", "french", "english"),
    [
        ("2026-W47", "du 16 au 22 novembre 2026", "16–22 November 2026"),
        ("2026-W49", "du 30 novembre au 6 décembre 2026", "30 November – 6 December 2026"),
        ("2026-W53", "du 28 décembre 2026 au 3 janvier 2027", "28 December 2026 – 3 January 2027"),
        ("2027-W05", "du 1er au 7 février 2027", "1–7 February 2027"),
    ],
)
def test_a_week_is_said_as_its_days(week: str, french: str, english: str) -> None:
    assert week_dates(week, "fr") == french
    assert week_dates(week, "en") == english
    assert week_label(week, "fr") == f"semaine {french}"
    assert week_label(week, "en", title=True) == f"Week of {english}"


def test_plurals_agree_as_each_language_does() -> None:
    one, other = "{n} article retenu", "{n} articles retenus"
    assert [i18n.plural(n, one, other, "fr") for n in (0, 1, 2)] == [
        "0 article retenu",
        "1 article retenu",
        "2 articles retenus",
    ]
    assert [i18n.plural(n, "{n} item", "{n} items", "en") for n in (0, 1, 2)] == [
        "0 items",
        "1 item",
        "2 items",
    ]
