"""Opening the DuckDB file: waiting for other processes and threads, private files, recovery
after a crash, transactions, and one line for a store that cannot open or write.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from veille import clock, i18n
from veille.errors import DatabaseLockedError, StoreError
from veille.files import atomic_copy, dated_name, make_folder
from veille.store.common import utc_naive
from veille.store.migrations import MIGRATIONS, REBUILD_INDEXES_AT, rebuild_indexes

LOCK_MARKERS = ("Could not set lock", "Conflicting lock")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full, read-only file) may have ended the transaction already:
        # the rollback error must not hide the real one.
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


class StoreBase:
    """The DuckDB file, opened for each operation (see :mod:`veille.store`)."""

    def __init__(self, path: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._migrated = False
        self._local = threading.local()  # .con: the connection this thread holds (held())
        self._file_lock = _file_lock(self.path)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one connection open for a series of calls (each open and close of the file
        costs a checkpoint: ~0.2 s on a 1 GB file). Other processes, and the other threads of
        this one, wait meanwhile, so hold it only for a short, busy stretch such as
        :func:`veille.dedup_run.deduplicate`."""
        if getattr(self._local, "con", None) is not None:
            yield
            return
        with self.connect() as con:
            self._local.con = con
            try:
                yield
            finally:
                self._local.con = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file (waiting while another process or thread holds it), migrate once,
        close after."""
        held: duckdb.DuckDBPyConnection | None = getattr(self._local, "con", None)
        if held is not None:
            try:
                yield held
            except duckdb.Error as exc:
                raise self._failure(exc) from exc
            return
        if not self._file_lock.acquire(timeout=self.lock_timeout):
            raise DatabaseLockedError(
                i18n.message("store.busy_here", path=self.path, seconds=f"{self.lock_timeout:.0f}")
            )
        try:
            with _private_files():
                con = self._open()
                try:
                    if not self._migrated:
                        self._migrate(con)
                        self._migrated = True
                    yield con
                except duckdb.Error as exc:
                    raise self._failure(exc) from exc
                finally:
                    _ENGINE.detach(con)
        finally:
            self._file_lock.release()

    def _failure(self, exc: duckdb.Error) -> StoreError:
        """The StoreError for a failed statement. A damaged index (DuckDB says FATAL and gives
        up on the database) is rebuilt at the next opening of the file in this process."""
        if INDEX_DAMAGE_MARKER in str(exc):
            _REBUILD_INDEXES.add(_key(self.path))
            return StoreError(i18n.message("store.index_damaged", path=self.path))
        return StoreError(_store_error_message(self.path, exc))

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"database {self.path}: folder {self.path.parent} does not exist. "
                "Hint: create it or pass --db with another path."
            )
        con = self._connect_waiting()
        try:
            _keep_private(self.path)
            # This process is the only one with the file open (DuckDB's lock) and no other
            # thread of it has it (our lock): a non-empty log now is one DuckDB just replayed.
            key = _key(self.path)
            if _wal_path(self.path).exists() and _wal_path(self.path).stat().st_size > 0:
                _REBUILD_INDEXES.add(key)
            if key in _REBUILD_INDEXES:
                rebuild_indexes(con)
                _REBUILD_INDEXES.discard(key)
        except duckdb.Error as exc:
            _ENGINE.detach(con)
            raise StoreError(_store_error_message(self.path, exc)) from exc
        except BaseException:
            _ENGINE.detach(con)
            raise
        return con

    def _connect_waiting(self) -> duckdb.DuckDBPyConnection:
        """duckdb.connect, waiting while another process holds the file (up to lock_timeout),
        setting a damaged write-ahead log aside once; a StoreError for anything else."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        wal_moved = False
        while True:
            try:
                con = _ENGINE.attach(self.path)
            except duckdb.IOException as exc:
                message = str(exc)
                if "replaying WAL" in message and not wal_moved:
                    # A crash left a damaged write-ahead log (duckdb#19712, #22044): the file
                    # itself is whole up to its last checkpoint. Keep the log aside for
                    # inspection and open what was safely written.
                    wal = self.path.with_name(self.path.name + ".wal")
                    aside = wal.with_name(f"{wal.name}.damaged-{clock.now():%Y%m%dT%H%M%SZ}")
                    wal.replace(aside)
                    wal_moved = True
                    warnings.warn(
                        f"database {self.path}: its write-ahead log was damaged (a crash?) and "
                        f"was moved to {aside.name}; the last moments before the crash are "
                        "lost, everything checkpointed before is intact.",
                        stacklevel=2,
                    )
                    continue
                if not any(marker in message for marker in LOCK_MARKERS):
                    if _cannot_write(message):
                        raise StoreError(_store_error_message(self.path, exc)) from exc
                    raise StoreError(
                        f"database {self.path} cannot be opened: {_first_line(exc)}. "
                        "Hint: check the path and its permissions, or restore a backup."
                    ) from exc
                if time.monotonic() >= deadline:
                    raise DatabaseLockedError(
                        f"database {self.path} is in use by another process "
                        f"({_lock_holder(message)}) and stayed busy for {self.lock_timeout:.0f} s. "
                        "Hint: wait for the running `veille run` to finish."
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except duckdb.Error as exc:
                raise StoreError(
                    f"database {self.path} cannot be opened: {_first_line(exc)}. "
                    "Hint: is it a DuckDB file written by veille? Restore a backup if damaged."
                ) from exc
            else:
                return con

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with transaction(con):
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [version, name, utc_naive(clock.now())],
                )
            if version == REBUILD_INDEXES_AT and done:
                rebuild_indexes(con)  # an existing database: see migration 11

    def schema_version(self) -> int:
        with self.connect() as con:
            row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def backup(self, folder: Path, *, keep: int = 14) -> Path:
        """A dated copy of the database in ``folder`` (checkpointed, taken while holding the
        file, so no run writes meanwhile; readable by its owner only); only the ``keep``
        newest copies are kept."""
        make_folder(folder, 0o700)
        target = dated_name(
            folder, self.path.stem, clock.now(), self.path.suffix, "%Y%m%dT%H%M%S.%fZ"
        )
        with self.connect() as con:
            con.execute("CHECKPOINT")
            try:
                atomic_copy(self.path, target, mode=0o600)
            except OSError as exc:
                raise StoreError(
                    f"cannot write the backup {target}: {exc.strerror or exc}. "
                    "Hint: check the folder and the free space."
                ) from None
        copies = sorted(folder.glob(f"{self.path.stem}-*{self.path.suffix}"))
        for old in copies[: max(len(copies) - keep, 0)]:
            old.unlink(missing_ok=True)
        return target


