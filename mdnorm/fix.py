"""Apply fixes: non-overlapping edits bottom-up, re-lint to a fixed point, verify.

The fixer is the only code that changes text (and :mod:`mdnorm.writer` the only
code that writes it).  Each pass takes every allowed fix whose edits do not
overlap an edit already taken, applies them from the end of the text backwards
(so earlier offsets stay valid and every untouched character stays identical),
then re-parses and re-lints; fixes that overlapped wait for the next pass.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import URL_LINE, Document, content_end
from mdnorm.lint import lint_document
from mdnorm.rules import Context

MAX_PASSES = 10

#: Rules whose edits are meant to change visible text; each may change it only as
#: :func:`_edit_problem` allows.  Every other rule may only move whitespace.
_TEXT_CHANGING = frozenset({"HT001", "DL001", "KD001", "FM006", "LE001"})
_TOC_TEXT = "*toc{:toc}"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: Blocks whose content must come out of a fix exactly as it went in.
_VERBATIM_BLOCKS = ("block_code", "block_math", "liquid_block", "kd_extension", "block_html")
_WS = re.compile(r"[\s\ufeff]+")
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
    text: str
    applied: Counter[str]
    passes: int
    remaining: list[Diagnostic]


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


def fix_document(doc: Document, ctx: Context, codes: frozenset[str] | None = None, unsafe: bool = False) -> FixResult:
    """Fix ``doc`` until no allowed fix applies; verify before returning."""
    applied: Counter[str] = Counter()
    removed_urls: Counter[str] = Counter()
    current = doc
    diags = lint_document(current, ctx, codes)
    passes = 0
    while True:
        chosen: list[tuple[Diagnostic, Fix]] = []
        taken: list[Edit] = []
        for d in diags:
            if not _allowed(d.fix, unsafe):
                continue
            assert d.fix is not None
            if any(_overlaps(e, t) for e in d.fix.edits for t in taken):
                continue
            if any(_overlaps(a, b) for i, a in enumerate(d.fix.edits) for b in d.fix.edits[i + 1 :]):
                continue  # a rule's own edits must not overlap; skip rather than guess
            chosen.append((d, d.fix))
            taken.extend(d.fix.edits)
        if not chosen:
            break
        passes += 1
        if passes > MAX_PASSES:
            pending = ", ".join(sorted({d.code for d, _ in chosen}))
            raise FixError(doc.path, f"fixes did not settle after {MAX_PASSES} passes ({pending} still apply)")
        for d, fix in chosen:
            for e in fix.edits:
                old = current.text[e.start : e.end]
                problem = _edit_problem(d.code, old, e.replacement)
                if problem:
                    raise FixError(doc.path, f"{d.code} fix at line {d.line} {problem}")
                if d.code == "DL001":
                    removed_urls.update(_url_key(u) for u in _ANY_URL.findall(old))
            applied[d.code] += 1
        current = Document(doc.path, apply_edits(current.text, taken))
        diags = lint_document(current, ctx, codes)
    if passes:
        verify(doc, current, removed_urls, heading_fixes=applied["HD002"] > 0, category_fix=applied["FM006"] > 0)
    return FixResult(current.text, applied, passes, diags)


def _edit_problem(code: str, old: str, new: str) -> str | None:
    """Why one edit changes more visible text than its rule may, or ``None``.

    This is the "non-whitespace text is the same apart from the edits' own text"
    half of the safety check, done per edit where the rule that made it is known.
    """
    o, n = _WS.sub("", old), _WS.sub("", new)
    if o == n:
        return None
    if code == "HT001" and old.lower() == "http" and new.lower() == "https":
        return None
    if code == "DL001" and not n:
        return None  # removing a duplicate entry; its URLs are accounted for
    if code == "KD001" and not o and n in (_TOC_TEXT, "{:toc}"):  # the whole marker, or its missing IAL
        return None
    if code == "FM006" and "\n" not in old + new and "\r" not in old + new:
        return None  # one category value for another, on its own line (verify checks the data)
    if code == "LE001" and not o and new.strip() and len(new.strip().splitlines()) == 1:
        return None  # a fetched page title inserted as the missing title line
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
    category_fix: bool = False,
) -> None:
    """The kramdown-aware "same page" check; raises :class:`FixError` on a difference.

    Every URL is still there as often (``http``/``https`` are the same; URLs in
    entries that DL001 removed are allowed to go), and the headings, code, math,
    HTML, Liquid and extension blocks, the hard line breaks and the front matter
    data are unchanged.
    """
    want = url_counts(before.text)
    want.subtract(removed_urls)
    have = url_counts(after.text)
    lost = {u: n for u, n in want.items() if n > have.get(u, 0)}
    path = before.path
    if lost:
        raise FixError(path, f"safety check failed: the fix would lose URL(s) {sorted(lost)[:3]}")
    b_fm, a_fm = before.front_matter, after.front_matter
    b_data = b_fm.data if b_fm is not None else None
    a_data = a_fm.data if a_fm is not None else None
    if category_fix and b_data is not None and a_data is not None:  # FM006 changes only the category
        b_data = {k: v for k, v in b_data.items() if k != "category"}
        a_data = {k: v for k, v in a_data.items() if k != "category"}
    if (b_fm is None) != (a_fm is None) or b_data != a_data:
        raise FixError(path, "safety check failed: the fix would change the front matter data")
    for kind in _VERBATIM_BLOCKS:
        if _blocks(before, kind) != _blocks(after, kind):
            raise FixError(path, f"safety check failed: the fix would change a {_KIND_NAMES[kind]}")
    if _hard_breaks(before) != _hard_breaks(after):
        raise FixError(path, "safety check failed: the fix would remove or add a hard line break (2+ trailing spaces)")
    bh = [(h.level, h.text) for h in before.headings]
    ah = [(h.level, h.text) for h in after.headings]
    if heading_fixes:
        it = iter(ah)
        ok = all(h in it for h in bh)
    else:
        ok = bh == ah
    if not ok:
        raise FixError(path, "safety check failed: the fix would change the headings")
