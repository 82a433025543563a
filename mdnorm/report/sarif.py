"""SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning and others).

One run; ``tool.driver.rules`` holds one entry per rule code with its name, its
one-line summary and the full text ``mdnorm rule CODE`` prints; each result
points at its rule and carries a physical location (``startLine``,
``startColumn``, and their ends when the post's text is known; columns counted
in Unicode code points); each rule has a ``helpUri`` to its docs page; when the rule
has one, the fix as replacements on the file's text.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from mdnorm._version import __version__
from mdnorm.diagnostic import Diagnostic, Fix
from mdnorm.report import Summary, json_text, rule_url
from mdnorm.report.json import indexes
from mdnorm.report.locate import span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/mdnorm/"


def _uri(path: str) -> str:
    """A URI reference for ``path``: relative paths stay relative (with ``/``).

    Quoted from the name's bytes, so a non-UTF-8 byte becomes ``%FF`` (its real
    value) rather than an error.
    """
    if os.path.isabs(path):
        from pathlib import Path

        return Path(path).as_uri()
    return quote(os.fsencode(path.replace(os.sep, "/")), safe="/")


def _rules() -> list[dict[str, Any]]:
    from mdnorm.rules import RULES

    out = []
    for code in sorted(RULES):
        rule = RULES[code]
        out.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary or rule.name},
                "fullDescription": {"text": rule.doc or rule.name},
                "help": {"text": rule.doc or rule.name},
                "helpUri": rule_url(code),
                "defaultConfiguration": {"level": "error"},
                "properties": {"fix": rule.fix, "family": rule.family},
            }
        )
    return out


def _fix(uri: str, fix: Fix) -> dict[str, Any]:
    return {
        "description": {"text": f"{fix.applicability} fix"},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": uri},
                "replacements": [
                    {
                        "deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                        "insertedContent": {"text": e.replacement},
                    }
                    for e in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability},
    }


def to_log(diagnostics: list[Diagnostic], summary: Summary) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    rules = _rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    known = indexes(summary)
    results = []
    for d in diagnostics:
        uri = _uri(d.path)
        region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
        lines = known.get(d.path)
        if lines is not None:
            end = span(d, lines)[1]
            region.update(endLine=end.line, endColumn=end.column)
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": "error",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": region,
                    }
                }
            ],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.fix is not None and d.fix.edits:
            result["fixes"] = [_fix(uri, d.fix)]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mdnorm",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    return json_text(to_log(diagnostics, summary))