# What the OS says when a write cannot happen (strerror of ENOSPC, EFBIG, EDQUOT, EROFS, EACCES,
# EPERM), as DuckDB quotes it in its IO errors.
DISK_FULL_MARKERS = ("No space left on device", "File too large", "Disk quota exceeded")


READ_ONLY_MARKERS = ("Read-only file system", "Permission denied", "Operation not permitted")


def _cannot_write(message: str) -> bool:
    return any(m in message for m in DISK_FULL_MARKERS + READ_ONLY_MARKERS)


def _store_error_message(path: Path, exc: BaseException) -> str:
    """One line for a failed database statement, with a fix for a full or read-only disk."""
    message = str(exc)
    if any(m in message for m in DISK_FULL_MARKERS):
        return (
            f"cannot write the database {path}: the disk is full ({_first_line(exc)}). "
            "Nothing already stored was lost; this batch was not saved. "
            "Hint: free some space on that disk, then run the command again."
        )
    if any(m in message for m in READ_ONLY_MARKERS):
        return (
            f"cannot write the database {path}: the file or its folder is read-only "
            f"({_first_line(exc)}). Nothing already stored was lost. Hint: give the user running "
            "veille write access to the file and its folder (DuckDB writes a .wal file beside "
            "it), or pass --db with a writable path."
        )
    return f"database {path}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _lock_holder(message: str) -> str:
    marker = "(PID "
    if marker in message:
        pid = message.split(marker, 1)[1].split(")", 1)[0]
        return f"PID {pid}"
    return "another process"


_FILE_LOCKS: dict[str, threading.RLock] = {}


_FILE_LOCKS_GUARD = threading.Lock()


# Files whose secondary indexes must be rebuilt at their next opening in this process.
_REBUILD_INDEXES: set[str] = set()


INDEX_DAMAGE_MARKER = "Failed to delete all rows from index"


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _file_lock(path: Path) -> threading.RLock:
    """The lock of one database file in this process (shared by every Store of that file)."""
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(_key(path), threading.RLock())


@atexit.register
def _wait_for_other_threads() -> None:
    """At exit, wait (bounded) until no other thread has a database open, and keep it so.

    A pass that fails (a full disk) ends while its store thread, a daemon, may still be
    committing: DuckDB torn down under it at interpreter exit aborts the process ("terminate
    called without an active exception", exit code 134) after the error line was printed.
    """
    deadline = time.monotonic() + EXIT_WAIT
    with _FILE_LOCKS_GUARD:
        locks = list(_FILE_LOCKS.values())
    for lock in locks:
        lock.acquire(timeout=max(deadline - time.monotonic(), 0))


EXIT_WAIT = 30.0


