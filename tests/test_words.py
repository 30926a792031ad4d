"""Every word veille shows is French by default and English when configured: the catalogues of
veille/i18n hold both sides of every message, the French side holds no English word, and the
templates hold no human text outside the catalogues."""

from __future__ import annotations

import ast
import html
import re
import string
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import UvicornThread, copy_ingested
from veille import i18n
from veille.auth import hash_password
from veille.config import Config
from veille.i18n.letter import LETTER
from veille.i18n.web import WEB
from veille.store import Store
from veille.web import create_app
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
    "valid", "input", "unable", "than",  # pydantic's own words
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
    r"JSON Feed|« items »"  # a format's name, a key of the format
    r"|kind: [a-z]+(?: / [a-z]+)*"  # a setting of sources.yaml
    r"|\{[^{}]*\}(?:_[A-Z]+)?"  # str.format placeholders ({variable}_FILE: a variable's name)
    r"|`[^`]*`"  # a command to type
    r"|--[a-z-]+(?:[ =][a-z0-9-]+)?"  # an option, with its value
    r"|\b[a-z_]+(?:\.[a-z_]+)+\b"  # settings.digest.site_url, sources.yaml
    r"|\b[A-Z][A-Z0-9_]{2,}\b"  # VEILLE_SMTP_HOST, UTF-8, CSV
    r"|\b[a-z]+(?:_[a-z]+)+\b|(?<!\w)_[A-Z]+\b"  # a key of sources.yaml (move_to), _FILE
    r"|https?://\S+|\S+@\S+"  # addresses
    r"|python -c '[^']*'"  # a command given whole
    r"|(?<![\w.])/[\w/?=#&.-]*"  # a path of the app (/semaine?week=)
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
    assert _english_words("move_to: Veille/Lues, sa jumelle en _FILE") == set()
    assert _english_words("move to the folder") == {"to", "the"}


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


# --- the app, served: messages in its language, errors in an error style ---------------------


def _app_language(config: Config, lang: str) -> Config:
    digest = config.settings.digest.model_copy(update={"lang": lang})
    return config.model_copy(
        update={"settings": config.settings.model_copy(update={"digest": digest})}
    )


