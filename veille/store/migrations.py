"""The schema: versioned migrations, applied at first connection, and the secondary indexes
rebuilt after a crash.
"""

from __future__ import annotations

import duckdb

# (version, name, statements). Append only: never edit a migration that has shipped.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "initial schema",
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT,
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            etag TEXT,
            last_modified TEXT,
            last_fetch_at TIMESTAMP,
            last_success_at TIMESTAMP,
            last_error TEXT,
            last_error_kind TEXT,
            last_error_at TIMESTAMP,
            error_count INTEGER NOT NULL DEFAULT 0,
            total_errors INTEGER NOT NULL DEFAULT 0,
            last_entries INTEGER,
            last_new_at TIMESTAMP,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            source_id TEXT NOT NULL,
            title TEXT NOT NULL,
            author TEXT,
            published_at TIMESTAMP,
            fetched_at TIMESTAMP NOT NULL,
            lang TEXT,
            sitename TEXT,
            summary TEXT NOT NULL,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            extraction TEXT NOT NULL,
            extraction_error TEXT,
            content_hash TEXT,
            tags TEXT[] NOT NULL,
            relevant BOOLEAN,
            score DOUBLE,
            cluster_id TEXT
        );
        CREATE TABLE entries (
            id TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            article_id TEXT NOT NULL,
            entry_key TEXT NOT NULL,
            url TEXT,
            guid TEXT,
            title TEXT NOT NULL,
            published_at TIMESTAMP,
            first_seen_at TIMESTAMP NOT NULL
        );
        CREATE INDEX entries_article ON entries (article_id);
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status TEXT NOT NULL,
            pid INTEGER,
            stats JSON
        );
        """,
    ),
    (
        2,
        "near-duplicate sketches and LSH bands; official sources",
        """
        ALTER TABLE sources ADD COLUMN official BOOLEAN DEFAULT FALSE;
        CREATE TABLE sketches (
            article_id TEXT PRIMARY KEY,
            minhash BLOB,            -- NULL: text too short for near-duplicate matching
            processed_at TIMESTAMP NOT NULL
        );
        CREATE TABLE lsh_bands (
            band SMALLINT NOT NULL,
            key BIGINT NOT NULL,
            article_id TEXT NOT NULL
        );
        CREATE INDEX articles_content_hash ON articles (content_hash);
        """,
    ),
    (
        3,
        "curators can reject an article",
        "ALTER TABLE articles ADD COLUMN rejected_at TIMESTAMP;",
    ),
    (
        4,
        "near-duplicate signatures v2 (cached word hashes), sketches without an index",
        # No primary key on sketches: DuckDB rewrites a table's whole ART index at every
        # checkpoint (0.5-0.9 s at 100k rows), and only deduplicate() writes this table, for
        # articles that have no sketch yet, under the database lock.
        """
        DELETE FROM lsh_bands;
        DROP TABLE sketches;
        CREATE TABLE sketches (
            article_id TEXT NOT NULL,
            minhash BLOB,            -- NULL: text too short for near-duplicate matching
            processed_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        5,
        "classification: reasons and model version per article; curators' decisions",
        """
        ALTER TABLE articles ADD COLUMN why JSON;
        ALTER TABLE articles ADD COLUMN classified_by TEXT;
        CREATE SEQUENCE decision_ids;
        CREATE TABLE decisions (
            id BIGINT PRIMARY KEY DEFAULT nextval('decision_ids'),
            article_id TEXT NOT NULL,
            kind TEXT NOT NULL,        -- reject | keep | tags
            relevant BOOLEAN NOT NULL, -- the label this decision gives
            tags TEXT[],               -- NULL: the decision says nothing about tags
            decided_at TIMESTAMP NOT NULL,
            active BOOLEAN NOT NULL DEFAULT TRUE
        );
        """,
    ),
    (
        6,
        "weekly digests (drafts, curation, published snapshots), subscribers, sends, secrets",
        # No primary keys on tables whose rows are updated in place with list columns: DuckDB
        # turns such updates into delete + insert, which an index can refuse inside one
        # transaction. Uniqueness is kept by the methods below, which own every write.
        """
        CREATE TABLE digests (
            week TEXT NOT NULL,             -- ISO week, 2026-W46
            title TEXT,                     -- NULL: the configured title
            editorial TEXT,
            top_article TEXT,               -- NULL: the best-ranked item
            drafted_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            published_at TIMESTAMP,
            snapshot JSON                   -- the digest as published (archive and feed)
        );
        CREATE TABLE digest_items (
            week TEXT NOT NULL,
            article_id TEXT NOT NULL,       -- the story's representative
            included BOOLEAN NOT NULL,
            section TEXT NOT NULL,          -- tag id
            position INTEGER NOT NULL,      -- order in its section
            rank_score DOUBLE NOT NULL,
            summary TEXT NOT NULL,          -- extractive summary (draft)
            summary_edited TEXT,            -- the curator's summary, when edited
            note TEXT,                      -- curator's note: what this changes for us
            edited BOOLEAN NOT NULL DEFAULT FALSE,  -- touched by a curator: re-drafts keep it
            edited_at TIMESTAMP
        );
        CREATE TABLE subscribers (
            email TEXT PRIMARY KEY,
            name TEXT,
            tags TEXT[],                    -- NULL or empty: every section
            lang TEXT,
            added_at TIMESTAMP NOT NULL,
            unsubscribed_at TIMESTAMP
        );
        CREATE TABLE sends (
            week TEXT NOT NULL,
            email TEXT NOT NULL,
            sent_at TIMESTAMP NOT NULL,
            PRIMARY KEY (week, email)
        );
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        7,
        "curators' accounts; sources added or switched from the web app; search index state",
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,     -- argon2id
            created_at TIMESTAMP NOT NULL,
            last_login_at TIMESTAMP
        );
        CREATE TABLE managed_sources (
            id TEXT PRIMARY KEY,
            url TEXT,                        -- NULL: a sources.yaml source switched on/off
            kind TEXT,
            name TEXT,
            enabled BOOLEAN NOT NULL,
            origin TEXT NOT NULL,            -- web | opml | toggle
            added_at TIMESTAMP NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        8,
        "backoff of failing sources; a source that has ever listed entries",
        """
        ALTER TABLE sources ADD COLUMN next_check_at TIMESTAMP;
        ALTER TABLE sources ADD COLUMN max_entries INTEGER;
        """,
    ),
    (
        9,
        "a curator approves a week's digest for automatic publication",
        """
        ALTER TABLE digests ADD COLUMN approved_at TIMESTAMP;
        ALTER TABLE digests ADD COLUMN approved_by TEXT;
        """,
    ),
    (
        10,
        "sources added from the command line or OPML keep their tags and page/json options",
        """
        ALTER TABLE managed_sources ADD COLUMN options JSON;  -- tags, link_pattern, mapping...
        """,
    ),
    (
        11,
        "sends are claimed before the message goes out; one send per week at a time; "
        "sessions end with a per-user generation; the session key leaves the database; "
        "secondary indexes rebuilt",
        # After it, Store._migrate rebuilds the secondary indexes: DuckDB 1.5 could lose the
        # entries that a write-ahead log replay put in them (see rebuild_indexes), so a
        # database that went through a crash or a full disk before may carry a damaged one.
        """
        ALTER TABLE sends ADD COLUMN state TEXT DEFAULT 'sent';   -- claimed | sent
        ALTER TABLE sends ADD COLUMN run_id TEXT;                 -- the send that claimed it
        CREATE TABLE send_locks (
            week TEXT PRIMARY KEY,          -- the database refuses a second row for a week
            run_id TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TIMESTAMP NOT NULL
        );
        ALTER TABLE users ADD COLUMN session_generation INTEGER DEFAULT 0;
        DELETE FROM secrets WHERE name = 'session';
        """,
    ),
    (
        12,
        "exploitation records (what was done with a story), kept as versions; each source's "
        "fetch outcomes per day (the Qualiopi register's watch plan)",
        # Append-only: a change to an action is a new version, never an overwrite (an auditor
        # asks who decided what, and when). No row of either table has a list column updated in
        # place, so primary keys are safe here (see migration 6).
        """
        CREATE SEQUENCE action_ids;
        CREATE TABLE action_versions (
            action_id BIGINT NOT NULL,
            version INTEGER NOT NULL,
            article_id TEXT NOT NULL,       -- the story's representative
            what TEXT NOT NULL,             -- the action, in the curator's words
            type TEXT NOT NULL,             -- veille.actions.ACTION_TYPES
            impact TEXT NOT NULL,           -- veille.actions.IMPACTS
            owner TEXT NOT NULL,            -- a user name
            due DATE,
            status TEXT NOT NULL,           -- planned | done | dropped
            status_at TIMESTAMP NOT NULL,   -- since when it has that status
            evidence TEXT,                  -- a link or a document name
            indicators TEXT[] NOT NULL,     -- I23...
            changed_at TIMESTAMP NOT NULL,
            changed_by TEXT NOT NULL,
            PRIMARY KEY (action_id, version)
        );
        CREATE TABLE source_days (
            source_id TEXT NOT NULL,
            hour TIMESTAMP NOT NULL,        -- UTC, to the hour: a period's local days map exactly
            successes INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            last_error TEXT,
            PRIMARY KEY (source_id, hour)
        );
        """,
    ),
    (
        13,
        "a re-published letter records its latest publication; the first one stays (the "
        "Qualiopi register dates a letter's diffusion by it)",
        """
        ALTER TABLE digests ADD COLUMN last_published_at TIMESTAMP;
        """,
    ),
    (
        14,
        "alerts: saved searches sent between two letters, their recipients (each from the "
        "moment they were added) and what each recipient was sent (never twice)",
        """
        CREATE SEQUENCE alert_ids START 1;
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY DEFAULT nextval('alert_ids'),
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            tags TEXT[] NOT NULL,
            sources TEXT[] NOT NULL,
            official BOOLEAN NOT NULL DEFAULT FALSE,   -- only the sources marked official
            created_by TEXT,
            created_at TIMESTAMP NOT NULL,
            active BOOLEAN NOT NULL DEFAULT TRUE
        );
        CREATE TABLE alert_recipients (
            alert_id INTEGER NOT NULL,
            recipient TEXT NOT NULL,         -- an e-mail address, or 'channel:NAME'
            added_at TIMESTAMP NOT NULL,     -- they get the articles fetched from then on
            added_by TEXT,
            PRIMARY KEY (alert_id, recipient)
        );
        CREATE TABLE alert_deliveries (
            alert_id INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            delivered_at TIMESTAMP NOT NULL,
            PRIMARY KEY (alert_id, article_id, recipient)
        );
        INSERT INTO alerts (name, query, tags, sources, official, created_by, created_at)
        VALUES ('Textes officiels', 'décret arrêté délibération « France compétences »',
                [], [], TRUE, 'veille', now()::TIMESTAMP);
        """,
    ),
    (
        16,
        "a team: each account's role (existing accounts stay admins), articles trainers "
        "suggest for a week, and who did what (curation, publication, sending, sources)",
        # Existing accounts keep the powers they had: admin. New accounts get their role from
        # `veille users add` (admin for the first one, curator after).
        """
        ALTER TABLE users ADD COLUMN role TEXT DEFAULT 'admin';
        UPDATE users SET role = 'admin' WHERE role IS NULL;
        CREATE TABLE suggestions (
            week TEXT NOT NULL,              -- the letter's week it is suggested for
            article_id TEXT NOT NULL,
            url TEXT NOT NULL,               -- the address as the contributor gave it
            suggested_by TEXT NOT NULL,      -- a user name
            comment TEXT,
            suggested_at TIMESTAMP NOT NULL,
            PRIMARY KEY (week, article_id)
        );
        CREATE SEQUENCE activity_ids;
        CREATE TABLE activity (
            id BIGINT PRIMARY KEY DEFAULT nextval('activity_ids'),
            done_at TIMESTAMP NOT NULL,
            actor TEXT NOT NULL,             -- a user name
            action TEXT NOT NULL,            -- veille.roles.Action
            what TEXT NOT NULL,              -- keep, drop, publish, send, add_source...
            week TEXT,
            object TEXT                      -- an article id, a source id, a user name
        );
        """,
    ),
)


# The secondary indexes of the schema (migrations 1 and 2), made again if a crash lost one.
SECONDARY_INDEXES = (
    ("articles", "CREATE INDEX IF NOT EXISTS articles_content_hash ON articles (content_hash)"),
    ("entries", "CREATE INDEX IF NOT EXISTS entries_article ON entries (article_id)"),
)


REBUILD_INDEXES_AT = 11  # the migration after which an existing database's indexes are rebuilt


def rebuild_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Drop and create again every secondary index of the database, in one transaction.

    After a write-ahead log replay, DuckDB 1.5.5 keeps the replayed index entries aside until
    the index is first used, and a checkpoint before that writes the index without them: the
    next update of those rows fails with "FATAL Error: Failed to delete all rows from index"
    (reproduced with a table, an index, a SIGKILL after a commit, then open, close, open,
    update). Building the index again from the table makes it whole. Primary keys are not
    affected (their entries are checked at replay).

    Each statement commits on its own: right after a replay, DuckDB 1.5.5 aborts the whole
    process (C++ "pure virtual method called") when DROP and CREATE INDEX commit together in
    one transaction. A crash between the two leaves the log non-empty, so the next opening
    comes here again and makes the missing index from :data:`SECONDARY_INDEXES`.
    """
    indexes = con.execute(
        "SELECT index_name, sql FROM duckdb_indexes() "
        "WHERE database_name = current_database() AND sql IS NOT NULL"
    ).fetchall()
    for name, sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
        con.execute(sql)
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    for table, sql in SECONDARY_INDEXES:
        if table in tables:
            con.execute(sql)
