"""Articles and their sightings: a source's commit, what is known already, the listing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from veille import clock
from veille.errors import StoreError, one_line
from veille.identity import without_query
from veille.models import (
    MAX_GUID_CHARS,
    MAX_LANG_CHARS,
    MAX_NAME_CHARS,
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Article,
    Sighting,
    StoreCounts,
    StoredArticle,
    clip,
    clip_optional,
)
from veille.store.common import (
    count_rows,
    crash_point,
    date_window,
    fetch_dicts,
    utc_aware,
    utc_naive,
)
from veille.store.connection import StoreBase, transaction
from veille.store.sources import count_day

# An ETag or Last-Modified longer than this is not kept: a cut validator would never match, and
# the server's next answer is a whole one either way (real ones are tens of characters).
MAX_VALIDATOR_CHARS = 1_000
ARTICLE_COLUMNS = (
    "id",
    "url",
    "source_id",
    "title",
    "author",
    "published_at",
    "fetched_at",
    "lang",
    "sitename",
    "summary",
    "text",
    "word_count",
    "extraction",
    "extraction_error",
    "content_hash",
    "tags",
)


ENTRY_COLUMNS = (
    "id",
    "source_id",
    "article_id",
    "entry_key",
    "url",
    "guid",
    "title",
    "published_at",
    "first_seen_at",
)


class ArticlesMixin(StoreBase):
    """The store's articles: commits of a source's work, lookups, the listing."""

    def commit_source(
        self,
        source_id: str,
        *,
        articles: Sequence[Article],
        sightings: Sequence[Sighting],
        entries_seen: int | None,
        etag: str | None,
        last_modified: str | None,
        keep_validators: bool = False,
        retitled: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Store a source's new articles and sightings and mark it healthy, in one transaction.

        Returns the number of articles actually inserted (already-known ones are ignored).
        ``keep_validators`` leaves the stored ETag/Last-Modified untouched (used when some
        article of the source could not be fetched, so the next run sees the listing again).
        ``retitled``: (entry id, new title) of entries edited in place by their feed; the
        article takes the new title when that source is the article's own.
        """
        now = utc_naive(clock.now())
        article_table = _articles_table(articles)
        entry_table = _entries_table(sightings)
        with self.connect() as con, transaction(con):
            before = count_rows(con, "articles")
            _insert_new(con, "articles", article_table, ARTICLE_COLUMNS)
            inserted = count_rows(con, "articles") - before
            crash_point("between_articles_and_entries")
            _insert_new(con, "entries", entry_table, ENTRY_COLUMNS)
            for eid, new_title in retitled:
                title = clip(new_title, MAX_TITLE_CHARS)
                con.execute("UPDATE entries SET title = ? WHERE id = ?", [title, eid])
                con.execute(
                    "UPDATE articles SET title = ? FROM entries e "
                    "WHERE e.id = ? AND articles.id = e.article_id "
                    "AND articles.source_id = e.source_id",
                    [title, eid],
                )
            _mark_healthy(
                con, source_id, now, entries_seen, inserted,
                None if keep_validators else (_validator(etag), _validator(last_modified)),
            )  # fmt: skip
            count_day(con, source_id, clock.now(), ok=True, error=None)
            crash_point("before_commit")
        return inserted

    def known_entries(self, source_id: str, entry_ids: Sequence[str]) -> dict[str, str]:
        """Which of these entry ids of a source are already stored, with their stored title."""
        if not entry_ids:
            return {}
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, title FROM entries WHERE source_id = ? AND list_contains(?, id)",
                [source_id, list(entry_ids)],
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def source_items(
        self, source_id: str, article_ids: Sequence[str], titles: Sequence[str]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        """What this source listed before, to recognise an item under a new GUID or query string
        (``veille.source_run._seen_before``): the articles among ``article_ids`` it has entries
        for, and the (title, URL without query) of its entries titled as one of ``titles``."""
        if not article_ids and not titles:
            return set(), set()
        with self.connect() as con:
            rows = con.execute(
                "SELECT article_id, title, url FROM entries WHERE source_id = $source "
                "AND (article_id IN (SELECT unnest($articles)) "
                "     OR title IN (SELECT unnest($titles)))",
                {
                    "source": source_id,
                    "articles": list(article_ids),
                    "titles": [clip(t, MAX_TITLE_CHARS) for t in titles],
                },
            ).fetchall()
        wanted = set(article_ids)
        articles = {aid for aid, _, _ in rows if aid in wanted}
        titled = {(title, without_query(url) if url else "") for _, title, url in rows if title}
        return articles, titled

    def entry_titles(self, source_ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Every stored entry of these sources: {source: {entry id: [title, article id, url]}}."""
        out: dict[str, dict[str, list[str]]] = {sid: {} for sid in source_ids}
        with self.connect() as con:
            rows = con.execute(
                "SELECT source_id, id, title, article_id, url FROM entries "
                "WHERE list_contains(?, source_id)",
                [list(source_ids)],
            ).fetchall()
        for sid, eid, title, aid, url in rows:
            out[sid][eid] = [title, aid, url or ""]
        return out

    def known_articles(self, article_ids: Sequence[str]) -> set[str]:
        """Which of these article ids are already stored (by any source)."""
        if not article_ids:
            return set()
        with self.connect() as con:
            rows = con.execute(
                "SELECT id FROM articles WHERE list_contains(?, id)", [list(article_ids)]
            ).fetchall()
        return {r[0] for r in rows}

    def set_rejected(self, article_ids: Sequence[str], rejected: bool = True) -> int:
        """Mark articles as rejected by a curator (or restore them); returns how many exist."""
        with self.connect() as con:
            con.execute(
                "UPDATE articles SET rejected_at = ? WHERE list_contains(?, id)",
                [utc_naive(clock.now()) if rejected else None, list(article_ids)],
            )
            row = con.execute(
                "SELECT count(*) FROM articles WHERE list_contains(?, id)", [list(article_ids)]
            ).fetchone()
        return int(row[0]) if row else 0

    def resolve_ids(self, prefixes: Sequence[str]) -> list[str]:
        """Full article ids from ids or unique prefixes (6+ characters); StoreError otherwise."""
        resolved = []
        with self.connect() as con:
            for prefix in prefixes:
                p = prefix.strip().lower()
                rows = (
                    con.execute(
                        "SELECT id FROM articles WHERE starts_with(id, ?) ORDER BY id LIMIT 2", [p]
                    ).fetchall()
                    if len(p) >= 6
                    else []
                )
                if len(rows) != 1:
                    problem = "matches several articles" if rows else "matches no article"
                    raise StoreError(
                        f"id {prefix!r} {problem}. Hint: copy a longer id from "
                        "`veille digest show --json` or `veille articles --all --json`."
                    )
                resolved.append(str(rows[0][0]))
        return resolved

    def articles(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        tag: str | None = None,
        source: str | None = None,
        include_all: bool = False,
        off_topic: bool = False,
        limit: int | None = None,
    ) -> list[StoredArticle]:
        """Stored articles, newest first.

        The window applies to the publication date, or the fetch date when the feed gave none.
        Without ``include_all`` only the representative of each story is listed (the original:
        an official source first, then the earliest) and off-topic articles are left out
        (``off_topic`` keeps them, still one per story).
        ``also_in`` lists every other source and URL of the story.
        ``source`` matches the first source and every other source that listed the article.
        """
        where, params = _article_filters(since, until, tag, source, include_all, off_topic)
        sql = f"""
            WITH ranked AS (
                SELECT a.*, s.name AS source_name,
                       row_number() OVER (
                           PARTITION BY coalesce(a.cluster_id, a.id)
                           ORDER BY coalesce(s.official, FALSE) DESC,
                                    coalesce(a.published_at, a.fetched_at), a.id
                       ) AS rank
                  FROM articles a LEFT JOIN sources s ON s.id = a.source_id
            )
            SELECT a.id, a.url, a.title, a.source_id, a.source_name, a.published_at,
                   a.fetched_at, a.lang, a.author, a.sitename, a.summary, a.text, a.word_count,
                   a.extraction, a.extraction_error, a.tags, a.relevant, a.score, a.why,
                   a.cluster_id, a.rank = 1 AS representative, a.rejected_at,
                   (SELECT list(DISTINCT {{'source': e.source_id, 'url': e.url}})
                      FROM entries e JOIN articles b ON b.id = e.article_id
                     WHERE coalesce(b.cluster_id, b.id) = coalesce(a.cluster_id, a.id)
                       AND NOT (e.source_id = a.source_id AND e.article_id = a.id)) AS also_in
              FROM ranked a
             WHERE {" AND ".join(where)}
             ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id
        """
        if limit is not None:
            sql += " LIMIT $limit"
            params["limit"] = limit
        with self.connect() as con:
            rows = fetch_dicts(con, sql, params)
        return [_stored_article(row) for row in rows]

    def counts(self) -> StoreCounts:
        with self.connect() as con:
            return StoreCounts(*(count_rows(con, t) for t in ("sources", "articles", "entries")))


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    """Articles as an Arrow table, every text within its bound (veille.models): the parsers bound
    them already, this is the last line before the file."""
    columns: dict[str, list[Any]] = {c: [] for c in ARTICLE_COLUMNS}
    for a in articles:
        values = {
            "id": a.id,
            "url": clip(a.url, MAX_URL_CHARS + 100),
            "source_id": a.source_id,
            "title": clip(a.title, MAX_TITLE_CHARS),
            "author": clip_optional(a.author, MAX_NAME_CHARS),
            "published_at": utc_naive(a.published_at),
            "fetched_at": utc_naive(a.fetched_at),
            "lang": clip_optional(a.lang, MAX_LANG_CHARS),
            "sitename": clip_optional(a.sitename, MAX_NAME_CHARS),
            "summary": clip(a.summary, MAX_TEXT_CHARS),
            "text": clip(a.text, MAX_TEXT_CHARS),
            "word_count": a.word_count,
            "extraction": a.extraction,
            "extraction_error": one_line(a.extraction_error) if a.extraction_error else None,
            "content_hash": a.content_hash,
            "tags": [clip(t, MAX_NAME_CHARS) for t in a.tags[:MAX_TAGS]],
        }
        for key, value in values.items():
            columns[key].append(value)
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("url", pa.string()),
            ("source_id", pa.string()),
            ("title", pa.string()),
            ("author", pa.string()),
            ("published_at", pa.timestamp("us")),
            ("fetched_at", pa.timestamp("us")),
            ("lang", pa.string()),
            ("sitename", pa.string()),
            ("summary", pa.string()),
            ("text", pa.string()),
            ("word_count", pa.int32()),
            ("extraction", pa.string()),
            ("extraction_error", pa.string()),
            ("content_hash", pa.string()),
            ("tags", pa.list_(pa.string())),
        ]
    )
    return pa.table(columns, schema=schema)


def _entries_table(sightings: Sequence[Sighting]) -> pa.Table:
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("source_id", pa.string()),
            ("article_id", pa.string()),
            ("entry_key", pa.string()),
            ("url", pa.string()),
            ("guid", pa.string()),
            ("title", pa.string()),
            ("published_at", pa.timestamp("us")),
            ("first_seen_at", pa.timestamp("us")),
        ]
    )
    columns: dict[str, list[Any]] = {c: [] for c in ENTRY_COLUMNS}
    for s in sightings:
        for key, value in (
            ("id", s.entry_id),
            ("source_id", s.source_id),
            ("article_id", s.article_id),
            ("entry_key", clip(s.entry_key, MAX_URL_CHARS + MAX_GUID_CHARS + 100)),
            ("url", clip_optional(s.url, MAX_URL_CHARS)),
            ("guid", clip_optional(s.guid, MAX_GUID_CHARS)),
            ("title", clip(s.title, MAX_TITLE_CHARS)),
            ("published_at", utc_naive(s.published_at)),
            ("first_seen_at", utc_naive(s.seen_at)),
        ):
            columns[key].append(value)
    return pa.table(columns, schema=schema)


def _validator(value: str | None) -> str | None:
    return value if value is None or len(value) <= MAX_VALIDATOR_CHARS else None


def _insert_new(
    con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, columns: Sequence[str]
) -> None:
    """INSERT OR IGNORE the Arrow ``rows`` into ``table`` (rows already there are kept)."""
    if not rows.num_rows:
        return
    con.register(f"new_{table}", rows)
    con.execute(
        f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM new_{table}"
    )
    con.unregister(f"new_{table}")


def _article_filters(
    since: datetime | None,
    until: datetime | None,
    tag: str | None,
    source: str | None,
    include_all: bool,
    off_topic: bool,
) -> tuple[list[str], dict[str, Any]]:
    """The WHERE conditions and parameters of :meth:`Store.articles` (``a``: the ranked
    articles)."""
    where, params = date_window(since, until)
    if tag:
        where.append("list_contains(a.tags, $tag)")
        params["tag"] = tag
    if source:
        where.append(
            "(a.source_id = $source OR EXISTS (SELECT 1 FROM entries e "
            "WHERE e.article_id = a.id AND e.source_id = $source))"
        )
        params["source"] = source
    if not include_all:
        # A rejected story stays rejected: reposts of it (same cluster) are hidden too.
        if not off_topic:
            where.append("a.relevant IS DISTINCT FROM FALSE")
        where.append(
            "a.rank = 1 AND NOT EXISTS ("
            "SELECT 1 FROM articles r WHERE r.rejected_at IS NOT NULL "
            "AND coalesce(r.cluster_id, r.id) = coalesce(a.cluster_id, a.id))"
        )
    return where, params


def _stored_article(row: dict[str, Any]) -> StoredArticle:
    also_in = sorted(row["also_in"] or [], key=lambda x: (x["source"], x["url"] or ""))
    return StoredArticle(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        published_at=utc_aware(row["published_at"]),
        fetched_at=utc_aware(row["fetched_at"]),
        lang=row["lang"],
        author=row["author"],
        sitename=row["sitename"],
        summary=row["summary"],
        text=row["text"],
        word_count=row["word_count"],
        extraction=row["extraction"],
        extraction_error=row["extraction_error"],
        tags=tuple(row["tags"] or ()),
        relevant=row["relevant"],
        score=row["score"],
        why=json.loads(row["why"]) if row["why"] else {},
        cluster_id=row["cluster_id"],
        representative=row["representative"],
        rejected=row["rejected_at"] is not None,
        also_in=tuple((x["source"], x["url"]) for x in also_in),
    )


def _mark_healthy(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    now: datetime | None,
    entries_seen: int | None,
    inserted: int,
    validators: tuple[str | None, str | None] | None,
) -> None:
    """A source's fetch succeeded: errors cleared, figures and (unless None) validators set."""
    setting = "" if validators is None else ", etag = $etag, last_modified = $last_modified"
    con.execute(
        f"""
            UPDATE sources SET error_count = 0, last_error = NULL, last_error_kind = NULL,
                   next_check_at = NULL,
                   last_fetch_at = $now, last_success_at = $now,
                   last_entries = coalesce($entries, last_entries),
                   max_entries = greatest(coalesce(max_entries, 0), coalesce($entries, 0)),
                   last_new_at = CASE WHEN $inserted > 0 THEN $now ELSE last_new_at END
                   {setting}
            WHERE id = $id
            """,
        {
            "now": now,
            "entries": entries_seen,
            "inserted": inserted,
            "id": source_id,
            **(
                {}
                if validators is None
                else {"etag": validators[0], "last_modified": validators[1]}
            ),
        },
    )
