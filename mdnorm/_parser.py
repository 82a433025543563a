"""Private: mistune 3 block parsing with source line positions.

mistune tokens carry no positions, so this module subclasses its block parser and
state to stamp every block token with ``_line`` (0-based, the *file's* line) and
``_end`` (exclusive end line).  Everything that depends on mistune's internals
lives here, so the parser can be swapped without touching the rules.

What the shim has to know about mistune 3.4 (measured, see tests/test_parser.py):

* ``state.cursor`` is right when a heading, paragraph, code, thematic break or
  math token is appended, but lists and block quotes append their token *after*
  their children, so the start is taken from the match (``m.start()``) around
  :meth:`BlockParser.parse_method`.
* children of lists and block quotes are parsed in child states whose text has
  the ``>`` markers and indentation stripped but keeps one line per source line;
  a child state therefore only needs a line offset.
* indented code takes a fast path that skips ``parse_method``.
* paragraph text is built with ``text += line``, which is quadratic on inputs of
  many one-line paragraph continuations; paragraphs here collect parts in a list.

Only block parsing runs: inline parsing is never needed by the rules, so it is
skipped entirely (the rules read inline facts from the source text).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from re import Match
from typing import Any

from mistune import list_parser as _list_parser
from mistune.block_parser import BlockParser
from mistune.core import BlockState

Token = dict[str, Any]

# kramdown block math: ``$$`` at a block boundary; the first ``$$`` after it
# closes it, and a block boundary must follow (else it is inline math).
_MATH_CLOSE = re.compile(r"\$\$[ \t]*(?:\n|$)")
_BLANK_OR_END = re.compile(r"[ \t]*(?:\n|$)")
# kramdown extension blocks: {::comment} ... {:/comment} or {:/}
_EXT_START = r"^ {0,3}\{::(?P<ext_1>comment|nomarkdown|options)(?P<ext_2>[^}\n]*)\}[ \t]*$"
# Liquid blocks whose content Jekyll does not treat as Markdown.
_LIQUID_START = r"^ {0,3}\{%-?[ \t]*(?P<liquid_1>highlight|raw|comment)\b[^\n]*?-?%\}"
_LIQUID_END = {
    "highlight": re.compile(r"\{%-?[ \t]*endhighlight[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "raw": re.compile(r"\{%-?[ \t]*endraw[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "comment": re.compile(r"\{%-?[ \t]*endcomment[ \t]*-?%\}[^\n]*(?:\n|$)"),
}


class _State(BlockState):
    """A block state that knows which file line its text starts on."""

    line_offset: int
    _newlines: list[int] | None

    def __init__(self, parent: Any | None = None) -> None:
        super().__init__(parent)
        self.line_offset = 0
        self._newlines = None
        self._para_parts: list[str] | None = None
        self.pending_child_line: int | None = None

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> _State:
        child = super().child_state(src, lazy_line_starts)
        assert isinstance(child, _State)
        line = self.pending_child_line
        child.line_offset = line if line is not None else self.line_of(self.cursor)
        self.pending_child_line = None
        return child

    def line_of(self, pos: int) -> int:
        """File line (0-based) of offset ``pos`` in this state's text."""
        nl = self._newlines
        if nl is None:
            src = self.src
            nl = []
            find = src.find
            i = find("\n")
            while i >= 0:
                nl.append(i)
                i = find("\n", i + 1)
            self._newlines = nl
        return self.line_offset + bisect_right(nl, pos - 1)

    # Paragraph text is kept as a list of parts, joined once at the end
    # (mistune's ``text += line`` is quadratic).
    def add_paragraph(self, text: str) -> None:
        last = self.tokens[-1] if self.tokens else None
        if last is not None and last["type"] == "paragraph":
            last["_parts"].append(text)
        else:
            self.tokens.append({"type": "paragraph", "text": "", "_parts": [text], "_line": self.line_of(self.cursor)})

    def append_paragraph(self) -> int | None:
        last = self.tokens[-1] if self.tokens else None
        if last is not None and last["type"] == "paragraph":
            pos = self.find_line_end()
            last["_parts"].append(self.get_text(pos))
            return pos
        return None


