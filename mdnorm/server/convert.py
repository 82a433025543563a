"""mdnorm's records in the protocol's terms: positions, ranges, diagnostics, edits.

mdnorm counts columns in code points and edits in offsets of ``Document.text``;
the protocol counts in the code units of the encoding negotiated at
``initialize`` (UTF-16 unless the client offers another).  A post full of CJK is
the same in both, but one emoji before a span moves it by one UTF-16 unit, so
every position the server sends goes through :func:`position`.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from lsprotocol import types

from mdnorm.diagnostic import Diagnostic, Edit
from mdnorm.document import Document
from mdnorm.rules import RULES

#: Where a rule's documentation is read; ``{code}`` is the rule code (overridable: ``docsUrl``).
DOCS_URL = "https://pypi.org/project/mdnorm/#rules"
SOURCE = "mdnorm"
_SPAN = re.compile(r"\S+|\s+")


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in the code units of ``encoding``."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def position(doc: Document, line: int, column: int, encoding: str) -> types.Position:
    """The protocol position of 0-based ``line``/``column`` (code points) in ``doc``."""
    lines = doc.lines
    if line >= len(lines):
        return types.Position(line=len(lines), character=0)
    return types.Position(line=line, character=units(lines[line][:column], encoding))


def offset_position(doc: Document, offset: int, encoding: str) -> types.Position:
    """The protocol position of an offset in ``doc.text`` (inside a line ending: its start)."""
    starts = doc.line_starts
    line = max(bisect_right(starts, offset) - 1, 0)
    if line >= len(doc.lines):
        return types.Position(line=len(doc.lines), character=0)
    column = min(offset - starts[line], len(doc.lines[line]))
    return position(doc, line, max(column, 0), encoding)


def column_of(doc: Document, pos: types.Position, encoding: str) -> int:
    """The code point column of a protocol position (the inverse of :func:`position`)."""
    if pos.line >= len(doc.lines):
        return 0
    text = doc.lines[pos.line]
    count = 0
    for i, ch in enumerate(text):
        if count >= pos.character:
            return i
        count += units(ch, encoding)
    return len(text)


def span(doc: Document, d: Diagnostic, encoding: str) -> types.Range:
    """The range a diagnostic covers: from its column to the end of the word (or the spaces) there."""
    line, col = d.line - 1, d.column - 1
    text = doc.lines[line] if 0 <= line < len(doc.lines) else ""
    m = _SPAN.match(text, min(col, len(text)))
    end = m.end() if m is not None else len(text)
    return types.Range(start=position(doc, line, col, encoding), end=position(doc, line, end, encoding))


def docs_url(code: str, template: str = DOCS_URL) -> str:
    return template.replace("{code}", code).replace("{code_lower}", code.lower())


def diagnostic(doc: Document, d: Diagnostic, encoding: str, docs: str = DOCS_URL) -> types.Diagnostic:
    """The protocol's diagnostic for ``d``: code, rule name, link to the docs, fix safety in ``data``."""
    rule = RULES.get(d.code)
    name = rule.name if rule is not None else ""
    severity = types.DiagnosticSeverity.Error if d.code in ("IO001", "FM002") else types.DiagnosticSeverity.Warning
    return types.Diagnostic(
        range=span(doc, d, encoding),
        message=f"{d.message} ({name})" if name else d.message,
        severity=severity,
        code=d.code,
        code_description=types.CodeDescription(href=docs_url(d.code, docs)),
        source=SOURCE,
        data={"rule": name, "fix": d.fix.applicability if d.fix is not None else None},
    )


def text_edit(doc: Document, edit: Edit, encoding: str) -> types.TextEdit:
    return types.TextEdit(
        range=types.Range(
            start=offset_position(doc, edit.start, encoding), end=offset_position(doc, edit.end, encoding)
        ),
        new_text=edit.replacement,
    )


def whole_text_edit(doc: Document, new: str, encoding: str) -> list[types.TextEdit]:
    """One edit turning ``doc.text`` into ``new``: the changed middle only, so the cursor stays put."""
    old = doc.text
    if old == new:
        return []
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    # never split a CRLF pair: the protocol cannot address a position between them
    while start > 0 and old[start - 1] == "\r":
        start -= 1
    while end_old < len(old) and old[end_old] == "\n" and end_old > 0 and old[end_old - 1] == "\r":
        end_old += 1
        end_new += 1
    return [text_edit(doc, Edit(start, end_old, new[start:end_new]), encoding)]
