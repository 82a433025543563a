"""``gitlab``: GitLab's Code Quality report (a JSON array), for ``artifacts: reports: codequality``.

Each issue has ``description``, ``check_name`` (the code), a ``fingerprint``
that stays the same while the problem does (its path, code, message and the
text of its line, not the line number, so an edit above it does not make it
"new"), ``severity`` and ``location.lines``.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, json_text
from mdnorm.report.json import indexes
from mdnorm.report.locate import span


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    known = indexes(summary)
    seen: Counter[str] = Counter()
    out = []
    for d in diagnostics:
        index = known.get(d.path)
        line_text = index.line_text(d.line) if index is not None else ""
        key = "\0".join((d.path, d.code, d.message, line_text.strip()))
        seen[key] += 1  # the same problem twice in a file: two fingerprints
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")).hexdigest()
        end = span(d, index)[1].line if index is not None else d.line
        out.append(
            {
                "description": f"{d.code} {d.message}",
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": "minor",
                "location": {"path": d.path.replace(os.sep, "/"), "lines": {"begin": d.line, "end": end}},
            }
        )
    return json_text(out)
