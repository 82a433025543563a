"""``--statistics``: one row per rule code, most frequent first, as text or JSON.

``[*]`` (and ``fixable_count`` in JSON) counts the problems ``--fix`` would fix;
the mark shows only when every problem of that code is fixable, as ruff does,
so it never promises that ``--fix`` clears a row it would only thin out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import json_text, printable, rule_url
from mdnorm.report.concise import fixable


def rows(diagnostics: list[Diagnostic], unsafe: bool = False) -> list[dict[str, Any]]:
    from mdnorm.rules import RULES

    counts = Counter(d.code for d in diagnostics)
    fixes = Counter(d.code for d in diagnostics if fixable(d, unsafe))
    return [
        {
            "code": code,
            "name": RULES[code].name if code in RULES else "",
            "count": n,
            "fixable_count": fixes[code],
            "url": rule_url(code),
        }
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def render(diagnostics: list[Diagnostic], output_format: str, unsafe: bool = False) -> str:
    """The statistics in ``output_format``: ``json`` for JSON, a table for anything else."""
    table = rows(diagnostics, unsafe)
    if output_format == "json":
        return json_text(table)
    lines = []
    for r in table:
        mark = "[*]" if r["fixable_count"] == r["count"] else "   "
        lines.append(printable(f"{r['count']:>6}  {r['code']}  {mark} {r['name']}") + "\n")
    return "".join(lines)
