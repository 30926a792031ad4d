"""Full-text search over stored articles, with a snippet around the words that matched.

Ranking is DuckDB's FTS (BM25 over title and text, French Snowball stemmer, accents folded:
:meth:`veille.store.Store.search`). The snippet is computed here, because the FTS extension gives
a score but not where the words are: each word of the text is stemmed the way the index stems it
(:meth:`veille.store.Store.stems`, the same ``stem()`` function), so "formations" in the query
lights up "formation" and "Formations" in the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from veille import i18n
from veille.errors import UsageError
from veille.examples import STOP_WORDS
from veille.store import Store
from veille.taxonomy import unknown_tag

WORD_RE = re.compile(r"\w+")
SNIPPET_CHARS = 240
BEFORE_CHARS = 60  # context kept before the first matching word


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: the article, its rank, and a snippet with the matching words' positions
    (``highlights``: ``[start, end)`` character offsets in ``snippet``; same for the title)."""

    rank: int
    id: str
    title: str
    url: str
    source: str
    source_name: str | None
    date: str | None
    tags: list[str]
    relevant: bool | None
    score: float
    snippet: str
    highlights: list[tuple[int, int]]
    title_highlights: list[tuple[int, int]]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["highlights"] = [list(h) for h in self.highlights]
        data["title_highlights"] = [list(h) for h in self.title_highlights]
        return data


def fts_query(text: str) -> str:
    """The words to look for: punctuation is noise to the FTS extension, and French function
    words (« de », « la »…) are in nearly every article: they are dropped. UsageError when
    nothing is left (a search for « de la » would rank every article the same, at random)."""
    words = WORD_RE.findall(text)
    if not words:
        raise UsageError(i18n.message("search.no_word", query=text[:100]))
    meaningful = [w for w in words if w.lower() not in STOP_WORDS and len(w) > 1]
    if not meaningful:
        raise UsageError(i18n.message("search.only_common", query=" ".join(words)[:100]))
    return " ".join(meaningful)[:200]


def search_articles(
    store: Store,
    query: str,
    *,
    tag: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    known_tags: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
) -> list[SearchHit]:
    """Articles matching ``query``, best first, each with a highlighted snippet; a ``tag``
    that is not one of ``known_tags`` (when given) is a UsageError naming them; ``ids``: only
    among these articles."""
    words = fts_query(query)
    if tag is not None and known_tags is not None and tag not in known_tags:
        raise UsageError(unknown_tag(tag, list(known_tags)))
    rows = store.search(
        words, tag=tag, source=source, since=since, until=until, limit=limit, ids=ids
    )
    texts = [f"{r.title or ''} {r.text or ''}" for r in rows]
    stems = store.stems([*WORD_RE.findall(words), *WORD_RE.findall(" ".join(texts))])
    wanted = {stems[w] for w in WORD_RE.findall(words) if w in stems}
    hits = []
    for rank, row in enumerate(rows, start=1):
        title = row.title or ""
        snippet, marks = make_snippet(row.text or "", wanted, stems)
        hits.append(
            SearchHit(
                rank=rank,
                id=row.id,
                title=title,
                url=row.url,
                source=row.source_id,
                source_name=row.source_name,
                date=row.date.isoformat(),
                tags=list(row.tags),
                relevant=row.relevant,
                score=round(row.bm25, 4),
                snippet=snippet,
                highlights=marks,
                title_highlights=_matches(title, wanted, stems),
            )
        )
    return hits


def make_snippet(
    text: str, wanted: set[str], stems: dict[str, str], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """About ``width`` characters of ``text`` from a little before its first matching word, cut
    at word boundaries ("…" where cut), and where the matching words are in it."""
    text = " ".join(text.split())
    first = next((m.start() for m in WORD_RE.finditer(text) if stems.get(m.group()) in wanted), 0)
    start = max(0, first - BEFORE_CHARS)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    prefix = "…" if start else ""
    snippet = prefix + text[start:end] + ("…" if end < len(text) else "")
    return snippet, _matches(snippet, wanted, stems)


def _matches(text: str, wanted: set[str], stems: dict[str, str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD_RE.finditer(text) if stems.get(m.group()) in wanted]
