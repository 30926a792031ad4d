"""The digest rendered from real French feed items: structure, escaping, Atom, a real browser."""

from __future__ import annotations

import re
import struct
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from markdown_it import MarkdownIt

from tests.conftest import CHROMIUM_FLAGS
from veille import i18n
from veille.errors import ConfigError
from veille.feeds import parse_feed
from veille.models import Entry
from veille.moments import format_day_time
from veille.render import (
    Digest,
    DigestItem,
    DigestSection,
    DigestStats,
    email_subject,
    format_date,
    format_period,
    markdown_escape,
    render_archive_index,
    render_atom,
    render_email_html,
    render_email_text,
    render_markdown,
    render_web_html,
    safe_url,
    stats_sentence,
)
from veille.weeks import week_label

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

REPO = Path(__file__).parent.parent
DEMO_FEEDS = REPO / "veille" / "demo_data" / "site" / "feeds"
TEST_FEEDS = Path(__file__).parent / "data" / "site" / "feeds"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
BASE = "https://veille-demo.example.org"
UNSUBSCRIBE = "https://veille.example.org/desinscription?email=ana%40of.fr&token=abc"
ARCHIVE = "https://veille.example.org/2026-W47/"


# --- a realistic digest, built from real feed items -------------------------------------


def _feed(path: Path, url: str) -> tuple[str, dict[str, Entry]]:
    body = path.read_bytes().replace(b"__BASE__", BASE.encode())
    # The demo feed's dates are filled in by the demo server: give them fixed values.
    body = re.sub(rb"__DATE-(\d)__", lambda m: b"2026-11-1%sT08:30:00Z" % m.group(1), body)
    parsed = parse_feed(body, url=url)
    return parsed.title or url, {e.title: e for e in parsed.entries}


