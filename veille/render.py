"""The weekly digest as Markdown, HTML e-mail, plain text, web page, archive index and Atom feed.

Input is a :class:`Digest` made of plain frozen dataclasses (the digest stage builds it); output
is text. Every text that came from a feed (titles, summaries, notes, source names, URLs) is
untrusted, so:

- HTML and XML templates autoescape (Jinja2); Markdown escapes every value it prints by default
  (a ``finalize`` hook, so a template cannot forget); plain text stays plain;
- a link is kept only for an http(s) URL with a host (:func:`safe_url`), otherwise the title is
  shown without a link;
- the editorial is Markdown-lite (emphasis, bold, links, pasted addresses, paragraphs; raw
  HTML off), rendered by markdown-it-py and cleaned by nh3;
- control characters that XML forbids, and bidi overrides, are removed from every text.

Usage::

    html = render_email_html(digest, unsubscribe_url=link, archive_url=week_url(site, digest.week))
    text = render_email_text(digest, unsubscribe_url=link, archive_url=None)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import lxml.html
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from veille import clock, i18n
from veille.errors import ConfigError
from veille.weeks import parse_week, week_label

__all__ = [
    "MONTHS",
    "Digest",
    "DigestItem",
    "DigestSection",
    "DigestStats",
    "clean_text",
    "email_subject",
    "format_date",
    "format_number",
    "format_period",
    "markdown_escape",
    "render_archive_index",
    "render_atom",
    "render_email_html",
    "render_email_text",
    "render_markdown",
    "render_web_html",
    "safe_url",
    "stats_sentence",
    "week_url",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestItem:
    """One article of the digest, as the trainer sees it."""

    article_id: str
    title: str
    url: str
    source_name: str
    also_reported_by: tuple[str, ...] = ()  # other sources that carried the same story
    published_at: datetime | None = None
    summary: str = ""  # two or three plain-text sentences
    note: str | None = None  # the curator's note (note de la rédaction)
    tags: tuple[str, ...] = ()
    word_count: int = 0  # of the article (a subscriber's letter counts the words it leaves out)


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestSection:
    """The items of one tag (thématique), in the order the curator chose."""

    tag_id: str
    label: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestStats:
    """The work the watch saved this week, shown in the footer."""

    gathered: int
    duplicates: int
    off_topic: int
    kept: int
    words_not_read: int
    reading_wpm: int = 230

    @property
    def minutes_saved(self) -> int:
        """Reading time of the words nobody had to read, rounded half up to the minute."""
        if self.reading_wpm <= 0:
            return 0
        return (max(self.words_not_read, 0) + self.reading_wpm // 2) // self.reading_wpm


@dataclass(frozen=True, slots=True, kw_only=True)
class Digest:
    """One published week."""

    week: str  # ISO week, "2026-W46"
    title: str  # the letter's name, e.g. "Veille formation"
    period_start: date
    period_end: date
    editorial: str | None = None  # Markdown-lite: *em*, **strong**, [text](url), paragraphs
    top_story: DigestItem | None = None
    sections: tuple[DigestSection, ...] = ()
    stats: DigestStats
    failing_sources: tuple[tuple[str, str], ...] = ()  # (source name, error): curators only
    published_at: datetime
    lang: str = "fr"
    tz: str = "Europe/Paris"  # the organisation's time zone, for the dates shown
    themed: bool = False  # one subscriber's letter, cut to their themes (veille.sending)


MONTHS = i18n.MONTHS  # (veille/i18n: every word veille shows lives there)


# Characters XML 1.0 forbids (a feed can carry them; they would make the Atom feed invalid) and
# bidi overrides/isolates (they can make a title display as something else).
_UNWANTED_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
_ASCII_SPACES_RE = re.compile(r"[ \t\r\n\f\v]+")  # not \s: keep the no-break spaces of French
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # what browsers strip around a URL
_EDITORIAL_TAGS = {"a", "strong", "em", "br"}
_LINK_COLOR = "#0b4f8a"


def clean_text(text: str | None) -> str:
    """``text`` on one line: forbidden characters dropped, runs of ASCII spaces collapsed."""
    if not text:
        return ""
    return _ASCII_SPACES_RE.sub(" ", _UNWANTED_RE.sub(" ", text)).strip()


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL with a host, else None (never ``javascript:``, ``data:``…).

    Tabs and newlines are removed first, as browsers do before reading the scheme
    (``java\\tscript:`` is ``javascript:`` to them).
    """
    if not url:
        return None
    cleaned = re.sub(r"[\t\r\n]", "", url).strip(_C0_AND_SPACE)
    if _UNWANTED_RE.search(cleaned):
        return None
    cleaned = cleaned.replace(" ", "%20")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return cleaned


