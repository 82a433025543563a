"""The one writer of posts: atomic, checked, and never interrupted half-way.

``--fix`` rewrites a user's whole archive, so a write must never lose what the
user had.  The rules, and why:

Atomic.
    The new bytes go to ``.mdnorm-XXXX.tmp`` beside the target (same file
    system, so the rename is atomic), are flushed to disk, and only then renamed
    over it: killed at any moment, a write leaves the old file or the new one,
    never a mix.  The name ends in ``.tmp`` so it is never taken for a post.

Not interrupted.
    SIGINT, SIGTERM and SIGHUP are held while a write is under way (blocked for
    the thread, and deferred by the run's own handlers, see :func:`hold`) and
    delivered when it is done.  So a signal, even one that kills outright (a
    pool worker keeps SIGTERM's default action), ends the process only between
    writes: no temporary file is left behind.  Only SIGKILL can leave one.

Unchanged since it was read.
    ``expected`` is the content the fix was computed from.  Right before the
    rename the file is read again: when it no longer holds those bytes (an
    editor saved it meanwhile), nothing is written and :class:`NotFixed` says
    so, because replacing it would silently throw the user's edit away.  The
    bytes are the proof, not the timestamps: a save within the same clock tick
    (a few milliseconds on ext4, 2 s on FAT) keeps mtime, ctime and often the
    size.  The stat identity (device, inode, size, mtime_ns, ctime_ns) of the
    file whose mode, owner and extended attributes were copied is compared too,
    so a ``chmod`` in the meantime is not undone.  A file that already holds the
    new bytes (another ``--fix`` got there first) is left as it is: done.  A
    save in the microseconds between this check and the rename still loses;
    closing that would need a lock that editors do not take.

Symlinks.
    A symlink is followed: the file it points to is rewritten and the link stays
    a link (as ruff and pre-commit-hooks do, and as users expect of a link to a
    post kept elsewhere in the site).  But never out of the project: when the
    path goes through a symlink (itself or a folder above it) and the file it
    resolves to is outside ``root``, the file is not fixed, because a linter
    run on a blog must not edit a file that belongs to something else (a shared
    notes folder, a dotfile repository, ``/etc``).  A file outside ``root``
    named without any symlink on the way is the user's explicit choice and is
    written.

Hard links.
    A file with more than one hard link is not fixed, with a message.  The
    atomic rename would split the links (the other names keep the old post,
    silently), and an in-place write, which is what ruff and pre-commit-hooks
    do, is not atomic: a run killed in the middle leaves a truncated post, the
    one outcome this writer exists to rule out.  Which of the two the user
    wants cannot be guessed either: a link made on purpose wants the change
    everywhere, a backup made with ``cp -al`` or rsnapshot shares inodes with
    the live post and must not change.  Blog posts with hard links are rare;
    saying so costs the user one command (``cp a.md t && mv t a.md`` splits it
    on purpose).

Metadata.
    The mode bits, the owner (when we can) and the extended attributes (user
    tags, ACLs, SELinux labels: best effort, one by one) are copied to the
    temporary file before the rename.  A file with no write bit is treated as
    read-only even for root, because a fixer that overwrites what the user
    protected is not safe.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

TMP_PREFIX = ".mdnorm-"
TMP_SUFFIX = ".tmp"

#: The signals held while a write is under way (and that end a run, see ``runner.stop_on_signals``).
SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class NotFixed(OSError):
    """The file was left as it is, on purpose; the message says why ("not fixed: <message>")."""


#: Signals that arrived (through a Python-level handler) while a write was under way; None outside writes.
_held: list[int] | None = None


def _forked_child() -> None:
    global _held
    _held = None  # a process forked inside a block (the pool's workers) starts outside any write


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked_child)


def hold(signum: int) -> bool:
    """Called by a signal handler: True when a write is under way and ``signum`` will be re-raised after it.

    Blocking the signals covers this thread, but in a process with other threads
    the kernel may deliver the signal to one of them, and Python then runs the
    handler in the main thread at once, in the middle of the write.  A handler
    that asks first, and returns when told to wait, makes the write whole.
    """
    if _held is None:
        return False
    _held.append(signum)
    return True


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold :data:`SIGNALS` inside the block; deliver them when it ends.

    Also used by the runner around starting the pool's workers, which inherit
    the blocked mask and unblock it once their own handlers are set.
    """
    global _held
    can_block = hasattr(signal, "pthread_sigmask")
    old: set[int | signal.Signals] = set()
    if can_block:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    outer, _held = _held, _held if _held is not None else []
    try:
        yield
    finally:
        held, _held = _held, outer
        if can_block:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a pending signal is delivered here
        if outer is None and held:
            signal.raise_signal(held[0])


