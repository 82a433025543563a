"""What a rule is: its record, its inputs (:class:`Context`), its edit policy, and the table.

Rule modules import from here and register themselves with :func:`rule` or
:func:`site_rule`; :mod:`mdnorm.rules` imports every rule module, so that
importing it fills :data:`RULES`.  This module imports no rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from mdnorm.diagnostic import Diagnostic, Fix
from mdnorm.document import Document

if TYPE_CHECKING:
    from mdnorm.config import Config
    from mdnorm.jekyll.scope import Page
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
    #: what Jekyll makes of the file (post, page, excluded ...); None: a post outside any site
    page: Page | None = field(default=None, compare=False)


Check = Callable[[Document, Context], Iterable[Diagnostic]]
#: A site-wide rule reads the post's facts (from its parse or the store), never its text.
SiteCheck = Callable[["SitePost", "SiteIndex", str, Context], Iterable[Diagnostic]]


#: An edit that changes visible text: ``(old, new) -> allowed?``.
TextCheck = Callable[[str, str], bool]
#: Whitespace as far as "the text is the same" goes: ASCII whitespace and the BOM.
#: U+3000 and NBSP are text to kramdown (a line of them is a paragraph), so not here.
_WS = re.compile(r"[ \t\n\r\f\v\ufeff]+")


def without_whitespace(text: str) -> str:
    """``text`` with every whitespace character (as the fixer's guard counts it) removed."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class EditPolicy:
    """What a rule's fix may change on the page; the fixer's safety check enforces it.

    The default is a whitespace-only fix: the same text, the same blocks, the same
    front matter data.  A rule that means to change more says so here, where it is
    defined, and nothing else in mdnorm names it.
    """

    #: an edit whose non-whitespace text differs is allowed when this accepts ``(old, new)``
    text: TextCheck | None = None
    #: may change the block structure (split a paragraph, insert a title or a TOC, remove an entry)
    restructures: bool = False
    #: URLs in the text an edit replaces may go (removing a duplicate entry)
    removes_urls: bool = False
    #: may add headings (a paragraph line made a heading)
    adds_headings: bool = False
    #: front matter keys whose value may change
    front_matter_keys: frozenset[str] = frozenset()
    #: an HTML block this accepts (``(raw, "")``) may go (a suppression comment removed)
    removes_html: TextCheck | None = None
    #: replaces a link target (or part of one) by another, with no blank in either
    rewrites_links: bool = False


WHITESPACE_ONLY = EditPolicy()


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
    policy: EditPolicy = WHITESPACE_ONLY

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    fix: FixKind = "none",
    needs_front_matter: bool = False,
    policy: EditPolicy = WHITESPACE_ONLY,
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``."""

    def register(check: Check) -> Check:
        family = check.__module__.rsplit(".", 1)[-1]
        RULES[code] = Rule(code, name, fix, check, family, needs_front_matter, policy=policy)
        return check

    return register


def site_rule(
    code: str, name: str, fix: FixKind = "none", policy: EditPolicy = WHITESPACE_ONLY
) -> Callable[[SiteCheck], SiteCheck]:
    """Register ``check`` as site-wide rule ``code`` (its docstring is the rule's doc)."""

    def register(check: SiteCheck) -> SiteCheck:
        family = check.__module__.rsplit(".", 1)[-1]

        def doc_only(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
            return ()

        doc_only.__doc__ = check.__doc__
        RULES[code] = Rule(code, name, fix, doc_only, family, site_check=check, policy=policy)
        return check

    return register


def policy_of(code: str) -> EditPolicy:
    """The edit policy of rule ``code`` (whitespace-only for a code no rule has)."""
    r = RULES.get(code)
    return r.policy if r is not None else WHITESPACE_ONLY


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