class _Engine:
    """One in-memory DuckDB instance per process, to which each opening of a file attaches it.

    Why not ``duckdb.connect(path)`` each time: creating a DuckDB instance costs about 11 ms
    of CPU (its catalog of built-in functions), paid at every opening of a file that no other
    connection of the process holds, which is every opening here (files are closed between
    operations so that other processes can have them). ATTACH of a file to a live instance
    costs 1 to 4 ms; DETACH checkpoints the file and releases its lock exactly as closing it
    does (both checked on duckdb 1.5.5). The file itself is held only between attach and
    detach, as before.
    """

    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.instance: duckdb.DuckDBPyConnection | None = None
        self.attached: dict[str, tuple[str, int]] = {}  # file key -> (alias, users)
        self.files: dict[int, str] = {}  # id(cursor) -> key of the file it uses
        self.serial = 0

    def attach(self, path: Path) -> duckdb.DuckDBPyConnection:
        key = _key(path)
        with self.guard:
            if self.instance is None:
                self.instance = duckdb.connect(":memory:")
            cursor = self.instance.cursor()
            alias, users = self.attached.get(key, ("", 0))
            if alias and not self._still_attached(cursor, alias):
                alias, users = "", 0  # a failed or interrupted detach had detached it after all
            new = not alias
            try:
                if new:
                    self.serial += 1
                    alias = f"veille_{self.serial}"
                    literal = str(path).replace("'", "''")  # ATTACH takes no parameter
                    if not self.attached:  # spill next to the file, as a file's own instance does
                        spill = f"{path}.tmp".replace("'", "''")
                        cursor.execute(f"SET temp_directory = '{spill}'")
                    cursor.execute(f"ATTACH '{literal}' AS {alias}")
                cursor.execute(f"USE {alias}")
                self.attached[key] = (alias, users + 1)
                self.files[id(cursor)] = key
            except BaseException:  # KeyboardInterrupt too: never leave a file attached unknown
                if new:
                    with contextlib.suppress(duckdb.Error):
                        cursor.execute(f"DETACH DATABASE IF EXISTS {alias}")
                    self.attached.pop(key, None)
                cursor.close()
                raise
            return cursor

    def detach(self, cursor: duckdb.DuckDBPyConnection) -> None:
        with self.guard:
            key = self.files.pop(id(cursor), None)
            try:
                if key is None or key not in self.attached:
                    return
                alias, users = self.attached[key]
                users -= 1
                if users:
                    self.attached[key] = (alias, users)
                    return
                with contextlib.suppress(duckdb.Error):
                    cursor.execute("ROLLBACK")  # a transaction left open would hold the file
                try:
                    cursor.execute("USE memory")
                    cursor.execute(f"DETACH {alias}")
                except duckdb.Error:
                    # Its checkpoint could not be written (a full disk): what was committed is
                    # in the write-ahead log. Kept known: the next opening in this process
                    # finds out whether it is still attached, uses it and detaches it again.
                    self.attached[key] = (alias, 0)
                else:
                    del self.attached[key]
            finally:
                cursor.close()

    @staticmethod
    def _still_attached(cursor: duckdb.DuckDBPyConnection, alias: str) -> bool:
        """Whether ``alias`` is attached; True when that cannot be told (keep it known)."""
        try:
            found = cursor.execute(
                "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [alias]
            ).fetchone()
        except duckdb.Error:
            return True
        return bool(found and found[0])

    def forget(self) -> None:
        """In a forked child: the parent's instance and its threads are not usable here."""
        self.guard = threading.Lock()
        self.instance = None
        self.attached.clear()
        self.files.clear()


_ENGINE = _Engine()
os.register_at_fork(after_in_child=_ENGINE.forget)


def _wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


_UMASK_GUARD = threading.Lock()


_umask_users = 0


_umask_saved = 0o022


@contextmanager
def _private_files() -> Iterator[None]:
    """While a database is open, every file this process creates is private (umask 077).

    DuckDB creates the database, its write-ahead log (again after each checkpoint) and its
    spill folder with the process's umask, and offers no setting for their mode: the umask is
    the only way to have them born 0600. It is process-wide, so it is counted across threads
    and put back when the last connection closes; files meant to be public are given their
    mode explicitly (veille.files).
    """
    global _umask_users, _umask_saved
    with _UMASK_GUARD:
        if _umask_users == 0:
            _umask_saved = os.umask(0o077)
        _umask_users += 1
    try:
        yield
    finally:
        with _UMASK_GUARD:
            _umask_users -= 1
            if _umask_users == 0:
                os.umask(_umask_saved)


def _keep_private(path: Path) -> None:
    """Take away the other users' access to a database made before files were born private
    (the group's is left: an administrator may share the file with the web app's user)."""
    for file in (path, _wal_path(path)):
        try:
            mode = file.stat().st_mode & 0o777
            if mode & 0o007:
                file.chmod(mode & 0o770)
        except (FileNotFoundError, PermissionError):
            continue
