"""Where a run's project is, and where what mdnorm remembers about it lives.

The *project root* decides where the configuration, the baseline and the cache
belong, so a run from a subfolder (``cd _posts && mdnorm x.md``, as editors and
pre-commit may run) finds the same ones as a run from the top.  It is found
upward from where the run starts: the closest folder with a configuration file
(``.mdnorm.toml``, or ``pyproject.toml`` with ``[tool.mdnorm]``) wins; without
one, the closest Jekyll site (``_config.yml``), else the closest git work tree
(``.git``), else the working directory.

The cache lives *outside* the tree, under the user's cache folder
(``$XDG_CACHE_HOME/mdnorm``, by default ``~/.cache/mdnorm``), one folder per
project root.  A cache folder committed to a repository is therefore never read
by a fresh clone; and every cache key is also keyed with a secret made once per
user (``secret`` beside the project folders, mode 0600), so that a cache copied
from elsewhere, or one placed in the tree with ``--cache-dir``, matches nothing a
run computes here.  CI that wants a warm cache restores the whole
``~/.cache/mdnorm`` folder (secret included), never a file from the repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

CACHE_ENV = "MDNORM_CACHE_DIR"
SITE_MARKERS = ("_config.yml",)
GIT_MARKER = ".git"


def start_folder(paths: list[str], stdin_filename: str | None = None) -> str:
    """The folder a run starts looking for its project from: that of the first path it names."""
    for p in paths:
        if p != "-":
            full = os.path.abspath(p)
            return full if os.path.isdir(full) else os.path.dirname(full)
    if stdin_filename:
        return os.path.dirname(os.path.abspath(stdin_filename))
    return os.getcwd()


def marker_root(start: str, default: str | None = None) -> str:
    """The closest folder at or above ``start`` holding ``_config.yml``, else ``.git``,
    else ``default`` (the working directory)."""
    folder = os.path.abspath(start)
    git: str | None = None
    current = folder
    while True:
        if any(os.path.isfile(os.path.join(current, m)) for m in SITE_MARKERS):
            return current
        if git is None and os.path.exists(os.path.join(current, GIT_MARKER)):
            git = current
        parent = os.path.dirname(current)
        if parent == current:
            return git or default or os.getcwd()
        current = parent


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/mdnorm`` (``~/.cache/mdnorm`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mdnorm"


def cache_folder(root: str, override: str | None = None) -> Path:
    """The cache folder of the project at ``root``: ``override`` (``--cache-dir``, ``cache-dir``,
    ``$MDNORM_CACHE_DIR``) or one folder per project under :func:`cache_home`."""
    chosen = override or os.environ.get(CACHE_ENV)
    if chosen:
        return Path(root, chosen) if not os.path.isabs(chosen) else Path(chosen)
    absolute = os.path.abspath(root)
    digest = hashlib.blake2b(os.fsencode(absolute), digest_size=8).hexdigest()
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in os.path.basename(absolute))[:40]
    return cache_home() / "projects" / f"{name or 'root'}-{digest}"


def secret() -> bytes | None:
    """This user's cache key secret, made on first use; None when it cannot be kept."""
    home = cache_home()
    path = home / "secret"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if len(data) >= 16:
            return data[:32]
    except OSError:
        pass
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it first: use theirs
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        return data[:32] if len(data) >= 16 else None
    except OSError:
        return None
    data = os.urandom(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of everything whose change can change a result: mdnorm's own source,
    the source of the parser and YAML packages it relies on, and the Python version.

    ``__version__`` never changes in a checkout, so a cache keyed on it alone kept
    answers made by older code.  The packages are found without importing them
    (a warm run imports neither mistune nor PyYAML).
    """
    from importlib.util import find_spec

    h = hashlib.blake2b(digest_size=16)
    h.update(repr(sys.version_info[:2]).encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*.py")):
        h.update(path.relative_to(here).as_posix().encode())
        h.update(path.read_bytes())
    for name in ("mistune", "yaml"):
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        h.update(name.encode())
        if origin:
            with contextlib.suppress(OSError):
                h.update(Path(origin).read_bytes())  # the package's __init__: it names its version
    return h.hexdigest()