def _identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _check_target(path: str, target: str, root: str | None) -> None:
    """Refuse a file reached through a symlink that leads out of ``root``."""
    if root is None or target == os.path.abspath(path):
        return
    top = os.path.realpath(root)
    try:
        inside = os.path.commonpath([top, target]) == top
    except ValueError:  # another drive (Windows)
        inside = False
    if not inside:
        raise NotFixed(f"its path goes through a symlink to {target}, outside the project ({top})")


def _copy_xattrs(source: str, fd: int) -> None:
    """Copy ``source``'s extended attributes to ``fd``, each one that the system lets us."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.setxattr(fd, name, os.getxattr(source, name))


def write_atomic(path: str, data: bytes, *, expected: bytes | None = None, root: str | None = None) -> bool:
    """Replace ``path``'s content with ``data`` atomically (see the module's rules).

    ``expected``: the bytes ``data`` was computed from; the write is refused
    (:class:`NotFixed`) when the file no longer holds them.  ``root``: the
    project's folder; a symlink leading out of it is refused.  Returns False
    when the file already held ``data`` (nothing written).  Raises ``OSError``
    when the file cannot be written, :class:`NotFixed` when it must not be.
    """
    target = os.path.realpath(path)
    _check_target(path, target, root)
    st = os.stat(target)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(13, "file is read-only", path)
    if st.st_nlink > 1:
        raise NotFixed(
            f"it has {st.st_nlink} hard links, which a safe rewrite would split"
            " (to fix it, split them first: cp FILE tmp && mv tmp FILE)"
        )

    def prepare(fh: BinaryIO) -> None:
        os.chmod(fh.fileno() if os.chmod in os.supports_fd else fh.name, mode)
        if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):
                os.fchown(fh.fileno(), st.st_uid, st.st_gid)
        _copy_xattrs(target, fh.fileno())

    def still_ours() -> bool:
        return expected is None or _unchanged(target, st, expected, data)

    return _replace(target, data, prepare, still_ours)


def write_file(path: str, data: bytes, mode: int = 0o644) -> None:
    """Create or replace one of mdnorm's own files (a baseline, a cache file) atomically.

    The same temporary file, flush and rename as :func:`write_atomic`, without
    the rules that protect a user's post.  Raises ``OSError`` on failure.
    """

    def prepare(fh: BinaryIO) -> None:
        os.chmod(fh.fileno() if os.chmod in os.supports_fd else fh.name, mode)

    _replace(os.path.abspath(path), data, prepare, lambda: True)


def _replace(target: str, data: bytes, prepare: Callable[[BinaryIO], None], still_ours: Callable[[], bool]) -> bool:
    """Write ``data`` to a temporary file beside ``target`` and rename it over ``target``.

    ``prepare`` sets the temporary file's metadata; ``still_ours`` is asked last,
    right before the rename (False: leave ``target`` as it is).  Signals wait
    until the rename is done or the temporary file is gone.
    """
    import tempfile  # only when writing: it costs ~3 ms at import

    folder = os.path.dirname(target) or "."
    with uninterrupted():
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                prepare(fh)
                os.fsync(fh.fileno())
            if not still_ours():
                os.unlink(tmp)
                return False
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    with contextlib.suppress(OSError):
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return True


def _unchanged(target: str, st: os.stat_result, expected: bytes, data: bytes) -> bool:
    """True when ``target`` still holds ``expected`` with the metadata of ``st``: write it.

    False when it already holds ``data`` (nothing to do); raises :class:`NotFixed`
    when it holds anything else.
    """
    now = os.stat(target)
    current = _read(target) if now.st_size in (len(expected), len(data)) else None
    if current == data:
        return False
    if current == expected and _identity(now) == _identity(st):
        return True
    raise NotFixed("the file changed on disk while it was being fixed (saved by an editor?); run --fix again")
