"""A post, parsed once: text, lines, front matter and positioned blocks.

Every rule reads the same :class:`Document`; everything derived from the text is
computed at most once (``cached_property``), so adding a rule never adds a parse.
Line numbers here are 0-based indexes into :attr:`Document.lines`; diagnostics
turn them into the 1-based lines users see.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING, Any, NamedTuple

from mdnorm.text import BLANK_CHARS, INLINE_MATH, blank_out, code_spans, is_blank, mask_code_spans

__all__ = ["BLANK_CHARS", "code_spans", "is_blank"]  # re-exported: rules read them from here too

if TYPE_CHECKING:
    from mdnorm._parser import Token as Token
else:
    Token = dict
# The parser (mistune) and the YAML loader are imported on first use, so that a
# warm run answered from the cache never imports them.

BOM = "\ufeff"
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_FM_OPEN = re.compile(r"---[ \t]*")
_FM_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*")
#: (Greedy ``\S+``: the same matches as a lazy ``\S+?`` under ``fullmatch``, four times faster.)
URL_LINE = re.compile(r"[ ]{0,3}(https?://\S+)[ \t]*")
# A URL inside prose, ending as GFM's autolinks end: an ASCII host (so
# "见http://x.com中文" ends at the host), then a path that stops at whitespace,
# quotes, angle brackets, "]" (so "[http://x](http://x)" is two URLs) and CJK
# punctuation that cannot belong to a URL written by hand.  As in GFM, a URL does
# not end in "?!.,:*_~", and a ")" belongs to it only as the end of a "(...)"
# group inside it ("(see http://x.org/a)" ends before the ")").
_URL_C = r"[^\s<>\"'`\[\]()（），。；：！？、】【《》「」]"
_URL_E = r"[^\s<>\"'`\[\]()（），。；：！？、】【《》「」?!.,:*_~]"
_URL_P = rf"\({_URL_C}*\)"
_HOST_C = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_~%:@!$&*+,;=])"
_HOST_E = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-%@$&+;=])"
URL_IN_TEXT = re.compile(
    rf"https?://{_HOST_C}*{_HOST_E}(?:[/?#](?:(?:{_URL_C}|{_URL_P})*(?:{_URL_E}|{_URL_P}))?)?", re.IGNORECASE
)
#: Inline spans whose text is not prose: code and keyboard elements, Liquid raw.
_NOT_PROSE = re.compile(
    r"<(code|kbd|samp|pre|tt)\b[^>]*>.*?</\1\s*>|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.IGNORECASE
)
#: What kramdown's ``BLANK_LINE`` (Ruby ``^\s*\n``) allows on a blank line: ASCII
#: spaces, tabs, form feeds and vertical tabs.  Ruby's ``\s`` is ASCII-only, so a
#: line holding U+3000 or U+00A0 is text (``<p>　</p>``), unlike Python's ``strip()``.

_SPACES_BEFORE_BREAK = re.compile(r"  (?:\r\n|\r|\n)")

#: Block types whose content is not Markdown (never URL lines, headings, links).
OPAQUE_BLOCKS = frozenset({"block_code", "block_math", "block_html", "kd_extension", "liquid_block"})


def _utf16(data: bytes) -> str | None:
    """ "UTF-16, not UTF-8" when ``data`` looks like UTF-16 (a BOM, or a NUL every other byte), else None."""
    head = data[:512]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)
    ):
        return "UTF-16, not UTF-8: re-save the file as UTF-8"
    return None


class DecodeError(Exception):
    """The bytes are not a UTF-8 text file."""


class FrontMatter(NamedTuple):
    """The YAML block between the ``---`` lines.

    ``end`` is the line of the closing marker (``None`` when it never closes);
    ``data`` is the parsed mapping when it parsed; ``error`` and ``error_line``
    say why not.
    """

    end: int | None
    data: dict[str, Any] | None
    error: str | None
    error_line: int


class UrlLine(NamedTuple):
    """A line of a top-level paragraph that holds only a bare URL."""

    line: int
    column: int  # 0-based character column of the URL
    url: str
    paragraph: Token
    index_in_paragraph: int


class Heading(NamedTuple):
    line: int
    level: int
    text: str


@dataclass
class Document:
    """One post.  ``text`` is exactly the decoded file (BOM included)."""

    path: str
    text: str

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> Document:
        if b"\x00" in data:
            raise DecodeError(_utf16(data) or "binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"not UTF-8 (invalid byte at offset {exc.start})") from None
        return cls(path, text)

    # -- text and lines ---------------------------------------------------
    @cached_property
    def bom(self) -> bool:
        return self.text.startswith(BOM)

    @cached_property
    def _split(self) -> tuple[list[str], list[int], list[str]]:
        text = self.text
        base = 1 if self.bom else 0
        if "\r" not in text:
            # the common case, without a Python-level loop per line
            lines: list[str] = text[base:].split("\n")
            starts: list[int] = list(accumulate(map((1).__add__, map(len, lines[:-1])), initial=base))
            endings: list[str] = ["\n"] * len(lines)
            if lines[-1] or len(lines) == 1:
                endings[-1] = ""
            else:  # a final newline adds no empty line
                lines.pop()
                starts.pop()
                endings.pop()
            return lines, starts, endings
        lines = []
        starts = []
        endings = []
        pos = base
        for m in _LINE_SPLIT.finditer(text, base):
            starts.append(pos)
            lines.append(text[pos : m.start()])
            endings.append(m.group())
            pos = m.end()
        if pos < len(text) or not lines:
            starts.append(pos)
            lines.append(text[pos:])
            endings.append("")
        return lines, starts, endings

    @property
    def lines(self) -> list[str]:
        """Lines without their endings.  A final newline adds no empty line."""
        return self._split[0]

    @property
    def line_starts(self) -> list[int]:
        """Offset in :attr:`text` where each line starts."""
        return self._split[1]

    @property
    def endings(self) -> list[str]:
        """Each line's ending: ``"\\n"``, ``"\\r\\n"``, ``"\\r"`` or ``""`` (last line)."""
        return self._split[2]

    def line_end(self, line: int) -> int:
        """Offset where ``line``'s content ends (its ending starts)."""
        return self.line_starts[line] + len(self.lines[line])

    def offset(self, line: int, column: int = 0) -> int:
        return self.line_starts[line] + column

    def lines_holding(self, needle: str) -> list[int]:
        """The lines that hold ``needle`` (a string with no line break), in order.

        Found by searching the text, not by a loop over every line: most lines
        of a post hold none of the rare marks a pass looks for.
        """
        text, starts = self.text, self.line_starts
        out: list[int] = []
        pos = text.find(needle, starts[0])
        while pos >= 0:
            line = bisect_right(starts, pos) - 1
            out.append(line)
            if line + 1 >= len(starts):
                break
            pos = text.find(needle, starts[line + 1])
        return out

    @cached_property
    def newline(self) -> str:
        """The line ending that inserted lines should use: the file's most common."""
        if "\r" not in self.text:  # every ending is "\n" (or the last line has none)
            return "\n"
        counts: dict[str, int] = {}
        for e in self.endings:
            if e:
                counts[e] = counts.get(e, 0) + 1
        if not counts:
            return "\n"
        return max(counts, key=lambda k: (counts[k], k == "\n"))

    # -- front matter -------------------------------------------------------
    @cached_property
    def _fm_span(self) -> tuple[bool, int | None]:
        """(has front matter, line of its closing marker): the split, without the YAML."""
        lines = self.lines
        if not lines or not _FM_OPEN.fullmatch(lines[0]):
            return False, None
        return True, next((i for i in range(1, len(lines)) if _FM_CLOSE.fullmatch(lines[i])), None)

    @cached_property
    def front_matter(self) -> FrontMatter | None:
        """Split front matter as Jekyll does: first line ``---``, up to ``---``/``...``."""
        has, end = self._fm_span
        if not has:
            return None
        if end is None:
            return FrontMatter(None, None, "front matter is not closed (no second '---' line)", 0)
        lines = self.lines
        from mdnorm import _yaml

        data, error, error_line = _yaml.load_mapping("\n".join(lines[1:end]))
        return FrontMatter(end, data, error, error_line + 1 if error_line is not None else 0)

    @property
    def body_line(self) -> int:
        """First line after the front matter (found without parsing the YAML)."""
        has, end = self._fm_span
        if not has:
            return 0
        return end + 1 if end is not None else len(self.lines)

    def front_matter_key_line(self, key: str) -> int | None:
        fm = self.front_matter
        if fm is None or fm.end is None:
            return None
        pat = re.compile(re.escape(key) + r"[ \t]*:")
        for i in range(1, fm.end):
            if pat.match(self.lines[i]):
                return i
        return None

    # -- blocks ---------------------------------------------------------------
    @cached_property
    def blocks(self) -> list[Token]:
        """Top-level block tokens of the body, each with ``_line``/``_end``."""
        start = self.body_line
        body = "\n".join(self.lines[start:])
        if not body.strip(BLANK_CHARS + "\n"):
            return []
        from mdnorm._parser import parse_blocks

        return parse_blocks(body, start)

    @cached_property
    def opaque_lines(self) -> bytearray:
        """1 for each line inside front matter, code, math, HTML or Liquid blocks."""
        flags = bytearray(len(self.lines))
        fm_end = self.body_line
        flags[:fm_end] = b"\x01" * fm_end
        for tok in self.walk():
            if tok["type"] in OPAQUE_BLOCKS:
                a, b = tok["_line"], content_end(self, tok)
                flags[a:b] = b"\x01" * (b - a)
        return flags

    @cached_property
    def code_lines(self) -> bytearray:
        """1 for each line inside a code block (fenced, indented or Liquid highlight)."""
        flags = bytearray(len(self.lines))
        for tok in self.walk():
            if tok["type"] in ("block_code", "liquid_block"):
                a, b = tok["_line"], content_end(self, tok)
                flags[a:b] = b"\x01" * (b - a)
        return flags

    def walk(self) -> list[Token]:
        """All tokens, depth first, in source order (computed once for the whole document)."""
        return self._all_tokens

    @cached_property
    def _all_tokens(self) -> list[Token]:
        return _walk(self.blocks)

    @cached_property
    def headings(self) -> list[Heading]:
        return [Heading(t["_line"], t["attrs"]["level"], t["text"]) for t in self.walk() if t["type"] == "heading"]

    @cached_property
    def url_lines(self) -> list[UrlLine]:
        """Bare URL lines at the top level of paragraphs (``$$`` math spans skipped)."""
        out: list[UrlLine] = []
        lines = self.lines
        for tok in self.blocks:
            if tok["type"] != "paragraph":
                continue
            in_math = False
            start = tok["_line"]
            for ln in range(start, content_end(self, tok)):
                line = lines[ln]
                if not in_math and line.startswith(("h", " ")):
                    m = URL_LINE.fullmatch(line)
                    if m:
                        out.append(UrlLine(ln, m.start(1), m.group(1), tok, ln - start))
                if "$$" in line and line.count("$$") % 2:
                    in_math = not in_math
        return out

    @cached_property
    def hard_break_lines(self) -> frozenset[int]:
        """Paragraph lines that kramdown ends with ``<br />``.

        Two or more spaces before the line break, on any line of a paragraph but
        its last (kramdown's rule is two spaces, so three or more count too).
        """
        out: set[int] = set()
        if not _SPACES_BEFORE_BREAK.search(self.text):  # no line ends in two spaces (most posts)
            return frozenset(out)
        lines = self.lines
        for tok in self.walk():
            if tok["type"] in ("paragraph", "block_text"):
                for ln in range(tok["_line"], content_end(self, tok) - 1):
                    line = lines[ln]
                    if line.endswith("  ") and not is_blank(line):
                        out.add(ln)
        return frozenset(out)

    @cached_property
    def url_line_keys(self) -> list[str]:
        """``urls.coarse_key`` of each of :attr:`url_lines`, computed once for every rule."""
        from mdnorm.urls import coarse_key

        return [coarse_key(u.url) for u in self.url_lines]

    def text_urls(self) -> list[tuple[int, int, str]]:
        """``(line, column, url)`` of every URL outside opaque blocks and code spans.

        Several rules and the site facts ask for them: computed once per document.
        """
        return self._text_urls

    @cached_property
    def _text_urls(self) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = []
        flags = self.opaque_lines
        for ln, line in enumerate(self.lines):
            if flags[ln] or "://" not in line:
                continue
            masked = mask_code_spans(line) if "`" in line else line
            if "$$" in masked:  # inline math is not prose either
                masked = INLINE_MATH.sub(blank_out, masked)
            if "<" in masked or "{%" in masked:  # nor <code>, <kbd> or {% raw %} text
                masked = _NOT_PROSE.sub(blank_out, masked)
            for m in URL_IN_TEXT.finditer(masked):
                out.append((ln, m.start(), line[m.start() : m.end()]))
        return out


def _walk(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    stack = list(reversed(tokens))
    while stack:
        tok = stack.pop()
        out.append(tok)
        kids = tok.get("children")
        if kids:
            stack.extend(reversed(kids))
    return out


def content_end(doc: Document, tok: Token) -> int:
    """Exclusive end line of a block's own content (trailing blank lines dropped)."""
    end: int = tok["_end"]
    start: int = tok["_line"]
    if end <= start + 1:  # a one-line block (most are): nothing to look at
        return end
    lines = doc.lines
    while end > start + 1 and is_blank(lines[end - 1]):
        end -= 1
    return end
