"""The team's accounts (and their roles), their sessions, and the secrets kept for the web app."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from veille import clock, i18n
from veille.errors import StoreError, UsageError
from veille.models import UserAccount
from veille.store.common import utc_aware, utc_naive
from veille.store.connection import StoreBase, transaction


class UsersMixin(StoreBase):
    """The store's accounts, sessions and secrets."""

    def secret(self, name: str) -> str:
        """A random secret kept in the database, made on first use (e.g. unsubscribe links)."""
        with self.connect() as con:
            con.execute(
                "INSERT OR IGNORE INTO secrets VALUES (?, ?)", [name, secrets.token_hex(32)]
            )
            row = con.execute("SELECT value FROM secrets WHERE name = ?", [name]).fetchone()
        assert row is not None
        return str(row[0])

    def set_user(self, name: str, password_hash: str, role: str | None = None) -> bool:
        """Create a user or change their password (which ends their open sessions); True
        when the user is new. ``role``: a new user's role (default admin: the caller decides,
        see ``veille users add``), or a change of an existing user's role."""
        now = utc_naive(clock.now())
        with self.connect() as con, transaction(con):
            existed = con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
            if existed:
                con.execute(
                    "UPDATE users SET password_hash = ?, role = coalesce(?, role), "
                    "session_generation = coalesce(session_generation, 0) + 1 WHERE name = ?",
                    [password_hash, role, name],
                )
            else:
                con.execute(
                    "INSERT INTO users (name, password_hash, created_at, role) VALUES (?, ?, ?, ?)",
                    [name, password_hash, now, role or "admin"],
                )
        return existed is None

    def user_role(self, name: str) -> str | None:
        """The role of ``name`` (None when there is no such user)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT coalesce(role, 'admin') FROM users WHERE name = ?", [name]
            ).fetchone()
        return str(row[0]) if row else None

    def set_role(self, name: str, role: str) -> bool:
        """Give ``name`` the role ``role``; False when there is no such user. Refused
        (:class:`~veille.errors.UsageError`) when it would leave no admin."""
        with self.connect() as con, transaction(con):
            row = con.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()
            if row is None:
                return False
            others = con.execute(
                "SELECT count(*) FROM users WHERE coalesce(role, 'admin') = 'admin' AND name <> ?",
                [name],
            ).fetchone()
            if role != "admin" and row[0] == "admin" and not (others and others[0]):
                raise UsageError(i18n.message("roles.last_admin", name=name))
            con.execute("UPDATE users SET role = ? WHERE name = ?", [role, name])
        return True

    def rehash_password(self, name: str, old_hash: str, new_hash: str) -> None:
        """Store a stronger hash of the same password (at login, when the hashing parameters
        changed). Sessions go on; nothing changes if the password was changed meanwhile."""
        with self.connect() as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?",
                [new_hash, name, old_hash],
            )

    def password_hash(self, name: str) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
        return str(row[0]) if row else None

    def session_generation(self, name: str) -> int | None:
        """The generation of ``name``'s sessions (a session made under another one has ended),
        or None when there is no such user."""
        with self.connect() as con:
            row = con.execute(
                "SELECT coalesce(session_generation, 0) FROM users WHERE name = ?", [name]
            ).fetchone()
        return int(row[0]) if row else None

    def end_sessions(self, name: str) -> None:
        """End every open session of ``name`` (logging out ends them all)."""
        with self.connect() as con:
            con.execute(
                "UPDATE users SET session_generation = coalesce(session_generation, 0) + 1 "
                "WHERE name = ?",
                [name],
            )

    def session_key(self) -> str:
        """The key that signs the web app's session cookies.

        Kept in a file beside the database (``.<name>-session.key``, 0600), made on first use,
        never in the database: a copy or a backup of the database cannot forge a session.
        """
        path = self.path.parent / f".{self.path.stem}-session.key"
        try:
            try:
                key = path.read_text(encoding="ascii").strip()
            except FileNotFoundError:
                key = self._new_session_key(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(i18n.message("store.session_key", path=path, reason=exc)) from None
        if len(key) < 32:
            raise StoreError(i18n.message("store.session_key", path=path, reason=len(key)))
        return key

    @staticmethod
    def _new_session_key(path: Path) -> str:
        """Write a new key atomically (a temporary file, then a hard link that fails if another
        process made the key meanwhile: then that one is used)."""
        fd, name = tempfile.mkstemp(prefix=".session-key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(name, path)
        finally:
            Path(name).unlink()
        return path.read_text(encoding="ascii").strip()

    def user_logged_in(self, name: str) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE users SET last_login_at = ? WHERE name = ?", [utc_naive(clock.now()), name]
            )

    def remove_user(self, name: str) -> bool:
        with self.connect() as con:
            return bool(
                con.execute("DELETE FROM users WHERE name = ? RETURNING name", [name]).fetchall()
            )

    def users(self) -> list[UserAccount]:
        with self.connect() as con:
            rows = con.execute(
                "SELECT name, created_at, last_login_at, coalesce(role, 'admin') "
                "FROM users ORDER BY name"
            ).fetchall()
        return [
            UserAccount(name, utc_aware(created), utc_aware(last), role)
            for name, created, last, role in rows
        ]
