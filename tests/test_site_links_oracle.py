"""The site link rules against real ``jekyll build`` runs (the oracle).

One small site holds posts that link each other, their anchors (Chinese and
repeated headings, IALs, ``<a name>``), images (one in the wrong letter case,
one relative to the post), a ``baseurl`` and Liquid links.  It is built once;
then every link the rules call fine must lead to a file of ``_site`` (served as
a static host serves it) holding the anchor, and every link they report must
not.  Two more builds prove that a ``post_url`` or ``link`` tag SL004 reports
fails the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mdnorm import linkindex
from mdnorm.anchors import html_ids
from mdnorm.config import Config
from mdnorm.linter import lint_site
from mdnorm.rules import Context

JEKYLL = shutil.which("jekyll")
pytestmark = pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed (apt-get install jekyll)")

TARGET = """---
layout: post
title: Target
category: ml
---

## 深度学习

## Intro

## Intro

## Setext {#custom}

<a name="Pearson"/>

Para
{: #para-id}
"""

SOURCE = """---
layout: post
title: Source
categories: [dl, deep]
---

[a](/blog/ml/2016/08/02/target.html) [b](/blog/ml/2016/08/02/target.html#Pearson)
[c](/blog/ml/2016/08/02/target.html#深度学习) [d](/blog/ml/2016/08/02/target.html#intro-1)
[e](/blog/ml/2016/08/02/target.html#custom) [f]({{ site.baseurl }}/ml/2016/08/02/target.html#para-id)
[g](../../../../ml/2016/08/02/target.html) [h](#mine) [i]({% post_url 2016-08-02-target %}#intro)
[j](/blog/about/) [k](/blog/about) [l]({% link about.md %}) <a href="/blog/ml/2016/08/02/target.html#intro">m</a>

## Mine

![](/blog/images/a.png) ![](/blog/images/sub/b.jpg) <img src="/blog/images/a.png">

[x1](/blog/ml/2016/08/01/target.html) [x2](/blog/ml/2016/08/02/Target.html) [x3](/ml/2016/08/02/target.html)
[x4](/blog/ml/2016/08/02/target.html#pearson) [x5](#nowhere) [x6](/blog/ml/2016/08/02/target.html#intro-2)
[x7](/blog/ml/2999/01/01/later.html)

![](/blog/images/A.png) ![](/blog/images/b.jpg) ![](images/a.png) ![](/blog/images/sub/c.jpg)
"""

FILES = {
    "_config.yml": "baseurl: /blog\npermalink: date\n",
    "_layouts/post.html": "<div id='disqus_thread'></div>{{ content }}\n",
    "_posts/2016-08-02-target.md": TARGET,
    "_posts/2016-09-01-source.md": SOURCE,
    "_posts/2999-01-01-later.md": "---\nlayout: post\ncategory: ml\n---\n\nLater.\n",
    "about.md": "---\nlayout: post\n---\n\nAbout.\n",
}
STATIC = ("images/a.png", "images/sub/b.jpg", "images/sub/c.JPG")


def _write(root: Path, extra: dict[str, str] | None = None) -> None:
    for rel, text in {**FILES, **(extra or {})}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    for rel in STATIC:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")


def _build(src: Path, dest: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(JEKYLL), "build", "-s", str(src), "-d", str(dest), "--disable-disk-cache", "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _exact(dest: Path, rel: str) -> Path | None:
    """``dest/rel`` when it exists with exactly this letter case (as a case-sensitive host sees it)."""
    cur = dest
    for part in rel.split("/"):
        if not cur.is_dir() or part not in os.listdir(cur):
            return None
        cur = cur / part
    return cur if cur.is_file() else None


def _served(dest: Path, path: str) -> Path | None:
    name = path.lstrip("/")
    tries = [name + "index.html"] if not name or name.endswith("/") else [name, name + ".html", name + "/index.html"]
    return next((f for t in tries if (f := _exact(dest, t)) is not None), None)


def test_links_called_fine_resolve_and_links_reported_do_not(tmp_path: Path) -> None:
    src, dest = tmp_path / "src", tmp_path / "site"
    _write(src)
    done = _build(src, dest)
    assert done.returncode == 0, done.stdout + done.stderr
    index = linkindex.build(str(src), Config(root=str(src)))
    sm = index.site_map
    assert sm is not None
    rel = "_posts/2016-09-01-source.md"
    post = index.post(rel)
    assert post is not None
    ctx = Context(Config(root=str(src)), site=index, rel=rel)
    reported = {(d.line, d.column) for d in lint_site(rel, post.facts, ctx, frozenset({"SL001", "SL002", "SL003"}))}
    own = sm.by_path[rel].url
    assert own is not None
    checked = fine = 0
    for link in post.facts.links:
        href = sm.href(link.target, rel)
        if href is None or link.kind in ("post_url", "link_tag"):
            continue
        path = href.path if href.path else own
        url = path if href.problem else sm.baseurl + path  # what the browser asks the host for
        served = _served(dest, url[len("/blog") :] if url.startswith("/blog/") else "/nowhere" + url)
        works = served is not None
        if works and href.fragment and served is not None and served.suffix == ".html":
            works = href.fragment in {i for i, _ in html_ids(served.read_text("utf-8"))}
        called_fine = (link.line + 1, link.column + 1) not in reported
        assert called_fine == works, (link, served)
        checked += 1
        fine += called_fine
    assert (checked, fine) == (27, 14)  # every link of SOURCE but the two Liquid tags


@pytest.mark.parametrize(
    "tag", ["{% post_url 2016-08-03-target %}", "{% post_url 2999-01-01-later %}", "{% link images/nope.png %}"]
)
def test_a_tag_sl004_reports_fails_the_build(tmp_path: Path, tag: str) -> None:
    src, dest = tmp_path / "src", tmp_path / "site"
    _write(src, {"_posts/2016-09-02-bad.md": f"---\nlayout: post\n---\n\n{tag}\n"})
    index = linkindex.build(str(src), Config(root=str(src)))
    rel = "_posts/2016-09-02-bad.md"
    ctx = Context(Config(root=str(src)), site=index, rel=rel)
    post = index.post(rel)
    assert post is not None
    diags = lint_site(rel, post.facts, ctx, frozenset({"SL004"}))
    assert [d.code for d in diags] == ["SL004"]
    done = _build(src, dest)
    assert done.returncode != 0
