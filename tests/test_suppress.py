"""Suppression comments: next line, ranges, whole file; never from inside code."""

from __future__ import annotations

import pytest

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.linter import lint_document
from mdnorm.rules import Context

FM = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"


def lint(body: str) -> list[tuple[int, str]]:
    """(line, code) of every diagnostic for a post made of front matter + ``body``."""
    doc = Document("p.md", FM + body)
    return [(d.line, d.code) for d in lint_document(doc, Context(Config(select=("HT001", "LE001", "WS001"))))]


# body lines start at line 7
URL = "http://old.example.net/page\n\nA title\n"


def test_without_comments_everything_is_reported() -> None:
    assert lint(URL) == [(7, "HT001")]


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- mdnorm-disable-next-line HT001 -->",
        "<!-- mdnorm-disable-next-line LE001,HT001 -->",
        "<!-- mdnorm-disable-next-line LE001, HT001 -->",
        "<!-- mdnorm-disable-next-line ht001 -->",
        "<!-- mdnorm-disable-next-line HT -->",
        "<!-- mdnorm-disable-next-line -->",
        "<!--mdnorm-disable-next-line HT001-->",
    ],
)
def test_disable_next_line(comment: str) -> None:
    assert lint(f"{comment}\n{URL}") == []


def test_disable_next_line_only_covers_the_next_line() -> None:
    body = f"<!-- mdnorm-disable-next-line HT001 -->\n{URL}\nhttp://old.example.net/other\n\nOther title\n"
    assert lint(body) == [(12, "HT001")]


def test_disable_next_line_only_covers_the_codes_it_names() -> None:
    body = "<!-- mdnorm-disable-next-line LE001 -->\nhttp://old.example.net/page \n\nA title\n"
    assert lint(body) == [(8, "HT001"), (8, "WS001")]


def test_disable_enable_range() -> None:
    body = (
        "http://old.example.net/1\n\nOne\n\n"  # 7
        "<!-- mdnorm-disable HT001 -->\n\n"  # 11
        "http://old.example.net/2\n\nTwo\n\n"  # 13
        "<!-- mdnorm-enable HT001 -->\n\n"  # 17
        "http://old.example.net/3\n\nThree\n"  # 19
    )
    assert lint(body) == [(7, "HT001"), (19, "HT001")]


def test_disable_without_enable_runs_to_the_end() -> None:
    body = "<!-- mdnorm-disable HT001 -->\n\nhttp://old.example.net/1\n\nOne\n\nhttp://old.example.net/2\n\nTwo\n"
    assert lint(body) == []


def test_disable_range_only_covers_its_codes() -> None:
    body = "<!-- mdnorm-disable WS001 -->\n\nhttp://old.example.net/1 \n\nOne\n"
    assert lint(body) == [(9, "HT001")]


def test_disable_all_then_enable_one() -> None:
    body = (
        "<!-- mdnorm-disable -->\n\nhttp://old.example.net/1 \n\nOne\n\n"
        "<!-- mdnorm-enable HT001 -->\n\nhttp://old.example.net/2 \n\nTwo\n"
    )
    assert lint(body) == [(15, "HT001")]


def test_disable_one_then_enable_all() -> None:
    body = "<!-- mdnorm-disable HT001 -->\n\nhttp://old.example.net/1\n\nOne\n\n<!-- mdnorm-enable -->\n\nhttp://old.example.net/2\n\nTwo\n"
    assert lint(body) == [(15, "HT001")]


def test_disable_file_without_codes_silences_everything() -> None:
    body = "http://old.example.net/1 \n\nOne\n\n<!-- mdnorm-disable-file -->\n"
    assert lint(body) == []


def test_disable_file_with_codes() -> None:
    body = "http://old.example.net/1 \n\nOne\n\n<!-- mdnorm-disable-file HT001 -->\n"
    assert lint(body) == [(7, "WS001")]


def test_disable_file_reaches_line_one_diagnostics() -> None:
    doc = Document("p.md", "no front matter\n\n<!-- mdnorm-disable-file FM001 -->\n")
    assert lint_document(doc, Context(Config(select=("FM001",)))) == []
    doc = Document("p.md", "no front matter\n")
    assert [d.code for d in lint_document(doc, Context(Config(select=("FM001",))))] == ["FM001"]


def test_two_comments_on_one_line() -> None:
    body = (
        "<!-- mdnorm-disable-next-line HT001 --> <!-- mdnorm-disable-next-line WS001 -->\n"
        "http://old.example.net/1 \n\nOne\n"
    )
    assert lint(body) == []


@pytest.mark.parametrize(
    "body",
    [
        "```\n<!-- mdnorm-disable-file -->\n```\n\nhttp://old.example.net/1\n\nOne\n",
        "~~~html\n<!-- mdnorm-disable HT001 -->\n~~~\n\nhttp://old.example.net/1\n\nOne\n",
        "    <!-- mdnorm-disable-file -->\n\nhttp://old.example.net/1\n\nOne\n",
        "* item\n\n  ```\n  <!-- mdnorm-disable-file -->\n  ```\n\nhttp://old.example.net/1\n\nOne\n",
        "{% highlight html %}\n<!-- mdnorm-disable-file -->\n{% endhighlight %}\n\nhttp://old.example.net/1\n\nOne\n",
        "Write `<!-- mdnorm-disable-file -->` to silence a post.\n\nhttp://old.example.net/1\n\nOne\n",
        # kramdown shows math as text too
        "$$\n<!-- mdnorm-disable-file -->\n$$\n\nhttp://old.example.net/1\n\nOne\n",
        "Math $$a <!-- mdnorm-disable-file --> b$$ inline.\n\nhttp://old.example.net/1\n\nOne\n",
        "$$\n<!-- mdnorm-disable-next-line HT001 -->\n$$\nhttp://old.example.net/1\n\nOne\n",
    ],
)
def test_comments_inside_code_or_math_do_nothing(body: str) -> None:
    assert [code for _, code in lint(body)] == ["HT001"]


def test_comment_inside_front_matter_does_nothing() -> None:
    # a YAML comment: Jekyll drops it, kramdown never sees it
    doc = Document("p.md", FM.replace("title: T", "title: T # <!-- mdnorm-disable-file -->") + URL)
    assert [d.code for d in lint_document(doc, Context(Config(select=("HT001",))))] == ["HT001"]


def test_disable_next_line_inside_code_does_not_reach_out() -> None:
    body = "```\n<!-- mdnorm-disable-next-line HT001 -->\n```\nhttp://old.example.net/1\n\nOne\n"
    assert [code for _, code in lint(body)] == ["HT001"]


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- mdnorm-disabled HT001 -->",
        "<!-- mdnorm-disable-line HT001 -->",
        "<!-- mdnorm-disable-next HT001 -->",
        "<!-- not mdnorm-disable-file -->",
    ],
)
def test_misspelt_directives_do_nothing(comment: str) -> None:
    assert lint(f"{comment}\n{URL}") == [(8, "HT001")]


def test_suppressed_problems_are_not_fixed() -> None:
    from mdnorm.fixer import fix_document

    text = FM + "<!-- mdnorm-disable-next-line WS001 -->\nkeep \n\nfix \n"
    doc = Document("p.md", text)
    ctx = Context(Config(select=("WS001",)))
    fixed = fix_document(doc, ctx, frozenset({"WS001"}))
    assert fixed.text == FM + "<!-- mdnorm-disable-next-line WS001 -->\nkeep \n\nfix\n"
