"""Suppression comments: ``<!-- mdnorm-disable... -->``.

kramdown passes HTML comments through to the page source without showing them,
so they are the natural place for per-line and per-file opt-outs::

    <!-- mdnorm-disable-next-line LE001,HT001 -->
    http://example.com/ <!-- mdnorm-disable-line insecure-link -->
    <!-- mdnorm-disable HT001 --> ... <!-- mdnorm-enable HT001 -->
    <!-- mdnorm-disable-file -->            (no codes: every rule)

Rules are named by code, prefix or name, as everywhere (:mod:`mdnorm.selection`).
A directive naming an unknown rule, or one that suppresses nothing, is reported
as SU001 (:func:`unused`), as ruff's RUF100 reports a useless ``noqa``.

Only a comment kramdown passes through as HTML counts: the same text in front
matter (a YAML comment), in code or in ``$$`` math is shown or dropped as text,
so it does nothing.

The directives of a post are read once into plain data (:class:`Directives`),
so the site-wide rules, which run on a post's stored facts rather than on its
text, filter their diagnostics exactly as the per-file rules do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document, content_end
from mdnorm.selection import matches
from mdnorm.text import INLINE_MATH, blank_out, mask_code_spans

_COMMENT = re.compile(
    r"<!--\s*mdnorm-(disable-next-line|disable-line|disable-file|disable|enable)(?=\s|-->)([^>]*?)-->", re.IGNORECASE
)
_ALL = "ALL"


def _codes(raw: str) -> frozenset[str]:
    codes = frozenset(c.strip().upper() for c in re.split(r"[,\s]+", raw) if c.strip())
    return codes or frozenset({_ALL})


class Directives(NamedTuple):
    """The suppressions of one post: whole-file codes, next-line codes, disable/enable events."""

    file: tuple[str, ...] = ()
    next_line: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (1-based line suppressed, codes)
    events: tuple[tuple[int, tuple[str, ...], bool], ...] = ()  # (1-based line, codes, enable?)

    def to_json(self) -> Any:
        nxt = [[ln, list(c)] for ln, c in self.next_line]
        return [list(self.file), nxt, [[ln, list(c), e] for ln, c, e in self.events]]

    @classmethod
    def from_json(cls, data: Any) -> Directives:
        file, nxt, events = data
        return cls(
            tuple(map(str, file)),
            tuple((int(ln), tuple(map(str, c))) for ln, c in nxt),
            tuple((int(ln), tuple(map(str, c)), bool(e)) for ln, c, e in events),
        )

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics that no directive covers."""
        diags = list(diagnostics)
        if not (self.file or self.next_line or self.events):
            return diags
        next_line: dict[int, set[str]] = {}
        for ln, codes in self.next_line:
            next_line.setdefault(ln, set()).update(codes)
        out = []
        for d in diags:
            if matches(d.code, self.file) or matches(d.code, next_line.get(d.line, ())):
                continue
            disabled = False
            for ev_line, codes, enable in self.events:
                if ev_line > d.line:
                    break
                if matches(d.code, codes):
                    disabled = not enable
            if not disabled:
                out.append(d)
        return out


NO_DIRECTIVES = Directives()


class Found(NamedTuple):
    """One directive where it is written: 0-based line, its span in ``doc.text``, its kind and codes."""

    line: int
    start: int
    end: int
    kind: str
    codes: tuple[str, ...]


def scan(doc: Document) -> list[Found]:
    """Every suppression comment of ``doc`` (none in front matter, code or math)."""
    if "mdnorm-" not in doc.text:
        return []
    skip = bytearray(doc.code_lines)  # code, math and front matter lines hold no directives
    skip[: doc.body_line] = b"\x01" * doc.body_line
    for tok in doc.walk():
        if tok["type"] == "block_math":
            a, b = tok["_line"], content_end(doc, tok)
            skip[a:b] = b"\x01" * (b - a)
    found: list[Found] = []
    for ln, line in enumerate(doc.lines):
        here = doc.line_starts[ln]
        if "mdnorm-" not in line or skip[ln]:
            continue
        if "`" in line:  # a comment inside an inline code span is an example, not a directive
            line = mask_code_spans(line)
        if "$$" in line:  # so is one inside inline math
            line = INLINE_MATH.sub(blank_out, line)
        for m in _COMMENT.finditer(line):
            codes = tuple(sorted(_codes(m.group(2))))
            found.append(Found(ln, here + m.start(), here + m.end(), m.group(1).lower(), codes))
    return found


