"""What mdnorm remembers between runs: one SQLite file per project cache folder.

Each table is a memo of a pure function, written only by the module that
computes it:

* ``results``: the lint results of one file's exact bytes under one set of
  inputs (see :mod:`mdnorm.resultcache`), keyed by a digest of all of them;
* ``site_results``: what depends on a whole site (a post's site-wide results,
  the Jekyll model), keyed the same way and by the stamp of the site's files
  (:mod:`mdnorm.sitestate`); a new stamp's rows replace the old ones;
* ``facts``: a post's site facts (see :mod:`mdnorm.facts`), keyed by the post's
  keyed content hash;
* ``posts``, ``entries``, ``anchors``: the site index (see
  :mod:`mdnorm.linkindex`): one row per post (its stat identity, so that an
  unchanged file is recognised without reading it, content hash, category and
  the front matter the site model reads), one per link-entry URL line and one
  per anchor id, indexed for the questions the site-wide rules ask ("which
  earlier post lists this URL?", "which posts use a spelling of this
  category?", "which post has this anchor?").  A run changes the rows of the
  posts that changed and reads only what its questions need: no run loads a
  whole site into memory.

Why SQLite and not JSON files: a run changes a few rows, not the whole file; a
transaction is all or nothing, so a run killed mid-write (or a full disk) leaves
the previous state, never half of one; WAL mode lets concurrent runs read while
one writes; a damaged file is detected and rebuilt instead of silently read
as "no facts"; and indexed queries answer "who else lists this URL" without
reading every post's facts (a JSON file is read whole).  A store that cannot be
opened is ``None`` and the run indexes its sites in a temporary store instead
(:meth:`Store.temporary_store`); a query that fails raises :class:`StoreError`,
and the run starts its site phase again on a temporary store: a cache may cost
time, never answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mdnorm.storefile import FILE_NAME, MAX_RESULTS, connect, remove

if TYPE_CHECKING:
    from mdnorm.config import Config


class StoreError(Exception):
    """The database failed under a query the run's answers depend on (see :mod:`mdnorm.linkindex`)."""


class PostRow(NamedTuple):
    """What the index keeps of one post, besides its entries and anchors."""

    rel: str
    stamp: str  # stat identity when it was read (see sitestate.stamp_of); "" when not to be trusted
    hash: str  # keyed content digest (see linkindex.ContentHasher)
    ord: bytes  # sorts as "earlier" (see linkindex.ord_of)
    category: tuple[str, str] | None  # (key, value) of the post's category
    front: str  # JSON: the front matter the site model reads (facts.Front)


