"""What the language server keeps loaded: configuration, site facts and results.

Nothing here knows the protocol.  A :class:`Project` answers "lint this text as
the post at this path" with the same functions ``mdnorm PATH`` uses
(:func:`mdnorm.linter.lint_document` for the per-file rules,
:func:`mdnorm.linter.lint_site` for the site-wide ones), and keeps each site's
post facts in memory so that an edit re-lints only the buffer and the posts whose
site-wide results it changes (a second post listing the same URL, one using a
variant of the same category).

Buffers overlay the facts read from disk: an unsaved edit counts for DL002 and
FM006 in every other post at once, and closing the buffer puts the disk's facts
back.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import NamedTuple

from mdnorm import config as config_mod
from mdnorm import site as site_mod
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic, by_position
from mdnorm.document import DecodeError, Document
from mdnorm.facts import PostFacts, facts_of
from mdnorm.jekyll.scope import page_of
from mdnorm.linkindex import SiteIndex, build
from mdnorm.linter import lint_document, lint_site
from mdnorm.online import OnlineFacts, load_facts
from mdnorm.rules import Context
from mdnorm.rules.site import category_key
from mdnorm.selection import codes_for


class Linted(NamedTuple):
    """One post's results: the document they were computed on and its facts."""

    doc: Document
    facts: PostFacts
    local: list[Diagnostic]  # per-file rules, suppressions applied
    site: list[Diagnostic]  # site-wide rules

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted([*self.local, *self.site], key=by_position)


class Site:
    """One Jekyll site: the index of its posts on disk (rows in the store), overlaid by what
    changed since it was built (open buffers, posts changed on disk)."""

    def __init__(self, root: str, base: Config, use_store: bool = True) -> None:
        from mdnorm.store import Store, StoreError

        self.root = root
        self.base = base
        store = Store.for_project(base) if use_store and base.cache else None
        if store is None:
            store = Store.temporary_store()
        try:
            self._base = build(root, base, store)
            store.commit()
        except StoreError:  # the cache is busy (a long run holds it) or broken: index on our own
            store.close()
            store = Store.temporary_store()
            self._base = build(root, base, store)
            store.commit()
        self._store = store
        #: posts changed on disk since the index was built (None: gone), and open buffers
        self.disk: dict[str, PostFacts | None] = {}
        self.buffers: dict[str, PostFacts] = {}
        self._index: SiteIndex | None = self._base

    def close(self) -> None:
        self._store.close()

    @property
    def index(self) -> SiteIndex:
        """The index of every post, buffers' facts in place of the disk's (made again after a change)."""
        if self._index is None:
            self._index = self._base.with_overrides({**self.disk, **self.buffers})
        return self._index

    def facts(self, rel: str) -> PostFacts | None:
        if rel in self.buffers:
            return self.buffers[rel]
        if rel in self.disk:
            return self.disk[rel]
        return self._base.facts(rel)

    def set_facts(self, rel: str, facts: PostFacts | None, buffer: bool = True) -> set[str]:
        """Record ``rel``'s new facts (None: the buffer closed or the file is gone).

        Returns the other posts whose site-wide results may have changed: those
        sharing a URL key or a category key with the old or the new facts.
        """
        old = self.facts(rel)
        if buffer:
            if facts is None:
                self.buffers.pop(rel, None)
            else:
                self.buffers[rel] = facts
        else:
            self.disk[rel] = facts
        new = self.facts(rel)
        if old == new:
            return set()
        self._index = None
        coarse = {e.coarse for f in (old, new) if f is not None for e in f.entries}
        cats = {category_key(f.category.value) for f in (old, new) if f is not None and f.category is not None}
        return self.index.users(coarse, cats) - {rel}

    def listings(self, key: str, coarse: str) -> list[tuple[str, int]]:
        """Every post listing the URL with normalised ``key``: (rel, 0-based line), earliest first."""
        from mdnorm import urls

        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        for rel, line, url, _ in self.index.listings(coarse):
            if rel not in seen and urls.normalize(url) == key:
                seen.add(rel)
                out.append((rel, line))
        return out


