"""Fast tests of the Jekyll site model (no Ruby); tests/test_jekyll_oracle.py proves it against jekyll."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mdnorm.jekyll import ConfigError, dates, load_config, read_site
from mdnorm.jekyll.config import add_permalink_suffix
from mdnorm.jekyll.urls import UrlError, escape_path, fill_from_drop, fill_from_hash, sanitize_url, slugify

UTC = timezone.utc
SHANGHAI = dates.zone("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "mode", "cased", "expected"),
    [
        # the examples of Jekyll's own docstring
        ("The _config.yml file", None, False, "the-config-yml-file"),
        ("The _config.yml file", "pretty", False, "the-_config.yml-file"),
        ("The _config.yml file", "pretty", True, "The-_config.yml-file"),
        ("The _config.yml file", "ascii", False, "the-config-yml-file"),
        ("Hello World!", "pretty", True, "Hello-World!"),
        ("中文 标题", None, False, "中文-标题"),
        ("C++ (x)", "pretty", True, "C++-(x)"),
        ("--a--", None, False, "a"),
        ("Ä_b", None, False, "ä-b"),
        ("a  b", "raw", False, "a-b"),
        ("Keep Case", "none", True, "Keep Case"),
    ],
)
def test_slugify(text: str, mode: str | None, cased: bool, expected: str) -> None:
    assert slugify(text, mode=mode, cased=cased) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # measured with Jekyll::URL.escape_path (Addressable 2.8)
        ("red star", "red%20star"),
        ("a:b", "a:b"),
        ("c++: x", "c++:%20x"),
        ("what?", "what?"),
        ("c#", "c%23"),
        ("100%", "100%25"),
        ("bombs & satellite", "bombs%20&%20satellite"),
        ("中文 分类", "%E4%B8%AD%E6%96%87%20%E5%88%86%E7%B1%BB"),
        ("a b#c#d", "a%20b%23c%23d"),
        ("x?y#z", "x?y%23z"),
        ("a[1]", "a%5B1%5D"),
        ("Machine_Learning_2", "Machine_Learning_2"),
    ],
)
def test_escape_path(value: str, expected: str) -> None:
    assert escape_path(value) == expected


def test_escape_path_refuses_what_addressable_refuses() -> None:
    with pytest.raises(UrlError):
        escape_path("a b:c")


def test_sanitize_url() -> None:
    assert sanitize_url("//a/../b/./c//") == "/a/b/c/"
    assert sanitize_url("x.html") == "/x.html"


def test_templates() -> None:
    values = {"year": "2016", "month": "08", "title": "中文", "categories": ""}
    filled = fill_from_drop("/:categories/:year_:month/:title.html", values)
    assert filled == "//2016_08/%E4%B8%AD%E6%96%87.html"  # sanitize_url squeezes the "//" later
    with pytest.raises(UrlError, match="nope"):
        fill_from_drop("/:nope/", values)
    assert fill_from_hash("/:path/:basename:output_ext", {"path": None, "basename": "a b", "output_ext": ".html"}) == (
        "/a%20b.html"
    )
    assert add_permalink_suffix("/:path/:basename", "pretty") == "/:path/:basename/"
    assert add_permalink_suffix("/:path/:basename", "/:year/:title") == "/:path/:basename"


def test_dates_follow_psych_and_time_parse() -> None:
    # a YAML timestamp with an offset moves to the site's zone
    assert dates.parse(datetime(2020, 2, 3, 20, tzinfo=UTC), SHANGHAI).day == 4
    # Psych reads a zoneless timestamp as UTC, a zoneless string as local time
    assert dates.parse(datetime(2020, 2, 3, 20), SHANGHAI).day == 4
    assert dates.parse("2020-02-03 20:00", SHANGHAI).day == 3
    assert dates.parse("2020-02-03 20:00:00 -0500", SHANGHAI) == datetime(2020, 2, 4, 9, tzinfo=SHANGHAI)
    assert dates.parse(date(2016, 8, 2), SHANGHAI).utcoffset() == timedelta(hours=8)
    assert dates.parse("2016-02-30", SHANGHAI).date() == date(2016, 3, 1)  # Time.local rolls over
    with pytest.raises(dates.DateError):
        dates.parse("2016-13-01", SHANGHAI)
    with pytest.raises(dates.DateError):
        dates.parse("next tuesday", SHANGHAI)


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
    return tmp_path


def test_config_defaults_and_overrides(tmp_path: Path) -> None:
    cfg = load_config(str(tmp_path))  # no file: Jekyll's defaults
    assert (cfg.permalink, cfg.posts_template, cfg.include) == (
        "date",
        "/:categories/:year/:month/:day/:title:output_ext",
        (".htaccess",),
    )
    assert "node_modules" in cfg.exclude
    _site(
        tmp_path, {"_config.yml": "permalink: pretty\ninclude: [_x]\nexclude: [old]\nkramdown:\n  auto_id_prefix: h-\n"}
    )
    cfg = load_config(str(tmp_path))
    assert cfg.posts_template == "/:categories/:year/:month/:day/:title/"
    assert cfg.include == ("_x",)  # a list replaces the default
    assert cfg.exclude[0] == "old" and "Gemfile" in cfg.exclude
    assert cfg.kramdown.auto_id_prefix == "h-"
    _site(tmp_path, {"_config.yml": "exclude: old\n"})
    with pytest.raises(ConfigError, match="array"):
        load_config(str(tmp_path))


def test_read_site_takes_a_page_s_front_matter_from_known(tmp_path: Path) -> None:
    """A page that the site index also lists (a dated name outside ``_posts``) is not read again."""
    root = _site(tmp_path, {"posts/2020-01-01-a.md": "---\npermalink: /on-disk/\n---\ntext\n"})
    asked: list[str] = []

    def known(rel: str) -> tuple[dict[str, object], str | None] | None:
        asked.append(rel)
        return ({"permalink": "/indexed/"}, None) if rel == "posts/2020-01-01-a.md" else None

    page = {f.path: f for f in read_site(str(root), known=known).files}["posts/2020-01-01-a.md"]
    assert (page.kind, page.url) == ("page", "/indexed/")
    assert asked == ["posts/2020-01-01-a.md"]
    unknown = {f.path: f for f in read_site(str(root)).files}["posts/2020-01-01-a.md"]
    assert unknown.url == "/on-disk/"  # without it, the file's own front matter


def test_read_site_urls_and_reasons(tmp_path: Path) -> None:
    post = "---\n{}\n---\ntext\n"
    root = _site(
        tmp_path,
        {
            "_config.yml": "baseurl: /blog\nexclude: [old]\n",
            "_posts/2016-08-02-Machine_Learning_2.markdown": post.format("category: ML"),
            "_posts/2020-01-01-Red.md": post.format("category: Red star"),
            "_posts/2020-01-02-x.md": post.format("categories: a b\ncategory: c"),
            "es/_posts/2020-01-03-hola.md": post.format("title: Hola"),
            "_posts/2020-01-04-moved.md": post.format("date: 2021-05-06 07:00:00 +0000"),
            "_posts/2030-01-05-future.md": post.format("title: f"),
            "_posts/2020-01-06-off.md": post.format("published: false"),
            "_posts/no-date.md": post.format("title: n"),
            "_posts/2020-01-07-same.md": post.format("title: 1"),
            "_posts/2020-01-07-same.markdown": post.format("title: 2"),
            "_drafts/d.md": post.format("title: d"),
            "old/_posts/2020-01-08-old.md": post.format("title: o"),
            "images/中文 图.png": "",
        },
    )
    site = read_site(str(root), now=datetime(2020, 1, 10, 12, tzinfo=UTC))
    by_path = {f.path: f for f in site.files}
    assert by_path["_posts/2016-08-02-Machine_Learning_2.markdown"].url == "/ml/2016/08/02/Machine_Learning_2.html"
    assert by_path["_posts/2020-01-01-Red.md"].url == "/red%20star/2020/01/01/Red.html"
    assert by_path["_posts/2020-01-01-Red.md"].output == "red star/2020/01/01/Red.html"
    assert by_path["_posts/2020-01-02-x.md"].url == "/a/b/c/2020/01/02/x.html"
    assert by_path["es/_posts/2020-01-03-hola.md"].url == "/es/2020/01/03/hola.html"
    moved = by_path["_posts/2020-01-04-moved.md"]
    assert (moved.url, moved.status) == ("/2021/05/06/moved.html", "future")
    assert by_path["_posts/2030-01-05-future.md"].status == "future"
    assert by_path["_posts/2020-01-06-off.md"].status == "unpublished"
    assert by_path["_posts/no-date.md"].status == "ignored"
    assert by_path["_drafts/d.md"].status == "draft"
    assert "old/_posts/2020-01-08-old.md" not in by_path  # an excluded folder is never read
    assert by_path["images/中文 图.png"].url == "/images/中文 图.png"
    assert list(site.conflicts()) == ["2020/01/07/same.html"]
    assert site.config.baseurl == "/blog"
