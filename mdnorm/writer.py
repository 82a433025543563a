"""Atomic writes: a temporary file in the same folder, fsync, ``os.replace``.

Killed at any moment, a write leaves the old file or the new one, never a mix:
the new bytes go to ``.mdnorm-XXXX.tmp`` beside the target (same file system, so
the rename is atomic), are flushed to disk, and only then renamed over it.  A
killed run can leave such a temporary file behind; its name ends in ``.tmp`` so
it is never taken for a post.  The file's mode bits (and, when we can, its
owner) are kept, and a file with no write bit is treated as read-only even for
root, because a fixer that overwrites what the user protected is not safe.
"""

from __future__ import annotations

import contextlib
import os
import stat

TMP_PREFIX = ".mdnorm-"
TMP_SUFFIX = ".tmp"


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` atomically; raise ``OSError`` on failure.

    A symlink is followed: the file it points to is replaced, the link stays.
    """
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    st = os.stat(target)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(13, "file is read-only", path)
    import tempfile  # only when writing: it costs ~3 ms at import

    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):
                os.chown(tmp, st.st_uid, st.st_gid)
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
