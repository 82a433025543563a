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
    st = Style(summary.color)
    mark = f" {st.cyan('[*]')}" if summary.show_fixes and fixable(d, summary.unsafe_fixes) else ""
    return f"{st.bold(printable(d.path))}:{d.line}:{d.column}: {st.red(d.code)}{mark} {printable(d.message)}"


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    return "".join(header(d, summary) + "\n" for d in diagnostics)
