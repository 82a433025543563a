"""One run over many files: read, lint or fix, and collect results.

The runner turns paths into :class:`FileResult` records.  It never prints; the
CLI hands results to a reporter.  A file that cannot be read becomes an IO001
diagnostic and an internal error in one file becomes a result with ``error``
set: either way the run goes on with the other files.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from mdnorm import config as config_mod
from mdnorm import site
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import DecodeError, Document
from mdnorm.facts import PostFacts, facts_of
from mdnorm.jekyll.scope import page_of
from mdnorm.linkindex import content_hash
from mdnorm.resultcache import Answer, Entry, ResultCache, evaluate
from mdnorm.rules import Context

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from mdnorm.linkindex import SiteIndex
    from mdnorm.online import OnlineFacts
    from mdnorm.store import Store


class Mode(enum.Enum):
    LINT = "lint"
    FIX = "fix"
    DIFF = "diff"
    CHECK = "check"


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    old_text: str | None = None
    new_text: str | None = None
    written: bool = False
    error: str | None = None
    details: str | None = None
    passes: int = 0
    #: the post's site facts and content hash, when it was linted for the site-wide rules
    facts: PostFacts | None = None
    digest: str | None = None
    #: the memo entry made from the bytes that were linted (lint mode only)
    entry: Entry | None = None

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text


class MemoKeys(NamedTuple):
    """What a process needs to make memo entries (the store itself stays in the parent)."""

    secret: bytes
    code: str


def read_source(path: str, cfg: Config, stdin: bytes | None = None) -> bytes | str:
    """The file's bytes, or an IO001 message."""
    if path == "-" or stdin is not None:
        return stdin if stdin is not None else sys.stdin.buffer.read()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "dangling symlink: its target does not exist"
        return "file disappeared before it could be read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: following the link leads back to it"
        return f"cannot read: {exc.strerror}"
    if os.path.isdir(path):
        return "is a directory, not a file"
    if cfg.max_file_size and st.st_size > cfg.max_file_size:
        return f"file is {st.st_size:,} bytes, over the max-file-size limit of {cfg.max_file_size:,}; skipped"
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return "file disappeared before it could be read"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"


def _traceback() -> str:
    import traceback  # only when something went wrong: it costs ~6 ms at start-up

    return traceback.format_exc()


def _inputs(cfg: Config, codes: frozenset[str], layouts: frozenset[str] | None, facts: bool, page: str = "") -> str:
    """Everything besides the bytes and the code that a file's per-file lint depends on."""
    return repr((cfg.fingerprint(), sorted(codes), sorted(layouts) if layouts is not None else None, facts, page))


def _needs_fixing(diagnostics: list[Diagnostic], unsafe: bool) -> bool:
    return any(d.fix is not None and (unsafe or d.fix.applicability == "safe") for d in diagnostics)


class SiteRef(NamedTuple):
    """The site a file belongs to, for the site-wide rules."""

    site_index: SiteIndex | None  # None until built (lint mode builds it after the files are read)
    root: str
    rel: str


