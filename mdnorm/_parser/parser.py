"""The block parser: mistune's, plus positions and kramdown's versions of its rules."""

from __future__ import annotations

import re
from bisect import bisect_left
from re import Match
from typing import Any

from mistune.block_parser import BlockParser, _is_plain_paragraph_start
from mistune.core import BlockState
from mistune.util import expand_tab

from mdnorm._parser.deflists import DL_START, parse_dl
from mdnorm._parser.extensions import parse_eob, parse_ext, parse_ial, parse_liquid, parse_math
from mdnorm._parser.fences import SEGMENT, run_hashes
from mdnorm._parser.html import html_line, parse_kd_html
from mdnorm._parser.state import State
from mdnorm._parser.syntax import (
    ATX,
    ATX_CLOSE,
    EOB_LINE,
    EXT_START,
    FENCE,
    FENCE_RUN,
    HEADER_ID,
    HTML_START,
    IAL_LINE,
    LIQUID_START,
    LIST,
    NAME,
    SETEXT_UNDERLINE,
    TABLE,
)
from mdnorm._parser.tables import parse_table
from mdnorm.text import is_blank


class KramdownParser(BlockParser):
    """mistune's block parser plus positions and kramdown's block syntax."""

    def __init__(self) -> None:
        super().__init__(max_nested_level=6)
        self._anchored_rules: dict[tuple[str, ...], bool] = {}
        spec = self.specification
        spec["atx_heading"] = ATX
        spec["fenced_code"] = FENCE
        spec["list"] = LIST
        spec["block_html"] = HTML_START
        spec["raw_html"] = HTML_START
        self.register("kd_math", r"^ {0,3}\$\$", parse_math, before="fenced_code")
        self.register("kd_ext", EXT_START, parse_ext, before="fenced_code")
        self.register("liquid_block", LIQUID_START, parse_liquid, before="fenced_code")
        self.register("kd_ial", r"^ {0,3}\{:(?!:|/)[^\n]*\}[ \t]*$", parse_ial, before="fenced_code")
        self.register("kd_eob", r"^\^[ \t]*$", parse_eob, before="fenced_code")
        self.register("kd_table", TABLE, parse_table)
        self.register("kd_dl", DL_START, parse_dl, before="fenced_code")
        # what ends a list item's lazy lines (not a rule of its own: see lists._get_list_break_rules)
        spec["kd_html_tag"] = r"^ {0,3}<" + NAME
        self._methods["kd_html_tag"] = lambda m, state: parse_kd_html(m, state)
        for rules in (self.block_quote_rules, self.list_rules):
            for name in ("kd_eob", "kd_ial", "liquid_block", "kd_ext", "kd_math", "kd_dl"):
                rules.insert(0, name)
            rules.append("kd_table")

    def parse(self, state: BlockState, rules: list[str] | None = None) -> None:
        """mistune 3.4's loop, with one change: the next block start is looked for at line starts.

        After a line that starts no block and is no plain paragraph start (a digit
        or punctuation first: ``2013.9``, ``![](x.png)``, ``**b**``), mistune
        searches the text for the next match, trying every alternative at every
        character.  Every alternative starts with ``^``, so a match can only begin
        at a line start: :meth:`_next_start` tries only those (same match).
        """
        if rules is None:
            rules = self.rules
        sc = self.compile_sc(rules)
        anchored = self._anchored(rules)
        indent_code = "indent_code" in rules
        # the match that ended the last plain paragraph, at the cursor: the block after
        # it (a blank line, mostly) is not matched a second time
        ended: Match[str] | None = None
        src = state.src
        while state.cursor < state.cursor_max:
            if indent_code and src[state.cursor] in " \t":  # (only an indented line can start indented code)
                end_pos = self._parse_indent_code_fast(state)
                if end_pos is not None:
                    state.cursor = end_pos
                    continue
            reuse = ended is not None and ended.start() == state.cursor
            m = ended if reuse else sc.match(state.src, state.cursor)
            ended = None
            if not m:
                done, ended = self._take_plain_paragraph(state, sc)
                if done:
                    continue
            if not m:
                m = _next_start(sc, state.src, state.cursor) if anchored else sc.search(state.src, state.cursor)
            if not m:
                break
            end_pos = m.start()
            if end_pos > state.cursor:
                state.add_paragraph(state.get_text(end_pos))
                state.cursor = end_pos
            end_pos2 = self.parse_method(m, state)
            if end_pos2:
                state.cursor = end_pos2
            else:
                end_pos3 = state.find_line_end()
                state.add_paragraph(state.get_text(end_pos3))
                state.cursor = end_pos3
        if state.cursor < state.cursor_max:
            state.add_paragraph(state.src[state.cursor :])
            state.cursor = state.cursor_max

    def _anchored(self, rules: list[str]) -> bool:
        """Whether every rule's pattern can match only at a line start (``^`` first, under ``re.M``)."""
        key = tuple(rules)
        got = self._anchored_rules.get(key)
        if got is None:
            got = self._anchored_rules[key] = all(self.specification[r].startswith(("^", "(^")) for r in rules)
        return got

    def parse_method(self, m: Match[str], state: BlockState) -> int | None:
        assert isinstance(state, State)
        kind = m.lastgroup
        if kind == "blank_line":  # the commonest block by far: straight to mistune's method
            end_blank: int = self.parse_blank_line(m, state)
            state.tokens[-1]["_line"] = state.line_of(m.start())
            return end_blank
        n = len(state.tokens)
        saved = state.pending_child_line
        if kind == "block_quote":
            state.pending_child_line = state.line_of(m.start())
        elif kind == "list" and state.last_is_paragraph():
            # mistune lets only "1." start a list inside a paragraph; kramdown any number
            marker = m.group("list_2")
            state.force_list = marker[-1] == "." and marker[:-1] != "1" and not is_blank(m.group("list_3"))
        last = state.tokens[-1] if state.tokens else None
        parts = len(last["_parts"]) if last is not None and last["type"] == "paragraph" else -1
        try:
            end = super().parse_method(m, state)
        finally:
            state.force_list = False
        # a block quote can interrupt a list item whose child state is still to come
        state.pending_child_line = saved if kind == "block_quote" else state.pending_child_line
        tokens = state.tokens
        if end and kind == "ref_link" and len(tokens) == n and (parts < 0 or len(tokens[-1]["_parts"]) == parts):
            tokens.append({"type": "ref_def"})  # (not when the line only continued a paragraph)
        if len(tokens) > n:
            line = state.line_of(m.start())
            for tok in tokens[n:]:
                if "_line" not in tok:
                    tok["_line"] = line
        return end

    # -- kramdown's versions of mistune's rules --------------------------------
    def parse_atx_heading(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        text = m.group("atx_2").strip()
        hid = HEADER_ID.search(text)
        if hid is not None:
            text = text[: hid.start()].rstrip()
        closing = ATX_CLOSE.search(text)
        if closing is not None:
            text = text[: closing.start()].rstrip()
        if not text:
            return None
        state.append_token({"type": "heading", "text": text, "attrs": {"level": len(m.group("atx_1"))}, "style": "atx"})
        return m.end() + 1

    def parse_setex_heading(self, m: Match[str], state: BlockState) -> int | None:
        assert isinstance(state, State)
        last = state.tokens[-1] if state.tokens else None
        if last is not None and last["type"] == "paragraph":
            parts = last["_parts"]
            line = state.get_line(state.cursor)
            one_line = len(parts) == 1 and parts[0].count("\n") <= 1
            start = last.get("_bnd")
            if one_line and start is not None and state.after_boundary(start) and SETEXT_UNDERLINE.match(line):
                last["type"] = "heading"
                last["style"] = "setext"
                last["attrs"] = {"level": 1 if line[0] == "=" else 2}
                return m.end() + 1
            return None  # kramdown: the underline is more paragraph text
        sc = self.compile_sc(["thematic_break", "list"])
        m2 = sc.match(state.src, state.cursor)
        if m2:
            return self.parse_method(m2, state)
        return None

    def parse_thematic_break(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        assert isinstance(state, State)
        if state.last_is_paragraph() and not state.after_boundary(m.start()):
            return None  # kramdown: a rule does not interrupt a paragraph
        return super().parse_thematic_break(m, state)

    def parse_fenced_code(self, m: Match[str], state: BlockState) -> int | None:
        assert isinstance(state, State)
        src = state.src
        start = m.start()
        line_end = src.find("\n", start)
        if line_end < 0:
            return None  # a fence needs a closing line
        rm = FENCE_RUN.match(src, start)
        assert rm is not None
        run = rm.group(1)
        rest = src[rm.end() : line_end]
        # kramdown may give back part of the run to the info string (``(([~`]){3,})``
        # backtracks): the longest opening run ``run[:k]`` that a later line closes
        # wins, provided the info string ``run[k:] + rest`` is one word.  Each
        # segment of equal characters is one look-up (trying each k would be
        # quadratic in the run's length).
        whole_ok = not any(c.isspace() for c in rest.strip())  # the info string when k == len(run)
        part_ok = not any(c.isspace() for c in rest.rstrip())  # when k < len(run)
        segments = [sm.span() for sm in SEGMENT.finditer(run)]
        hashes = run_hashes(segments, run)
        for (s, e), head_hash in zip(reversed(segments), reversed(hashes), strict=True):
            if e < 3:
                break
            closers = state.fence_closers(run, s, head_hash)
            if closers is None:
                continue
            i = bisect_left(closers.starts, line_end + 1)
            if i == len(closers.starts):
                continue
            k = min(e, s + closers.longest[i])
            if k == len(run) and not whole_ok:
                k -= 1
            if k < len(run) and not part_ok:
                return None  # every shorter opening run has the same, split, info string
            if k < max(s + 1, 3) or closers.head != run[:s]:
                continue
            close = closers.first_closing(i, k - s)
            close_end = src.find("\n", close)
            end = len(src) if close_end < 0 else close_end + 1
            info = (run[k:] + rest).strip()
            token: dict[str, Any] = {
                "type": "block_code",
                "raw": src[line_end + 1 : close],
                "style": "fenced",
                "marker": run[:k],
            }
            if info:
                token["attrs"] = {"info": info}
            state.append_token(token)
            return end
        return None

    def _take_plain_paragraph(self, state: BlockState, sc: re.Pattern[str]) -> tuple[bool, Match[str] | None]:
        """mistune's fast path for paragraph lines, ending only at a blank line as kramdown judges it.

        mistune's own version stops at any line that ``str.strip()`` empties,
        U+3000 and NBSP lines included, which kramdown keeps as text.  Returns
        whether it took a paragraph, and the match of ``sc`` that ended it (for
        :meth:`parse` to use rather than match that line again).
        """
        src, start, end = state.src, state.cursor, state.cursor_max
        if not _is_plain_paragraph_start(src, start):
            return False, None
        pos = start
        ended = None
        while pos < end:
            if pos > start:
                ended = sc.match(src, pos)
                if ended:
                    break
            nl = src.find("\n", pos)
            nxt = end if nl < 0 else nl + 1
            if is_blank(src[pos:nxt].rstrip("\n")):
                break
            pos = nxt
        if pos <= start:
            return False, None
        state.add_paragraph(src[start:pos])
        state.cursor = pos
        return True, ended

    def _parse_indent_code_fast(self, state: BlockState) -> int | None:
        start = state.cursor
        src = state.src
        if start >= state.cursor_max or src[start] not in " \t":
            return None  # cheap exit: only an indented line can start indented code
        assert isinstance(state, State)
        line_end = state.find_line_end()
        if not _is_indent_line(src[start:line_end]):
            return None
        if state.last_is_paragraph():
            return state.append_paragraph()
        end = _indent_code_end(src, start, state.cursor_max)
        code = re.sub(r"(?m)^(?:\t| {1,4})", "", src[start:end]).strip("\n")
        state.append_token({"type": "block_code", "raw": code, "style": "indent", "_line": state.line_of(start)})
        return end

    def parse_indent_code(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        # kramdown's indented code is found by the fast path; what reaches here
        # continues a paragraph or is paragraph text ("  \tx" is not indented code)
        return state.append_paragraph()

    def extract_block_quote(self, m: Match[str], state: BlockState) -> tuple[str, int | None, set[int]]:
        """kramdown: the quote runs to the next blank line (or IAL/EOB line), lazily."""
        assert isinstance(state, State)
        src = state.src
        pos = state.cursor
        parts: list[str] = []
        while pos < state.cursor_max:
            nl = src.find("\n", pos)
            nxt = state.cursor_max if nl < 0 else nl + 1
            parts.append(_QUOTE_MARK.sub("", src[pos:nxt], count=1))
            pos = nxt
            if pos >= state.cursor_max or state.before_boundary(pos) or html_line(src, pos):
                break
        state.cursor = pos
        return expand_tab("".join(parts)), None, set()

    def parse_block_html(self, m: Match[str], state: BlockState) -> int | None:
        return parse_kd_html(m, state)

    def parse_raw_html(self, m: Match[str], state: BlockState) -> int | None:
        return parse_kd_html(m, state)


_QUOTE_MARK = re.compile(r"^ {0,3}> ?")


def _next_start(sc: re.Pattern[str], src: str, pos: int) -> Match[str] | None:
    """``sc.search(src, pos)`` for a pattern whose every alternative starts with ``^`` (``re.M``)."""
    if pos and src[pos - 1] != "\n":  # not a line start: the next one
        pos = src.find("\n", pos) + 1
        if not pos:
            return None
    while True:
        m = sc.match(src, pos)
        if m is not None:
            return m
        nl = src.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1


def _is_indent_line(line: str) -> bool:
    """kramdown's ``INDENT[ \\t]*\\S``: a tab or four spaces, then text."""
    return (line.startswith("\t") or line.startswith("    ")) and not is_blank(line.rstrip("\n"))


def _indent_code_end(src: str, start: int, end: int) -> int:
    """End of kramdown's CODEBLOCK_MATCH from ``start``: indented lines and lazy lines after them."""
    pos = done = start
    while pos < end:
        p = pos
        while p < end:  # optional blank lines
            nl = src.find("\n", p)
            nxt = end if nl < 0 else nl + 1
            if not is_blank(src[p:nxt].rstrip("\n")):
                break
            p = nxt
        indented = 0
        while p < end:
            nl = src.find("\n", p)
            nxt = end if nl < 0 else nl + 1
            if not _is_indent_line(src[p:nxt]):
                break
            indented += 1
            p = nxt
        if not indented:
            break
        while p < end:  # lazy lines
            nl = src.find("\n", p)
            nxt = end if nl < 0 else nl + 1
            line = src[p:nxt]
            if is_blank(line.rstrip("\n")) or IAL_LINE.match(line) or EOB_LINE.match(line) or html_line(src, p):
                break
            p = nxt
        pos = done = p
    return done
