"""``path:line:col: CODE message`` lines, ``[*]`` on fixable ones, then a summary."""

from __future__ import annotations

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, printable


def _fixable(d: Diagnostic, unsafe: bool) -> bool:
    return d.fix is not None and (d.fix.applicability == "safe" or unsafe)


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    lines = []
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if summary.color else (lambda s: s)
    red = (lambda s: f"\x1b[31m{s}\x1b[0m") if summary.color else (lambda s: s)
    for d in diagnostics:
        mark = " [*]" if summary.show_fixes and _fixable(d, summary.unsafe_fixes) else ""
        lines.append(f"{bold(printable(d.path))}:{d.line}:{d.column}: {red(d.code)}{mark} {printable(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(diagnostics: list[Diagnostic], unsafe: bool = False) -> str:
    n = len(diagnostics)
    if not n:
        return "All checks passed!"
    files = len({d.path for d in diagnostics})
    fixable = sum(1 for d in diagnostics if _fixable(d, unsafe))
    hidden = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "unsafe") if not unsafe else 0
    line = f"Found {n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    line += f" ({fixable} fixable with --fix"
    if hidden:
        line += f"; {hidden} more with --unsafe-fixes"
    return line + ")."
