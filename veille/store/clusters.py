"""Near-duplicates: the articles to sketch, their candidates, the clusters found."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from veille import clock
from veille.store.common import utc_naive
from veille.store.connection import StoreBase, transaction

# Below this many words, the same text is not evidence of the same story ("Lire la suite",
# "Article réservé aux abonnés"): short texts are matched on their URL only.
EXACT_COPY_MIN_WORDS = 20


class ClustersMixin(StoreBase):
    """The store's part of deduplication (:func:`veille.dedup_run.deduplicate`)."""

    def articles_to_sketch(
        self, limit: int = 50_000, sketch_chars: int = 1_000_000
    ) -> list[tuple[str, str, str | None]]:
        """(id, title and text, content hash) of articles not yet matched, oldest first.

        Only the first ``sketch_chars`` characters of the text are read; the content hash is
        given only for texts long enough for an identical text to mean an identical story.
        """
        with self.connect() as con:
            rows = con.execute(
                """
                WITH todo AS (
                    SELECT a.id, a.fetched_at FROM articles a
                     WHERE NOT EXISTS (SELECT 1 FROM sketches k WHERE k.article_id = a.id)
                     ORDER BY a.fetched_at, a.id LIMIT $limit
                )
                SELECT a.id, a.title || '\n' || left(a.text, $chars),
                       CASE WHEN a.word_count >= $min_words THEN a.content_hash END
                  FROM todo JOIN articles a ON a.id = todo.id
                 ORDER BY todo.fetched_at, todo.id
                """,
                {"limit": limit, "min_words": EXACT_COPY_MIN_WORDS, "chars": sketch_chars},
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def duplicate_candidates(
        self, keys: Sequence[tuple[str, int, int]], hashes: Sequence[tuple[str, str]]
    ) -> tuple[list[tuple[str, str, str, bytes | None]], list[tuple[str, str, str]]]:
        """Stored articles sharing an LSH band key or a content hash with new ones.

        ``keys``: (new id, band, key); ``hashes``: (new id, content hash). Returns
        ``(band candidates (new id, stored id, stored cluster, stored minhash),
        hash matches (new id, stored id, stored cluster))``.
        """
        band_table = pa.table(
            {
                "new_id": [k[0] for k in keys],
                "band": pa.array([k[1] for k in keys], pa.int16()),
                "key": pa.array([k[2] for k in keys], pa.int64()),
            }
        )
        hash_table = pa.table({"new_id": [h[0] for h in hashes], "hash": [h[1] for h in hashes]})
        with self.connect() as con:
            con.register("new_keys", band_table)
            con.register("new_hashes", hash_table)
            candidates = con.execute(
                """
                SELECT DISTINCT n.new_id, b.article_id, coalesce(a.cluster_id, a.id), k.minhash
                  FROM new_keys n
                  JOIN lsh_bands b ON b.band = n.band AND b.key = n.key
                  JOIN articles a ON a.id = b.article_id
                  JOIN sketches k ON k.article_id = b.article_id
                 WHERE b.article_id <> n.new_id
                """
            ).fetchall()
            matches = con.execute(
                """
                SELECT DISTINCT n.new_id, a.id, coalesce(a.cluster_id, a.id)
                  FROM new_hashes n JOIN articles a ON a.content_hash = n.hash
                 WHERE a.id <> n.new_id
                   AND EXISTS (SELECT 1 FROM sketches k WHERE k.article_id = a.id)
                """
            ).fetchall()
        return (
            [(r[0], r[1], r[2], r[3]) for r in candidates],
            [(r[0], r[1], r[2]) for r in matches],
        )

    def save_clusters(
        self,
        sketches: Sequence[tuple[str, bytes | None]],
        keys: Sequence[tuple[str, int, int]],
        assigned: dict[str, str],
        merged: dict[str, str],
    ) -> None:
        """Record sketches, band keys and cluster ids of a batch, in one transaction."""
        now = utc_naive(clock.now())
        sketch_table = pa.table(
            {
                "article_id": [s[0] for s in sketches],
                "minhash": pa.array([s[1] for s in sketches], pa.binary()),
                "processed_at": pa.array([now] * len(sketches), pa.timestamp("us")),
            }
        )
        band_table = pa.table(
            {
                "band": pa.array([k[1] for k in keys], pa.int16()),
                "key": pa.array([k[2] for k in keys], pa.int64()),
                "article_id": [k[0] for k in keys],
            }
        )
        updates = pa.table({"id": list(assigned), "cluster_id": [assigned[i] for i in assigned]})
        merges = pa.table({"old": list(merged), "new": [merged[o] for o in merged]})
        with self.connect() as con, transaction(con):
            for name, table in (
                ("s", sketch_table),
                ("b", band_table),
                ("u", updates),
                ("m", merges),
            ):
                con.register(f"batch_{name}", table)
            con.execute("INSERT INTO sketches SELECT * FROM batch_s")
            con.execute("INSERT INTO lsh_bands SELECT * FROM batch_b")
            con.execute(
                "UPDATE articles SET cluster_id = m.new FROM batch_m m "
                "WHERE articles.cluster_id = m.old"
            )
            con.execute(
                "UPDATE articles SET cluster_id = u.cluster_id FROM batch_u u "
                "WHERE articles.id = u.id"
            )

    def settle_owners(self) -> int:
        """Give every article listed by several sources one owner, whatever order the sources
        were fetched in; returns how many articles changed.

        The first source to store an article used to own it (and lend it its date), and the
        sources of a pass run concurrently: two identical runs could disagree. The rule, the
        same as a story's original (:meth:`Store.articles`): an official source first, then
        the earliest publication date its feed gave, then the smallest source id. The article
        takes its owner's title (the letter names the owner next to it); its date becomes the
        earliest any source gave (never later than it was fetched).
        """
        with self.connect() as con, transaction(con):
            rows = con.execute(
                """
                WITH shared AS (
                    SELECT article_id FROM entries
                     GROUP BY article_id HAVING count(DISTINCT source_id) > 1
                ),
                ranked AS (
                    SELECT e.article_id, e.source_id, e.title,
                           min(e.published_at) OVER (PARTITION BY e.article_id) AS earliest,
                           row_number() OVER (
                               PARTITION BY e.article_id
                               ORDER BY coalesce(s.official, FALSE) DESC,
                                        e.published_at NULLS LAST, e.source_id, e.id
                           ) AS n
                      FROM entries e JOIN shared USING (article_id)
                      LEFT JOIN sources s ON s.id = e.source_id
                )
                UPDATE articles
                   SET source_id = r.source_id,
                       title = CASE WHEN r.title <> '' THEN r.title ELSE articles.title END,
                       published_at = CASE WHEN r.earliest IS NULL THEN articles.published_at
                                           ELSE least(r.earliest, articles.fetched_at) END
                  FROM ranked r
                 WHERE r.n = 1 AND articles.id = r.article_id
                   AND (articles.source_id <> r.source_id
                        OR (r.title <> '' AND articles.title <> r.title)
                        OR articles.published_at IS DISTINCT FROM
                           CASE WHEN r.earliest IS NULL THEN articles.published_at
                                ELSE least(r.earliest, articles.fetched_at) END)
                RETURNING articles.id
                """
            ).fetchall()
        return len(rows)
