"""Every stored article of a period, as rows or as a Parquet file."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from veille.models import ExportRow
from veille.store.common import date_window, utc_aware
from veille.store.connection import StoreBase

# The columns of an export, in order: the query below names them so, Parquet files keep them.
EXPORT_COLUMNS = tuple(f.name for f in fields(ExportRow))


class ExportMixin(StoreBase):
    """The store's exports of articles."""

    def export_articles(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ExportRow]:
        """Every stored article of the window (publication date, else fetch date), oldest
        first, with the columns of :data:`EXPORT_COLUMNS`."""
        sql, params = _export_query(since, until)
        with self.connect() as con:
            rows = con.execute(sql, params).fetchall()
        return [
            ExportRow(
                aid, title, url, source, source_name, tuple(sources), utc_aware(published),
                utc_aware(fetched), lang, author, tuple(tags), relevant, score, story,
                bool(rejected), extraction, int(words), summary,
            )
            for (aid, title, url, source, source_name, sources, published, fetched, lang, author,
                 tags, relevant, score, story, rejected, extraction, words, summary) in rows
        ]  # fmt: skip

    def export_articles_parquet(
        self, path: Path, *, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Write the same rows as :meth:`export_articles` to a Parquet file (DuckDB's COPY);
        returns the number of rows. The file is written beside ``path`` then renamed."""
        sql, params = _export_query(since, until)
        partial = path.with_name(f".{path.name}.partial")
        target = str(partial).replace("'", "''")  # COPY takes the file name as a literal
        with self.connect() as con:
            con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", params)
            row = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        partial.replace(path)
        return int(row[0]) if row else 0


def _export_query(since: datetime | None, until: datetime | None) -> tuple[str, dict[str, Any]]:
    where, params = date_window(since, until)
    # story: articles with the same value are one story (copies merged by deduplication).
    sql = f"""
        SELECT a.id, a.title, a.url, a.source_id AS source, s.name AS source_name,
               coalesce((SELECT list(DISTINCT e.source_id ORDER BY e.source_id) FROM entries e
                          WHERE e.article_id = a.id), [a.source_id]) AS sources,
               a.published_at, a.fetched_at, a.lang, a.author,
               coalesce(a.tags, []::VARCHAR[]) AS tags, a.relevant, a.score,
               coalesce(a.cluster_id, a.id) AS story,
               a.rejected_at IS NOT NULL AS rejected, a.extraction, a.word_count, a.summary
          FROM articles a LEFT JOIN sources s ON s.id = a.source_id
         WHERE {" AND ".join(where)}
         ORDER BY coalesce(a.published_at, a.fetched_at), a.id
    """
    return sql, params
