"""``json``: an array of problems, one object each, for tools and scripts.

Each problem has its start (``line``, ``column``) and end (``end_line``,
``end_column``; columns 1-based, in code points), the rule's ``name`` and the
``url`` of its docs; its fix's edits carry code-point offsets into the file's
text (``start``, ``end``) and the same places as lines and columns
(``location``, ``end_location``), which is what an editor applies.
"""

from __future__ import annotations

from typing import Any

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, json_text, rule_url
from mdnorm.report.locate import LineIndex, span


def _where(index: LineIndex | None, offset: int) -> dict[str, int] | None:
    if index is None:
        return None
    p = index.position(offset)
    return {"line": p.line, "column": p.column}


def to_dict(d: Diagnostic, index: LineIndex | None = None) -> dict[str, Any]:
    """One problem as a JSON-ready dict (``index``: the post's text, for ends and edit locations)."""
    from mdnorm.rules import RULES

    rule = RULES.get(d.code)
    fix = None
    if d.fix is not None:
        edits = []
        for e in d.fix.edits:
            edit: dict[str, Any] = {"start": e.start, "end": e.end, "replacement": e.replacement}
            if index is not None:
                edit["location"], edit["end_location"] = _where(index, e.start), _where(index, e.end)
            edits.append(edit)
        fix = {"applicability": d.fix.applicability, "edits": edits}
    end = span(d, index)[1] if index is not None else None
    return {
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": end.line if end else d.line,
        "end_column": end.column if end else d.column,
        "code": d.code,
        "name": rule.name if rule else d.code,
        "message": d.message,
        "fix": fix,
        "url": rule_url(d.code),
    }


def indexes(summary: Summary) -> dict[str, LineIndex]:
    """A :class:`LineIndex` per path with a known text (made once per post)."""
    return {path: LineIndex(text) for path, text in summary.sources.items()}


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    known = indexes(summary)
    return json_text([to_dict(d, known.get(d.path)) for d in diagnostics])
