"""Issue 12, precision: the repro posts d3-d9 and the cases a blog owner judged.

Each ``d*`` post is built here (never read from outside the project) with the
diagnostics a careful owner expects; then the parts of the fix that are new:
label-captioned link entries, local links (HT001 silent, HT002), and the front
matter rules scoped to what Jekyll treats as documents, over ``defaults:``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mdnorm
from mdnorm.config import Config
from mdnorm.jekyll.scope import Page
from mdnorm.rules import Context

from ._helpers import FM, context, fix, lint, messages

A, B, C, D = (f"https://example.com/{x}" for x in "abcd")


# -- the repro posts --------------------------------------------------------------------------
REPRO = [
    pytest.param(FM + "text\n\n```\ncode\n```\n\n\n", [(13, 1, "WS002")], id="d3-eof-after-fence"),
    pytest.param(FM + "text\n\n{% highlight c %}\ncode\n{% endhighlight %}\n\n", [(12, 1, "WS002")], id="d3-liquid"),
    pytest.param(FM + f"代码：\n\n{C}\n\n\n下一个代码：\n\n{D}\n\nTitle D\n", [(11, 1, "WS003")], id="d4-le002-label"),
    pytest.param(FM + f"{A}\n\nTitle A\n{B}\n\nTitle B\n", [(10, 1, "LE002")], id="d5-glued-above"),
    pytest.param(
        FM + f"官网：\n\n{A}\n\n## Next\n\n官网：\n\n{B}\n\n下一个代码：\n\n{C}\n\n![](/images/x.png)\n",
        [],
        id="d6-le001-label",
    ),
    pytest.param(FM + "访问：\n\nhttp://localhost:8983/solr/\n\nSolr Admin UI\n", [], id="d7-localhost"),
    pytest.param(FM + f"{A}\n\n{{% highlight c %}}\ncode\n{{% endhighlight %}}\n", [(7, 1, "LE001")], id="d8-liquid"),
    pytest.param(FM + "* toc\n{:toc}\n\n#RIL Overview#\n\ntext\n\n## x\n", [(10, 1, "HD002")], id="d9-closed-atx"),
]


@pytest.mark.parametrize(("post", "expected"), REPRO)
def test_repro_posts(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "") == expected


def test_d5_message_and_fix() -> None:
    post = FM + f"{A}\n\nTitle A\n{B}\n\nTitle B\n"
    assert messages(post, "LE002") == [
        "URL line is glued to the line above (kramdown shows 'Title A https://…' as one line)"
    ]
    assert fix(post, "LE002") == FM + f"{A}\n\nTitle A\n\n{B}\n\nTitle B\n"


def test_d8_names_the_liquid_block_once() -> None:
    post = FM + f"{A}\n\n{{% highlight c %}}\ncode\n{{% endhighlight %}}\n"
    assert messages(post, "LE001") == ["URL line has no title: it is followed by a Liquid block ({% ... %})"]


def test_d9_fix_leaves_no_stray_hash() -> None:
    post = FM + "#RIL Overview#\n\ntext\n"
    assert fix(post, "HD002", unsafe=True) == FM + "# RIL Overview #\n\ntext\n"
    assert fix(FM + "#C\n", "HD002", unsafe=True) == FM + "# C\n"


def test_d3_open_code_keeps_its_blank_lines() -> None:
    assert lint(FM + "text\n\n{% highlight c %}\ncode\n\n\n", "WS002") == []


def test_le002_and_ws003_do_not_both_report_one_blank_line() -> None:
    post = f"{A}\n\n\nTitle\n"
    assert lint(post, "LE", "WS") == [(3, 1, "WS003")]


# -- labels -----------------------------------------------------------------------------------
LABELLED = [
    pytest.param(f"代码：\n\n{A}\n\n## H\n", id="label-then-heading"),
    pytest.param(f"Github:\n\n{A}\n\n{B}\n\n## H\n", id="label-over-a-run"),
    pytest.param(f"代码：\n{A}\n\n## H\n", id="label-glued-above"),
    pytest.param(f"代码：\n{A}\n{B}\n\n## H\n", id="label-over-glued-urls"),
    pytest.param(f"官网：\n\n{A}\n", id="label-at-end-of-file"),
    pytest.param(f"代码：\n\n{A}\n\nTitle A\n", id="label-and-title"),
]


@pytest.mark.parametrize("post", LABELLED)
def test_label_captions_the_urls_after_it(post: str) -> None:
    assert lint(post, "LE") == []


def test_a_label_belongs_to_the_next_url() -> None:
    post = f"{A}\n\n下一个代码：\n\n{B}\n"
    assert lint(post, "LE") == [(1, 1, "LE001")]
    assert messages(post, "LE001")[0].endswith(
        "followed by a label (a line ending in a colon captions the link after it)"
    )


def test_a_titled_entry_ends_the_run() -> None:
    assert lint(f"## Links\n\n{A}\n\nTitle A\n\n{B}\n\n## H\n", "LE") == [(7, 1, "LE001")]
    assert lint(f"{A}\n\nTitle A\n\n{B}\n\n## H\n", "LE") == [(5, 1, "LE001")]


@pytest.mark.parametrize(
    "post",
    [
        pytest.param(f"### OpenNLP\n\n{A}\n\n### FudanNLP\n", id="heading-lead"),
        pytest.param(f"Cacti是一套网络流量监测工具。\n\n{A}\n\n## Nagios\n", id="paragraph-lead"),
        pytest.param(f"# 教程\n\n中文版教程\n\n{A}\n\n英文版教程\n\n{B}\n\n# 编译\n", id="caption-first-chain"),
        pytest.param(f"- tablegen语法：\n\n{A}\n\n---\n", id="label-in-a-list"),
        pytest.param(f"* install:\n\n`make`\n\n* download the code.\n\n{A}\n\n## H\n", id="step-in-a-list"),
        pytest.param(f"1. 下载源码\n2. 编译\n\n{A}\n\n{B}\n\n---\n", id="ordered-steps-over-a-run"),
        pytest.param(f"- [x] 安装 [工具](/tools/)\n\n{A}\n\n## H\n", id="task-item-with-a-link-and-words"),
    ],
)
def test_lead_captions(post: str) -> None:
    assert lint(post, "LE") == []
    assert lint(post, "LE", ctx=context(link_lead_captions=False)) != [] or "：" in post


def test_a_list_of_links_code_or_images_is_no_lead() -> None:
    for last_item in (
        "- [a](https://x.org/a)\n- <https://x.org/b>",
        f"- {C}",
        "- step\n\n  ```\n  make\n  ```",
        "- ![](/i.png)",
    ):
        assert lint(f"{last_item}\n\n{A}\n\n## H\n", "LE001") == [(last_item.count("\n") + 3, 1, "LE001")], last_item


def test_a_title_also_heads_a_group_of_untitled_urls_below_it() -> None:
    # URL, "APIDOC", then two URLs and nothing after: APIDOC titles the first and names the group
    assert lint(f"## H\n\n{A}\n\nAPIDOC\n\n{B}\n\n{C}\n", "LE") == []
    assert lint(f"## H\n\n{A}\n\nAPIDOC\n\n{B}\n{C}\n\n## I\n", "LE") == []
    # one URL below is an entry missing its title, not a group
    assert lint(f"## H\n\n{A}\n\nTitle A\n\n{B}\n\n## I\n", "LE") == [(7, 1, "LE001")]
    # the last URL below has a title: they are entries, the first of them lacks its own
    assert lint(f"## H\n\n{A}\n\nTitle A\n\n{B}\n\n{C}\n\nTitle C\n", "LE") == [(7, 1, "LE001")]
    assert lint(f"{A}\n\nAPIDOC\n\n{B}\n\n{C}\n", "LE", ctx=context(link_lead_captions=False)) != []


def test_a_self_describing_url_needs_no_title() -> None:
    wiki = "https://en.wikipedia.org/wiki/Dyson_sphere"
    assert lint(f"```\nx\n```\n\n{wiki}\n\n## H\n", "LE001") == []
    assert lint(f"```\nx\n```\n\n{wiki}\n\n{A}\n\n## H\n", "LE001") == [(7, 1, "LE001")]
    escaped = "https://zh.wikipedia.org/wiki/%E6%88%B4%E6%A3%AE%E7%90%83"  # shows no readable name
    assert lint(f"```\nx\n```\n\n{escaped}\n\n## H\n", "LE001") == [(5, 1, "LE001")]
    off = context(link_self_describing=())
    assert lint(f"```\nx\n```\n\n{wiki}\n\n## H\n", "LE001", ctx=off) == [(5, 1, "LE001")]
    ctx = context(link_self_describing=("docs.python.org/3/library/*",))
    assert lint("```\nx\n```\n\nhttps://docs.python.org/3/library/os.html\n\n## H\n", "LE001", ctx=ctx) == []


def test_url_after_a_rule_or_code_is_bare() -> None:
    assert lint(FM + f"---\n\n{A}\n\n## H\n", "LE") == [(9, 1, "LE001")]
    assert lint(f"```\nx\n```\n\n{A}\n\n## H\n", "LE") == [(5, 1, "LE001")]


def test_labels_can_be_turned_off() -> None:
    ctx = context(link_labels=False, link_lead_captions=False)
    assert lint(f"代码：\n\n{A}\n\n## H\n", "LE", ctx=ctx) == [(3, 1, "LE001")]
    assert lint(f"{A}\n\n下一个代码：\n\n{B}\n\nT\n", "LE", ctx=ctx) == []  # the old pairing


def test_labels_key_in_config(tmp_path: Path) -> None:
    from mdnorm import config as config_mod

    (tmp_path / ".mdnorm.toml").write_text('[link-entries]\nlabels = false\nself-describing = ["w.org/*"]\n')
    loaded = config_mod.load(cwd=str(tmp_path))
    assert loaded.link_labels is False and loaded.link_self_describing == ("w.org/*",)
    assert Config().link_labels is True


@pytest.mark.parametrize(
    "post",
    [
        pytest.param(f"Title A  \n{A}\n\nT\n", id="hard-break-spaces"),
        pytest.param(f"Title A<br>\n{A}\n\nT\n", id="hard-break-br"),
        pytest.param(f"Title A\\\\\n{A}\n\nT\n", id="hard-break-backslashes"),
    ],
)
def test_glued_above_a_line_break_is_fine(post: str) -> None:
    assert lint(post, "LE002") == []


# -- local links --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8983/solr/",
        "http://127.0.0.1:5000/",
        "http://192.168.1.10/admin",
        "http://10.0.0.2/",
        "http://172.16.0.1/",
        "http://[::1]:8080/",
        "http://printer.local/",
        "http://nas.internal/x",
        "http://0.0.0.0:8000/",
        # RFC 6761 special-use names: no reader can reach them, so https advice is noise
        "http://blog.test/2016/05/01/a.html",
        "http://TEST/",
        "http://www.example/",
        "http://site.invalid/x",
        "http://app.localhost:3000/",
        "http://router.lan/",
        "http://fileserver.home.arpa/",
        "http://wiki.intranet/",
    ],
)
def test_ht001_leaves_local_hosts_alone(url: str) -> None:
    post = f"{url}\n\nT\n"
    assert lint(post, "HT001") == []
    assert fix(post, "HT001", unsafe=True) == post


def test_ht001_still_reports_public_ip() -> None:
    assert lint("http://8.8.8.8/\n\nT\n", "HT001") == [(1, 1, "HT001")]


@pytest.mark.parametrize("host", ["contest.org", "example.net", "test.example.com", "local.com", "testing.io"])
def test_ht001_reports_public_names_that_only_look_reserved(host: str) -> None:
    assert lint(f"http://{host}/x\n\nT\n", "HT001") == [(1, 1, "HT001")]


def test_reserved_test_host_in_a_named_post_is_no_dev_server_link() -> None:
    # HT002 is about the site's own development server (loopback), not reserved names
    assert lint("http://blog.test:4000/2016/05/01/a.html\n\nT\n", "HT") == []


def test_ht001_says_why_the_fix_is_unsafe() -> None:
    (msg,) = messages("http://unknown.example.org/x\n\nT\n", "HT001")
    assert "https.known-hosts" in msg and "--online" in msg
    (known,) = messages("http://github.com/x\n\nT\n", "HT001")
    assert known == "insecure link to github.com: use https://"
    (port,) = messages("http://github.com:8080/x\n\nT\n", "HT001")
    assert "port 8080" in port


def test_ht002_dev_server_link() -> None:
    post = "见 http://localhost:4000/2016/05/01/notes.html\n\nhttp://localhost:8983/solr/\n\nT\n"
    assert lint(post, "HT") == [(1, 3, "HT002")]
    assert messages(post, "HT002") == [
        "link to the development server (localhost:4000): it only works on the author's machine; "
        "link '/2016/05/01/notes.html' relative to the site instead"
    ]


def test_ht002_not_in_a_readme(tmp_path: Path) -> None:
    site = _site(tmp_path, "port: 4000\n", {"README.md": "Open http://127.0.0.1:4000 in a browser.\n"})
    assert _codes(site / "README.md", "HT") == []


def test_ht002_uses_the_sites_port_and_skips_drafts() -> None:
    post = "http://127.0.0.1:4500/2016/05/01/notes.html\n\nT\n"
    assert lint(post, "HT", ctx=Context(Config(), page=Page("post", serve_port=4500))) == [(1, 1, "HT002")]
    assert lint(post, "HT", ctx=Context(Config(), page=Page("draft", serve_port=4500))) == []
    assert lint(post, "HT") == []  # port 4000 by default


# -- front matter on any Jekyll site -----------------------------------------------------------------
def _site(tmp_path: Path, config: str, files: dict[str, str]) -> Path:
    (tmp_path / "_config.yml").write_text(config)
    (tmp_path / "_layouts").mkdir()
    for name in ("default", "post", "page"):
        (tmp_path / "_layouts" / f"{name}.html").write_text("{{ content }}")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def _codes(path: Path, prefix: str = "FM") -> list[str]:
    diags = mdnorm.lint(path.read_text(), path=str(path), config=Config(root=str(path.parent)), site=False)
    return [d.code for d in diags if d.code.startswith(prefix)]


def test_front_matter_rules_skip_what_jekyll_does_not_render(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        "title: x\n",
        {
            "README.md": "# Read me\n",
            "CONTRIBUTING.md": "# How\n",
            ".github/ISSUE_TEMPLATE.md": "---\nname: bug\n---\n",
            "_includes/note.md": "note\n",
            "about.md": "---\nlayout: page\n---\n# About\n",
            "_posts/2020-01-01-a.md": "# No front matter\n",
            "_drafts/b.md": "---\nlayout: post\n---\n",
        },
    )
    assert _codes(site / "README.md") == []
    assert _codes(site / "CONTRIBUTING.md") == []
    assert _codes(site / ".github/ISSUE_TEMPLATE.md") == []
    assert _codes(site / "_includes/note.md") == []
    assert _codes(site / "about.md") == []  # a page: no title required
    assert _codes(site / "_posts/2020-01-01-a.md") == ["FM001"]
    assert _codes(site / "_drafts/b.md") == ["FM003"]  # title


def test_repository_files_outside_a_site(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Read me\n")
    (tmp_path / "post.md").write_text("# A post\n")
    assert _codes(tmp_path / "README.md") == []
    assert _codes(tmp_path / "post.md") == ["FM001"]


def test_defaults_apply_before_fm003_and_fm005(tmp_path: Path) -> None:
    config = (
        "defaults:\n"
        "  - scope: {path: '', type: posts}\n    values: {layout: post}\n"
        "  - scope: {path: '_posts/old'}\n    values: {layout: gone}\n"
    )
    site = _site(
        tmp_path,
        config,
        {
            "_posts/2020-01-01-a.md": "---\ntitle: A\n---\n",
            "_posts/old/2010-01-01-b.md": "---\ntitle: B\n---\n",
            "_posts/2020-01-02-c.md": "---\ntitle: C\nlayout: nope\n---\n",
        },
    )
    assert _codes(site / "_posts/2020-01-01-a.md") == []
    diags = mdnorm.lint(
        (site / "_posts/old/2010-01-01-b.md").read_text(), path=str(site / "_posts/old/2010-01-01-b.md")
    )
    assert [(d.line, d.code, d.message.split(" (")[0]) for d in diags if d.code.startswith("FM")] == [
        (1, "FM005", "unknown layout 'gone' from _config.yml defaults")
    ]
    assert _codes(site / "_posts/2020-01-02-c.md") == ["FM005"]


def test_github_pages_plugins_and_themes(tmp_path: Path) -> None:
    site = _site(tmp_path, "theme: minima\n", {"_posts/2020-01-01-a.md": "---\nlayout: home\n---\n# Heading\n"})
    (site / "Gemfile").write_text('gem "github-pages", group: :jekyll_plugins\n')
    # jekyll-titles-from-headings gives the title; a theme's layouts are not in _layouts/
    assert _codes(site / "_posts/2020-01-01-a.md") == []


def test_collections(tmp_path: Path) -> None:
    config = "collections:\n  docs:\n    output: true\n  authors:\n    output: false\n"
    files = {"_docs/x.md": "---\nlayout: page\n---\n", "_docs/z.md": "# Z\n", "_authors/y.md": "---\nname: Y\n---\n"}
    site = _site(tmp_path, config, files)
    assert _codes(site / "_docs/x.md") == []  # Jekyll titles a document from its file name
    assert _codes(site / "_docs/z.md") == ["FM001"]
    assert _codes(site / "_authors/y.md") == []


def test_this_blogs_conventions_through_its_config() -> None:
    blog = context(fm_required=("layout", "title", "category"), toc_min_headings=2)
    post = "---\nlayout: post\ntitle: T\n---\n\n# A\n\n## B\n"
    assert lint(post, "FM", "KD", ctx=blog) == [(1, 1, "FM003"), (1, 1, "KD001")]
    assert lint(post, "FM", "KD") == []
