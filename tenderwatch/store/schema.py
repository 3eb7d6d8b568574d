"""SQLite schema. Each migration is applied once, in order, and recorded in ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: notices, their matches, the alert outbox, Slack threads, poll history and portal health.
    """
    CREATE TABLE notices (
        key           TEXT PRIMARY KEY,          -- portal:notice_id
        portal        TEXT NOT NULL,
        url           TEXT NOT NULL,
        title         TEXT NOT NULL,
        notice_type   TEXT NOT NULL,
        buyer         TEXT NOT NULL DEFAULT '',
        region        TEXT NOT NULL DEFAULT '',
        published_at  TEXT,                      -- UTC ISO-8601, sorts as text
        project_key   TEXT NOT NULL,             -- groups the notices of one procurement
        update_of     TEXT REFERENCES notices(key), -- first notice of the project, for later stages
        data          TEXT NOT NULL,             -- the whole Notice as JSON
        first_seen_at TEXT NOT NULL
    );
    CREATE INDEX notices_project ON notices(project_key);
    CREATE INDEX notices_portal_published ON notices(portal, published_at);

    CREATE TABLE matches (
        notice_key  TEXT NOT NULL REFERENCES notices(key),
        watchlist   TEXT NOT NULL,
        entity      TEXT NOT NULL,
        entity_kind TEXT NOT NULL,
        alias       TEXT NOT NULL,
        field       TEXT NOT NULL,
        snippet     TEXT NOT NULL,
        fired       INTEGER NOT NULL             -- 1 when the watchlist's rule fired on this notice
    );
    CREATE INDEX matches_notice ON matches(notice_key);

    -- The outbox: one row per notice per destination, written with the notice.
    CREATE TABLE alerts (
        id              INTEGER PRIMARY KEY,
        notice_key      TEXT NOT NULL REFERENCES notices(key),
        destination     TEXT NOT NULL,           -- console | jsonl | slack:<channel> | slack-webhook | email:<addr>
        kind            TEXT NOT NULL,           -- new | update
        project_key     TEXT NOT NULL,
        severity        TEXT NOT NULL,
        payload         TEXT NOT NULL,           -- everything a notifier needs, frozen at match time
        published_at    TEXT,                    -- delivery order per destination
        status          TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,                    -- NULL: as soon as possible
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        delivered_at    TEXT,
        delivery_ref    TEXT,                    -- Slack ts, Message-ID, ...
        UNIQUE (notice_key, destination)
    );
    CREATE INDEX alerts_due ON alerts(status, destination, published_at);

    -- Where the first alert of a project went, so its later notices reply in that thread.
    CREATE TABLE threads (
        project_key TEXT NOT NULL,
        destination TEXT NOT NULL,
        ref         TEXT NOT NULL,
        PRIMARY KEY (project_key, destination)
    );

    CREATE TABLE polls (
        id           INTEGER PRIMARY KEY,
        portal       TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        outcome      TEXT,                       -- ok | failed | blocked | broken
        reason       TEXT NOT NULL DEFAULT '',
        requests     INTEGER NOT NULL DEFAULT 0,
        notices_new  INTEGER NOT NULL DEFAULT 0,
        parse_errors INTEGER NOT NULL DEFAULT 0,
        error_urls   TEXT NOT NULL DEFAULT '[]',
        stats        TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX polls_portal ON polls(portal, started_at);
    """,
    # 2: messages to the operators (a portal blocked, broken or back; a broken watchlist edit), with
    # the same delivery guarantees as alerts but not tied to a notice.
    """
    CREATE TABLE ops_messages (
        id              INTEGER PRIMARY KEY,
        key             TEXT NOT NULL,           -- what it is about, e.g. health:ccgp:42:entered:blocked
        destination     TEXT NOT NULL,           -- slack:<channel> | email:<addr> | log (logged only)
        subject         TEXT NOT NULL,
        body            TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        delivered_at    TEXT,
        UNIQUE (key, destination)
    );
    CREATE INDEX ops_due ON ops_messages(status, next_attempt_at);
    """,
]


def _statements(script: str) -> list[str]:
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    return statements


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations in one immediate transaction: two processes (or a daemon's two jobs)
    opening a new database at once must not both create its tables."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
