"""The fixer's loop and its safety net, driven by hand-made rules.

Real rules are covered by their own fixture tests; here fake rules are swapped
into the rule table (``monkeypatch.setitem``) so that each test controls exactly
which edits the fixer sees: overlapping edits, a rule that never settles, and
edits that look harmless (whitespace only) but would lose a URL, change a code
or math block, a heading or the front matter data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

import pytest

from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document
from mdnorm.fixer import MAX_PASSES, FixError, apply_edits, fix_document, unified_diff
from mdnorm.guard import verify
from mdnorm.rules import RULES, Context, Rule
from mdnorm.runner import Mode, process_file
from mdnorm.selection import selected_codes

CTX = Context(Config())
POST = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n# Head\n\nhttps://example.org/a\n\nTitle\n"

EditsFor = Callable[[Document], Iterable[Edit]]


def _fake(monkeypatch: pytest.MonkeyPatch, code: str, edits_for: EditsFor, safe: bool = True) -> frozenset[str]:
    """Replace rule ``code`` by one that proposes ``edits_for(doc)`` (one diagnostic per edit)."""

    def check(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
        for e in edits_for(doc):
            fix = Fix.safe(e) if safe else Fix.unsafe(e)
            yield Diagnostic(doc.path, 1, 1, code, "fake", fix)

    monkeypatch.setitem(RULES, code, Rule(code, "fake", "safe", check, "test"))
    return frozenset({code})


def _replace_once(old: str, new: str) -> EditsFor:
    """An edit replacing the first ``old`` by ``new``; none once ``old`` is gone."""

    def edits(doc: Document) -> list[Edit]:
        at = doc.text.find(old)
        return [] if at < 0 else [Edit(at, at + len(old), new)]

    return edits


# -- apply_edits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ([], "abcdef"),
        ([Edit(0, 1, "X")], "Xbcdef"),
        ([Edit(1, 2, ""), Edit(4, 4, "+")], "acd+ef"),
        ([Edit(4, 4, "+"), Edit(1, 2, "")], "acd+ef"),  # order of the list does not matter
        ([Edit(6, 6, "\n")], "abcdef\n"),
    ],
)
def test_apply_edits(edits: list[Edit], expected: str) -> None:
    assert apply_edits("abcdef", edits) == expected


# -- the loop -----------------------------------------------------------------------


def test_overlapping_edit_is_re_derived_not_applied_on_stale_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    # WS001 takes "x<tab><tab>" -> "x"; WS003's edit of "x<tab><tab>\n" overlaps it and waits.  After the
    # pass the text is re-linted and WS003 no longer finds its target: it is dropped.
    text = "x\t\t\ny\n"
    codes = _fake(monkeypatch, "WS001", _replace_once("x\t\t", "x"))
    codes |= _fake(monkeypatch, "WS003", _replace_once("x\t\t\n", "x\n"))
    result = fix_document(Document("p.md", text), CTX, codes)
    assert result.text == "x\ny\n"
    assert result.passes == 1
    assert result.applied == Counter({"WS001": 1})


def test_edits_that_stay_valid_apply_in_the_next_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "p  q   r\n"
    # both rules always propose an edit while their target exists; the second overlaps the first
    codes = _fake(monkeypatch, "WS001", _replace_once("p  q", "p q"))  # [0, 4)
    codes |= _fake(monkeypatch, "WS003", _replace_once("q   r", "q r"))  # [3, 8): overlaps at "q"
    result = fix_document(Document("p.md", text), CTX, codes)
    assert result.text == "p q r\n"
    assert result.passes == 2
    assert result.applied == Counter({"WS001": 1, "WS003": 1})


def test_two_insertions_at_one_point_are_not_applied_together(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a\n"
    codes = _fake(monkeypatch, "WS001", lambda d: [Edit(1, 1, " ")] if d.text == "a\n" else [])
    codes |= _fake(monkeypatch, "WS003", lambda d: [Edit(1, 1, "\t")] if d.text == "a\n" else [])
    result = fix_document(Document("p.md", text), CTX, codes)
    assert result.text in ("a \n", "a\t\n")
    assert sum(result.applied.values()) == 1


def test_no_fix_means_no_pass_and_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = _fake(monkeypatch, "WS001", lambda d: [])
    result = fix_document(Document("p.md", POST), CTX, codes)
    assert result.text == POST
    assert (result.passes, result.applied) == (0, Counter())


def test_unsafe_fix_needs_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = _fake(monkeypatch, "WS001", _replace_once("a  ", "a"), safe=False)
    assert fix_document(Document("p.md", "a  \n"), CTX, codes).text == "a  \n"
    assert fix_document(Document("p.md", "a  \n"), CTX, codes, unsafe=True).text == "a\n"


def test_a_rule_that_never_settles_hits_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = _fake(monkeypatch, "WS001", lambda d: [Edit(len(d.text), len(d.text), " ")])
    with pytest.raises(FixError) as info:
        fix_document(Document("posts/loop.md", "a"), CTX, codes)
    msg = str(info.value)
    assert "posts/loop.md" in msg
    assert f"{MAX_PASSES} passes" in msg
    assert "report" in msg and "bug" in msg


# -- per-edit limits: a whitespace rule may not change text ------------------------------


def _assert_refused(text: str, codes: frozenset[str], why: str) -> None:
    """The only fix on offer is refused: nothing applied, the text unchanged, one note why."""
    result = fix_document(Document("p.md", text), CTX, codes)
    assert (result.text, result.applied) == (text, Counter())
    assert len(result.refused) == 1 and result.refused[0] in result.remaining
    assert result.refused[0].fix is None
    assert re.search(rf"(?i)not fixed, the safety check refused it: .*{why}", result.refused[0].message)


def test_whitespace_rule_changing_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = _fake(monkeypatch, "WS001", _replace_once("Title", "Tile"))
    _assert_refused(POST, codes, "would change the text")


@pytest.mark.parametrize(
    ("code", "old", "new"),
    [
        ("HT001", "https://example.org", "https://evil.example"),  # more than http -> https
        ("KD001", "Title", "* toc\n{:toc}"),  # the TOC fix may only insert the marker
        ("DL001", "Title", "Other"),  # a removal must remove, not rewrite
    ],
)
def test_text_changing_rules_change_only_their_own_text(
    monkeypatch: pytest.MonkeyPatch, code: str, old: str, new: str
) -> None:
    codes = _fake(monkeypatch, code, _replace_once(old, new))
    _assert_refused(POST, codes, "would change the text")


# -- verify: whitespace-only edits that still change the page ----------------------------

LOSSY = [
    # (name, text, old, new): each edit passes the whitespace-only limit but changes meaning
    ("url", POST, "https://example.org/a", "https://example.org /a"),
    ("code", POST + "\n```\nx  = 1\n```\n", "x  = 1", "x = 1"),
    ("math", POST + "\n$$\na \\\\  b\n$$\n", "a \\\\  b", "a \\\\ b"),
    ("heading", POST, "# Head", "#Head"),
    ("front matter", POST, "\ncategory: C", "\n  category: C"),
    ("front matter", POST.replace("title: T", "title: a b"), "title: a b", "title: ab"),
]


@pytest.mark.parametrize(("what", "text", "old", "new"), LOSSY, ids=[f"{x[0]}-{i}" for i, x in enumerate(LOSSY)])
def test_safety_check_refuses_a_fix_that_changes_the_page(
    monkeypatch: pytest.MonkeyPatch, what: str, text: str, old: str, new: str
) -> None:
    assert old in text
    codes = _fake(monkeypatch, "WS001", _replace_once(old, new))
    _assert_refused(text, codes, what)


@pytest.mark.parametrize(("what", "text", "old", "new"), LOSSY, ids=[f"{x[0]}-{i}" for i, x in enumerate(LOSSY)])
def test_refused_fix_leaves_the_file_unwritten_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory, what: str, text: str, old: str, new: str
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    bad, good = folder / "bad.md", folder / "good.md"
    bad.write_text(text, encoding="utf-8")
    good.write_text("Title Here\n", encoding="utf-8")
    # the fake rule proposes the lossy edit in bad.md and a harmless one in good.md
    edits = _replace_once(old, new)
    codes = _fake(monkeypatch, "WS001", lambda d: [*edits(d), *_replace_once("Title Here", "Title  Here")(d)])
    cfg = Config().with_overrides(select=tuple(codes), ignore=())
    before = bad.read_bytes()
    r_bad = process_file(str(bad), cfg, Mode.FIX)
    r_good = process_file(str(good), cfg, Mode.FIX)
    assert bad.read_bytes() == before
    assert r_bad.error is None and not r_bad.written and sum(r_bad.applied.values()) == 0
    assert any("safety check refused" in d.message and what in d.message.lower() for d in r_bad.diagnostics)
    assert r_good.error is None and r_good.written
    assert "Title  Here" in good.read_text(encoding="utf-8")


def test_verify_accepts_https_upgrade_and_counts_removed_urls() -> None:
    before = Document("p.md", POST.replace("https://example.org/a", "http://example.org/a"))
    verify(before, Document("p.md", POST), Counter())
    gone = Document("p.md", POST.replace("https://example.org/a\n\nTitle\n", ""))
    with pytest.raises(FixError, match="lose URL"):
        verify(Document("p.md", POST), gone, Counter())
    verify(Document("p.md", POST), gone, Counter({"example.org/a": 1}))


def test_verify_refuses_a_lost_hard_line_break_but_not_a_split_link_entry() -> None:
    with pytest.raises(FixError, match="hard line break"):
        verify(Document("p.md", "a   \nb\n"), Document("p.md", "a\nb\n"), Counter())
    verify(Document("p.md", "https://x.org/a  \nT\n"), Document("p.md", "https://x.org/a\n\nT\n"), Counter())


def test_verify_allows_new_headings_only_with_hd002() -> None:
    before = Document("p.md", POST + "\n#New\n")
    after = Document("p.md", POST + "\n# New\n")
    with pytest.raises(FixError, match="headings"):
        verify(before, after, Counter())
    verify(before, after, Counter(), heading_fixes=True)
    with pytest.raises(FixError, match="headings"):  # even then, no heading may go away
        verify(after, before, Counter(), heading_fixes=True)


def test_math_block_after_a_list_stays_a_math_block() -> None:
    # regression: the parser took "$$a$$" after a TOC list + blank line for a paragraph,
    # so repairing the TOC looked like losing a math block
    text = "* toc\n\n{:toc}\n\n$$a+b$$\n"
    result = fix_document(Document("p.md", text), CTX, selected_codes(Config()))
    assert result.text == "* toc\n{:toc}\n\n$$a+b$$\n"


# -- real rules, end to end ------------------------------------------------------------------


def test_real_fixes_reach_a_fixed_point_in_one_call() -> None:
    messy = (
        "---\nlayout: post \ntitle: T\ncategory: C\n---\n\n* toc\n\n{:toc}\n\n# Head  \n\n\n\n"
        "http://github.com/a\nA title\n\nhttps://example.org/b\n\n\nB title\n\n\n"
    )
    codes = selected_codes(Config())
    result = fix_document(Document("p.md", messy), CTX, codes)
    assert result.text == (
        "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n# Head\n\n"
        "https://github.com/a\n\nA title\n\nhttps://example.org/b\n\nB title\n"
    )
    assert fix_document(Document("p.md", result.text), CTX, codes).passes == 0
    assert result.applied == Counter(
        # the extra blank line under a URL is WS003's now (one problem, one diagnostic)
        {"FM004": 1, "KD001": 1, "WS001": 1, "WS003": 2, "HT001": 1, "LE002": 1, "WS002": 1}
    )


# -- unified_diff ------------------------------------------------------------------------------


def test_unified_diff_headers_and_missing_final_newline() -> None:
    diff = unified_diff("posts/a.md", "x\ny", "x\ny\n")
    assert diff.startswith("--- a/posts/a.md\n+++ b/posts/a.md\n")
    assert "-y\n\\ No newline at end of file\n+y\n" in diff


def test_unified_diff_keeps_crlf_and_splits_only_at_line_endings() -> None:
    diff = unified_diff("a.md", "x\r\ny\u2028z  \r\n", "x\r\ny\u2028z\r\n")
    assert "-y\u2028z  \r\n+y\u2028z\r\n" in diff
    assert unified_diff("a.md", "same\n", "same\n") == ""


# -- a refused fix is skipped alone ------------------------------------------------------------


def test_http_url_in_a_heading_is_upgraded_with_the_other_fixes() -> None:
    # regression: the heading comparison saw "http" -> "https" as a changed heading and
    # refused the whole file (exit 3), trailing whitespace included
    text = "---\nlayout: post\ntitle: t\ncategory: c\n---\n\n* toc\n{:toc}\n\n# See http://blog.csdn.net/x\n\ntext \n"
    # (the heading's fix is unsafe: kramdown's id of the heading changes with its text)
    result = fix_document(Document("p.md", text), CTX, selected_codes(Config()), unsafe=True)
    assert result.text == text.replace("http:", "https:").replace("text \n", "text\n")
    assert result.applied == Counter({"HT001": 1, "WS001": 1}) and result.refused == ()


def test_one_refused_fix_does_not_block_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f"line {i}  " for i in range(40)]
    text = "\n\n".join(lines) + "\n"

    def edits(doc: Document) -> list[Edit]:
        out = []
        for i in range(40):  # every trailing run, and one edit that loses a character
            at = doc.text.find(f"line {i}  ")
            if at >= 0:
                width = len(f"line {i}")
                out.append(Edit(at + width - (1 if i == 17 else 0), at + width + 2, ""))
        return out

    codes = _fake(monkeypatch, "WS001", edits)
    result = fix_document(Document("p.md", text), CTX, codes)
    assert result.text == "\n\n".join(f"line {i}" + ("  " if i == 17 else "") for i in range(40)) + "\n"
    assert result.applied == Counter({"WS001": 39})
    assert len(result.refused) == 1 and "would change the text" in result.refused[0].message


def test_fix_that_changes_block_structure_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # one empty line between a paragraph and ": text" makes a definition list
    codes = _fake(monkeypatch, "WS003", _replace_once("Question\n\n\n", "Question\n\n"))
    _assert_refused("Question\n\n\n: answer\n", codes, "block structure")


def test_verify_compares_block_structure_only_when_asked() -> None:
    before, after = Document("p.md", "Q\n\n\n: a\n"), Document("p.md", "Q\n\n: a\n")
    verify(before, after, Counter())
    with pytest.raises(FixError, match="block structure"):
        verify(before, after, Counter(), structure=True)


# -- the overlap check is O(n log n) -----------------------------------------------------------


def _choose_time(n: int) -> float:
    """Best-of-5 CPU time of one pass's choice among ``n`` fixes (a ratio is all that is compared)."""
    import time

    from mdnorm.fixer import choose_fixes

    # n trailing-space fixes, last first so that every edit sorts before those taken, and
    # an insertion at each point, which must be refused next to a deletion starting there
    diags = [Diagnostic("p.md", i, 1, "WS001", "x", Fix.safe(Edit(10 * i, 10 * i + 2, ""))) for i in range(n, 0, -1)]
    diags += [Diagnostic("p.md", i, 1, "WS001", "x", Fix.safe(Edit(10 * i + 1, 10 * i + 1, "y"))) for i in range(n)]
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        chosen = choose_fixes(diags, unsafe=False)
        best = min(best, time.process_time() - start)
    assert len(chosen) == n + 1  # every deletion, and the one insertion outside them (i == 0)
    return best


