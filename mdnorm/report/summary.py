"""The lines a text report ends with: what was found, what was fixed, what a fix refused.

ruff's wording is the model: after a lint ``Found 3 problems in 2 files (2
fixable with --fix; 1 more with --fix --unsafe-fixes).``, after a fix ``Found 4
problems (3 fixed, 1 remaining).``.  A hint always names the whole command that
acts on it.  Pure functions of counts and diagnostics: the command prints them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import printable
from mdnorm.report.concise import fixable


def plural(n: int, word: str) -> str:
    """``1 problem``, ``2 problems``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _hint(diagnostics: list[Diagnostic], unsafe: bool, with_safe: bool) -> list[str]:
    """``["2 fixable with --fix", "1 more fixable with --fix --unsafe-fixes"]``, or fewer."""
    safe = sum(1 for d in diagnostics if fixable(d, unsafe))
    hidden = 0 if unsafe else sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "unsafe")
    parts = [f"{safe} fixable with --fix{' --unsafe-fixes' if unsafe else ''}"] if with_safe and safe else []
    if hidden:
        parts.append(f"{hidden} {'more ' if parts else ''}fixable with --fix --unsafe-fixes")
    return parts


def summary_line(diagnostics: list[Diagnostic], unsafe: bool = False) -> str:
    """The last line of a lint: ``All checks passed!`` or ``Found ...``."""
    n = len(diagnostics)
    if not n:
        return "All checks passed!"
    files = len({d.path for d in diagnostics})
    hint = _hint(diagnostics, unsafe, True)
    return f"Found {plural(n, 'problem')} in {plural(files, 'file')}" + (f" ({'; '.join(hint)})." if hint else ".")


def fix_summary_line(fixed: int, remaining: list[Diagnostic], unsafe: bool = False) -> str:
    """The last line after ``--fix``: nothing fixed reads as a lint; else ``Found N (X fixed, Y remaining).``"""
    if not fixed:
        return summary_line(remaining, unsafe)
    parts = [f"{fixed} fixed, {len(remaining)} remaining", *_hint(remaining, unsafe, False)]
    return f"Found {plural(fixed + len(remaining), 'problem')} ({'; '.join(parts)})."


def show_fixes(applied: Mapping[str, Counter[str]]) -> str:
    """``--show-fixes``: per file, how many problems of each code were fixed (ruff's layout)."""
    from mdnorm.rules import RULES

    total = sum(sum(c.values()) for c in applied.values())
    if not total:
        return "No problems fixed.\n"
    out = [f"Fixed {plural(total, 'problem')}:"]
    for path in sorted(applied):
        if not applied[path]:
            continue
        out.append(f"- {printable(path)}:")
        for code, n in sorted(applied[path].items()):
            name = RULES[code].name if code in RULES else ""
            out.append(f"    {n} × {code} ({name})")
    return "\n".join(out) + "\n"


def refused_notes(refused: list[Diagnostic]) -> str:
    """One ``note:`` per fix the safety check would not apply: it stays a problem, never counted fixed."""
    return "".join(
        f"note: {printable(d.path)}:{d.line}:{d.column}: {d.code} fix not applied: {printable(d.message)}\n"
        for d in refused
    )
