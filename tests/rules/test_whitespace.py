"""WS001-WS004: trailing whitespace, end of file, blank lines, line endings."""

from __future__ import annotations

import pytest

from ._helpers import FM, fix, lint


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # WS001: the line, at the first trailing blank
        pytest.param("text \n", [(1, 5, "WS001")], id="space"),
        pytest.param("text\t\n", [(1, 5, "WS001")], id="tab"),
        pytest.param("a\nb  \n", [(2, 2, "WS001")], id="two-spaces-on-last-paragraph-line"),
        pytest.param("# Title  \n", [(1, 8, "WS001")], id="heading"),
        pytest.param("a\n   \nb\n", [(2, 1, "WS001")], id="whitespace-only-line"),
        pytest.param("a\t\nb\n", [(1, 2, "WS001")], id="tab-is-no-hard-break"),
        pytest.param("- item \n- two\n", [(1, 7, "WS001")], id="list-item-last-line"),
        # WS002: the last line
        pytest.param("text", [(1, 5, "WS002")], id="no-final-newline"),
        pytest.param("text\n\n", [(2, 1, "WS002")], id="one-blank-line-at-end"),
        pytest.param("text\n\n\n\n", [(4, 1, "WS002")], id="blank-lines-at-end"),
        pytest.param("text\r\n\r\n", [(1, 1, "WS004"), (2, 1, "WS002")], id="crlf-blank-at-end"),
        # whitespace-only lines at the end are WS002's alone (one problem, one diagnostic)
        pytest.param("text \n\n  \n\t", [(1, 5, "WS001"), (4, 1, "WS002")], id="whitespace-lines-at-end"),
        pytest.param("text\n  \n", [(2, 1, "WS002")], id="one-whitespace-line-at-end"),
        pytest.param("   \n", [(1, 1, "WS001")], id="a-file-of-one-whitespace-line"),
        # WS003: the second consecutive blank line
        pytest.param("a\n\n\nb\n", [(3, 1, "WS003")], id="two"),
        pytest.param("a\n\n\n\n\nb\n", [(3, 1, "WS003")], id="four-one-report"),
        pytest.param("a\n\n\nb\n\n\nc\n", [(3, 1, "WS003"), (6, 1, "WS003")], id="two-runs"),
        pytest.param(FM + "\na\n", [(7, 1, "WS003")], id="after-front-matter"),
        # WS004: line 1, once per file
        pytest.param("a\r\nb\r\n", [(1, 1, "WS004")], id="crlf"),
        pytest.param("a\r\nb\n", [(1, 1, "WS004")], id="mixed"),
        pytest.param("\ufeffa\n", [(1, 1, "WS004")], id="bom"),
        pytest.param("a\rb\r", [(1, 1, "WS004")], id="old-mac-cr"),
        # a CRLF is a line ending, never trailing whitespace
        pytest.param("a \r\nb\r\n", [(1, 1, "WS004"), (1, 2, "WS001")], id="crlf-plus-real-trailing"),
    ],
)
def test_diagnostics(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "WS") == expected


