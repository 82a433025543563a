"""Shared helpers for the per-rule fixture tests (pyupgrade / pre-commit-hooks style).

Each test module lists ``(post, [(line, column, code), ...])`` cases, ``NOOP``
posts that must report nothing, and ``(post, fixed)`` pairs run through
:func:`mdnorm.fixer.fix_document`.
"""

from __future__ import annotations

from typing import Any

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.linter import lint_document
from mdnorm.rules import RULES, Context

#: A valid front matter block, for posts that need one (6 lines with the blank line).
FM = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"

#: Layouts known to the FM005 tests (as if read from a ``_layouts/`` folder).
LAYOUTS = frozenset({"post", "default"})


def context(layouts: frozenset[str] | None = LAYOUTS, **config: Any) -> Context:
    return Context(Config(**config), layouts=layouts)


def codes(*prefixes: str) -> frozenset[str]:
    """The registered codes starting with one of ``prefixes``."""
    return frozenset(c for c in RULES if c.startswith(prefixes))


def lint(text: str, *prefixes: str, ctx: Context | None = None) -> list[tuple[int, int, str]]:
    """``(line, column, code)`` of every diagnostic of the selected rules."""
    doc = Document("post.md", text)
    diags = lint_document(doc, ctx or context(), codes(*prefixes))
    return [(d.line, d.column, d.code) for d in diags]


def messages(text: str, *prefixes: str, ctx: Context | None = None) -> list[str]:
    doc = Document("post.md", text)
    return [d.message for d in lint_document(doc, ctx or context(), codes(*prefixes))]


def fix(text: str, *prefixes: str, unsafe: bool = False, ctx: Context | None = None) -> str:
    """The text after the fixer applied the selected rules' fixes."""
    result = fix_document(Document("post.md", text), ctx or context(), codes(*prefixes), unsafe=unsafe)
    return result.text