def directives(doc: Document, found: list[Found] | None = None) -> Directives:
    """Read the suppression comments of ``doc`` into plain data."""
    if found is None:
        found = scan(doc)
    if not found:
        return NO_DIRECTIVES
    file_codes: set[str] = set()
    next_line: list[tuple[int, tuple[str, ...]]] = []
    events: list[tuple[int, tuple[str, ...], bool]] = []
    for f in found:
        if f.kind == "disable-file":
            file_codes.update(f.codes)
        elif f.kind == "disable-next-line":
            next_line.append((f.line + 2, f.codes))
        elif f.kind == "disable-line":
            next_line.append((f.line + 1, f.codes))
        else:
            events.append((f.line + 1, f.codes, f.kind == "enable"))
    return Directives(tuple(sorted(file_codes)), tuple(next_line), tuple(events))


def _covers(f: Found, d: Diagnostic, found: list[Found]) -> bool:
    """Whether directive ``f`` alone would suppress ``d``."""
    if not matches(d.code, f.codes):
        return False
    if f.kind == "disable-file":
        return True
    if f.kind in ("disable-next-line", "disable-line"):
        return d.line == f.line + (2 if f.kind == "disable-next-line" else 1)
    if f.kind != "disable" or d.line < f.line + 1:
        return False
    closing = [g.line + 1 for g in found if g.kind == "enable" and g.line > f.line and matches(d.code, g.codes)]
    return not closing or d.line < min(closing)


def unused(
    doc: Document, found: list[Found], diagnostics: list[Diagnostic], selected: frozenset[str]
) -> list[Diagnostic]:
    """SU001 for each directive that names an unknown rule or suppresses none of ``diagnostics``.

    ``diagnostics`` are the post's problems before suppression.  A directive is
    only called useless when every rule it names was checked on this text: not
    for unselected rules, nor for the site-wide ones (their problems come later,
    from the site index).  The safe fix removes the comment (its whole line when
    the line holds nothing else).
    """
    from mdnorm.diagnostic import Edit, Fix
    from mdnorm.selection import canonical, check_selector

    out = []
    site_wide = _site_codes()
    for f in found:
        col = f.start - doc.line_starts[f.line] + 1
        unknown = [c for c in f.codes if c != _ALL and not check_selector(c)]
        if unknown:
            names = ", ".join(repr(c.lower() if "-" in c else c) for c in unknown)
            out.append(Diagnostic(doc.path, f.line + 1, col, "SU001", f"unknown rule {names} in suppression comment"))
            continue
        if f.kind == "enable":
            continue
        named = [c for c in selected if matches(c, f.codes)]
        if not named or any(c in site_wide or c == "SU001" for c in named):
            continue  # a rule not checked here: nothing to say about it
        if any(_covers(f, d, found) for d in diagnostics):
            continue
        shown = ", ".join(canonical(c) for c in f.codes)
        out.append(
            Diagnostic(
                doc.path,
                f.line + 1,
                col,
                "SU001",
                f"unused suppression ({shown}: no such problem here)",
                Fix.safe(_removal(doc, f, Edit)),
            )
        )
    return out


def _removal(doc: Document, f: Found, edit: Any) -> Any:
    """The edit that removes directive ``f``: its whole line when nothing else is on it."""
    line = doc.lines[f.line]
    line_start = doc.line_starts[f.line]
    if not line.replace(doc.text[f.start : f.end], "", 1).strip():
        return edit(line_start, line_start + len(line) + len(doc.endings[f.line]), "")
    start = f.start
    while start > line_start and doc.text[start - 1] in " \t":
        start -= 1
    return edit(start, f.end, "")


def _site_codes() -> frozenset[str]:
    from mdnorm.rules import RULES

    return frozenset(c for c, r in RULES.items() if r.site_check is not None)


def filter_suppressed(
    doc: Document, diagnostics: Iterable[Diagnostic], selected: frozenset[str] = frozenset()
) -> list[Diagnostic]:
    """Drop diagnostics that a suppression comment in ``doc`` covers; with SU001 in
    ``selected``, add one for each directive that names an unknown rule or is unused."""
    diags = list(diagnostics)
    if "mdnorm-" not in doc.text:
        return diags
    found = scan(doc)
    kept = directives(doc, found).filter(diags) if diags else diags
    if "SU001" in selected and found:
        kept.extend(unused(doc, found, diags, selected))
    return kept