def _flash(page: str) -> tuple[str, str]:
    """(role, text) of the message a page shows once."""
    found = re.search(r'<p class="(flash|error)" role="(status|alert)">([^<]*)</p>', page)
    assert found, page
    assert (found.group(1) == "error") == (found.group(2) == "alert")
    return found.group(2), html.unescape(found.group(3))


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _job_message(client: httpx.Client, base: str, started: httpx.Response) -> tuple[str, str]:
    location = started.headers["location"]
    for _ in range(600):
        page = client.get(base + location, timeout=60)
        if "hx-get" not in page.text:
            return _flash(page.text)
        time.sleep(0.1)
    raise AssertionError("the job did not end")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            {
                "bad": "« pas-une-adresse@ » n’est pas une adresse e-mail",
                "added": "ana@greta.example.fr est abonné(e) à la lettre.",
                "csv": "Import de abonnes.csv terminé : 2 abonnés ajoutés, aucun modifié.",
                "week": "<h1>Lettre de la semaine du 16 au 22 novembre 2026</h1>",
                "kept": "articles retenus sur",
            },
        ),
        (
            "en",
            {
                "bad": "'pas-une-adresse@' is not an e-mail address",
                "added": "ana@greta.example.fr is subscribed to the letter.",
                "csv": "Import of abonnes.csv done: 2 subscribers added, none updated.",
                "week": "<h1>Digest for the week of 16–22 November 2026</h1>",
                "kept": "items kept of",
            },
        ),
    ],
)
@pytest.mark.slow
def test_the_app_speaks_its_language_and_tells_errors_from_successes(
    ingested: tuple[Config, Path], tmp_path: Path, lang: str, expected: dict[str, str]
) -> None:
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user("marie.curatrice", hash_password("une phrase de passe solide"))
    app = create_app(_app_language(config, lang), store, tmp_path / "digests")
    with UvicornThread(app) as base, httpx.Client(follow_redirects=True, timeout=60) as client:
        token = _csrf_of(client.get(f"{base}/login").text)
        login = {"user": "marie.curatrice", "password": "une phrase de passe solide"}
        client.post(f"{base}/login", data={**login, "csrf": token, "next": "/"})
        week = client.get(f"{base}/semaine?week=2026-W47").text
        token = _csrf_of(week)
        assert expected["week"] in week and "UTC" not in week
        client.post(f"{base}/semaine/2026-W47/brouillon", data={"csrf": token})
        week = client.get(f"{base}/semaine?week=2026-W47").text
        assert expected["kept"] in week and not re.search(r"\d{2}/\d{2}/\d{4}", week)

        bad = client.post(
            f"{base}/abonnes/ajouter",
            data={"csrf": token, "email": "pas-une-adresse@"},
            headers={"referer": f"{base}/abonnes"},
        )
        role, text = _flash(bad.text)
        assert role == "alert" and text.startswith(expected["bad"]), text
        good = client.post(
            f"{base}/abonnes/ajouter", data={"csrf": token, "email": "ana@greta.example.fr"}
        )
        assert _flash(good.text) == ("status", expected["added"])

        rows = "email,name\nbruno@of.example.fr,Bruno\nchloe@of.example.fr,Chloé\n"
        with httpx.Client(timeout=60, cookies=client.cookies) as raw:
            started = raw.post(
                f"{base}/abonnes/importer",
                data={"csrf": token},
                files={"file": ("abonnes.csv", rows.encode(), "text/csv")},
            )
            assert _job_message(raw, base, started) == (
                "status",
                f"{_done(lang)} {expected['csv']}",
            )
            # A file without its header: an error, in the error style, naming the file as its
            # owner named it (a browser may send the whole path: never shown).
            started = raw.post(
                f"{base}/abonnes/importer",
                data={"csrf": token},
                files={"file": ("C:\\Users\\marie\\liste.csv", b"nom\nBruno\n", "text/csv")},
            )
            role, text = _job_message(raw, base, started)
            assert role == "alert" and "liste.csv" in text and "Users" not in text, text

        archive = client.get(f"{base}/archives?q=apprentissage").text
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", archive.split("<ol")[1])  # no ISO dates
        assert not re.search(r">\s*20\d\d-W\d\d\s*<", archive)  # weeks said as their days


def _done(lang: str) -> str:
    return "Terminé." if lang == "fr" else "Done."


# --- no sentence written outside the catalogues ------------------------------------------------

# The modules whose errors and messages reach the web app's pages and the stored source errors:
# every sentence they show comes from veille/i18n (in the reader's language).
SHOWN = [
    "veille/fetch.py",
    "veille/mail.py",
    "veille/health.py",
    "veille/feeds.py",
    "veille/guard.py",
    "veille/source_run.py",
    "veille/discovery.py",
    "veille/opml.py",
    "veille/jsonsource.py",
    *sorted(
        str(p.relative_to(TEMPLATES.parent.parent)) for p in (TEMPLATES.parent / "web").glob("*.py")
    ),
]


def _literal_sentences(path: Path) -> list[str]:
    """The string literals (f-strings included) given to an error class or to a page's
    message (``back``, ``failure``): where an untranslated sentence would hide."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "AssertionError" or not (name.endswith("Error") or name in {"back", "failure"}):
            continue
        for arg in node.args:
            parts = [arg] if isinstance(arg, ast.Constant) else getattr(arg, "values", [])
            text = "".join(
                p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)
            )
            if _english_words(text):
                found.append(f"{path.name}:{node.lineno}: {text}")
    return found


def test_the_modules_the_app_shows_write_no_sentence_of_their_own() -> None:
    root = TEMPLATES.parent.parent
    assert [line for module in SHOWN for line in _literal_sentences(root / module)] == []
