"""OPML subscription lists in and out: the feeds a curator already follows in a feed reader.

:func:`parse_opml` reads what real feed readers export (Feedly, Google Reader, NetNewsWire, Tiny
Tiny RSS, newsbeuter, FreshRSS, hand-written files): OPML 1.0/1.1/2.0, nested folders, ``xmlUrl`` in
any case, missing ``title`` attributes, comments and processing instructions, an ``<opml>`` element
wrapped in another root, ISO-8859-1 bytes, a truncated end (lxml's recovery mode). The file comes
from a user upload, so it is read defensively:

- size and outline caps (:data:`MAX_BYTES`, :data:`MAX_OUTLINES`) before the tree is built;
- the DOCTYPE is stripped, as :mod:`veille.feeds` does for feeds (same pattern), and a file that
  still declares a DTD or an entity after that is refused: an OPML file never needs one, and this is
  how a "billion laughs" bomb or an external entity (``file:///etc/passwd``) would arrive;
- lxml is told not to resolve entities, not to touch the network, not to load a DTD, and keeps its
  ``huge_tree`` limits;
- only http(s) feed URLs with a host are kept (``javascript:``, ``file:``, ``data:``... are
  skipped), and so for ``htmlUrl`` (which the web app may show as a link).

Every problem is one :class:`~veille.errors.ConfigError` (an OPML file is a list of sources, like
sources.yaml) whose message is a single line: what is wrong, then a hint.

:func:`render_opml` writes OPML 2.0 built with lxml (escaping is lxml's), categories as folders, so
that ``parse_opml(render_opml(parse_opml(x)))`` gives back ``parse_opml(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from veille import clock, i18n
from veille.errors import ConfigError

MAX_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 5_000
MAX_URL = 2_048
MAX_TITLE = 300
CATEGORY_SEP = " / "

# The same pattern as veille.feeds.DOCTYPE_RE (a test keeps them equal). It is not imported from
# there because veille.feeds pulls in feedparser and trafilatura, which OPML does not need.
DOCTYPE_RE = re.compile(rb"<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
# What must not be left once the DOCTYPE is gone (a DOCTYPE the pattern could not take whole).
DTD_LEFT_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
OUTLINE_RE = re.compile(rb"<outline[\s/>]", re.IGNORECASE)
SPACES_RE = re.compile(r"\s+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
URL_BAD_CHARS_RE = re.compile(r"[\x00-\x20\x7f]")
ID_MAX = 64
# Letters NFKD does not decompose into ASCII.
_TRANSLITERATE = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ð": "d", "þ": "th", "ł": "l", "đ": "d", "ı": "i"}
)


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of an OPML file. ``category``: the enclosing folders, outermost first, joined
    with " / " (``"Presse / Tech"``), or None for a feed at the top level."""

    url: str
    title: str | None
    html_url: str | None
    category: str | None
    line: int | None = field(default=None, compare=False)  # where it is in the file read


@dataclass(frozen=True)
class OpmlProblem:
    """An outline that was not taken: where it is (``line`` in the file, when known), what it
    said (its title or text) and why."""

    line: int | None
    label: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "an outline"
        return f"{where} ({self.label}): {self.reason}"


@dataclass(frozen=True)
class OpmlScan:
    """What an OPML file holds: the usable feeds, and every feed outline left out, with why."""

    feeds: list[OpmlFeed]
    problems: list[OpmlProblem]


def parse_opml(data: bytes, *, name: str = "OPML file") -> list[OpmlFeed]:
    """The feeds of an OPML file, in document order, each URL once (the first one wins).

    An outline is a feed when it has an ``xmlUrl`` attribute (any case) holding an http(s) URL;
    its title is the ``title`` attribute, else ``text``, else None. Outlines without ``xmlUrl``
    are folders and give the feeds inside them their ``category``.

    Raises :class:`~veille.errors.ConfigError` (one line, with a hint) when the file is too big,
    is not XML, has no ``<opml>`` or ``<body>``, declares a DTD, or holds no usable feed.
    """
    return scan_opml(data, name=name).feeds


