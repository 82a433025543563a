"""A process pool for runs over many files: forked workers, results in order, clean stops.

Workers inherit the run's site indexes and online answers through the pool's
initializer (fork: nothing is pickled); they only read the store, each through
a connection of its own (:meth:`mdnorm.store.Store.reader`).  A worker
that dies breaks the pool instead of hanging it, and the parent finishes what
was left; a signal stops and joins every worker (see :mod:`mdnorm.signals`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mdnorm.config import Config
from mdnorm.process import FileResult, MemoKeys, Mode, SiteRef, process_file
from mdnorm.signals import die_with_parent

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from mdnorm.linkindex import SiteIndex
    from mdnorm.online import OnlineFacts


#: Below this many files to parse, a process pool costs more than it saves.
PARALLEL_MIN_FILES = 64


WorkerArgs = tuple[str, Config, Mode, bool, "MemoKeys | None", "SiteRef | None", "str | None"]
#: In a pool worker: the site indexes and online answers of the run, handed over by
#: the pool's initializer (inherited through fork, never pickled).
_SHARED: dict[str, dict[str, Any]] = {"sites": {}, "online": {}}


def _worker(args: WorkerArgs) -> FileResult:
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
    die_with_parent(parent)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, writer.SIGNALS)


def jobs_for(requested: int | None, todo: int) -> int:
    if requested is not None and requested > 0:
        return min(requested, todo) or 1
    if todo < PARALLEL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, todo // (PARALLEL_MIN_FILES // 2)))


def run_pool(
    n: int,
    files: list[str],
    todo: list[int],
    results: list[FileResult | None],
    args: list[WorkerArgs],
    sites: dict[str, SiteIndex],
    online: dict[str, OnlineFacts],
    on_done: Callable[[str], None] | None,
    settle: Callable[[FileResult], None] | None = None,
) -> list[int]:
    """Process ``todo`` in ``n`` forked workers; return the indexes left undone.

    The site indexes are built before, so the workers inherit them instead of
    each building its own.  A worker that dies (killed, out of memory) breaks
    the pool instead of hanging it; what it left undone is returned, for this
    process to finish.  On a signal (:func:`stop_on_signals`) the queued work is
    cancelled and the workers are stopped: the files being written are finished
    first, and no temporary file is left.  ``settle`` takes each result as it
    comes (the run stores what it needs and drops it from memory).
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
            if settle is not None:
                settle(r)
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


def mp_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()
