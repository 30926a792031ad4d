"""OPML import/export on real subscription lists (tests/data/opml, see its README) and on hostile
files: entity bombs, external entities, not-XML, oversized files."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille import clock, i18n, opml
from veille.config import SOURCE_ID_RE
from veille.errors import ConfigError
from veille.opml import OpmlFeed, parse_opml, render_opml, scan_opml, source_id_for

DATA = Path(__file__).parent / "data" / "opml"

# Feeds per file, counted by hand (grep of xmlUrl="..."; every URL is http(s) and distinct).
EXPECTED = {
    "netnewswire/Subs.opml": 207,
    "netnewswire/SubsNoTitleAttributes.opml": 207,
    "picofeed/dave-winer-mySubscriptions_2005.opml": 14,
    "picofeed/google-reader_fr.opml": 22,
    "picofeed/newsbeuter-export.opml": 35,
    "picofeed/tinytinyrss-export_fr.opml": 2,
    "feed2email/feeds_wrapped-in-root.opml": 2,
}
FILES = sorted(EXPECTED)


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def feed_urls_by_etree(data: bytes) -> list[str]:
    """The distinct http(s) xmlUrl values of a file, in order, read with the stdlib's expat
    parser: a count that does not go through veille.opml."""
    urls: list[str] = []
    for element in ET.fromstring(data).iter():  # noqa: S314 - our own fixture files
        for key, value in element.attrib.items():
            url = value.strip()
            if key.lower() == "xmlurl" and re.match(r"https?://", url) and url not in urls:
                urls.append(url)
    return urls


def folder_names_by_etree(data: bytes) -> set[str]:
    return {
        e.get("title") or e.get("text") or ""
        for e in ET.fromstring(data).iter("outline")  # noqa: S314 - our own fixture files
        if "xmlUrl" not in e.attrib and len(e)
    }


def opml_doc(body: str, *, head: str = "<head><title>t</title></head>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<opml version="2.0">{head}<body>{body}</body></opml>'
    ).encode()


# -- real files --------------------------------------------------------------------------------


def test_every_fixture_is_listed_with_its_licence() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.suffix == ".opml"}
    assert on_disk == set(EXPECTED)
    for name in on_disk:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
        assert "MIT" in row
        assert re.search(r"`[0-9a-f]{40}`", row), row


@pytest.mark.parametrize("name", FILES)
def test_real_file_gives_every_feed_once(name: str) -> None:
    data = read(name)
    feeds = parse_opml(data, name=name)
    independent = feed_urls_by_etree(data)
    assert len(independent) == EXPECTED[name]
    assert [f.url for f in feeds] == independent
    for feed in feeds:
        assert feed.url == feed.url.strip()
        assert feed.html_url is None or re.match(r"https?://", feed.html_url)
        assert feed.title is None or (feed.title.strip() == feed.title and feed.title)


@pytest.mark.parametrize("name", FILES)
def test_round_trip(name: str) -> None:
    feeds = parse_opml(read(name))
    assert parse_opml(render_opml(feeds, title=name).encode("utf-8")) == feeds


def test_folders_give_categories_google_reader() -> None:
    data = read("picofeed/google-reader_fr.opml")
    feeds = parse_opml(data)
    assert {f.category for f in feeds} == folder_names_by_etree(data)
    assert {f.category for f in feeds} == {
        "Presse",
        "Culture",
        "Droits du net",
        "Bloggers",
        "Tech",
        "Code",
        "Officiel",
    }
    by_url = {f.url: f for f in feeds}
    assert by_url["http://reflets.info/feed/"] == OpmlFeed(
        "http://reflets.info/feed/", "Reflets", "http://reflets.info", "Presse"
    )
    assert by_url["http://sciencetonnante.wordpress.com/feed/"].title == "Science étonnante"
    # &amp; in an attribute is unescaped once
    assert any("&rl=false" in f.url for f in feeds)


def test_folders_give_categories_netnewswire() -> None:
    data = read("netnewswire/Subs.opml")
    feeds = parse_opml(data)
    counts: dict[str | None, int] = {}
    for feed in feeds:
        counts[feed.category] = counts.get(feed.category, 0) + 1
    assert set(counts) - {None} == folder_names_by_etree(data)
    assert set(counts) == {None, "Programming", "Macintosh", "Weblogs", "Writers"}
    root = ET.fromstring(data)  # noqa: S314 - our own fixture file
    for folder in ("Programming", "Macintosh", "Weblogs", "Writers"):
        element = next(e for e in root.iter("outline") if e.get("title") == folder)
        assert counts[folder] == len(element.findall("outline"))


def test_nested_folders_join_with_slash() -> None:
    data = opml_doc(
        '<outline text="Formation"><outline title="Réglementaire" text="ignored">'
        '<outline text="Centre Inffo" xmlUrl="https://www.centre-inffo.fr/feed"/>'
        '<outline text="Vide"/></outline>'
        '<outline text="Pédagogie"><outline text="Thot" xmlUrl="https://cursus.edu/rss"/>'
        "</outline></outline>"
        '<outline text="Top" xmlUrl="https://top.example/feed"/>'
    )
    assert [(f.title, f.category) for f in parse_opml(data)] == [
        ("Centre Inffo", "Formation / Réglementaire"),
        ("Thot", "Formation / Pédagogie"),
        ("Top", None),
    ]


def test_no_title_attributes_fall_back_to_text() -> None:
    with_titles = parse_opml(read("netnewswire/Subs.opml"))
    without = parse_opml(read("netnewswire/SubsNoTitleAttributes.opml"))
    assert b" title=" not in read("netnewswire/SubsNoTitleAttributes.opml").split(b"<body>")[1]
    assert all(f.title for f in without)
    assert [(f.url, f.title) for f in without] == [(f.url, f.title) for f in with_titles]
    assert without[4].title == "chat & code"


def test_empty_title_and_no_text_gives_none() -> None:
    data = read("picofeed/newsbeuter-export.opml")
    feeds = parse_opml(data)
    untitled = data.count(b'title=""')
    assert untitled == 33
    assert sum(f.title is None for f in feeds) == untitled
    assert feeds[0] == OpmlFeed(
        "http://freecabinporn.com/rss", "Cabin Porn", "http://cabinporn.com/", None
    )
    assert feeds[2].html_url is None  # htmlUrl=""


def test_tiny_tiny_rss_text_only_outlines() -> None:
    feeds = parse_opml(read("picofeed/tinytinyrss-export_fr.opml"))
    assert [(f.title, f.category) for f in feeds] == [
        ("La Ferme du web", "coding"),
        ("Planète jQuery", "coding"),
    ]


def test_opml_wrapped_in_another_root() -> None:
    feeds = parse_opml(read("feed2email/feeds_wrapped-in-root.opml"))
    assert feeds == [
        OpmlFeed("https://github.com/agorf.atom", "agorf\u2019s Activity", None, None),
        OpmlFeed(
            "https://github.com/agorf/feed2email/commits/master.atom",
            "Recent Commits to feed2email:master",
            None,
            None,
        ),
    ]


def test_iso_8859_1_file_with_cr_line_ends() -> None:
    data = read("picofeed/dave-winer-mySubscriptions_2005.opml")
    assert b"ISO-8859-1" in data[:60]
    assert b"\r" in data
    assert b"\n" not in data
    feeds = parse_opml(data)
    # The file's "Google blog" outline carries title="CNET News.com": title wins over text.
    google = next(f for f in feeds if "feedburner.com/blogspot" in f.url)
    assert google.title == "CNET News.com"
    assert all(f.category is None for f in feeds)


# -- odd but valid input -----------------------------------------------------------------------


def test_comments_processing_instructions_and_attribute_case() -> None:
    data = (
        b'\xef\xbb\xbf\n\n  <?xml version="1.0" encoding="UTF-8"?>\n'
        b'<?xml-stylesheet href="opml.xsl" type="text/xsl"?>\n<!-- exported -->\n'
        b'<opml version="1.0"><head><title>t</title></head><body>\n'
        b"<!-- <outline text='commented' xmlUrl='https://commented.example/'/> -->\n"
        b'<outline TEXT="Upper" XMLURL="https://upper.example/feed" HTMLURL="https://upper.example/"/>'
        b'<outline text="lower" xmlurl="https://lower.example/feed"/>'
        b"<?pi inside?>"
        b'<outline text="mixed" XmlUrl=" https://mixed.example/feed\n"/>'
        b"</body></opml>"
    )
    feeds = parse_opml(data)
    assert feeds == [
        OpmlFeed("https://upper.example/feed", "Upper", "https://upper.example/", None),
        OpmlFeed("https://lower.example/feed", "lower", None, None),
        OpmlFeed("https://mixed.example/feed", "mixed", None, None),
    ]


def test_duplicates_kept_once_first_wins() -> None:
    data = opml_doc(
        '<outline text="A"><outline text="first" xmlUrl="https://dup.example/feed"/></outline>'
        '<outline text="second" xmlUrl="  https://dup.example/feed  "/>'
        '<outline text="other" xmlUrl="https://dup.example/feed?x=1"/>'
    )
    assert [(f.url, f.title, f.category) for f in parse_opml(data)] == [
        ("https://dup.example/feed", "first", "A"),
        ("https://dup.example/feed?x=1", "other", None),
    ]


def test_non_http_urls_skipped() -> None:
    data = opml_doc(
        '<outline text="js" xmlUrl="javascript:alert(document.cookie)"/>'
        '<outline text="js2" xmlUrl=" JaVaScRiPt:alert(1)"/>'
        '<outline text="file" xmlUrl="file:///etc/passwd"/>'
        '<outline text="data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>'
        '<outline text="ftp" xmlUrl="ftp://ftp.example/feed"/>'
        '<outline text="relative" xmlUrl="/feed.xml"/>'
        '<outline text="nohost" xmlUrl="https:///feed"/>'
        '<outline text="badipv6" xmlUrl="http://[::1/feed"/>'
        '<outline text="space" xmlUrl="https://a.example/my feed"/>'
        '<outline text="empty" xmlUrl=""/>'
        '<outline text="ok" xmlUrl="HTTPS://ok.example/feed" htmlUrl="javascript:alert(1)"/>'
    )
    assert parse_opml(data) == [OpmlFeed("HTTPS://ok.example/feed", "ok", None, None)]


def test_truncated_file_keeps_what_was_read() -> None:
    data = read("picofeed/google-reader_fr.opml")
    cut = data[: data.index(b"La Quadrature du Net")]
    feeds = parse_opml(cut)
    assert [f.url for f in feeds] == [f.url for f in parse_opml(data)][: len(feeds)]
    assert len(feeds) >= 5


def test_long_titles_are_capped() -> None:
    data = opml_doc(f'<outline text="{"x" * 5000}" xmlUrl="https://long.example/feed"/>')
    (feed,) = parse_opml(data)
    assert feed.title is not None
    assert len(feed.title) == opml.MAX_TITLE
    assert parse_opml(render_opml([feed], title="t").encode()) == [feed]


# -- hostile and bad input ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """This module checks the English messages (a reader of the original OPML spec's words);
    the French ones are checked by test_messages_are_french_by_default."""
    with i18n.language("en"):
        yield


def test_messages_are_french_by_default() -> None:
    with i18n.language("fr"), pytest.raises(ConfigError) as info:
        parse_opml(b'<rss version="2.0"><channel/></rss>', name="envoi.opml")
    assert str(info.value) == (
        "envoi.opml : c’est un flux (RSS/Atom), pas une liste de flux. Astuce : ajoutez son "
        "adresse comme source au lieu de l’importer."
    )
    with i18n.language("fr"):
        scan = scan_opml(
            b'<opml><body><outline text="ok" xmlUrl="https://a.example/f"/>\n'
            b'<outline text="mauvais" xmlUrl="ftp://b.example/f"/></body></opml>'
        )
        assert [str(p) for p in scan.problems] == [
            "ligne 2 (mauvais) : xmlUrl 'ftp://b.example/f' n’est pas une adresse http(s)"
        ]


def expect_config_error(data: bytes, *words: str) -> str:
    """The error in English (the words checked), and in French with its hint (« Astuce »)."""
    with i18n.language("fr"), pytest.raises(ConfigError) as french:
        parse_opml(data, name="upload.opml")
    assert str(french.value).startswith("upload.opml : ") and "Astuce" in str(french.value)
    with i18n.language("en"), pytest.raises(ConfigError) as info:
        parse_opml(data, name="upload.opml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("upload.opml: ")
    assert "Hint:" in message
    for word in words:
        assert word in message, message
    return message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body>
<outline title="&lol9;" text="bomb" xmlUrl="https://bomb.example/feed"/>
<outline text="folder &lol9;"><outline text="x" xmlUrl="https://bomb.example/&lol9;"/></outline>
</body></opml>"""


def test_billion_laughs_is_not_expanded() -> None:
    start = time.perf_counter()
    feeds = parse_opml(BILLION_LAUGHS)
    assert time.perf_counter() - start < 1.0
    assert all("lol" not in repr(f) for f in feeds)
    assert feeds[0] == OpmlFeed("https://bomb.example/feed", "bomb", None, None)


def test_dtd_the_pattern_cannot_strip_is_refused() -> None:
    # "]>" inside an entity value ends the DOCTYPE pattern early; the rest must not get through.
    sneaky = BILLION_LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol "]>lol">')
    expect_config_error(sneaky, "DTD")


def test_doctype_in_utf16_is_refused() -> None:
    text = BILLION_LAUGHS.decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    )
    expect_config_error(text.encode("utf-16"), "DTD")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE opml [<!ENTITY x SYSTEM "file://{path}">]>',
        '<!DOCTYPE opml [<!ENTITY % p SYSTEM "file://{path}"> %p;]>',
        '<!DOCTYPE opml SYSTEM "file://{path}">',
    ],
)
def test_external_entity_is_not_read(tmp_path: Path, doctype: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    data = (
        '<?xml version="1.0"?>\n'
        + doctype.format(path=secret)
        + '<opml><body><outline text="t &x;" title="&x;" xmlUrl="https://x.example/feed"/>'
        "</body></opml>"
    ).encode()
    try:
        feeds = parse_opml(data)
    except ConfigError as exc:
        assert "TOP-SECRET" not in str(exc)
    else:
        assert feeds[0].url == "https://x.example/feed"
        assert "TOP-SECRET" not in repr(feeds)


def test_etc_passwd_entity_is_not_read() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&x;" xmlUrl="https://x.example/feed"/></body></opml>'
    )
    feeds = parse_opml(data)
    assert feeds == [OpmlFeed("https://x.example/feed", None, None, None)]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ("empty",)),
        (b"   \n", ("empty",)),
        (b"this is not xml at all", ("not an XML file",)),
        (b"\x00\x01\x02\xff\xfe garbage", ("not an XML file",)),
        (b'{"feeds": ["https://a.example/feed"]}', ("not an XML file",)),
        (
            b"<!DOCTYPE html><html><head><title>Accueil</title></head><body><p>Bonjour</p>"
            b'<a href="https://a.example/feed">flux</a></body></html>',
            ("not an OPML file",),
        ),
        (b'<rss version="2.0"><channel><title>x</title></channel></rss>', ("is a feed",)),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', ("is a feed",)),
        (b'<opml version="2.0"><head><title>t</title></head></opml>', ("no <body>",)),
        (b'<opml version="2.0"><head/><body/></opml>', ("no feed found",)),
        (b'<opml version="2.0"><body>\n  \n</body></opml>', ("no feed found",)),
        (
            b'<opml><body><outline text="notes"><outline text="just text"/></outline>'
            b"</body></opml>",
            ("no feed found", "no outline with an xmlUrl"),
        ),
        (
            b'<opml><body><outline text="x" xmlUrl="javascript:alert(1)"/>'
            b'<outline text="y" xmlUrl="file:///etc/passwd"/></body></opml>',
            ("no feed found", "2 outline(s)", "not an http(s) address"),
        ),
    ],
)
def test_bad_input_is_one_config_error(data: bytes, words: tuple[str, ...]) -> None:
    expect_config_error(data, *words)