def process_file(
    path: str,
    base: Config,
    mode: Mode = Mode.LINT,
    unsafe: bool = False,
    stdin: bytes | None = None,
    display: str | None = None,
    keys: MemoKeys | None = None,
    site_ref: SiteRef | None = None,
    online: OnlineFacts | None = None,
) -> FileResult:
    """Lint (and in fix modes, fix) one file.  Never raises for a file's content.

    In lint mode the site-wide rules are left out (the runner adds them once
    every post's facts are known) and, with ``keys``, the result carries the memo
    entry made from the very bytes it linted.  In fix modes ``site_ref`` carries
    the site index, so the site-wide rules take part in the fix.
    """
    from mdnorm.linter import lint_document
    from mdnorm.rules import Context
    from mdnorm.selection import codes_for

    shown = display or path
    result = FileResult(shown)
    try:
        cfg = config_mod.for_path(base, path) if path != "-" else base
        codes = codes_for(cfg, display or path)
        data = read_source(path, cfg, stdin)
        if isinstance(data, str):
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", data)]
            return result
        layouts, page = site.layouts_of(path, cfg), page_of(path)
        if mode is Mode.LINT:
            want_facts = site_ref is not None

            def lint(data: bytes) -> Answer:
                try:
                    doc = Document.from_bytes(shown, data)
                except DecodeError as exc:
                    io = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")] if "IO001" in codes else []
                    return Answer(io, None)
                diags = lint_document(doc, Context(cfg, layouts, online=online, page=page), codes)
                return Answer(diags, facts_of(doc) if want_facts else None)

            if keys is not None:
                inputs = _inputs(cfg, codes, layouts, want_facts, page.key() if page else "")
                answer, result.entry = evaluate(keys.secret, keys.code, shown, data, inputs, lint)
            else:
                answer = lint(data)
            result.diagnostics, result.facts = answer.diagnostics, answer.facts
            result.digest = content_hash(data) if answer.facts is not None else None
            return result
        try:
            doc = Document.from_bytes(shown, data)
        except DecodeError as exc:
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")]
            return result
        index = site_ref.site_index if site_ref is not None else None
        rel = site_ref.rel if site_ref is not None and index is not None else None
        ctx = Context(cfg, layouts, site=index, online=online, rel=rel, page=page)
        from mdnorm.fixer import FixError, fix_document

        try:
            fixed = fix_document(doc, ctx, codes, unsafe=unsafe)
        except FixError as exc:
            result.error = str(exc)
            result.diagnostics = lint_document(doc, ctx, codes)
            return result
        result.old_text = doc.text
        result.new_text = fixed.text
        result.applied = fixed.applied
        result.passes = fixed.passes
        result.diagnostics = fixed.remaining
        if mode is Mode.FIX and result.changed and path != "-":
            from mdnorm.writer import NotFixed, write_atomic

            try:
                new_data = fixed.text.encode("utf-8")
                # expected: refused if an editor saved the file since it was read; root: no symlink out of it
                write_atomic(path, new_data, expected=data, root=base.root)
                result.written = True
            except OSError as exc:  # not a bug in mdnorm: IO001, like a file it cannot read
                why = f"not fixed: {exc}" if isinstance(exc, NotFixed) else f"cannot write: {exc.strerror or exc}"
                io001 = Diagnostic(shown, 1, 1, "IO001", f"{why}; left unchanged")
                result.diagnostics = [io001, *lint_document(doc, ctx, codes)]
                result.applied = Counter()
        return result
    except KeyboardInterrupt:
        raise
    except RecursionError:
        result.error = "internal error: input nested too deeply; please report this as a bug"
        result.details = _traceback()
        return result
    except Exception as exc:
        result.error = f"internal error ({type(exc).__name__}: {exc}); please report this as a bug"
        result.details = _traceback()
        return result


#: Below this many files to parse, a process pool costs more than it saves.
PARALLEL_MIN_FILES = 64


_Args = tuple[str, Config, Mode, bool, "MemoKeys | None", "SiteRef | None", "str | None"]
#: In a pool worker: the site indexes and online answers of the run, handed over by
#: the pool's initializer (inherited through fork, never pickled).
_SHARED: dict[str, dict[str, Any]] = {"sites": {}, "online": {}}


def _worker(args: _Args) -> FileResult:
    path, cfg, mode, unsafe, keys, ref, online_root = args
    if ref is not None and ref.site_index is None and mode is not Mode.LINT:
        ref = ref._replace(site_index=_SHARED["sites"].get(ref.root))
    online = _SHARED["online"].get(online_root) if online_root else None
    return process_file(path, cfg, mode, unsafe, keys=keys, site_ref=ref, online=online)


def _worker_init(parent: int, sites: dict[str, SiteIndex], online: dict[str, OnlineFacts]) -> None:
    """Take the run's shared facts; leave SIGINT and SIGHUP to the parent, keep SIGTERM's
    default, and die with the parent.

    A terminal sends SIGINT (and SIGHUP when it closes) to every process of the
    group; workers that raised KeyboardInterrupt printed a traceback each, and
    the parent stops the pool anyway.  SIGTERM keeps (is given back, as the
    parent's handlers are inherited through fork) its default action: the
    parent stops workers with it, and a Python-level handler cannot run while a
    worker waits on the task queue's lock, so the parent's join would hang.  A
    worker in the middle of a write holds it until the write is done (see
    ``writer.uninterrupted``), so it never leaves a temporary file.  The pool is
    started with these signals blocked; they are unblocked here, once set.
    """
    import signal

    from mdnorm import writer

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SHARED["sites"] = sites
    _SHARED["online"] = online
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, writer.SIGNALS)


