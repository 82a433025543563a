"""LE001, LE002 (link entries), DL001 (duplicates) and HT001 (insecure links)."""

from __future__ import annotations

import pytest

from mdnorm.document import Document

from ._helpers import context, fix, lint, messages

U = "https://example.com/paper"
U2 = "https://example.org/other"
ENTRY = f"{U}\n\nA title\n"


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # LE001: the URL line whose next block is not a title
        pytest.param(f"{U}\n\n## Next\n", [(1, 1, "LE001")], id="heading"),
        pytest.param(f"{U}\n\n{U2}\n\nTitle\n", [(1, 1, "LE001")], id="another-url-line"),
        pytest.param(f"{U}\n{U2}\n\nTitle\n", [(1, 1, "LE001")], id="glued-url-lines"),
        pytest.param(f"![](x.png)\n\n{U}\n", [(3, 1, "LE001")], id="end-of-file"),
        pytest.param(f"{U}\n\n- item\n", [(1, 1, "LE001")], id="list"),
        pytest.param(f"{U}\n\n```\ncode\n```\n", [(1, 1, "LE001")], id="code"),
        pytest.param(f"{U}\n\n---\n\ntext\n", [(1, 1, "LE001")], id="rule"),
        pytest.param(f"{U}\n\n> quote\n", [(1, 1, "LE001")], id="quote"),
        pytest.param(f"{U}\n\n$$\nx\n$$\n", [(1, 1, "LE001")], id="math-block"),
        pytest.param(f"{U}\n\nTitle | with a pipe\n", [(1, 1, "LE001")], id="kramdown-table"),
        pytest.param(f"   {U}\n\n## H\n", [(1, 4, "LE001")], id="indented-url-column"),
        # LE002: the title glued to the URL line, or more than one blank line away
        pytest.param(f"{U}\nTitle\n", [(1, 1, "LE002")], id="glued"),
        # extra blank lines between a URL and its title are WS003's (one problem, one diagnostic)
        pytest.param(f"{U}\n\n\nTitle\n", [], id="two-blank-lines"),
        pytest.param(f"{U}\n\n\n\nTitle\n", [], id="three-blank-lines"),
        pytest.param(f"参见：\n{U}\nTitle\n", [(2, 1, "LE002")], id="url-mid-paragraph"),
        pytest.param(f"{U}\n{U2}\nTitle\n", [(1, 1, "LE001"), (2, 1, "LE002")], id="url-url-title"),
    ],
)
def test_link_entries(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "LE") == expected


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        pytest.param(f"{ENTRY}\n{ENTRY}", [(5, 1, "DL001")], id="same"),
        pytest.param(f"{ENTRY}\n{ENTRY}\n{ENTRY}", [(5, 1, "DL001"), (9, 1, "DL001")], id="three-times"),
        pytest.param(f"{ENTRY}\n{U.replace('https', 'http')}\n\nB\n", [(5, 1, "DL001")], id="http-https"),
        pytest.param(f"{ENTRY}\nhttps://EXAMPLE.com/paper/\n\nB\n", [(5, 1, "DL001")], id="host-case-slash"),
        pytest.param(f"{ENTRY}\nhttps://example.com:443/paper\n\nB\n", [(5, 1, "DL001")], id="default-port"),
        pytest.param(f"{ENTRY}\n{U}?utm_source=x&utm_medium=y\n\nB\n", [(5, 1, "DL001")], id="utm"),
        pytest.param(
            "https://e.com/a?x=1&y\n\nA\n\nhttps://e.com/a?x=1&y&utm_source=z\n\nB\n",
            [(5, 1, "DL001")],
            id="utm-other-kept",
        ),
    ],
)
def test_duplicates(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "DL001") == expected


def test_dl001_names_the_first_line() -> None:
    assert messages(f"{ENTRY}\n{ENTRY}", "DL001") == ["duplicate link: same URL as line 1"]


