"""The public API: lint or fix one post's text, as the command line would.

Two functions, used by the tests and by editor integrations (``mdnorm server``):
the same configuration lookup, rule selection, site index and safety check as
``mdnorm PATH`` and ``mdnorm --fix PATH``, without touching any file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic

if TYPE_CHECKING:
    from mdnorm.fixer import FixResult
    from mdnorm.rules import Context


def _context(path: str, config: Config | None, site: bool) -> tuple[Context, frozenset[str]]:
    from mdnorm import config as config_mod
    from mdnorm.rules import Context, site_codes
    from mdnorm.selection import codes_for
    from mdnorm.site import layouts_of

    base = config if config is not None else config_mod.load(None, os.path.dirname(os.path.abspath(path)))
    cfg = config_mod.for_path(base, path)
    codes = codes_for(cfg, path)
    index = rel = None
    if site and site_codes(codes):
        from mdnorm import site as site_mod
        from mdnorm.linkindex import build

        root = site_mod.find_root(site_mod.folder_of(path))
        if root is not None:
            index = build(root, base)
            rel = index.rel(path)
    from mdnorm.jekyll.scope import page_of

    return Context(cfg, layouts_of(path, cfg), site=index, rel=rel, page=page_of(path)), codes


def lint(text: str, path: str = "post.md", config: Config | None = None, site: bool = True) -> list[Diagnostic]:
    """The diagnostics of ``text`` as if it were the file at ``path`` (which need not exist).

    ``config``: the run's configuration (default: found from ``path``'s folder, as
    the command line does).  ``site``: run the site-wide rules against the site
    ``path`` belongs to (read from disk; ``text`` stands for ``path``'s content).
    """
    from mdnorm.document import Document
    from mdnorm.linter import lint_document

    ctx, codes = _context(path, config, site)
    return lint_document(Document(path, text), ctx, codes)


def fix(
    text: str, path: str = "post.md", config: Config | None = None, unsafe: bool = False, site: bool = True
) -> FixResult:
    """``text`` with the fixes ``mdnorm --fix`` would apply (``unsafe``: ``--unsafe-fixes`` too).

    Raises :class:`mdnorm.fixer.FixError` when the fixes do not settle.
    """
    from mdnorm.document import Document
    from mdnorm.fixer import fix_document

    ctx, codes = _context(path, config, site)
    return fix_document(Document(path, text), ctx, codes, unsafe=unsafe)
