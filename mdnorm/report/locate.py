"""Offsets to lines and columns, and the span a diagnostic points at.

A diagnostic carries its start (1-based line and column, columns counted in
code points) and its fix's edits carry code-point offsets into the post's text.
Editors, the ``full`` format and the machine formats want both ends as lines and
columns; this module derives them from the text, the same way for every format.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic

_BREAK = re.compile(r"\r\n|\r|\n")  # the line breaks Document counts (never U+2028 or a form feed)


class Position(NamedTuple):
    line: int  # 1-based
    column: int  # 1-based, in code points


class LineIndex:
    """Where each line of ``text`` starts, for offset <-> line/column conversions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def position(self, offset: int) -> Position:
        i = bisect.bisect_right(self.starts, offset) - 1
        return Position(i + 1, offset - self.starts[i] + 1)

    def offset(self, line: int, column: int) -> int:
        if line - 1 >= len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """Line ``line`` (1-based) without its line break ('' past the end)."""
        if not 1 <= line <= len(self.starts):
            return ""
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[self.starts[line - 1] : end].rstrip("\r\n")


def span(d: Diagnostic, index: LineIndex) -> tuple[Position, Position]:
    """The start and end of what ``d`` points at.

    The text its fix replaces when the fix's first edit starts on the diagnostic's
    line and removes something; otherwise the rest of the line from its column
    (trailing blanks left out), at least one character.
    """
    start = Position(d.line, d.column)
    if d.fix is not None and d.fix.edits:
        first = min(d.fix.edits, key=lambda e: e.start)
        a, b = index.position(first.start), index.position(first.end)
        if first.end > first.start and a.line == d.line:
            return a, b
    line = index.line_text(d.line)
    end_col = max(len(line.rstrip()) + 1, d.column + 1) if line else d.column
    return start, Position(d.line, end_col)