def week_url(site_url: str, week: str) -> str:
    """The web archive page of ``week``: ``https://site/2026-W46/``."""
    parse_week(week)
    return f"{site_url.rstrip('/')}/{week}/"


def _strings(lang: str) -> dict[str, str]:
    try:
        return i18n.LETTER[lang]
    except KeyError:
        available = ", ".join(sorted(i18n.LETTER))
        raise ConfigError(
            i18n.message("config.letter_lang", lang=lang, available=available)
        ) from None


def format_number(n: int, lang: str = "fr") -> str:
    """12345 -> ``12 345`` (narrow no-break space) in French, ``12,345`` in English."""
    return f"{n:,}".replace(",", _strings(lang)["thousands"])


def format_date(day: date, lang: str = "fr") -> str:
    """``1er novembre 2026`` / ``1 November 2026``, without system locales."""
    _strings(lang)  # a clear error for a language we do not have
    month = MONTHS[lang][day.month - 1]
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{number} {month} {day.year}"


def format_moment(moment: datetime | None, tz: str, lang: str = "fr") -> str:
    """``2 décembre 2026, 16:15`` in the time zone ``tz``; ``—`` when there is none."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{format_date(local.date(), lang)}, {local:%H:%M}"


def format_period(start: date, end: date, lang: str = "fr") -> str:
    """``9–15 novembre 2026``, ``28 septembre – 4 octobre 2026``, across years in full."""
    if (start.year, start.month) == (end.year, end.month):
        first = "1er" if lang == "fr" and start.day == 1 else str(start.day)
        return f"{first}–{format_date(end, lang)}"
    if start.year == end.year:
        return f"{format_date(start, lang).rsplit(' ', 1)[0]} – {format_date(end, lang)}"
    return f"{format_date(start, lang)} – {format_date(end, lang)}"


def _plural(s: dict[str, str], key: str, n: int, lang: str) -> str:
    one = n in (0, 1) if lang == "fr" else n == 1  # French treats 0 as singular
    return s[f"{key}_{'one' if one else 'other'}"].format(n=format_number(n, lang))


def stats_sentence(stats: DigestStats, lang: str = "fr") -> str:
    """The footer: gathered, merged, set aside, kept, and the reading time saved (said only
    when some words were left unread: "0 minute saved" tells nobody anything)."""
    s = _strings(lang)
    words = _plural(s, "words", stats.words_not_read, lang)
    if stats.words_not_read <= 0:
        saved = ""
    elif stats.minutes_saved == 0:
        saved = s["saved_little"].format(words=words)
    else:
        saved = s["saved"].format(
            minutes=_plural(s, "minutes", stats.minutes_saved, lang),
            words=words,
            wpm=format_number(stats.reading_wpm, lang),
        )
    return s["stats"].format(
        gathered=_plural(s, "gathered", stats.gathered, lang),
        duplicates=_plural(s, "duplicates", stats.duplicates, lang),
        off_topic=_plural(s, "off_topic", stats.off_topic, lang),
        kept=_plural(s, "kept", stats.kept, lang),
        saved=saved,
    )


def email_subject(d: Digest) -> str:
    """``Veille formation — semaine du 9 au 15 novembre 2026`` (the week as people say it)."""
    s = _strings(d.lang)
    return s["subject"].format(title=clean_text(d.title), week=week_label(d.week, d.lang))


# --- what the templates see: cleaned text, checked links, formatted dates -------------------


@dataclass(frozen=True, slots=True)
class _ItemView:
    title: str
    href: str | None
    source: str
    date: str
    also: str
    summary: str
    note: str


@dataclass(frozen=True, slots=True)
class _SectionView:
    label: str
    items: tuple[_ItemView, ...]


def _item_view(item: DigestItem, d: Digest, s: dict[str, str]) -> _ItemView:
    names = [clean_text(n) for n in item.also_reported_by if clean_text(n)]
    day = ""
    if item.published_at is not None:
        moment = item.published_at
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = format_date(moment.astimezone(ZoneInfo(d.tz)).date(), d.lang)
    return _ItemView(
        title=clean_text(item.title) or clean_text(item.url),
        href=safe_url(item.url),
        source=clean_text(item.source_name),
        date=day,
        also=s["also_reported_by"].format(names=", ".join(names)) if names else "",
        summary=clean_text(item.summary),
        note=clean_text(item.note),
    )


def _sections(d: Digest, s: dict[str, str]) -> list[_SectionView]:
    # The top story is shown once, at the top, even if the caller left it in its section too.
    top_id = d.top_story.article_id if d.top_story else None
    views = []
    for section in d.sections:
        items = tuple(_item_view(i, d, s) for i in section.items if i.article_id != top_id)
        if items:
            views.append(_SectionView(clean_text(section.label), items))
    return views


# The editorial is Markdown-lite: paragraphs (a blank line), line breaks, *emphase* or
# _emphase_, **gras**, [texte](https://…), <https://…> and bare addresses made links (linkify).
# Raw HTML is not read (html off): a curator's "<b>" shows as typed. nh3 has the last word.
_EDITORIAL_MD = MarkdownIt("zero", {"html": False, "linkify": True, "breaks": True}).enable(
    ["emphasis", "link", "autolink", "linkify", "newline", "escape"]
)
_EDITORIAL_SCHEMES = {"http", "https", "mailto"}


def _editorial_link(url: str) -> str | None:
    """``url`` if the editorial may link to it: http(s) with a host, or mailto."""
    if url.lower().startswith("mailto:") and "@" in url and not _UNWANTED_RE.search(url):
        return url if not re.search(r"[\s<>\"']", url) else None
    return safe_url(url)


_EDITORIAL_MD.validateLink = lambda url: _editorial_link(url) is not None  # type: ignore[method-assign]


def _editorial_html(text: str | None) -> list[Markup]:
    """The editorial's paragraphs: Markdown-lite rendered by markdown-it-py (raw HTML off), then
    cleaned by nh3 to a few inline tags and http(s)/mailto links (rel="noopener noreferrer").

    Links get an inline colour, e-mail clients ignoring stylesheets.
    """
    if not text or not clean_text(text):
        return []
    rendered = _clean_editorial(_EDITORIAL_MD.render(_UNWANTED_RE.sub(" ", text)), {"p"})
    root = lxml.html.fragment_fromstring(rendered, create_parent="div")
    paragraphs = []
    for block in root.iter("p"):
        for link in list(block.iter("a")):
            if link.get("href"):
                link.set("style", f"color:{_LINK_COLOR};")
            else:
                link.drop_tag()
        inner = str(escape(block.text or "")) + "".join(
            lxml.html.tostring(child, encoding="unicode") for child in block
        )
        cleaned = _clean_editorial(inner)
        if clean_text(cleaned):
            paragraphs.append(Markup(cleaned))  # noqa: S704 - nh3 output
    return paragraphs


def _clean_editorial(html: str, blocks: set[str] | None = None) -> str:
    return nh3.clean(
        html,
        tags=_EDITORIAL_TAGS | (blocks or set()),
        attributes={"a": {"href", "style"}},
        attribute_filter=_only_safe_href,
        filter_style_properties={"color"},
        url_schemes=_EDITORIAL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def _only_safe_href(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return _editorial_link(value)
    return value


def _editorial_text(paragraphs: list[Markup]) -> list[str]:
    """The cleaned editorial as plain text; a link becomes ``text (url)`` unless its text is
    already the address."""
    texts = []
    for p in paragraphs:
        root = lxml.html.fragment_fromstring(str(p), create_parent="div")
        for br in root.iter("br"):
            br.tail = " " + (br.tail or "")
        for link in root.iter("a"):
            href = link.get("href") or ""
            shown = link.text_content().strip()
            if href and shown not in (href, href.removeprefix("mailto:")):
                link.tail = f" ({href})" + (link.tail or "")
        texts.append(clean_text(root.text_content()))
    return [t for t in texts if t]


def _context(
    d: Digest, *, unsubscribe_url: str | None = None, archive_url: str | None = None
) -> dict[str, Any]:
    s = _strings(d.lang)
    top = _item_view(d.top_story, d, s) if d.top_story else None
    sections = _sections(d, s)
    editorial = _editorial_html(d.editorial)
    editorial_text = _editorial_text(editorial)
    week_label = s["week"].format(n=parse_week(d.week)[1])
    return {
        "s": s,
        "lang": d.lang,
        "title": clean_text(d.title),
        "week": d.week,
        "week_label": week_label,
        "period": format_period(d.period_start, d.period_end, d.lang),
        "subject": email_subject(d),
        "editorial_html": editorial,
        "editorial_text": editorial_text,
        "preheader": editorial_text[0] if editorial_text else (top.title if top else ""),
        "top": top,
        "sections": sections,
        "blocks": ([_SectionView(s["top_story"], (top,))] if top else []) + sections,
        "empty": top is None and not sections,
        "empty_text": s["empty_themes"] if d.themed else s["empty"],
        "stats": stats_sentence(d.stats, d.lang),
        "unsubscribe": safe_url(unsubscribe_url),
        "archive": safe_url(archive_url),
        "failing": [(clean_text(name), clean_text(error)) for name, error in d.failing_sources],
    }


# --- Jinja2 environments -----------------------------------------------------------------


class _MarkdownSafe(str):
    """A Markdown fragment already made safe (a checked URL): the finalize hook keeps it."""

    __slots__ = ()


_MD_INLINE_RE = re.compile(r"([\\`*_\[\]|~])")
_MD_ENTITY_RE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_BLOCK_START_RE = re.compile(r"^([#+=-])")  # heading, list, setext underline
_MD_ORDERED_RE = re.compile(r"^(\d+)([.)])")  # "2026. Une année" would start a list


def markdown_escape(text: str) -> str:
    """Feed text made inert in Markdown: no link, image, emphasis, HTML, entity or heading.

    ``<`` and ``>`` become entities rather than backslash escapes so that even a renderer that
    allows raw HTML and ignores CommonMark escapes shows them as text.
    """
    text = _MD_INLINE_RE.sub(r"\\\1", clean_text(text))
    text = _MD_ENTITY_RE.sub(r"\\&", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_BLOCK_START_RE.sub(r"\\\1", text)
    return _MD_ORDERED_RE.sub(r"\1\\\2", text)


def _markdown_url(url: str | None) -> _MarkdownSafe:
    checked = safe_url(url) or ""
    for char, code in (("\\", "%5C"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        checked = checked.replace(char, code)
    return _MarkdownSafe(checked)


def _markdown_finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, _MarkdownSafe):
        return value
    return markdown_escape(str(value))


@cache
def _environment(kind: str) -> jinja2.Environment:
    """``"html"``: autoescape for .html/.xml (plain for .txt); ``"md"``: Markdown-escape all."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("veille", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xml") if kind == "html" else (),
            disabled_extensions=("txt", "md"),
            default=kind == "html",
        ),
        finalize=_markdown_finalize if kind == "md" else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["font"] = "Arial, Helvetica, sans-serif"
    env.filters["md_url"] = _markdown_url
    return env


