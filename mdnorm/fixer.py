"""Apply fixes: non-overlapping edits bottom-up, re-lint to a fixed point, verify.

The fixer is the only code that changes text (and :mod:`mdnorm.writer` the only
code that writes it).  Each pass takes every allowed fix whose edits do not
overlap an edit already taken, applies them from the end of the text backwards
(so earlier offsets stay valid and every untouched character stays identical),
then re-parses and re-lints; fixes that overlapped wait for the next pass.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Container, Iterable
from itertools import accumulate, pairwise
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import URL_LINE, Document, Token, content_end
from mdnorm.linter import lint_document
from mdnorm.rules import Context, policy_of, without_whitespace
from mdnorm.rules.base import TextCheck

MAX_PASSES = 10

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: Blocks whose content must come out of a fix exactly as it went in.
_VERBATIM_BLOCKS = ("block_code", "block_math", "liquid_block", "kd_extension", "block_html")
_ANY_URL = re.compile(r"https?://[^\s<>\"'`）（，。；：！？、】【《》「」\])]+", re.IGNORECASE)


class FixError(Exception):
    """The fixer could not produce a safe result; the file is left untouched.

    Always a bug in a rule (or in the fixer), never the user's fault: the message
    names the file and asks for a report, and the runner turns it into an internal
    error for that one file while the run goes on.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{problem} in {path}; the file was not written. Please report this as a bug, with the file")
        self.path = path
        self.problem = problem


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


Chosen = tuple[Diagnostic, Fix]


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


def edit_problem(code: str, old: str, new: str) -> str | None:
    """Why one edit changes more visible text than its rule may, or ``None``.

    This is the "non-whitespace text is the same apart from the edits' own text"
    half of the safety check, done per edit where the rule's edit policy is known.
    """
    if without_whitespace(old) == without_whitespace(new):
        return None
    policy = policy_of(code)
    if policy.text is not None and policy.text(old, new):
        return None
    if policy.rewrites_links and old and new and without_whitespace(old) == old and without_whitespace(new) == new:
        return None  # one link target (or its path, or its #anchor) for another
    return f"would change the text {old[:60]!r} to {new[:60]!r}"


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


def _url_key(url: str) -> str:
    return re.sub(r"^https?://", "", url, flags=re.IGNORECASE)


def url_counts(text: str) -> Counter[str]:
    return Counter(_url_key(u) for u in _ANY_URL.findall(text))


_KIND_NAMES = {
    "block_code": "code block",
    "block_math": "math block",
    "liquid_block": "Liquid block",
    "kd_extension": "kramdown extension block",
    "block_html": "HTML block",
}


def _blocks(doc: Document, kind: str) -> list[str]:
    """The content of every ``kind`` block: mistune's ``raw``, else its source lines."""
    out = []
    for t in doc.walk():
        if t["type"] == kind:
            raw = t.get("raw")
            out.append(raw if raw is not None else "\n".join(doc.lines[t["_line"] : content_end(doc, t)]))
    return out


_SCHEME = re.compile(r"https?://", re.IGNORECASE)


def _hard_breaks(doc: Document) -> Counter[str]:
    """Paragraph lines that kramdown ends with ``<br />`` (2+ trailing spaces, not the last line).

    A bare URL line is left out: splitting a glued link entry (LE002) is meant to
    end its paragraph there.
    """
    out: Counter[str] = Counter()
    lines = doc.lines
    for ln in doc.hard_break_lines:
        line = lines[ln]
        if not URL_LINE.fullmatch(line):
            out[_SCHEME.sub("//", line.strip())] += 1  # HT001 may upgrade a URL on the line
    return out


def verify(
    before: Document,
    after: Document,
    removed_urls: Counter[str],
    heading_fixes: bool = False,
    front_matter_keys: frozenset[str] = frozenset(),
    structure: bool = False,
) -> None:
    """The kramdown-aware "same page" check; raises :class:`FixError` on a difference.

    Every URL is still there as often (``http``/``https`` are the same; URLs in
    entries that DL001 removed are allowed to go), and the headings, code, math,
    HTML, Liquid and extension blocks, the hard line breaks and the front matter
    data are unchanged.  With ``structure``, so are the blocks themselves: their
    types and nesting, and their text apart from whitespace (see :func:`block_structure`).
    """
    problem = _problem(before, after, removed_urls, heading_fixes, front_matter_keys, structure)
    if problem is not None:
        raise FixError(before.path, f"safety check failed: {problem}")


