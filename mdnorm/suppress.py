"""Suppression comments: ``<!-- mdnorm-disable... -->``.

kramdown passes HTML comments through to the page source without showing them,
so they are the natural place for per-line and per-file opt-outs::

    <!-- mdnorm-disable-next-line LE001,HT001 -->
    <!-- mdnorm-disable HT001 --> ... <!-- mdnorm-enable HT001 -->
    <!-- mdnorm-disable-file -->            (no codes: every rule)

Only a comment kramdown passes through as HTML counts: the same text in front
matter (a YAML comment), in code or in ``$$`` math is shown or dropped as text,
so it does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mdnorm.diagnostic import Diagnostic
from mdnorm.document import _INLINE_MATH, Document, _blank_out, _mask_code_spans, content_end

_COMMENT = re.compile(
    r"<!--\s*mdnorm-(disable-next-line|disable-file|disable|enable)(?=\s|-->)([^>]*?)-->", re.IGNORECASE
)
_ALL = "ALL"


def _codes(raw: str) -> frozenset[str]:
    codes = frozenset(c.strip().upper() for c in re.split(r"[,\s]+", raw) if c.strip())
    return codes or frozenset({_ALL})


def _hit(code: str, codes: frozenset[str]) -> bool:
    return _ALL in codes or code in codes or any(code.startswith(c) for c in codes)


def filter_suppressed(doc: Document, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Drop diagnostics that a suppression comment in ``doc`` covers."""
    diags = list(diagnostics)
    if "mdnorm-" not in doc.text or not diags:
        return diags
    skip = bytearray(doc.code_lines)  # code, math and front matter lines hold no directives
    skip[: doc.body_line] = b"\x01" * doc.body_line
    for tok in doc.walk():
        if tok["type"] == "block_math":
            a, b = tok["_line"], content_end(doc, tok)
            skip[a:b] = b"\x01" * (b - a)
    file_codes: set[str] = set()
    next_line: dict[int, frozenset[str]] = {}
    # (line, codes, enabled?) events for disable/enable ranges, 1-based lines
    events: list[tuple[int, frozenset[str], bool]] = []
    for ln, line in enumerate(doc.lines):
        if "mdnorm-" not in line or skip[ln]:
            continue
        if "`" in line:  # a comment inside an inline code span is an example, not a directive
            line = _mask_code_spans(line)
        if "$$" in line:  # so is one inside inline math
            line = _INLINE_MATH.sub(_blank_out, line)
        for m in _COMMENT.finditer(line):
            kind, codes = m.group(1).lower(), _codes(m.group(2))
            if kind == "disable-file":
                file_codes |= codes
            elif kind == "disable-next-line":
                next_line[ln + 2] = next_line.get(ln + 2, frozenset()) | codes
            else:
                events.append((ln + 1, codes, kind == "enable"))
    out = []
    for d in diags:
        fc = frozenset(file_codes)
        if fc and _hit(d.code, fc):
            continue
        nl = next_line.get(d.line)
        if nl and _hit(d.code, nl):
            continue
        disabled = False
        for ev_line, codes, enable in events:
            if ev_line > d.line:
                break
            if _hit(d.code, codes):
                disabled = not enable
        if disabled:
            continue
        out.append(d)
    return out
