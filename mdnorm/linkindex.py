"""The site index: every post's site facts, for the rules that look past one file.

Rules that compare posts (DL002, FM006, the site link rules) and ``--online``
need facts about *all* posts of a Jekyll site, whichever files a run was given
(pre-commit passes one).  This module lists a site's posts with the project's
one file walker (:func:`mdnorm.files.walk`) and keeps, in the store's database
(:mod:`mdnorm.store`), one row per post, one per link-entry URL and one per
anchor id, read off the parser's own view of each post (:mod:`mdnorm.facts`).
A :class:`SiteIndex` answers the rules' questions with indexed queries; nothing
loads every post's facts, so memory stays flat as a blog grows.

A post whose stat identity (inode, size, mtime and ctime in nanoseconds) is the
one recorded is not read again: as in git's index, ctime cannot be set by a user
and changes on every write, rename onto the path or ``touch``, so two posts that
swap contents keeping their mtimes are still read again.  An identity recorded
less than :func:`mdnorm.sitestate.racy_ns` after the file's last change is not trusted (the file
may change again within the clock's resolution): such a post is hashed again
next time.  A post whose content hash is unchanged keeps its rows.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from mdnorm import urls
from mdnorm.config import Config
from mdnorm.facts import Front, PostFacts, UrlEntry, facts_of
from mdnorm.rules.site import category_key
from mdnorm.site import POST_NAME, Order, order_of
from mdnorm.sitestate import racy_ns, stamp_of
from mdnorm.store import PostRow, Store, dumps

if TYPE_CHECKING:
    from mdnorm.resultcache import ResultCache
    from mdnorm.sitemap import SiteMap

#: Facts of this many posts are kept decoded by an index (the site link rules look at a few targets).
_FACTS_KEPT = 64


class SitePost(NamedTuple):
    rel: str  # path relative to the site root, '/'-separated
    order: Order  # (year, month, day, rel): "earlier" means smaller
    facts: PostFacts


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def ord_of(rel: str) -> bytes:
    """``order_of(rel)`` as bytes that sort the same way (the database orders by them)."""
    y, m, d, _ = order_of(rel)
    return f"{y:04d}{m:02d}{d:02d}/".encode() + os.fsencode(rel)


class SiteIndex:
    """All posts of one site, as the store's rows, with the lookups the site-wide rules need.

    ``overrides`` replaces what the rows say of some posts (an editor's unsaved
    buffers; None: the post is gone): every lookup counts them instead.
    """

    def __init__(
        self,
        root: str,
        store: Store,
        parsed: int = 0,
        reused: int = 0,
        overrides: Mapping[str, PostFacts | None] | None = None,
    ) -> None:
        self.root = root
        self._prefix = os.path.join(root, "")
        self._store = store
        self.overrides: dict[str, PostFacts | None] = dict(overrides or {})
        #: the run's memo, when it has one: the site model is remembered in it (see mdnorm.sitemap)
        self.memo: ResultCache | None = None
        self._facts: dict[str, PostFacts | None] = {}
        self._normal: dict[str, str] = {}
        self._cats: dict[str, tuple[Counter[str], dict[str, bytes]]] = {}
        #: how the index was built: posts parsed, posts taken from the store
        self.parsed = parsed
        self.reused = reused

    def with_overrides(self, overrides: Mapping[str, PostFacts | None]) -> SiteIndex:
        """The same rows seen with ``overrides`` in place of what they say."""
        return SiteIndex(self.root, self._store, self.parsed, self.reused, overrides)

    @property
    def store(self) -> Store:
        return self._store.reader()

    def rel(self, path: str) -> str:
        from mdnorm.site import folder_of

        full = os.path.join(folder_of(path), os.path.basename(path))
        if full.startswith(self._prefix):
            return full[len(self._prefix) :].replace(os.sep, "/")
        return os.path.relpath(full, self.root).replace(os.sep, "/")

    # -- one post ----------------------------------------------------------------------------
    def facts(self, rel: str) -> PostFacts | None:
        """The facts of the post at ``rel``, or None when the site has no such post."""
        if rel in self.overrides:
            return self.overrides[rel]
        if rel in self._facts:
            return self._facts[rel]
        row = self.store.post(self.root, rel)
        got = self.facts_by_hash(row.hash) if row is not None else None
        if len(self._facts) >= _FACTS_KEPT:
            self._facts.pop(next(iter(self._facts)))
        self._facts[rel] = got
        return got

    def facts_by_hash(self, digest: str) -> PostFacts | None:
        value = self.store.facts(digest)
        if value is None:
            return None
        try:
            return PostFacts.from_json(value)
        except (TypeError, ValueError):
            return None

    def post(self, rel: str) -> SitePost | None:
        facts = self.facts(rel)
        return SitePost(rel, order_of(rel), facts) if facts is not None else None

    def rels(self) -> list[str]:
        """Every post of the site, sorted."""
        got = set(self.store.rels(self.root))
        for rel, facts in self.overrides.items():
            if facts is None:
                got.discard(rel)
            else:
                got.add(rel)
        return sorted(got)

    def category_of(self, rel: str) -> str | None:
        """The category the index counts for ``rel``."""
        if rel in self.overrides:
            facts = self.overrides[rel]
            return facts.category.value if facts is not None and facts.category is not None else None
        row = self.store.post(self.root, rel)
        return row.category[1] if row is not None and row.category is not None else None

    def fronts(self) -> tuple[Fronts, str | None]:
        """Every post's front matter as the site model reads it, and a digest of every post's path
        and front matter as stored (None with overrides: an editor's), from one read of the rows.

        Each post's front matter is decoded when the model asks for it: a run whose model is
        remembered needs only the digest and the posts' names."""
        h = hashlib.blake2b(digest_size=20)
        raw: dict[str, str] = {}
        for rel, text in sorted(self.store.fronts(self.root)):
            h.update(f"{rel}\0{text}\0".encode("utf-8", "surrogateescape"))
            if rel not in self.overrides:
                raw[rel] = text
        decoded: dict[str, tuple[dict[str, Any], str | None]] = {}
        for rel, facts in self.overrides.items():
            if facts is not None:
                decoded[rel] = facts.front.decoded(), facts.front.error
        return Fronts(raw, decoded), None if self.overrides else h.hexdigest()

    # -- link entries ------------------------------------------------------------------------
    def normalized(self, url: str) -> str:
        """``urls.normalize(url)``, remembered for the index's life (the same URLs come up again)."""
        return self._norm(url)

    def _norm(self, url: str) -> str:
        got = self._normal.get(url)
        if got is None:
            got = self._normal[url] = urls.normalize(url)
        return got

    def listings(self, coarse: str) -> list[tuple[str, int, str, bytes]]:
        """(rel, line, url, ord) of every entry with this coarse key, earliest post first."""
        rows = [r for r in self.store.listings(self.root, coarse) if r[0] not in self.overrides]
        for rel, facts in self.overrides.items():
            if facts is not None:
                rows.extend((rel, e.line, e.url, ord_of(rel)) for e in facts.entries if e.coarse == coarse)
        rows.sort(key=lambda r: (r[3], r[1]))
        return rows

    def earlier_listings(self, rel: str, entries: Sequence[UrlEntry]) -> dict[str, dict[str, tuple[str, int]]]:
        """Coarse key -> normalised URL key -> (post, 0-based line) of the earliest listing of that
        URL in a post earlier than ``rel``, for the URLs of ``entries`` that one lists.

        One query for all of them, one index seek per URL.  The post at ``rel`` may
        be in the index with other content (the text being fixed, an editor's
        buffer): its own entries are never counted.
        """
        mine = ord_of(rel)
        coarse = list(dict.fromkeys(e.coarse for e in entries))
        if not coarse:
            return {}
        first: dict[str, tuple[bytes, int, str, str]] = {}  # coarse -> (ord, line, post, url)
        again: set[str] = set()  # coarse keys whose first listing an override hides
        for c, other, line, url, ord_ in self.store.first_listings(self.root, coarse, mine):
            if other in self.overrides:
                again.add(c)
            else:
                first[c] = (ord_, line, other, url)
        wanted = set(coarse)
        for other, facts in self.overrides.items():
            o = ord_of(other)
            if facts is None or other == rel or o >= mine:
                continue
            for e in facts.entries:
                cand = (o, e.line, other, e.url)
                if e.coarse in wanted and (e.coarse not in first or cand < first[e.coarse]):
                    first[e.coarse] = cand
        urls_of: dict[str, set[str]] = {}  # coarse key -> this post's URLs with it
        for e in entries:
            urls_of.setdefault(e.coarse, set()).add(e.url)
        out: dict[str, dict[str, tuple[str, int]]] = {}
        for c in again | first.keys():
            if c not in again:
                _, line, other, url = first[c]
                key = self._norm(url)
                if {self._norm(u) for u in urls_of[c]} == {key}:
                    out[c] = {key: (other, line)}
                    continue
            # URLs alike only coarsely, or an override hides the first listing: all of them, in order
            hits: dict[str, tuple[str, int]] = {}
            for o_rel, o_line, o_url, o_ord in self.listings(c):
                if o_rel != rel and o_ord < mine:
                    hits.setdefault(self._norm(o_url), (o_rel, o_line))
            if hits:
                out[c] = hits
        return out

    def users(self, coarse: set[str], catkeys: set[str]) -> set[str]:
        """Posts listing a URL with one of these coarse keys or using a category with one of these keys."""
        out: set[str] = set()
        for c in coarse:
            out.update(r for r, _, _, _ in self.listings(c))
        for k in catkeys:
            out.update(r for r in self.store.category_users(self.root, k) if r not in self.overrides)
        for rel, facts in self.overrides.items():
            if facts is not None and facts.category is not None and category_key(facts.category.value) in catkeys:
                out.add(rel)
        return out

    # -- categories --------------------------------------------------------------------------
    def categories(self, catkey: str) -> tuple[Counter[str], dict[str, bytes]]:
        """The spellings of one category (normalised ``catkey``): how many posts use each, and
        the ord of the first post using it."""
        got = self._cats.get(catkey)
        if got is not None:
            return got
        counts: Counter[str] = Counter()
        first: dict[str, bytes] = {}
        for value, n, ord_ in self.store.categories(self.root, catkey):
            counts[value] += n
            first[value] = ord_
        for rel in self.overrides:
            row = self.store.post(self.root, rel)
            if row is not None and row.category is not None and row.category[0] == catkey:
                counts[row.category[1]] -= 1  # the override's category counts instead
        for rel, facts in self.overrides.items():
            cat = facts.category if facts is not None else None
            if cat is not None and category_key(cat.value) == catkey:
                counts[cat.value] += 1
                first[cat.value] = min(first.get(cat.value, b"\xff"), ord_of(rel))
        got = self._cats[catkey] = (+counts, first)
        return got

    # -- anchors and the site map --------------------------------------------------------------
    def anchor_owners(self, anchor: str) -> list[str]:
        """The posts that have an element with id ``anchor``."""
        got = {r for r in self.store.anchor_owners(self.root, anchor) if r not in self.overrides}
        for rel, facts in self.overrides.items():
            if facts is not None and any(i == anchor for i, _ in facts.anchors):
                got.add(rel)
        return sorted(got)

    def valid_until(self) -> float | None:
        """Until when the answers given so far hold, as far as time goes (see :meth:`SiteMap.valid_until`)."""
        sm = self.__dict__.get("site_map")
        return sm.valid_until if sm is not None else None

    @cached_property
    def site_map(self) -> SiteMap | None:
        """URLs, files and anchors of the whole site (for the site link rules), built on first use."""
        from mdnorm.sitemap import SiteMap

        return SiteMap.build(self)


class Fronts:
    """Posts' front matter by path (``rel -> (data, parse error)``): the stored rows, decoded on
    first use, and an editor's overrides."""

    def __init__(self, raw: dict[str, str], overrides: dict[str, tuple[dict[str, Any], str | None]]) -> None:
        self._raw = raw
        self._overrides = overrides
        self._decoded: dict[str, tuple[dict[str, Any], str | None]] = {}

    def __iter__(self) -> Iterator[str]:
        yield from self._raw
        yield from self._overrides

    def get(self, rel: str) -> tuple[dict[str, Any], str | None] | None:
        got = self._overrides.get(rel) or self._decoded.get(rel)
        if got is None and rel in self._raw:
            data, error = _loads(self._raw[rel])
            got = self._decoded[rel] = Front(data, error).decoded(), error
        return got


def _loads(text: str) -> tuple[Any, str | None]:
    import json

    try:
        data, error = json.loads(text)
    except (TypeError, ValueError):
        return {}, None
    return data, error if error is None else str(error)


def post_files(root: str, cfg: Config) -> list[str]:
    """Every post under ``root`` (absolute paths, sorted), as a run over ``root`` would find them."""
    from mdnorm.files import walk

    return [p for p in walk(root, cfg) if POST_NAME.match(os.path.basename(p))]


def _read(path: str) -> tuple[bytes, str] | None:
    """The file's bytes and its stat identity taken around the read ("" if it changed meanwhile)."""
    try:
        before = os.stat(path)
        with open(path, "rb") as fh:
            data = fh.read()
        after = os.stat(path)
    except OSError:
        return None
    stamp = stamp_of(before)
    return data, stamp if stamp == stamp_of(after) else ""


def index_post(store: Store, root: str, rel: str, stamp: str, digest: str, facts: PostFacts) -> None:
    """Write one post's rows: the post, its entries and its anchor ids."""
    cat = facts.category
    store.put_post(
        root,
        PostRow(
            rel,
            stamp,
            digest,
            ord_of(rel),
            (category_key(cat.value), cat.value) if cat is not None else None,
            dumps(list(facts.front)),
        ),
        [(e.line, e.coarse, e.url) for e in facts.entries],
        list(dict.fromkeys(i for i, _ in facts.anchors)),
    )


def build(root: str, cfg: Config, store: Store | None = None) -> SiteIndex:
    """Bring the rows of ``root``'s posts up to date and return the index over them.

    An unchanged post (same stat identity) is not read; a changed one is read
    and hashed, and parsed unless the store has the facts of that content (this
    run's linted files put theirs there).  The rows are written into the store's
    open transaction; the caller commits once per run.  Without a store, the
    index gets a temporary one of its own (every post is read).
    """
    from mdnorm.document import DecodeError, Document

    if store is None:
        store = Store.temporary_store()

    rows = store.post_stamps(root)
    now, window = time.time_ns(), racy_ns()  # once: the loop below stats every post of the site
    seen: set[str] = set()
    parsed = reused = 0
    prefix = os.path.join(root, "")
    for path in post_files(root, cfg):
        rel = (path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, root)).replace(os.sep, "/")
        row = rows.get(rel)
        if row is not None and row[0]:
            try:
                if row[0] == stamp_of(os.stat(path), now, window):
                    seen.add(rel)
                    reused += 1
                    continue
            except OSError:
                pass
        got = _read(path)
        if got is None:
            continue  # gone or unreadable: it lists nothing (IO001 reports it when it is checked)
        data, stamp = got
        digest = content_hash(data)
        if row is not None and row[1] == digest:
            if row[0] != stamp:
                store.restamp(root, rel, stamp)
            seen.add(rel)
            reused += 1
            continue
        value = store.facts(digest)
        facts: PostFacts | None = None
        if value is not None:
            try:
                facts = PostFacts.from_json(value)
                reused += 1
            except (TypeError, ValueError):
                facts = None
        if facts is None:
            try:
                facts = facts_of(Document.from_bytes(rel, data))
            except DecodeError:
                continue  # IO001 reports it; an unreadable post lists nothing
            store.put_facts(digest, facts.to_json())
            parsed += 1
        index_post(store, root, rel, stamp, digest, facts)
        seen.add(rel)
    for rel in rows.keys() - seen:
        store.drop_post(root, rel)
    return SiteIndex(root, store, parsed, reused)
