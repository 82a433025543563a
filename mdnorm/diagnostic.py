"""The data every rule returns: diagnostics, and fixes made of edits.

A rule never prints or writes.  It returns :class:`Diagnostic` records; the fixer
applies their :class:`Fix` edits and the reporters format them.  Offsets in an
:class:`Edit` index the decoded text of the file (``Document.text``), which keeps
the file's own line endings and BOM, so applying edits bottom-up leaves every
other character exactly as it was.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Literal, NamedTuple

Applicability = Literal["safe", "unsafe"]


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


class Fix(NamedTuple):
    """Edits that resolve one diagnostic, applied together or not at all."""

    edits: tuple[Edit, ...]
    applicability: Applicability

    @classmethod
    def safe(cls, *edits: Edit) -> Fix:
        return cls(tuple(edits), "safe")

    @classmethod
    def unsafe(cls, *edits: Edit) -> Fix:
        return cls(tuple(edits), "unsafe")


class Diagnostic(NamedTuple):
    """One problem at one place: ``path:line:column: CODE message``.

    ``line`` and ``column`` are 1-based; the column counts characters.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


#: :attr:`Diagnostic.sort_key` as a C function of the record (sorting a 200,000-problem report
#: with the property costs more than printing it).
by_position = itemgetter(0, 1, 2, 3)
