"""Hypothesis strategies that build blog posts the way the corpus writes them.

A post is a list of *blocks* (each a list of lines without endings) joined with
blank lines, an optional front matter block, then rendered with a chosen line
ending, optional BOM, optional trailing whitespace and an optional final newline.
Every piece is its own strategy so fuzzers can reuse and extend them::

    from strategies import posts, blocks   # pytest puts tests/ on sys.path
    @given(posts(extra_blocks=[my_block]))

The generated posts are deliberately a little messy (glued link entries, extra
blank lines, ``http://``, split TOC markers, trailing spaces, CRLF, BOM): those are
the inputs the fixer must repair without losing anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

Lines = list[str]

#: Text without Markdown syntax: ASCII words, CJK and CJK punctuation.
_WORDS = st.sampled_from(
    ["深度学习", "多标签学习", "模型", "分段映射", "帮助利用少量样本", "数据", "text", "model", "note", "the", "a"]
)
_PUNCT = st.sampled_from(["", "，", "。", "：", ",", ".", "（注）", "!"])
HOSTS = ("mp.weixin.qq.com", "github.com", "example.org", "blog.csdn.net", "arxiv.org", "old.example")


@st.composite
def prose_line(draw: st.DrawFn) -> str:
    """One line of prose, CJK and ASCII mixed, maybe with inline math or code."""
    words = draw(st.lists(_WORDS, min_size=1, max_size=6))
    text = " ".join(words) + draw(_PUNCT)
    extra = draw(st.sampled_from(["", "", " $$x_i^2$$ ", " `code()` ", " **粗体** "]))
    return (text + extra).strip()


@st.composite
def url(draw: st.DrawFn, schemes: Sequence[str] = ("http", "https")) -> str:
    """A URL as written by hand: scheme, a common host, a path, maybe a query."""
    scheme = draw(st.sampled_from(list(schemes)))
    host = draw(st.sampled_from(HOSTS))
    path = draw(st.from_regex(r"/[A-Za-z0-9_\-]{1,12}(/[A-Za-z0-9_\-]{1,8}){0,2}", fullmatch=True))
    query = draw(st.sampled_from(["", "?id=1", "?a=b&c=d", "#frag"]))
    return f"{scheme}://{host}{path}{query}"


def front_matter() -> st.SearchStrategy[Lines]:
    """A Jekyll front matter block, sometimes with trailing spaces or two spaces after ``title:``."""
    key_pad = st.sampled_from([" ", "  "])
    trail = st.sampled_from(["", "", " ", "\t"])
    return st.builds(
        lambda pad, t1, t2, title, cat: [
            "---",
            "layout: post" + t1,
            f"title:{pad}{title}",
            f"category: {cat}" + t2,
            "---",
        ],
        key_pad,
        trail,
        trail,
        prose_line().filter(lambda s: ":" not in s and not s.startswith(("*", "`", "$", "!"))),
        st.sampled_from(["DL", "ML", "notes"]),
    )


def toc() -> st.SearchStrategy[Lines]:
    """The kramdown TOC marker, sometimes split by a blank line (KD001's safe fix)."""
    return st.sampled_from([["* toc", "{:toc}"], ["* toc", "", "{:toc}"], ["* toc", "{:toc}"]])


@st.composite
def heading(draw: st.DrawFn) -> Lines:
    level = draw(st.integers(1, 4))
    return ["#" * level + " " + draw(prose_line())]


@st.composite
def link_entry(draw: st.DrawFn) -> Lines:
    """A URL line and its title: well formed, glued, or with extra blank lines."""
    u = draw(url())
    title = draw(prose_line())
    shape = draw(st.sampled_from(["ok", "ok", "glued", "spaced"]))
    if shape == "glued":
        return [u, title]
    if shape == "spaced":
        return [u, "", "", title]
    return [u, "", title]


@st.composite
def paragraph(draw: st.DrawFn) -> Lines:
    lines = draw(st.lists(prose_line(), min_size=1, max_size=3))
    if draw(st.booleans()):
        lines[-1] += f" 见 {draw(url())} 。"
    return lines


@st.composite
def code_fence(draw: st.DrawFn) -> Lines:
    """A fenced code block whose content has URLs, trailing spaces and blank lines: all must stay."""
    lang = draw(st.sampled_from(["", "python", "bash"]))
    body = draw(
        st.lists(
            st.sampled_from(["x = 1  ", "", "", "# not a heading", "http://example.org/in-code", "\tindent", "* toc"]),
            min_size=1,
            max_size=5,
        )
    )
    return ["```" + lang, *body, "```"]


@st.composite
def math_block(draw: st.DrawFn) -> Lines:
    """A kramdown ``$$`` block with backslashes and trailing spaces, which are content."""
    body = draw(st.lists(st.sampled_from([r"\lambda x  ", r"\frac{a}{b}", "", r"\sum_i x_i \\"]), max_size=3))
    return ["$$", *[b for b in body if b], "$$"] if body else ["$$a+b$$"]


@st.composite
def bullet_list(draw: st.DrawFn) -> Lines:
    items = draw(st.lists(prose_line(), min_size=1, max_size=3))
    marker = draw(st.sampled_from(["-", "*", "1."]))
    return [f"{marker} {i}" for i in items]


def blocks(extra: Sequence[st.SearchStrategy[Lines]] = ()) -> st.SearchStrategy[Lines]:
    """One body block of any kind (``extra`` adds kinds)."""
    return st.one_of(heading(), link_entry(), paragraph(), code_fence(), math_block(), bullet_list(), *extra)


@st.composite
def posts(
    draw: st.DrawFn,
    extra_blocks: Sequence[st.SearchStrategy[Lines]] = (),
    max_blocks: int = 8,
) -> str:
    """A whole post as text (decoded; may start with a BOM and use CRLF)."""
    out: Lines = []
    if draw(st.integers(0, 9)):
        out += [*draw(front_matter()), ""]
    if draw(st.booleans()):
        out += [*draw(toc()), ""]
    body = draw(st.lists(blocks(extra_blocks), min_size=0, max_size=max_blocks))
    for block in body:
        out += block
        out += [""] * draw(st.sampled_from([1, 1, 1, 2, 3]))
    if draw(st.integers(0, 3)) == 0:
        # trailing spaces on some lines; inside code and math they are content and must stay
        out = [ln + "   " if ln and ln[0] not in "`$-*#" and ln != "---" and draw(st.booleans()) else ln for ln in out]
    nl = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    text = nl.join(out)
    ending = draw(st.sampled_from(["", nl, nl, nl + nl]))
    text = text.rstrip("\r\n") + ending if text.strip() else text
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text
