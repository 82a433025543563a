"""kramdown's definition lists: terms from the paragraph above, then ``: description`` blocks."""

from __future__ import annotations

import re
from re import Match
from typing import cast

from mistune.block_parser import BlockParser
from mistune.core import BlockState

from mdnorm._parser.html import html_line
from mdnorm._parser.state import State
from mdnorm._parser.syntax import EOB_LINE, IAL_LINE
from mdnorm._parser.tokens import Token
from mdnorm.text import BLANK_CHARS, is_blank

DL_START = r"^(?P<dl_1> {0,3}:)(?P<dl_2>[\t| ][^\n]*)$"
_DL_NEXT = {n: re.compile(rf" {{0,{n - 1}}}:([\t| ].*)") for n in (1, 2, 3)}
_DL_ANY = re.compile(r" {0,3}:([\t| ].*)")
_IAL_ONLY = re.compile(r"[ \t\f\v]*(?:\{:(?!:|/)[^}]+\})?[ \t\f\v]*")


def _dd_patterns(indentation: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """kramdown's ``content_re`` and ``indent_re`` for a description indented ``indentation`` columns."""
    q, r = divmod(indentation, 4)
    content = re.compile(rf"(?:(?:\t| {{4}}){{{q}}} {{{r}}}|(?:\t| {{4}}){{{q + 1}}})")
    return content, re.compile(f" {{{indentation}}}")


def _first_dd_line(indentation: int, content: str) -> tuple[str, int]:
    """kramdown's ``parse_first_list_line``: the text after the marker and the item's indentation."""
    if _IAL_ONLY.fullmatch(content):
        return content.lstrip(BLANK_CHARS), 4
    while True:
        tm = re.match(r"( *)(\t+)", content)
        if tm is None:
            break
        col = len(tm.group(1)) + indentation
        content = tm.group(1) + " " * (4 - col % 4 + (len(tm.group(2)) - 1) * 4) + content[tm.end() :]
    indentation += len(content) - len(content.lstrip(" "))
    return content.lstrip(BLANK_CHARS), indentation


def parse_dl(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    """kramdown's ``parse_definition_list``: terms from the paragraph above, then descriptions.

    The paragraph must be the last block, directly above or above exactly one
    *empty* line (kramdown compares the blank text with ``"\n"``); otherwise the
    line is paragraph text.  A description takes its first line, lines indented
    to its text, lazy lines, and blank lines followed by indented lines.
    """
    assert isinstance(state, State)
    tokens = state.tokens
    start = m.start()
    src = state.src
    if tokens and tokens[-1]["type"] == "paragraph":
        para = tokens.pop()
    elif (
        len(tokens) >= 2
        and tokens[-1]["type"] == "blank_line"
        and tokens[-2]["type"] == "paragraph"
        and src[start - 2 : start] == "\n\n"  # one empty line: its text is exactly "\n"
        and not is_blank(src[src.rfind("\n", 0, start - 2) + 1 : start - 2])
    ):
        tokens.pop()
        para = tokens.pop()
    else:
        return None
    terms = "".join(para.pop("_parts")).rstrip("\n").split("\n")
    if tokens and tokens[-1]["type"] == "blank_line" and len(tokens) >= 2 and tokens[-2]["type"] == "def_list":
        tokens.pop()  # kramdown adds to a list right above, a blank line between or not
    if not tokens or tokens[-1]["type"] != "def_list":
        tokens.append({"type": "def_list", "_line": para["_line"], "children": []})
    kids: list[Token] = tokens[-1]["children"]
    kids.extend({"type": "def_term", "_line": para["_line"] + i} for i in range(len(terms)))
    items: list[tuple[int, list[str]]] = []
    start_re: re.Pattern[str] = _DL_ANY
    content_re = indent_re = _DL_ANY
    pos = end = start
    last_blank = False
    while pos < state.cursor_max:
        nl = src.find("\n", pos)
        nxt = state.cursor_max if nl < 0 else nl + 1
        line = src[pos:nxt].rstrip("\n")
        dm = start_re.match(line)
        if dm is not None:
            marker = len(line) - len(dm.group(1))
            text, indentation = _first_dd_line(marker, dm.group(1))
            items.append((state.line_of(pos), [text]))
            content_re, indent_re = _dd_patterns(indentation)
            start_re = _DL_NEXT.get(indentation, _DL_ANY)
            last_blank = False
        elif EOB_LINE.match(line):
            break
        elif (content_re.match(line) and not is_blank(line)) or (
            not last_blank and not is_blank(line) and not IAL_LINE.match(line) and not html_line(src, pos)
        ):
            tm = re.match(r"\t+", line)
            if tm is not None:
                line = " " * (4 * len(tm.group())) + line[tm.end() :]
            items[-1][1].append(indent_re.sub("", line, count=1))
            last_blank = False
        elif is_blank(line):
            items[-1][1].append("")
            last_blank = True
            pos = nxt
            continue
        else:
            break
        pos = end = nxt
    depth_ok = state.depth() < parser.max_nested_level - 1
    rules = (
        parser.list_rules if depth_ok else [r for r in parser.list_rules if r not in ("block_quote", "list", "kd_dl")]
    )
    for line_no, lines in items:
        while len(lines) > 1 and not lines[-1]:
            lines.pop()  # the blank lines after a description belong to what follows
        state.pending_child_line = line_no
        child = state.child_state("\n".join(lines) + "\n")
        parser.parse(child, rules)
        kids.append(cast(Token, {"type": "def_desc", "_line": line_no, "children": child.tokens}))
    return end
