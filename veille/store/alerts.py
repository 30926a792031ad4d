"""Alerts (saved searches sent between two letters), their recipients and what each was sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from veille import clock
from veille.models import Alert
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase

CHANNEL_PREFIX = "channel:"


class AlertsMixin(StoreBase):
    """The store's alerts. A delivery is recorded once the mail server (or the channel) took
    the message: the primary key (alert, article, recipient) makes a second one impossible."""

    def add_alert(
        self,
        name: str,
        query: str,
        *,
        tags: Sequence[str] = (),
        sources: Sequence[str] = (),
        official: bool = False,
        created_by: str | None = None,
    ) -> bool:
        """Create the alert ``name``; False when one of that name exists (nothing changed)."""
        with self.connect() as con:
            if con.execute("SELECT 1 FROM alerts WHERE name = ?", [name]).fetchone():
                return False
            con.execute(
                "INSERT INTO alerts (name, query, tags, sources, official, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [name, query, list(tags), list(sources), official, created_by,
                 utc_naive(clock.now())],
            )  # fmt: skip
        return True

    def add_alert_recipients(
        self, name: str, recipients: Sequence[str], *, added_by: str | None = None
    ) -> list[str]:
        """Add e-mail addresses or ``channel:NAME`` to the alert; the ones that were new."""
        now = utc_naive(clock.now())
        added = []
        with self.connect() as con:
            row = con.execute("SELECT id FROM alerts WHERE name = ?", [name]).fetchone()
            if row is None:
                return []
            for recipient in dict.fromkeys(recipients):
                known = con.execute(
                    "SELECT 1 FROM alert_recipients WHERE alert_id = ? AND recipient = ?",
                    [row[0], recipient],
                ).fetchone()
                if not known:
                    con.execute(
                        "INSERT INTO alert_recipients VALUES (?, ?, ?, ?)",
                        [row[0], recipient, now, added_by],
                    )
                    added.append(recipient)
        return added

    def remove_alert_recipients(self, name: str, recipients: Sequence[str]) -> list[str]:
        """Take these e-mail addresses or ``channel:NAME`` off the alert; the ones it had.
        What they were sent stays recorded: added again, they are not sent it twice."""
        removed = []
        with self.connect() as con:
            row = con.execute("SELECT id FROM alerts WHERE name = ?", [name]).fetchone()
            if row is None:
                return []
            for recipient in dict.fromkeys(recipients):
                gone = con.execute(
                    "DELETE FROM alert_recipients WHERE alert_id = ? AND recipient = ? "
                    "RETURNING recipient",
                    [row[0], recipient],
                ).fetchall()
                removed += [str(r[0]) for r in gone]
        return removed

    def set_alert_active(self, name: str, active: bool) -> bool | None:
        """Pause or resume the alert; None when there is none, else whether it changed. A
        resumed alert starts again from now: what it would have found during the pause is not
        sent (its recipients' starting point moves to now)."""
        with self.connect() as con:
            row = con.execute("SELECT id, active FROM alerts WHERE name = ?", [name]).fetchone()
            if row is None:
                return None
            if bool(row[1]) == active:
                return False
            con.execute("BEGIN")
            con.execute("UPDATE alerts SET active = ? WHERE id = ?", [active, row[0]])
            if active:
                con.execute(
                    "UPDATE alert_recipients SET added_at = ? WHERE alert_id = ?",
                    [utc_naive(clock.now()), row[0]],
                )
            con.execute("COMMIT")
        return True

    def remove_alert(self, name: str) -> bool:
        """Delete the alert, its recipients and its deliveries; False when there is none."""
        with self.connect() as con:
            row = con.execute("SELECT id FROM alerts WHERE name = ?", [name]).fetchone()
            if row is None:
                return False
            con.execute("BEGIN")
            for table in ("alert_deliveries", "alert_recipients"):
                con.execute(f"DELETE FROM {table} WHERE alert_id = ?", [row[0]])
            con.execute("DELETE FROM alerts WHERE id = ?", [row[0]])
            con.execute("COMMIT")
        return True

    def alerts(self, *, active_only: bool = False) -> list[Alert]:
        """Every alert by name, with its recipients."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT id, name, query, tags, sources, official, created_by, created_at, active "
                "FROM alerts " + ("WHERE active " if active_only else "") + "ORDER BY name"
            ).fetchall()
            people = con.execute(
                "SELECT alert_id, recipient, added_at FROM alert_recipients "
                "ORDER BY added_at, recipient"
            ).fetchall()
        found = []
        for aid, name, query, tags, sources, official, by, created, active in rows:
            mine = [(r, utc_aware(at)) for a, r, at in people if a == aid]
            found.append(
                Alert(
                    aid, name, query, tuple(tags or ()), tuple(sources or ()), bool(official),
                    by, utc_aware(created), bool(active),
                    emails=tuple(r for r, _ in mine if not r.startswith(CHANNEL_PREFIX)),
                    channels=tuple(
                        r.removeprefix(CHANNEL_PREFIX) for r, _ in mine
                        if r.startswith(CHANNEL_PREFIX)
                    ),
                    since=dict(mine),
                )
            )  # fmt: skip
        return found

    def alert_candidates(
        self, alert: Alert, recipient: str, since: datetime, *, official_sources: bool = False
    ) -> dict[str, str]:
        """Articles fetched from ``since`` on whose story this recipient was not yet sent by
        this alert (a duplicate of a story sent is not sent again), oldest first: article id
        -> its story (the id its duplicates share)."""
        official = "AND a.source_id IN (SELECT id FROM sources WHERE official)"
        with self.connect() as con:
            rows = con.execute(
                f"""
                SELECT a.id, coalesce(a.cluster_id, a.id) FROM articles a
                 WHERE a.fetched_at >= $since {official if official_sources else ""}
                   AND NOT EXISTS (
                       SELECT 1 FROM alert_deliveries d JOIN articles b ON b.id = d.article_id
                        WHERE d.alert_id = $alert AND d.recipient = $recipient
                          AND coalesce(b.cluster_id, b.id) = coalesce(a.cluster_id, a.id))
                 ORDER BY a.fetched_at, a.id
                """,
                {"since": utc_naive(since), "alert": alert.id, "recipient": recipient},
            ).fetchall()
        return {str(aid): str(story) for aid, story in rows}

    def record_alert_deliveries(
        self, alert_id: int, recipient: str, article_ids: Sequence[str]
    ) -> None:
        """This recipient was sent these articles by this alert (now)."""
        now = utc_naive(clock.now())
        with self.connect() as con:
            con.executemany(
                "INSERT OR IGNORE INTO alert_deliveries VALUES (?, ?, ?, ?)",
                [[alert_id, aid, recipient, now] for aid in article_ids],
            )

    def alert_deliveries(self, alert_id: int) -> list[tuple[str, str]]:
        """(recipient, article id) of everything this alert sent, in that order."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT recipient, article_id FROM alert_deliveries WHERE alert_id = ? "
                "ORDER BY recipient, article_id",
                [alert_id],
            ).fetchall()
        return [(str(r), str(a)) for r, a in rows]
