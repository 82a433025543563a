"""Apply fixes: non-overlapping edits bottom-up, re-lint to a fixed point, verify.

The fixer is the only code that changes text (and :mod:`mdnorm.writer` the only
code that writes it).  Each pass takes every allowed fix whose edits do not
overlap an edit already taken, applies them from the end of the text backwards
(so earlier offsets stay valid and every untouched character stays identical),
then re-parses and re-lints; fixes that overlapped wait for the next pass.  Every
set of fixes passes :mod:`mdnorm.guard` (the same-page check) before it is kept.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Container, Iterable
from itertools import accumulate, pairwise
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document
from mdnorm.guard import Chosen, edit_problem, verify_problem
from mdnorm.guard import FixError as FixError  # raised here for callers of the fixer
from mdnorm.linter import lint_document
from mdnorm.rules import Context, policy_of

MAX_PASSES = 10

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class FixResult(NamedTuple):
    """The fixed text, what was applied, and what is left.

    ``refused`` holds one diagnostic per fix the safety check would not apply;
    each is also in ``remaining``, without its fix and with the reason appended,
    so a report shows it as a note instead of counting it as fixed.
    """

    text: str
    applied: Counter[str]
    passes: int
    remaining: list[Diagnostic]
    refused: tuple[Diagnostic, ...] = ()


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: order would be ambiguous
    return a.start < b.end and b.start < a.end


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping ``edits`` to ``text``, last first."""
    parts: list[str] = []
    pos = len(text)
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        parts.append(text[e.end : pos])
        parts.append(e.replacement)
        pos = e.start
    parts.append(text[:pos])
    return "".join(reversed(parts))


def _allowed(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.applicability == "safe" or unsafe)


class _Taken:
    """The edits taken so far in a pass, for an O(log n) overlap test.

    Taken spans never overlap each other, so sorted by ``(start, end)`` their
    ends never decrease either: the only span that can overlap a new edit is the
    last one that starts before the edit ends (for an insertion: before it, or
    an insertion at the same point).  Spans are counted in a Fenwick tree over
    every candidate span, which finds that last one in O(log n) without moving
    a list; a pass over n fixes is O(n log n).  (Comparing each fix with every
    edit taken so far took minutes for 30,000 trailing-space fixes.)
    """

    def __init__(self, edits: Iterable[Edit]) -> None:
        self.keys = sorted({(e.start, e.end) for e in edits})
        self.tree = [0] * (len(self.keys) + 1)
        self.points: set[int] = set()  # insertion points taken
        self.top = 1 << len(self.keys).bit_length()

    def _last_end_before(self, key: tuple[int, int]) -> int | None:
        """The end of the last taken span sorted before ``key``, or ``None``."""
        tree = self.tree
        i = bisect_left(self.keys, key)
        count = 0
        while i > 0:
            count += tree[i]
            i -= i & -i
        if not count:
            return None
        pos, step = 0, self.top
        while step:  # the smallest prefix holding ``count`` spans ends at that span
            nxt = pos + step
            if nxt < len(tree) and tree[nxt] < count:
                pos = nxt
                count -= tree[nxt]
            step >>= 1
        return self.keys[pos][1]

    def hits(self, e: Edit) -> bool:
        if e.start == e.end:
            if e.start in self.points:
                return True
            end = self._last_end_before((e.start, e.start))
        else:
            end = self._last_end_before((e.end, -1))
        return end is not None and end > e.start

    def add(self, e: Edit) -> None:
        if e.start == e.end:
            self.points.add(e.start)
        tree = self.tree
        i = bisect_left(self.keys, (e.start, e.end)) + 1
        while i < len(tree):
            tree[i] += 1
            i += i & -i


def _self_overlapping(edits: tuple[Edit, ...]) -> bool:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    return any(_overlaps(a, b) for a, b in pairwise(ordered))


def choose_fixes(diags: list[Diagnostic], unsafe: bool, skip: Container[tuple[str, int]] = ()) -> list[Chosen]:
    """The allowed fixes of one pass: in order, each whose edits overlap no edit taken before.

    ``skip`` holds ``(code, first edit offset)`` of fixes already refused.
    """
    chosen: list[Chosen] = []
    taken = _Taken(e for d in diags if d.fix is not None for e in d.fix.edits)
    for d in diags:
        fix = d.fix
        if fix is None or not _allowed(fix, unsafe) or not fix.edits:
            continue
        if skip and (d.code, _anchor(fix)) in skip:
            continue
        if any(taken.hits(e) for e in fix.edits):
            continue
        if len(fix.edits) > 1 and _self_overlapping(fix.edits):
            continue  # a rule's own edits must not overlap; skip rather than guess
        chosen.append((d, fix))
        for e in fix.edits:
            taken.add(e)
    return chosen


def _anchor(fix: Fix) -> int:
    return min(e.start for e in fix.edits)