def test_file_over_5_mb_is_refused() -> None:
    outline = b'<outline text="padding" xmlUrl="https://pad.example/feed"/>\n'
    padding = b"<!-- " + b"x" * (6 * 1024 * 1024) + b" -->"
    data = opml_doc(outline.decode()) + padding
    assert len(data) > 6 * 1024 * 1024
    expect_config_error(data, "6.0 MB", "5 MB")


def test_just_under_5_mb_is_read() -> None:
    outline = '<outline text="ok" xmlUrl="https://ok.example/feed"/>'
    data = opml_doc(outline) + b"<!-- " + b"x" * (5 * 1024 * 1024 - 1000) + b" -->"
    assert len(data) <= opml.MAX_BYTES
    assert len(parse_opml(data)) == 1


def test_more_than_5000_outlines_is_refused() -> None:
    def doc(n: int) -> bytes:
        return opml_doc(
            "".join(f'<outline text="f{i}" xmlUrl="https://f.example/{i}"/>' for i in range(n))
        )

    assert len(parse_opml(doc(5_000))) == 5_000
    expect_config_error(doc(5_001), "5001 outlines", "5000")


def test_outline_cap_also_counts_after_parsing() -> None:
    # UTF-16 hides "<outline" from the byte count; the tree count still applies.
    body = "".join(f'<outline text="f{i}" xmlUrl="https://f.example/{i}"/>' for i in range(5_001))
    data = f'<?xml version="1.0" encoding="UTF-16"?><opml><body>{body}</body></opml>'
    expect_config_error(data.encode("utf-16"), "5001 outlines")


