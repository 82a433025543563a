"""Run the selected rules on one document: the one entry point for checking."""

from __future__ import annotations

import fnmatch
import os

from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document
from mdnorm.rules import RULES, Context, selected_codes
from mdnorm.suppress import filter_suppressed

#: Reported only when the front matter itself is fine (one problem, one diagnostic).
_NEEDS_FRONT_MATTER = ("FM003", "FM004", "FM005")


def codes_for(config: Config, path: str) -> frozenset[str]:
    """Selected codes minus the ``per-file-ignores`` that match ``path``."""
    codes = selected_codes(config)
    if not config.per_file_ignores:
        return codes
    rel = _relative(path, config.root)
    name = os.path.basename(path)
    for glob, ignored in config.per_file_ignores:
        if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(rel, glob.rstrip("/") + "/*"):
            codes = frozenset(c for c in codes if not any(c.startswith(i) or i == "ALL" for i in ignored))
    return codes


def _relative(path: str, root: str) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    except ValueError:
        return path.replace(os.sep, "/")


def lint_document(doc: Document, ctx: Context, codes: frozenset[str] | None = None) -> list[Diagnostic]:
    """All diagnostics for ``doc``, suppressions applied, sorted by position."""
    if codes is None:
        codes = codes_for(ctx.config, doc.path)
    out: list[Diagnostic] = []
    fm = doc.front_matter
    fm_broken = fm is None or fm.data is None
    for code in sorted(codes):
        if code == "IO001" or (fm_broken and code in _NEEDS_FRONT_MATTER):
            continue
        out.extend(RULES[code].check(doc, ctx))
    out = filter_suppressed(doc, out)
    out.sort(key=lambda d: d.sort_key)
    return out