def scan_opml(data: bytes, *, name: str = "OPML file") -> OpmlScan:
    """Like :func:`parse_opml`, and also says which feed outlines were left out and why (an
    address that is not http(s), a URL already listed above), so an import can report them."""
    body = _opml_body(data, name)
    feeds: list[OpmlFeed] = []
    problems: list[OpmlProblem] = []
    seen: dict[str, int | None] = {}
    skipped = 0
    for outline, folders in _walk(body):
        attrs = _attributes(outline)
        if "xmlurl" not in attrs:
            continue
        line = outline.sourceline if isinstance(outline.sourceline, int) else None
        label = _label(attrs) or "untitled"
        url = _http_url(attrs["xmlurl"])
        if url is None:
            skipped += 1
            shown = _clean(attrs["xmlurl"]) or ""
            problems.append(
                OpmlProblem(line, label, f"xmlUrl {shown[:80]!r} is not an http(s) address")
            )
            continue
        if url in seen:
            first = seen[url]
            where = f" (line {first})" if first else ""
            problems.append(
                OpmlProblem(line, label, f"{url} is listed twice; kept the first{where}")
            )
            continue
        seen[url] = line
        html_url = _http_url(attrs.get("htmlurl", ""))
        feeds.append(
            OpmlFeed(
                url=url,
                title=_label(attrs),
                html_url=html_url,
                category=CATEGORY_SEP.join(folders) or None,
                line=line,
            )
        )
    if not feeds:
        detail = (
            i18n.message("opml.skipped", count=skipped)
            if skipped
            else i18n.message("opml.no_xmlurl")
        )
        raise ConfigError(i18n.message("opml.no_feed", name=name, detail=detail))
    return OpmlScan(feeds, problems)


def _opml_body(data: bytes, name: str) -> etree._Element:
    """The <body> of an OPML document, after the checks of size, kind and outline count (a
    ConfigError naming the file and saying what to do otherwise)."""
    if len(data) > MAX_BYTES:
        raise ConfigError(
            i18n.message(
                "opml.too_big",
                name=name,
                size=f"{len(data) / 1024 / 1024:.1f}",
                limit=MAX_BYTES // 1024 // 1024,
            )
        )
    root = _parse_xml(data, name)
    opml = root if _local(root) == "opml" else next(_descendants(root, "opml"), None)
    if opml is None:
        if _local(root) in ("rss", "feed", "rdf"):
            raise ConfigError(i18n.message("opml.is_a_feed", name=name))
        raise ConfigError(i18n.message("opml.not_opml", name=name))
    body = next((c for c in opml if _local(c) == "body"), None)
    if body is None:
        body = next(_descendants(opml, "body"), None)
    if body is None:
        raise ConfigError(i18n.message("opml.no_body", name=name))
    outlines = sum(1 for _ in _descendants(body, "outline"))
    if outlines > MAX_OUTLINES:
        raise _too_many(name, outlines)
    return body


