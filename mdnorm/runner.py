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
from typing import TYPE_CHECKING, Any

from mdnorm import config as config_mod
from mdnorm import site
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import DecodeError, Document

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from mdnorm.linkindex import SiteIndex
    from mdnorm.resultcache import ResultCache


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
    #: key under which ``diagnostics`` may be cached (None: not cacheable, or came from the cache)
    cache_key: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text


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


def _layouts(path: str, cfg: Config) -> frozenset[str] | None:
    if cfg.fm_layouts is not None:
        return frozenset(cfg.fm_layouts)
    return site.layouts_for(site.folder_of(path) if path != "-" else os.getcwd())


def _traceback() -> str:
    import traceback  # only when something went wrong: it costs ~6 ms at start-up

    return traceback.format_exc()


def _cache_key(path: str, shown: str, data: bytes, cfg: Config, codes: frozenset[str]) -> str:
    from mdnorm.resultcache import file_key

    layouts = _layouts(path, cfg)
    extra = repr((sorted(codes), sorted(layouts) if layouts is not None else None))
    index = _site(path, cfg, codes)
    if index is not None:  # DL002/FM006 results also depend on the other posts
        extra += index.site_key(path)
    return file_key(shown, data, cfg.fingerprint(), extra)


def _site(path: str, cfg: Config, codes: frozenset[str]) -> SiteIndex | None:
    from mdnorm.linkindex import site_for

    return site_for(path, cfg, codes)


def _needs_fixing(diagnostics: list[Diagnostic], unsafe: bool) -> bool:
    return any(d.fix is not None and (unsafe or d.fix.applicability == "safe") for d in diagnostics)


def cached_result(path: str, base: Config, mode: Mode, unsafe: bool, cache: ResultCache) -> FileResult | None:
    """The cache's answer for ``path``, or None when the file must be processed.

    Reads and hashes the file but never parses it.  In fix modes an entry only
    answers when nothing in it is fixable (the file would not change).
    """
    from mdnorm.lint import codes_for

    try:
        cfg = config_mod.for_path(base, path)
        codes = codes_for(cfg, path)
        data = read_source(path, cfg)
    except Exception:  # process_file will report it properly
        return None
    if isinstance(data, str):
        return None
    hit = cache.get(_cache_key(path, path, data, cfg, codes), path)
    if hit is None or (mode is not Mode.LINT and _needs_fixing(hit, unsafe)):
        return None
    return FileResult(path, hit)


def process_file(
    path: str,
    base: Config,
    mode: Mode = Mode.LINT,
    unsafe: bool = False,
    stdin: bytes | None = None,
    display: str | None = None,
) -> FileResult:
    """Lint (and in fix modes, fix) one file.  Never raises for a file's content.

    ``cache_key`` is set on the result when its diagnostics may be cached.
    """
    from mdnorm.lint import codes_for, lint_document
    from mdnorm.rules import Context

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
        result.cache_key = _cache_key(path, shown, data, cfg, codes)
        try:
            doc = Document.from_bytes(shown, data)
        except DecodeError as exc:
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")]
            return result
        ctx = Context(cfg, _layouts(path, cfg), site=_site(path, cfg, codes))
        if mode is Mode.LINT:
            result.diagnostics = lint_document(doc, ctx, codes)
            return result
        from mdnorm.fix import FixError, fix_document

        try:
            fixed = fix_document(doc, ctx, codes, unsafe=unsafe)
        except FixError as exc:
            result.cache_key = None
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
                result.cache_key = _cache_key(path, shown, new_data, cfg, codes)
            except OSError as exc:  # not a bug in mdnorm: IO001, like a file it cannot read
                result.cache_key = None
                why = f"not fixed: {exc}" if isinstance(exc, NotFixed) else f"cannot write: {exc.strerror or exc}"
                io001 = Diagnostic(shown, 1, 1, "IO001", f"{why}; left unchanged")
                result.diagnostics = [io001, *lint_document(doc, ctx, codes)]
                result.applied = Counter()
        return result
    except KeyboardInterrupt:
        raise
    except RecursionError:
        result.cache_key = None
        result.error = "internal error: input nested too deeply; please report this as a bug"
        result.details = _traceback()
        return result
    except Exception as exc:
        result.cache_key = None
        result.error = f"internal error ({type(exc).__name__}: {exc}); please report this as a bug"
        result.details = _traceback()
        return result


#: Below this many files to parse, a process pool costs more than it saves.
PARALLEL_MIN_FILES = 64


def _worker(args: tuple[str, Config, Mode, bool]) -> FileResult:
    path, cfg, mode, unsafe = args
    return process_file(path, cfg, mode, unsafe)


def _worker_init(parent: int) -> None:
    """Leave SIGINT and SIGHUP to the parent, keep SIGTERM's default, and die with the parent.

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
) -> list[FileResult]:
    """Process ``files``; results come back in the order of ``files``.

    Files the cache answers are done first, in this process; the rest are spread
    over a process pool when there are enough of them (``jobs``: None = by CPU
    count, 1 = serial).  The cache is saved once, at the end.
    """
    cache = None
    if use_cache and cfg.cache:
        from mdnorm.resultcache import ResultCache

        cache = ResultCache(cfg.root)
    results: list[FileResult | None] = [None] * len(files)
    todo: list[int] = []
    for i, path in enumerate(files):
        if path == "-":
            data = stdin_data if stdin_data is not None else sys.stdin.buffer.read()
            results[i] = process_file(path, cfg, mode, unsafe, data, stdin_name or "-")
        elif cache is not None:
            r = cached_result(path, cfg, mode, unsafe, cache)
            if r is None:
                todo.append(i)
                continue
            results[i] = r
        else:
            todo.append(i)
            continue
        if on_done is not None:
            on_done(path)
    n = _jobs(jobs, len(todo))
    if n > 1 and "fork" in _mp_methods():
        todo = _run_pool(n, files, todo, results, cfg, mode, unsafe, on_done)
    for i in todo:
        results[i] = process_file(files[i], cfg, mode, unsafe)
        if on_done is not None:
            on_done(files[i])
    done = [r for r in results if r is not None]
    if cache is not None:
        for r in done:
            if r.cache_key is not None and r.error is None:
                cache.put(r.cache_key, r.diagnostics)
        cache.save()
    return done


def _run_pool(
    n: int,
    files: list[str],
    todo: list[int],
    results: list[FileResult | None],
    cfg: Config,
    mode: Mode,
    unsafe: bool,
    on_done: Callable[[str], None] | None,
) -> list[int]:
    """Process ``todo`` in ``n`` forked workers; return the indexes left undone.

    Site facts are built here first, so the workers inherit them instead of
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
    from mdnorm.lint import codes_for

    first = files[todo[0]]
    first_cfg = config_mod.for_path(cfg, first)
    _site(first, first_cfg, codes_for(first_cfg, first))
    done: set[int] = set()
    ctx = multiprocessing.get_context("fork")
    ex = ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),))
    try:
        args = [(files[i], cfg, mode, unsafe) for i in todo]
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