def test_deep_nesting_is_bounded() -> None:
    depth = 10_000
    data = opml_doc(
        '<outline text="d">' * depth
        + '<outline text="deep" xmlUrl="https://deep.example/feed"/>'
        + "</outline>" * depth
    )
    expect_config_error(data, "10001 outlines")
    past_limit = 300  # past libxml2's default depth limit (256), under the outline cap
    data = opml_doc(
        '<outline text="d">' * past_limit
        + '<outline text="deep" xmlUrl="https://deep.example/feed"/>'
        + "</outline>" * past_limit
    )
    expect_config_error(data, "nested more than 256 deep")
    within = 200
    data = opml_doc(
        '<outline text="d">' * within
        + '<outline text="deep" xmlUrl="https://deep.example/feed"/>'
        + "</outline>" * within
    )
    (deep,) = parse_opml(data)
    assert deep.category == " / ".join(["d"] * within)


SNIPPETS = [b"<", b">", b"&", b'"', b"<!DOCTYPE x [", b"]>", b"&#0;", b"\xff\xfe", b"</outline>"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(FILES),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.sampled_from(SNIPPETS)), max_size=12),
)
def test_damaged_real_files_give_feeds_or_one_config_error(
    name: str, edits: list[tuple[float, int, bytes]]
) -> None:
    data = bytearray(read(name))
    for where, op, snippet in edits:
        pos = int(where * len(data))
        if op == 0:
            data[pos:pos] = snippet
        elif op == 1:
            del data[pos : pos + 40]
        else:
            data[pos : pos + 1] = b"\x00"
    try:
        feeds = parse_opml(bytes(data))
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert feeds
        assert all(re.match(r"(?i)https?://", f.url) for f in feeds)


