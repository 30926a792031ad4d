"""The DuckDB store: migrations, idempotent writes, validators only with articles, locking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from veille import clock
from veille.config import parse_config
from veille.errors import (
    MAX_MESSAGE_CHARS,
    DatabaseLockedError,
    SendInProgressError,
    StoreError,
)
from veille.health import assess
from veille.identity import article_id_for_url, content_hash, entry_id
from veille.models import (
    MAX_GUID_CHARS,
    MAX_LANG_CHARS,
    MAX_NAME_CHARS,
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Article,
    NewManagedSource,
    NewSubscriber,
    Sighting,
    StoreCounts,
    SubscriberCounts,
)
from veille.records import RunSummary
from veille.store import MIGRATIONS, Store, connection

CONFIG = parse_config(
    "sources:\n  - id: a\n    url: https://a.example/feed\n  - id: b\n    url: https://b.example/feed\n"
)
NOW = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def _article(url: str, source: str = "a", title: str = "Titre") -> Article:
    text = f"Le texte de {title}, assez long pour compter quelques mots."
    return Article(
        id=article_id_for_url(url),
        url=url,
        source_id=source,
        title=title,
        text=text,
        fetched_at=NOW,
        published_at=datetime(2026, 11, 12, 8, tzinfo=UTC),
        lang="fr",
        word_count=len(text.split()),
        content_hash=content_hash(text),
    )


def _sighting(url: str, source: str = "a") -> Sighting:
    return Sighting(
        entry_id=entry_id(source, f"link:{url}"),
        source_id=source,
        article_id=article_id_for_url(url),
        entry_key=f"link:{url}",
        url=url,
        guid=None,
        title="Titre",
        published_at=None,
        seen_at=NOW,
    )


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(db_path, lock_timeout=2)
    s.sync_sources(CONFIG.sources)
    return s


def test_migrations_are_recorded(store: Store) -> None:
    assert store.schema_version() == MIGRATIONS[-1][0]
    # A second Store on the same file finds them applied and does not re-run them.
    assert Store(store.path).schema_version() == MIGRATIONS[-1][0]


def test_commit_is_idempotent_and_round_trips(store: Store) -> None:
    urls = ["https://a.example/1", "https://a.example/2"]
    for _ in range(2):
        store.commit_source(
            "a",
            articles=[_article(u) for u in urls],
            sightings=[_sighting(u) for u in urls],
            entries_seen=2,
            etag='"v1"',
            last_modified=None,
        )
    assert store.counts() == StoreCounts(sources=2, articles=2, entries=2)
    row = store.articles(source="a")[0]
    assert row.published_at == datetime(2026, 11, 12, 8, tzinfo=UTC)
    assert row.as_dict()["published_at"] == "2026-11-12T08:00:00+00:00"
    assert row.lang == "fr" and row.tags == () and row.also_in == ()
    assert store.source_state("a").etag == '"v1"'


def test_second_source_of_the_same_article_is_listed_in_also_in(store: Store) -> None:
    url = "https://a.example/decret"
    store.commit_source(
        "a",
        articles=[_article(url)],
        sightings=[_sighting(url)],
        entries_seen=1,
        etag=None,
        last_modified=None,
    )
    store.commit_source(
        "b",
        articles=[_article(url, source="b")],
        sightings=[_sighting(url, source="b")],
        entries_seen=1,
        etag=None,
        last_modified=None,
    )
    rows = store.articles()
    assert len(rows) == 1
    assert rows[0].source_id == "a"
    assert rows[0].also_in == (("b", url),)
    assert rows[0].as_dict()["also_in"] == [{"source": "b", "url": url}]
    assert [r.id for r in store.articles(source="b")] == [rows[0].id]


def test_keep_validators_leaves_the_old_etag(store: Store) -> None:
    store.commit_source(
        "a",
        articles=[],
        sightings=[],
        entries_seen=0,
        etag='"v1"',
        last_modified="Mon, 16 Nov 2026 08:00:00 GMT",
    )
    store.commit_source(
        "a",
        articles=[],
        sightings=[],
        entries_seen=0,
        etag='"v2"',
        last_modified=None,
        keep_validators=True,
    )
    state = store.source_state("a")
    assert state.etag == '"v1"' and state.last_modified == "Mon, 16 Nov 2026 08:00:00 GMT"


def test_errors_are_counted_and_reset_by_success(store: Store) -> None:
    wait = timedelta(minutes=30)
    store.record_source_error("a", "network", "connection refused", next_check_in=wait)
    store.record_source_error("a", "network", "connection refused", next_check_in=wait)
    health = {h.id: h for h in assess(store.source_figures(), clock.now())}
    assert health["a"].error_count == 2 and health["a"].last_error == "connection refused"
    # Due again when the caller said, counted from the error.
    assert health["a"].next_check_at == health["a"].last_error_at + wait  # type: ignore[operator]
    store.commit_source(
        "a", articles=[], sightings=[], entries_seen=3, etag=None, last_modified=None
    )
    health = {h.id: h for h in assess(store.source_figures(), clock.now())}
    assert health["a"].error_count == 0 and health["a"].last_error is None
    assert health["a"].total_errors == 2 and health["a"].last_success_at


def test_changing_a_source_url_forgets_its_validators(store: Store) -> None:
    store.commit_source(
        "a", articles=[], sightings=[], entries_seen=0, etag='"v1"', last_modified=None
    )
    moved = parse_config("sources:\n  - id: a\n    url: https://a.example/new-feed\n")
    store.sync_sources(moved.sources)
    assert store.source_state("a").etag is None


@pytest.mark.slow
def test_a_locked_file_waits_then_says_who_holds_it(store: Store) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(30)",
            str(store.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseLockedError, match="in use by another process") as raised:
            store.counts()
        # It names the process holding the file and how long it waited.
        assert f"PID {holder.pid}" in str(raised.value)
        assert f"stayed busy for {store.lock_timeout:.0f} s" in str(raised.value)
    finally:
        holder.kill()
        holder.wait()
    assert store.counts().sources == 2  # free again once the holder is gone


def test_between_operations_the_files_are_free_for_other_processes(tmp_path: Path) -> None:
    """Every opening attaches the file to one DuckDB instance of the process and detaches it
    after (veille.store.connection._Engine): in between, another process has the file, and
    the data it reads was checkpointed (no write-ahead log is left)."""
    first, second = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    first.sync_sources(CONFIG.sources)
    with first.connect() as outer:
        with first.connect() as inner:  # the same thread again: the same file, still attached
            assert inner.execute("SELECT count(*) FROM sources").fetchone() == (2,)
        second.sync_sources(
            parse_config("sources:\n  - id: c\n    url: https://c.example/\n").sources
        )
        assert outer.execute("SELECT count(*) FROM sources").fetchone() == (2,)
    assert second.counts().sources == 1 and first.counts().sources == 2
    assert not (tmp_path / "a.duckdb.wal").exists() and not (tmp_path / "b.duckdb.wal").exists()
    reader = (
        "import duckdb, sys\n"
        "for path in sys.argv[1:]:\n"
        "    con = duckdb.connect(path)\n"  # read-write: it needs the file's lock
        "    print(con.execute('SELECT count(*) FROM sources').fetchone()[0])\n"
        "    con.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", reader, str(first.path), str(second.path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "1"]


def test_a_detach_interrupted_after_it_happened_does_not_stop_the_next_opening(
    tmp_path: Path,
) -> None:
    """A KeyboardInterrupt between DuckDB's DETACH and the engine's bookkeeping leaves a file
    recorded as attached that is not: the next opening finds out and attaches it again."""
    store = Store(tmp_path / "veille.duckdb")
    store.sync_sources(CONFIG.sources)
    con = connection._ENGINE.attach(store.path)
    alias = connection._ENGINE.attached[connection._ENGINE.files.pop(id(con))][0]
    con.execute("USE memory")
    con.execute(f"DETACH {alias}")
    con.close()
    assert store.counts().sources == 2
    assert store.counts().sources == 2


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "veille.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        Store(bad).counts()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "veille.duckdb").counts()


def test_duckdb_file_is_real(store: Store) -> None:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert {"sources", "articles", "entries", "runs", "schema_migrations"} <= tables


# --- private files, one thread at a time, recovery after a replay ------------------------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_database_its_log_and_backups_are_private(tmp_path: Path) -> None:
    """Created 0600 (they hold subscribers and password hashes), whatever the umask; the
    session key is a file of its own, never in the database."""
    old = os.umask(0o022)
    try:
        store = Store(tmp_path / "veille.duckdb")
        with store.held():
            store.set_user("marie", "$argon2id$placeholder")
            wal = tmp_path / "veille.duckdb.wal"
            assert wal.exists() and _mode(wal) == 0o600  # the log of an open database
        assert _mode(store.path) == 0o600
        backup = store.backup(tmp_path / "backups")
        assert _mode(backup) == 0o600 and _mode(tmp_path / "backups") == 0o700
        key = store.session_key()
        key_file = tmp_path / ".veille-session.key"
        assert key_file.read_text().strip() == key and _mode(key_file) == 0o600
        assert Store(store.path).session_key() == key  # made once
        con = duckdb.connect(str(backup), read_only=True)
        try:
            assert key not in str(con.execute("SELECT * FROM secrets").fetchall())
        finally:
            con.close()
        # Published files are still public: the umask is back once the database is closed.
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_closed_to_others(tmp_path: Path) -> None:
    db = tmp_path / "veille.duckdb"
    duckdb.connect(str(db)).close()
    db.chmod(0o664)
    assert Store(db).counts().articles == 0
    assert _mode(db) == 0o660  # others lose access; the group (a shared setup) keeps it


@pytest.mark.slow
def test_threads_of_one_process_take_turns_with_the_file(db_path: Path) -> None:
    """Many threads using one file at once (a web app's requests and its send): each waits its
    turn; DuckDB refuses two threads opening one file ("Unique file handle conflict")."""
    store = Store(db_path, lock_timeout=120)  # the turns are not fair: a wait can be long
    other = Store(db_path, lock_timeout=120)  # another Store of the same file shares the lock
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                store.add_subscribers([NewSubscriber(f"t{n}-{i}@of.example.fr")])
                (other if n % 2 else store).subscribers()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.subscribers()) == 6 * 5


@pytest.mark.slow
def test_after_a_log_replay_indexes_are_whole(tmp_path: Path) -> None:
    """A process killed with commits still in the write-ahead log: DuckDB 1.5.5 replays them
    but its next checkpoint writes the secondary indexes without the replayed rows, and every
    later update of those rows failed ("FATAL Error: Failed to delete all rows from index"):
    what a full disk left behind. The store rebuilds the indexes after a replay."""
    db = tmp_path / "veille.duckdb"
    Store(db).sync_sources(CONFIG.sources)
    urls = [f"https://a.example/{i}" for i in range(30)]
    child = (
        "import os, signal, sys\n"
        "from tests.test_store import _article, _sighting\n"
        "from veille.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "with store.held():\n"  # the commits stay in the log: no checkpoint before the kill
        f"    for url in {urls!r}:\n"
        "        store.commit_source('a', articles=[_article(url)], sightings=[_sighting(url)],\n"
        "                            entries_seen=1, etag=None, last_modified=None)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(db)], cwd=Path(__file__).parent.parent, check=False
    )
    assert done.returncode == -9
    assert (tmp_path / "veille.duckdb.wal").stat().st_size > 0
    assert Store(db).counts().articles == 30  # replayed, then closed (a checkpoint)
    store = Store(db)
    rows = [(a.id, True, 0.9, ["reglementaire"], "{}") for a in store.articles(off_topic=True)]
    store.save_classification("model-x", rows)  # an update of every replayed row
    assert {a.score for a in store.articles(off_topic=True)} == {0.9}


# --- sends ---------------------------------------------------------------------------------------


def test_one_send_per_week_is_enforced_by_the_database(store: Store) -> None:
    store.lock_send("2026-W47", "first")
    with pytest.raises(SendInProgressError, match="déjà en cours d’envoi"):
        store.lock_send("2026-W47", "second")  # this process is alive: the lock holds
    store.lock_send("2026-W48", "other-week")  # another week is free
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    con = duckdb.connect(str(store.path))
    try:
        con.execute("UPDATE send_locks SET pid = ? WHERE run_id = 'first'", [int(dead.stdout)])
        with pytest.raises(duckdb.ConstraintException):  # the primary key is the lock
            con.execute("INSERT INTO send_locks VALUES ('2026-W47', 'x', 1, now())")
    finally:
        con.close()
    store.lock_send("2026-W47", "second")  # a dead holder's lock is taken over
    store.unlock_send("2026-W47", "second")
    store.lock_send("2026-W47", "third")


def test_claims_make_each_message_at_most_once(store: Store) -> None:
    week = "2026-W47"
    assert store.claim_send(week, "ana@of.fr", "run-1") is None
    assert store.claim_send(week, "ana@of.fr", "run-2") == "uncertain"  # claimed, no answer
    store.confirm_send(week, "ana@of.fr", "run-1")
    assert store.claim_send(week, "ana@of.fr", "run-2") == "sent"
    assert store.claim_send(week, "bruno@of.fr", "run-1") is None
    store.release_send(week, "bruno@of.fr", "run-1")  # refused by the server: try again later
    assert store.claim_send(week, "bruno@of.fr", "run-2") is None
    assert store.forget_uncertain(week, "run-3") == ["bruno@of.fr"]
    assert store.sends(week) == {"ana@of.fr": "sent"}


def test_subscribers_are_written_in_bulk(store: Store) -> None:
    rows = [NewSubscriber(f"p{i}@of.example.fr", tags=("handicap",) if i % 2 else ())
            for i in range(5000)]  # fmt: skip
    assert store.add_subscribers(rows) == SubscriberCounts(added=5000, updated=0)
    store.unsubscribe("p1@of.example.fr")
    again = store.add_subscribers([NewSubscriber("p1@of.example.fr", name="P", lang="en")])
    assert again == SubscriberCounts(added=0, updated=1)
    first = store.subscribers(search="p1@of.example.fr")[0]
    assert first.active and first.name == "P" and first.lang == "en"
    assert store.count_subscribers() == 5000


def test_a_run_keeps_its_summary_and_the_error_that_ended_it(store: Store) -> None:
    summary = RunSummary("r1")
    store.start_run("r1")
    store.finish_run("r1", "failed", summary, error="cannot write the database")
    (run,) = store.runs()
    expected = json.loads(json.dumps(summary.as_dict()))
    assert run.status == "failed" and run.finished_at is not None
    assert run.stats == {**expected, "error": "cannot write the database"}
    assert list(run.stats)[-1] == "error"


def test_short_fields_are_bounded_at_the_store_whatever_the_parser_did(store: Store) -> None:
    """A 120,000-character title, author, site name, GUID... handed straight to the Store (no
    parser cut them) come back within their bounds (veille.models.MAX_*), and so do a new
    title of an entry edited in place, a source's error and validators, and a managed
    source's name."""
    huge = "Décret relatif à la formation professionnelle " * 2700  # ~120,000 characters
    assert len(huge) >= 120_000
    url = "https://a.example/enorme"
    article = replace(
        _article(url, title=huge),
        author=huge,
        sitename=huge,
        lang=huge,
        summary=huge * 10,
        tags=(huge,) * 500,
        extraction_error=huge,
    )
    sighting = replace(_sighting(url), title=huge + "\ud800", guid=huge, url=url + "?" + huge)
    store.commit_source(
        "a", articles=[article], sightings=[sighting], entries_seen=1, etag=None,
        last_modified=None,
    )  # fmt: skip
    (row,) = store.articles(source="a", include_all=True)
    assert len(row.title) == MAX_TITLE_CHARS and row.title.endswith("…")
    assert row.title.startswith("Décret relatif")
    assert len(row.author or "") == MAX_NAME_CHARS and len(row.sitename or "") == MAX_NAME_CHARS
    assert len(row.lang or "") <= MAX_LANG_CHARS and len(row.summary) == MAX_TEXT_CHARS
    assert len(row.tags) == MAX_TAGS and all(len(t) == MAX_NAME_CHARS for t in row.tags)
    assert len(row.extraction_error or "") <= MAX_MESSAGE_CHARS
    with store.connect() as con:
        title, guid, link = con.execute("SELECT title, guid, url FROM entries").fetchone() or ()
    assert len(title) == MAX_TITLE_CHARS and len(guid) == MAX_GUID_CHARS
    assert len(link) == MAX_URL_CHARS

    store.commit_source(
        "a", articles=[], sightings=[], entries_seen=1, etag='"' + huge + '"',
        last_modified=huge, retitled=[(sighting.entry_id, "Nouveau " + huge)],
    )  # fmt: skip
    (row,) = store.articles(source="a", include_all=True)
    assert len(row.title) == MAX_TITLE_CHARS and row.title.startswith("Nouveau Décret")
    # A cut validator would never match: one that long is not kept at all.
    assert store.source_state("a").etag is None and store.source_state("a").last_modified is None

    store.record_source_error("b", "network", huge, next_check_in=None)
    (b,) = [f for f in store.source_figures() if f.id == "b"]
    assert len(b.last_error or "") <= MAX_MESSAGE_CHARS

    new = NewManagedSource(id="ajoutee", url="https://c.example/", kind="page", name=huge,
                           origin="web")  # fmt: skip
    store.add_managed_sources([new])
    (managed,) = store.managed_sources()
    assert len(managed.name or "") == MAX_NAME_CHARS
