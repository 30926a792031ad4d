"""Full-text search (DuckDB's FTS extension, French stemming)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from veille.errors import StoreError
from veille.models import FoundArticle
from veille.store.common import date_window, utc_aware
from veille.store.connection import StoreBase


class FullTextMixin(StoreBase):
    """The store's full-text search."""

    def search(
        self,
        query: str,
        *,
        tag: str | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        ids: Sequence[str] | None = None,
    ) -> list[FoundArticle]:
        """Articles matching ``query`` (French stemming, accents folded), best first.

        The DuckDB FTS index does not follow inserts: it is rebuilt here when articles were
        added since it was built (0.1 s for a hundred articles; it grows with the table).
        ``ids``: only among these articles (an alert's new ones).
        """
        where, params = _filters(since, until, tag, source, ids)
        params |= {"q": query, "limit": limit}
        with self.connect() as con:
            _load_fts(con)
            _refresh_index(con)
            rows = con.execute(
                f"""
                SELECT a.id, a.url, a.title, a.source_id, s.name, a.tags, a.relevant,
                       coalesce(a.published_at, a.fetched_at), left(a.text, 300), a.text, m.bm25
                  FROM (SELECT id, fts_main_articles.match_bm25(id, $q) AS bm25 FROM articles) m
                  JOIN articles a ON a.id = m.id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE {" AND ".join(where)}
                 ORDER BY m.bm25 DESC, a.id
                 LIMIT $limit
                """,
                params,
            ).fetchall()
        return [
            FoundArticle(
                aid, url, title, source_id, source_name, tuple(tags or ()), relevant,
                utc_aware(date), excerpt, text, float(bm25),
            )
            for aid, url, title, source_id, source_name, tags, relevant, date, excerpt, text, bm25
            in rows
        ]  # fmt: skip

    def tags_in_use(self) -> list[str]:
        """Every tag some stored article has (what a search by tag can find)."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT DISTINCT t FROM (SELECT unnest(tags) AS t FROM articles) ORDER BY t"
            ).fetchall()
        return [str(t) for (t,) in rows]

    def stems(self, words: Sequence[str]) -> dict[str, str]:
        """Each word as the search index sees it: lower case, accents stripped, French stem."""
        unique = sorted({w for w in words if w})
        if not unique:
            return {}
        with self.connect() as con:
            _load_fts(con)
            rows = con.execute(
                "SELECT w, stem(strip_accents(lower(w)), 'french') FROM unnest($w) t(w)",
                {"w": unique},
            ).fetchall()
        return {str(w): str(s) for w, s in rows}


def _filters(
    since: datetime | None,
    until: datetime | None,
    tag: str | None,
    source: str | None,
    ids: Sequence[str] | None,
) -> tuple[list[str], dict[str, Any]]:
    """The search's WHERE conditions and their parameters."""
    where, params = date_window(since, until)
    where.append("m.bm25 IS NOT NULL")
    if ids is not None:
        where.append("list_contains($ids, a.id)")
        params["ids"] = list(ids)
    if tag:
        where.append("list_contains(a.tags, $tag)")
        params["tag"] = tag
    if source:
        # The stories this source carried, not only those it owns: a story owned by an
        # earlier or official source but also listed (or copied) by this one is found.
        where.append(
            """coalesce(a.cluster_id, a.id) IN (
                   SELECT coalesce(b.cluster_id, b.id) FROM articles b
                    WHERE b.source_id = $source
                       OR b.id IN (SELECT e.article_id FROM entries e
                                    WHERE e.source_id = $source))"""
        )
        params["source"] = source
    return where, params


# What separates words in the index: anything but a-z and digits, written out because the
# extension's default kept the typographic apostrophe of French elisions inside the word
# (« l’apprentissage » was indexed as one word, and a search for « apprentissage » missed it);
# digits are words too (« décret 2026-12 »). A new version here rebuilds existing indexes.
INDEX_IGNORE = r"(\.|[^a-z0-9])+"
INDEX_VERSION = "2"


def _refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    """Build the FTS index again when articles were added since it was built."""
    found = con.execute(
        "SELECT count(*)::TEXT || '/' || coalesce(max(fetched_at)::TEXT, '') FROM articles"
    ).fetchone()
    stamp = (f"v{INDEX_VERSION}/{found[0]}",) if found else None
    built = con.execute("SELECT value FROM meta WHERE key = 'fts'").fetchone()
    if stamp is None or built is None or built[0] != stamp[0]:
        con.execute(
            "PRAGMA create_fts_index('articles', 'id', 'title', 'text', "
            "stemmer = 'french', stopwords = 'none', strip_accents = 1, lower = 1, "
            f"ignore = '{INDEX_IGNORE}', overwrite = 1)"
        )
        con.execute("INSERT OR REPLACE INTO meta VALUES ('fts', ?)", [stamp[0] if stamp else ""])


def _load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's FTS extension from the ``duckdb-extension-fts`` package (no download)."""
    import duckdb_extension_fts

    path = (
        Path(duckdb_extension_fts.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "fts.duckdb_extension"
    )
    if not path.exists():
        raise StoreError(
            f"the full-text search extension for DuckDB {duckdb.__version__} is missing "
            f"({path}). Hint: pip install duckdb-extension-fts=={duckdb.__version__}."
        )
    con.execute(f"INSTALL '{path}'")
    con.execute("LOAD fts")
