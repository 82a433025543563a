"""One run over many files: read, lint or fix, and collect results.

The runner turns paths into :class:`~mdnorm.process.FileResult` records (one
file's work is :func:`~mdnorm.process.process_file`), answering what it can from
the memo, spreading the rest over a pool (:mod:`mdnorm.pool`), and running the
site-wide rules once the site index knows every post.  It never prints; the CLI
hands results to a reporter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from mdnorm import config as config_mod
from mdnorm import site
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic, by_position
from mdnorm.jekyll.scope import page_of
from mdnorm.linkindex import content_hash
from mdnorm.pool import WorkerArgs, jobs_for, mp_methods, run_pool
from mdnorm.process import FileResult, MemoKeys, Mode, SiteRef, inputs_of, needs_fixing, process_file, read_source
from mdnorm.resultcache import Entry, ResultCache
from mdnorm.rules import Context
from mdnorm.signals import Terminated, stop_on_signals

__all__ = ["FileResult", "Mode", "Terminated", "process_file", "run_files", "stop_on_signals"]

if TYPE_CHECKING:
    from mdnorm.linkindex import SiteIndex
    from mdnorm.online import OnlineFacts
    from mdnorm.store import Store


def run_files(
    files: list[str],
    cfg: Config,
    mode: Mode = Mode.LINT,
    unsafe: bool = False,
    *,
    stdin_data: bytes | None = None,
    stdin_name: str | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    on_done: Callable[[str], None] | None = None,
    online: Mapping[str, OnlineFacts] | None = None,
    site_stamps: Mapping[str, str | None] | None = None,
) -> list[FileResult]:
    """Process ``files``; results come back in the order of ``files``.

    Files the memo answers are done first, in this process; the rest are spread
    over a process pool when there are enough of them (``jobs``: None = by CPU
    count, 1 = serial).  In lint mode the site-wide rules run last, once the
    site index knows every post (the facts of the files just linted included);
    in fix modes the index is built first, as the fixes consult it.  What the
    run learnt is committed to the store once, at the end.  When the store fails
    under a lint run, the run starts again without it (a cache costs time, never
    answers).  ``site_stamps``: the stamp of a site's files taken before the run
    began (see :func:`_site_phase`; None: a file changed too recently), when the caller has one.
    """
    from mdnorm.store import StoreError

    stamps = dict(site_stamps or {})
    try:
        return _run(files, cfg, mode, unsafe, stdin_data, stdin_name, use_cache, jobs, on_done, online, stamps)
    except StoreError:
        if not use_cache or mode is not Mode.LINT or (stdin_data is None and "-" in files):
            raise
        return _run(files, cfg, mode, unsafe, stdin_data, stdin_name, False, jobs, on_done, online, stamps)


def _run(
    files: list[str],
    cfg: Config,
    mode: Mode,
    unsafe: bool,
    stdin_data: bytes | None,
    stdin_name: str | None,
    use_cache: bool,
    jobs: int | None,
    on_done: Callable[[str], None] | None,
    online: Mapping[str, OnlineFacts] | None,
    stamps: dict[str, str | None],
) -> list[FileResult]:
    from mdnorm.linkindex import build
    from mdnorm.store import Store

    store = Store.for_project(cfg) if use_cache and cfg.cache else None
    memo: ResultCache | None = None
    keys: MemoKeys | None = None
    if store is not None:
        from mdnorm.project import code_digest, secret

        key_secret = secret()
        if key_secret is not None:
            keys = MemoKeys(key_secret, code_digest())
            memo = ResultCache(store, keys.secret, keys.code)
    sites: list[Store] = []  # the store the site indexes live in: the cache's, else a temporary one

    def site_store() -> Store:
        if not sites:
            sites.append(store if store is not None else Store.temporary_store())
        return sites[0]

    try:
        plans = [_plan(path, cfg) for path in files]
        indexes: dict[str, SiteIndex] = {}
        online_facts: dict[str, OnlineFacts] = dict(online or {})  # --online: the answers, by site root
        if mode is not Mode.LINT:
            for p in plans:
                if p.ref is not None and p.ref.root not in indexes:
                    indexes[p.ref.root] = build(p.ref.root, cfg, site_store())
            if indexes:
                site_store().commit()  # pool workers read the index through connections of their own

        def settle(r: FileResult) -> None:
            """Keep what a finished file taught the run, in the store: never a whole site in memory."""
            if memo is not None and r.entry is not None:
                memo.add(r.entry)
                r.entry = None
            if r.facts is not None and r.digest is not None:
                site_store().put_facts(r.digest, r.facts.to_json())
                r.facts = None

        results: list[FileResult | None] = [None] * len(files)
        todo: list[int] = []
        for i, (path, p) in enumerate(zip(files, plans, strict=True)):
            if path == "-":
                data = stdin_data if stdin_data is not None else sys.stdin.buffer.read()
                stdin_cfg = config_mod.for_path(cfg, stdin_name) if stdin_name else cfg
                results[i] = process_file(path, stdin_cfg, mode, unsafe, data, stdin_name or "-")
            else:
                hit = _answered(path, p, mode, unsafe, memo, indexes, online_facts) if memo is not None else None
                if hit is None:
                    todo.append(i)
                    continue
                results[i] = hit
            if on_done is not None:
                on_done(path)

        def args(i: int) -> WorkerArgs:
            p = plans[i]
            ref = p.ref._replace(site_index=None) if p.ref is not None else None
            return (files[i], cfg, mode, unsafe, keys, ref, p.online_root)

        n = jobs_for(jobs, len(todo))
        if n > 1 and "fork" in mp_methods():
            todo = run_pool(n, files, todo, results, [args(i) for i in todo], indexes, online_facts, on_done, settle)
        for i in todo:
            p = plans[i]
            ref = p.ref._replace(site_index=indexes.get(p.ref.root)) if p.ref is not None else None
            online_answers = online_facts.get(p.online_root) if p.online_root else None
            one = process_file(files[i], cfg, mode, unsafe, keys=keys, site_ref=ref, online=online_answers)
            settle(one)
            results[i] = one
            if on_done is not None:
                on_done(files[i])
        done = [r for r in results if r is not None]
        if mode is Mode.LINT:
            _site_phase(results, plans, cfg, site_store, memo, stamps)
        if store is not None:
            store.commit()
        return done
    finally:
        for s in {id(s): s for s in (store, *sites) if s is not None}.values():
            s.close()


def _site_phase(
    results: list[FileResult | None],
    plans: list[_Plan],
    cfg: Config,
    site_store: Callable[[], Store],
    memo: ResultCache | None,
    stamps: dict[str, str | None],
) -> None:
    """Add the site-wide diagnostics to each result of a lint run, site by site.

    With the memo, a post's site-wide diagnostics are remembered under its
    content hash, its inputs and the stamp of every file of its site
    (:func:`mdnorm.sitestate.tree_stamp`), taken before the index is brought up
    to date and again after: a run over a site in which nothing changed builds
    no site model, and a site that changed meanwhile remembers nothing.
    """
    import time

    from mdnorm.linkindex import build
    from mdnorm.resultcache import evaluate_site
    from mdnorm.sitestate import tree_stamp

    for root in dict.fromkeys(p.ref.root for p in plans if p.ref is not None):
        stamp = (stamps[root] if root in stamps else tree_stamp(root)) if memo is not None else None
        index = build(root, cfg, site_store())
        index.memo = memo
        now = time.time()
        made: list[Entry] = []
        for got, p in zip(results, plans, strict=True):
            if got is None or p.ref is None or p.ref.root != root or got.digest is None:
                continue
            lint = _site_lint(got.path, got.digest, index, Context(p.cfg, site=index, rel=p.ref.rel), p.codes)
            if memo is not None and stamp is not None:
                key = memo.site_key(stamp, p.inputs, p.ref.rel, got.digest)
                found = memo.lookup_site(got.path, key, now)
                if found is None:
                    site_diags, got.until, entry = evaluate_site(key, lint)
                    if entry is not None:
                        made.append(entry)
                else:
                    site_diags, got.until = found
            else:
                site_diags, got.until = lint()
            if site_diags:
                got.diagnostics = sorted([*got.diagnostics, *site_diags], key=by_position)
        if memo is not None and made and stamp is not None and tree_stamp(root) == stamp:
            for entry in made:
                memo.add_site(entry, root, "post", stamp)


SiteAnswer = tuple[list[Diagnostic], float | None]


def _site_lint(
    path: str, digest: str, index: SiteIndex, ctx: Context, codes: frozenset[str]
) -> Callable[[], SiteAnswer]:
    """The site-wide lint of the post with content ``digest``: its diagnostics, and until when they hold."""
    from mdnorm.linter import lint_site

    def lint() -> SiteAnswer:
        facts = index.facts_by_hash(digest)
        return (lint_site(path, facts, ctx, codes) if facts is not None else []), index.valid_until()

    return lint


class _Plan(NamedTuple):
    """What a run knows of a file before reading it."""

    cfg: Config
    codes: frozenset[str]
    ref: SiteRef | None  # set when a selected site-wide rule applies and the file is in a site
    online_root: str | None

    @property
    def inputs(self) -> str:
        """Everything besides the site and the post's facts that its site-wide diagnostics depend on."""
        return repr((self.cfg.fingerprint(), sorted(self.codes)))


