"""Signals end a whole run cleanly: every file old or new, no process left behind.

SIGINT raises KeyboardInterrupt (exit 130); SIGTERM and SIGHUP raise
:class:`Terminated` (exit 128 + signum) in the main process; a write under way
holds them until it is done (:func:`mdnorm.writer.uninterrupted`); pool workers
die with their parent however it dies.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any


def die_with_parent(parent: int, use_prctl: bool = True) -> None:
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

        threading.Thread(target=watch_parent, args=(parent,), name="mdnorm-watch-parent", daemon=True).start()
    if os.getppid() != parent:  # it died before we were armed
        os.kill(os.getpid(), signal.SIGTERM)


def watch_parent(parent: int) -> None:
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