def test_doctype_pattern_is_the_one_feeds_use() -> None:
    from veille import feeds

    assert opml.DOCTYPE_RE.pattern == feeds.DOCTYPE_RE.pattern
    assert opml.DOCTYPE_RE.flags == feeds.DOCTYPE_RE.flags


# -- export ------------------------------------------------------------------------------------


def test_render_is_opml_2_with_folders_and_escaping() -> None:
    feeds = [
        OpmlFeed("https://a.example/feed?x=1&y=<2>", 'Tom & "Jerry" <script>', None, "A / B"),
        OpmlFeed("https://b.example/feed", "Écoles d'ingénieurs", "https://b.example/", "A"),
        OpmlFeed("https://c.example/feed", None, None, None),
        OpmlFeed("https://d.example/feed", "D\x00\x1b", None, "Z"),
    ]
    created = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    text = render_opml(feeds, title="Veille <Qualiopi> & co", created=created)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<script>" not in text
    root = ET.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Veille <Qualiopi> & co"
    date = root.findtext("head/dateCreated")
    assert date == "Mon, 23 Nov 2026 10:00:00 GMT"
    assert parsedate_to_datetime(date) == created
    body = root.find("body")
    assert body is not None
    folder_a = body.find("outline[@text='A']")
    assert folder_a is not None
    assert folder_a.get("xmlUrl") is None
    inner = folder_a.find("outline[@text='B']/outline")
    assert inner is not None
    assert inner.get("xmlUrl") == "https://a.example/feed?x=1&y=<2>"
    assert inner.get("title") == 'Tom & "Jerry" <script>'
    assert inner.get("type") == "rss"
    untitled = body.find("outline[@xmlUrl='https://c.example/feed']")
    assert untitled is not None
    assert untitled.get("text") == ""
    assert untitled.get("title") is None
    back = parse_opml(text.encode("utf-8"))
    assert back[:3] == feeds[:3]
    assert back[3] == OpmlFeed("https://d.example/feed", "D", None, "Z")


