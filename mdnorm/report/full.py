"""``full``: each problem with its source line, a marker under the span and a ``help:`` line for its fix.

The layout of ruff's (and rustc's) default output: a reader at a terminal sees
what is wrong without opening the file.  The marker is aligned in terminal
cells, so a line of Chinese text (two cells a character) or a tab (shown as
``\\t``) keeps it under the right characters.
"""

from __future__ import annotations

import unicodedata

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.report import Summary, printable
from mdnorm.report.concise import header
from mdnorm.report.locate import LineIndex, span
from mdnorm.report.style import Style

_MAX_QUOTE = 40


def _cells(s: str) -> int:
    """How many terminal cells ``s`` takes (East Asian wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)


def _quote(s: str) -> str:
    shown = printable(s)
    if len(shown) > _MAX_QUOTE:
        shown = shown[: _MAX_QUOTE - 1] + "…"
    return f"`{shown}`"


def describe_edit(e: Edit, text: str) -> str:
    """``replace `http:` with `https:```, ``remove `  ```, ``insert `\\n```: what one edit does."""
    old = text[e.start : e.end]
    if not e.replacement:
        return f"remove {_quote(old)}"
    if not old:
        return f"insert {_quote(e.replacement)}"
    return f"replace {_quote(old)} with {_quote(e.replacement)}"


def describe_fix(fix: Fix, text: str, unsafe_enabled: bool) -> str:
    """The ``help:`` line of a fix: its first edit, how many more, and what applies it."""
    edits = sorted(fix.edits, key=lambda e: e.start)
    what = describe_edit(edits[0], text) if edits else "no change"
    if len(edits) > 1:
        what += f" (and {len(edits) - 1} more edit{'s' if len(edits) > 2 else ''})"
    how = "--fix" if fix.applicability == "safe" or unsafe_enabled else "--fix --unsafe-fixes"
    return f"{what}; {'an unsafe fix' if fix.applicability == 'unsafe' else 'a safe fix'}: {how}"


def _snippet(d: Diagnostic, index: LineIndex, st: Style) -> list[str]:
    line = index.line_text(d.line)
    start, end = span(d, index)
    end_col = end.column if end.line == d.line else len(line) + 1
    before = printable(line[: start.column - 1])
    marked = printable(line[start.column - 1 : end_col - 1]) or " "
    gutter = " " * len(str(d.line))
    return [
        f"{gutter} {st.blue('|')}",
        f"{st.blue(str(d.line))} {st.blue('|')} {printable(line)}".rstrip(),
        f"{gutter} {st.blue('|')} {' ' * _cells(before)}{st.red('^' * max(1, _cells(marked)) + ' ' + d.code)}",
        f"{gutter} {st.blue('|')}",
    ]


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    st = Style(summary.color)
    out: list[str] = []
    indexes: dict[str, LineIndex] = {}
    for d in diagnostics:
        out.append(header(d, summary))
        text = summary.sources.get(d.path)
        if text is not None:
            index = indexes.get(d.path) or indexes.setdefault(d.path, LineIndex(text))
            if d.line <= len(index.starts):
                out.extend(_snippet(d, index, st))
            if d.fix is not None and summary.show_fixes:
                help_text = describe_fix(d.fix, text, summary.unsafe_fixes)
                out.append(f"{' ' * len(str(d.line))} {st.blue('=')} {st.cyan('help')}: {help_text}")
        out.append("")
    return "".join(line + "\n" for line in out)
