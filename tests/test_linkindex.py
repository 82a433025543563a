"""The site-wide link index: the line scan agrees with the parser, and the cache re-scans only changed posts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mdnorm import linkindex
from mdnorm.config import Config
from mdnorm.document import Document

TRICKY = """---
layout: post
title: t
url: http://front.matter/never
---

https://a.example/1

Title one

```
https://in.code/fence
```

$$
https://in.math/block
$$

$$x$$ inline math first, then

https://after.inline.math/ok

- item
https://lazy.list/continuation

- item

  https://list.paragraph/indented

https://top.level/after-list

> quote
https://lazy.quote/continuation

https://setext.heading/becomes
---

<div>
https://in.html/block
</div>

{% highlight python %}
https://in.liquid/highlight
{% endhighlight %}

{::comment}
https://in.kramdown/comment
{:/comment}

    https://indented.code/x

text
    https://lazy.paragraph/indented

https://b.example/2
https://c.example/3
"""


def _scan(text: str) -> list[tuple[int, int, str]]:
    doc = Document("p.md", text)
    return linkindex.scan_url_lines(doc.lines, doc.body_line)[0]


def _parsed(text: str) -> list[tuple[int, int, str]]:
    return [(u.line, u.column, u.url) for u in Document("p.md", text).url_lines]


def test_scan_matches_the_parser_on_tricky_blocks() -> None:
    got = _scan(TRICKY)
    assert got == _parsed(TRICKY)
    found = {u for _, _, u in got}
    assert {"https://a.example/1", "https://after.inline.math/ok", "https://top.level/after-list"} <= found
    assert not any(
        bad in u for u in found for bad in ("in.code", "in.math", "in.html", "in.liquid", "in.kramdown", "setext")
    )


BLOCKS = st.sampled_from(
    [
        "https://u.example/{i}",
        "https://u.example/{i}\n\nA title {i}",
        "text {i}\nhttps://u.example/{i}",
        "```\nhttps://code.example/{i}\n```",
        "~~~~\nhttps://code.example/{i}\n~~~~",
        "$$\nhttps://math.example/{i}\n$$",
        "$$a$$ b {i}\nhttps://u.example/{i}",
        "$$ a {i}\nhttps://math.example/{i}\n$$",
        "- item {i}\nhttps://list.example/{i}",
        "1. item {i}\n\n   https://list.example/{i}",
        "* item {i}\n\n  https://list.example/{i}\n\nhttps://u.example/after{i}",
        "> quote {i}\nhttps://quote.example/{i}",
        "# Heading {i}",
        "https://setext.example/{i}\n===",
        "<div>\nhttps://html.example/{i}\n</div>",
        "<!--\nhttps://comment.example/{i}\n-->",
        "{{% raw %}}\nhttps://raw.example/{i}\n{{% endraw %}}",
        "{{::nomarkdown}}\nhttps://ext.example/{i}\n{{:/}}",
        "    https://indented.example/{i}",
        "   https://three.spaces/{i}  ",
        "---",
        "| a | b |\n|---|---|\n| https://t.example/{i} | x |",
        "text\n    https://lazy.example/{i}",
        "http://x.example/{i})",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(BLOCKS, st.sampled_from(["\n\n", "\n\n\n"])), min_size=1, max_size=8))
def test_scan_matches_the_parser_on_generated_posts(blocks: list[tuple[str, str]]) -> None:
    """Blocks separated by blank lines, as posts are written (glued blocks: see the report of issue 7)."""
    body = "".join(b.format(i=i) + sep for i, (b, sep) in enumerate(blocks))
    text = "---\ntitle: t\n---\n\n" + body
    assert _scan(text) == _parsed(text)


def _site(tmp_path: Path, n: int = 3) -> Path:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    for i in range(n):
        (posts / f"2020-1-{i + 1}-p{i}.md").write_text(
            f"---\ntitle: t\ncategory: C{i}\n---\n\nhttps://x.example/{i}\n\nT\n", encoding="utf-8"
        )
    (posts / "notes.md").write_text("https://not.a.post/\n", encoding="utf-8")  # no date: not a post
    return posts


def test_build_indexes_posts_only(tmp_path: Path) -> None:
    _site(tmp_path)
    index = linkindex.build(str(tmp_path), Config(root=str(tmp_path)))
    assert sorted(index.posts) == ["_posts/2020-1-1-p0.md", "_posts/2020-1-2-p1.md", "_posts/2020-1-3-p2.md"]
    post = index.posts["_posts/2020-1-2-p1.md"]
    assert (post.category, post.category_line) == ("C1", 2)
    assert [(e.line, e.url, e.key, e.titled) for e in post.entries] == [(5, "https://x.example/1", "x.example/1", True)]


def test_warm_build_rescans_only_changed_posts(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    cfg = Config(root=str(tmp_path))
    first = linkindex.build(str(tmp_path), cfg)
    assert (first.scanned, first.reused) == (3, 0)
    warm = linkindex.build(str(tmp_path), cfg)
    assert (warm.scanned, warm.reused) == (0, 3)
    assert warm.site_key(str(posts / "2020-1-1-p0.md")) == first.site_key(str(posts / "2020-1-1-p0.md"))
    (posts / "2020-1-2-p1.md").write_text("---\ntitle: t\n---\n\nhttps://x.example/0\n\nT\n", encoding="utf-8")
    changed = linkindex.build(str(tmp_path), cfg)
    assert (changed.scanned, changed.reused) == (1, 2)
    assert changed.posts["_posts/2020-1-2-p1.md"].entries[0].key == "x.example/0"
    # a checkout that only moves mtimes costs a hash, not a scan
    for p in posts.iterdir():
        os.utime(p, (1, 1))
    touched = linkindex.build(str(tmp_path), cfg)
    assert (touched.scanned, touched.reused) == (0, 3)


def test_corrupt_index_files_are_rebuilt(tmp_path: Path) -> None:
    _site(tmp_path)
    cfg = Config(root=str(tmp_path))
    linkindex.build(str(tmp_path), cfg)
    for name in (linkindex.INDEX_FILE, linkindex.SUMMARY_FILE):
        (tmp_path / ".mdnorm_cache" / name).write_text('{"version": ', encoding="utf-8")
    index = linkindex.build(str(tmp_path), cfg)
    assert (index.scanned, len(index.posts)) == (3, 3)


def test_site_key_changes_when_an_earlier_post_lists_the_url(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    cfg = Config(root=str(tmp_path))
    later = str(posts / "2020-1-3-p2.md")
    before = linkindex.build(str(tmp_path), cfg).site_key(later)
    (posts / "2020-1-1-p0.md").write_text("---\ntitle: t\n---\n\nhttps://x.example/2\n\nT\n", encoding="utf-8")
    assert linkindex.build(str(tmp_path), cfg).site_key(later) != before


def test_warm_index_does_not_import_the_parser(tmp_path: Path) -> None:
    _site(tmp_path)
    linkindex.build(str(tmp_path), Config(root=str(tmp_path)))
    code = (
        "import sys; from mdnorm import linkindex; from mdnorm.config import Config; "
        f"ix = linkindex.build({str(tmp_path)!r}, Config(root={str(tmp_path)!r})); ix.site_key('x'); "
        "print(ix.scanned, 'mdnorm._parser' in sys.modules, 'mistune' in sys.modules, 'yaml' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["0", "False", "False", "False"]
