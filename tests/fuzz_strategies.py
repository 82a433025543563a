"""Hostile pieces for fuzzing, and the invariants every post must keep.

``tests/strategies.py`` builds posts the way the corpus writes them; this module
adds the pieces that trip parsers (block quotes, tables, IALs, Liquid, stray
``#``, unbalanced ``$$`` and backticks, kramdown extensions, lone markers) and
plain arbitrary text, and :func:`check_invariants`, shared by ``test_fuzz.py``
(quick, in CI) and ``fuzz/fuzz_mdnorm.py`` (long runs).
"""

from __future__ import annotations

from collections import Counter

from hypothesis import strategies as st
from strategies import Lines, posts, prose_line, url

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.guard import url_counts
from mdnorm.linter import lint_document
from mdnorm.rules import Context

CTX = Context(Config())

#: Characters that mean something to Markdown, kramdown, Liquid or YAML.
_SYNTAX = "#*-+>`$[](){}:|!_~<>=.\\/&%'\"\t \n\r"
_ALPHABET = st.sampled_from([*_SYNTAX, "a", "b", "1", "深", "度", "\u3000", "\ufeff", "\u00a0", "é"])


def arbitrary_text(max_size: int = 400) -> st.SearchStrategy[str]:
    """Text dense in Markdown syntax, with CJK, odd spaces, stray BOMs and all line endings."""
    return st.one_of(st.text(_ALPHABET, max_size=max_size), st.text(max_size=max_size // 4))


@st.composite
def quote(draw: st.DrawFn) -> Lines:
    depth = draw(st.integers(1, 8))
    inner = draw(st.lists(st.one_of(prose_line(), url(), st.just("# 标题"), st.just("$$")), min_size=1, max_size=3))
    return [">" * depth + " " + line for line in inner]


@st.composite
def table(draw: st.DrawFn) -> Lines:
    cols = draw(st.integers(1, 3))
    cell = st.one_of(prose_line(), url(), st.just("`a|b`"), st.just("$$x$$"))
    rows = draw(st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=3))
    return ["| " + " | ".join(["h"] * cols) + " |", "|" + "---|" * cols, *["| " + " | ".join(r) + " |" for r in rows]]


_PIECES: list[Lines] = [
    ["{: .no_toc}"],
    ["# 标题", "{: #id .cls}"],
    ["{::comment}", "http://example.org/hidden", "{:/comment}"],
    ["{::nomarkdown}", "<div>x</div>", "{:/}"],
    ["{% raw %}", "{{ page.title }} http://example.org/raw", "{% endraw %}"],
    ["{% highlight python %}", "x = 1   ", "{% endhighlight %}"],
    ["{% include figure.html src='a.png' %}"],
    ["#"],
    ["##"],
    ["#标题没有空格"],
    ["$$"],
    ["$$ a $$ b $$"],
    ["```"],
    ["``` unclosed", "http://example.org/in-fence"],
    ["`` a ` b ``"],
    ["<div>", "http://example.org/in-html", "</div>"],
    ["<!-- mdnorm-disable-next-line HT001 -->", "http://example.org/x"],
    ["    indented code http://example.org/code"],
    ["***"],
    ["- - -"],
    ["* toc"],
    ["{:toc}"],
    ["[ref]: http://example.org/ref"],
    ["[a]: <"],
    ["\\$$ escaped"],
]


def hostile_block() -> st.SearchStrategy[Lines]:
    """One block from the hostile pieces, a quote or table, or a line of arbitrary text."""
    return st.one_of(
        st.sampled_from(_PIECES),
        quote(),
        table(),
        arbitrary_text(80).map(lambda s: s.replace("\r", "").split("\n")),
    )


def hostile_posts(max_blocks: int = 10) -> st.SearchStrategy[str]:
    """Corpus-shaped posts with hostile blocks mixed in."""
    return posts(extra_blocks=[hostile_block(), hostile_block()], max_blocks=max_blocks)


def any_post() -> st.SearchStrategy[str]:
    """What the fuzzers draw from: hostile posts, or arbitrary text behind a valid header."""
    header = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
    return st.one_of(hostile_posts(), arbitrary_text(), arbitrary_text().map(lambda s: header + s))


def check_invariants(text: str) -> None:
    """What must hold for every post; raises AssertionError (or the crash itself) when not.

    * lint never crashes, and every position is inside the file;
    * ``--fix`` (safe fixes) never trips its own safety check (FixError would escape);
    * a second fix changes nothing;
    * every URL is still there as often (http and https count as the same URL).
    """
    doc = Document("p.md", text)
    diags = lint_document(doc, CTX)
    lines = doc.lines
    for d in diags:
        assert 1 <= d.line <= len(lines), d
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, d
        if d.fix is not None:
            for e in d.fix.edits:
                assert 0 <= e.start <= e.end <= len(text), d
    fixed = fix_document(Document("p.md", text), CTX)
    again = fix_document(Document("p.md", fixed.text), CTX)
    assert again.text == fixed.text, "a second --fix changed the text"
    assert again.passes == 0
    lost = url_counts(text) - url_counts(fixed.text)
    assert lost == Counter(), f"URLs lost: {lost}"
