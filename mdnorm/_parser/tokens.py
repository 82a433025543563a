"""The block token type that :func:`mdnorm._parser.parse_blocks` returns."""

from __future__ import annotations

from typing import Any, TypedDict


class _TokenType(TypedDict):
    type: str


class Token(_TokenType, total=False):
    """A block token: mistune's dict with this module's source positions.

    ``_line`` is the 0-based file line the block starts on and ``_end`` the
    exclusive end line of its span; both are set on every token
    :func:`parse_blocks` returns.  Inside the parser tokens are mistune's plain
    dicts; they take this type where they leave it.
    """

    text: str
    marker: str
    raw: str
    style: str
    name: str
    rows: int
    attrs: dict[str, Any]
    children: list[Token]
    _line: int
    _end: int
    _parts: list[str]
    _bnd: int  # where a paragraph starts in its state's text (for kramdown's block boundary)
