"""The site model and the anchor ids against real ``jekyll build`` runs (the oracle).

Small sites are written to a temporary folder and built once per module, in
parallel.  Then every file the model says Jekyll writes must be in ``_site`` and
every file in ``_site`` must be predicted; every post, page and collection
document URL must equal the ``url`` Jekyll reports (a listing page prints them
with Liquid); every id the model predicts for a post must be in its HTML, and
the HTML must have no other id.  Run with ``-s`` to see the counts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from mdnorm.anchors import anchors, html_ids
from mdnorm.document import Document
from mdnorm.jekyll import Site, read_site

JEKYLL = shutil.which("jekyll")
pytestmark = pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed (apt-get install jekyll)")

LISTING = """---
layout: null
permalink: /listing.txt
---
{% for c in site.collections %}{% for d in c.docs %}{{ d.relative_path }}\t{{ d.url }}\t{{ d.url | relative_url }}
{% endfor %}{% endfor %}{% for p in site.pages %}{{ p.path }}\t{{ p.url }}\t{{ p.url | relative_url }}
{% endfor %}"""

LAYOUTS = {"_layouts/default.html": "{{ content }}\n", "_layouts/post.html": "{{ content }}\n", "listing.txt": LISTING}

ANCHOR_POST = """---
layout: post
title: 机器学习（二）
category: ML
---

* toc
{:toc}

# 相关系数

<a name="Pearson"/>

## Pearson相关系数（皮尔逊）

## Duplicate

## Duplicate

## Duplicate-1

### C++ & C#: what's new?

### `code_span` and *emphasis* and snake_case_name and _under_

### [A link](/x.html) and ![img](/images/a.jpg) here

## Custom id {#custom-id}

