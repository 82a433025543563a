"""The rule table: one code, one name, one function, one doc.

Rules live in one module per family (``front_matter``, ``headings``, ``links``,
``whitespace``, ``kramdown``); each registers itself with :func:`rule`.  A rule is
a function ``(document, context) -> iterable of Diagnostic`` whose docstring is
what ``mdnorm rule CODE`` prints, so the docs users read sit beside the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic, Fix
from mdnorm.document import Document

if TYPE_CHECKING:
    from mdnorm.linkindex import SiteIndex, SitePost
    from mdnorm.online import OnlineFacts

FixKind = Literal["none", "safe", "unsafe", "safe/unsafe"]


@dataclass(frozen=True)
class Context:
    """Every input of a rule besides the post itself, as typed values built by the runner.

    ``site`` is the site index (None outside a Jekyll site, for stdin, or when no
    selected rule needs it); ``online`` the ``--online`` answers (None without it).
    """

    config: Config
    layouts: frozenset[str] | None = None
    site: SiteIndex | None = field(default=None, compare=False)
    online: OnlineFacts | None = field(default=None, compare=False)
    #: the post's path relative to the site root, when ``site`` is set
    rel: str | None = None


Check = Callable[[Document, Context], Iterable[Diagnostic]]
#: A site-wide rule reads the post's facts (from its parse or the store), never its text.
SiteCheck = Callable[["SitePost", "SiteIndex", str, Context], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    """Everything about a rule, declared where the rule is defined.

    ``needs_front_matter``: reported only when the front matter parsed (one
    problem, one diagnostic).  ``site_check``: set for a site-wide rule, which
    runs on the post's facts against the site index instead of on its text.
    """

    code: str
    name: str
    fix: FixKind
    check: Check
    family: str
    needs_front_matter: bool = False
    site_check: SiteCheck | None = None
    #: its fix replaces a link target (or part of one) by another, with no blank in either
    rewrites_links: bool = False

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, fix: FixKind = "none", needs_front_matter: bool = False) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``."""

    def register(check: Check) -> Check:
        family = check.__module__.rsplit(".", 1)[-1]
        RULES[code] = Rule(code, name, fix, check, family, needs_front_matter)
        return check

    return register


def site_rule(
    code: str, name: str, fix: FixKind = "none", rewrites_links: bool = False
) -> Callable[[SiteCheck], SiteCheck]:
    """Register ``check`` as site-wide rule ``code`` (its docstring is the rule's doc)."""

    def register(check: SiteCheck) -> SiteCheck:
        family = check.__module__.rsplit(".", 1)[-1]

        def doc_only(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
            return ()

        doc_only.__doc__ = check.__doc__
        RULES[code] = Rule(code, name, fix, doc_only, family, site_check=check, rewrites_links=rewrites_links)
        return check

    return register


def site_codes(codes: Iterable[str]) -> frozenset[str]:
    """The site-wide rules among ``codes``."""
    return frozenset(c for c in codes if c in RULES and RULES[c].site_check is not None)


def make(doc: Document, line: int, column: int, code: str, message: str, fix: Fix | None = None) -> Diagnostic:
    """A diagnostic at 0-based ``line``/``column`` of ``doc`` (stored 1-based)."""
    return Diagnostic(doc.path, line + 1, column + 1, code, message, fix)


# IO001 is produced by the runner (the file could not be read), not by a check;
# it is registered here so that it can be selected, documented and baselined.
def _io001(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """The file cannot be read as a UTF-8 text file (IO001, unreadable-file).

    What it does: reports a file that is not UTF-8, is binary (holds NUL bytes),
    is larger than ``max-file-size``, or cannot be opened.  The file is skipped and
    left untouched; the run goes on with the others.

    Why: a post Jekyll cannot read as UTF-8 is a broken page, and a linter that
    crashes on one file protects none of the others.

    Example: ``post.md`` saved as GBK (``\\xc4\\xe3\\xba\\xc3`` for "你好"),
    or an image renamed to ``.md``.

    Use instead: the same text saved as UTF-8.

    Fix: none.  Re-save the file as UTF-8, or exclude it.
    """
    return ()


RULES["IO001"] = Rule("IO001", "unreadable-file", "none", _io001, "io")


def _load_all() -> None:
    from mdnorm.rules import front_matter, headings, kramdown, links, site, site_links, whitespace  # noqa: F401


_load_all()


def check_selector(sel: str) -> bool:
    """True when ``sel`` is ``ALL``, a known code, or a prefix of one."""
    s = sel.upper()
    return s == "ALL" or any(code.startswith(s) for code in RULES)


def _matches(code: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector matching ``code`` (0: none; ALL counts 1)."""
    best = 0
    for s in selectors:
        if s == "ALL":
            best = max(best, 1)
        elif code.startswith(s):
            best = max(best, len(s) + 1)
    return best


@lru_cache(maxsize=64)
def selected_codes(config: Config) -> frozenset[str]:
    """Codes enabled by select/extend-select minus ignore (more specific wins, as in ruff)."""
    out = set()
    for code in RULES:
        sel = max(_matches(code, config.select), _matches(code, config.extend_select))
        ign = _matches(code, config.ignore)
        if sel and sel > ign:
            out.add(code)
    return frozenset(out)