def _shift(refused: dict[tuple[str, int], str], edits: list[Edit]) -> dict[tuple[str, int], str]:
    """``refused`` re-keyed to where the same text sits after ``edits`` are applied."""
    if not refused:
        return refused
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    ends = [e.end for e in ordered]
    deltas = list(accumulate((len(e.replacement) - (e.end - e.start) for e in ordered), initial=0))
    return {(code, at + deltas[bisect_right(ends, at)]): why for (code, at), why in refused.items()}


def fix_document(doc: Document, ctx: Context, codes: frozenset[str] | None = None, unsafe: bool = False) -> FixResult:
    """Fix ``doc`` until no allowed fix applies, verifying every pass.

    A fix the safety check refuses is skipped alone: the others of the pass are
    applied, and the refused one is reported in ``remaining`` (without its fix)
    and in ``refused``.  Only a fix loop that never settles raises.
    """
    applied: Counter[str] = Counter()
    current = doc
    diags = lint_document(current, ctx, codes)
    passes = 0
    reasons: dict[tuple[str, int], str] = {}  # refused fixes: (code, first edit offset) -> why
    while True:
        chosen = choose_fixes(diags, unsafe, reasons)
        if not chosen:
            break
        keep = [c for c in chosen if not policy_of(c[0].code).restructures]
        if keep:  # fixes that keep the structure are checked for it without the others mixed in
            chosen = keep
        plain = [c for c in chosen if not policy_of(c[0].code).rewrites_links]
        if plain:  # link rewrites get passes of their own: the text check cannot see through them
            chosen = plain
        if passes >= MAX_PASSES:
            pending = ", ".join(sorted({d.code for d, _ in chosen}))
            raise FixError(doc.path, f"fixes did not settle after {MAX_PASSES} passes ({pending} still apply)")
        refused: list[tuple[Chosen, str]] = []
        candidates: list[Chosen] = []
        for d, fix in chosen:
            problem = next(
                (p for e in fix.edits if (p := edit_problem(d.code, current.text[e.start : e.end], e.replacement))),
                None,
            )
            if problem:
                refused.append(((d, fix), f"the fix {problem}"))
            else:
                candidates.append((d, fix))
        accepted, after = _accept(current, candidates, refused)
        for (d, fix), why in refused:
            reasons[(d.code, _anchor(fix))] = why
        if not accepted:
            continue  # only refusals: the text is unchanged, and the refused fixes are skipped from now on
        assert after is not None
        passes += 1
        edits = [e for _, fix in accepted for e in fix.edits]
        applied.update(d.code for d, _ in accepted)
        reasons = _shift(reasons, edits)
        current = after
        diags = lint_document(current, ctx, codes)
    remaining: list[Diagnostic] = []
    refused_out: list[Diagnostic] = []
    for d in diags:
        reason = reasons.get((d.code, _anchor(d.fix))) if d.fix is not None and d.fix.edits else None
        if reason is None:
            remaining.append(d)
            continue
        note = d._replace(message=f"{d.message} (not fixed, the safety check refused it: {reason})", fix=None)
        remaining.append(note)
        refused_out.append(note)
    return FixResult(current.text, applied, passes, remaining, tuple(refused_out))


def _accept(
    before: Document, candidates: list[Chosen], refused: list[tuple[Chosen, str]]
) -> tuple[list[Chosen], Document | None]:
    """The candidates that pass :func:`verify` together, and the document they make.

    All of them usually do, at the cost of one check.  Otherwise the set is
    halved until each refused fix stands alone (appended to ``refused`` with the
    reason), so one bad fix costs O(log n) checks and never blocks the others.
    """
    accepted: list[Chosen] = []
    result: list[Document | None] = [None]

    def attempt(group: list[Chosen]) -> None:
        trial = accepted + group
        after = Document(before.path, apply_edits(before.text, [e for _, f in trial for e in f.edits]))
        problem = verify_problem(before, after, trial)
        if problem is None:
            accepted[:] = trial
            result[0] = after
        elif len(group) == 1:
            refused.append((group[0], problem))
        else:
            mid = len(group) // 2
            attempt(group[:mid])
            attempt(group[mid:])

    if candidates:
        attempt(candidates)
    return accepted, result[0]


def unified_diff(path: str, old: str, new: str) -> str:
    """``--diff`` output for one file: ``--- a/path`` / ``+++ b/path`` hunks.

    Lines keep their own endings; a last line without one gets git's
    ``\\ No newline at end of file`` marker so the diff stays a valid patch.
    """
    import difflib

    out: list[str] = []
    for line in difflib.unified_diff(_lines(old), _lines(new), f"a/{path}", f"b/{path}"):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines with their endings, split only at CR/LF (``str.splitlines`` also splits at FF, U+2028...)."""
    return _LINE.findall(text)