## IAL after heading
{: #ial-heading .no_toc}

{: #before-heading}
## IAL before heading

Setext heading
--------------

A paragraph with a span id: *emph*{: #span-id} and <span id="inline-span">x</span>.
{: #para-id}

<div id="block-div">
<a name="inside-div"></a>
</div>

A footnote reference[^note] and again[^note]. Code: `<a name="not-an-anchor">`.

[^note]: The note.

- # Heading in a list

> ## Heading in a quote

## 中文 标题 with 空格

## !!!

## !!!

## Ünïcödé — dash -- and --- more... « quotes » "double" 'single'

## Entity &amp; &#x4e2d;文 $$x_1$$

    ## not a heading (code)
"""

ANCHOR_POST_2 = r"""---
title: more headings
---

[ref]: http://example.com

# [Ref link][ref] and [undefined][nope] and [ref]

# Heading with <em>html</em> and <!-- comment --> end

# Tabs	and  double  spaces

# 2nd heading starting with a digit

# Under_score_ _emph_ __strong__ ___both___ x_y_z

# Emoji 🎉 and symbols ©®™ &copy; &eacute;t&eacute;

# Footnote in heading[^fn]

# A heading ending with hashes ##

# `` ` `` backtick code and ``a `b` c``

# <http://example.com/a_b> and <me@example.com>

# ~~gone~~ strike and \*escaped\* \_chars\_

Heading with IAL id and class
=============================
{: #setext-ial .cls}

Second setext
-------------

[^fn]: A note.
"""


def _post(front: str, body: str = "Text.\n") -> str:
    return f"---\n{front}\n---\n\n{body}"


SITES: dict[str, dict[str, str]] = {
    # the default "date" style, baseurl, categories every way, dates, excludes, statics
    "date": {
        "_config.yml": "baseurl: /blog\nexclude: [old]\ninclude: [_keep]\n"
        "defaults:\n  - scope: {path: es}\n    values: {categories: extra}\n"
        "  - scope: {path: '', type: posts}\n    values: {layout: post}\n",
        "_posts/2016-08-02-Machine_Learning_2.markdown": ANCHOR_POST,
        "_posts/2016-8-2-single-digit.md": _post("category: ML"),
        "_posts/2020-01-01-cats.md": _post("categories: [Foo Bar, baz]\ncategory: Red star"),
        "_posts/2020-01-02-cats-string.md": _post("categories: a b"),
        "_posts/2020-01-02-symbols.md": _post('category: "C# & F#"'),
        "_posts/2020-01-02-cjk-cat.md": _post("category: 中文 分类"),
        "es/_posts/2020-01-03-hola.md": _post("title: Hola"),
        "_posts/sub/2020-01-04-nested.md": _post("title: nested"),
        "_posts/2020-01-05-permalink.md": _post("category: x\npermalink: /custom/:categories/:title/"),
        "_posts/2020-01-05-noext.md": _post("permalink: /noext/:year/:title"),
        "_posts/2020-01-06-fmdate.md": _post("date: 2020-02-03 01:00:00 +0800"),
        "_posts/2020-01-06-fmdate2.md": _post("date: 2020-02-03 10:00:00 +0800"),
        "_posts/2020-01-06-fmdate3.md": _post("date: 2020-02-03"),
        "_posts/2020-01-06-slug.md": _post("slug: My Slug!"),
        "_posts/2099-01-01-future.md": _post("title: future"),
        "_posts/2020-01-07-unpub.md": _post("published: false"),
        "_posts/notapost.md": _post("title: no date"),
        "_posts/2020-01-08-中文标题.md": _post("category: 中文"),
        "_posts/2020-01-09-Hello World!.md": _post("title: spaces"),
        "_posts/2020-01-10-same.md": _post("title: one"),
        "_posts/2020-01-10-same.markdown": _post("title: two"),
        "_posts/2020-01-11-no-front-matter.md": "# No front matter\n",
        "_posts/2020-01-12-page.html": _post("title: html post", "<p>x</p>\n"),
        "_drafts/a-draft.md": _post("title: draft"),
        "about.md": _post("title: About\npermalink: /about-us/", "## About me\n\n## About me\n\n## 关于我\n"),
        "_posts/2020-01-13-more-headings.md": ANCHOR_POST_2,
        "index.html": _post("title: Home", "<p>home</p>\n"),
        "sub/page.html": _post("title: Sub", "<p>sub</p>\n"),
        "sub/index.md": _post("title: Sub index"),
        "feed.xml": _post("layout: null", "<feed/>\n"),
        "hidden.md": _post("published: false"),
        "文档/说明 页.md": _post("title: CJK page"),
        "images/a.jpg": "",
        "images/中文 图.png": "",
        "images/x y.gif": "",
        ".htaccess": "deny\n",
        "robots.txt": "User-agent: *\n",
        "Gemfile": "",
        "node_modules/lib.js": "",
        "_private/secret.txt": "",
        "_keep/kept.txt": "",
        "#temp.md": "",
        "backup.md~": "",
        "old/x.txt": "",
        "olden.txt": "",
    },
    # pretty URLs, collections (output on and off, a custom permalink, a static file)
    "pretty": {
        "_config.yml": "permalink: pretty\ncollections:\n  recipes: {output: true, permalink: '/r/:path/'}\n"
        "  cards: {output: true}\n  notes: {output: false}\n",
        "_posts/2020-03-04-pretty-post.md": _post("category: Cat One"),
        "_posts/2020-03-05-two.md": _post("categories: [a, b]"),
        "_recipes/cake.md": _post("title: Cake"),
        "_recipes/sub/pie.md": _post("title: Pie"),
        "_recipes/photo.png": "",
        "_cards/ace.md": _post("title: Ace"),
        "_notes/secret.md": _post("title: Note"),
        "about.md": _post("title: About"),
        "contact.html": _post("title: Contact", "<p>c</p>\n"),
        ".htaccess": "deny\n",
    },
    # a custom template with most placeholders; drafts, future posts, a time zone, an id prefix
    "custom": {
        "_config.yml": "permalink: /:categories/:year/:i_month/:i_day/:short_year/:hour-:minute-:second/"
        ":y_day/:slug/:title:output_ext\nshow_drafts: true\nfuture: true\ntimezone: Asia/Shanghai\n"
        "kramdown:\n  auto_id_prefix: h-\n",
        "_posts/2020-01-06-tz1.md": _post("date: 2020-02-03 01:00:00 +0000"),
        "_posts/2020-01-06-tz2.md": _post("date: 2020-02-03 20:00:00 +0000"),
        "_posts/2020-01-06-tz3.md": _post("date: 2020-02-03 20:00:00"),
        "_posts/2020-01-06-tz4.md": _post("date: 2020-02-03 20:00"),
        "_posts/2099-12-31-Future Post.md": _post("category: Later", "## Same\n\n## Same\n"),
        "_drafts/My Draft.md": _post("category: D", "# Draft heading\n"),
        "_drafts/dated.md": _post("date: 2021-05-06 07:08:09 +0800"),
        "_posts/2020-01-07-prefixed.md": ANCHOR_POST,
        "_posts/2020-01-08-prefixed-2.md": ANCHOR_POST_2,
    },
    "ordinal": {
        "_config.yml": "permalink: ordinal\n",
        "_posts/2019-03-10-中文 标题.md": _post("categories: [Alpha, 中文]"),
        "_posts/2021-12-31-year-end.md": _post('category: "Q4 & more"'),
        "_posts/2020-12-31-last-day.md": _post("category: Y"),
        "_posts/2020-02-29-leap.md": _post("title: leap"),
        "about.md": _post("title: About"),
    },
    "weekdate": {
        "_config.yml": "permalink: weekdate\n",
        "_posts/2019-03-10-中文 标题.md": _post("categories: [Alpha, 中文]"),
        "_posts/2021-12-31-year-end.md": _post('category: "Q4 & more"'),
        "_posts/2021-01-01-iso-week.md": _post("category: W"),
        "_posts/2020-06-15-monday.md": _post("title: mon"),
        "about.md": _post("title: About"),
    },
    "none": {
        "_config.yml": "permalink: none\n",
        "_posts/2019-03-10-中文 标题.md": _post("categories: [Alpha, 中文]"),
        "_posts/2021-12-31-year-end.md": _post('category: "Q4 & more"'),
        "_posts/2020-06-15-plain.md": _post("category: N"),
        "about.md": _post("title: About"),
    },
}

#: Totals over the module, printed by the last test (pytest -s).
COUNTS: Counter[str] = Counter()


class Built:
    def __init__(self, src: Path, dest: Path, now: datetime) -> None:
        self.src, self.dest, self.now = src, dest, now

    def site(self) -> Site:
        return read_site(str(self.src), now=self.now)

    def written(self) -> set[str]:
        out = set()
        for folder, _, names in os.walk(self.dest):
            for name in names:
                out.add(os.path.relpath(os.path.join(folder, name), self.dest).replace(os.sep, "/"))
        return out

    def listing(self) -> dict[str, tuple[str, str]]:
        rows = (self.dest / "listing.txt").read_text("utf-8").splitlines()
        return {path: (url, href) for path, url, href in (r.split("\t") for r in rows if r.strip())}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    root = tmp_path_factory.mktemp("sites")
    now = datetime.now().astimezone()
    procs = {}
    out: dict[str, Built] = {}
    for name, files in SITES.items():
        src, dest = root / name, root / f"{name}_site"
        for rel, text in {**LAYOUTS, **files}.items():
            path = src / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
        cmd = [str(JEKYLL), "build", "-s", str(src), "-d", str(dest), "--disable-disk-cache", "--quiet"]
        procs[name] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out[name] = Built(src, dest, now)
    for name, proc in procs.items():
        try:
            log, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"jekyll build of {name!r} timed out")
        assert proc.returncode == 0, f"jekyll build of {name!r} failed:\n{log}"
    return out


@pytest.mark.parametrize("name", list(SITES))
def test_written_files_are_predicted(built: dict[str, Built], name: str) -> None:
    b = built[name]
    site = b.site()
    predicted = {f.output for f in site.written() if f.output is not None}
    actual = b.written()
    assert sorted(predicted - actual) == [], "predicted but not written"
    assert sorted(actual - predicted) == [], "written but not predicted"
    COUNTS["sites"] += 1
    COUNTS["output files compared"] += len(actual)
    COUNTS["posts compared"] += sum(1 for f in site.written() if f.kind in ("post", "draft"))
    COUNTS["static files compared"] += sum(1 for f in site.written() if f.kind == "static")


@pytest.mark.parametrize("name", list(SITES))
def test_urls_equal_jekylls(built: dict[str, Built], name: str) -> None:
    b = built[name]
    site = b.site()
    listing = b.listing()
    files = {f.path: f for f in site.files}
    baseurl = site.config.baseurl.rstrip("/")
    # the listing has every document Jekyll read, written or not (an output: false collection)
    predicted = {path: (files[path].url, baseurl + str(files[path].url)) for path in listing if path in files}
    assert predicted == listing
    assert {f.path for f in site.written() if f.kind != "static"} <= set(listing)
    COUNTS["URLs compared (posts, pages, documents)"] += len(listing)


def test_publish_status_and_reasons(built: dict[str, Built]) -> None:
    files = {f.path: f for f in built["date"].site().files}
    assert files["_posts/2099-01-01-future.md"].status == "future"
    assert files["_posts/2020-01-07-unpub.md"].status == "unpublished"
    assert files["_drafts/a-draft.md"].status == "draft"
    assert files["_posts/notapost.md"].status == "ignored"
    assert "YYYY-MM-DD" in files["_posts/notapost.md"].reason
    assert files["hidden.md"].status == "unpublished"
    assert set(built["date"].site().conflicts()) == {"2020/01/10/same.html"}
    custom = {f.path: f for f in built["custom"].site().files}
    assert custom["_drafts/My Draft.md"].status == "published"  # show_drafts: true
    assert custom["_posts/2099-12-31-Future Post.md"].status == "published"  # future: true


@pytest.mark.parametrize("name", list(SITES))
def test_anchor_ids_equal_the_html(built: dict[str, Built], name: str) -> None:
    b = built[name]
    site = b.site()
    for f in site.written():
        if f.kind == "static" or not f.path.endswith((".md", ".markdown")) or f.output is None:
            continue
        doc = Document.from_bytes(f.path, (b.src / f.path).read_bytes())
        predicted = Counter(a.id for a in anchors(doc, site.config.kramdown))
        html = (b.dest / f.output).read_text("utf-8")
        actual = Counter(i for i, _ in html_ids(html))
        assert predicted == actual, f.path
        COUNTS["anchor ids compared"] += sum(actual.values())
        COUNTS["pages/posts with ids compared"] += 1


def test_zz_report_counts(built: dict[str, Built]) -> None:
    """Print what the oracle compared (visible with ``pytest -s``)."""
    print("\njekyll oracle:", ", ".join(f"{k}: {v}" for k, v in sorted(COUNTS.items())))
    if COUNTS["sites"] == len(SITES):  # the whole module ran
        assert COUNTS["anchor ids compared"] >= 120
        assert COUNTS["URLs compared (posts, pages, documents)"] >= 60
        assert COUNTS["output files compared"] >= 60