def test_choosing_non_overlapping_fixes_is_not_quadratic() -> None:
    # regression: every fix was compared with every edit taken so far (30,000 fixes took minutes);
    # 8x the fixes must cost far less than the 64x of a quadratic check
    small, large = _choose_time(2000), _choose_time(16000)
    assert large / small < 24


def test_choosing_fixes_agrees_with_comparing_every_pair() -> None:
    import random

    from mdnorm.fixer import _overlaps, choose_fixes

    rnd = random.Random(5)
    for _ in range(300):
        diags = []
        for _ in range(rnd.randint(1, 12)):
            edits = []
            for _ in range(rnd.randint(1, 2)):
                start = rnd.randint(0, 20)
                edits.append(Edit(start, start + rnd.choice([0, 0, 1, 2, 3]), "x"))
            diags.append(Diagnostic("p.md", 1, 1, "WS001", "x", Fix.safe(*edits)))
        taken: list[Edit] = []
        want = []
        for d in diags:
            assert d.fix is not None
            own = d.fix.edits
            if any(_overlaps(e, t) for e in own for t in taken):
                continue
            if any(_overlaps(a, b) for i, a in enumerate(own) for b in own[i + 1 :]):
                continue
            want.append(d)
            taken.extend(own)
        assert [d for d, _ in choose_fixes(diags, unsafe=False)] == want