def render_opml(feeds: Sequence[OpmlFeed], *, title: str, created: datetime | None = None) -> str:
    """An OPML 2.0 document listing ``feeds``: categories become (nested) folder outlines, in the
    order categories first appear; feeds without one stay at the top level, in their order.

    ``created`` (default: now) goes in ``<dateCreated>`` as an RFC 822 date. A feed without a
    title gets ``text=""``, so that reading the file back gives a None title again.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    when = (created or clock.now()).astimezone(UTC)
    etree.SubElement(head, "dateCreated").text = format_datetime(when, usegmt=True)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")

    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for feed in feeds:
        path = tuple(p for p in (feed.category or "").split(CATEGORY_SEP) if p.strip())
        parent = body
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in folders:
                label = _xml_text(key[-1])
                folders[key] = etree.SubElement(folders[key[:-1]], "outline", text=label)
                folders[key].set("title", label)
            parent = folders[key]
        outline = etree.SubElement(parent, "outline", type="rss")
        outline.set("text", _xml_text(feed.title or ""))
        if feed.title:
            outline.set("title", _xml_text(feed.title))
        outline.set("xmlUrl", _xml_text(feed.url))
        if feed.html_url:
            outline.set("htmlUrl", _xml_text(feed.html_url))
    etree.indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'


def source_id_for(feed: OpmlFeed, taken: set[str]) -> str:
    """A source id for ``feed`` (matches ``veille.config.SOURCE_ID_RE``) not in ``taken``.

    Made from the title (accents dropped: "Éducation & Numérique" gives "education-numerique"),
    else from the host without "www." ("www.centre-inffo.fr" gives "centre-inffo-fr"), else
    "feed"; "-2", "-3"... is added until it is free. ``taken`` is not changed: add the id to it
    when it is used.
    """
    base = _slug(feed.title or "")
    if not base:
        try:
            host = urlsplit(feed.url).hostname or ""
        except ValueError:  # not a URL parse_opml would give, but never fail here
            host = ""
        base = _slug(host.removeprefix("www."))
    base = base or "feed"
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: ID_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


# -- reading ----------------------------------------------------------------------------------


def _parse_xml(data: bytes, name: str) -> etree._Element:
    outlines = len(OUTLINE_RE.findall(data))
    if outlines > MAX_OUTLINES:
        raise _too_many(name, outlines)
    data = DOCTYPE_RE.sub(b"", data, count=1)
    if DTD_LEFT_RE.search(data):
        raise _dtd_refused(name)
    # Blank lines before "<?xml" are common in hand-made files; libxml2 refuses them.
    if data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data[3:].lstrip()
    else:
        data = data.lstrip()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )
    if not data.strip(b"\xef\xbb\xbf"):
        raise ConfigError(i18n.message("opml.empty", name=name))
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None:
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise _dtd_refused(name)  # e.g. in UTF-16, which the byte patterns cannot see
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise ConfigError(i18n.message("opml.limits", name=name))
    if root is None or not isinstance(root.tag, str):
        raise ConfigError(i18n.message("opml.not_xml", name=name))
    return root


def _too_many(name: str, count: int) -> ConfigError:
    return ConfigError(i18n.message("opml.too_many", name=name, count=count, limit=MAX_OUTLINES))


def _dtd_refused(name: str) -> ConfigError:
    return ConfigError(i18n.message("opml.dtd", name=name))


def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comment, processing instruction, entity
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _descendants(element: etree._Element, local: str) -> Iterator[etree._Element]:
    return (e for e in element.iterdescendants() if _local(e) == local)


def _walk(body: etree._Element) -> Iterator[tuple[etree._Element, list[str]]]:
    """Every outline under ``body`` with the folder names above it, in document order.

    Iterative (no recursion limit to think about); a feed outline that has children (some
    exports nest feeds under a feed) passes its own folders on, not its name.
    """
    stack: list[tuple[etree._Element, list[str]]] = [
        (child, []) for child in reversed(body) if _local(child) == "outline"
    ]
    while stack:
        outline, folders = stack.pop()
        yield outline, folders
        attrs = _attributes(outline)
        inner = folders
        if "xmlurl" not in attrs:
            label = _label(attrs)
            if label:
                inner = [*folders, label.replace(CATEGORY_SEP, " - ")]
        stack.extend((c, inner) for c in reversed(outline) if _local(c) == "outline")


def _attributes(element: etree._Element) -> dict[str, str]:
    """Attribute names lowercased and without namespace; the first of two spellings wins."""
    attrs: dict[str, str] = {}
    for key, value in element.attrib.items():
        name = str(key).rsplit("}", 1)[-1].lower()
        attrs.setdefault(name, str(value))
    return attrs


def _label(attrs: dict[str, str]) -> str | None:
    for key in ("title", "text"):
        text = _clean(attrs.get(key, ""))
        if text:
            return text
    return None


def _clean(value: str) -> str | None:
    text = SPACES_RE.sub(" ", CONTROL_RE.sub("", value)).strip()
    if len(text) > MAX_TITLE:
        text = text[: MAX_TITLE - 1].rstrip() + "…"
    return text or None


def _http_url(value: str) -> str | None:
    url = value.strip()
    if not url or len(url) > MAX_URL or URL_BAD_CHARS_RE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return url


# -- writing / ids ----------------------------------------------------------------------------


def _xml_text(value: str) -> str:
    """Text lxml accepts: no control characters XML 1.0 cannot carry."""
    return CONTROL_RE.sub("", value)


def slugify(text: str) -> str:
    """``text`` as an id: see :func:`_slug` (public for folder names turned into tags)."""
    return _slug(text)


def _slug(text: str) -> str:
    """Lowercase ASCII letters and digits, dashes between words: accents dropped ("é" gives
    "e"), a few letters spelt out ("œ" gives "oe"), everything else a separator."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATE))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:ID_MAX].rstrip("-")
