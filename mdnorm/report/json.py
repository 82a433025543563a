"""A JSON array of diagnostics, one object each, for tools and scripts."""

from __future__ import annotations

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, json_text


def to_dict(d: Diagnostic) -> dict[str, object]:
    from mdnorm.rules import RULES

    rule = RULES.get(d.code)
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability,
            "edits": [{"start": e.start, "end": e.end, "replacement": e.replacement} for e in d.fix.edits],
        }
    return {
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "code": d.code,
        "name": rule.name if rule else d.code,
        "message": d.message,
        "fix": fix,
    }


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    return json_text([to_dict(d) for d in diagnostics])
