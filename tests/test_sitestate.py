"""The site's stamp, and the site-wide results a warm run remembers under it.

A warm run over an unchanged site answers each post's site-wide diagnostics from
the memo without building the site model; any change in the site (a new image,
an edited post, a post whose date arrives, git's index) gives what a cold run
gives.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import make_site

from mdnorm import linkindex, sitemap, sitestate
from mdnorm.cli import main
from mdnorm.sitestate import tree_stamp


def _site(root: Path, posts: dict[str, str], files: tuple[str, ...] = ()) -> Path:
    return make_site(root, posts, files)


def _post(body: str, extra: str = "") -> str:
    return f"---\nlayout: post\ntitle: T\ncategory: ml\n{extra}---\n\n{body}\n"


class Builds:
    """Counts the site models built (each is a full read of the site's files)."""

    n = 0


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> type[Builds]:
    Builds.n = 0
    real = sitemap.SiteMap.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type[sitemap.SiteMap], index: linkindex.SiteIndex) -> sitemap.SiteMap | None:
        Builds.n += 1
        result: sitemap.SiteMap | None = real(cls, index)
        return result

    monkeypatch.setattr(sitemap.SiteMap, "build", classmethod(counted))
    return Builds


def _run(root: Path, *args: str, path: str = "_posts") -> list[str]:
    old = os.getcwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(main, ["check", "--no-color", "--output-format", "concise", *args, path])
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1), res.output
    return [line for line in res.stdout.splitlines() if line and not line.startswith(("Found", "All checks"))]


def _cold(root: Path) -> list[str]:
    return _run(root, "--no-cache")


def test_a_warm_run_of_an_unchanged_site_builds_no_site_model(
    tmp_path: Path, builds: type[Builds], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDNORM_RACY_MS", "0")  # trust stat identities at once
    posts = {
        "2016-9-1-a.md": _post("https://x.example/1\n\nT\n\n[b](/ml/2016/09/02/b.html#nope) ![](/images/no.png)"),
        "2016-9-2-b.md": _post("https://x.example/1\n\nT"),
    }
    _site(tmp_path, posts)
    first = _run(tmp_path)
    assert builds.n == 1
    assert any("DL002" in line for line in first) and any("SL002" in line for line in first)
    assert _run(tmp_path) == first == _cold(tmp_path)
    assert builds.n == 2  # the warm run built none; the cold run one


def test_any_change_in_the_site_gives_what_a_cold_run_gives(
    tmp_path: Path, builds: type[Builds], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDNORM_RACY_MS", "0")
    _site(tmp_path, {"2016-9-1-a.md": _post("![](/images/a.png)")})
    assert [line.split(" ")[1] for line in _run(tmp_path)] == ["SL003"]
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"png")  # a new file: not a post, not linted, yet it counts
    assert _run(tmp_path) == [] == _cold(tmp_path)
    (tmp_path / "images" / "a.png").unlink()
    assert [line.split(" ")[1] for line in _run(tmp_path)] == ["SL003"]


def test_files_changed_within_the_racy_window_are_not_remembered(tmp_path: Path, builds: type[Builds]) -> None:
    _site(tmp_path, {"2016-9-1-a.md": _post("![](/images/a.png)")})
    assert tree_stamp(str(tmp_path)) is None  # just written
    _run(tmp_path)
    _run(tmp_path)
    assert builds.n == 2  # nothing site-wide was remembered


def test_the_stamp_covers_git_and_skips_what_the_site_excludes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDNORM_RACY_MS", "0")
    site = tmp_path / "blog"
    site.mkdir()
    _site(site, {"2016-9-1-a.md": _post("x")})
    (site / "_config.yml").write_text("exclude: [node_modules]\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_bytes(b"1")
    before = tree_stamp(str(site))
    assert before is not None
    (site / "node_modules").mkdir()
    (site / "node_modules" / "x.js").write_bytes(b"")
    (site / "_site").mkdir()
    (site / "_site" / "index.html").write_bytes(b"")
    assert tree_stamp(str(site)) == before
    (tmp_path / ".git" / "index").write_bytes(b"22")  # git add -f of an ignored post: the walk lists it now
    assert tree_stamp(str(site)) != before
    now = tree_stamp(str(site))
    (tmp_path / ".gitignore").write_text("*.md\n", encoding="utf-8")
    assert tree_stamp(str(site)) != now


@pytest.mark.slow
def test_a_post_whose_date_arrives_is_published_in_the_next_run(tmp_path: Path, builds: type[Builds]) -> None:
    """A future post is unpublished until its date; a remembered answer holds only until then."""
    when = dt.datetime.now().astimezone() + dt.timedelta(seconds=sitestate.racy_ns() / 1e9 + 3)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S %z")
    day = when.strftime("%Y-%m-%d")
    y, m, d = day.split("-")
    posts = {
        "2016-9-1-a.md": _post(f"[b](/ml/{y}/{m}/{d}/b.html)"),
        f"{day}-b.md": _post("x", extra=f"date: {stamp}\n"),
    }
    _site(tmp_path, posts)
    time.sleep(sitestate.racy_ns() / 1e9 + 0.1)
    first = _run(tmp_path, "--select", "SL")
    assert [line.split(" ")[1] for line in first] == ["SL001", "SL005"]
    assert builds.n == 1
    time.sleep(max(0.0, when.timestamp() - time.time()) + 1.1)
    assert _run(tmp_path, "--select", "SL") == []  # the remembered answer expired with the date
    assert builds.n == 2


class Reads:
    """Counts the reads of a whole site (the Jekyll model made from every file)."""

    n = 0


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> type[Reads]:
    Reads.n = 0
    real = sitemap.read_site  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        Reads.n += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(sitemap, "read_site", counted)
    return Reads


def test_the_site_model_is_read_again_only_when_more_than_a_post_text_changed(
    tmp_path: Path, reads: type[Reads], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDNORM_RACY_MS", "0")
    posts = {
        "2016-9-1-a.md": _post("[b](/ml/2016/09/02/b.html) ![](/images/a.png)"),
        "2016-9-2-b.md": _post("text"),
    }
    _site(tmp_path, posts, ("images/a.png",))
    assert _run(tmp_path) == []
    assert reads.n == 1
    b = tmp_path / "_posts" / "2016-9-2-b.md"
    b.write_text(_post("other text, longer"), encoding="utf-8")  # the text, not the front matter
    assert _run(tmp_path, path="_posts/2016-9-1-a.md") == []
    assert reads.n == 1  # the model came from the memo
    b.write_text(_post("text", extra="permalink: /b/\n"), encoding="utf-8")  # b moves
    got = _run(tmp_path, path="_posts/2016-9-1-a.md")
    assert reads.n == 2 and [line.split(" ")[1] for line in got] == ["SL001"]
    assert got == _run(tmp_path, "--no-cache", path="_posts/2016-9-1-a.md")
    (tmp_path / "images" / "a.png").unlink()  # a file that is not a post
    got = _run(tmp_path, path="_posts/2016-9-1-a.md")
    assert reads.n == 4 and [line.split(" ")[1] for line in got] == ["SL001", "SL003"]
