"""The letter's subscribers and its sends (each message at most once)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from veille import clock, i18n
from veille.errors import SendInProgressError
from veille.models import NewSubscriber, Subscriber, SubscriberCounts
from veille.store.common import STALE_RUN, process_alive, utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


class SubscribersMixin(StoreBase):
    """The store's subscribers and sends."""

    def add_subscribers(self, rows: Sequence[NewSubscriber]) -> SubscriberCounts:
        """Add or update subscribers (email, name, tags, lang) in one transaction; a
        subscriber who had unsubscribed is subscribed again. Returns added/updated counts.

        The rows go in as one Arrow table and three statements, whatever their number
        (100,000 rows one by one held the file for minutes)."""
        unique = {row.email: row for row in rows}  # the last row of an address wins
        table = pa.table(
            {
                "email": pa.array(list(unique), pa.string()),
                "name": pa.array([r.name for r in unique.values()], pa.string()),
                "tags": pa.array(
                    [list(r.tags) or None for r in unique.values()], pa.list_(pa.string())
                ),
                "lang": pa.array([r.lang for r in unique.values()], pa.string()),
            }
        )
        with self.connect() as con, transaction(con):
            con.register("incoming", table)
            try:
                row = con.execute(
                    "SELECT count(*) FROM subscribers s JOIN incoming i ON i.email = s.email"
                ).fetchone()
                updated = int(row[0]) if row else 0
                con.execute("DELETE FROM subscribers WHERE email IN (SELECT email FROM incoming)")
                con.execute(
                    "INSERT INTO subscribers (email, name, tags, lang, added_at) "
                    "SELECT email, name, tags, lang, ? FROM incoming",
                    [utc_naive(clock.now())],
                )
            finally:
                con.unregister("incoming")
        return SubscriberCounts(added=len(unique) - updated, updated=updated)

    def count_subscribers(self, *, active_only: bool = True) -> int:
        where = "WHERE unsubscribed_at IS NULL" if active_only else ""
        with self.connect() as con:
            row = con.execute(f"SELECT count(*) FROM subscribers {where}").fetchone()
        return int(row[0]) if row else 0

    def remove_subscriber(self, email: str) -> bool:
        with self.connect() as con:
            rows = con.execute(
                "DELETE FROM subscribers WHERE email = ? RETURNING email", [email]
            ).fetchall()
        return bool(rows)

    def unsubscribe(self, email: str) -> bool:
        """Mark a subscriber as unsubscribed (the link in the e-mail); True if one was active."""
        with self.connect() as con:
            rows = con.execute(
                "UPDATE subscribers SET unsubscribed_at = ? "
                "WHERE email = ? AND unsubscribed_at IS NULL RETURNING email",
                [utc_naive(clock.now()), email],
            ).fetchall()
        return bool(rows)

    def subscribers(
        self, *, active_only: bool = True, search: str | None = None, limit: int | None = None
    ) -> list[Subscriber]:
        """Subscribers by address; ``search``: only addresses or names containing it."""
        where = ["TRUE"]
        params: dict[str, Any] = {"limit": limit}
        if active_only:
            where.append("unsubscribed_at IS NULL")
        if search:
            where.append("(contains(lower(email), $q) OR contains(lower(coalesce(name, '')), $q))")
            params["q"] = search.lower()
        with self.connect() as con:
            rows = con.execute(
                "SELECT email, name, tags, lang, added_at, unsubscribed_at FROM subscribers "
                f"WHERE {' AND '.join(where)} ORDER BY email LIMIT $limit",
                params,
            ).fetchall()
        return [
            Subscriber(email, name, tuple(tags or ()), lang, utc_aware(added), utc_aware(gone))
            for email, name, tags, lang, added, gone in rows
        ]

    # A week's letter goes to each subscriber at most once. One send per week at a time
    # (send_locks: the primary key refuses a second holder); before a message goes out its
    # (week, email) row is written as 'claimed' (the primary key refuses a second claim), and
    # it becomes 'sent' once the server accepted it. A claim left by a send that died is
    # "uncertain": the message may or may not have gone, so it is not sent again unless a
    # curator asks (forget_uncertain).

    def lock_send(self, week: str, run_id: str, *, stale_after: timedelta = STALE_RUN) -> None:
        """Take the week's send lock for ``run_id``; SendInProgressError while a live one
        holds it (a lock left by a dead process, or older than ``stale_after``, is taken over)."""
        now = clock.now()
        with self.connect() as con, transaction(con):
            row = con.execute(
                "SELECT pid, started_at FROM send_locks WHERE week = ?", [week]
            ).fetchone()
            if row is not None:
                pid, started = row
                started_at = utc_aware(started) or now
                if process_alive(pid) and now - started_at < stale_after:
                    raise SendInProgressError(
                        i18n.message(
                            "send.in_progress", week=week, pid=pid, since=f"{started_at:%H:%M}"
                        )
                    )
                con.execute("DELETE FROM send_locks WHERE week = ?", [week])
            try:
                con.execute(
                    "INSERT INTO send_locks VALUES (?, ?, ?, ?)",
                    [week, run_id, os.getpid(), utc_naive(now)],
                )
            except duckdb.ConstraintException:  # another connection got there first
                raise SendInProgressError(
                    i18n.message("send.in_progress", week=week, pid="?", since=f"{now:%H:%M}")
                ) from None

    def unlock_send(self, week: str, run_id: str) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM send_locks WHERE week = ? AND run_id = ?", [week, run_id])

    def claim_send(self, week: str, email: str, run_id: str) -> str | None:
        """Claim the message of ``week`` to ``email`` for this send, in its own transaction.
        None: claimed, send it; ``"sent"``: already delivered; ``"uncertain"``: a send that
        died had claimed it (it may have gone)."""
        with self.connect() as con, transaction(con):
            row = con.execute(
                "SELECT state, run_id FROM sends WHERE week = ? AND email = ?", [week, email]
            ).fetchone()
            if row is not None:
                return "sent" if row[0] == "sent" else "uncertain"
            con.execute(
                "INSERT INTO sends (week, email, sent_at, state, run_id) "
                "VALUES (?, ?, ?, 'claimed', ?)",
                [week, email, utc_naive(clock.now()), run_id],
            )
        return None

    def confirm_send(self, week: str, email: str, run_id: str) -> None:
        """The server accepted the message: record it as sent (its own transaction)."""
        with self.connect() as con:
            con.execute(
                "UPDATE sends SET state = 'sent', sent_at = ? "
                "WHERE week = ? AND email = ? AND run_id = ?",
                [utc_naive(clock.now()), week, email, run_id],
            )

    def release_send(self, week: str, email: str, run_id: str) -> None:
        """The message surely did not go (refused, or never handed over): the next send
        tries again."""
        with self.connect() as con:
            con.execute(
                "DELETE FROM sends WHERE week = ? AND email = ? AND run_id = ? "
                "AND state = 'claimed'",
                [week, email, run_id],
            )

    def forget_uncertain(self, week: str, run_id: str) -> list[str]:
        """Drop the claims of sends that died (while holding the week's lock as ``run_id``),
        so that those subscribers are sent the letter again. Returns their addresses."""
        with self.connect() as con:
            rows = con.execute(
                "DELETE FROM sends WHERE week = ? AND state = 'claimed' AND run_id IS DISTINCT "
                "FROM ? RETURNING email",
                [week, run_id],
            ).fetchall()
        return sorted(r[0] for r in rows)

    def sends(self, week: str) -> dict[str, str]:
        """Per address: ``sent`` or ``claimed`` for the letter of ``week``."""
        with self.connect() as con:
            rows = con.execute("SELECT email, state FROM sends WHERE week = ?", [week]).fetchall()
        return {r[0]: r[1] for r in rows}
