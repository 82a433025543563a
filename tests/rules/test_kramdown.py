"""KD001 toc-marker: the kramdown table of contents ``* toc`` + ``{:toc}``."""

from __future__ import annotations

import pytest

from ._helpers import FM, context, fix, lint, messages

HEADINGS = "# A\n\n## B\n"
#: a site whose convention is a TOC in every post with 2+ headings (not the default)
TOC = context(toc_min_headings=2)


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # the '* toc' line when '{:toc}' is not directly under it
        pytest.param("* toc\n\n{:toc}\n\n" + HEADINGS, [(1, 1, "KD001")], id="split-by-blank-line"),
        pytest.param("* toc\n\n\n{:toc}\n\n" + HEADINGS, [(1, 1, "KD001")], id="split-by-two-blank-lines"),
        pytest.param("* toc\n\n" + HEADINGS, [(1, 1, "KD001")], id="no-ial"),
        pytest.param(FM + "* toc\n\n{:toc}\n\n" + HEADINGS, [(7, 1, "KD001")], id="after-front-matter"),
        pytest.param("- toc\n\n{:toc}\n", [(1, 1, "KD001")], id="dash-bullet"),
    ],
)
def test_diagnostics(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "KD") == expected


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # line 1 when a post with enough headings has no marker at all (toc.min-headings set)
        pytest.param(FM + HEADINGS, [(1, 1, "KD001")], id="missing"),
        pytest.param(FM + "# A\n\ntext\n\n- x\n\n  ## B in a list\n", [(1, 1, "KD001")], id="nested-heading-counts"),
    ],
)
def test_missing_toc_when_configured(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "KD", ctx=TOC) == expected
    assert lint(post, "KD") == []  # the default: a TOC is a site's convention, not required


def test_missing_toc_only_in_posts() -> None:
    from mdnorm.jekyll.scope import Page
    from mdnorm.rules import Context

    page = Context(TOC.config, page=Page("page"))
    assert lint(FM + HEADINGS, "KD", ctx=page) == []
    assert lint(FM + HEADINGS, "KD", ctx=Context(TOC.config, page=Page("post"))) == [(1, 1, "KD001")]


def test_messages() -> None:
    assert "bullet 'toc'" in messages("* toc\n\n{:toc}\n", "KD001")[0]
    assert messages(FM + HEADINGS, "KD001", ctx=TOC) == [
        "post has 2 headings but no table of contents ('* toc' + '{:toc}')"
    ]


NOOP = [
    pytest.param(FM + "* toc\n{:toc}\n\n" + HEADINGS, id="canonical"),
    pytest.param(FM + "1. toc\n{:toc}\n\n" + HEADINGS, id="ordered-toc"),
    pytest.param(FM + "* toc\n{: toc}\n\n" + HEADINGS, id="ial-with-space"),
    pytest.param(FM + "# Only one heading\n\ntext\n", id="one-heading"),
    pytest.param("# A\n\n## B\n", id="no-front-matter-no-missing-toc"),
    pytest.param(FM + "```\n* toc\n\n{:toc}\n# x\n## y\n```\n", id="in-code"),
    pytest.param(FM + "text\n\n- a\n- toc\n", id="toc-not-first-item"),
    pytest.param(FM + "* table of contents\n\ntext\n", id="other-bullet"),
]


@pytest.mark.parametrize("post", NOOP)
def test_noop(post: str) -> None:
    assert lint(post, "KD", ctx=TOC) == []
    assert fix(post, "KD", unsafe=True, ctx=TOC) == post


def test_min_headings_config() -> None:
    post = FM + "# A\n\n## B\n\n### C\n"
    assert lint(post, "KD", ctx=context(toc_min_headings=4)) == []
    assert lint(post, "KD", ctx=context(toc_min_headings=3)) == [(1, 1, "KD001")]
    assert lint(post, "KD", ctx=context(toc_min_headings=0)) == []


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param("* toc\n\n{:toc}\n\n" + HEADINGS, "* toc\n{:toc}\n\n" + HEADINGS, id="join"),
        pytest.param("* toc\n\n\n{:toc}\n", "* toc\n{:toc}\n", id="join-two-blank-lines"),
        pytest.param("* toc\r\n\r\n{:toc}\r\n", "* toc\r\n{:toc}\r\n", id="crlf"),
    ],
)
def test_safe_fix(post: str, fixed: str) -> None:
    assert fix(post, "KD001") == fixed
    assert lint(fixed, "KD001") == []


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param("* toc\n\n" + HEADINGS, "* toc\n{:toc}\n\n" + HEADINGS, id="insert-ial"),
        pytest.param(FM + HEADINGS, FM + "* toc\n{:toc}\n\n" + HEADINGS, id="insert-marker"),
        pytest.param(
            "---\nlayout: post\ntitle: T\ncategory: C\n---\n" + HEADINGS,
            "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n" + HEADINGS,
            id="insert-marker-no-blank-after-front-matter",
        ),
    ],
)
def test_unsafe_fix(post: str, fixed: str) -> None:
    assert fix(post, "KD001", ctx=TOC) == post  # not a safe fix
    assert fix(post, "KD001", unsafe=True, ctx=TOC) == fixed
    assert lint(fixed, "KD001", ctx=TOC) == []