def verify_problem(before: Document, after: Document, fixes: list[Chosen]) -> str | None:
    """What :func:`verify` finds wrong with ``fixes`` turning ``before`` into ``after``, or ``None``.

    The checks follow from the edit policies of the rules that made the fixes
    (:class:`mdnorm.rules.EditPolicy`): which may remove URLs, add headings,
    change front matter keys or the block structure.
    """
    removed: Counter[str] = Counter()
    policies = [policy_of(d.code) for d, _ in fixes]
    for (_, fix), policy in zip(fixes, policies, strict=True):
        if policy.removes_urls:
            for e in fix.edits:
                removed.update(_url_key(u) for u in _ANY_URL.findall(before.text[e.start : e.end]))
    keys = frozenset(k for p in policies for k in p.front_matter_keys)
    headings = any(p.adds_headings for p in policies)
    drop = next((p.removes_html for p in policies if p.removes_html is not None), None)
    links_only = bool(policies) and all(p.rewrites_links for p in policies)
    structure = not any(p.restructures for p in policies)
    return _problem(before, after, removed, headings, keys, structure, drop, links_only)


def block_structure(doc: Document) -> list[tuple[int, str, str]]:
    """``(depth, type, text)`` of every block but blank lines, in source order.

    ``text`` is a leaf block's source with all whitespace removed (and
    ``http``/``https`` made alike, HT001's one change), empty for containers.  Two
    documents with the same list render the same blocks: a fix that only moves
    whitespace and changes this list changed what kramdown builds (collapsing
    blank lines before ``: text`` makes a definition list).
    """
    out: list[tuple[int, str, str]] = []
    lines = doc.lines
    stack: list[tuple[int, Token]] = [(0, t) for t in reversed(doc.blocks)]
    while stack:
        depth, tok = stack.pop()
        kind = tok["type"]
        if kind == "blank_line":
            continue
        kids = tok.get("children")
        if kids:
            out.append((depth, kind, ""))
            stack.extend((depth + 1, k) for k in reversed(kids))
        else:
            text = "".join(lines[tok["_line"] : content_end(doc, tok)])
            out.append((depth, kind, _SCHEME.sub("//", without_whitespace(text))))
    return out


def _problem(
    before: Document,
    after: Document,
    removed_urls: Counter[str],
    heading_fixes: bool,
    front_matter_keys: frozenset[str],
    structure: bool,
    drop_html: TextCheck | None = None,
    links_only: bool = False,
) -> str | None:
    """What differs between ``before`` and ``after`` that the fixes may not change.

    ``drop_html``: HTML blocks it accepts may go (a suppression comment removed).
    ``links_only``: every fix replaced one link target by another (each edit was
    checked to be blank-free on both sides), so block and heading texts may differ
    where the targets are written; the blocks' types and nesting may not.
    """
    want = url_counts(before.text)
    want.subtract(removed_urls)
    have = url_counts(after.text)
    lost = {u: n for u, n in want.items() if n > have.get(u, 0)}
    if lost:
        return f"the fix would lose URL(s) {sorted(lost)[:3]}"
    b_fm, a_fm = before.front_matter, after.front_matter
    b_data = b_fm.data if b_fm is not None else None
    a_data = a_fm.data if a_fm is not None else None
    if front_matter_keys and b_data is not None and a_data is not None:  # only these keys may change
        b_data = {k: v for k, v in b_data.items() if k not in front_matter_keys}
        a_data = {k: v for k, v in a_data.items() if k not in front_matter_keys}
    if (b_fm is None) != (a_fm is None) or b_data != a_data:
        return "the fix would change the front matter data"
    for kind in _VERBATIM_BLOCKS:
        b_blocks, a_blocks = _blocks(before, kind), _blocks(after, kind)
        if kind == "block_html" and drop_html is not None:
            b_blocks = [x for x in b_blocks if not drop_html(x, "")]
            a_blocks = [x for x in a_blocks if not drop_html(x, "")]
        if b_blocks != a_blocks:
            return f"the fix would change a {_KIND_NAMES[kind]}"
    if _hard_breaks(before) != _hard_breaks(after):
        return "the fix would remove or add a hard line break (2+ trailing spaces)"
    # HT001 may upgrade a URL in a heading: http and https are the same here
    bh = [(h.level, _SCHEME.sub("//", h.text)) for h in before.headings]
    ah = [(h.level, _SCHEME.sub("//", h.text)) for h in after.headings]
    if links_only:  # a link's target is no part of the heading's text nor of its id
        bh, ah = [(lv, "") for lv, _ in bh], [(lv, "") for lv, _ in ah]
    if heading_fixes:
        it = iter(ah)
        ok = all(h in it for h in bh)
    else:
        ok = bh == ah
    if not ok:
        return "the fix would change the headings"
    if structure and links_only:
        if [b[:2] for b in block_structure(before)] != [a[:2] for a in block_structure(after)]:
            return "the fix would change the block structure kramdown sees"
    elif structure and block_structure(before) != block_structure(after):
        return "the fix would change the block structure kramdown sees"
    return None
