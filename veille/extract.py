"""Article pages -> plain text and metadata, with trafilatura, within size and time bounds.

::

    from veille.extract import extract_article
    article = extract_article(page.body, url=page.final_url)  # ExtractionError if no usable text
    article.text, article.title, article.published_at, article.lang, article.canonical_url

``extract_article_safe`` is the same call for a worker process (it returns the error message
instead of raising); ``extract_document_timed``, what the workers run, sends a PDF to
:mod:`veille.pdf` instead; ``text_of_html`` turns a feed's HTML content into plain text.

The text is plain text, not HTML: trafilatura decodes entities, so ``&lt;script&gt;`` in a page
comes out as a literal ``<script>``. Escape it wherever it is rendered.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate.extractors
import lxml.etree
import lxml.html
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from veille import pdf
from veille.errors import ExtractionError
from veille.models import MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Extracted, clip

__all__ = ["extract_article", "extract_article_safe", "text_of_html", "warm_up"]

logger = logging.getLogger(__name__)

# Every message trafilatura logs, ERROR included ("parsed tree length: 0, wrong data type or not
# valid HTML", "empty HTML tree"), is about one page whose outcome reaches the caller as an
# ExtractionError anyway: left on, it logs a line per failed page. Levels that someone set on
# purpose before importing us are left alone.
for _name, _level in (
    ("trafilatura", logging.CRITICAL),
    ("htmldate", logging.WARNING),
    ("courlan", logging.WARNING),
    ("justext", logging.WARNING),
):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(_level)

# Bounds. The largest of the 1,320 real pages of the shared corpus is 1.6 MB and 10,106
# elements (p99: 2,846). trafilatura's cost is linear in the number of elements but steep on
# generated soup: 20,000 empty <div><span> took 1.6 s, 80,000 took 6.7 s, a 4 MB page of them
# 13.5 s. Keeping the first MAX_ELEMENTS elements (3x the largest real page) holds the 4 MB
# pages of div soup, links or 50,000 paragraphs to 1.5-2.5 s. libxml2 stops nesting at depth
# 255 by itself, so a 100,000-deep nest is cheap (0.02 s; what lies below the cut is lost).
MAX_HTML_BYTES = 5_000_000  # longer bodies are truncated before parsing (characters for str)
MAX_ELEMENTS = 30_000  # elements after that, in document order, are dropped before extraction

# "Not an article": fewer than MIN_WORDS words and MIN_CHARS characters (the character count
# keeps Chinese or Japanese articles, which have few spaces). A page that declares itself an
# article (og:type, JSON-LD) may be a short news brief and only needs MIN_WORDS_DECLARED words.
MIN_WORDS = 25
MIN_CHARS = 200
MIN_WORDS_DECLARED = 8

# trafilatura option set. Measured with bare_extraction(with_metadata=True,
# include_comments=False), 1 process, after warm_up(), the three sets interleaved page by page
# (two runs, identical to 0.5 ms), scored like the scrapinghub benchmark (4-token shingles, F1 of
# mean P and mean R; bench/extraction_quality.py):
#
#   option set        scrapinghub (181 pages)          mozilla-readability (93 pages)
#                     F1     P      R      mean ms     F1     P      R      mean ms
#   fast=True         0.962  0.946  0.979  13.9        0.943  0.954  0.932  32.8
#   default           0.960  0.942  0.978  18.5        0.945  0.943  0.947  42.0
#   favor_precision   0.964  0.958  0.971  17.9        0.941  0.959  0.923  41.5
#
# The F1 differences are inside the bootstrap standard deviation (0.005 on scrapinghub, 0.013
# on mozilla), while fast costs about 25 % less CPU: it skips the readability/justext fallback,
# which also shortens the worst cases. Dates and authors come from the metadata pass, the same in
# every mode (same counts found). On the 13 French pages (no ground truth) fast and default give
# the same text except linuxfr.html, where the fallback adds 1,500 words of other stories' teasers
# to the 250 of the article; favor_precision returns nothing on universfreebox.html. So: fast.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "fast": True,
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
}

# C0 controls and DEL, except tab and newline (CR is dropped too: lines end with \n).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LANG = re.compile(r"[a-z]{2,3}")
_NOT_A_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
_DECLARED_ARTICLE = re.compile(
    r'"@type"\s*:\s*(?:\[\s*(?:"[^"]*"\s*,\s*)*)?"[A-Za-z]*(?:Article|BlogPosting)"'
)
_MAX_JSONLD_CHARS = 200_000
_MAX_URL_CHARS = 4096


def extract_article(html: bytes | str, *, url: str) -> Extracted:
    """Main text and metadata of an article page; ExtractionError when there is no usable text.

    ``url`` is the page's final URL: it resolves a relative canonical link and helps
    trafilatura's metadata. Bodies longer than ``MAX_HTML_BYTES`` and trees larger than
    ``MAX_ELEMENTS`` are cut (the start of a page is where its article is).
    """
    tree = _parse(html)
    hints = _page_hints(tree, url)
    try:
        document = bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    except (AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        # trafilatura and htmldate expect a whole document: a fragment whose root is, say, a
        # lone <iframe> trips lxml's own assertions (found by fuzzing). Bad input, not a crash.
        raise ExtractionError(
            f"the page could not be extracted ({type(exc).__name__} in trafilatura)"
        ) from exc
    if not isinstance(document, Document) or document.body is None:
        raise ExtractionError(
            "no article text found on the page (only navigation, forms or boilerplate?)"
        )
    text = _body_text(document.body)
    _check_length(text, declared_article=hints.declared_article)
    return Extracted(
        text=clip(text, MAX_TEXT_CHARS),
        title=_clean(document.title, MAX_TITLE_CHARS),
        author=_clean(document.author, MAX_NAME_CHARS),
        published_at=_parse_date(document.date),
        lang=_normalise_lang(document.language) or hints.lang,
        sitename=_clean(document.sitename, MAX_NAME_CHARS),
        canonical_url=hints.canonical_url,
        description=_clean(document.description, MAX_TEXT_CHARS),
    )


def extract_article_safe(url: str, html: bytes) -> Extracted | str:
    """``extract_article`` for a worker process: the error message instead of an exception."""
    try:
        return extract_article(html, url=url)
    except ExtractionError as exc:
        return str(exc)
    except RecursionError:
        return "the page is nested too deeply to be extracted"
    except MemoryError:
        return "the page needs too much memory to be extracted"
    except Exception as exc:  # a worker must answer, whatever trafilatura raised
        logger.warning("extraction crashed on %s", url, exc_info=True)
        return f"extraction failed ({type(exc).__name__}: {exc})"


def extract_pdf_safe(url: str, body: bytes) -> Extracted | str:
    """:func:`veille.pdf.extract_pdf` for a worker process, its memory capped while it reads
    (see :func:`veille.pdf.memory_cap`): the error message instead of an exception."""
    try:
        with pdf.memory_cap():
            return pdf.extract_pdf(body)
    except ExtractionError as exc:
        return str(exc)
    except MemoryError:
        return (
            f"PDF refused: reading it needs more than {pdf.MAX_PDF_MEMORY // 1024**3} GB of "
            "memory (a decompression bomb?)"
        )
    except Exception as exc:  # a worker must answer, whatever PDFium raised
        logger.warning("PDF extraction crashed on %s", url, exc_info=True)
        return f"PDF extraction failed ({type(exc).__name__}: {exc})"


def extract_document_timed(
    url: str, body: bytes, content_type: str | None = None
) -> tuple[Extracted | str, float]:
    """A page or a PDF (by its type and first bytes), extracted in this (worker) process, and
    the CPU seconds it took."""
    started = time.process_time()
    if pdf.is_pdf(body, content_type):
        result = extract_pdf_safe(url, body)
    else:
        result = extract_article_safe(url, body)
    return result, time.process_time() - started


def warm_up() -> None:
    """Pay now, once per process, what htmldate's date parsing compiles on first use (~1.2 s).

    dateparser builds each locale's regexes the first time a date string defeats htmldate's
    own patterns; one page then takes a second longer. Optional: use it as a worker pool's
    ``initializer`` so that no page's time limit pays for it.
    """
    get_parser = getattr(htmldate.extractors, "get_external_parser", None)  # htmldate 1.11
    if callable(get_parser):
        get_parser().get_date_data("warm-up 2020 xq")  # no locale matches: all get compiled


# ---------------------------------------------------------------------------------------------
# Parsing and bounds


def _parse(html: bytes | str) -> Any:
    """Bounded parse with trafilatura's own decoding (BOM, meta charset, charset detection)."""
    if len(html) > MAX_HTML_BYTES:
        logger.info("page of %d bytes truncated to %d before parsing", len(html), MAX_HTML_BYTES)
        html = html[:MAX_HTML_BYTES]
    if not html.strip():
        raise ExtractionError("empty page: the server sent no content")
    tree = load_html(html, MAX_HTML_BYTES)
    if tree is None:
        raise ExtractionError("not an HTML page: the body could not be parsed as HTML")
    _cap_elements(tree.getroottree().getroot(), MAX_ELEMENTS)
    return tree


