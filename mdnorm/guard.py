"""The safety check before every write: the fixed text must make the same page.

A fix may change only what its rule's edit policy allows (:func:`edit_problem`,
per edit); the fixed document must keep its block structure, its verbatim blocks,
its URLs and its hard line breaks (:func:`verify_problem`, per set of fixes).  The
fixer asks before it accepts a fix, so a refused fix costs one check, never a file.
"""

from __future__ import annotations

import re
from collections import Counter

from mdnorm.diagnostic import Diagnostic, Fix
from mdnorm.document import URL_LINE, Document, Token, content_end
from mdnorm.rules import policy_of, without_whitespace
from mdnorm.rules.base import TextCheck

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


Chosen = tuple[Diagnostic, Fix]


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
