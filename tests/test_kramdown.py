"""The page kramdown renders is the same before and after the safe fixes.

This is the check that matters to the blog: every fixture post is rendered with
Ruby's kramdown (GFM parser, as Jekyll does, via tests/kramdown_html.rb) before
and after ``--fix``; the two HTML pages must be equal once the changes the rules
*intend* are normalised away, explicitly and on both sides alike:

* ``http://`` -> ``https://`` (HT001);
* a link entry glued into one paragraph ``<p>URL\\nTitle</p>`` -> two paragraphs (LE002);
* a TOC that rendered as a bullet "toc" -> kramdown's generated TOC (KD001);
* whitespace that HTML collapses anyway (a trailing space before a newline in a paragraph).

Skipped when Ruby's kramdown is missing (``.ci/run`` installs it, so CI always runs it).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from support import requires_kramdown

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.rules import Context
from mdnorm.selection import selected_codes

SCRIPT = Path(__file__).with_name("kramdown_html.rb")


def render(texts: list[str]) -> list[str]:
    """HTML of each post, rendered by kramdown as the blog renders it."""
    out = subprocess.run(
        ["ruby", str(SCRIPT)], input=json.dumps(texts).encode(), capture_output=True, check=True, timeout=300
    )
    html: list[str] = json.loads(out.stdout)
    return html


_TOC_OPEN = '<ul id="markdown-toc">'
_BROKEN_TOC = re.compile(r"<ul>\s*<li>toc</li>\s*</ul>\s*(?:<p>\{:toc\}</p>\s*)?")
_GLUED_ENTRY = re.compile(r"<p>(https?://[^\s<]+)\n(?!</p>)")
_SPACE_AT_EOL = re.compile(r"[ \t]+\n")
_BLANKS = re.compile(r"\n{2,}")


def _drop_generated_toc(html: str) -> str:
    start = html.find(_TOC_OPEN)
    if start < 0:
        return html
    depth, pos = 0, start
    for m in re.compile(r"<ul\b|</ul>").finditer(html, start):
        depth += 1 if m.group().startswith("<ul") else -1
        if depth == 0:
            pos = m.end()
            break
    return html[:start] + "<TOC>" + html[pos:]


def normalise(html: str) -> str:
    """Remove the differences the safe fixes intend (see the module docstring); nothing else."""
    html = html.replace("http://", "https://")
    html = _drop_generated_toc(html)
    html = _BROKEN_TOC.sub("<TOC>", html)
    html = _GLUED_ENTRY.sub(r"<p>\1</p>\n\n<p>", html)
    html = re.sub(r"\s*<TOC>\s*", "\n<TOC>\n", html)
    html = _SPACE_AT_EOL.sub("\n", html)
    return _BLANKS.sub("\n\n", html).strip()


FM = "---\nlayout: post \ntitle:  深度学习（四十四）——多标签学习\ncategory: DL\n---\n\n"
POSTS = {
    "everything": FM
    + "* toc\n\n{:toc}\n\n# 多标签学习  \n\n\n\nhttp://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw\n"
    + "分段映射：帮助利用少量样本习得新类别细粒度分类器\n\nhttps://github.com/a/b\n\n\n\nA title\n\n"
    + "## 代码\n\n```python\nx = 1   \n\n\n\ny = 'http://github.com/'\n```\n\n"
    + "$$\n\\lambda  \n\\frac{a}{b}\n$$\n\ntext with $$x_i$$ inline and http://www.cnblogs.com/x.\n\n\n",
    "crlf-bom": "\ufeff" + (FM + "* toc\n{:toc}\n\n# A\n\n## B\n\ntext  \nnext\n\nend").replace("\n", "\r\n"),
    "lists-and-quotes": FM
    + "* toc\n{:toc}\n\n# A\n\n- item   \n- http://github.com/x\n\n> quote  \n> more\n\n"
    + "1. one\n2. two\n\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\nfin\n",
    "html-and-extensions": FM
    + "* toc\n{:toc}\n\n# A\n\n<div>\n  http://example.org/x  \n</div>\n\n{::comment}\nhttp://x.org/  \n{:/comment}\n\n"
    + "{% highlight python %}\nx = 1  \n{% endhighlight %}\n\n## B\n\ntext\n",
    "hard-breaks": FM + "* toc\n{:toc}\n\n# A\n\n## B\n\ntwo  \nspaces\n\ntab\t\nend\n",
    "no-front-matter": "# A\n\n## B\n\nhttp://github.com/x\n\n\nT\n",
}


@requires_kramdown
def test_safe_fixes_keep_the_rendered_page() -> None:
    ctx = Context(Config())
    codes = selected_codes(Config())
    names = list(POSTS)
    fixed = [fix_document(Document(f"{n}.md", POSTS[n]), ctx, codes).text for n in names]
    changed = [n for n, f in zip(names, fixed, strict=True) if f != POSTS[n]]
    assert changed == names  # every fixture exercises at least one fix
    before = render([POSTS[n] for n in names])
    after = render(fixed)
    for name, b, a in zip(names, before, after, strict=True):
        assert not b.startswith("!!"), b
        assert normalise(a).splitlines() == normalise(b).splitlines(), name


@requires_kramdown
def test_the_normaliser_only_hides_intended_changes() -> None:
    # the test above is only as good as the normaliser: a real change must still show
    before, after, dropped = render(["a\n\nb  \nc\n", "a\n\nb\nc\n", "a\n"])
    assert normalise(before) != normalise(after)  # a lost <br />
    assert normalise(render(["a\n\nb\n"])[0]) != normalise(dropped)  # a lost paragraph


@requires_kramdown
def test_three_trailing_spaces_inside_a_paragraph_are_a_hard_break() -> None:
    # regression: WS001 kept exactly two trailing spaces and removed three, losing the <br />
    text = FM + "* toc\n{:toc}\n\n# A\n\n## B\n\nthree   \nspaces\n"
    fixed = fix_document(Document("p.md", text), Context(Config()), selected_codes(Config())).text
    before, after = render([text, fixed])
    assert "<br />" in before
    assert normalise(after) == normalise(before)


#: Posts where a safe fix used to change the page.  Whitespace before ``</dt>`` is
#: left out of the comparison: HTML does not show it (WS001 trims a term line); so
#: is "https" for "http" in a heading's generated id (HT001's intended change).
REGRESSIONS = {
    "ideographic-space-and-nbsp-lines": FM + "* toc\n{:toc}\n\n# A\n\nIntro.\n\n\u3000\n\nEnd.\n\n\xa0\n\n\n",
    "ideographic-space-before-table": FM + "Some text.\n\u3000\n\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "blank-lines-before-colon": FM + "Question\n\n\n\n: the answer starts with a colon\n",
    "space-line-before-colon": FM + "Question\n  \n: the answer\n",
    "hard-break-before-ideographic-space": FM + "a  \n\u3000\n",
    "http-in-heading": FM + "* toc\n{:toc}\n\n# See http://blog.csdn.net/x\n\ntext \n",
    "url-as-link-text": FM + "[http://github.com/x](http://github.com/x)\n\n[http://github.com](http://github.com)\n",
}
_GENERATED_ABOVE = ["Para", "Para  ", "line  \nnext", "- item", "> q  \n> r", "Setext", "# H", "- a\n\n  b  \n  c"]
_GENERATED_BELOW = [": def", ":\tdef", "| a | b |\n|---|---|\n| 1 | 2 |", "^", "{: .c}", "{:toc}", "    code", "\u3000"]
_GENERATED_BETWEEN = ["\n", "\n\n", "\n\n\n", "\n \n", "\n  \n\n", "\n\t\n\n", "  \n\n\n", "\n\u3000\n\n"]
_DT_SPACE = re.compile(r"[ \t]+</dt>")
_HTTPS_ID = re.compile(r'((?:id="|href="#)[^"]*?)https')


def _page(html: str) -> str:
    return _HTTPS_ID.sub(r"\1http", _DT_SPACE.sub("</dt>", normalise(html)))


def _same_page_after_safe_fixes(posts: list[str]) -> list[str]:
    """The posts whose page changes under the safe fixes (beyond the intended changes)."""
    ctx = Context(Config())
    codes = selected_codes(Config())
    fixed = [fix_document(Document("p.md", p), ctx, codes).text for p in posts]
    html = render(posts + fixed)
    out = []
    for post, before, after in zip(posts, html[: len(posts)], html[len(posts) :], strict=True):
        if _page(before) != _page(after) or before.count("<br />") != after.count("<br />"):
            out.append(post)
    return out


@requires_kramdown
def test_data_loss_regressions_keep_the_page() -> None:
    assert _same_page_after_safe_fixes(list(REGRESSIONS.values())) == []


@requires_kramdown
def test_blank_line_runs_between_blocks_keep_the_page() -> None:
    # every pair of blocks, joined by blank-line runs of every kind: blank lines that
    # hold spaces or tabs, U+3000 lines, trailing spaces above them
    posts = [
        FM + above + between + below + "\n"
        for above in _GENERATED_ABOVE
        for below in _GENERATED_BELOW
        for between in _GENERATED_BETWEEN
    ]
    assert _same_page_after_safe_fixes(posts) == []
