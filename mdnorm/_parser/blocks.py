"""The entry point: parse a text into block tokens with file line positions."""

from __future__ import annotations

from typing import cast

import mdnorm._parser.lists  # noqa: F401  (importing it installs kramdown's list-item rules in mistune)
from mdnorm._parser.parser import KramdownParser
from mdnorm._parser.state import State
from mdnorm._parser.tokens import Token

_PARSER: KramdownParser | None = None


def parse_blocks(src: str, line_offset: int = 0) -> list[Token]:
    """Parse ``src`` (``\\n`` line endings) into block tokens with ``_line``/``_end``.

    ``line_offset`` is the file line that ``src`` starts on.  Tokens nest under
    ``children``; every token's ``_end`` is the exclusive end line of its span
    (the next sibling's start, or the parent's end).
    """
    global _PARSER
    if _PARSER is None:
        _PARSER = KramdownParser()
    state = State()
    state.line_offset = line_offset
    if not src.endswith("\n"):
        src += "\n"
    state.process(src)
    _PARSER.parse(state)
    total = line_offset + src.count("\n")
    tokens = cast(list[Token], state.tokens)
    _finish(tokens, total)
    return tokens


def _finish(tokens: list[Token], end: int) -> None:
    """Join paragraph parts and set each token's exclusive end line."""
    nxt = end
    for i, tok in enumerate(tokens):
        if "_line" not in tok:  # list items: mistune builds them outside any state
            kids = tok.get("children")
            if kids and "_line" in kids[0]:
                tok["_line"] = kids[0]["_line"]
            else:
                tok["_line"] = tokens[i - 1]["_line"] if i else 0
    for tok in reversed(tokens):  # most tokens are blank lines: tests before pops
        if "_parts" in tok:  # a paragraph (or a setext heading made of one)
            tok.pop("_bnd", None)
            text = "".join(tok.pop("_parts"))
            tok["text"] = text.strip() if tok["type"] == "heading" else text
        line = tok["_line"]
        end = tok["_end"] = nxt if nxt > line else line + 1
        children = tok.get("children")
        if children:
            _finish(children, end)
        nxt = line
