"""HD001 heading-increment and HD002 heading-missing-space."""

from __future__ import annotations

import pytest

from ._helpers import fix, lint


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # HD001: at the heading that jumps more than one level below the previous one
        pytest.param("# A\n\n### B\n", [(3, 1, "HD001")], id="h1-h3"),
        pytest.param("# A\n\n## B\n\n#### C\n\n## D\n\n### E\n", [(5, 1, "HD001")], id="h2-h4-then-fine"),
        pytest.param("# A\n\n### B\n\n##### C\n", [(3, 1, "HD001"), (5, 1, "HD001")], id="two-jumps"),
        pytest.param("A\n===\n\n### B\n", [(4, 1, "HD001")], id="setext-h1"),
        pytest.param("# A\n\n- item\n\n  ### B\n", [(5, 1, "HD001")], id="heading-in-list-counts"),
        pytest.param("# A\n\n> ### B\n", [(3, 1, "HD001")], id="heading-in-quote-counts"),
        pytest.param("# A\ntext\n### B\n", [(3, 1, "HD001")], id="atx-interrupts-paragraph"),
        # HD002: a paragraph line kramdown prints as text, at the hashes
        pytest.param("#Title\n", [(1, 1, "HD002")], id="no-space"),
        pytest.param("##Title\n\ntext\n", [(1, 1, "HD002")], id="h2-no-space"),
        pytest.param("text\n#Title\n", [(2, 1, "HD002")], id="second-line-of-paragraph"),
        pytest.param(" # Title\n", [(1, 2, "HD002")], id="indented-one-space"),
        pytest.param("   ## Title\n", [(1, 4, "HD002")], id="indented-three-spaces"),
        pytest.param("  #Title\n", [(1, 3, "HD002")], id="indented-and-no-space"),
        pytest.param("#1 in the charts\n", [(1, 1, "HD002")], id="hashtag-like-is-reported-unsafe-fix"),
        pytest.param("- item\n  #tag\n", [(2, 3, "HD002")], id="in-a-list-item"),
        pytest.param("# A\n\n #B\n\n### C\n", [(3, 2, "HD002"), (5, 1, "HD001")], id="both"),
    ],
)
def test_diagnostics(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "HD") == expected


NOOP = [
    pytest.param("# A\n\n## B\n\n### C\n\n# D\n\n### E\n".replace("### E", "## E"), id="increments"),
    pytest.param("### Start deep\n\n#### Next\n", id="first-heading-any-level"),
    pytest.param("## A\n\n# B\n\n## C\n", id="going-up-is-fine"),
    pytest.param("# A\n\n```\n### not a heading\n#include <x.h>\n```\n", id="fenced-code"),
    pytest.param("# A\n\n    ### indented code\n    #define X\n", id="indented-code"),
    pytest.param("# A\n\n~~~\n#comment\n~~~\n", id="tilde-fence"),
    pytest.param("# A\n\n{% highlight sh %}\n#!/bin/sh\n### x\n{% endhighlight %}\n", id="liquid-highlight"),
    pytest.param("# A\n\n$$\n#x\n$$\n", id="math-block"),
    pytest.param("# A\n\ntext $$\\#x$$ more\n", id="inline-math"),
    pytest.param("<div>\n#not\n\n### not\n</div>\n", id="html-block"),
    pytest.param("{::comment}\n#x\n### y\n{:/comment}\n", id="kramdown-comment"),
    pytest.param("# A\n{: .no_toc}\n\n## B {#b}\n", id="ial-and-header-id"),
    pytest.param("# A\n\n| #a | b |\n|---|---|\n| 1 | 2 |\n", id="table"),
    pytest.param("#\n\n# #\n\ntext # not\n", id="lone-hash-and-inline-hash"),
    pytest.param("# A\n\n\\#escaped\n", id="escaped"),
    pytest.param("# A\n\n* toc\n{:toc}\n\n## B\n", id="toc"),
]


@pytest.mark.parametrize("post", NOOP)
def test_noop(post: str) -> None:
    assert lint(post, "HD") == []
    assert fix(post, "HD", unsafe=True) == post


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param("#Title\n", "# Title\n", id="insert-space"),
        pytest.param("text\n##Title\n", "text\n## Title\n", id="in-paragraph"),
        pytest.param(" # Title\n", "# Title\n", id="remove-indent"),
        pytest.param("  #Title\n", "# Title\n", id="indent-and-space"),
        pytest.param("- item\n  #tag\n", "- item\n  # tag\n", id="list-item-keeps-its-indent"),
        pytest.param("#A\r\n\r\n#B\r\n", "# A\r\n\r\n# B\r\n", id="crlf"),
    ],
)
def test_unsafe_fix(post: str, fixed: str) -> None:
    assert fix(post, "HD002") == post  # no safe fix
    assert fix(post, "HD002", unsafe=True) == fixed
    assert lint(fixed, "HD002") == []


def test_hd001_has_no_fix() -> None:
    post = "# A\n\n### B\n"
    assert fix(post, "HD001", unsafe=True) == post