def _render(template: str, **context: Any) -> str:
    kind = "md" if template.endswith(".md") else "html"
    return _environment(kind).get_template(template).render(**context)


def _tidy_text(text: str) -> str:
    """Text output without trailing spaces or runs of blank lines the template logic left."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# --- public renderers --------------------------------------------------------------------


def render_markdown(d: Digest) -> str:
    """The digest as Markdown (``digests/2026-W46/digest.md``); feed text is escaped."""
    return _tidy_text(_render("digest.md", **_context(d)))


def render_email_html(d: Digest, *, unsubscribe_url: str | None, archive_url: str | None) -> str:
    """The HTML part of the e-mail: tables and inline styles, 600 px wide at most."""
    context = _context(d, unsubscribe_url=unsubscribe_url, archive_url=archive_url)
    return _render("email.html", **context, is_email=True)


def render_email_text(d: Digest, *, unsubscribe_url: str | None, archive_url: str | None) -> str:
    """The text/plain twin of :func:`render_email_html`."""
    context = _context(d, unsubscribe_url=unsubscribe_url, archive_url=archive_url)
    return _tidy_text(_render("email.txt", **context))


def render_web_html(d: Digest, *, curators: bool = False) -> str:
    """The archive page of the week; ``curators=True`` adds the sources that failed."""
    return _render("web.html", **_context(d), is_email=False, curators=curators)


def render_archive_index(
    entries: Sequence[tuple[str, str, date]], lang: str = "fr", *, feed_url: str | None = None
) -> str:
    """``index.html`` of the archive: one ``(week, title, published on)`` per week, newest first.

    Each week links to ``<week>/`` (the page :func:`render_web_html` wrote there).
    """
    s = _strings(lang)
    rows = []
    for week, title, published in sorted(entries, key=lambda e: parse_week(e[0]), reverse=True):
        year, number = parse_week(week)
        start = date.fromisocalendar(year, number, 1)
        end = date.fromisocalendar(year, number, 7)
        rows.append(
            {
                "href": f"{week}/",
                "title": clean_text(title) or week,
                "week_label": s["week"].format(n=number),
                "period": format_period(start, end, lang),
                "published": s["published_on"].format(date=format_date(published, lang)),
            }
        )
    return _render("index.html", s=s, lang=lang, rows=rows, feed_url=safe_url(feed_url))


def render_atom(entries: Sequence[Digest], *, feed_url: str, site_url: str) -> str:
    """An Atom 1.0 feed with one entry per digest (newest first), content as escaped HTML."""
    checked_feed, checked_site = safe_url(feed_url), safe_url(site_url)
    if not checked_feed or not checked_site:
        raise ConfigError(i18n.message("config.feed_urls", feed=feed_url, site=site_url))
    digests = sorted(entries, key=lambda d: parse_week(d.week), reverse=True)
    items = []
    for d in digests:
        link = week_url(checked_site, d.week)
        context = _context(d, archive_url=link)
        items.append(
            {
                "id": link,  # the week's permanent page: it never moves to another week
                "title": context["subject"],
                "link": link,
                "lang": d.lang,
                "published": _rfc3339(d.published_at),
                "summary": context["preheader"],
                "content": _render("entry.html", **context),
            }
        )
    newest = digests[0] if digests else None
    return _render(
        "feed.xml",
        lang=newest.lang if newest else "fr",
        title=clean_text(newest.title) if newest else i18n.LETTER["fr"]["feed_title"],
        updated=max((i["published"] for i in items), default=_rfc3339(clock.now())),
        feed_url=checked_feed,
        site_url=checked_site.rstrip("/") + "/",
        entries=items,
    )


def _rfc3339(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