class Project:
    """Every site the editor touched, the configuration, and the online answers (read-only)."""

    def __init__(self, online: bool = False, use_store: bool = True) -> None:
        self.online_enabled = online
        self.use_store = use_store
        self._bases: dict[str, Config] = {}
        self._sites: dict[str, Site] = {}
        # the server loads a site off its event loop (a worker thread) while requests keep
        # coming in: a request for the same site waits for that load, it never builds a second
        # Site on the same store beside it
        self._loading = threading.RLock()
        self._online: dict[str, OnlineFacts] = {}

    # -- configuration and sites --------------------------------------------------
    def base_config(self, path: str) -> Config:
        """The configuration a run started in ``path``'s folder would load (cached per folder)."""
        folder = os.path.dirname(os.path.abspath(path))
        cfg = self._bases.get(folder)
        if cfg is None:
            cfg = self._bases[folder] = config_mod.load(None, folder)
        return cfg

    def site_for(self, path: str) -> Site | None:
        root = site_mod.find_root(site_mod.folder_of(path))
        if root is None:
            return None
        got = self._sites.get(root)
        if got is None:
            with self._loading:
                got = self._sites.get(root)
                if got is None:
                    got = self._sites[root] = Site(root, self.base_config(path), self.use_store)
        return got

    def has_site(self, path: str) -> bool:
        """True when ``path``'s site is loaded, or it belongs to none (nothing to wait for)."""
        root = site_mod.find_root(site_mod.folder_of(path))
        return root is None or root in self._sites

    def known_sites(self) -> list[Site]:
        return list(self._sites.values())

    def online_for(self, root: str) -> OnlineFacts | None:
        """The cached ``--online`` answers of a site when online lookups are enabled (never a request):
        by the client (``initializationOptions.online``) or the project (``online.editor = true``)."""
        if not self.online_enabled and not self.base_config(os.path.join(root, "_config.yml")).online_editor:
            return None
        got = self._online.get(root)
        if got is None:
            got = self._online[root] = load_facts(root, self.base_config(os.path.join(root, "_config.yml")))
        return got

    def cached_verdicts(self, root: str) -> OnlineFacts:
        """The cached answers whether or not online lookups are enabled: hover only reports them."""
        got = self._online.get(root)
        if got is None:
            got = self._online[root] = load_facts(root, self.base_config(os.path.join(root, "_config.yml")))
        return got

    def reload(self) -> None:
        """Forget every configuration, site and cached answer: the next lint reads them again."""
        self._bases.clear()
        with self._loading:  # a site being loaded meanwhile is loaded from the old configuration: drop it too
            for site in self._sites.values():
                site.close()
            self._sites.clear()
        self._online.clear()
        # the caches keyed by folder would keep the old nested configs, layouts, roots and a changed
        # _config.yml's defaults and excludes
        from mdnorm.caches import forget_caches

        forget_caches()

    # -- linting ------------------------------------------------------------------
    def context(self, path: str, site: Site | None) -> tuple[Context, frozenset[str]]:
        base = self.base_config(path)
        cfg = config_mod.for_path(base, path)
        codes = codes_for(cfg, path)
        online = self.online_for(site.root) if site is not None else None
        rel = site.index.rel(path) if site is not None else None
        index = site.index if site else None
        ctx = Context(cfg, site_mod.layouts_of(path, cfg), site=index, online=online, rel=rel, page=page_of(path))
        return ctx, codes

    def lint_text(self, path: str, text: str, buffer: bool = True, with_site: bool = True) -> tuple[Linted, set[str]]:
        """Lint ``text`` as the post at ``path``; returns the result and the other posts it affects.

        ``with_site=False`` while the site is still loading: the per-file results
        come at once, the site-wide ones when the site is there.
        """
        site = self.site_for(path) if with_site else None
        doc = Document(path, text)
        facts = facts_of(doc)
        affected: set[str] = set()
        if site is not None:
            affected = site.set_facts(site.index.rel(path), facts, buffer=buffer)
        ctx, codes = self.context(path, site)
        local = lint_document(doc, _without_site(ctx), codes)
        site_diags = lint_site(path, facts, ctx, codes) if site is not None else []
        return Linted(doc, facts, local, site_diags), affected

    def relint_site(self, path: str, linted: Linted) -> Linted:
        """``linted`` with its site-wide results computed again (another post changed)."""
        site = self.site_for(path)
        if site is None:
            return linted
        ctx, codes = self.context(path, site)
        return linted._replace(site=lint_site(path, linted.facts, ctx, codes))

    def lint_file(self, path: str) -> Linted | None:
        """Lint the post on disk at ``path`` (None when it cannot be read as text)."""
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            doc = Document.from_bytes(path, data)
        except (OSError, DecodeError):
            return None
        return self.lint_text(path, doc.text, buffer=False)[0]

    def reread(self, path: str) -> set[str]:
        """The post at ``path`` changed on disk (or is gone): its facts read again; the posts affected."""
        if not self.has_site(path):
            return set()
        site = self.site_for(path)
        if site is None:
            return set()
        facts = None
        try:
            with open(path, "rb") as fh:
                facts = facts_of(Document.from_bytes(path, fh.read()))
        except (OSError, DecodeError):
            pass
        return site.set_facts(site.index.rel(path), facts, buffer=False)

    def close_buffer(self, path: str) -> set[str]:
        """The buffer of ``path`` is closed: the disk's facts count again."""
        site = self.site_for(path)
        if site is None:
            return set()
        return site.set_facts(site.index.rel(path), None)

    def post_paths(self, site: Site) -> Iterable[str]:
        return (os.path.join(site.root, rel) for rel in site.index.rels())


def _without_site(ctx: Context) -> Context:
    """``ctx`` for the per-file rules only: the site-wide ones run on the facts, apart."""
    import dataclasses

    return dataclasses.replace(ctx, site=None, rel=None)