def _cap_elements(root: Any, limit: int) -> None:
    """Drop every element after the first ``limit`` ones, in document order."""
    element = next(itertools.islice(root.iter(), limit, None), None)
    if element is None:
        return
    logger.info("page of more than %d elements truncated", limit)
    node = element
    while node is not root and node.getparent() is not None:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    element.getparent().remove(element)


def _check_length(text: str, *, declared_article: bool) -> None:
    words = len(text.split())
    if not words:
        raise ExtractionError("no article text found on the page")
    if len(text) >= MIN_CHARS or words >= MIN_WORDS:
        return
    if declared_article and words >= MIN_WORDS_DECLARED:
        return
    raise ExtractionError(
        f"too little text for an article ({words} words): a login page, an empty page "
        "or a page whose content needs JavaScript?"
    )


# ---------------------------------------------------------------------------------------------
# What trafilatura does not give: language fallbacks, canonical URL, "is this an article"


@dataclass(frozen=True, slots=True)
class _Hints:
    lang: str | None
    canonical_url: str | None
    declared_article: bool


def _page_hints(tree: Any, url: str) -> _Hints:
    root = tree.getroottree().getroot()
    base = url
    for href in tree.xpath("//base/@href")[:1]:
        base = _http_url(url, str(href)) or url
    return _Hints(
        lang=_page_lang(root),
        canonical_url=_canonical_url(tree, base),
        declared_article=_declares_article(tree),
    )


