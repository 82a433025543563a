"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure...).

One ``<testsuite name="mdnorm">``; one ``<testcase>`` per file checked (a file
with no problems is a passing test); one ``<failure>`` per diagnostic of that
file.  ``failures`` counts the files that failed, as JUnit counts test cases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, printable


def _clean(s: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates (a non-UTF-8
    byte of a file name), even escaped: they become ``\\x1b``, ``\\xff``..."""
    return printable(s)


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    by_path: dict[str, list[Diagnostic]] = {p: [] for p in summary.paths}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    failed = sum(1 for ds in by_path.values() if ds)
    suites = ET.Element("testsuites", name="mdnorm", tests=str(len(by_path)), failures=str(failed), errors="0")
    suite = ET.SubElement(
        suites, "testsuite", name="mdnorm", tests=str(len(by_path)), failures=str(failed), errors="0", skipped="0"
    )
    for path, ds in by_path.items():
        case = ET.SubElement(suite, "testcase", name=_clean(path), classname="mdnorm", file=_clean(path))
        for d in ds:
            failure = ET.SubElement(
                case, "failure", message=_clean(f"{d.line}:{d.column}: {d.code} {d.message}"), type=d.code
            )
            failure.text = _clean(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