def _item(
    source: str,
    entry: Entry,
    *,
    note: str | None = None,
    also_reported_by: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> DigestItem:
    return DigestItem(
        article_id=entry.key,
        title=entry.title,
        url=entry.url or "",
        source_name=source,
        published_at=entry.published_at,
        summary=entry.summary or "Un article de la sélection de la semaine.",
        note=note,
        also_reported_by=also_reported_by,
        tags=tags,
    )


@pytest.fixture(scope="module")
def digest() -> Digest:
    official, official_items = _feed(TEST_FEEDS / "officiel.xml", f"{BASE}/officiel.xml")
    aggregator, _ = _feed(TEST_FEEDS / "agregateur.xml", f"{BASE}/agregateur.xml")
    demo, demo_items = _feed(DEMO_FEEDS / "actualites.xml", f"{BASE}/feeds/actualites.xml")
    psy, psy_items = _feed(
        DEMO_FEEDS / "le-cercle-psy.xml", "https://le-cercle-psy.scienceshumaines.com/rss"
    )
    psl = official_items["L’Université PSL : quand les grandes écoles font université"]
    top = _item(
        official,
        replace(psl, summary="Comment un établissement réunit grandes écoles et université."),
        note="À partager avec l’équipe qui prépare les partenariats avec le supérieur.",
        also_reported_by=(aggregator, demo),
        tags=("competences-metiers",),
    )
    return Digest(
        week="2026-W47",
        title="Veille formation",
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        editorial=(
            "Une semaine marquée par l’**enseignement supérieur** et "
            "l’évaluation.\n\nBonne lecture, et n’hésitez pas à nous "
            "[suggérer des sources](https://veille.example.org/suggestions)."
        ),
        top_story=top,
        sections=(
            DigestSection(
                tag_id="reglementaire",
                label="Réglementaire",
                items=(
                    _item(demo, demo_items["Une candidature collective à la présidence du HCERES"]),
                ),
            ),
            DigestSection(
                tag_id="competences-metiers",
                label="Compétences et métiers",
                items=(
                    _item(
                        psy,
                        psy_items["Travail, organisations, emploi : les modèles européens"],
                        note="Utile pour le module « management interculturel » de janvier.",
                    ),
                    top,  # left in its section by the caller: must be shown once only
                ),
            ),
            DigestSection(
                tag_id="innovation-pedagogique",
                label="Innovation pédagogique",
                items=(
                    _item(demo, demo_items["L’évaluation et les listes de revues"]),
                    _item(
                        psy,
                        psy_items[
                            "L'enfant doué : quand trop comprendre... empêche parfois de comprendre"
                        ],
                    ),
                ),
            ),
        ),
        stats=DigestStats(gathered=148, duplicates=23, off_topic=97, kept=5, words_not_read=35420),
        failing_sources=(("OPCO Atlas — actualités", "HTTP 503 après 3 essais"),),
        published_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
    )


def _words(text: str) -> str:
    """``text`` with runs of ASCII white space as one space (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _items(d: Digest) -> list[DigestItem]:
    seen: dict[str, DigestItem] = {}
    for item in ([d.top_story] if d.top_story else []) + [i for s in d.sections for i in s.items]:
        seen.setdefault(item.article_id, item)
    return list(seen.values())


STATS_FR = (
    "Cette semaine, la veille a rassemblé 148 articles, fusionné 23 doublons, écarté 97 hors "
    "sujet\u202f; 5 retenus. Environ 154 minutes de lecture épargnées (35\u202f420 mots non lus "
    "à 230 mots/minute)."
)


# --- formats --------------------------------------------------------------------------------


def test_subject_and_stats_sentence(digest: Digest) -> None:
    assert email_subject(digest) == "Veille formation — semaine du 16 au 22 novembre 2026"
    assert stats_sentence(digest.stats) == STATS_FR
    assert digest.stats.minutes_saved == 154  # 35 420 / 230 = 154.0


def test_the_stats_sentence_agrees_and_says_no_empty_saving(digest: Digest) -> None:
    """No "Environ 0 minute de lecture épargnée (86 mots non lus…)", no "0 mot non lus"."""
    little = replace(digest.stats, kept=1, words_not_read=86)  # 0.4 minute
    french = stats_sentence(little)
    # Under a minute is said as such, never as "0 minute"; "86 mots", plural.
    assert french.endswith("1 retenu. Moins d’une minute de lecture épargnée (86 mots non lus).")
    assert "0 minute" not in french
    one = replace(digest.stats, kept=0, words_not_read=230)
    assert stats_sentence(one).endswith(
        "0 retenu. Environ 1 minute de lecture épargnée (230 mots non lus à 230 mots/minute)."
    )
    assert stats_sentence(one, "en").endswith(
        "0 kept. About 1 minute of reading saved (230 words not read at 230 words/minute)."
    )


def test_markdown_structure(digest: Digest) -> None:
    md = render_markdown(digest)
    assert md.startswith("# Veille formation — semaine 47\n\n*16–22 novembre 2026*")
    headings = re.findall(r"^## (.+)$", md, re.MULTILINE)
    assert headings == [
        "Édito",
        "À la une",
        "Réglementaire",
        "Compétences et métiers",
        "Innovation pédagogique",
    ]
    assert "Aussi relayé par Agrégateur (test), Enseignement supérieur" in md
    assert "> **Note de la rédaction\u00a0:** À partager avec l’équipe" in md
    assert STATS_FR in md
    assert md.count("L’Université PSL") == 1  # the top story is not repeated in its section
    # Rendered by a CommonMark parser, every item is one link to its article.
    html = MarkdownIt("commonmark").render(md)
    hrefs = lxml.html.fromstring(html).xpath("//a/@href")
    assert set(hrefs) == {i.url for i in _items(digest)}


def test_email_html_structure(digest: Digest) -> None:
    html = render_email_html(digest, unsubscribe_url=UNSUBSCRIBE, archive_url=ARCHIVE)
    tree = lxml.html.document_fromstring(html)
    text = " ".join(tree.text_content().split())
    # Layout that holds in Outlook: tables, inline styles, 600 px at most, no flex or grid.
    (style,) = tree.xpath("//style")
    assert "@media" in style.text and style.text.count("{") <= 4
    assert "max-width:600px" in html
    assert not re.search(r"display:\s*(flex|grid)", html)
    assert tree.xpath("//body//*[@class and not(@class='px') and not(@class='outer')]") == []
    # Top story first, then the sections in order, each title linked to its article.
    order = [h.text_content().strip() for h in tree.xpath("//h2")]
    assert order == ["Édito", "Réglementaire", "Compétences et métiers", "Innovation pédagogique"]
    titles = [" ".join(a.text_content().split()) for a in tree.xpath("//h3/a")]
    assert titles[0] == "L’Université PSL : quand les grandes écoles font université"
    assert len(titles) == 5
    assert text.index("À la une") < text.index("Réglementaire")
    links = tree.xpath("//a/@href")
    for item in _items(digest):
        assert item.url in links
    assert "Aussi relayé par Agrégateur (test), Enseignement supérieur" in text
    assert "16 novembre 2026" in text  # officiel.xml: Mon, 16 Nov 2026 09:00 +0100
    assert "17 octobre 2018" in text  # Le Cercle Psy
    (note,) = [td for td in tree.xpath("//td") if "À partager" in (td.text_content() or "")][-1:]
    assert "background-color:#fff4d6" in note.get("style")
    assert " ".join(STATS_FR.split()) in text
    assert UNSUBSCRIBE in links and ARCHIVE in links
    assert "OPCO Atlas" not in html  # failing sources are for curators only
    assert "font-size:16px" in html


def test_email_text_twin(digest: Digest) -> None:
    text = render_email_text(digest, unsubscribe_url=UNSUBSCRIBE, archive_url=ARCHIVE)
    assert text.startswith("Veille formation — semaine 47\n16–22 novembre 2026\n")
    assert text.index("À LA UNE") < text.index("RÉGLEMENTAIRE") < text.index("INNOVATION")
    for item in _items(digest):
        assert f"-> {item.url}" in text
    assert "Note de la rédaction\u00a0: Utile pour le module" in text
    assert " ".join(STATS_FR.split()) in " ".join(text.split())
    assert f"Se désinscrire\u00a0: {UNSUBSCRIBE}" in text
    assert "OPCO Atlas" not in text
    assert "<" not in text  # no markup leaked from the editorial
    assert "suggérer des sources (https://veille.example.org/suggestions)" in _words(text)
    long_lines = [line for line in text.splitlines() if len(line) > 78 and "http" not in line]
    assert long_lines == []


def test_web_page_shows_failing_sources_to_curators_only(digest: Digest) -> None:
    public = render_web_html(digest)
    curators = render_web_html(digest, curators=True)
    assert "OPCO Atlas" not in public and "Sources en échec" not in public
    tree = lxml.html.document_fromstring(curators)
    (failing,) = tree.xpath("//li[strong]")
    assert _words(failing.text_content()) == (
        "OPCO Atlas — actualités\u00a0: HTTP 503 après 3 essais"
    )
    assert tree.xpath("//a[@href='../']")  # back to the archive index
    assert "Se désinscrire" not in curators
    healthy = render_web_html(replace(digest, failing_sources=()), curators=True)
    assert "Toutes les sources ont été lues cette semaine." in healthy


def test_archive_index_newest_first() -> None:
    html = render_archive_index(
        [
            ("2026-W45", "Veille formation", date(2026, 11, 9)),
            ("2026-W47", "Veille formation", date(2026, 11, 23)),
            ("2025-W52", "Veille formation", date(2025, 12, 29)),
        ],
        feed_url="https://veille.example.org/feed.xml",
    )
    tree = lxml.html.document_fromstring(html)
    assert tree.xpath("//li/a/@href") == ["2026-W47/", "2026-W45/", "2025-W52/"]
    first = " ".join(tree.xpath("//li")[0].text_content().split())
    assert first == (
        "Semaine 47 · 16–22 novembre 2026 Veille formation · publiée le 23 novembre 2026"
    )
    assert tree.xpath("//link[@type='application/atom+xml']/@href") == [
        "https://veille.example.org/feed.xml"
    ]
    assert "Aucune lettre" in render_archive_index([])


def test_atom_feed_is_valid(digest: Digest) -> None:
    earlier = replace(
        digest,
        week="2026-W46",
        period_start=date(2026, 11, 9),
        period_end=date(2026, 11, 15),
        published_at=datetime(2026, 11, 16, 7, tzinfo=UTC),
    )
    xml = render_atom(
        [earlier, digest],
        feed_url="https://veille.example.org/feed.xml",
        site_url="https://veille.example.org",
    )
    parsed = feedparser.parse(xml.encode())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.link for e in parsed.entries] == [
        "https://veille.example.org/2026-W47/",
        "https://veille.example.org/2026-W46/",
    ]
    assert parsed.entries[0].title == "Veille formation — semaine du 16 au 22 novembre 2026"
    assert parsed.entries[0].id == "https://veille.example.org/2026-W47/"
    assert parsed.feed.updated == "2026-11-23T07:00:00Z"
    content = parsed.entries[0].content[0]
    assert content.type == "text/html"
    assert "Travail, organisations, emploi" in content.value
    assert "OPCO Atlas" not in xml
    root = lxml.etree.fromstring(xml.encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for entry in root.findall("a:entry", ns):
        for tag in ("id", "title", "updated", "content"):
            assert entry.find(f"a:{tag}", ns) is not None
        assert entry.find("a:link[@rel='alternate']", ns) is not None
    with pytest.raises(ConfigError, match=r"l’adresse du flux « javascript:alert\(1\) » et celle"):
        render_atom([digest], feed_url="javascript:alert(1)", site_url="https://x.org")


def test_english_locale(digest: Digest) -> None:
    english = replace(digest, lang="en")
    html = render_email_html(english, unsubscribe_url=UNSUBSCRIBE, archive_url=None)
    text = " ".join(lxml.html.document_fromstring(html).text_content().split())
    for words in ("Top story", "Also reported by", "Curator’s note:", "Unsubscribe"):
        assert words in text
    assert "This week, the watch gathered 148 articles, merged 23 duplicates" in text
    assert "35,420 words" in text and "17 October 2018" in text
    assert "À la une" not in text and "Se désinscrire" not in text
    assert email_subject(english) == "Veille formation — week of 16–22 November 2026"
    assert "## Top story" in render_markdown(english)
    with pytest.raises(ConfigError, match="la langue « de » n’est pas disponible"):
        render_markdown(replace(digest, lang="de"))
    with i18n.language("en"), pytest.raises(ConfigError, match="'de' is not available"):
        render_markdown(replace(digest, lang="de"))


def test_dates_are_written_without_system_locales() -> None:
    assert format_date(date(2026, 11, 1)) == "1er novembre 2026"
    assert format_date(date(2026, 8, 15)) == "15 août 2026"
    assert format_date(date(2026, 2, 1), "en") == "1 February 2026"
    assert format_period(date(2026, 11, 9), date(2026, 11, 15)) == "9–15 novembre 2026"
    assert format_period(date(2026, 6, 1), date(2026, 6, 7)) == "1er–7 juin 2026"
    assert format_period(date(2026, 9, 28), date(2026, 10, 4)) == "28 septembre – 4 octobre 2026"
    assert (
        format_period(date(2025, 12, 29), date(2026, 1, 4)) == "29 décembre 2025 – 4 janvier 2026"
    )


def test_item_date_is_the_day_in_paris(digest: Digest) -> None:
    # 23:30 UTC on Sunday is already Monday in Paris.
    assert digest.top_story is not None
    late = replace(digest.top_story, published_at=datetime(2026, 11, 15, 23, 30, tzinfo=UTC))
    html = render_email_html(
        replace(digest, top_story=late), unsubscribe_url=None, archive_url=None
    )
    assert "16 novembre 2026" in html and "15 novembre 2026" not in html


def test_stats_singular_and_rounding() -> None:
    one = DigestStats(gathered=1, duplicates=0, off_topic=1, kept=1, words_not_read=115)
    assert one.minutes_saved == 1  # 0.5 rounds up
    assert stats_sentence(one) == (
        "Cette semaine, la veille a rassemblé 1 article, fusionné 0 doublon, écarté 1 hors "
        "sujet\u202f; 1 retenu. Environ 1 minute de lecture épargnée (115 mots non lus à 230 "
        "mots/minute)."
    )
    assert (
        DigestStats(gathered=0, duplicates=0, off_topic=0, kept=0, words_not_read=114).minutes_saved
        == 0
    )


def test_empty_week(digest: Digest) -> None:
    empty = replace(digest, top_story=None, sections=(), editorial=None)
    assert "Aucun article retenu cette semaine." in render_markdown(empty)
    html = render_email_html(empty, unsubscribe_url=UNSUBSCRIBE, archive_url=None)
    assert "Aucun article retenu cette semaine." in html


# --- hostile feed text ------------------------------------------------------------------------

HOSTILE = {
    "title": '"><img src=x onerror=alert(1)><script>alert("t")</script>'
    " [click](javascript:alert(1))",
    "summary": "Résumé <script>alert(2)</script> ]]> <!-- x --> &lt;b&gt;"
    " ![i](javascript:alert(3))",
    "note": '<a href="javascript:alert(4)" onclick="alert(5)">note</a> <svg onload=alert(6)>',
    "source": "Source <iframe src=javascript:alert(7)>\u202eevil\x00\x0b",
}

SAFE_HOSTILE_URLS = [
    'https://ok.example.org/a"onmouseover="alert(1)',
    "https://ok.example.org/p)](javascript:alert(1)",
]


@pytest.fixture
def hostile(digest: Digest) -> Digest:
    def bad(url: str, article_id: str) -> DigestItem:
        return DigestItem(
            article_id=article_id,
            title=HOSTILE["title"],
            url=url,
            source_name=HOSTILE["source"],
            also_reported_by=('<b onmouseover="alert(8)">x</b>',),
            summary=HOSTILE["summary"],
            note=HOSTILE["note"],
            published_at=datetime(2026, 11, 17, tzinfo=UTC),
        )

    urls = [
        "javascript:alert(1)",
        " JaVa\tScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        'https://ok.example.org/a"onmouseover="alert(1)',
        "https://ok.example.org/p)](javascript:alert(1)",
        "vbscript:msgbox(1)",
    ]
    return replace(
        digest,
        title='Veille <script>alert("titre")</script>',
        editorial=(
            '<p onclick="alert(9)">Édito</p><script>alert(10)</script>'
            '<a href="javascript:alert(11)">lien</a><img src=x onerror=alert(12)>'
        ),
        top_story=bad(urls[0], "h0"),
        sections=(
            DigestSection(
                tag_id="x",
                label="<script>alert(13)</script>",
                items=tuple(bad(u, f"h{i}") for i, u in enumerate(urls[1:], 1)),
            ),
        ),
        failing_sources=(("<script>alert(14)</script>", '"><img src=x onerror=alert(15)>'),),
    )


def _assert_inert_html(html: str) -> None:
    """No script, no event handler, no link or resource that is not http(s)."""
    assert "<script" not in html.lower()
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//script|//iframe|//img|//svg|//object|//embed") == []
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src"):
                if value.startswith("mailto:"):  # the editorial's addresses
                    assert re.fullmatch(r"mailto:[^\s<>\"':]+@[^\s<>\"':]+", value), value
                    continue
                assert value == "../" or safe_url(value) == value, value
                assert value.startswith(("https://", "../")), value


def test_hostile_input_is_neutralised_everywhere(hostile: Digest) -> None:
    email = render_email_html(hostile, unsubscribe_url=UNSUBSCRIBE, archive_url=ARCHIVE)
    web = render_web_html(hostile, curators=True)
    for html in (email, web):
        _assert_inert_html(html)
        assert "onerror=alert(1)&gt;&lt;script&gt;alert(&#34;t&#34;)" in html  # shown as text
    assert "alert(14)" in web  # failing sources escaped, still readable by curators

    xml = render_atom([hostile], feed_url="https://v.example.org/f", site_url="https://v.org")
    assert not feedparser.parse(xml.encode()).bozo
    content = lxml.etree.fromstring(xml.encode()).findtext(
        "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content"
    )
    _assert_inert_html(content)
    assert "]]>" not in xml  # escaped in the XML, the literal text once read back
    assert "]]>" in lxml.html.fromstring(content).text_content()

    md = render_markdown(hostile)
    assert "<script" not in md and "<img" not in md and "<iframe" not in md
    assert "](javascript" not in md.replace("\\](javascript", "")
    _assert_inert_html(MarkdownIt("commonmark", {"html": True}).render(md))

    text = render_email_text(hostile, unsubscribe_url=UNSUBSCRIBE, archive_url=ARCHIVE)
    # Plain text is never interpreted: feed text stays as written, but only http(s) is linked.
    assert re.findall(r"^\s*-> (.*)$", text, re.MULTILINE) == SAFE_HOSTILE_URLS
    assert "\x00" not in text and "\u202e" not in text

    # Unsafe URLs leave the title unlinked; the https one with a quote stays one attribute.
    assert lxml.html.fromstring(email).xpath("//h3/a/@href") == SAFE_HOSTILE_URLS
    md_links = lxml.html.fromstring(MarkdownIt("commonmark").render(md)).xpath("//a/@href")
    assert md_links == [  # percent-encoded by render.py and markdown-it, one link each
        "https://ok.example.org/a%22onmouseover=%22alert%281%29",
        "https://ok.example.org/p%29%5D%28javascript:alert%281%29",
    ]


def test_editorial_is_markdown_lite_cleaned_by_nh3(digest: Digest) -> None:
    d = replace(
        digest,
        editorial="Une *semaine* _dense_ et **chargée** : voir l’étude "
        "https://www.centre-inffo.fr/etude?x=1 ou "
        "[France compétences](https://www.francecompetences.fr/).\n"
        "Écrire à veille@of-exemple.fr.\n\n"
        '<p style="color:red">Brut</p> [ceci](javascript:alert(1)) '
        "<img src=x onerror=alert(1)> [data](data:text/html,x).",
    )
    html = render_email_html(d, unsubscribe_url=None, archive_url=None)
    tree = lxml.html.document_fromstring(html)
    first, second = tree.xpath("//h2[.='Édito']/following-sibling::p")
    markup = lxml.html.tostring(first, encoding="unicode")
    assert "<em>semaine</em>" in markup and "<em>dense</em>" in markup
    assert "<strong>chargée</strong>" in markup and "<br>" in markup
    assert first.xpath("a/@href") == [
        "https://www.centre-inffo.fr/etude?x=1",  # a pasted address is a link
        "https://www.francecompetences.fr/",
        "mailto:veille@of-exemple.fr",
    ]
    assert set(first.xpath("a/@rel")) == {"noopener noreferrer"}
    # Raw HTML is text, refused links are text: nothing live in the second paragraph.
    assert second.xpath(".//a | .//img | .//*[@style]") == []
    assert "<img src=x onerror=alert(1)>" in second.text_content()
    assert "[ceci](javascript:alert(1))" in second.text_content()
    _assert_inert_html(html)
    text = render_email_text(d, unsubscribe_url=None, archive_url=None)
    assert "Une semaine dense et chargée : voir l’étude https://www.centre-inffo.fr/etude?x=1 " in (
        _words(text)
    )
    assert "France compétences (https://www.francecompetences.fr/). Écrire à" in _words(text)
    editorial = text.split("ÉDITO", 1)[1].split("À LA UNE", 1)[0]
    assert "*" not in editorial and "_dense_" not in editorial  # emphasis read, not shown


def test_markdown_escape_keeps_text_readable() -> None:
    assert markdown_escape("Loi « Avenir professionnel » : 3 décrets") == (
        "Loi « Avenir professionnel » : 3 décrets"
    )
    assert markdown_escape("# 1. *CPF* [lien](javascript:x)") == (
        "\\# 1. \\*CPF\\* \\[lien\\](javascript:x)"
    )
    assert markdown_escape("2026. Une année") == "2026\\. Une année"
    assert markdown_escape("a &amp; b <i>") == "a \\&amp; b &lt;i&gt;"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.centre-inffo.fr/a?x=1", "https://www.centre-inffo.fr/a?x=1"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        ("javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("\x01javascript:alert(1)", None),
        ("//evil.example.org/", None),
        ("https:///nohost", None),
        ("mailto:a@b.fr", None),
        ("https://example.org/a b", "https://example.org/a%20b"),
        (" https://example.org/a-\n", "https://example.org/a-"),
        ("", None),
    ],
)
def test_safe_url(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


# --- in a real browser ------------------------------------------------------------------------


def _screenshot(html_path: Path, png: Path, width: int, height: int, profile: Path) -> None:
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *CHROMIUM_FLAGS,
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )


def _png_size(png: Path) -> tuple[int, int]:
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_email_renders_on_phone_and_desktop(digest: Digest, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    html_path = ARTIFACTS / "email-fr.html"
    html_path.write_text(
        render_email_html(digest, unsubscribe_url=UNSUBSCRIBE, archive_url=ARCHIVE),
        encoding="utf-8",
    )
    shots = {"phone": (375, 3000), "desktop": (1200, 2000)}
    for name, (width, height) in shots.items():
        png = ARTIFACTS / f"email-{name}.png"
        png.unlink(missing_ok=True)
        _screenshot(html_path, png, width, height, tmp_path / name)
        assert png.stat().st_size > 5_000, f"{png} looks blank"
        assert _png_size(png) == (width, height)


@pytest.mark.parametrize(
    ("week", "fr", "en"),
    [
        ("2026-W47", "semaine du 16 au 22 novembre 2026", "week of 16–22 November 2026"),
        (
            "2026-W44",
            "semaine du 26 octobre au 1er novembre 2026",
            "week of 26 October – 1 November 2026",
        ),
        (
            "2026-W53",
            "semaine du 28 décembre 2026 au 3 janvier 2027",
            "week of 28 December 2026 – 3 January 2027",
        ),
    ],
)
def test_a_week_is_said_as_people_say_it(week: str, fr: str, en: str) -> None:
    assert week_label(week) == fr
    assert week_label(week, "en") == en


def test_a_moment_is_said_as_people_say_it() -> None:
    moment = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    assert format_day_time(moment, "Europe/Paris") == "lundi 23 novembre 2026 à 9\u00a0h\u00a005"
    assert format_day_time(moment, "Europe/Paris", "en") == "Monday 23 November 2026 at 9:05"
