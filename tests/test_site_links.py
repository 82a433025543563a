"""SL001..SL005 on small generated sites, through the CLI as pre-commit and CI run it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from click.testing import CliRunner
from support import make_site

from mdnorm import linkindex, sitestate
from mdnorm.cli import main

TARGET = """---
layout: post
title: Target
category: ml
---

## 深度学习

## Intro

## Intro

<a name="Pearson"/>

Text {#not-an-id}
"""


def _post(body: str, category: str = "ml", extra: str = "") -> str:
    return f"---\nlayout: post\ntitle: T\ncategory: {category}\n{extra}---\n\n{body}\n"


def _site(root: Path, posts: dict[str, str], files: tuple[str, ...] = (), config: str = "permalink: date\n") -> Path:
    return make_site(root, posts, files, config, layout='<div id="disqus_thread"></div>')


def _run(root: Path, *args: str) -> tuple[int, list[str]]:
    old = os.getcwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(main, ["check", "--no-color", "-q", "--select", "SL", *args])
    finally:
        os.chdir(old)
    return res.exit_code, [line for line in res.stdout.splitlines() if line and not line.startswith("Found")]


def test_links_to_posts_anchors_and_images_that_exist_are_silent(tmp_path: Path) -> None:
    body = (
        "[a](/ml/2016/08/02/target.html) [b](/ml/2016/08/02/target.html#Pearson)\n"
        "[c](/ml/2016/08/02/target.html#深度学习)\n"
        "[d](/ml/2016/08/02/target.html#%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0)\n"
        "[e](/ml/2016/08/02/target.html#intro-1) [f](/ml/2016/08/02/target#disqus_thread) [g](#top) [h](#here)\n"
        "[i](../../../../ml/2016/08/02/target.html) [j]({{ site.baseurl }}/images/a.png)\n\n"
        '## Here\n\n![](/images/a.png) <img src="/images/b/c.jpg"> ![x](</images/with space.png>)\n\n'
        "[ref]: /ml/2016/08/02/target.html#intro\n\n"
        "$$[x](y,z)$$ and `[x](nowhere)`\n\n"
        "[k]({% post_url 2016-08-02-target %}#Pearson) {% post_url 2016-8-2-target %}\n"
    )
    _site(
        tmp_path,
        {"2016-08-02-target.md": TARGET, "2016-9-1-src.md": _post(body)},
        ("images/a.png", "images/b/c.jpg", "images/with space.png"),
    )
    assert _run(tmp_path, ".") == (0, [])


def test_sl001_redated_post_unique_fix_and_unknown_url(tmp_path: Path) -> None:
    body = "[a](/ml/2016/08/01/target.html) [b](/ml/2016/08/02/nothing.html) [c](/ml/2016/08/02/Target.html)"
    _site(tmp_path, {"2016-08-02-target.md": TARGET, "2016-9-1-src.md": _post(body)})
    code, lines = _run(tmp_path, ".")
    assert code == 1
    assert lines == [
        "_posts/2016-9-1-src.md:7:5: SL001 link to /ml/2016/08/01/target.html: no such page;"
        " post _posts/2016-08-02-target.md is at /ml/2016/08/02/target.html",
        "_posts/2016-9-1-src.md:7:37: SL001 link to /ml/2016/08/02/nothing.html:"
        " no post or page of this site has this URL",
        "_posts/2016-9-1-src.md:7:70: SL001 link to /ml/2016/08/02/Target.html: only /ml/2016/08/02/target.html exists"
        " (letter case differs; a case-sensitive host answers 404)",
    ]
    assert _run(tmp_path, "--fix", "--unsafe-fixes", ".")[0] == 1
    text = (tmp_path / "_posts" / "2016-9-1-src.md").read_text(encoding="utf-8")
    assert "[a](/ml/2016/08/02/target.html) [b](/ml/2016/08/02/nothing.html) [c](/ml/2016/08/02/target.html)" in text
    assert len(_run(tmp_path, ".")[1]) == 1


def test_sl001_unpublished_target_says_why_and_elsewhere_skips(tmp_path: Path) -> None:
    body = "[a](/ml/2999/01/01/later.html) [b](/old/x.html)"
    posts = {"2999-01-01-later.md": _post("x"), "2016-9-1-src.md": _post(body)}
    _site(tmp_path, posts, config="permalink: date\n")
    (tmp_path / ".mdnorm.toml").write_text('[site]\nelsewhere = ["/old/*"]\n', encoding="utf-8")
    _, lines = _run(tmp_path, "_posts/2016-9-1-src.md")
    assert lines == [
        "_posts/2016-9-1-src.md:7:5: SL001 link to /ml/2999/01/01/later.html: _posts/2999-01-01-later.md"
        " will not be published (dated 2999-01-01T00:00:00" + lines[0].split("T00:00:00", 1)[1]
    ]
    assert "in the future (future: false)" in lines[0]


def test_sl001_baseurl_missing_from_a_link(tmp_path: Path) -> None:
    body = "[a](/ml/2016/08/02/target.html) [b](/blog/ml/2016/08/02/target.html)"
    _site(tmp_path, {"2016-08-02-target.md": TARGET, "2016-9-1-src.md": _post(body)}, config="baseurl: /blog\n")
    assert _run(tmp_path, ".")[1] == [
        "_posts/2016-9-1-src.md:7:5: SL001 link to /ml/2016/08/02/target.html does not start with the site's"
        " baseurl '/blog'"
    ]


def test_sl002_missing_anchors_case_fix_and_other_post_hint(tmp_path: Path) -> None:
    other = _post('<a name="Jensen"/>\n\n## Trace {#trace}')
    body = (
        "[a](/ml/2016/08/02/target.html#pearson) [b](#nowhere) [c](/ml/2016/08/02/target.html#Jensen)\n"
        "[d](/ml/2016/08/02/target.html#not-an-id) [e](#mine)\n\n## Mine"
    )
    _site(tmp_path, {"2016-08-02-target.md": TARGET, "2016-08-03-other.md": other, "2016-9-1-src.md": _post(body)})
    _, lines = _run(tmp_path, ".")
    assert lines == [
        "_posts/2016-9-1-src.md:7:5: SL002 no anchor #pearson in _posts/2016-08-02-target.md (did you mean #Pearson?)",
        "_posts/2016-9-1-src.md:7:45: SL002 no anchor #nowhere in this post",
        "_posts/2016-9-1-src.md:7:59: SL002 no anchor #Jensen in _posts/2016-08-02-target.md"
        " (#Jensen is in _posts/2016-08-03-other.md, at /ml/2016/08/03/other.html)",
        "_posts/2016-9-1-src.md:8:5: SL002 no anchor #not-an-id in _posts/2016-08-02-target.md",
    ]
    _run(tmp_path, "--fix", "--unsafe-fixes", ".")
    text = (tmp_path / "_posts" / "2016-9-1-src.md").read_text(encoding="utf-8")
    assert "[a](/ml/2016/08/02/target.html#Pearson)" in text


def test_sl003_missing_case_mismatch_and_unique_name_elsewhere(tmp_path: Path) -> None:
    body = (
        "![](/images/img4/net.png)\n\n![](/Images/a.PNG)\n\n<img src='/images/gone.jpg'>\n\n"
        "![](../images/img5/net.png)\n\n[pdf](/files/a.pdf)"
    )
    _site(tmp_path, {"2016-9-1-src.md": _post(body)}, ("images/img5/net.png", "images/a.PNG"))
    _, lines = _run(tmp_path, ".")
    assert lines == [
        "_posts/2016-9-1-src.md:7:5: SL003 no file /images/img4/net.png in the site;"
        " the one file of that name is /images/img5/net.png",
        "_posts/2016-9-1-src.md:9:5: SL003 /Images/a.PNG: only /images/a.PNG exists"
        " (letter case differs; a case-sensitive host answers 404)",
        "_posts/2016-9-1-src.md:11:11: SL003 no file /images/gone.jpg in the site",
        "_posts/2016-9-1-src.md:13:5: SL003 no file /ml/2016/09/images/img5/net.png in the site;"
        " the one file of that name is /images/img5/net.png",
        "_posts/2016-9-1-src.md:15:7: SL003 no file /files/a.pdf in the site",
    ]
    _run(tmp_path, "--fix", "--unsafe-fixes", ".")
    _, lines = _run(tmp_path, ".")
    assert [ln.split(" SL003 ")[1] for ln in lines] == [
        "no file /images/gone.jpg in the site",
        "no file /files/a.pdf in the site",
    ]


def test_sl004_post_url_and_link_tags_jekyll_would_fail_on(tmp_path: Path) -> None:
    body = (
        "{% post_url 2016-08-02-target %} {% post_url 2016-08-03-target %} {% post_url 2999-01-01-later %}\n"
        "{% link images/a.png %} {% link /images/a.png %} {% link images/nope.png %}"
        " {% link _posts/2016-08-02-target.md %}\n\n"
        "```\n{% post_url 2016-08-02-nope %}\n```\n\n{% raw %}{% post_url 2016-08-02-nope %}{% endraw %}\n"
    )
    posts = {"2016-08-02-target.md": TARGET, "2999-01-01-later.md": _post("x"), "2016-9-1-src.md": _post(body)}
    _site(tmp_path, posts, ("images/a.png",))
    _, lines = _run(tmp_path, "_posts/2016-9-1-src.md")
    assert lines == [
        "_posts/2016-9-1-src.md:7:46: SL004 post_url fails the build: no post 2016-08-03-target;"
        " did you mean 2016-08-02-target?",
        "_posts/2016-9-1-src.md:7:79: SL004 post_url fails the build: post _posts/2999-01-01-later.md"
        " is not published" + lines[1].split("is not published", 1)[1],
        "_posts/2016-9-1-src.md:8:58: SL004 link fails the build: no page, post or file images/nope.png",
        "_posts/2016-9-1-src.md:11:13: SL004 post_url fails the build: no post 2016-08-02-nope",
    ]
    _run(tmp_path, "--fix", "--unsafe-fixes", "_posts/2016-9-1-src.md")
    assert "{% post_url 2016-08-02-target %} {% post_url 2016-08-02-target %}" in (
        tmp_path / "_posts" / "2016-9-1-src.md"
    ).read_text(encoding="utf-8")


def test_sl005_posts_jekyll_skips_with_the_reason(tmp_path: Path) -> None:
    posts = {
        "2016-9-1-ok.md": _post("x"),
        "2016-9-1 spaced.md": _post("x"),
        "2016-9-2-hidden.md": _post("x", extra="published: false\n"),
        "2016-9-3-moved.md": _post("x", extra="date: 2999-01-01\n"),
    }
    _site(tmp_path, posts)
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "idea.md").write_text(_post("x"), encoding="utf-8")
    _, lines = _run(tmp_path, ".")
    assert (
        lines[0]
        == "_posts/2016-9-1 spaced.md:1:1: SL005 post will not be published: file name is not YYYY-MM-DD-title.ext"
    )
    assert lines[1] == "_posts/2016-9-2-hidden.md:1:1: SL005 post will not be published: published: false"
    assert lines[2].startswith("_posts/2016-9-3-moved.md:1:1: SL005 post will not be published: dated 2999-01-01")
    assert len(lines) == 3


# -- incremental: the site rules run every run on facts, so a change elsewhere re-checks this post --------
def _warm(root: Path) -> None:
    time.sleep(sitestate.racy_ns() / 1e9 + 0.1)  # past the window in which a stat identity is not trusted


def test_renaming_editing_a_heading_or_deleting_an_image_rechecks_the_linking_post(tmp_path: Path) -> None:
    body = "[a](/ml/2016/08/02/target.html#深度学习)\n\n![](/images/a.png)"
    _site(tmp_path, {"2016-08-02-target.md": TARGET, "2016-9-1-src.md": _post(body)}, ("images/a.png",))
    src = "_posts/2016-9-1-src.md"
    assert _run(tmp_path, src) == (0, [])
    _warm(tmp_path)
    assert _run(tmp_path, src) == (0, [])  # warm: the linking post answered from the cache
    target = tmp_path / "_posts" / "2016-08-02-target.md"
    target.write_text(TARGET.replace("## 深度学习", "## 机器学习"), encoding="utf-8")
    assert _run(tmp_path, src)[1] == [f"{src}:7:5: SL002 no anchor #深度学习 in _posts/2016-08-02-target.md"]
    target.rename(tmp_path / "_posts" / "2016-08-03-target.md")
    assert _run(tmp_path, src)[1] == [
        f"{src}:7:5: SL001 link to /ml/2016/08/02/target.html: no such page;"
        " post _posts/2016-08-03-target.md is at /ml/2016/08/03/target.html"
    ]
    (tmp_path / "images" / "a.png").unlink()
    assert _run(tmp_path, src)[1][1] == f"{src}:9:5: SL003 no file /images/a.png in the site"


def test_warm_run_reads_no_unchanged_post(tmp_path: Path) -> None:
    posts = {f"2016-9-{i}-p{i}.md": _post(f"[x](/ml/2016/09/0{i}/p{i}.html)") for i in range(1, 6)}
    _site(tmp_path, posts)
    assert _run(tmp_path, ".") == (0, [])
    _warm(tmp_path)
    from mdnorm.config import Config
    from mdnorm.project import cache_folder, code_digest
    from mdnorm.store import Store

    store = Store.open(cache_folder(str(tmp_path)), code_digest())
    assert store is not None
    try:
        index = linkindex.build(str(tmp_path), Config(root=str(tmp_path)), store)
        sm = index.site_map
        assert sm is not None and (index.parsed, index.reused) == (0, 5)
        assert sm.lookup("/ml/2016/09/03/p3.html").status == "ok"
    finally:
        store.close()