def _die_with_parent(parent: int, use_prctl: bool = True) -> None:
    """SIGTERM this process when ``parent`` dies, however it dies (SIGKILL included).

    An orphaned worker would go on fixing the files of its queue and then wait
    for work forever.  On Linux the kernel does it (``PR_SET_PDEATHSIG``; it
    fires when the thread that forked us ends, and the pool is started from the
    main thread).  Elsewhere, or if that fails, a thread polls the parent's pid
    twice a second.  SIGTERM, not SIGKILL, so that a write under way is finished.
    """
    import signal

    armed = False
    if use_prctl and sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            armed = ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), name="mdnorm-watch-parent", daemon=True).start()
    if os.getppid() != parent:  # it died before we were armed
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_parent(parent: int) -> None:
    import signal
    import time

    from mdnorm import writer

    if hasattr(signal, "pthread_sigmask"):  # the signal must reach the main thread, which holds it during a write
        signal.pthread_sigmask(signal.SIG_BLOCK, writer.SIGNALS)
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


class Terminated(BaseException):
    """SIGTERM or SIGHUP ended the run (SIGINT raises KeyboardInterrupt); the exit code is 128 + signum.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    turns it into a per-file error and the run goes on.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT raises KeyboardInterrupt and SIGTERM, SIGHUP raise :class:`Terminated`.

    SIGTERM's default would end the parent at once and orphan the pool's
    workers; as an exception it unwinds the run like Ctrl-C: the pool is
    stopped and joined, and every file is old or new (a write under way is
    finished first: :func:`mdnorm.writer.hold`).  A signal the run was started
    with ignored (``nohup``, a background job) stays ignored.
    """
    import signal

    from mdnorm import writer

    def handler(signum: int, frame: object) -> None:
        if writer.hold(signum):
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    previous: dict[signal.Signals, Any] = {}
    try:
        for sig in writer.SIGNALS:
            old = signal.getsignal(sig)
            if old != signal.SIG_IGN:
                signal.signal(sig, handler)
                previous[sig] = old if old is not None else signal.SIG_DFL
    except ValueError:  # not the main thread: handlers cannot be set, leave the defaults
        pass
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


def _jobs(requested: int | None, todo: int) -> int:
    if requested is not None and requested > 0:
        return min(requested, todo) or 1
    if todo < PARALLEL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, todo // (PARALLEL_MIN_FILES // 2)))


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
    online: bool = False,
) -> list[FileResult]:
    """Process ``files``; results come back in the order of ``files``.

    Files the memo answers are done first, in this process; the rest are spread
    over a process pool when there are enough of them (``jobs``: None = by CPU
    count, 1 = serial).  In lint mode the site-wide rules run last, once the
    site index knows every post (the facts of the files just linted included);
    in fix modes the index is built first, as the fixes consult it.  What the
    run learnt is written to the store once, at the end.
    """
    from mdnorm.linkindex import build
    from mdnorm.linter import lint_site

    store = _open_store(cfg) if use_cache and cfg.cache else None
    memo: ResultCache | None = None
    keys: MemoKeys | None = None
    if store is not None:
        from mdnorm.project import code_digest, secret

        key_secret = secret()
        if key_secret is not None:
            keys = MemoKeys(key_secret, code_digest())
            memo = ResultCache(store, keys.secret, keys.code)
    try:
        plans = [_plan(path, cfg) for path in files]
        indexes: dict[str, SiteIndex] = {}
        online_facts: dict[str, OnlineFacts] = {}
        if online:
            from mdnorm.online import facts_for

            for p in plans:
                if p.online_root is not None and p.online_root not in online_facts:
                    online_facts[p.online_root] = facts_for(p.online_root)
        if mode is not Mode.LINT:
            for p in plans:
                if p.ref is not None and p.ref.root not in indexes:
                    indexes[p.ref.root] = build(p.ref.root, cfg, store)
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

        def args(i: int) -> _Args:
            p = plans[i]
            ref = p.ref._replace(site_index=None) if p.ref is not None else None
            return (files[i], cfg, mode, unsafe, keys, ref, p.online_root)

        n = _jobs(jobs, len(todo))
        if n > 1 and "fork" in _mp_methods():
            todo = _run_pool(n, files, todo, results, [args(i) for i in todo], indexes, online_facts, on_done)
        for i in todo:
            p = plans[i]
            ref = p.ref._replace(site_index=indexes.get(p.ref.root)) if p.ref is not None else None
            online_answers = online_facts.get(p.online_root) if p.online_root else None
            results[i] = process_file(files[i], cfg, mode, unsafe, keys=keys, site_ref=ref, online=online_answers)
            if on_done is not None:
                on_done(files[i])
        done = [r for r in results if r is not None]
        if memo is not None:
            for r in done:
                if r.entry is not None:
                    memo.add(r.entry)
        if mode is Mode.LINT:
            for root in dict.fromkeys(p.ref.root for p in plans if p.ref is not None):
                known = {r.digest: r.facts for r in done if r.digest is not None and r.facts is not None}
                indexes[root] = build(root, cfg, store, known)
            for got, p in zip(results, plans, strict=True):
                if got is None or p.ref is None or got.facts is None:
                    continue
                ctx = Context(p.cfg, site=indexes[p.ref.root], rel=p.ref.rel)
                site_diags = lint_site(got.path, got.facts, ctx, p.codes)
                if site_diags:
                    got.diagnostics = sorted([*got.diagnostics, *site_diags], key=lambda d: d.sort_key)
        if store is not None:
            store.commit()
        return done
    finally:
        if store is not None:
            store.close()