@pytest.mark.parametrize(
    "post",
    [
        pytest.param(f"{ENTRY}\nhttps://example.com/Paper\n\nB\n", id="path-case"),
        pytest.param(f"{ENTRY}\nhttps://example.com:8080/paper\n\nB\n", id="other-port"),
        pytest.param(f"{ENTRY}\n{U}#part\n\nB\n", id="fragment"),
        pytest.param(f"{ENTRY}\n{U}?page=2\n\nB\n", id="query"),
        pytest.param(f"{ENTRY}\nSee {U} again.\n", id="prose-mention"),
        pytest.param(f"{ENTRY}\n```\n{U}\n```\n", id="in-code"),
    ],
)
def test_not_duplicates(post: str) -> None:
    assert lint(post, "DL001") == []


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        pytest.param("http://mp.weixin.qq.com/s/x\n\nT\n", [(1, 1, "HT001")], id="url-line"),
        pytest.param("see [a](http://example.com/a) and <http://example.org/>\n", [(1, 9, "HT001"), (1, 36, "HT001")]),
        pytest.param("[ref]: http://example.com/r\n", [(1, 8, "HT001")], id="ref-def"),
        pytest.param("参见http://example.com中文说明\n", [(1, 3, "HT001")], id="cjk-around"),
        pytest.param("- item http://example.com\n", [(1, 8, "HT001")], id="in-list"),
    ],
)
def test_insecure(post: str, expected: list[tuple[int, int, str]]) -> None:
    assert lint(post, "HT") == expected


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("[http://a.org/x](http://a.org/x)", ["http://a.org/x", "http://a.org/x"]),
        ("(see http://x.org/a_(b))", ["http://x.org/a_(b)"]),
        ("(http://x.org/a)", ["http://x.org/a"]),
        ("http://x.org/wiki/Foo_(bar)_baz).", ["http://x.org/wiki/Foo_(bar)_baz"]),
        (
            "end http://x.org/a. And http://x.org, or http://x.org/?q=1&b=2:",
            ["http://x.org/a", "http://x.org", "http://x.org/?q=1&b=2"],
        ),
        ("http://[::1]:8080/a", ["http://[::1]:8080/a"]),
    ],
)
def test_prose_urls_end_as_gfm_autolinks_end(text: str, urls: list[str]) -> None:
    assert [u for _, _, u in Document("p.md", text + "\n").text_urls()] == urls


def test_ht001_host_stops_before_cjk() -> None:
    assert messages("参见http://example.com中文说明\n", "HT001")[0].startswith(
        "insecure link to example.com: use https://"
    )


NOOP = [
    pytest.param(ENTRY, id="entry"),
    pytest.param(f"{ENTRY}\n{U2}\n\nAnother title\n\n# H\n", id="two-entries"),
    pytest.param(f"{U}\n{{: .link}}\n\nTitle\n", id="ial-under-url"),
    pytest.param("https://speech.ee.ntu.edu.tw/~hylee/ml/DDPM%20(v7)\n\nDDPM\n", id="final-paren-kept"),
    pytest.param("https://en.wikipedia.org/wiki/Maxwell–Boltzmann_statistics\n\nM-B\n", id="non-ascii-url"),
    pytest.param(f"```\n{U}\n\n## x\nhttp://example.com\n```\n", id="fenced-code"),
    pytest.param(f"    {U}\n\n## H\n", id="indented-code"),
    pytest.param(f"{{% highlight text %}}\n{U}\nhttp://e.com\n{{% endhighlight %}}\n", id="liquid"),
    pytest.param("$$\nhttp://e.com\n$$\n\nx $$http://e.com$$ y\n", id="math"),
    pytest.param(f"- {U}\n- {U2}\n\n## H\n", id="urls-in-list-are-not-entries"),
    pytest.param(f"> {U}\n\n## H\n", id="url-in-quote"),
    pytest.param(f"<div>\n\n{U}\n\nhttp://e.com\n\n</div>\n", id="html-block-across-blank-lines"),
    pytest.param(f"{{::comment}}\n{U}\n\nhttp://e.com\n{{:/comment}}\n", id="kramdown-comment"),
    pytest.param("text `http://e.com` and ``http://e.org``\n", id="code-spans"),
    pytest.param("| a | http://e.com/ |\n|---|---|\n| b | c |\n".replace("http:", "https:"), id="table"),
    pytest.param(f"{U} and more text\n\n## H\n", id="url-with-text-is-not-a-url-line"),
    pytest.param("a <code>http://github.com/</code> <kbd>http://e.com</kbd> b\n", id="inline-code-and-kbd-elements"),
    pytest.param("a {% raw %}http://github.com/y{% endraw %} b\n", id="inline-liquid-raw"),
]


@pytest.mark.parametrize("post", NOOP)
def test_noop(post: str) -> None:
    assert lint(post, "LE", "DL001", "HT") == []
    assert fix(post, "LE", "DL001", "HT", unsafe=True) == post


def test_front_matter_url_is_not_checked() -> None:
    post = "---\nlayout: post\ntitle: T\ncategory: C\nsource: http://example.com\n---\n\n" + ENTRY
    assert lint(post, "LE", "DL001", "HT") == []


def test_http_only_hosts_are_not_reported() -> None:
    ctx = context(http_only_hosts=("example.com",))
    assert lint("http://example.com/a\n\nT\n", "HT", ctx=ctx) == []