def _plan(path: str, base: Config) -> _Plan:
    from mdnorm.rules import site_codes
    from mdnorm.selection import codes_for

    if path == "-":
        return _Plan(base, frozenset(), None, None)
    cfg = config_mod.for_path(base, path)
    codes = codes_for(cfg, path)
    root = site.find_root(site.folder_of(path))
    ref = None
    if root is not None and site_codes(codes):
        full = os.path.join(site.folder_of(path), os.path.basename(path))
        ref = SiteRef(None, root, os.path.relpath(full, root).replace(os.sep, "/"))
    return _Plan(cfg, codes, ref, root)


def _answered(
    path: str,
    p: _Plan,
    mode: Mode,
    unsafe: bool,
    memo: ResultCache,
    indexes: dict[str, SiteIndex],
    online: dict[str, OnlineFacts],
) -> FileResult | None:
    """The memo's answer for ``path``, or None when the file must be processed.

    Reads and hashes the file but never parses it.  In fix modes an answer only
    counts when nothing in it is fixable (the file would not change); the
    site-wide rules are evaluated here on the remembered facts.
    """
    from mdnorm.linter import lint_site

    try:
        data = read_source(path, p.cfg)
        if isinstance(data, str):
            return None
        page = page_of(path)
        inputs = inputs_of(p.cfg, p.codes, site.layouts_of(path, p.cfg), p.ref is not None, page.key() if page else "")
        answer = memo.lookup(path, data, inputs)
    except Exception:  # process_file will report it properly
        return None
    if answer is None:
        return None
    result = FileResult(path, list(answer.diagnostics))
    if p.ref is not None:
        if not answer.has_facts:
            return None
        result.digest = content_hash(data)
        if not memo.has_facts(result.digest):
            return None  # the facts of these bytes are gone from the store: lint it again
    if mode is Mode.LINT:
        return result
    if online and p.online_root in online:
        return None  # --online answers may change what is fixable: always process
    if p.ref is not None and result.digest is not None:
        index = indexes.get(p.ref.root)
        facts = index.facts_by_hash(result.digest) if index is not None else None
        if facts is None:
            return None
        ctx = Context(p.cfg, site=index, rel=p.ref.rel)
        site_diags = lint_site(path, facts, ctx, p.codes)
        result.diagnostics = sorted([*result.diagnostics, *site_diags], key=by_position)
    return None if needs_fixing(result.diagnostics, unsafe) else result
