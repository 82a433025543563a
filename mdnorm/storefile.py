"""The state file's schema and connections (see :mod:`mdnorm.store` for what is in it and why)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

SCHEMA = 6
FILE_NAME = "state.sqlite3"
#: Results rows kept besides two per indexed post; older ones are dropped when a run adds rows past this.
MAX_RESULTS = 100_000

TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE results (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # what depends on a whole site (a post's site-wide results, the site model), by generation: the
    # stamp of the site's files it was made under; a new generation of a kind replaces the old
    "CREATE TABLE site_results (key TEXT PRIMARY KEY, site INTEGER NOT NULL, kind TEXT NOT NULL,"
    " gen TEXT NOT NULL, value TEXT NOT NULL)",
    "CREATE INDEX site_results_gen ON site_results (site, kind, gen)",
    # facts_of(bytes), by the bytes' keyed content hash
    "CREATE TABLE facts (hash TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # the sites indexed, by number (every row below names its site by it)
    "CREATE TABLE sites (id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE)",
    # one row per post of a site, with what the queries of the site-wide rules need
    "CREATE TABLE posts (site INTEGER NOT NULL, rel BLOB NOT NULL, stamp TEXT NOT NULL, hash TEXT NOT NULL,"
    " ord BLOB NOT NULL, catkey TEXT, category TEXT, front TEXT NOT NULL, PRIMARY KEY (site, rel)) WITHOUT ROWID",
    "CREATE INDEX posts_catkey ON posts (site, catkey)",
    # one row per link-entry URL line of a post; entries_first finds the first listings of a URL at once
    "CREATE TABLE entries (site INTEGER NOT NULL, rel BLOB NOT NULL, line INTEGER NOT NULL, coarse TEXT NOT NULL,"
    " url TEXT NOT NULL, ord BLOB NOT NULL)",
    "CREATE INDEX entries_rel ON entries (site, rel)",
    "CREATE INDEX entries_first ON entries (site, coarse, ord, line)",
    # one row per anchor id of a post
    "CREATE TABLE anchors (site INTEGER NOT NULL, rel BLOB NOT NULL, id TEXT NOT NULL)",
    "CREATE INDEX anchors_rel ON anchors (site, rel)",
    "CREATE INDEX anchors_id ON anchors (site, id)",
)


def connect(path: Path, code: str | None) -> sqlite3.Connection:
    """A connection to the state file at ``path``; ``code`` None: an existing file, as it is."""
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    if code is None:
        db.isolation_level = "DEFERRED"
        return db
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        with contextlib.suppress(sqlite3.OperationalError):  # a read-only folder keeps the old journal mode
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if _schema(db) != SCHEMA:
            _create(db)
        row = db.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
        if row is None or row[0] != code:
            db.execute("BEGIN IMMEDIATE")
            for table in ("results", "site_results", "facts", "sites", "posts", "entries", "anchors"):
                db.execute(f"DELETE FROM {table}")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('code', ?)", (code,))
            db.execute("COMMIT")
        db.isolation_level = "DEFERRED"  # transactions from here on (``with db:``)
    except BaseException:
        db.close()
        raise
    return db


def _schema(db: sqlite3.Connection) -> int | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.OperationalError:
        return None
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def _create(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        if _schema(db) == SCHEMA:  # another run made it meanwhile
            db.execute("COMMIT")
            return
        for (name,) in list(db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")):
            db.execute(f'DROP TABLE IF EXISTS "{name}"')
        for statement in TABLES:
            db.execute(statement)
        db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA),))
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