def test_url_text_is_the_source_text() -> None:
    doc = Document("p.md", "https://example.com/a_(b)\n\nT\n\nhttps://example.com/%E4%B8%AD\n\nT2\n")
    assert [u.url for u in doc.url_lines] == ["https://example.com/a_(b)", "https://example.com/%E4%B8%AD"]


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param(f"{U}\nTitle\n", f"{U}\n\nTitle\n", id="glued"),
        pytest.param(f"{U}\r\nTitle\r\n", f"{U}\r\n\r\nTitle\r\n", id="crlf"),
        pytest.param(f"参见：\n{U}\nTitle\n", f"参见：\n{U}\n\nTitle\n", id="mid-paragraph"),
    ],
)
def test_le002_safe_fix(post: str, fixed: str) -> None:
    assert fix(post, "LE002") == fixed
    assert lint(fixed, "LE") == []


@pytest.mark.parametrize(
    ("post", "safe", "unsafe"),
    [
        pytest.param(
            "http://mp.weixin.qq.com/s/x\n\nT\n",
            "https://mp.weixin.qq.com/s/x\n\nT\n",
            "https://mp.weixin.qq.com/s/x\n\nT\n",
            id="known-host-safe",
        ),
        pytest.param(
            "http://unknown.example.net/x\n\nT\n",
            "http://unknown.example.net/x\n\nT\n",
            "https://unknown.example.net/x\n\nT\n",
            id="unsafe",
        ),
        pytest.param(
            "[a](HTTP://github.com/x)\n", "[a](https://github.com/x)\n", "[a](https://github.com/x)\n", id="upper"
        ),
        # the URL ends at "]": link text and target are two URLs, both upgraded
        pytest.param(
            "[http://github.com/x](http://github.com/x)\n",
            "[https://github.com/x](https://github.com/x)\n",
            "[https://github.com/x](https://github.com/x)\n",
            id="url-as-link-text",
        ),
        pytest.param(
            "[http://github.com](http://github.com)\n",
            "[https://github.com](https://github.com)\n",
            "[https://github.com](https://github.com)\n",
            id="bare-host-as-link-text",
        ),
        # an explicit port: https there is a guess
        pytest.param(
            "Mirror: http://github.com:8080/x\n",
            "Mirror: http://github.com:8080/x\n",
            "Mirror: https://github.com:8080/x\n",
            id="explicit-port-is-unsafe",
        ),
        pytest.param(
            "x <code>http://github.com/</code> {% raw %}http://github.com/y{% endraw %} http://github.com/z\n",
            "x <code>http://github.com/</code> {% raw %}http://github.com/y{% endraw %} https://github.com/z\n",
            "x <code>http://github.com/</code> {% raw %}http://github.com/y{% endraw %} https://github.com/z\n",
            id="not-in-inline-code-or-raw",
        ),
        # in a heading the fix changes kramdown's id of the heading, which links may use
        pytest.param(
            "# See http://blog.csdn.net/x\n\ntext http://blog.csdn.net/y\n",
            "# See http://blog.csdn.net/x\n\ntext https://blog.csdn.net/y\n",
            "# See https://blog.csdn.net/x\n\ntext https://blog.csdn.net/y\n",
            id="heading-is-unsafe",
        ),
    ],
)
def test_ht001_fix(post: str, safe: str, unsafe: str) -> None:
    assert fix(post, "HT001") == safe
    assert fix(post, "HT001", unsafe=True) == unsafe


def test_ht001_known_hosts_from_config() -> None:
    ctx = context(https_known_hosts=("unknown.example.net",))
    assert fix("http://unknown.example.net/x\n\nT\n", "HT001", ctx=ctx) == "https://unknown.example.net/x\n\nT\n"


@pytest.mark.parametrize(
    ("post", "fixed"),
    [
        pytest.param(f"{ENTRY}\n{ENTRY}", ENTRY, id="at-end"),
        pytest.param(f"{ENTRY}\n{ENTRY}\n## H\n", f"{ENTRY}\n## H\n", id="before-heading"),
        pytest.param(f"{ENTRY}\n{U2}\n\nB\n\n{ENTRY}\n{U2}\n\nB\n", f"{ENTRY}\n{U2}\n\nB\n", id="two"),
        pytest.param(f"{ENTRY}\n{U.replace('https', 'http')}/\n\nA title\n", ENTRY, id="normalised-same-title"),
    ],
)
def test_dl001_unsafe_fix(post: str, fixed: str) -> None:
    assert fix(post, "DL001") == post  # no safe fix
    assert fix(post, "DL001", unsafe=True) == fixed


def test_dl001_no_fix_when_titles_differ() -> None:
    post = f"{ENTRY}\n{U}\n\nAnother title\n"
    assert lint(post, "DL001") == [(5, 1, "DL001")]
    assert fix(post, "DL001", unsafe=True) == post


def test_le001_has_no_fix() -> None:
    post = f"{U}\n\n## Next\n"
    assert fix(post, "LE001", unsafe=True) == post
