"""What counts as a link (mdnorm.linkscan): kramdown's link grammar, raw HTML and Liquid tags."""

from __future__ import annotations

import time

from mdnorm.document import Document
from mdnorm.linkscan import links_of


def _links(text: str) -> list[tuple[int, int, str, str]]:
    doc = Document.from_bytes("p.md", text.encode("utf-8"))
    out = []
    for link in links_of(doc):
        assert doc.text[link.offset : link.offset + len(link.target)] == link.target
        out.append((link.line, link.column, link.kind, link.target))
    return out


def test_inline_links_images_refs_autolinks_html_and_tags() -> None:
    text = (
        "---\ntitle: '[x](/not/a/link)'\n---\n"
        'See [the\ntext](/a/b.html#Pearson "title") and ![](</with space.png>).\r\n'
        "[![img](/i.png)](/outer)\n\n"
        "[ref]: /r.html\n\n<https://h.example/x>\n\n"
        "<div>\n<img src=\"/h.png\"> <a href='/h.html'>x</a>\n</div>\n\n"
        "```\n[no](/code) {% post_url 2016-01-01-a %}\n```\n\n"
        "`[no](/span)` $$[a](x,y)$$ <!-- [no](/comment) --> {% link about.md %}\n"
        "{% raw %}{% post_url 2016-01-01-raw %}{% endraw %}\n"
    )
    assert _links(text) == [
        (4, 6, "link", "/a/b.html#Pearson"),
        (4, 42, "image", "/with space.png"),
        (5, 8, "image", "/i.png"),
        (5, 17, "link", "/outer"),
        (7, 7, "refdef", "/r.html"),
        (9, 1, "autolink", "https://h.example/x"),
        (12, 10, "html", "/h.png"),
        (12, 28, "html", "/h.html"),
        (16, 24, "post_url", "2016-01-01-a"),
        (19, 59, "link_tag", "about.md"),
    ]


def test_escapes_and_paragraph_breaks_in_brackets_and_parens() -> None:
    """A backslash takes the character after it; a paragraph break ends what is open, of both kinds."""
    assert _links("\\[a](x)") == []  # an escaped bracket opens nothing
    assert _links("\\\\[a](x)") == [(0, 6, "link", "x")]  # an escaped backslash escapes nothing
    assert _links("[a\\](b)](c)") == [(0, 9, "link", "c")]
    assert _links("[a](b (c) d)") == [(0, 4, "link", "b (c) d")]
    assert _links("[a](b\n\n)") == []
    assert _links("(x [a\n\nb](c)") == []  # the break closes the bracket while a parenthesis is open
    assert _links("[a\n\n](x) [b](y)\\") == [(2, 9, "link", "y")]  # a backslash last takes nothing


def test_brackets_and_parens_are_matched_in_linear_time() -> None:
    for text in ("[" * 20000 + "](x", "[a](" + "(" * 20000, "[" * 10000 + "]" * 10000 + "(" * 10000):
        start = time.perf_counter()
        _links(text)
        assert time.perf_counter() - start < 2
