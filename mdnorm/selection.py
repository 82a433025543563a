"""Which rules apply where: the one matcher of selectors (codes, prefixes, ``ALL``) against codes.

``select``/``ignore``/``extend-select`` (config layers and the command line),
``per-file-ignores`` and suppression comments all match codes here, with one
rule: a selector matches the codes it is a prefix of, ``ALL`` matches every
code, and where two selectors disagree the longer (more specific) wins, as in ruff.
A rule's name (``insecure-link``) is a selector too, matching its code only:
:func:`canonical` turns it into the code, wherever a selector comes from.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdnorm.config import Config


def known_codes() -> frozenset[str]:
    from mdnorm.rules import RULES

    return frozenset(RULES)


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    from mdnorm.rules import RULES

    return {rule.name.upper(): code for code, rule in RULES.items()}


@lru_cache(maxsize=512)
def canonical(sel: str) -> str:
    """``sel`` as a code selector: upper case, and a rule name (any case) replaced by its code."""
    s = sel.strip().upper()
    if "-" in s:  # no code or prefix holds a dash, so only a name can
        return _codes_by_name().get(s, s)
    return s


def check_selector(sel: str) -> bool:
    """True when ``sel`` is ``ALL``, a rule's name, a known code, or a prefix of one."""
    s = canonical(sel)
    return bool(s) and (s == "ALL" or any(code.startswith(s) for code in known_codes()))


def specificity(code: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector matching ``code`` (0: none; ``ALL`` counts 1)."""
    best = 0
    for sel in selectors:
        s = canonical(sel)
        if s == "ALL":
            best = max(best, 1)
        elif code.startswith(s):
            best = max(best, len(s) + 1)
    return best


def matches(code: str, selectors: Iterable[str]) -> bool:
    """Whether any of ``selectors`` matches ``code``."""
    return specificity(code, selectors) > 0


@lru_cache(maxsize=64)
def selected_codes(config: Config) -> frozenset[str]:
    """Codes enabled by select/extend-select minus ignore (more specific wins, as in ruff)."""
    out = set()
    for code in known_codes():
        sel = max(specificity(code, config.select), specificity(code, config.extend_select))
        if sel and sel > specificity(code, config.ignore):
            out.add(code)
    return frozenset(out)


def codes_for(config: Config, path: str) -> frozenset[str]:
    """Selected codes minus the ``per-file-ignores`` that match ``path``."""
    codes = selected_codes(config)
    if not config.per_file_ignores:
        return codes
    rel = _relative(path, config.root)
    name = os.path.basename(path)
    for glob, ignored in config.per_file_ignores:
        if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob) or fnmatch.fnmatch(rel, glob.rstrip("/") + "/*"):
            codes = frozenset(c for c in codes if not matches(c, ignored))
    return codes


def _relative(path: str, root: str) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    except ValueError:
        return path.replace(os.sep, "/")
