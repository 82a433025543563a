"""kramdown's tables: pipe lines after a block boundary, with a body row."""

from __future__ import annotations

from re import Match

from mistune.block_parser import BlockParser
from mistune.core import BlockState

from mdnorm._parser.state import State
from mdnorm._parser.syntax import TABLE_FSEP, TABLE_LINE, TABLE_SEP


def parse_table(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    """kramdown's table: pipe lines after a block boundary, up to a block boundary."""
    assert isinstance(state, State)
    start = m.start()
    if not state.after_boundary(start):
        return None
    src = state.src
    pos = start
    lines: list[str] = []
    while pos < state.cursor_max:
        nl = src.find("\n", pos)
        nxt = state.cursor_max if nl < 0 else nl + 1
        line = src[pos:nxt].rstrip("\n")
        if not TABLE_LINE.match(line):
            break
        lines.append(line)
        pos = nxt
    if not lines or not state.before_boundary(pos):
        return None
    # the pipes must not all sit in code spans, and the table needs a body row
    if not _pipes_outside_code("\n".join(lines) + "\n"):
        return None
    rows = 0
    body = aligned = footer = False
    for line in lines:
        if TABLE_SEP.match(line):
            if rows and not aligned and not footer:
                aligned, rows = True, 0
            elif rows:
                body, rows = True, 0
        elif TABLE_FSEP.match(line):
            if rows:
                body = True
            footer, rows = True, 0
        else:
            rows += 1
    if rows and not footer:
        body = True
    if not body:
        return None
    state.append_token({"type": "table", "rows": len(lines)})
    return pos


def _pipes_outside_code(text: str) -> bool:
    """kramdown's check that each table line has a pipe that is not in a code span."""
    pipe_on_line = False
    for is_code, value in _code_segments(text):
        lines = value.split("\n")
        while lines and not lines[-1]:
            lines.pop()  # Ruby's split drops trailing empty strings
        if not lines:
            continue
        if is_code:
            if len(lines) > 2 or (len(lines) == 2 and not pipe_on_line):
                break
            if len(lines) == 2:
                pipe_on_line = False
        else:
            if len(lines) > 1 and not pipe_on_line and not TABLE_LINE.match(lines[0]):
                break
            pipe_on_line = (pipe_on_line and len(lines) == 1) or bool(TABLE_LINE.match(lines[-1]))
    return pipe_on_line


def _code_segments(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_code, value) runs; a code span is a backtick run up to the next run as long."""
    if "`" not in text:
        return [(False, text)]
    from mdnorm.text import code_spans

    out: list[tuple[bool, str]] = []
    pos = 0
    for a, b, c, end in code_spans(text):
        out += [(False, text[pos:a]), (True, text[b:c])]
        pos = end
    out.append((False, text[pos:]))
    return [seg for seg in out if seg[1] or seg[0]]