def dumps(value: Any) -> str:
    """JSON for the store: ASCII only, so names that are not UTF-8 survive (as ``\\udcxx``)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _enc(name: str) -> bytes:
    return os.fsencode(name)


class Store:
    """An open state file.

    Reads are immediate.  Writes of the site index go to the database as they are
    made, in one transaction that :meth:`commit` ends (a run never holds a whole
    site's facts in memory); results rows are few and small and wait for
    :meth:`commit`.  A run killed before it commits leaves the previous state.
    """

    def __init__(self, db: sqlite3.Connection, path: Path, temporary: bool = False) -> None:
        self._db = db
        self.path = path
        self.temporary = temporary
        self._results: dict[str, str] = {}
        self._site_results: dict[tuple[str, str, str], dict[str, str]] = {}  # (site, kind, gen) -> rows
        self._pid = os.getpid()
        self._sites: dict[str, int] = {}

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
                return cls(connect(path, code), path)
            except sqlite3.OperationalError:  # locked past the timeout, read-only, ...: run without it
                return None
            except sqlite3.DatabaseError:
                if attempt:
                    return None
                remove(path)  # damaged or foreign: rebuild from nothing
            except OSError:
                return None
        return None

    @classmethod
    def for_project(cls, cfg: Config) -> Store | None:
        """The store of ``cfg``'s project (its cache folder, see :mod:`mdnorm.project`), or None."""
        from mdnorm.project import cache_folder, code_digest

        return cls.open(cache_folder(cfg.root, cfg.cache_dir), code_digest())

    @classmethod
    def temporary_store(cls) -> Store:
        """A private store for one run (no cache, or the cache cannot be used), removed by :meth:`close`.

        The site index lives in a database either way (one implementation of its
        queries); this one starts empty, so every post is read.
        """
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="mdnorm-"))
        path = folder / FILE_NAME
        try:
            store = cls(connect(path, ""), path, temporary=True)
        except (sqlite3.Error, OSError) as exc:
            remove(path)
            with contextlib.suppress(OSError):
                folder.rmdir()
            raise StoreError(f"cannot make a temporary database in {folder}: {exc}") from exc
        import weakref

        weakref.finalize(store, _drop_temporary, store._db, path, os.getpid())  # when nothing holds it any more
        return store

    def reader(self) -> Store:
        """This store for the current process (a forked worker opens its own connection, read-only use)."""
        if os.getpid() == self._pid:
            return self
        other = Store(connect(self.path, None), self.path)
        return other

    # -- results --------------------------------------------------------------
    def result(self, key: str) -> Any | None:
        return self._memo_value("SELECT value FROM results WHERE key = ?", key)

    def _memo_value(self, sql: str, key: str) -> Any | None:
        """A value of a memo table, or None: missing, damaged, or the database failed (recompute it)."""
        try:
            row = self._db.execute(sql, (key,)).fetchone()
            return json.loads(row[0]) if row is not None else None
        except (sqlite3.DatabaseError, ValueError):
            return None

    def add_result(self, key: str, value: Any) -> None:
        self._results[key] = dumps(value)

    def site_result(self, key: str) -> Any | None:
        return self._memo_value("SELECT value FROM site_results WHERE key = ?", key)

    def add_site_result(self, site: str, kind: str, gen: str, key: str, value: Any) -> None:
        """Remember ``value`` under ``key``; at commit, older generations of this kind for ``site`` go."""
        self._site_results.setdefault((site, kind, gen), {})[key] = dumps(value)

    # -- facts ------------------------------------------------------------------
    def facts(self, digest: str) -> Any | None:
        """The facts stored for content ``digest`` (JSON-ready), or None."""
        row = self._query("SELECT value FROM facts WHERE hash = ?", (digest,)).fetchone()
        try:
            return json.loads(row[0]) if row is not None else None
        except ValueError:
            return None

    def has_facts(self, digest: str) -> bool:
        return self._query("SELECT 1 FROM facts WHERE hash = ?", (digest,)).fetchone() is not None

    def put_facts(self, digest: str, value: Any) -> None:
        self._write("INSERT OR IGNORE INTO facts (hash, value) VALUES (?, ?)", (digest, dumps(value)))

    # -- posts ------------------------------------------------------------------
    def _sid(self, site: str) -> int:
        """The number of ``site`` (made on first use)."""
        got = self._sites.get(site)
        if got is None:
            path = _enc(site)
            row = self._query("SELECT id FROM sites WHERE path = ?", (path,)).fetchone()
            if row is None:
                self._write("INSERT OR IGNORE INTO sites (path) VALUES (?)", (path,))  # another run may have made it
                row = self._query("SELECT id FROM sites WHERE path = ?", (path,)).fetchone()
            got = self._sites[site] = int(row[0])
        return got

    def post_stamps(self, site: str) -> dict[str, tuple[str, str]]:
        """Every post of ``site`` as last indexed: rel -> (stamp, hash)."""
        rows = self._query("SELECT rel, stamp, hash FROM posts WHERE site = ?", (self._sid(site),))
        return {os.fsdecode(rel): (stamp, digest) for rel, stamp, digest in rows}

    def put_post(self, site: str, row: PostRow, entries: list[tuple[int, str, str]], anchors: list[str]) -> None:
        """Replace what is indexed of one post: its row, entries ``(line, coarse, url)`` and anchor ids."""
        s, r = self._sid(site), _enc(row.rel)
        cat = row.category or (None, None)
        self._write(
            "INSERT OR REPLACE INTO posts (site, rel, stamp, hash, ord, catkey, category, front)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (s, r, row.stamp, row.hash, row.ord, cat[0], cat[1], row.front),
        )
        self._write("DELETE FROM entries WHERE site = ? AND rel = ?", (s, r))
        self._write("DELETE FROM anchors WHERE site = ? AND rel = ?", (s, r))
        self._write_many(
            "INSERT INTO entries (site, rel, line, coarse, url, ord) VALUES (?, ?, ?, ?, ?, ?)",
            [(s, r, line, coarse, url, row.ord) for line, coarse, url in entries],
        )
        self._write_many("INSERT INTO anchors (site, rel, id) VALUES (?, ?, ?)", [(s, r, i) for i in anchors])

    def restamp(self, site: str, rel: str, stamp: str) -> None:
        self._write("UPDATE posts SET stamp = ? WHERE site = ? AND rel = ?", (stamp, self._sid(site), _enc(rel)))

    def drop_post(self, site: str, rel: str) -> None:
        s, r = self._sid(site), _enc(rel)
        for table in ("posts", "entries", "anchors"):
            self._write(f"DELETE FROM {table} WHERE site = ? AND rel = ?", (s, r))

    # -- queries of the site-wide rules -------------------------------------------
    def post(self, site: str, rel: str) -> PostRow | None:
        row = self._query(
            "SELECT stamp, hash, ord, catkey, category, front FROM posts WHERE site = ? AND rel = ?",
            (self._sid(site), _enc(rel)),
        ).fetchone()
        if row is None:
            return None
        stamp, digest, ord_, catkey, category, front = row
        return PostRow(rel, stamp, digest, ord_, (catkey, category) if catkey is not None else None, front)

    def rels(self, site: str) -> list[str]:
        return sorted(
            os.fsdecode(r) for (r,) in self._query("SELECT rel FROM posts WHERE site = ?", (self._sid(site),))
        )

    def fronts(self, site: str) -> Iterator[tuple[str, str]]:
        """(rel, front JSON) of every post of ``site``."""
        for rel, front in self._query("SELECT rel, front FROM posts WHERE site = ?", (self._sid(site),)):
            yield os.fsdecode(rel), front

    def listings(self, site: str, coarse: str) -> Iterator[tuple[str, int, str, bytes]]:
        """(rel, line, url, ord) of every entry with this coarse URL key, earliest post first."""
        rows = self._query(
            "SELECT rel, line, url, ord FROM entries INDEXED BY entries_first WHERE site = ? AND coarse = ?"
            " ORDER BY ord, line",
            (self._sid(site), coarse),
        )
        for rel, line, url, ord_ in rows:
            yield os.fsdecode(rel), line, url, ord_

    def first_listings(self, site: str, coarse: list[str], before: bytes) -> list[tuple[str, str, int, str, bytes]]:
        """(coarse, rel, line, url, ord) of the first entry with each of these coarse keys in a post
        sorting before ``before`` (an ord): one index seek per key, however many posts list it."""
        out: list[tuple[str, str, int, str, bytes]] = []
        sid = self._sid(site)
        for at in range(0, len(coarse), 400):
            part = coarse[at : at + 400]
            values = ",".join(["(?)"] * len(part))
            rows = self._query(
                f"WITH c(key) AS (VALUES {values}) SELECT c.key, e.rel, e.line, e.url, e.ord FROM c"
                " JOIN entries e ON e.rowid = (SELECT rowid FROM entries INDEXED BY entries_first"
                " WHERE site = ? AND coarse = c.key AND ord < ? ORDER BY ord, line LIMIT 1)",
                (*part, sid, before),
            )
            out.extend((k, os.fsdecode(r), line, url, o) for k, r, line, url, o in rows)
        return out

    def categories(self, site: str, catkey: str) -> list[tuple[str, int, bytes]]:
        """(category, posts using it, ord of the first) for every spelling with this key."""
        rows = self._query(
            "SELECT category, count(*), min(ord) FROM posts INDEXED BY posts_catkey"
            " WHERE site = ? AND catkey = ? GROUP BY category",
            (self._sid(site), catkey),
        )
        return [(c, n, o) for c, n, o in rows]

    def category_users(self, site: str, catkey: str) -> list[str]:
        rows = self._query(
            "SELECT rel FROM posts INDEXED BY posts_catkey WHERE site = ? AND catkey = ?", (self._sid(site), catkey)
        )
        return [os.fsdecode(r) for (r,) in rows]

    def anchor_owners(self, site: str, anchor: str) -> list[str]:
        rows = self._query(
            "SELECT rel FROM anchors INDEXED BY anchors_id WHERE site = ? AND id = ? ORDER BY rel",
            (self._sid(site), anchor),
        )
        return [os.fsdecode(r) for (r,) in rows]

    # -- writing -----------------------------------------------------------------
    def _query(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        self._query(sql, args)

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            try:
                self._db.executemany(sql, rows)
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def commit(self) -> None:
        """End the run's transaction with what it added; errors are ignored (the cache is only a cache)."""
        try:
            if self._results:
                self._db.executemany("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", self._results.items())
                n_posts = self._db.execute("SELECT count(*) FROM posts").fetchone()[0]
                self._db.execute(
                    "DELETE FROM results WHERE rowid <= (SELECT max(rowid) FROM results) - ?",
                    (MAX_RESULTS + 2 * n_posts,),
                )
            for (site, kind, gen), rows in self._site_results.items():
                sid = self._sid(site)
                self._db.execute("DELETE FROM site_results WHERE site = ? AND kind = ? AND gen <> ?", (sid, kind, gen))
                self._db.executemany(
                    "INSERT OR REPLACE INTO site_results (key, site, kind, gen, value) VALUES (?, ?, ?, ?, ?)",
                    [(k, sid, kind, gen, v) for k, v in rows.items()],
                )
            if self._db.in_transaction:
                # facts no post refers to (old versions of posts) go, once they outnumber the posts
                n_facts = self._db.execute("SELECT count(*) FROM facts").fetchone()[0]
                n_posts = self._db.execute("SELECT count(*) FROM posts").fetchone()[0]
                if n_facts > 2 * n_posts + 1000:
                    self._db.execute("DELETE FROM facts WHERE hash NOT IN (SELECT hash FROM posts)")
            self._db.commit()
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self._db.rollback()
        self._results.clear()
        self._site_results.clear()

    def close(self) -> None:
        if self.temporary:
            _drop_temporary(self._db, self.path, self._pid)
        with contextlib.suppress(sqlite3.Error):
            self._db.close()


def _drop_temporary(db: sqlite3.Connection, path: Path, pid: int) -> None:
    """Close and remove a temporary store (only in the process that made it, not in a forked worker)."""
    if os.getpid() != pid:
        return
    with contextlib.suppress(sqlite3.Error):
        db.close()
    remove(path)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
