"""A site's files as one digest, under which a warm run remembers the site-wide results.

The site-wide rules read every post, every page and static file (the site link
rules), ``_config.yml`` and the layouts; the walker that lists a site's posts
also reads ``.gitignore`` files and git's index.  :func:`tree_stamp` digests
the path and stat identity (:func:`stamp_of`: inode, size,
mtime and ctime) of every one of them, so a run over a site in which nothing
changed can take each post's site-wide diagnostics from the memo instead of
building the site model again, and any change anywhere in the site (a new
image, an edited page, a renamed post, ``git add -f``) gives another digest.

It is None when a file changed too recently for its stat identity to be
trusted (git's racy rule): that run computes everything and remembers nothing
site-wide.  Folders the site model never reads (``.git``, ``_site``, and the
folders ``_config.yml`` excludes, such as ``node_modules``) are not walked.
"""

from __future__ import annotations

import hashlib
import os
import time


def racy_ns() -> int:
    """How long after a file's last change its stat identity is trusted (nanoseconds).

    2 s, well over any file system's timestamp granularity.  ``MDNORM_RACY_MS`` sets
    it (the state tests shorten it to 50 ms, still ten times a coarse clock tick, so
    that remembered answers are exercised).  Read at each use, not at import: a run
    forked by ``mdnorm daemon`` imported this module long before, in another
    environment, and must see its own client's.
    """
    return int(os.environ.get("MDNORM_RACY_MS", "2000")) * 1_000_000


#: Folders of a site root no site model reads, besides what ``_config.yml`` excludes
#: (:func:`mdnorm.jekyll.scope.jekyll_excluded`, as the walker skips them).
_NEVER_READ = frozenset({".git", "_site", ".jekyll-cache", ".sass-cache"})


def stamp_of(st: os.stat_result, now_ns: int | None = None, window_ns: int | None = None) -> str:
    """The stat identity of a file, or "" when it changed too recently to be trusted (git's racy rule).

    ``window_ns``: :func:`racy_ns`, passed in by a caller that stamps many files.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    window_ns = racy_ns() if window_ns is None else window_ns
    if max(st.st_mtime_ns, st.st_ctime_ns) > now_ns - window_ns:
        return ""
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def tree_stamp(root: str, leave_out: frozenset[str] = frozenset(), folders: set[str] | None = None) -> str | None:
    """A digest of the stat identities of every file the site-wide results of ``root`` depend on.

    ``leave_out``: files (absolute paths) the caller accounts for otherwise (the
    site model takes each post's front matter from the index, not its stamp).
    ``folders``: filled with every folder whose files the digest covers (a whole
    run is remembered only when everything it read is among them).
    """
    from mdnorm.jekyll.scope import jekyll_excluded

    h = hashlib.blake2b(digest_size=20)
    now, window = time.time_ns(), racy_ns()
    skip = {os.path.join(root, name) for name in _NEVER_READ}
    stack = [root]
    while stack:
        folder = stack.pop()
        if folders is not None:
            folders.add(folder)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            h.update(f"!{folder}:{exc.errno}\0".encode("utf-8", "surrogateescape"))
            continue
        parts = []  # one digest update per folder: a 35,000-post folder is one string
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in skip and not jekyll_excluded(entry.path):
                        stack.append(entry.path)
                    continue
                if entry.path in leave_out:
                    parts.append(f"{entry.path}\0")
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            stamp = stamp_of(st, now, window)
            if not stamp:
                return None
            parts.append(f"{entry.path}\0{stamp}\0")
        h.update("".join(parts).encode("utf-8", "surrogateescape"))
    for path in _git_inputs(root):
        stamp = _path_stamp(path, now, window)
        if not stamp:
            return None
        h.update(f"{path}\0{stamp}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _path_stamp(path: str, now: int, window: int) -> str:
    """:func:`stamp_of` the file or folder at ``path``: "-" when there is none, "" when too recent."""
    try:
        return stamp_of(os.stat(path), now, window)
    except OSError:
        return "-"


def surroundings(root: str) -> str | None:
    """The stat identities of what a run over ``root`` may read above it: in every folder up to
    the file system's root, the configuration files (``.mdnorm.toml``, ``pyproject.toml``) and
    the ``_layouts`` folder (its names: a folder's identity changes when a file in it comes or
    goes).  "-" for each that does not exist; None when one changed too recently to be trusted."""
    out = []
    now, window = time.time_ns(), racy_ns()
    folder = os.path.dirname(root)
    while True:
        for name in (".mdnorm.toml", "pyproject.toml", "_layouts"):
            stamp = _path_stamp(os.path.join(folder, name), now, window)
            if not stamp:
                return None
            out.append(stamp)
        parent = os.path.dirname(folder)
        if parent == folder:
            return ";".join(out)
        folder = parent


def _git_inputs(root: str) -> list[str]:
    """``.gitignore`` files above ``root`` up to the work tree's top, and git's index there."""
    out = []
    folder = os.path.dirname(root)
    top = root if os.path.exists(os.path.join(root, ".git")) else None
    while top is None:
        out.append(os.path.join(folder, ".gitignore"))
        if os.path.exists(os.path.join(folder, ".git")):
            top = folder
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return out
        folder = parent
    git = os.path.join(top, ".git")
    if os.path.isfile(git):  # a worktree: "gitdir: <path>"
        try:
            with open(git, encoding="utf-8") as fh:
                line = fh.read().strip()
            git = os.path.join(top, line.split(":", 1)[1].strip()) if line.startswith("gitdir:") else git
        except (OSError, IndexError):
            pass
    out.append(os.path.join(git, "index"))
    out.append(os.path.join(git, "info", "exclude"))
    return out
