r"""Private: mistune 3 block parsing with source line positions, kramdown's way.

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
* paragraph text is built with ``text += line`` and block quote text with
  ``text += quote``, both quadratic on long inputs; here both collect parts in
  a list.

The blog is rendered by kramdown's GFM parser, not by a CommonMark one, so where
the two disagree on *which lines form which block* this module follows kramdown
2.4 (each point checked with ``kramdown-html``):

* ATX headings start in column 0 (``" # H"`` is text) and need text after the
  hashes (``"#"`` alone is text); only a space-separated run of closing hashes
  is stripped (``"# C#"`` is "C#").
* a setext heading is one line right after a block boundary; otherwise an
  underline or a ``***`` rule directly under paragraph text continues the
  paragraph.
* fenced code must be closed (an unclosed fence is paragraph text) and its info
  string is one word; a closing fence repeats the opening run.
* indented code takes "lazy" unindented lines that follow it.
* a block quote runs to the next blank line, whatever the lines hold.
* an ordered list marker is ``1.`` (``1)`` is text); any number interrupts a
  paragraph.
* a block-level HTML element (``<div>``, ``<table>`` ...) runs to its matching
  end tag across blank lines (or to the end of the text); span elements
  (``<img>``, ``<a>``) start paragraphs; an HTML comment runs to ``-->``.
* tables: after a block boundary, lines that hold an unescaped ``|`` up to a
  block boundary, with at least one body row.
* ``$$`` math blocks: ``$$`` after a block boundary, up to the first ``$$``,
  which must be followed by a block boundary.
* definition lists: a ``: text`` line right under a paragraph, or under it and
  exactly one empty line (a blank line holding spaces, or two blank lines, keep
  them apart), makes the paragraph's lines terms (token ``def_list`` holding
  ``def_term`` and ``def_desc`` tokens; a description's blocks are its children).
* a blank line holds only spaces, tabs, form feeds and vertical tabs (Ruby's
  ASCII ``\s``): a line of U+3000 or NBSP is text (:func:`mdnorm.document.is_blank`).
* IAL lines ``{: .class}`` and ``{:toc}`` end a paragraph and form no block
  (token ``ial``); so does an end-of-block line ``^`` (token ``eob``).

Only block parsing runs: inline parsing is never needed by the rules, so it is
skipped entirely (the rules read inline facts from the source text).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from re import Match
from typing import Any, TypedDict, cast

from mistune import list_parser as _list_parser
from mistune.block_parser import BlockParser, _is_plain_paragraph_start
from mistune.core import BlockState
from mistune.util import expand_tab

from mdnorm.text import BLANK_CHARS, is_blank


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
    _bnd: bool


_BLANK_OR_END = re.compile(r"[ \t]*(?:\n|$)")
# kramdown's block boundary at a line start: a blank line, an IAL line, an
# end-of-block marker ``^``, or the end of the text.
_IAL_LINE = re.compile(r" {0,3}\{:(?!:|/)[^\n]*\}[ \t]*(?:\n|$)")
_EOB_LINE = re.compile(r"\^[ \t]*(?:\n|$)")
# kramdown extension blocks: {::comment} ... {:/comment} or {:/}
_EXT_START = r"^ {0,3}\{::(?P<ext_1>comment|nomarkdown|options)(?P<ext_2>[^}\n]*)\}[ \t]*$"
# Liquid blocks whose content Jekyll does not treat as Markdown.
_LIQUID_START = r"^ {0,3}\{%-?[ \t]*(?P<liquid_1>highlight|raw|comment)\b[^\n]*?-?%\}"
_LIQUID_END = {
    "highlight": re.compile(r"\{%-?[ \t]*endhighlight[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "raw": re.compile(r"\{%-?[ \t]*endraw[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "comment": re.compile(r"\{%-?[ \t]*endcomment[ \t]*-?%\}[^\n]*(?:\n|$)"),
}

# -- kramdown's block syntax (kramdown 2.4, kramdown-parser-gfm 1.1) ---------
_ATX = r"^(?P<atx_1>#{1,6})(?P<atx_2>[ \t][^\n]*)$"
_HEADER_ID = re.compile(r"[\t ]\{#[A-Za-z_][\w.:-]*\}$")
_ATX_CLOSE = re.compile(r"[\t ]#+$")
_SETEXT_UNDERLINE = re.compile(r"[-=]+[ \t\f\v]*$")
_FENCE = r"^ {0,3}(?P<fenced_2>[~`]{3,})"
_FENCE_RUN = re.compile(r" {0,3}([~`]{3,})")
_FENCE_ONLY = re.compile(r"^ {0,3}([~`]{3,})[ \t\f\v]*$", re.M)
_LIST = r"^(?P<list_1> {0,3})(?P<list_2>[\*\+-]|\d{1,9}[.])(?P<list_3>[ \t][^\n]*)$"
_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_HTML_START = r"^ {0,3}<(?:!--|" + _NAME + ")"
_HTML_TAG = re.compile(r"<(" + _NAME + r")((?:\s+" + _NAME + r"(?:\s*=\s*(?:\w+|\"[^\"]*\"|'[^']*'))?)*)\s*(/)?>", re.S)
_HTML_CLOSE = re.compile(r"</(" + _NAME + r")\s*>")
_HTML_RAW_START = re.compile(r"<(?:" + _NAME + r"|/|!--|\?)")
_HTML_LINE_START = re.compile(r" {0,3}</?(" + _NAME + ")")
_TRAILING_WS_NL = re.compile(r"[ \t]*\n")
_SPAN_ELEMENTS = frozenset(
    """a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark
    option q rb rbc rp rt rtc ruby samp select small span strong sub sup tt u var""".split()
)
_NO_BODY = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())
_TABLE = r"^ {0,3}(?=\S)(?:\||[^\n]*?[^\\\n]\|)[^\n]*$"
_TABLE_LINE = re.compile(r"(?:\||[^\n]*?[^\\\n]\|)")
# kramdown's separator lines ``[+|: \t-]*?-[+|: \t-]*?[ \t]*$`` (and ``=`` for a footer):
# only those characters, at least one dash.  Written as a lookahead for the dash
# and one greedy class, as the lazy form is quadratic in a long ``|-|-...x`` line.
_TABLE_SEP = re.compile(r"(?=[^-]*-)[+|: \t-]*$")
_TABLE_FSEP = re.compile(r"(?=[^=]*=)[+|: \t=]*$")


class _State(BlockState):
    """A block state that knows which file line its text starts on."""

    line_offset: int
    _newlines: list[int] | None

    def __init__(self, parent: Any | None = None) -> None:
        super().__init__(parent)
        self.line_offset = 0
        self._newlines = None
        self.pending_child_line: int | None = None
        self.force_list = False
        self._fences: _FenceIndex | None = None
        self._no_comment_close_after: int | None = None

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
            if _IAL_LINE.fullmatch(line) is None:
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
        m = _BLANK_OR_END.match(src, pos)
        if m is not None and (m.end() > pos or pos >= len(src)):
            return True
        return _IAL_LINE.match(src, pos) is not None or _EOB_LINE.match(src, pos) is not None

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
                    "_bnd": self.after_boundary(self.cursor),
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

    def fence_closers(self, run: str, s: int, head_hash: int) -> _Closers | None:
        """The lines able to close a fence opened with ``run[:s]`` plus a run of ``run[s]``.

        ``head_hash`` is :func:`_run_hashes`' value for ``run[:s]``: looking up by
        the hash rather than by ``run[:s]`` itself keeps a long run of alternating
        ``~`` and backticks linear (no slice of the run for each of its segments).
        The caller still compares the bucket's ``head`` with ``run[:s]`` before
        using it, as a different head may have the same hash.
        """
        if self._fences is None:
            self._fences = _index_fence_closers(self.src)
        exact, by_hash = self._fences
        key = (s, run[s], head_hash)
        if key not in by_hash:
            return None
        return by_hash[key] or exact.get((run[:s], run[s]))


_SEGMENT = re.compile(r"~+|`+")
_HASH_MOD = (1 << 61) - 1
_HASH_BASE = 1_000_003
_HASH_INV = pow(_HASH_BASE - 1, -1, _HASH_MOD)


def _run_hashes(segments: list[tuple[int, int]], run: str) -> list[int]:
    """A polynomial hash of ``run[:start]`` for the start of each segment of a fence run.

    A segment of length L costs one ``pow``, not L steps, so hashing every prefix
    that ends a segment takes time in the number of segments, not their length.
    """
    out = []
    h = 0
    for start, end in segments:
        out.append(h)
        power = pow(_HASH_BASE, end - start, _HASH_MOD)
        # h * B^n + c * (B^(n-1) + ... + B + 1)
        h = (h * power + ord(run[start]) * (power - 1) * _HASH_INV) % _HASH_MOD
    return out


class _Closers:
    """The fence-only lines ``head + char * m`` of a text, in text order.

    A fence opened with ``head + char * j`` (kramdown's ``^ {0,3}\1\2*``, where
    ``\2`` is the opening run's last character) is closed by the first of these
    lines after it with ``m >= j``.  ``longest[i]`` is the largest ``m`` from line
    ``i`` on, so the longest opening run that a later line closes is one look-up.
    """

    __slots__ = ("head", "lengths", "longest", "starts")

    def __init__(self, head: str) -> None:
        self.head = head
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self.longest: list[int] = []

    def first_closing(self, i: int, j: int) -> int:
        """Line start of the first line from ``i`` on with ``m >= j`` (needs ``longest[i] >= j``).

        The lines skipped here lie inside the code block that this closes, so
        the scans of one text add up to its number of lines.
        """
        while self.lengths[i] < j:
            i += 1
        return self.starts[i]


_FenceIndex = tuple[dict[tuple[str, str], _Closers], dict[tuple[int, str, int], "_Closers | None"]]


def _index_fence_closers(src: str) -> _FenceIndex:
    """Every fence-only line of ``src``, by ``(head, char)`` and by ``(len(head), char, hash)``.

    The hash key maps to None when two different heads share it; a look-up then
    falls back to the exact key.
    """
    exact: dict[tuple[str, str], _Closers] = {}
    by_hash: dict[tuple[int, str, int], _Closers | None] = {}
    for m in _FENCE_ONLY.finditer(src):
        run = m.group(1)
        segments = [sm.span() for sm in _SEGMENT.finditer(run)]
        head_len = segments[-1][0]
        head, char = run[:head_len], run[-1]
        closers = exact.get((head, char))
        if closers is None:
            closers = exact[(head, char)] = _Closers(head)
            key = (head_len, char, _run_hashes(segments, run)[-1])
            by_hash[key] = None if key in by_hash else closers
        closers.starts.append(m.start())
        closers.lengths.append(len(run) - head_len)
    for closers in exact.values():
        longest, best = [0] * len(closers.lengths), 0
        for i in range(len(closers.lengths) - 1, -1, -1):
            best = max(best, closers.lengths[i])
            longest[i] = best
        closers.longest = longest
    return exact, by_hash


class _Parser(BlockParser):
    """mistune's block parser plus positions and kramdown's block syntax."""

    def __init__(self) -> None:
        super().__init__(max_nested_level=6)
        spec = self.specification
        spec["atx_heading"] = _ATX
        spec["fenced_code"] = _FENCE
        spec["list"] = _LIST
        spec["block_html"] = _HTML_START
        spec["raw_html"] = _HTML_START
        self.register("kd_math", r"^ {0,3}\$\$", _parse_math, before="fenced_code")
        self.register("kd_ext", _EXT_START, _parse_ext, before="fenced_code")
        self.register("liquid_block", _LIQUID_START, _parse_liquid, before="fenced_code")
        self.register("kd_ial", r"^ {0,3}\{:(?!:|/)[^\n]*\}[ \t]*$", _parse_ial, before="fenced_code")
        self.register("kd_eob", r"^\^[ \t]*$", _parse_eob, before="fenced_code")
        self.register("kd_table", _TABLE, _parse_table)
        self.register("kd_dl", _DL_START, _parse_dl, before="fenced_code")
        # what ends a list item's lazy lines (not a rule of its own: see _get_list_break_rules)
        spec["kd_html_tag"] = r"^ {0,3}<" + _NAME
        self._methods["kd_html_tag"] = lambda m, state: _parse_kd_html(m, state)
        for rules in (self.block_quote_rules, self.list_rules):
            for name in ("kd_eob", "kd_ial", "liquid_block", "kd_ext", "kd_math", "kd_dl"):
                rules.insert(0, name)
            rules.append("kd_table")

    def parse_method(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        assert isinstance(state, _State)
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
        hid = _HEADER_ID.search(text)
        if hid is not None:
            text = text[: hid.start()].rstrip()
        closing = _ATX_CLOSE.search(text)
        if closing is not None:
            text = text[: closing.start()].rstrip()
        if not text:
            return None
        state.append_token({"type": "heading", "text": text, "attrs": {"level": len(m.group("atx_1"))}, "style": "atx"})
        return m.end() + 1

    def parse_setex_heading(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        assert isinstance(state, _State)
        last = state.tokens[-1] if state.tokens else None
        if last is not None and last["type"] == "paragraph":
            parts = last["_parts"]
            line = state.get_line(state.cursor)
            one_line = len(parts) == 1 and parts[0].count("\n") <= 1
            if one_line and last.get("_bnd") and _SETEXT_UNDERLINE.match(line):
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
        assert isinstance(state, _State)
        if state.last_is_paragraph() and not state.after_boundary(m.start()):
            return None  # kramdown: a rule does not interrupt a paragraph
        return super().parse_thematic_break(m, state)

    def parse_fenced_code(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        assert isinstance(state, _State)
        src = state.src
        start = m.start()
        line_end = src.find("\n", start)
        if line_end < 0:
            return None  # a fence needs a closing line
        rm = _FENCE_RUN.match(src, start)
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
        segments = [sm.span() for sm in _SEGMENT.finditer(run)]
        hashes = _run_hashes(segments, run)
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

    def _parse_plain_paragraph(self, state: BlockState, sc: re.Pattern[str]) -> bool:
        """mistune's fast path for paragraph lines, ending only at a blank line as kramdown judges it.

        mistune's own version stops at any line that ``str.strip()`` empties,
        U+3000 and NBSP lines included, which kramdown keeps as text.
        """
        if not _is_plain_paragraph_start(state.src, state.cursor):
            return False
        pos = state.cursor
        while pos < state.cursor_max:
            if pos > state.cursor and sc.match(state.src, pos):
                break
            line = state.get_line(pos)
            if is_blank(line.rstrip("\n")):
                break
            pos += len(line)
        if pos <= state.cursor:
            return False
        state.add_paragraph(state.get_text(pos))
        state.cursor = pos
        return True

    def _parse_indent_code_fast(self, state: BlockState) -> int | None:
        start = state.cursor
        src = state.src
        if start >= state.cursor_max or src[start] not in " \t":
            return None  # cheap exit: only an indented line can start indented code
        assert isinstance(state, _State)
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
        assert isinstance(state, _State)
        src = state.src
        pos = state.cursor
        parts: list[str] = []
        while pos < state.cursor_max:
            nl = src.find("\n", pos)
            nxt = state.cursor_max if nl < 0 else nl + 1
            parts.append(_QUOTE_MARK.sub("", src[pos:nxt], count=1))
            pos = nxt
            if pos >= state.cursor_max or state.before_boundary(pos) or _html_line(src, pos):
                break
        state.cursor = pos
        return expand_tab("".join(parts)), None, set()

    def parse_block_html(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        return _parse_kd_html(m, state)

    def parse_raw_html(self, m: Match[str], state: BlockState) -> int | None:  # type: ignore[override]
        return _parse_kd_html(m, state)


_QUOTE_MARK = re.compile(r"^ {0,3}> ?")


def _is_indent_line(line: str) -> bool:
    """kramdown's ``INDENT[ \\t]*\\S``: a tab or four spaces, then text."""
    return (line.startswith("\t") or line.startswith("    ")) and not is_blank(line.rstrip("\n"))


def _html_line(src: str, pos: int) -> bool:
    """A line starting a non-span HTML tag (kramdown's LAZY_END_HTML_START/STOP)."""
    m = _HTML_LINE_START.match(src, pos)
    return m is not None and m.group(1).lower() not in _SPAN_ELEMENTS


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
            if is_blank(line.rstrip("\n")) or _IAL_LINE.match(line) or _EOB_LINE.match(line) or _html_line(src, p):
                break
            p = nxt
        pos = done = p
    return done


def _parse_math(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    assert isinstance(state, _State)
    if not state.after_boundary(m.start()):
        return None
    src = state.src
    close = src.find("$$", m.end())
    if close < 0:
        return None
    bm = _BLANK_OR_END.match(src, close + 2)
    if bm is None:
        return None  # text after the closing $$: inline math in a paragraph
    end = bm.end()
    if not state.before_boundary(end):
        return None
    state.append_token({"type": "block_math", "raw": src[m.end() : close]})
    return end


def _parse_ial(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    state.append_token({"type": "ial"})
    return state.find_line_end_at(m.start())


def _parse_eob(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    state.append_token({"type": "eob"})
    return state.find_line_end_at(m.start())


_DL_START = r"^(?P<dl_1> {0,3}:)(?P<dl_2>[\t| ][^\n]*)$"
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


def _parse_dl(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    """kramdown's ``parse_definition_list``: terms from the paragraph above, then descriptions.

    The paragraph must be the last block, directly above or above exactly one
    *empty* line (kramdown compares the blank text with ``"\n"``); otherwise the
    line is paragraph text.  A description takes its first line, lines indented
    to its text, lazy lines, and blank lines followed by indented lines.
    """
    assert isinstance(state, _State)
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
        elif _EOB_LINE.match(line):
            break
        elif (content_re.match(line) and not is_blank(line)) or (
            not last_blank and not is_blank(line) and not _IAL_LINE.match(line) and not _html_line(src, pos)
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


def _parse_table(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    """kramdown's table: pipe lines after a block boundary, up to a block boundary."""
    assert isinstance(state, _State)
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
        if not _TABLE_LINE.match(line):
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
        if _TABLE_SEP.match(line):
            if rows and not aligned and not footer:
                aligned, rows = True, 0
            elif rows:
                body, rows = True, 0
        elif _TABLE_FSEP.match(line):
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
            if len(lines) > 1 and not pipe_on_line and not _TABLE_LINE.match(lines[0]):
                break
            pipe_on_line = (pipe_on_line and len(lines) == 1) or bool(_TABLE_LINE.match(lines[-1]))
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


def _parse_kd_html(m: Match[str], state: BlockState) -> int | None:
    """kramdown's block HTML: a comment, or a non-span element up to its end tag."""
    assert isinstance(state, _State)
    src = state.src
    lt = src.index("<", m.start())
    if src.startswith("<!--", lt):
        if state.last_is_paragraph() and not state.after_boundary(m.start()):
            return None  # kramdown: a comment line does not end a paragraph
        limit = state._no_comment_close_after
        close = -1 if limit is not None and lt >= limit else src.find("-->", lt + 4)
        if close < 0:
            state._no_comment_close_after = lt if limit is None else min(limit, lt)
            return None  # kramdown: an unclosed comment is paragraph text
        end = _line_end_after(src, close + 3)
        state.append_token({"type": "block_html", "raw": src[m.start() : end]})
        return end
    tm = _HTML_TAG.match(src, lt)
    if tm is None:
        return None
    name = tm.group(1)
    if name.lower() in _SPAN_ELEMENTS:
        return None  # a span element starts a paragraph
    pos = tm.end()
    if not (tm.group(3) or name.lower() in _NO_BODY):
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


def _raw_html_end(src: str, pos: int, name: str, state: _State) -> int:
    """kramdown's ``parse_raw_html``: nested elements up to the end tag of ``name``."""
    stack = [name.lower()]
    n = len(src)
    while stack:
        rm = _HTML_RAW_START.search(src, pos)
        if rm is None:
            return n  # kramdown auto-closes at the end of the text
        lt = rm.start()
        if src.startswith("<!--", lt):
            limit = state._no_comment_close_after
            close = -1 if limit is not None and lt >= limit else src.find("-->", lt + 4)
            if close >= 0:
                pos = close + 3
                continue
            state._no_comment_close_after = lt if limit is None else min(limit, lt)
            pos = lt + 1
            continue
        if src.startswith("<?", lt):
            close = src.find("?>", lt + 2)
            pos = close + 2 if close >= 0 else lt + 1
            continue
        tm = _HTML_TAG.match(src, lt)
        if tm is not None:
            inner = tm.group(1).lower()
            pos = tm.end()
            if tm.group(3) or inner in _NO_BODY:
                continue
            if inner in ("script", "style"):
                cm = re.compile(r"</" + inner + r"\s*>", re.I).search(src, pos)
                pos = cm.end() if cm else n
                continue
            stack.append(inner)
            continue
        cm = _HTML_CLOSE.match(src, lt)
        if cm is not None:
            pos = cm.end()
            if cm.group(1).lower() == stack[-1]:
                stack.pop()
            continue
        pos = lt + 1
    tw = _TRAILING_WS_NL.match(src, pos)
    return tw.end() if tw else pos


def _parse_ext(parser: _Parser, m: Match[str], state: BlockState) -> int | None:
    assert isinstance(state, _State)
    if state.last_is_paragraph() and not state.after_boundary(m.start()):
        return None  # kramdown: an extension tag does not end a paragraph
    name = m.group("ext_1")
    if m.group("ext_2").rstrip().endswith("/"):
        state.append_token({"type": "kd_extension", "name": name})
        return state.find_line_end_at(m.start())
    end_re = re.compile(r"^ {0,3}\{:/(?:" + name + r")?\}[ \t]*(?:\n|$)", re.M)
    em = end_re.search(state.src, m.end())
    if em is None:
        return None  # kramdown: no stop tag, no extension (the line is text)
    end = em.end()
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
        state.pending_child_line = marker_line + (0 if item.text.strip(BLANK_CHARS + "\n") else 1)
        if bullet in ("-", r"\*", r"\+"):
            bullet = r"[\*\+-]"  # kramdown: "*", "+" and "-" items make one list
    return _orig_parse_list_item(block, bullet, item, token, state, rules)


# kramdown ends a list item only at a blank line followed by an unindented line,
# a new item, an IAL line or an HTML start tag; every other line ("# H",
# "```", "> q", "---" right under an item) is a lazy line of the item.
_orig_list_break_rules = _list_parser._get_list_break_rules


def _get_list_break_rules(block: Any) -> list[str]:
    if isinstance(block, _Parser):
        return ["kd_ial", "kd_html_tag"]
    return _orig_list_break_rules(block)  # type: ignore[no-any-return]


_list_parser._parse_list_item = _parse_list_item  # type: ignore[assignment]
_list_parser._get_list_break_rules = _get_list_break_rules

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
    for tok in reversed(tokens):
        parts = tok.pop("_parts", None)
        tok.pop("_bnd", None)
        if parts is not None:
            tok["text"] = "".join(parts)
            if tok["type"] == "heading":
                tok["text"] = tok["text"].strip()
        tok["_end"] = max(nxt, tok["_line"] + 1)
        children = tok.get("children")
        if children:
            _finish(children, tok["_end"])
        nxt = tok["_line"]
