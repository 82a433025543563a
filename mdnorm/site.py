"""Facts about the Jekyll site a post belongs to, found from the post's folder.

A site root is the closest folder, from the post upward, that holds
``_config.yml`` or a ``_posts/`` folder.  Site facts never depend on which files
a run was given (pre-commit passes only the changed ones).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdnorm.config import Config


def folder_of(path: str) -> str:
    """The absolute folder of ``path``: called for every file of a run, so cached per folder."""
    return _abs_folder(os.getcwd(), os.path.dirname(path))


@lru_cache(maxsize=4096)
def _abs_folder(cwd: str, folder: str) -> str:
    return os.path.normpath(os.path.join(cwd, folder))


@lru_cache(maxsize=1024)
def find_root(folder: str) -> str | None:
    """The site root for a post in ``folder`` (absolute), or None."""
    current = os.path.abspath(folder)
    while True:
        if os.path.isfile(os.path.join(current, "_config.yml")) or os.path.isdir(os.path.join(current, "_posts")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


@lru_cache(maxsize=1024)
def layouts_for(folder: str) -> frozenset[str] | None:
    """Layout names from the closest ``_layouts/`` beside or above ``folder``."""
    current = os.path.abspath(folder)
    while True:
        candidate = os.path.join(current, "_layouts")
        if os.path.isdir(candidate):
            try:
                names = os.listdir(candidate)
            except OSError:
                return None
            return frozenset(os.path.splitext(n)[0] for n in names if not n.startswith("."))
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def layouts_of(path: str, cfg: Config) -> frozenset[str] | None:
    """The layouts a post at ``path`` may use: ``front-matter.layouts``, else its site's ``_layouts/``."""
    if cfg.fm_layouts is not None:
        return frozenset(cfg.fm_layouts)
    return layouts_for(folder_of(path) if path != "-" else os.getcwd())


#: A Jekyll post's file name: ``YYYY-M-D-title.ext``.
POST_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-[^/\\]+$")
Order = tuple[int, int, int, str]


def post_order(rel: str) -> Order | None:
    """``(year, month, day, rel)`` from a Jekyll post file name, or None."""
    m = POST_NAME.search(rel)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), rel


def order_of(rel: str) -> Order:
    return post_order(rel) or (9999, 99, 99, rel)


def post_date(path: str) -> str | None:
    """``YYYYMMDD`` from a post's file name (``2019-3-7-x.md``): when its author saw its links."""
    order = post_order(os.path.basename(path))
    return None if order is None else f"{order[0]:04d}{order[1]:02d}{order[2]:02d}"
