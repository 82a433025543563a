"""FM001-FM005: the YAML block Jekyll reads before the post."""

from __future__ import annotations

import pytest

from ._helpers import FM, context, fix, lint, messages

BODY = "# A\n\ntext\n"


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # FM001: no front matter at all (the rule reports line 1)
        pytest.param("# Title\n\ntext\n", [(1, 1, "FM001")], id="FM001-none"),
        pytest.param("\n---\nlayout: post\n---\n", [(1, 1, "FM001")], id="FM001-blank-first-line"),
        pytest.param("", [(1, 1, "FM001")], id="FM001-empty-file"),
        # FM002: not closed, not YAML, not a mapping; at the YAML error's line
        pytest.param("---\nlayout: post\ntitle: T\n", [(1, 1, "FM002")], id="FM002-not-closed"),
        pytest.param("---\nlayout: post\ntitle: [T\n---\n" + BODY, [(4, 1, "FM002")], id="FM002-yaml-error"),
        pytest.param("---\n- a\n- b\n---\n" + BODY, [(1, 1, "FM002")], id="FM002-list"),
        pytest.param("---\nlayout: post\nlayout: page\n---\n" + BODY, [(3, 1, "FM002")], id="FM002-duplicate-key"),
        pytest.param(
            "---\nlayout: !!python/object/apply:os.system ['true']\n---\n" + BODY,
            [(2, 1, "FM002")],
            id="FM002-unsafe-tag",
        ),
        # FM003-FM005 are not reported when FM001 or FM002 is: one problem, one diagnostic
        pytest.param("---\nlayout: nope \n", [(1, 1, "FM002")], id="FM002-hides-FM003-FM004-FM005"),
        # FM003: a required key absent or empty, at line 1
        pytest.param("---\nlayout: post\n---\n" + BODY, [(1, 1, "FM003")], id="FM003-missing"),
        pytest.param("---\nlayout: post\ntitle: ''\ncategory: C\n---\n", [(1, 1, "FM003")], id="FM003-empty-string"),
        pytest.param("---\nlayout: post\ntitle:\ncategory: C\n---\n", [(1, 1, "FM003")], id="FM003-null"),
        pytest.param("---\n---\n", [(1, 1, "FM003"), (1, 1, "FM003")], id="FM003-empty-block"),
        # FM004: trailing whitespace or a tab after the key, at the whitespace
        pytest.param("---\nlayout: post \ntitle: T\ncategory: C\n---\n", [(2, 13, "FM004")], id="FM004-trailing"),
        pytest.param("---\nlayout: post\ntitle: T\ncategory:\tC\n---\n", [(4, 10, "FM004")], id="FM004-tab-after-key"),
        pytest.param("---\nlayout: post\ntitle: T\ncategory: C\t\n---\n", [(4, 12, "FM004")], id="FM004-trailing-tab"),
        # FM005: the layout line, when the layout is not one of the site's
        pytest.param("---\ntitle: T\nlayout: nope\ncategory: C\n---\n", [(3, 1, "FM005")], id="FM005"),
    ],
)
def test_diagnostics(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "FM") == expected


NOOP = [
    pytest.param(FM + BODY, id="canonical"),
    pytest.param("---\nlayout: post\ntitle:  深度学习（四十四）——多标签学习\ncategory: DL\n---\n", id="cjk-two-spaces"),
    pytest.param("---\nlayout: post\ntitle: T\ncategory: C\n...\n" + BODY, id="closed-by-dots"),
    pytest.param("---\nlayout: post\ntitle: T\ncategory: C\ntags: [a, b]\n---\n", id="extra-keys"),
    pytest.param("---\nlayout: post\ntitle: T\ncategory: C\n---\n\n---\n\ntext\n", id="thematic-break-after"),
    pytest.param(FM + "text   \n", id="body-whitespace-is-not-FM004"),
]


@pytest.mark.parametrize("post", NOOP)
def test_noop(post: str) -> None:
    assert lint(post, "FM") == []
    assert fix(post, "FM", unsafe=True) == post


def test_fm005_needs_known_layouts() -> None:
    post = "---\nlayout: nope\ntitle: T\ncategory: C\n---\n"
    assert lint(post, "FM", ctx=context(layouts=None)) == []
    assert lint(post, "FM", ctx=context(layouts=None, fm_layouts=("nope",))) == []


def test_fm003_names_the_key_and_honours_the_config() -> None:
    post = "---\nlayout: post\ntitle: T\n---\n"
    assert lint(post, "FM003") == []  # the default: what every Jekyll post needs (title, layout)
    assert messages(post, "FM003", ctx=context(fm_required=("layout", "title", "category"))) == [
        "required front matter key 'category' is missing"
    ]
    assert lint(post, "FM003", ctx=context(fm_required=("layout", "tags"))) == [(1, 1, "FM003")]


def test_fm002_message_says_not_closed() -> None:
    assert "not closed" in messages("---\nlayout: post\n", "FM002")[0]


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param(
            "---\nlayout: post \ntitle: T\t\ncategory:\tC\n---\n" + BODY,
            "---\nlayout: post\ntitle: T\ncategory: C\n---\n" + BODY,
            id="trailing-and-tab",
        ),
        pytest.param(
            "---\r\nlayout: post  \r\ntitle: T\r\ncategory: C\r\n---\r\n",
            "---\r\nlayout: post\r\ntitle: T\r\ncategory: C\r\n---\r\n",
            id="crlf-kept",
        ),
        pytest.param(
            "---\nlayout: post\ntitle:  T  \ncategory: C\n---\n",
            "---\nlayout: post\ntitle:  T\ncategory: C\n---\n",
            id="two-spaces-after-key-kept",
        ),
    ],
)
def test_fix(post: str, fixed: str) -> None:
    assert fix(post, "FM004") == fixed
    assert fix(fixed, "FM004") == fixed


def test_fm004_has_no_fix_when_the_yaml_value_would_change() -> None:
    # in a literal block, trailing spaces are part of the value
    post = "---\nlayout: post\ntitle: T\ncategory: C\nnote: |\n  a  \n  b\n---\n"
    assert lint(post, "FM004") == [(6, 4, "FM004")]
    assert fix(post, "FM004", unsafe=True) == post


@pytest.mark.parametrize(
    "post",
    [
        # an escaped space at the end of a double-quoted line is part of the value
        '---\nlayout: post\ntitle: "a\\ \n  b"\ncategory: C\n---\n',
        # a folded block keeps trailing spaces of its lines too
        "---\nlayout: post\ntitle: T\ncategory: C\nnote: >-\n  a  \n  b\n---\n",
    ],
)
def test_fm004_fast_path_does_not_skip_the_yaml_check_where_values_change(post: str) -> None:
    assert fix(post, "FM004", unsafe=True) == post


def test_fm004_trailing_space_in_a_folded_quoted_scalar_is_fixed() -> None:
    # flow scalars drop trailing white space when they fold lines: same data
    post = '---\nlayout: post\ntitle: "a  \n  b"\ncategory: C \n---\n'
    assert fix(post, "FM004") == '---\nlayout: post\ntitle: "a\n  b"\ncategory: C\n---\n'
