"""Anchor ids predicted from the source; the expected ids were measured with kramdown 2.4 (GFM)."""

from __future__ import annotations

import pytest

from mdnorm.anchors import anchors, gfm_base_id
from mdnorm.document import Document
from mdnorm.headingtext import heading_raw_text
from mdnorm.jekyll import KramdownIds


def _ids(text: str, settings: KramdownIds | None = None) -> list[str]:
    return [a.id for a in anchors(Document("p.md", text), settings)]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [  # each pair checked with Kramdown::Document.new(text, input: "GFM").to_html
        ("中文标题（一）——概述", "中文标题一概述"),
        ("A `code` span", "a-code-span"),
        ("snake_case_name", "snake_case_name"),
        ("_emph_ and __strong__", "emph-and-strong"),
        ("foo_bar_ baz", "foo_bar_-baz"),
        ("[Link text](http://x.com/a_b) here", "link-text-here"),
        ("![img](/a.png) Title", "-title"),
        ("[undef][ref] x", "undefref-x"),
        ("Entity &amp; &copy; &#x4e2d; &#20013; &foo;", "entity---中-中-foo"),
        ("a--b---c----d", "abc-d"),
        ("C++ & C#", "c--c"),
        ('<span class="x">Inline HTML</span> text', "inline-html-text"),
        ("<http://auto.link/x> link", "httpautolinkx-link"),
        ("Math $$a_b + c$$ here", "math-a_b--c-here"),
        ("Ⅷ roman ² super", "ⅷ-roman--super"),
        ("2_3_ test", "23-test"),
        ("__foo_ bar", "_foo-bar"),
        ("_a `x_y` b_ c", "a-x_y-b-c"),
        ("\\*escaped\\* \\_u\\_", "escaped-_u_"),
    ],
)
def test_heading_ids_match_kramdown(heading: str, expected: str) -> None:
    assert _ids(f"## {heading}\n") == [expected]


def test_raw_text_and_base_id() -> None:
    assert heading_raw_text("**bold** `c` [l](u)") == "bold c l"
    assert gfm_base_id("Hello, World!\t2") == "hello-world-2"


def test_duplicates_explicit_ids_and_prefix() -> None:
    text = "# A\n\n# A\n\n# A-1\n\n# B {#custom}\n\n# A\n{: #ial .no_toc}\n\n# !!!\n"
    assert _ids(text) == ["a", "a-1", "a-1", "custom", "ial"]  # "!!!" has an empty id: kramdown writes none
    assert _ids("# A\n\n# A\n", KramdownIds(auto_id_prefix="h-")) == ["h-a", "h-a-1"]
    assert _ids("# A\n", KramdownIds(auto_ids=False)) == []


def test_html_ial_toc_and_footnote_ids() -> None:
    text = (
        '* toc\n{:toc}\n\n# One\n\n<a name="Pearson"/>\n\n'
        'Text *x*{: #span} `<a name="code">` and a note[^n].\n{: #para}\n\n'
        '<div id="box">\n<a name="in"></a>\n</div>\n\n[^n]: Note.\n\n    <a name="indented-code">\n'
    )
    ids = _ids(text)
    assert sorted(ids) == sorted(
        ["markdown-toc", "markdown-toc-one", "one", "Pearson", "span", "para", "box", "in", "fnref:n", "fn:n"]
    )
