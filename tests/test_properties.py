"""Property tests over generated posts: the fixer is idempotent, safe and keeps every URL.

The hypothesis profile comes from conftest.py ("ci" by default; HYPOTHESIS_PROFILE=long
for a fuzzing run).  Posts come from strategies.py, which makes them a little messy
on purpose so that most examples do get fixed.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given
from strategies import posts

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.linter import lint_document
from mdnorm.rules import Context
from mdnorm.selection import selected_codes

CTX = Context(Config())
ALL = selected_codes(Config())
_URL = re.compile(r"https?://[^\s`$]+")


def _fix(text: str, unsafe: bool = False) -> str:
    # a FixError (the safety check firing, or no fixed point) fails the test by raising
    return fix_document(Document("p.md", text), CTX, ALL, unsafe=unsafe).text


def _urls(text: str) -> Counter[str]:
    return Counter(re.sub(r"^https?://", "", u) for u in _URL.findall(text))


@given(posts())
def test_fix_is_idempotent_and_safe(text: str) -> None:
    once = _fix(text)
    assert _fix(once) == once


@given(posts())
def test_unsafe_fix_is_idempotent_and_safe(text: str) -> None:
    once = _fix(text, unsafe=True)
    assert _fix(once, unsafe=True) == once


@given(posts())
def test_every_url_survives_safe_fixes(text: str) -> None:
    # counted with a pattern of this test's own, not the fixer's; http->https counts as kept
    assert _urls(_fix(text)) == _urls(text)


@given(posts())
def test_canonical_post_has_no_safe_fix_left(text: str) -> None:
    fixed = _fix(text)
    left = [d for d in lint_document(Document("p.md", fixed), CTX, ALL) if d.fix and d.fix.applicability == "safe"]
    assert left == []


@given(posts())
def test_lint_never_crashes_and_positions_are_in_the_file(text: str) -> None:
    doc = Document("p.md", text)
    for d in lint_document(doc, CTX, ALL):
        assert 1 <= d.line <= max(1, len(doc.lines))
        for e in d.fix.edits if d.fix else ():
            assert 0 <= e.start <= e.end <= len(text)
