"""Fuzzing, quick profile: the invariants of :func:`fuzz_strategies.check_invariants`.

The number of examples follows the hypothesis profile in ``conftest.py`` ("ci"
by default; ``HYPOTHESIS_PROFILE=long`` for more).  For runs of minutes use
``python fuzz/fuzz_mdnorm.py --minutes 10`` (see README, "Fuzzing").
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fuzz_strategies import any_post, arbitrary_text, check_invariants, hostile_posts
from hypothesis import example, given

from mdnorm.document import Document

# The slow tier (hypothesis over whole posts and sites):
# CI runs it; the quick `pytest -m "not slow"` loop does not.
pytestmark = pytest.mark.slow


@given(hostile_posts())
@example("---\nlayout: post\n---\n\n> > $$\n\n| a | `b|c` |\n|---|---|\n\n#x\n\n```\nhttp://example.org/a\n")
# found by fuzz/fuzz_mdnorm.py: LE002 split a glued, tab-indented title into an indented code block
@example("\ufeff# 深度学习\n\n```\n\n```\nhttp://example.org/in-code\n\tindent\n```")
def test_hostile_posts_keep_the_invariants(text: str) -> None:
    check_invariants(text)


@given(arbitrary_text())
@example("\ufeff---\r\n---\r\n$$\r\n\r\n`` ` ``\r\n")
@example("\r\r\n\n\t#\t\n[a]: <\n<a\n")
def test_arbitrary_text_keeps_the_invariants(text: str) -> None:
    check_invariants(text)


@given(any_post())
# found by this test: the hard-break check keyed lines by text, so http->https on a quoted line tripped it
@example("---\nlayout: post\ntitle: T\ncategory: DL\n---\n\n> http://mp.weixin.qq.com/0   \n> 深度学习")
def test_any_post_keeps_the_invariants(text: str) -> None:
    check_invariants(text)


def test_the_invariants_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixer that drops a URL, or one that is not idempotent, must be caught."""
    import fuzz_strategies

    post = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttp://example.org/a\n\nT\n"

    def dropping(doc: Document, ctx: object) -> SimpleNamespace:
        return SimpleNamespace(text=doc.text.replace("http://example.org/a", "gone"), passes=0)

    monkeypatch.setattr(fuzz_strategies, "fix_document", dropping)
    with pytest.raises(AssertionError, match="URLs lost"):
        check_invariants(post)

    def growing(doc: Document, ctx: object) -> SimpleNamespace:
        return SimpleNamespace(text=doc.text + "x", passes=1)

    monkeypatch.setattr(fuzz_strategies, "fix_document", growing)
    with pytest.raises(AssertionError, match="second --fix"):
        check_invariants(post)
