"""Weekly digests: drafts and their items, curation, publication, the week's figures and
the Qualiopi selections.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from veille import clock
from veille.drafts import (
    DigestRecord,
    DraftChanges,
    DraftChoice,
    DraftRow,
    PublishedDigest,
    WeekFigures,
)
from veille.errors import StoreError
from veille.models import Selection
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


class Unset(enum.Enum):
    """The value of a field an edit leaves as it is (None sets it to NULL)."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


class DigestsMixin(StoreBase):
    """The store's weekly digests."""

    def digest(self, week: str) -> DigestRecord | None:
        """The digest of ``week`` (title, editorial, top article, dates, snapshot), if drafted."""
        with self.connect() as con:
            row = con.execute(
                "SELECT week, title, editorial, top_article, drafted_at, updated_at, "
                "coalesce(last_published_at, published_at), approved_at, approved_by, snapshot "
                "FROM digests WHERE week = ?",
                [week],
            ).fetchone()
        if row is None:
            return None
        week_, title, editorial, top, drafted, updated, published, approved, by, snapshot = row
        return DigestRecord(
            week_, title, editorial, top, utc_aware(drafted), utc_aware(updated),
            utc_aware(published), utc_aware(approved), by, snapshot,
        )  # fmt: skip

    def digest_items(self, week: str) -> list[DraftRow]:
        """The draft's items with their article, by section and position."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT i.article_id, i.included, i.section, i.position, i.rank_score, i.summary,
                       i.summary_edited, i.note, i.edited, a.title, a.url, a.source_id,
                       -- no source row: a suggested article, named by its site
                       coalesce(s.name, CASE WHEN s.id IS NULL THEN a.sitename END),
                       a.published_at, a.fetched_at, a.word_count, a.tags, a.score,
                       i.edited_at,
                       EXISTS (SELECT 1 FROM decisions d
                                WHERE d.article_id = a.id AND d.active) AS decided
                  FROM digest_items i
                  JOIN articles a ON a.id = i.article_id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE i.week = ?
                 ORDER BY i.section, i.position, i.article_id
                """,
                [week],
            ).fetchall()
        return [
            DraftRow(
                article_id, bool(included), section, int(position), float(rank_score), summary,
                edited_summary, note, bool(edited), title, url, source_id, source_name,
                utc_aware(published), utc_aware(fetched), int(words or 0), tuple(tags or ()),
                score, utc_aware(edited_at), bool(decided),
            )
            for (article_id, included, section, position, rank_score, summary, edited_summary,
                 note, edited, title, url, source_id, source_name, published, fetched, words,
                 tags, score, edited_at, decided) in rows
        ]  # fmt: skip

    def story_sources(self, article_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """Per article: every (source id, source name) that carried its story, first seen first."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT x.id, e.source_id, coalesce(s.name, e.source_id) AS name,
                       min(e.first_seen_at) AS seen
                  FROM articles x
                  JOIN articles b ON coalesce(b.cluster_id, b.id) = coalesce(x.cluster_id, x.id)
                  JOIN entries e ON e.article_id = b.id
                  LEFT JOIN sources s ON s.id = e.source_id
                 WHERE list_contains($ids, x.id)
                 GROUP BY ALL ORDER BY x.id, seen, e.source_id
                """,
                {"ids": list(article_ids)},
            ).fetchall()
        result: dict[str, list[tuple[str, str]]] = {}
        for aid, source_id, name, _ in rows:
            result.setdefault(aid, []).append((source_id, name))
        return result

    def save_draft(self, week: str, items: Sequence[DraftChoice]) -> DraftChanges:
        """Store a fresh draft of ``week``, keeping everything a curator touched.

        Items a curator edited are kept as they are; the others are replaced by ``items``.
        Returns counts: kept (edited), added, dropped (unedited items no longer candidates).
        """
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            if con.execute("SELECT 1 FROM digests WHERE week = ?", [week]).fetchone():
                con.execute("UPDATE digests SET updated_at = ? WHERE week = ?", [now, week])
            else:
                con.execute(
                    "INSERT INTO digests (week, drafted_at, updated_at) VALUES (?, ?, ?)",
                    [week, now, now],
                )
            # Kept as they are: items a curator touched, and articles a contributor suggested.
            kept = "(edited OR article_id IN (SELECT article_id FROM suggestions WHERE week = $w))"
            edited = {
                r[0]
                for r in con.execute(
                    f"SELECT article_id FROM digest_items WHERE week = $w AND {kept}", {"w": week}
                ).fetchall()
            }
            before = {
                r[0]
                for r in con.execute(
                    f"SELECT article_id FROM digest_items WHERE week = $w AND NOT {kept}",
                    {"w": week},
                ).fetchall()
            }
            con.execute(f"DELETE FROM digest_items WHERE week = $w AND NOT {kept}", {"w": week})
            fresh = [i for i in items if i.article_id not in edited]
            for item in fresh:
                con.execute(
                    "INSERT INTO digest_items (week, article_id, included, section, position, "
                    "rank_score, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        week,
                        item.article_id,
                        item.included,
                        item.section,
                        item.position,
                        item.rank_score,
                        item.summary,
                    ],
                )
        ids = {i.article_id for i in fresh}
        return DraftChanges(kept=len(edited), added=len(ids - before), dropped=len(before - ids))

    def edit_digest(
        self,
        week: str,
        *,
        title: str | Unset | None = UNSET,
        editorial: str | Unset | None = UNSET,
        top_article: str | Unset | None = UNSET,
    ) -> None:
        """Set the ``title``, ``editorial`` or ``top_article`` of a stored draft (None clears
        it; the others are left as they are)."""
        fields = _given(title=title, editorial=editorial, top_article=top_article)
        if not fields:
            raise ValueError("edit_digest takes title, editorial or top_article")
        assignments = ", ".join(f"{name} = ${name}" for name in sorted(fields))
        with self.connect() as con:
            found = con.execute(
                f"UPDATE digests SET {assignments}, updated_at = $now WHERE week = $week "
                "RETURNING week",
                {**fields, "now": utc_naive(clock.now()), "week": week},
            ).fetchall()
        if not found:
            raise StoreError(f"there is no draft for {week}. Hint: run `veille digest draft`.")

    def edit_items(
        self,
        week: str,
        article_ids: Sequence[str],
        *,
        included: bool | Unset = UNSET,
        section: str | Unset = UNSET,
        position: int | Unset = UNSET,
        summary_edited: str | Unset | None = UNSET,
        note: str | Unset | None = UNSET,
    ) -> int:
        """Set ``included``, ``section``, ``position``, ``summary_edited`` or ``note`` of items;
        marks them edited (a re-draft keeps them). Returns how many items matched."""
        fields = _given(
            included=included,
            section=section,
            position=position,
            summary_edited=summary_edited,
            note=note,
        )
        if not fields:
            raise ValueError("edit_items takes included, section, position, summary_edited or note")
        assignments = ", ".join(f"{name} = ${name}" for name in sorted(fields))
        now = utc_naive(clock.now())
        with self.connect() as con:
            rows = con.execute(
                f"UPDATE digest_items SET {assignments}, edited = TRUE, edited_at = $now "
                "WHERE week = $week AND list_contains($ids, article_id) RETURNING article_id",
                {**fields, "now": now, "week": week, "ids": list(article_ids)},
            ).fetchall()
            if rows:
                con.execute("UPDATE digests SET updated_at = ? WHERE week = ?", [now, week])
        return len(rows)

    def approve_digest(self, week: str, by: str | None) -> None:
        """Mark the draft as approved (``by=None`` withdraws the approval)."""
        with self.connect() as con:
            found = con.execute(
                "UPDATE digests SET approved_at = ?, approved_by = ? WHERE week = ? RETURNING week",
                [utc_naive(clock.now()) if by else None, by, week],
            ).fetchall()
        if not found:
            raise StoreError(f"there is no draft for {week}. Hint: run `veille digest draft`.")

    def publish_digest(self, week: str, snapshot: str, published_at: datetime) -> None:
        """Record the digest of ``week`` as published at ``published_at``, with the snapshot the
        archive shows (the letter as JSON). :meth:`digest` gives the latest publication; the
        first one stays in ``published_at`` (the register's diffusion date)."""
        with self.connect() as con:
            con.execute(
                "UPDATE digests SET published_at = coalesce(published_at, $at), "
                "last_published_at = $at, snapshot = $snapshot WHERE week = $week",
                {"at": utc_naive(published_at), "snapshot": snapshot, "week": week},
            )

    def letter_sent(self, week: str) -> tuple[int, datetime | None]:
        """How many subscribers the mail server accepted the letter of ``week`` for, and when
        the last of them was (None: nobody yet)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT count(*), max(sent_at) FROM sends WHERE week = ? AND state = 'sent'",
                [week],
            ).fetchone()
        count, last = row or (0, None)
        return int(count), utc_aware(last)

    def published_digests(self) -> list[PublishedDigest]:
        """Every published digest's snapshot, oldest week first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT week, snapshot FROM digests WHERE snapshot IS NOT NULL ORDER BY week"
            ).fetchall()
        return [PublishedDigest(week, snapshot) for week, snapshot in rows]

    def week_figures(self, since: datetime, until: datetime) -> WeekFigures:
        """What the watch gathered in a window: items seen (one per source that listed an
        article), duplicates merged (items beyond the first of each story), off-topic stories,
        and the words of the distinct articles."""
        with self.connect() as con:
            row = con.execute(
                """
                WITH w AS (
                    SELECT a.id, coalesce(a.cluster_id, a.id) AS story, a.relevant, a.word_count,
                           greatest((SELECT count(*) FROM entries e WHERE e.article_id = a.id), 1)
                               AS seen
                      FROM articles a
                     WHERE coalesce(a.published_at, a.fetched_at) >= $since
                       AND coalesce(a.published_at, a.fetched_at) < $until
                )
                SELECT coalesce(sum(seen), 0),
                       count(DISTINCT story),
                       count(DISTINCT story) FILTER (WHERE relevant IS FALSE),
                       coalesce(sum(word_count), 0)
                  FROM w
                """,
                {"since": utc_naive(since), "until": utc_naive(until)},
            ).fetchone()
        gathered, stories, off_topic, words = row or (0, 0, 0, 0)
        return WeekFigures(
            gathered=int(gathered),
            duplicates=int(gathered) - int(stories),
            off_topic=int(off_topic),
            words=int(words),
        )

    def selections(self, since: datetime, until: datetime) -> list[Selection]:
        """Items kept in digests published in a window, with tags and curators' notes
        (the Qualiopi evidence of what was selected and what was done about it)."""
        with self.connect() as con:
            rows = con.execute(
                """
                SELECT d.week, d.published_at, i.section, i.note, a.id AS article_id, a.url,
                       a.title, a.source_id, s.name AS source_name, a.published_at AS article_at,
                       a.tags,
                       coalesce(
                           (SELECT v.actor FROM activity v
                             WHERE v.week = d.week AND v.object = a.id AND v.what IN ('keep', 'top')
                             ORDER BY v.done_at DESC, v.id DESC LIMIT 1),
                           (SELECT v.actor FROM activity v
                             WHERE v.week = d.week AND v.what = 'publish'
                             ORDER BY v.done_at, v.id LIMIT 1)) AS kept_by,
                       (SELECT g.suggested_by FROM suggestions g
                         WHERE g.week = d.week AND g.article_id = a.id) AS suggested_by
                  FROM digests d
                  JOIN digest_items i ON i.week = d.week AND i.included
                  JOIN articles a ON a.id = i.article_id
                  LEFT JOIN sources s ON s.id = a.source_id
                 WHERE d.published_at >= $since AND d.published_at < $until
                 ORDER BY d.week, i.section, i.position
                """,
                {"since": utc_naive(since), "until": utc_naive(until)},
            ).fetchall()
        return [
            Selection(
                week, utc_aware(published), section, note, article_id, url, title,
                source_id, source_name, utc_aware(article_at), tuple(t for t in tags or () if t),
                kept_by, suggested_by,
            )
            for (week, published, section, note, article_id, url, title, source_id, source_name,
                 article_at, tags, kept_by, suggested_by) in rows
        ]  # fmt: skip


def _given(**fields: object) -> dict[str, object]:
    """The fields an edit sets (every one not :data:`UNSET`)."""
    return {name: value for name, value in fields.items() if value is not Unset.UNSET}