class _Parser(BlockParser):
    """mistune's block parser plus positions and kramdown's block syntax."""

    def __init__(self) -> None:
        super().__init__(max_nested_level=6)
        self.register("kd_math", r"^ {0,3}\$\$", _parse_math, before="fenced_code")
        self.register("kd_ext", _EXT_START, _parse_ext, before="fenced_code")
        self.register("liquid_block", _LIQUID_START, _parse_liquid, before="fenced_code")
        for rules in (self.block_quote_rules, self.list_rules):
            for name in ("liquid_block", "kd_ext", "kd_math"):
                rules.insert(0, name)

    def parse_method(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        assert isinstance(state, _State)
        n = len(state.tokens)
        kind = m.lastgroup
        saved = state.pending_child_line
        if kind == "block_quote":
            state.pending_child_line = state.line_of(m.start())
        end = super().parse_method(m, state)
        # a block quote can interrupt a list item whose child state is still to come
        state.pending_child_line = saved if kind == "block_quote" else state.pending_child_line
        tokens = state.tokens
        if end and kind == "ref_link" and len(tokens) == n:
            tokens.append({"type": "ref_def"})
        if len(tokens) > n:
            line = state.line_of(m.start())
            for tok in tokens[n:]:
                if "_line" not in tok:
                    tok["_line"] = line
        return end

    def _parse_indent_code_fast(self, state: BlockState) -> int | None:
        start = state.cursor
        if start < state.cursor_max and state.src[start] not in " \t":
            return None  # cheap exit: only an indented line can start indented code
        assert isinstance(state, _State)
        n = len(state.tokens)
        end = super()._parse_indent_code_fast(state)
        if len(state.tokens) > n:
            state.tokens[-1]["_line"] = state.line_of(start)
        return end


def _after_block_boundary(state: BlockState, start: int) -> bool:
    last = state.tokens[-1] if state.tokens else None
    if last is None or last["type"] == "blank_line":
        return True
    # a list or block quote swallows the blank line that ends it, so look at the
    # source: kramdown starts a math block after "- item", a blank line, "$$".
    src = state.src
    if start < 2 or src[start - 1] != "\n":
        return False
    prev = src.rfind("\n", 0, start - 1)
    return not src[prev + 1 : start - 1].strip(" \t")


def _parse_math(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    if not _after_block_boundary(state, m.start()):
        return None
    src = state.src
    close = src.find("$$", m.end())
    while close >= 0:
        after = close + 2
        bm = _BLANK_OR_END.match(src, after)
        if bm is not None:
            end = bm.end()
            # before a block boundary: a blank line, or the end of the text
            nxt = _BLANK_OR_END.match(src, end)
            if end >= len(src) or (nxt is not None and nxt.end() > end) or src[end] == "\n":
                state.append_token({"type": "block_math", "raw": src[m.end() : close]})
                return end
        return None
    return None


def _parse_ext(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    name = m.group("ext_1")
    if m.group("ext_2").rstrip().endswith("/"):
        state.append_token({"type": "kd_extension", "name": name})
        return state.find_line_end_at(m.start())
    end_re = re.compile(r"\{:/(?:" + name + r")?\}[^\n]*(?:\n|$)")
    em = end_re.search(state.src, m.end())
    end = em.end() if em else state.cursor_max
    state.append_token({"type": "kd_extension", "name": name})
    return end


def _parse_liquid(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    em = _LIQUID_END[m.group("liquid_1")].search(state.src, m.end())
    end = em.end() if em else state.cursor_max
    state.append_token({"type": "liquid_block", "name": m.group("liquid_1")})
    return end


# List items: the child text of an item starts on the item's marker line (or the
# line after it when the marker has no text), and mistune gives no hook for that
# position; this wrapper records it for the child state.  It only acts on states
# of this module, so other users of mistune in the process are unaffected.
_orig_parse_list_item = _list_parser._parse_list_item


def _parse_list_item(block: Any, bullet: str, item: Any, token: Any, state: Any, rules: Any) -> Any:
    if isinstance(state, _State):
        marker_line = state.line_of(max(state.cursor - 1, 0))
        if state.cursor > state.cursor_max:
            marker_line = state.line_of(state.cursor_max)
        state.pending_child_line = marker_line + (0 if item.text.strip() else 1)
    return _orig_parse_list_item(block, bullet, item, token, state, rules)


_list_parser._parse_list_item = _parse_list_item  # type: ignore[assignment]

_PARSER: _Parser | None = None


def parse_blocks(src: str, line_offset: int = 0) -> list[Token]:
    """Parse ``src`` (``\\n`` line endings) into block tokens with ``_line``/``_end``.

    ``line_offset`` is the file line that ``src`` starts on.  Tokens nest under
    ``children``; every token's ``_end`` is the exclusive end line of its span
    (the next sibling's start, or the parent's end).
    """
    global _PARSER
    if _PARSER is None:
        _PARSER = _Parser()
    state = _State()
    state.line_offset = line_offset
    if not src.endswith("\n"):
        src += "\n"
    state.process(src)
    _PARSER.parse(state)
    total = line_offset + src.count("\n")
    _finish(state.tokens, total)
    return state.tokens


def _finish(tokens: list[Token], end: int) -> None:
    """Join paragraph parts and set each token's exclusive end line."""
    nxt = end
    for tok in tokens:
        if "_line" not in tok:  # list items: mistune builds them outside any state
            kids = tok.get("children")
            tok["_line"] = kids[0]["_line"] if kids and "_line" in kids[0] else None
    for i, tok in enumerate(tokens):
        if tok["_line"] is None:
            tok["_line"] = tokens[i - 1]["_line"] if i else 0
    for tok in reversed(tokens):
        parts = tok.pop("_parts", None)
        if parts is not None:
            tok["text"] = "".join(parts)
        tok["_end"] = max(nxt, tok["_line"] + 1)
        children = tok.get("children")
        if children:
            _finish(children, tok["_end"])
        nxt = tok["_line"]
