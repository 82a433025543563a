"""``concise``: one ``path:line:col: CODE [*] message`` line per problem (``text`` is its old name).

The format of compilers and of flake8, that editors, ``grep`` and CI log
scanners parse; the default whenever stdout is not a terminal.
"""

from __future__ import annotations

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, printable
from mdnorm.report.style import Style


def fixable(d: Diagnostic, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``unsafe``: ``--fix --unsafe-fixes``) would fix ``d``."""
    return d.fix is not None and (d.fix.applicability == "safe" or unsafe)


def header(d: Diagnostic, summary: Summary) -> str:
    """The problem's one line, shared with the ``full`` format."""
    return _Lines(summary).line(d)


class _Lines:
    """Makes the lines of one report: the style once, each file's printable path once."""

    def __init__(self, summary: Summary) -> None:
        st = Style(summary.color)
        self._summary = summary
        self._mark = f" {st.cyan('[*]')}"
        self._bold, self._red = st.bold, st.red
        self._paths: dict[str, str] = {}
        self._texts: dict[str, str] = {}  # messages repeat: each made printable once

    def line(self, d: Diagnostic) -> str:
        path = self._paths.get(d.path)
        if path is None:
            path = self._paths[d.path] = self._bold(printable(d.path))
        s = self._summary
        mark = self._mark if s.show_fixes and fixable(d, s.unsafe_fixes) else ""
        text = self._texts.get(d.message)
        if text is None:
            text = self._texts[d.message] = printable(d.message)
        return f"{path}:{d.line}:{d.column}: {self._red(d.code)}{mark} {text}"


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    lines = _Lines(summary)
    return "".join(lines.line(d) + "\n" for d in diagnostics)
