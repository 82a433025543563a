"""kramdown's block HTML: comments and non-span elements up to their end tag."""

from __future__ import annotations

import re
from re import Match

from mistune.core import BlockState

from mdnorm._parser.state import State
from mdnorm._parser.syntax import (
    HTML_CLOSE,
    HTML_LINE_START,
    HTML_RAW_START,
    HTML_TAG,
    NO_BODY,
    SPAN_ELEMENTS,
    TRAILING_WS_NL,
)


def html_line(src: str, pos: int) -> bool:
    """A line starting a non-span HTML tag (kramdown's LAZY_END_HTML_START/STOP)."""
    m = HTML_LINE_START.match(src, pos)
    return m is not None and m.group(1).lower() not in SPAN_ELEMENTS


def parse_kd_html(m: Match[str], state: BlockState) -> int | None:
    """kramdown's block HTML: a comment, or a non-span element up to its end tag."""
    assert isinstance(state, State)
    src = state.src
    lt = src.index("<", m.start())
    if src.startswith("<!--", lt):
        if state.last_is_paragraph() and not state.after_boundary(m.start()):
            return None  # kramdown: a comment line does not end a paragraph
        limit = state.no_comment_close_after
        close = -1 if limit is not None and lt >= limit else src.find("-->", lt + 4)
        if close < 0:
            state.no_comment_close_after = lt if limit is None else min(limit, lt)
            return None  # kramdown: an unclosed comment is paragraph text
        end = _line_end_after(src, close + 3)
        state.append_token({"type": "block_html", "raw": src[m.start() : end]})
        return end
    tm = HTML_TAG.match(src, lt)
    if tm is None:
        return None
    name = tm.group(1)
    if name.lower() in SPAN_ELEMENTS:
        return None  # a span element starts a paragraph
    pos = tm.end()
    if not (tm.group(3) or name.lower() in NO_BODY):
        pos = _raw_html_end(src, pos, name, state)
    end = _line_end_after(src, pos)
    state.append_token({"type": "block_html", "raw": src[m.start() : end]})
    return end


def _line_end_after(src: str, pos: int) -> int:
    """The start of the line after the one holding ``pos - 1`` (or the end)."""
    if pos > 0 and src[pos - 1] == "\n":
        return pos
    nl = src.find("\n", pos)
    return len(src) if nl < 0 else nl + 1


def _raw_html_end(src: str, pos: int, name: str, state: State) -> int:
    """kramdown's ``parse_raw_html``: nested elements up to the end tag of ``name``."""
    stack = [name.lower()]
    n = len(src)
    while stack:
        rm = HTML_RAW_START.search(src, pos)
        if rm is None:
            return n  # kramdown auto-closes at the end of the text
        lt = rm.start()
        if src.startswith("<!--", lt):
            limit = state.no_comment_close_after
            close = -1 if limit is not None and lt >= limit else src.find("-->", lt + 4)
            if close >= 0:
                pos = close + 3
                continue
            state.no_comment_close_after = lt if limit is None else min(limit, lt)
            pos = lt + 1
            continue
        if src.startswith("<?", lt):
            close = src.find("?>", lt + 2)
            pos = close + 2 if close >= 0 else lt + 1
            continue
        tm = HTML_TAG.match(src, lt)
        if tm is not None:
            inner = tm.group(1).lower()
            pos = tm.end()
            if tm.group(3) or inner in NO_BODY:
                continue
            if inner in ("script", "style"):
                cm = re.compile(r"</" + inner + r"\s*>", re.I).search(src, pos)
                pos = cm.end() if cm else n
                continue
            stack.append(inner)
            continue
        cm = HTML_CLOSE.match(src, lt)
        if cm is not None:
            pos = cm.end()
            if cm.group(1).lower() == stack[-1]:
                stack.pop()
            continue
        pos = lt + 1
    tw = TRAILING_WS_NL.match(src, pos)
    return tw.end() if tw else pos