def test_render_defaults_to_now() -> None:
    text = render_opml([OpmlFeed("https://a.example/", "a", None, None)], title="t")
    date = ET.fromstring(text).findtext("head/dateCreated")  # noqa: S314 - our own output
    assert date is not None
    assert abs((parsedate_to_datetime(date) - clock.now()).total_seconds()) < 60


def test_round_trip_of_all_fixtures_merged() -> None:
    merged: list[OpmlFeed] = []
    seen: set[str] = set()
    for name in FILES:
        for feed in parse_opml(read(name)):
            if feed.url not in seen:
                seen.add(feed.url)
                merged.append(feed)
    again = parse_opml(render_opml(merged, title="all").encode("utf-8"))
    # Rendering groups feeds by folder, so compare as sets; each folder keeps its order.
    assert set(again) == set(merged)
    assert len(again) == len(merged)
    for category in {f.category for f in merged}:
        assert [f for f in again if f.category == category] == [
            f for f in merged if f.category == category
        ]


# -- source ids --------------------------------------------------------------------------------


def feed(title: str | None, url: str = "https://www.example.fr/feed") -> OpmlFeed:
    return OpmlFeed(url, title, None, None)


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Éducation & Numérique", "https://x.example/", "education-numerique"),
        (
            "Centre Inffo – Le Quotidien de la formation",
            "https://x/",
            "centre-inffo-le-quotidien-de-la-formation",
        ),
        ("L’Œuvre des Cœurs", "https://x.example/", "l-oeuvre-des-coeurs"),
        ("  ça   va ?! ", "https://x.example/", "ca-va"),
        ("新闻", "https://www.lemonde.fr/rss/une.xml", "lemonde-fr"),
        (None, "https://www.centre-inffo.fr/feed", "centre-inffo-fr"),
        ("---", "https://WWW.Example.ORG:8443/feed", "example-org"),
        (None, "http://[::1]/feed", "1"),
        ("???", "http://[fe80::]/feed", "fe80"),
    ],
)
def test_source_id_slug(title: str | None, url: str, expected: str) -> None:
    assert source_id_for(OpmlFeed(url, title, None, None), set()) == expected