NOOP = [
    pytest.param("line one  \nline two\n", id="hard-break-two-spaces"),
    pytest.param("line one   \nline two\n", id="hard-break-three-spaces"),
    pytest.param("- item  \n  more\n", id="hard-break-in-list"),
    pytest.param("> quoted  \n> more\n", id="hard-break-in-quote"),
    pytest.param("```\ncode  \n\n\n\nmore\t\n```\n", id="fenced-code"),
    pytest.param("    code  \n\n\n    more \n", id="indented-code"),
    pytest.param("{% highlight py %}\nx = 1  \n\n\ny\n{% endhighlight %}\n", id="liquid-highlight"),
    pytest.param("$$\na  \n\n\nb\n$$\n", id="math-block"),
    pytest.param("<div>\n  x  \n\n\n</div>\n", id="html-block"),
    pytest.param("{::comment}\nx  \n\n\n{:/comment}\n", id="kramdown-comment"),
    pytest.param("---\nlayout: post  \ntitle: T\ncategory: C\n---\n", id="front-matter-is-FM004"),
    pytest.param("a\r\n", id="crlf-alone-is-WS004-only"),
    pytest.param("| a | b |\n|---|---|\n| 1 | 2 |\n", id="table"),
    pytest.param("* toc\n{:toc}\n\n# A\n{: .no_toc}\n", id="toc-and-ial"),
    pytest.param("", id="empty-file"),
    pytest.param("a\n", id="plain"),
    # kramdown's blank line is ASCII whitespace only: these lines are paragraphs
    pytest.param("Intro.\n\n\u3000\n\nEnd.\n\n\xa0\n", id="ideographic-space-and-nbsp-lines"),
    pytest.param("Some text.\n\u3000\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", id="ideographic-space-before-table"),
    pytest.param("a  \n\u3000\n", id="hard-break-before-ideographic-space-line"),
]


@pytest.mark.parametrize("post", NOOP)
def test_noop(post: str) -> None:
    found = [d for d in lint(post, "WS") if d[2] != "WS004"]
    assert found == []
    if "\r" not in post:
        assert fix(post, "WS", unsafe=True) == post


def test_crlf_only_reports_ws004() -> None:
    assert lint("a\r\nb\r\n", "WS001", "WS002", "WS003") == []


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param("text \nmore\t\n", "text\nmore\n", id="ws001"),
        pytest.param("keep  \nbreak\nlast  \n", "keep  \nbreak\nlast\n", id="ws001-keeps-hard-break"),
        pytest.param("text", "text\n", id="ws002-add-newline"),
        pytest.param("text\n\n\n", "text\n", id="ws002-remove-blank-lines"),
        pytest.param("a\n\n\n\nb\n", "a\n\nb\n", id="ws003"),
        pytest.param("a\r\nb\r\n", "a\nb\n", id="ws004-crlf"),
        pytest.param("\ufeffa\r\nb\n", "a\nb\n", id="ws004-bom-and-mixed"),
        pytest.param("a \r\n\r\n\r\nb", "a\n\nb\n", id="all-four"),
        pytest.param("```\ncode  \n```\ntext  \n", "```\ncode  \n```\ntext\n", id="code-untouched"),
        pytest.param("end\n\u3000", "end\n\u3000\n", id="ws002-ideographic-space-line-is-text"),
        pytest.param("a\n\u3000\n\n\n", "a\n\u3000\n", id="ws002-keeps-ideographic-space-line"),
        pytest.param("a\n\n\xa0\n\n\nb\n", "a\n\n\xa0\n\nb\n", id="ws003-nbsp-line-is-text"),
    ],
)
def test_safe_fix(post: str, fixed: str) -> None:
    assert fix(post, "WS") == fixed
    assert lint(fixed, "WS") == []


@pytest.mark.parametrize(
    ("post", "code", "fixed"),
    [
        # one empty line between a paragraph and ": text" makes a definition list
        pytest.param("Q\n\n\n\n: answer\n", "WS003", "Q\n\n\n\n: answer\n", id="ws003-before-definition"),
        pytest.param("Q\n\t\n\n: answer\n", "WS003", "Q\n\n\n: answer\n", id="ws003-tab-line-before-definition"),
        pytest.param("Q\n   \n: answer\n", "WS001", "Q\n   \n: answer\n", id="ws001-space-line-before-definition"),
    ],
)
def test_no_fix_that_would_make_a_definition_list(post: str, code: str, fixed: str) -> None:
    assert code in [d[2] for d in lint(post, "WS")]
    assert fix(post, "WS") == fixed


def test_crlf_file_keeps_crlf_without_ws004() -> None:
    assert fix("a \r\nb\r\n\r\n\r\nc\r\n", "WS001", "WS003") == "a\r\nb\r\n\r\nc\r\n"
