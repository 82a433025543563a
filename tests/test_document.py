"""mdnorm.document: the post parsed once, with the file's own line numbers."""

from __future__ import annotations

import pytest

from mdnorm.document import DecodeError, Document

FM = "---\nlayout: post\ntitle: T\ncategory: C\n---\n"


def test_lines_endings_and_offsets() -> None:
    doc = Document("p.md", "a\r\nb\nc\rd")
    assert doc.lines == ["a", "b", "c", "d"]
    assert doc.endings == ["\r\n", "\n", "\r", ""]
    assert [doc.text[s : s + 1] for s in doc.line_starts] == ["a", "b", "c", "d"]
    assert doc.line_end(0) == 1 and doc.offset(1, 0) == 3


def test_final_newline_adds_no_line_and_bom_is_remembered() -> None:
    doc = Document("p.md", "\ufeffa\nb\n")
    assert doc.bom and doc.lines == ["a", "b"] and doc.line_starts == [1, 3]
    assert Document("p.md", "").lines == [""]


def test_lines_holding_a_mark_are_the_lines_that_hold_it() -> None:
    for text in ("\ufeff{:a{:\r\nb\n\n{:\r", "x{:", "", "{:\n{:\n", "a\nb"):
        doc = Document("p.md", text)
        assert doc.lines_holding("{:") == [i for i, line in enumerate(doc.lines) if "{:" in line], repr(text)


def test_newline_is_the_most_common_ending() -> None:
    assert Document("p.md", "a\r\nb\r\nc\n").newline == "\r\n"
    assert Document("p.md", "a").newline == "\n"


def test_from_bytes_refuses_binary_and_non_utf8() -> None:
    with pytest.raises(DecodeError):
        Document.from_bytes("p.md", b"a\x00b")
    with pytest.raises(DecodeError):
        Document.from_bytes("p.md", b"caf\xe9")
    assert Document.from_bytes("p.md", "中文\n".encode()).text == "中文\n"


def test_front_matter_split_as_jekyll_does() -> None:
    doc = Document("p.md", FM + "\n# A\n")
    fm = doc.front_matter
    assert fm is not None and fm.end == 4 and fm.data == {"layout": "post", "title": "T", "category": "C"}
    assert doc.body_line == 5
    assert doc.front_matter_key_line("title") == 2
    assert Document("p.md", "---\na: 1\n...\nx\n").body_line == 3
    unclosed = Document("p.md", "---\na: 1\n")
    assert unclosed.front_matter is not None and unclosed.front_matter.end is None
    assert Document("p.md", "# no front matter\n").front_matter is None


def test_block_lines_are_the_files_lines() -> None:
    doc = Document("p.md", FM + "\n# A\n\ntext\n\n```\ncode\n```\n")
    found = [(t["type"], t["_line"]) for t in doc.blocks if t["type"] != "blank_line"]
    assert found == [("heading", 6), ("paragraph", 8), ("block_code", 10)]
    assert [(h.line, h.level, h.text) for h in doc.headings] == [(6, 1, "A")]


def test_opaque_and_code_lines() -> None:
    doc = Document("p.md", FM + "text\n```\nx\n```\n\n$$\ny\n$$\n\n<div>\n\nz\n</div>\n")
    assert list(doc.opaque_lines) == [1] * 5 + [0] + [1] * 3 + [0] + [1] * 3 + [0] + [1] * 4
    assert list(doc.code_lines) == [0] * 6 + [1] * 3 + [0] * 9


def test_math_right_after_a_block_is_not_a_math_block() -> None:
    # kramdown: "$$" starts a math block only after a blank line
    doc = Document("p.md", "```\nx\n```\n$$\ny\n$$\n")
    assert [t["type"] for t in doc.blocks] == ["block_code", "paragraph"]


def test_url_lines() -> None:
    text = (
        FM
        + "https://a.com/x\n\nTitle\n\nhttps://b.com\nhttps://c.com/(y)\n\n- https://d.com\n\n$$\nhttps://e.com\n$$\n"
    )
    doc = Document("p.md", text)
    assert [(u.line, u.column, u.url, u.index_in_paragraph) for u in doc.url_lines] == [
        (5, 0, "https://a.com/x", 0),
        (9, 0, "https://b.com", 0),
        (10, 0, "https://c.com/(y)", 1),
    ]


def test_url_lines_skip_inline_math_spanning_lines() -> None:
    doc = Document("p.md", "text $$a\nhttps://x.com\nb$$ more\n\nhttps://y.com\n\nT\n")
    assert [u.url for u in doc.url_lines] == ["https://y.com"]


def test_text_urls_skip_code_math_and_front_matter() -> None:
    text = (
        "---\nu: http://fm.com\n---\nsee http://a.com and `http://b.com` and $$http://c.com$$\n```\nhttp://d.com\n```\n"
    )
    doc = Document("p.md", text)
    assert doc.text_urls() == [(3, 4, "http://a.com")]