def _page_lang(tree: Any) -> str | None:
    """<html lang>, then og:locale, then a Content-Language (or language) meta."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath("//meta[@property='og:locale']/@content")[:1]
    for meta in tree.xpath("//meta[@http-equiv or @name][@content]"):
        name = (meta.get("http-equiv") or meta.get("name") or "").strip().lower()
        if name in ("content-language", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for candidate in candidates:
        lang = _normalise_lang(candidate)
        if lang:
            return lang
    return None


def _normalise_lang(value: object) -> str | None:
    """'fr-FR', 'fr_FR', 'FR', 'fr, en' -> 'fr'; None when it is not a language tag."""
    if not isinstance(value, str):
        return None
    first = value.split(",")[0].strip().replace("_", "-")
    primary = first.split("-")[0].lower()
    if _LANG.fullmatch(primary) and primary not in _NOT_A_LANGUAGE:
        return primary
    return None


def _canonical_url(tree: Any, base: str) -> str | None:
    """<link rel="canonical">, else og:url, resolved; only an http(s) URL with a host."""
    candidates = [
        link.get("href")
        for link in tree.xpath("//link[@rel][@href]")
        if "canonical" in link.get("rel").lower().split()
    ][:1]
    candidates += tree.xpath("//meta[@property='og:url']/@content")[:1]
    for candidate in candidates:
        resolved = _http_url(base, str(candidate))
        if resolved:
            return resolved
    return None


def _http_url(base: str, href: str) -> str | None:
    """``href`` resolved against ``base`` when the result is an http(s) URL with a host."""
    href = href.strip()
    if not href or len(href) > _MAX_URL_CHARS or _CONTROL_CHARS.search(href) or " " in href:
        return None
    try:
        resolved = urljoin(base, href)
        parts = urlsplit(resolved)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return resolved


def _declares_article(tree: Any) -> bool:
    og_type = tree.xpath("//meta[@property='og:type']/@content")
    if og_type and str(og_type[0]).strip().lower().startswith("article"):
        return True
    for script in tree.xpath("//script[@type='application/ld+json']"):
        if _DECLARED_ARTICLE.search((script.text or "")[:_MAX_JSONLD_CHARS]):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Turning trafilatura's output into our fields


def _body_text(body: Any) -> str:
    """Paragraphs (top-level blocks of trafilatura's output) separated by blank lines."""
    blocks = []
    if body.text and body.text.strip():
        blocks.append(body.text)
    for block in body:
        blocks.append(xmltotxt(block, False))
    cleaned = (_CONTROL_CHARS.sub("", b.replace("\r\n", "\n")).strip() for b in blocks)
    return "\n\n".join(b for b in cleaned if b)


def _clean(value: str | None, limit: int) -> str | None:
    if not value:
        return None
    cleaned = " ".join(_CONTROL_CHARS.sub(" ", value[: 2 * limit]).split())
    return clip(cleaned, limit) if cleaned else None


def _parse_date(value: str | None) -> datetime | None:
    """trafilatura's date (htmldate: 'YYYY-MM-DD') as an aware UTC datetime (midnight UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Feed content fallback

_SKIPPED = ("script", "style", "noscript", "template", "svg", "math", "head", "title")
_SECTIONS = {"html", "body", "main", "article", "section", "header", "footer", "nav", "aside"}
_TEXTS = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "hr"}
_LISTS = {"ul", "ol", "li", "dl", "dt", "dd", "menu", "dir"}
_TABLES = {"table", "caption", "thead", "tbody", "tfoot", "tr"}
_OTHERS = {"figure", "figcaption", "details", "summary", "dialog", "form", "fieldset", "legend"}
_BLOCKS = frozenset(_SECTIONS | _TEXTS | _LISTS | _TABLES | _OTHERS | {"hgroup", "center"})
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
_FRAGMENT_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, default_doctype=False
)


def text_of_html(html: str) -> str:
    """Plain text of an HTML fragment: blocks separated by blank lines, no script or style.

    >>> text_of_html("<p>Le d&eacute;cret</p><p>est <b>paru</b>.<script>x()</script></p>")
    'Le décret\\n\\nest paru.'
    """
    if not html or not html.strip():
        return ""
    data = _CONTROL_CHARS.sub("", html[:MAX_HTML_BYTES]).encode("utf-8", "replace")
    try:
        root = lxml.html.document_fromstring(data, parser=_FRAGMENT_PARSER)
    except (lxml.etree.LxmlError, ValueError):
        return ""
    lxml.etree.strip_elements(root, *_SKIPPED, with_tail=False)
    return _render_blocks(_walk_blocks(root))


def _walk_blocks(root: Any) -> list[list[str]]:
    """Blocks of lines of raw text, walking the tree without recursion (nesting is unbounded)."""
    blocks: list[list[str]] = [[""]]
    in_pre = 0

    def add(text: str | None) -> None:
        if not text:
            return
        if in_pre:
            first, *rest = text.split("\n")
            blocks[-1][-1] += first
            blocks[-1].extend(rest)
        else:
            blocks[-1][-1] += text

    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                blocks.append([""])
            elif tag in _CELLS:
                add(" ")
            in_pre += tag == "pre"
            add(element.text)
            continue
        if tag == "br":
            blocks[-1].append("")
        elif tag in _BLOCKS:
            blocks.append([""])
        elif tag in _CELLS:
            add(" ")
        in_pre -= tag == "pre"
        add(element.tail)
    return blocks


def _render_blocks(blocks: list[list[str]]) -> str:
    rendered = []
    for lines in blocks:
        kept = [line for line in (_collapse(line) for line in lines) if line]
        if kept:
            rendered.append("\n".join(kept))
    return "\n\n".join(rendered)


def _collapse(line: str) -> str:
    """Whitespace runs -> one space; a lone no-break space (French typography) is kept."""
    return _WHITESPACE.sub(lambda m: m[0] if m[0] in ("\xa0", "\u202f") else " ", line).strip()
