"""The site index: every post's site facts, for the rules that look past one file.

Rules that compare posts (DL002, FM006) and ``--online`` need facts about *all*
posts of a Jekyll site, whichever files a run was given (pre-commit passes one).
This module lists a site's posts with the project's one file walker
(:func:`mdnorm.files.walk`), and keeps each post's facts (:mod:`mdnorm.facts`,
read off the parser's own view of the post) in the store, keyed by the post's
content hash.

A post whose stat identity (inode, size, mtime and ctime in nanoseconds) is the
one recorded is not read again: as in git's index, ctime cannot be set by a user
and changes on every write, rename onto the path or ``touch``, so two posts that
swap contents keeping their mtimes are still read again.  An identity recorded
less than :data:`RACY_NS` after the file's last change is not trusted (the file
may change again within the clock's resolution): such a post is hashed again
next time.  Everything else is derived from the facts in memory for each run.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from mdnorm import urls
from mdnorm.config import Config
from mdnorm.facts import PostFacts, facts_of
from mdnorm.rules.site import category_key
from mdnorm.site import POST_NAME, Order, order_of

if TYPE_CHECKING:
    from mdnorm.sitemap import SiteMap
    from mdnorm.store import Store

#: How long after a file's last change its stat identity is trusted (nanoseconds).
RACY_NS = 2_000_000_000


class SitePost(NamedTuple):
    rel: str  # path relative to the site root, '/'-separated
    order: Order  # (year, month, day, rel): "earlier" means smaller
    facts: PostFacts


def stamp_of(st: os.stat_result, now_ns: int | None = None) -> str:
    """The stat identity of a file, or "" when it changed too recently to be trusted."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    if max(st.st_mtime_ns, st.st_ctime_ns) > now_ns - RACY_NS:
        return ""
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class SiteIndex:
    """All posts of one site, with the lookups the site-wide rules need."""

    def __init__(self, root: str, posts: Mapping[str, SitePost], parsed: int = 0, reused: int = 0) -> None:
        self.root = root
        self._prefix = os.path.join(root, "")
        self.posts = dict(posts)
        self._uses_cache: dict[str, dict[str, list[tuple[SitePost, int]]]] = {}
        #: how the index was built: posts parsed, posts taken from the store
        self.parsed = parsed
        self.reused = reused

    def rel(self, path: str) -> str:
        from mdnorm.site import folder_of

        full = os.path.join(folder_of(path), os.path.basename(path))
        if full.startswith(self._prefix):
            return full[len(self._prefix) :].replace(os.sep, "/")
        return os.path.relpath(full, self.root).replace(os.sep, "/")

    @cached_property
    def _by_coarse(self) -> dict[str, list[SitePost]]:
        """Coarse URL key -> the posts that list a URL with it, earliest first."""
        out: dict[str, list[SitePost]] = {}
        for post in sorted(self.posts.values(), key=lambda p: p.order):
            for coarse in dict.fromkeys(e.coarse for e in post.facts.entries):
                out.setdefault(coarse, []).append(post)
        return out

    def listed_elsewhere(self, rel: str, coarse: str) -> bool:
        """False when no post but ``rel`` can list a URL with this ``urls.coarse_key``."""
        return any(p.rel != rel for p in self._by_coarse.get(coarse, ()))

    def _uses(self, coarse: str) -> dict[str, list[tuple[SitePost, int]]]:
        """Normalised URL key -> (post, line) of its first use in each post, earliest post first.

        Computed per coarse key on demand: only URLs that two posts may share are
        ever normalised (``urls.normalize`` parses the URL).
        """
        got = self._uses_cache.get(coarse)
        if got is None:
            got = {}
            for post in self._by_coarse.get(coarse, ()):
                seen: set[str] = set()
                for e in post.facts.entries:
                    if e.coarse != coarse:
                        continue
                    key = urls.normalize(e.url)
                    if key not in seen:
                        seen.add(key)
                        got.setdefault(key, []).append((post, e.line))
            self._uses_cache[coarse] = got
        return got

    def earlier_listing(self, rel: str, order: Order, key: str, coarse: str) -> tuple[SitePost, int] | None:
        """The earliest *other* post listing ``key`` (whose coarse key is ``coarse``), if before ``order``.

        The post at ``rel`` may be in the index with other content (the text being
        fixed, an editor's buffer): its own entries are never counted.
        """
        for post, line in self._uses(coarse).get(key, ()):
            if post.rel == rel:
                continue
            return (post, line) if post.order < order else None
        return None

    @cached_property
    def site_map(self) -> SiteMap | None:
        """URLs, files and anchors of the whole site (for the site link rules), built on first use."""
        from mdnorm.sitemap import SiteMap

        return SiteMap.build(self)

    @cached_property
    def categories(self) -> dict[str, Counter[str]]:
        """Category variants: normalised key -> how many posts use each spelling."""
        out: dict[str, Counter[str]] = {}
        for post in self.posts.values():
            cat = post.facts.category
            if cat is not None:
                out.setdefault(category_key(cat.value), Counter())[cat.value] += 1
        return out

    @cached_property
    def first_category_use(self) -> dict[str, Order]:
        out: dict[str, Order] = {}
        for post in self.posts.values():
            cat = post.facts.category
            if cat is not None and (cat.value not in out or post.order < out[cat.value]):
                out[cat.value] = post.order
        return out


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


def build(
    root: str, cfg: Config, store: Store | None = None, known: Mapping[str, PostFacts] | None = None
) -> SiteIndex:
    """Index every post under ``root``: facts from the store when the post is unchanged,
    else read off its parse (``known`` maps content hashes to facts this run already has).

    The store is updated (rows of changed, new and gone posts) but not committed:
    the caller commits once per run.
    """
    from mdnorm.document import DecodeError, Document

    known = known or {}
    rows = store.posts(root) if store is not None else {}
    posts: dict[str, SitePost] = {}
    parsed = reused = 0
    prefix = os.path.join(root, "")
    for path in post_files(root, cfg):
        rel = (path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, root)).replace(os.sep, "/")
        row = rows.get(rel)
        facts: PostFacts | None = None
        if row is not None and row.stamp:
            try:
                if row.stamp == stamp_of(os.stat(path)):
                    # the memo may have decoded these very facts already this run
                    facts = known.get(row.hash) or PostFacts.from_json(row.facts)
                    reused += 1
            except (OSError, TypeError, ValueError):
                facts = None
        if facts is None:
            got = _read(path)
            if got is None:
                continue  # gone or unreadable: it lists nothing (IO001 reports it when it is checked)
            data, stamp = got
            digest = content_hash(data)
            facts = known.get(digest)
            if facts is None and row is not None and row.hash == digest:
                try:
                    facts = PostFacts.from_json(row.facts)
                    reused += 1
                except (TypeError, ValueError):
                    facts = None
            if facts is None:
                try:
                    facts = facts_of(Document.from_bytes(rel, data))
                except DecodeError:
                    continue  # IO001 reports it; an unreadable post lists nothing
                parsed += 1
            if store is not None and (row is None or row.stamp != stamp or row.hash != digest):
                from mdnorm.store import PostRow

                store.put_post(root, PostRow(rel, stamp, digest, facts.to_json()))
        posts[rel] = SitePost(rel, order_of(rel), facts)
    if store is not None:
        for rel in rows.keys() - posts.keys():
            store.drop_post(root, rel)
    return SiteIndex(root, posts, parsed, reused)
