"""The block state: mistune's, plus file lines and kramdown's block boundaries."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from mistune.core import BlockState

from mdnorm._parser.fences import Closers, FenceIndex, index_fence_closers
from mdnorm._parser.syntax import BLANK_OR_END, EOB_LINE, IAL_LINE
from mdnorm.text import is_blank

_NEWLINE = re.compile("\n")


class State(BlockState):
    """A block state that knows which file line its text starts on."""

    line_offset: int
    _newlines: list[int] | None

    def __init__(self, parent: Any | None = None) -> None:
        super().__init__(parent)
        self.line_offset = 0
        self._newlines = None
        self.pending_child_line: int | None = None
        self.force_list = False
        self._fences: FenceIndex | None = None
        self.no_comment_close_after: int | None = None

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> State:
        child = super().child_state(src, lazy_line_starts)
        assert isinstance(child, State)
        line = self.pending_child_line
        child.line_offset = line if line is not None else self.line_of(self.cursor)
        self.pending_child_line = None
        return child

    def line_of(self, pos: int) -> int:
        """File line (0-based) of offset ``pos`` in this state's text."""
        nl = self._newlines
        if nl is None:
            src = self.src
            nl = [m.start() for m in _NEWLINE.finditer(src)]
            self._newlines = nl
        return self.line_offset + bisect_right(nl, pos - 1)

    def after_boundary(self, pos: int) -> bool:
        """kramdown's ``after_block_boundary?`` for a block starting at line start ``pos``.

        True at the start of the text (of a document, list item or quote), after
        a blank line, and after an IAL line that itself follows one.  A list or block quote swallows the
        blank line that ends it, so this reads the source, not the last token.
        """
        src = self.src
        while pos > 0:
            prev = src.rfind("\n", 0, pos - 1) + 1
            line = src[prev:pos]
            if is_blank(line.rstrip("\n")):
                return True
            if IAL_LINE.fullmatch(line) is None:
                return False
            # an IAL line counts when it belongs to the block that follows it
            # (it follows a blank line), not when it is attached to the one above
            pos = prev
        return True

    def before_boundary(self, pos: int) -> bool:
        """kramdown's ``before_block_boundary?`` at line start ``pos``."""
        src = self.src
        if pos >= len(src):
            return True
        m = BLANK_OR_END.match(src, pos)
        if m is not None and (m.end() > pos or pos >= len(src)):
            return True
        return IAL_LINE.match(src, pos) is not None or EOB_LINE.match(src, pos) is not None

    # Paragraph text is kept as a list of parts, joined once at the end
    # (mistune's ``text += line`` is quadratic).
    def add_paragraph(self, text: str) -> None:
        last = self.tokens[-1] if self.tokens else None
        if last is not None and last["type"] == "paragraph":
            last["_parts"].append(text)
        else:
            self.tokens.append(
                {
                    "type": "paragraph",
                    "text": "",
                    "_parts": [text],
                    "_line": self.line_of(self.cursor),
                    "_bnd": self.cursor,  # after_boundary() is asked only if a setext underline follows
                }
            )

    def append_paragraph(self) -> int | None:
        if self.force_list:
            # kramdown: any list marker followed by text interrupts a paragraph
            self.force_list = False
            return None
        last = self.tokens[-1] if self.tokens else None
        if last is not None and last["type"] == "paragraph":
            pos = self.find_line_end()
            last["_parts"].append(self.get_text(pos))
            return pos
        return None

    def last_is_paragraph(self) -> bool:
        return bool(self.tokens) and self.tokens[-1]["type"] == "paragraph"

    def fence_closers(self, run: str, s: int, head_hash: int) -> Closers | None:
        """The lines able to close a fence opened with ``run[:s]`` plus a run of ``run[s]``.

        ``head_hash`` is :func:`run_hashes`' value for ``run[:s]``: looking up by
        the hash rather than by ``run[:s]`` itself keeps a long run of alternating
        ``~`` and backticks linear (no slice of the run for each of its segments).
        The caller still compares the bucket's ``head`` with ``run[:s]`` before
        using it, as a different head may have the same hash.
        """
        if self._fences is None:
            self._fences = index_fence_closers(self.src)
        exact, by_hash = self._fences
        key = (s, run[s], head_hash)
        if key not in by_hash:
            return None
        return by_hash[key] or exact.get((run[:s], run[s]))