def test_source_id_falls_back_to_feed() -> None:
    assert source_id_for(OpmlFeed("http://[::]/", "€€€", None, None), set()) == "feed"
    assert source_id_for(OpmlFeed("http://[::1/broken", None, None, None), set()) == "feed"


def test_source_id_unique_suffix_and_taken_unchanged() -> None:
    taken = {"cafe-pedagogique", "cafe-pedagogique-2"}
    before = set(taken)
    assert source_id_for(feed("Café pédagogique"), taken) == "cafe-pedagogique-3"
    assert taken == before
    assert source_id_for(feed("Café pédagogique"), set()) == "cafe-pedagogique"


def test_source_id_long_title_stays_valid_with_suffix() -> None:
    title = "Actualités de la formation professionnelle et de l'apprentissage en région " * 3
    first = source_id_for(feed(title), set())
    assert len(first) <= 64
    assert SOURCE_ID_RE.match(first)
    taken = {first}
    for _ in range(12):
        sid = source_id_for(feed(title), taken)
        assert len(sid) <= 64
        assert SOURCE_ID_RE.match(sid), sid
        assert sid not in taken
        taken.add(sid)
    assert sid.endswith("-13")


def test_source_ids_for_every_real_feed_are_valid_and_distinct() -> None:
    taken: set[str] = set()
    count = 0
    for name in FILES:
        for item in parse_opml(read(name)):
            sid = source_id_for(item, taken)
            assert SOURCE_ID_RE.match(sid), (item, sid)
            assert sid not in taken
            taken.add(sid)
            count += 1
    assert count == sum(EXPECTED.values())
