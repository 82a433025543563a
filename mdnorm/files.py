"""Which files a run looks at: walk folders, honour excludes and ``.gitignore``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from fnmatch import translate
from functools import lru_cache
from pathlib import Path
from typing import Any

from mdnorm.config import Config, for_folder
from mdnorm.jekyll.scope import jekyll_excluded, jekyll_excluded_in


class PathError(Exception):
    """A path given on the command line does not exist or cannot be read (exit code 2)."""


def _check_given(given: str) -> None:
    """Raise :class:`PathError` naming ``given`` when it cannot be looked at.

    ``os.path.lexists`` says False for any error, so a name that is too long or
    a folder that cannot be searched would be reported as missing; the real
    reason is more use to the user.
    """
    try:
        os.lstat(given)
    except (FileNotFoundError, NotADirectoryError):
        raise PathError(f"{given}: no such file or directory") from None
    except (OSError, ValueError) as exc:
        raise PathError(f"{given}: {getattr(exc, 'strerror', None) or exc}") from None


@lru_cache(maxsize=256)
def _gitignore(folder: str) -> Any:
    path = os.path.join(folder, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _git_root(start: str) -> str | None:
    for folder in [start, *map(str, Path(start).parents)]:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
    return None


@lru_cache(maxsize=1024)
def _gitignore_chain(folder: str, top: str) -> tuple[tuple[Any, str], ...]:
    """The ``.gitignore`` files that can decide for an entry of ``folder`` (absolute), closest first,
    each with the path of ``folder`` relative to that file's folder ("" or ending in ``/``).

    Worked out once per folder: a walk asks for every file, and a 35,000-post
    ``_posts`` would otherwise climb to the repository root 35,000 times.
    """
    chain = []
    here = folder
    while True:
        spec = _gitignore(here)
        if spec is not None:
            rel = os.path.relpath(folder, here).replace(os.sep, "/")
            chain.append((spec, "" if rel == "." else rel + "/"))
        if here == top or len(here) <= len(top):
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return tuple(chain)


def _ignored_by_git(chain: tuple[tuple[Any, str], ...], name: str, is_dir: bool) -> bool:
    """True when the ``.gitignore`` files of ``chain`` (:func:`_gitignore_chain`) ignore the entry ``name``.

    As in git, the closest ``.gitignore`` with a matching pattern decides, and
    within one file the last matching pattern does (``!pattern`` re-includes).
    """
    for spec, prefix in chain:
        decision = spec.check_file(prefix + name + ("/" if is_dir else "")).include
        if decision is not None:
            return bool(decision)
    return False


def _exclusion(folder: str, config: Config) -> Callable[[str], bool]:
    """Whether ``config``'s exclude globs match the entry ``name`` of ``folder`` (absolute): by its
    name, or by its path from the root for the globs with a ``/`` or a ``*``."""
    names, rels, wants_rel = _exclude_patterns(config.exclude, config.extend_exclude)
    prefix = ""
    if wants_rel and rels is not None:
        rel = os.path.relpath(folder, config.root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
    else:
        rels = None

    def excluded(name: str) -> bool:
        if names is not None and names.match(name):
            return True
        return rels is not None and rels.match(prefix + name) is not None

    return excluded


def _excluded(path: str, config: Config) -> bool:
    full = os.path.abspath(path)
    return _exclusion(os.path.dirname(full), config)(os.path.basename(full))


@lru_cache(maxsize=64)
def _exclude_patterns(
    exclude: tuple[str, ...], extend: tuple[str, ...]
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, bool]:
    """The exclude globs as one regex for a file's name and one for its path from the root
    (the patterns with a ``/`` or a ``*``, also matching what is below them), made once."""
    pats = [p.rstrip("/") for p in (*exclude, *extend)]
    deep = [p for p in pats if "/" in p or "*" in p]
    names = re.compile("|".join(translate(p) for p in pats)) if pats else None
    rels = re.compile("|".join(translate(q) for p in deep for q in (p, p + "/*"))) if deep else None
    return names, rels, bool(deep)


def discover(
    paths: list[str], config: Config, force_exclude: bool = False, folders: set[str] | None = None
) -> Iterator[str]:
    """Yield the files to check, in sorted order within each given path.

    A file named explicitly is checked (as with ruff) whatever its extension or
    exclude patterns say, unless ``force_exclude`` (ruff's ``--force-exclude``):
    then the excludes apply to it and to every folder above it up to the
    project root, as they would in a walk (pre-commit names each staged file, and
    an excluded draft must not fail the commit).  Folders are walked by :func:`walk`;
    ``folders`` is filled with the absolute path of every folder listed.
    """
    for given in paths:
        if given == "-":
            yield given
            continue
        _check_given(given)
        if not os.path.isdir(given):
            if not (force_exclude and force_excluded(given, config)):
                yield os.path.normpath(given)
            continue
        yield from walk(given, config, strict=True, folders=folders)


def force_excluded(path: str, config: Config) -> bool:
    """Whether a walk from the project root would have skipped ``path`` by an exclude pattern.

    The file and each folder above it up to the root are matched against the
    excludes of their closest ``.mdnorm.toml``, and the file against its Jekyll
    site's ``exclude:`` (which matches the folders above it too).  A path outside the root is matched alone.
    """
    full = os.path.abspath(path)
    folder = os.path.dirname(full)
    here = for_folder(config, folder)
    if _excluded(full, here) or (here.respect_jekyll_exclude and jekyll_excluded(full)):
        return True
    root = os.path.abspath(config.root)
    while _inside(folder, root) and folder != root:
        parent = os.path.dirname(folder)
        if _excluded(folder, for_folder(config, parent)):
            return True
        folder = parent
    return False


def _skipper(folder: str, config: Config, git_top: str | None) -> Callable[[str, bool], bool]:
    """Whether a walk skips the entry ``name`` of ``folder`` (absolute; ``is_dir``): an exclude
    pattern, the Jekyll site's ``exclude:``, or a ``.gitignore`` (unless git tracks it).

    What depends only on the folder is worked out once, for all its entries.
    """
    excluded = _exclusion(folder, config)
    jekyll = config.respect_jekyll_exclude
    chain = _gitignore_chain(folder, git_top) if git_top is not None else ()

    def skipped(name: str, is_dir: bool) -> bool:
        if excluded(name) or (jekyll and jekyll_excluded_in(folder, name)):
            return True
        if not chain or not _ignored_by_git(chain, name, is_dir):
            return False
        assert git_top is not None
        tracked_files, tracked_dirs = _tracked(git_top)  # tracked files win
        return os.path.join(folder, name) not in (tracked_dirs if is_dir else tracked_files)

    return skipped


def walk(folder: str, config: Config, strict: bool = False, folders: set[str] | None = None) -> list[str]:
    """Every file to check under ``folder``, sorted: the one walker of mdnorm.

    Runs and the site index both list files with it, so both honour the same
    rules: the ``extensions``, ``exclude`` and ``extend-exclude`` of the closest
    nested ``.mdnorm.toml``, the Jekyll site's ``exclude:`` (with Jekyll's default
    excludes and ``include:``; ``respect-jekyll-exclude``), ``.gitignore`` files (a file git tracks is checked
    even when a ``.gitignore`` matches it, as git itself keeps tracking it and
    Jekyll publishes it), and symbolic links to folders only when they point
    inside the folder walked (as Jekyll follows only links inside its source: a
    walk never leaves the tree it was given).  ``strict``: ``folder`` was named by
    the user, and not being able to list it is an error, not an empty folder.
    """
    top = _git_root(os.path.abspath(folder))
    inside = os.path.realpath(folder)
    found: list[str] = []
    seen_dirs: set[tuple[int, int]] = set()
    onerror = _unreadable_top(folder) if strict else None
    for here_dir, dirs, files in os.walk(folder, onerror=onerror, followlinks=True):
        try:
            st = os.stat(here_dir)
            key = (st.st_dev, st.st_ino)
        except OSError:
            dirs[:] = []
            continue
        if key in seen_dirs:  # a symlink loop
            dirs[:] = []
            continue
        seen_dirs.add(key)
        if folders is not None:
            folders.add(os.path.abspath(here_dir))
        # a nested .mdnorm.toml may change extensions and excludes below it
        here = for_folder(config, here_dir)
        skipped = _skipper(os.path.abspath(here_dir), here, top if here.respect_gitignore else None)
        keep = []
        for d in sorted(dirs):
            if skipped(d, True):
                continue
            full = os.path.join(here_dir, d)
            if os.path.islink(full) and not _inside(os.path.realpath(full), inside):
                continue  # a link out of the tree: never walked
            keep.append(d)
        dirs[:] = keep
        exts = _extensions(here)
        for f in files:
            if f.endswith(exts) and not skipped(f, False):
                found.append(os.path.normpath(os.path.join(here_dir, f)))
    found.sort()
    return found


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(os.path.join(folder, ""))


@lru_cache(maxsize=16)
def _tracked(top: str) -> tuple[frozenset[str], frozenset[str]]:
    """Files git tracks in the work tree at ``top`` and the folders holding them (absolute paths).

    Asked only when a ``.gitignore`` matches something a walk meets; without git
    (or outside a repository) nothing counts as tracked.
    """
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-C", top, "ls-files", "-z", "--cached"], capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset(), frozenset()
    files: set[str] = set()
    dirs: set[str] = set()
    for raw in out.split(b"\0"):
        if not raw:
            continue
        full = os.path.join(top, os.fsdecode(raw))
        files.add(full)
        parent = os.path.dirname(full)
        while len(parent) > len(top) and parent not in dirs:
            dirs.add(parent)
            parent = os.path.dirname(parent)
    return frozenset(files), frozenset(dirs)


def _unreadable_top(given: str) -> Callable[[OSError], None]:
    """``os.walk``'s error handler: a folder named on the command line that cannot
    be listed is an error (a gate must not pass on zero files); below it, an
    unreadable folder is skipped as before."""

    def onerror(exc: OSError) -> None:
        if exc.filename == given:
            raise PathError(f"{given}: cannot list folder: {exc.strerror or exc}")

    return onerror


def _extensions(config: Config) -> tuple[str, ...]:
    return tuple(e if e.startswith(".") else "." + e for e in config.extensions)