class _Plan(NamedTuple):
    """What a run knows of a file before reading it."""

    cfg: Config
    codes: frozenset[str]
    ref: SiteRef | None  # set when a selected site-wide rule applies and the file is in a site
    online_root: str | None


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
        inputs = _inputs(p.cfg, p.codes, site.layouts_of(path, p.cfg), p.ref is not None, page.key() if page else "")
        answer = memo.lookup(path, data, inputs)
    except Exception:  # process_file will report it properly
        return None
    if answer is None or (p.ref is not None and answer.facts is None):
        return None
    result = FileResult(path, list(answer.diagnostics), facts=answer.facts)
    if answer.facts is not None:
        result.digest = content_hash(data)
    if mode is Mode.LINT:
        return result
    if online and p.online_root in online:
        return None  # --online answers may change what is fixable: always process
    if p.ref is not None and answer.facts is not None:
        ctx = Context(p.cfg, site=indexes.get(p.ref.root), rel=p.ref.rel)
        site_diags = lint_site(path, answer.facts, ctx, p.codes)
        result.diagnostics = sorted([*result.diagnostics, *site_diags], key=lambda d: d.sort_key)
    return None if _needs_fixing(result.diagnostics, unsafe) else result


def _open_store(cfg: Config) -> Store | None:
    from mdnorm.project import cache_folder, code_digest
    from mdnorm.store import Store

    return Store.open(cache_folder(cfg.root, cfg.cache_dir), code_digest())


def _run_pool(
    n: int,
    files: list[str],
    todo: list[int],
    results: list[FileResult | None],
    args: list[_Args],
    sites: dict[str, SiteIndex],
    online: dict[str, OnlineFacts],
    on_done: Callable[[str], None] | None,
) -> list[int]:
    """Process ``todo`` in ``n`` forked workers; return the indexes left undone.

    The site indexes are built before, so the workers inherit them instead of
    each building its own.  A worker that dies (killed, out of memory) breaks
    the pool instead of hanging it; what it left undone is returned, for this
    process to finish.  On a signal (:func:`stop_on_signals`) the queued work is
    cancelled and the workers are stopped: the files being written are finished
    first, and no temporary file is left.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from mdnorm import writer

    done: set[int] = set()
    ctx = multiprocessing.get_context("fork")
    ex = ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(), sites, online))
    try:
        with writer.uninterrupted():  # workers (and the pool's threads) start with the signals blocked
            mapped = ex.map(_worker, args, chunksize=8)
        for i, r in zip(todo, mapped, strict=True):
            results[i] = r
            done.add(i)
            if on_done is not None:
                on_done(files[i])
    except BrokenProcessPool:
        pass
    except BaseException:
        _stop_pool(ex)
        raise
    ex.shutdown(wait=True)
    return [i for i in todo if i not in done]


def _stop_pool(ex: ProcessPoolExecutor) -> None:
    """Stop the workers now (SIGTERM; one in the middle of a write finishes it first) and join them.

    Letting them finish their chunk of files instead could take minutes on a
    big post, longer than a service manager waits after SIGTERM.  The pool then
    sees its workers gone, fails what was pending, and joins them; signals that
    arrive meanwhile wait until that is done.  ``_processes`` is private, but
    present in every Python this runs on (3.14 adds ``terminate_workers()``).
    """
    from mdnorm import writer

    with writer.uninterrupted():
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError):
                proc.terminate()
        ex.shutdown(wait=True, cancel_futures=True)


def _mp_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()
