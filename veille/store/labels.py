"""Relevance and tags: the classifier's verdicts and the curators' decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from veille import clock
from veille.models import Decision
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


class LabelsMixin(StoreBase):
    """The store's relevance, tags and curators' decisions."""

    def articles_to_classify(self, limit: int = 2000) -> list[tuple[str, str, str, str, str]]:
        """(id, source id, title, summary, start of text) of articles no model has seen."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, source_id, title, summary, left(text, 4000) FROM articles "
                "WHERE classified_by IS NULL ORDER BY fetched_at, id LIMIT ?",
                [limit],
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def save_classification(
        self, model: str, rows: Sequence[tuple[str, bool, float, list[str], str]]
    ) -> None:
        """(id, relevant, score, tags, why JSON) per article. A curator's decision wins:
        the tags and relevance of a decided article are left as the curator set them."""
        table = pa.table(
            {
                "id": [r[0] for r in rows],
                "relevant": pa.array([r[1] for r in rows], pa.bool_()),
                "score": pa.array([r[2] for r in rows], pa.float64()),
                "tags": pa.array([r[3] for r in rows], pa.list_(pa.string())),
                "why": [r[4] for r in rows],
            }
        )
        with self.connect() as con:
            con.register("verdicts", table)
            con.execute(
                """
                UPDATE articles SET
                    score = v.score, why = v.why, classified_by = $model,
                    relevant = CASE WHEN d.article_id IS NULL THEN v.relevant
                                    ELSE articles.relevant END,
                    tags = CASE WHEN d.article_id IS NULL THEN v.tags ELSE articles.tags END
                  FROM verdicts v
                  LEFT JOIN (SELECT DISTINCT article_id FROM decisions WHERE active) d
                    ON d.article_id = v.id
                 WHERE articles.id = v.id
                """,
                {"model": model},
            )
            con.unregister("verdicts")

    def forget_classification(self, since: datetime | None = None) -> int:
        """Have the next pass classify again (after a better model was swapped in)."""
        with self.connect() as con:
            row = con.execute(
                "UPDATE articles SET classified_by = NULL "
                "WHERE $since IS NULL OR fetched_at >= $since RETURNING 1",
                {"since": utc_naive(since)},
            ).fetchall()
        return len(row)

    def record_decision(
        self, article_ids: Sequence[str], kind: str, relevant: bool, tags: Sequence[str] | None
    ) -> int:
        """A curator's decision on articles, applied to them and kept as a training label.

        A new decision of an article replaces its earlier ones. Returns how many articles exist.
        """
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            known = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM articles WHERE list_contains(?, id)", [list(article_ids)]
                ).fetchall()
            ]
            con.execute(
                "UPDATE decisions SET active = FALSE WHERE list_contains(?, article_id)",
                [known],
            )
            for aid in known:
                con.execute(
                    "INSERT INTO decisions (article_id, kind, relevant, tags, decided_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [aid, kind, relevant, list(tags) if tags is not None else None, now],
                )
            con.execute(
                "UPDATE articles SET relevant = $relevant, "
                "tags = coalesce($tags, tags) WHERE list_contains($ids, id)",
                {
                    "relevant": relevant,
                    "tags": list(tags) if tags is not None else None,
                    "ids": known,
                },
            )
        return len(known)

    def withdraw_decisions(self, article_ids: Sequence[str], kind: str) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE decisions SET active = FALSE "
                "WHERE kind = ? AND list_contains(?, article_id)",
                [kind, list(article_ids)],
            )
            con.execute(
                "UPDATE articles SET classified_by = NULL, relevant = NULL "
                "WHERE list_contains(?, id)",
                [list(article_ids)],
            )

    def decisions(self) -> list[Decision]:
        """The active decision of each decided article, with the text the model reads."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT d.id, d.article_id, d.kind, d.relevant, coalesce(d.tags, a.tags),
                       d.decided_at, a.source_id, a.title, a.summary, left(a.text, 4000)
                  FROM decisions d JOIN articles a ON a.id = d.article_id
                 WHERE d.active ORDER BY d.id
                """
            ).fetchall()
        return [
            Decision(
                int(did), article_id, kind, relevant, tuple(tags or ()), utc_aware(decided),
                source_id, title, summary, text,
            )
            for did, article_id, kind, relevant, tags, decided, source_id, title, summary, text
            in rows
        ]  # fmt: skip
