"""The team's traces: who did what (the activity log), and the articles trainers suggest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from veille import clock
from veille.models import Article
from veille.store.articles import ARTICLE_COLUMNS, _articles_table, _insert_new
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing a person did in the web app (a curation edit, a publication, a send...)."""

    at: datetime
    actor: str
    action: str  # veille.roles.Action
    what: str  # keep, drop, publish, send, add_source...
    week: str | None
    object: str | None  # an article id, a source id, a user name
    label: str | None = None  # the article's title when the object is an article


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An article a contributor suggested for a week, and what became of it."""

    week: str
    article_id: str
    url: str
    title: str
    suggested_by: str
    comment: str | None
    suggested_at: datetime
    state: str  # pending | kept | dropped (the week's draft as it stands)


_SUGGESTIONS = """
    SELECT s.week, s.article_id, s.url, coalesce(a.title, s.url), s.suggested_by, s.comment,
           s.suggested_at,
           CASE WHEN i.included THEN 'kept'
                WHEN i.edited OR d.published_at IS NOT NULL THEN 'dropped'
                ELSE 'pending' END
      FROM suggestions s
      LEFT JOIN articles a ON a.id = s.article_id
      LEFT JOIN digest_items i ON i.week = s.week AND i.article_id = s.article_id
      LEFT JOIN digests d ON d.week = s.week
"""


class TeamMixin(StoreBase):
    """The store's activity log and suggestions."""

    def record_activity(
        self, actor: str, action: str, what: str, *, week: str | None, object_: str | None
    ) -> None:
        """Keep that ``actor`` did ``what`` (of kind ``action``) on ``object_`` of ``week``."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO activity (done_at, actor, action, what, week, object) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [utc_naive(clock.now()), actor, action, what, week, object_],
            )

    def activity(
        self, *, week: str | None = None, whats: Sequence[str] = (), limit: int = 200
    ) -> list[Activity]:
        """What people did, latest first; ``week`` and ``whats`` narrow it."""
        where = ["TRUE"]
        params: dict[str, object] = {"limit": limit}
        if week is not None:
            where.append("v.week = $week")
            params["week"] = week
        if whats:
            where.append("list_contains($whats, v.what)")
            params["whats"] = list(whats)
        with self.connect() as con:
            rows = con.execute(
                "SELECT v.done_at, v.actor, v.action, v.what, v.week, v.object, a.title "
                "FROM activity v LEFT JOIN articles a ON a.id = v.object "
                f"WHERE {' AND '.join(where)} ORDER BY v.done_at DESC, v.id DESC LIMIT $limit",
                params,
            ).fetchall()
        return [Activity(utc_aware(r[0]) or clock.now(), *r[1:]) for r in rows]

    def add_suggestion(
        self, week: str, article: Article, section: str, url: str, by: str, comment: str | None
    ) -> bool:
        """Store a suggested article (unless known already) and put it among the week's
        candidates, out of the letter until a curator keeps it; False when it was suggested
        for that week already. The week's draft must exist."""
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            if con.execute(
                "SELECT 1 FROM suggestions WHERE week = ? AND article_id = ?", [week, article.id]
            ).fetchone():
                return False
            _insert_new(con, "articles", _articles_table([article]), ARTICLE_COLUMNS)
            con.execute(
                "INSERT INTO suggestions VALUES (?, ?, ?, ?, ?, ?)",
                [week, article.id, url, by, comment, now],
            )
            # Kept by every re-draft (see DigestsMixin.save_draft), out until a curator says.
            if not con.execute(
                "SELECT 1 FROM digest_items WHERE week = ? AND article_id = ?", [week, article.id]
            ).fetchone():
                row = con.execute(
                    "SELECT coalesce(max(position) + 1, 0) FROM digest_items "
                    "WHERE week = ? AND section = ?",
                    [week, section],
                ).fetchone()
                con.execute(
                    "INSERT INTO digest_items (week, article_id, included, section, position, "
                    "rank_score, summary) VALUES (?, ?, FALSE, ?, ?, 0, ?)",
                    [
                        week,
                        article.id,
                        section,
                        row[0] if row else 0,
                        article.summary,
                    ],
                )
            con.execute("UPDATE digests SET updated_at = ? WHERE week = ?", [now, week])
        return True

    def suggestions(self, *, week: str | None = None, by: str | None = None) -> list[Suggestion]:
        """Suggested articles, latest first; ``week`` and ``by`` (a user name) narrow it."""
        where = ["TRUE"]
        params: dict[str, object] = {}
        if week is not None:
            where.append("s.week = $week")
            params["week"] = week
        if by is not None:
            where.append("s.suggested_by = $by")
            params["by"] = by
        with self.connect() as con:
            rows = con.execute(
                f"{_SUGGESTIONS} WHERE {' AND '.join(where)} ORDER BY s.suggested_at DESC",
                params,
            ).fetchall()
        return [
            Suggestion(r[0], r[1], r[2], r[3], r[4], r[5], utc_aware(r[6]) or clock.now(), r[7])
            for r in rows
        ]
