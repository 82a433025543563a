"""The private parser shim (mdnorm._parser): positions, kramdown's block rules, linear time.

Three kinds of checks:

* invariants on generated posts: every ATX heading token sits on a ``#`` line,
  every paragraph starts on its text's first line, every fenced code token on a
  fence line;
* kramdown facts, one per case, checked by hand with ``kramdown-html`` and kept
  here as expectations; and, where Ruby's kramdown is installed (CI installs it),
  the same generated posts compared block by block with what kramdown builds;
* linear time on the inputs that made mistune quadratic: the parse's CPU time at N
  and 8N lines must grow about 8x (at most 20x), not 64x (marked ``slow``).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import GROWTH, LINEAR_LIMIT, best_time, requires_kramdown

from mdnorm._parser import Token, parse_blocks

# -- generated posts ------------------------------------------------------------

#: Building blocks of real posts, including the constructs where kramdown and
#: CommonMark disagree.  Joined by one or two newlines, so blocks touch or not.
BLOCKS = [
    "text line\nmore text",
    "https://example.com/a",
    "https://example.com/b\nGlued title",
    "Title of link",
    "# Heading",
    "## Sub",
    "### Deep {#id}",
    "#NoSpace",
    " # indented",
    "Setext\n===",
    "Setext2\n---",
    "para\n---",
    "---",
    "***",
    "- item\n- item2",
    "* toc\n{:toc}",
    "* toc",
    "{:toc}",
    "## H\n{: .no_toc}",
    "1. one\n2. two",
    "3. three",
    "1) paren",
    "> quote\n> more",
    "> quote\nlazy",
    "    code\n    more",
    "```\ncode\n```",
    "```python\nx = 1\n\n# comment\n```",
    "```\nunclosed",
    "``` two words\nx\n```",
    "~~~\nt\n~~~",
    "$$\nx\n$$",
    "$$x$$",
    "$$\na\n\n# not a heading\n$$",
    "text $$x$$ inline",
    "a | b\n--|--\n1 | 2",
    "| x | y |",
    "`a|b`",
    "<div>\n\ninside\n\n</div>",
    "<!-- c -->",
    "<img src=x>",
    "<p>para</p>",
    "{::comment}\nhidden\n{:/comment}",
    "[ref]: https://e.com",
    "- item\n\n  continued\n\n  ```\n  code\n  ```",
    "- a\n  - nested\n    - deeper",
    "> - q list\n> - q2",
    "1. x\n\n   para in item",
    "text\n# Heading right after",
    "- item\n# Heading",
    "text\n```\ncode\n```",
    "text\n> quote",
    "text\n- list",
    "> a\n>\n> b",
    "- a\n\n      indented code in item",
    ": starts with a colon",
    "Term\n: definition\n  more",
    "Term\n\n: definition",
    "\u3000",
    "\xa0text",
]


def generated_posts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    posts = []
    for _ in range(count):
        parts = [rnd.choice(BLOCKS) for _ in range(rnd.randint(2, 12))]
        text = parts[0]
        for part in parts[1:]:
            text += rnd.choice(["\n\n", "\n\n", "\n\n", "\n\n\n", "\n"]) + part
        posts.append(text + "\n")
    return posts


POSTS = generated_posts(7, 400)


def walk(tokens: list[Token], depth: int = 0) -> list[tuple[Token, int]]:
    out = []
    for tok in tokens:
        out.append((tok, depth))
        if tok.get("children"):
            out += walk(tok["children"], depth + (0 if tok["type"] == "list_item" else 1))
    return out


_MARKERS = re.compile(r"^(?:\s*(?:>|[-*+]|\d+\.)(?=\s|$))*\s*")


def strip_markers(line: str) -> str:
    """The source line without block quote and list markers."""
    return _MARKERS.sub("", line, count=1)


@pytest.mark.parametrize("index", range(0, len(POSTS), 40))
def test_positions_on_generated_posts(index: int) -> None:
    for text in POSTS[index : index + 40]:
        lines = text.split("\n")
        for tok, _depth in walk(parse_blocks(text)):
            line = lines[tok["_line"]]
            kind = tok["type"]
            if kind == "heading" and tok.get("style") == "atx":
                assert strip_markers(line).startswith("#"), (text, tok)
            elif kind == "heading":
                assert re.fullmatch(r"[-=]+[ \t]*", lines[tok["_line"] + 1]), (text, tok)
            elif kind in ("paragraph", "block_text"):
                first = tok["text"].split("\n", 1)[0].strip()
                assert strip_markers(line).strip() == first or line.strip().endswith(first), (text, tok)
            elif kind == "block_code" and tok.get("style") == "fenced":
                assert re.match(r"(?:[\s>*+\-\d.]*)(`{3,}|~{3,})", line), (text, tok)
            assert tok["_line"] < tok["_end"] <= len(lines), (text, tok)


def test_line_offset_and_nesting() -> None:
    text = "> quote\n> - item\n>\n>   ## Heading\n\n- a\n\n  ```\n  code\n  ```\n"
    tokens = parse_blocks(text, line_offset=10)
    found = [(t["type"], t["_line"]) for t, _ in walk(tokens) if t["type"] not in ("blank_line", "list_item")]
    assert found == [
        ("block_quote", 10),
        ("paragraph", 10),
        ("list", 11),
        ("paragraph", 11),
        ("heading", 13),
        ("list", 15),
        ("paragraph", 15),
        ("block_code", 17),
    ]


# -- kramdown's block rules --------------------------------------------------------

# (body, [(0-based line, top-level type), ...]) as kramdown 2.4 + kramdown-parser-gfm 1.1
# render them (checked with kramdown-html); blank lines are left out.
KRAMDOWN_FACTS = [
    pytest.param("#Title\n", [(0, "paragraph")], id="no-space-after-hash"),
    pytest.param(" # Title\n", [(0, "paragraph")], id="atx-must-start-in-column-1"),
    pytest.param("#\n\n# #\n", [(0, "paragraph"), (2, "heading")], id="lone-hash-is-text"),
    pytest.param("text\n# H\n", [(0, "paragraph"), (1, "heading")], id="atx-interrupts-paragraph"),
    pytest.param("para\nTitle\n---\n", [(0, "paragraph")], id="setext-needs-one-line-after-boundary"),
    pytest.param("Title\n---\n", [(0, "heading")], id="setext"),
    pytest.param("# H\nTitle\n---\n", [(0, "heading"), (1, "paragraph")], id="setext-after-heading-is-text"),
    pytest.param("text\n****\n", [(0, "paragraph")], id="rule-does-not-interrupt-paragraph"),
    pytest.param("* toc\n\n{:toc}\n", [(0, "list"), (2, "ial")], id="toc-split-by-blank"),
    pytest.param("* toc\n{:toc}\n", [(0, "list"), (1, "ial")], id="toc"),
    pytest.param("https://e.com/a\nTitle\n", [(0, "paragraph")], id="glued-title-one-paragraph"),
    pytest.param("https://e.com/a\n{: .x}\n\nT\n", [(0, "paragraph"), (1, "ial"), (3, "paragraph")], id="ial"),
    pytest.param("text\n$$\na\n$$\ntext\n", [(0, "paragraph")], id="math-needs-blank-lines"),
    pytest.param("$$\na\n\n# not heading\n$$\n\n# H\n", [(0, "block_math"), (6, "heading")], id="math-first-close"),
    pytest.param("$$x$$ y\n\n# H\n", [(0, "paragraph"), (2, "heading")], id="math-text-after-close"),
    pytest.param("- item\n\n$$x$$\n\ny\n", [(0, "list"), (2, "block_math"), (4, "paragraph")], id="math-after-list"),
    pytest.param("# H\n$$x$$\n\ny\n", [(0, "heading"), (1, "paragraph"), (3, "paragraph")], id="math-after-heading"),
    pytest.param("```\nunclosed\n\n# H\n", [(0, "paragraph"), (3, "heading")], id="unclosed-fence-is-text"),
    pytest.param("``` two words\nx\n```\n", [(0, "paragraph")], id="fence-info-is-one-word"),
    pytest.param("````\na\n```\nb\n````\n", [(0, "block_code")], id="longer-fence"),
    pytest.param("text\n```\ncode\n```\n", [(0, "paragraph"), (1, "block_code")], id="fence-interrupts-paragraph"),
    pytest.param("    code\nlazy\n\npara\n", [(0, "block_code"), (3, "paragraph")], id="indented-code-lazy-line"),
    pytest.param("    code\n# Heading\n", [(0, "block_code")], id="indented-code-swallows-heading"),
    pytest.param("> quote\n# H\n- item\n\nafter\n", [(0, "block_quote"), (4, "paragraph")], id="quote-to-blank-line"),
    pytest.param("text\n3. three\n", [(0, "paragraph"), (1, "list")], id="any-number-interrupts"),
    pytest.param("1) paren\n", [(0, "paragraph")], id="paren-marker-is-text"),
    pytest.param("1.\n", [(0, "paragraph")], id="empty-item-is-text"),
    pytest.param("* a\n- b\n+ c\n", [(0, "list")], id="bullets-make-one-list"),
    pytest.param("- item\n# Heading\n", [(0, "list")], id="heading-is-lazy-list-line"),
    pytest.param("a | b\n", [(0, "table")], id="pipe-line-is-table"),
    pytest.param("| a | b |\n|---|---|\n", [(0, "paragraph")], id="header-only-table-is-text"),
    pytest.param("`a|b`\n", [(0, "paragraph")], id="pipe-in-code-span"),
    pytest.param("text\na | b\n", [(0, "paragraph")], id="table-needs-boundary"),
    pytest.param("<div>\n\nhttps://e.com/a\n\n</div>\n\nafter\n", [(0, "block_html"), (6, "paragraph")], id="html"),
    pytest.param("<p>a</div>\n\n# H\n", [(0, "block_html")], id="unclosed-html-to-end"),
    pytest.param("<img src=x>\n\ntext <span>\n", [(0, "paragraph"), (2, "paragraph")], id="span-html-is-text"),
    pytest.param(
        "para\n<div>x</div>\nmore\n", [(0, "paragraph"), (1, "block_html"), (2, "paragraph")], id="html-ends-p"
    ),
    pytest.param("<!-- a\n\n# H\n-->\n\n# I\n", [(0, "block_html"), (5, "heading")], id="comment-to-close"),
    pytest.param("<!-- unclosed\n\n# H\n", [(0, "paragraph"), (2, "heading")], id="unclosed-comment-is-text"),
    pytest.param("{::comment}\nx\n{:/comment}\n\n# H\n", [(0, "kd_extension"), (4, "heading")], id="comment-ext"),
    pytest.param("{::comment}\nx\n\n# H\n", [(0, "paragraph"), (3, "heading")], id="unclosed-comment-ext"),
    pytest.param("text\n{::comment}\nx\n{:/comment}\n", [(0, "paragraph")], id="comment-ext-continues-paragraph"),
    pytest.param("{% highlight py %}\n# x\n{% endhighlight %}\n", [(0, "liquid_block")], id="liquid"),
    pytest.param("[a]: https://e.com\n", [(0, "ref_def")], id="ref-def"),
    pytest.param("text\n[a]: https://e.com\n", [(0, "paragraph")], id="ref-def-continues-paragraph"),
    pytest.param("Q\n: a\n", [(0, "def_list")], id="definition-under-paragraph"),
    pytest.param("Q\n\n: a\n", [(0, "def_list")], id="definition-after-one-empty-line"),
    pytest.param("Q\n\n\n: a\n", [(0, "paragraph"), (3, "paragraph")], id="two-blank-lines-no-definition"),
    pytest.param("Q\n \n: a\n", [(0, "paragraph"), (2, "paragraph")], id="blank-with-space-no-definition"),
    pytest.param("# H\n: a\n", [(0, "heading"), (1, "paragraph")], id="no-definition-under-heading"),
    pytest.param("Q\n: a\n\nR\n: b\n", [(0, "def_list")], id="definitions-join-one-list"),
    pytest.param("Q\n: a\n\n  b\nc\n", [(0, "def_list")], id="definition-indented-and-lazy-lines"),
    pytest.param("Q\n: a\n\nb\n", [(0, "def_list"), (3, "paragraph")], id="definition-ends-at-unindented"),
    pytest.param("a\n\u3000\n\n| x |\n", [(0, "paragraph"), (3, "table")], id="ideographic-space-is-text"),
    pytest.param("a\n\n\xa0\n\nb\n", [(0, "paragraph"), (2, "paragraph"), (4, "paragraph")], id="nbsp-is-text"),
    pytest.param("a\n\f\nb\n", [(0, "paragraph"), (2, "paragraph")], id="form-feed-is-blank"),
]


@pytest.mark.parametrize(("body", "expected"), KRAMDOWN_FACTS)
def test_kramdown_block_rules(body: str, expected: list[tuple[int, str]]) -> None:
    found = [(t["_line"], t["type"]) for t in parse_blocks(body) if t["type"] != "blank_line"]
    assert found == expected


def test_heading_text_as_kramdown_takes_it() -> None:
    texts = [t["text"] for t in parse_blocks("# C#\n\n## B ##\n\n### D {#d}\n\nT\n===\n") if t["type"] == "heading"]
    assert texts == ["C#", "B", "D", "T"]


# -- against kramdown itself ---------------------------------------------------------

_SCRIPT = Path(__file__).with_name("kramdown_blocks.rb")
_TYPES = {
    "paragraph": "p",
    "block_text": "p",
    "heading": "header",
    "block_code": "codeblock",
    "block_math": "math",
    "block_quote": "blockquote",
    "thematic_break": "hr",
    "block_html": "html",
    "table": "table",
    "list": "list",
    "def_list": "dl",
}
_KTYPES = {"html_element": "html", "xml_comment": "html", "ul": "list", "ol": "list"}


def _kramdown_blocks(bodies: list[str]) -> list[Any]:
    out = subprocess.run(
        ["ruby", str(_SCRIPT)], input=json.dumps(bodies).encode(), capture_output=True, check=True, timeout=300
    )
    return list(json.loads(out.stdout))


def _shim_blocks(body: str) -> set[tuple[int, str, int | None]]:
    """Top-level blocks and every heading: what the rules read."""
    out = set()
    for tok, depth in walk(parse_blocks(body)):
        kind = _TYPES.get(tok["type"])
        if kind is None or (depth and kind != "header"):
            continue
        level = tok["attrs"]["level"] if kind == "header" else None
        out.add((tok["_line"] + 1, kind, level))
    return out


@requires_kramdown
def test_same_blocks_as_kramdown() -> None:
    """Top-level blocks and all headings start on the lines kramdown starts them."""
    bodies = [p for p in POSTS if not p.startswith("---")]
    differ = []
    for body, blocks in zip(bodies, _kramdown_blocks(bodies), strict=True):
        want = {(ln, _KTYPES.get(t, t), lvl) for t, ln, lvl, depth in blocks if depth == 0 or t == "header"}
        have = _shim_blocks(body)
        if want != have:
            differ.append((body, sorted(want - have), sorted(have - want)))
    # known corner cases aside (an IAL line over a setext underline is a heading in kramdown), all agree
    assert len(differ) <= len(bodies) // 100, differ[:3]


# -- linear time -----------------------------------------------------------------------


def _parse_time(text: str) -> float:
    return best_time(lambda: parse_blocks(text), 2)


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        "```a\n",  # mistune: text += line per paragraph line
        "[a]: <\n",
        "> ```a\n",  # mistune: text += quote per block quote line
        "> a\n>\n",
        "- a\n",
        "<div>\n\n",
        "<!--\n\n",
        '<div a="\n',
        "$$\n\n",
        "a | b\n\n",
        "````a\n```\n",
        "    a\nb\n",
        "text\n---\n",
        "{: .x}\n",
    ],
)
def test_parse_time_is_linear(unit: str) -> None:
    # grow N until one parse takes ~0.05 s of CPU, so 8N takes ~0.4 s (as large an input as 4N at
    # 0.1 s): a quadratic term only shows on large inputs
    n = 2000
    small = _parse_time(unit * n)
    while small < 0.05 and n < 400_000:
        n = min(400_000, int(n * min(8.0, 0.065 / max(small, 1e-4))))
        small = _parse_time(unit * n)
    large = _parse_time(unit * (GROWTH * n))
    assert large / small < LINEAR_LIMIT, f"{unit!r}: {small:.3f}s CPU at N={n}, {large:.3f}s at {GROWTH}N"
