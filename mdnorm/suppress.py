"""Suppression comments: ``<!-- mdnorm-disable... -->``.

kramdown passes HTML comments through to the page source without showing them,
so they are the natural place for per-line and per-file opt-outs::

    <!-- mdnorm-disable-next-line LE001,HT001 -->
    <!-- mdnorm-disable HT001 --> ... <!-- mdnorm-enable HT001 -->
    <!-- mdnorm-disable-file -->            (no codes: every rule)

Only a comment kramdown passes through as HTML counts: the same text in front
matter (a YAML comment), in code or in ``$$`` math is shown or dropped as text,
so it does nothing.

The directives of a post are read once into plain data (:class:`Directives`),
so the site-wide rules, which run on a post's stored facts rather than on its
text, filter their diagnostics exactly as the per-file rules do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document, content_end
from mdnorm.selection import matches
from mdnorm.text import INLINE_MATH, blank_out, mask_code_spans

_COMMENT = re.compile(
    r"<!--\s*mdnorm-(disable-next-line|disable-file|disable|enable)(?=\s|-->)([^>]*?)-->", re.IGNORECASE
)
_ALL = "ALL"


def _codes(raw: str) -> frozenset[str]:
    codes = frozenset(c.strip().upper() for c in re.split(r"[,\s]+", raw) if c.strip())
    return codes or frozenset({_ALL})


class Directives(NamedTuple):
    """The suppressions of one post: whole-file codes, next-line codes, disable/enable events."""

    file: tuple[str, ...] = ()
    next_line: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (1-based line suppressed, codes)
    events: tuple[tuple[int, tuple[str, ...], bool], ...] = ()  # (1-based line, codes, enable?)

    def to_json(self) -> Any:
        nxt = [[ln, list(c)] for ln, c in self.next_line]
        return [list(self.file), nxt, [[ln, list(c), e] for ln, c, e in self.events]]

    @classmethod
    def from_json(cls, data: Any) -> Directives:
        file, nxt, events = data
        return cls(
            tuple(map(str, file)),
            tuple((int(ln), tuple(map(str, c))) for ln, c in nxt),
            tuple((int(ln), tuple(map(str, c)), bool(e)) for ln, c, e in events),
        )

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics that no directive covers."""
        diags = list(diagnostics)
        if not (self.file or self.next_line or self.events):
            return diags
        next_line: dict[int, set[str]] = {}
        for ln, codes in self.next_line:
            next_line.setdefault(ln, set()).update(codes)
        out = []
        for d in diags:
            if matches(d.code, self.file) or matches(d.code, next_line.get(d.line, ())):
                continue
            disabled = False
            for ev_line, codes, enable in self.events:
                if ev_line > d.line:
                    break
                if matches(d.code, codes):
                    disabled = not enable
            if not disabled:
                out.append(d)
        return out


NO_DIRECTIVES = Directives()


def directives(doc: Document) -> Directives:
    """Read the suppression comments of ``doc`` (none in front matter, code or math)."""
    if "mdnorm-" not in doc.text:
        return NO_DIRECTIVES
    skip = bytearray(doc.code_lines)  # code, math and front matter lines hold no directives
    skip[: doc.body_line] = b"\x01" * doc.body_line
    for tok in doc.walk():
        if tok["type"] == "block_math":
            a, b = tok["_line"], content_end(doc, tok)
            skip[a:b] = b"\x01" * (b - a)
    file_codes: set[str] = set()
    next_line: list[tuple[int, tuple[str, ...]]] = []
    events: list[tuple[int, tuple[str, ...], bool]] = []
    for ln, line in enumerate(doc.lines):
        if "mdnorm-" not in line or skip[ln]:
            continue
        if "`" in line:  # a comment inside an inline code span is an example, not a directive
            line = mask_code_spans(line)
        if "$$" in line:  # so is one inside inline math
            line = INLINE_MATH.sub(blank_out, line)
        for m in _COMMENT.finditer(line):
            kind, codes = m.group(1).lower(), _codes(m.group(2))
            if kind == "disable-file":
                file_codes |= codes
            elif kind == "disable-next-line":
                next_line.append((ln + 2, tuple(sorted(codes))))
            else:
                events.append((ln + 1, tuple(sorted(codes)), kind == "enable"))
    return Directives(tuple(sorted(file_codes)), tuple(next_line), tuple(events))


def filter_suppressed(doc: Document, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Drop diagnostics that a suppression comment in ``doc`` covers."""
    diags = list(diagnostics)
    if not diags or "mdnorm-" not in doc.text:
        return diags
    return directives(doc).filter(diags)
