"""What mdnorm remembers between runs: one SQLite file per project cache folder.

Two tables, each a memo of a pure function, written only by the module that
computes it:

* ``results``: the lint results of one file's exact bytes under one set of
  inputs (see :mod:`mdnorm.resultcache`), keyed by a digest of all of them;
* ``posts``: each post's site facts (see :mod:`mdnorm.facts`), keyed by the
  post's content hash, with the file's stat identity so that an unchanged file
  is recognised without reading it (see :mod:`mdnorm.linkindex`).

Why SQLite and not JSON files: a run changes a few rows, not the whole file; a
transaction is all or nothing, so a run killed mid-write (or a full disk) leaves
the previous state, never half of one; WAL mode lets concurrent runs read while
one writes; and a damaged file is detected and rebuilt instead of silently read
as "no facts".  Any database error makes the store unusable for the rest of the
run (``None``), and the run goes on cold: a cache may cost time, never answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA = 3
FILE_NAME = "state.sqlite3"
#: Results rows kept; older ones are dropped when a run adds rows past this.
MAX_RESULTS = 100_000

_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE results (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE posts (site BLOB NOT NULL, rel BLOB NOT NULL, stamp TEXT NOT NULL, hash TEXT NOT NULL,"
    " facts TEXT NOT NULL, PRIMARY KEY (site, rel))",
)


class PostRow(NamedTuple):
    """One post of a site as last indexed."""

    rel: str
    stamp: str  # stat identity when it was read (see linkindex.stamp_of); "" when not to be trusted
    hash: str  # content digest
    facts: Any  # JSON-ready facts (see mdnorm.facts)


def dumps(value: Any) -> str:
    """JSON for the store: ASCII only, so names that are not UTF-8 survive (as ``\\udcxx``)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


class Store:
    """An open state file.  Reads are immediate; writes wait for :meth:`commit`."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._results: dict[str, str] = {}
        self._posts: dict[tuple[bytes, bytes], tuple[str, str, str] | None] = {}

    @classmethod
    def open(cls, folder: Path, code: str = "") -> Store | None:
        """The store in ``folder`` (created when missing), or None when it cannot be used.

        ``code`` identifies the code that computes what is stored (see
        :func:`mdnorm.project.code_digest`): rows made by other code are dropped.
        """
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)
        except OSError:
            return None
        path = folder / FILE_NAME
        for attempt in range(2):
            try:
                return cls(_connect(path, code), path)
            except sqlite3.OperationalError:  # locked past the timeout, read-only, ...: run without it
                return None
            except sqlite3.DatabaseError:
                if attempt:
                    return None
                _remove(path)  # damaged or foreign: rebuild from nothing
            except OSError:
                return None
        return None

    # -- results --------------------------------------------------------------
    def result(self, key: str) -> Any | None:
        try:
            row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def add_result(self, key: str, value: Any) -> None:
        self._results[key] = dumps(value)

    # -- posts ------------------------------------------------------------------
    def posts(self, site: str) -> dict[str, PostRow]:
        """Every post of ``site`` as last indexed (rel -> row)."""
        out: dict[str, PostRow] = {}
        try:
            rows = self._db.execute("SELECT rel, stamp, hash, facts FROM posts WHERE site = ?", (os.fsencode(site),))
            for rel, stamp, digest, facts in rows:
                try:
                    out[os.fsdecode(rel)] = PostRow(os.fsdecode(rel), stamp, digest, json.loads(facts))
                except ValueError:
                    continue
        except sqlite3.DatabaseError:
            return {}
        return out

    def put_post(self, site: str, row: PostRow) -> None:
        self._posts[(os.fsencode(site), os.fsencode(row.rel))] = (row.stamp, row.hash, dumps(row.facts))

    def drop_post(self, site: str, rel: str) -> None:
        self._posts[(os.fsencode(site), os.fsencode(rel))] = None

    # -- writing -----------------------------------------------------------------
    def commit(self) -> None:
        """Write what this run added, in one transaction; errors are ignored (the cache is only a cache)."""
        if not self._results and not self._posts:
            return
        try:
            with self._db:
                if self._results:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", self._results.items()
                    )
                    self._db.execute(
                        "DELETE FROM results WHERE rowid <= (SELECT max(rowid) FROM results) - ?", (MAX_RESULTS,)
                    )
                puts = [(s, r, *v) for (s, r), v in self._posts.items() if v is not None]
                drops = [(s, r) for (s, r), v in self._posts.items() if v is None]
                if puts:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO posts (site, rel, stamp, hash, facts) VALUES (?, ?, ?, ?, ?)", puts
                    )
                if drops:
                    self._db.executemany("DELETE FROM posts WHERE site = ? AND rel = ?", drops)
        except sqlite3.Error:
            pass
        self._results.clear()
        self._posts.clear()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()


def _connect(path: Path, code: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
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
            db.execute("DELETE FROM results")
            db.execute("DELETE FROM posts")
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
        for statement in _TABLES:
            db.execute(statement)
        db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA),))
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
