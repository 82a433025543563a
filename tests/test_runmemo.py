"""A whole lint run remembered (``mdnorm.runmemo``): answered without a walk or a lint only
while nothing it read changed, and then exactly what a cold run says."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import make_site

from mdnorm import config as config_mod
from mdnorm import runner
from mdnorm import site as site_mod
from mdnorm.cli import main
from mdnorm.commands import check
from mdnorm.jekyll import scope


def _post(body: str, extra: str = "") -> str:
    return f"---\nlayout: post\ntitle: T\ncategory: ml\n{extra}---\n\n{body}\n"


POSTS = {
    "2016-9-1-a.md": _post("https://x.example/1\n\nT\n\n[b](/ml/2016/09/02/b.html#nope) ![](/images/a.png)"),
    "2016-9-2-b.md": _post("https://x.example/1\n\nT\n\n## Head\n"),
}


def _site(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    return make_site(tmp_path / "site", POSTS)


def _run(root: Path, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    # what one process remembers of folders (nested configs, roots, layouts): a new process each run
    config_mod.forget_nested()
    site_mod.find_root.cache_clear()
    site_mod.layouts_for.cache_clear()
    scope.forget()
    old = os.getcwd()
    os.chdir(cwd or root)
    try:
        res = CliRunner().invoke(main, ["check", "--no-color", "--output-format", "concise", *args])
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, res.stdout


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Stat identities trusted at once (no racy window), and a cache of the test's own."""
    monkeypatch.setenv("MDNORM_RACY_MS", "0")
    monkeypatch.setenv("MDNORM_CACHE_DIR", str(tmp_path / "cache"))


def _no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the memo should have answered")

    monkeypatch.setattr(runner, "run_files", refuse)
    monkeypatch.setattr(check, "discover", refuse)


@pytest.mark.usefixtures("trusted")
def test_an_unchanged_site_is_answered_without_a_walk_or_a_lint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path)
    first = _run(site, "_posts")
    assert "DL002" in first[1] and "SL003" in first[1]
    with monkeypatch.context() as m:
        _no_run(m)
        assert _run(site, "_posts") == first
        assert _run(site, "_posts", "--output-format", "json")[0] == 1  # another format: the same answer
    assert _run(site, "--no-cache", "_posts") == first


def _edit_post(site: Path) -> None:
    (site / "_posts" / "2016-9-2-b.md").write_text(_post("https://x.example/2\n\nT\n\n## Other\n"), encoding="utf-8")


def _add_image(site: Path) -> None:
    (site / "images").mkdir(exist_ok=True)
    (site / "images" / "a.png").write_bytes(b"png")


def _add_post(site: Path) -> None:
    (site / "_posts" / "2016-8-1-c.md").write_text(_post("https://x.example/1\n\nT"), encoding="utf-8")


def _delete_post(site: Path) -> None:
    (site / "_posts" / "2016-9-2-b.md").unlink()


def _nested_config(site: Path) -> None:
    (site / "_posts" / ".mdnorm.toml").write_text('ignore = ["DL002"]\n', encoding="utf-8")


def _config_above(site: Path) -> None:
    (site.parent / ".mdnorm.toml").write_text('ignore = ["SL"]\n', encoding="utf-8")


def _gitignore(site: Path) -> None:
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    (site / ".gitignore").write_text("_posts/2016-9-1-a.md\n", encoding="utf-8")


def _jekyll_exclude(site: Path) -> None:
    with open(site / "_config.yml", "a", encoding="utf-8") as fh:
        fh.write("exclude: [_posts/2016-9-2-b.md]\n")


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    "change",
    [_edit_post, _add_image, _add_post, _delete_post, _nested_config, _config_above, _gitignore, _jekyll_exclude],
)
def test_after_any_change_a_warm_run_says_what_a_cold_run_says(tmp_path: Path, change: Callable[[Path], None]) -> None:
    site = _site(tmp_path)
    before = _run(site, "_posts")
    assert _run(site, "_posts") == before  # remembered
    change(site)
    after = _run(site, "_posts")
    assert after == _run(site, "--no-cache", "_posts")
    assert after != before, "the change was meant to change the report"
    assert _run(site, "_posts") == after  # remembered again


@pytest.mark.usefixtures("trusted")
def test_a_file_the_stamp_does_not_cover_is_read_every_time(tmp_path: Path) -> None:
    """A post named on the command line inside a folder Jekyll excludes: the site's stamp does not
    see it change, so no run that read it is remembered."""
    site = _site(tmp_path)
    with open(site / "_config.yml", "a", encoding="utf-8") as fh:
        fh.write("exclude: [drafts]\n")
    (site / "drafts").mkdir()
    draft = site / "drafts" / "d.md"
    draft.write_text("# A\n\ntext\n", encoding="utf-8")
    assert _run(site, "drafts/d.md") == (0, "All checks passed!\n")
    st = draft.stat()
    draft.write_text("# A\n\ntext \n", encoding="utf-8")  # one byte more: WS001
    os.utime(draft, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert "WS001" in _run(site, "drafts/d.md")[1]


@pytest.mark.usefixtures("trusted")
def test_runs_from_another_folder_or_over_other_paths_are_remembered_apart(tmp_path: Path) -> None:
    site = _site(tmp_path)
    whole = _run(site, "_posts")
    one = _run(site, "_posts/2016-9-2-b.md")
    assert one != whole
    assert _run(site, "_posts") == whole
    inside = _run(site, ".", cwd=site / "_posts")
    assert inside[0] == whole[0] and inside[1] != whole[1]  # paths relative to where it ran
    assert _run(site, ".", cwd=site / "_posts") == inside == _run(site, "--no-cache", ".", cwd=site / "_posts")


@pytest.mark.usefixtures("trusted")
def test_a_configuration_between_the_project_and_the_site_counts(tmp_path: Path) -> None:
    """The project's configuration named with ``--config``, over a site deeper down: a
    ``.mdnorm.toml`` made in a folder between them applies to the site's posts, though it lies
    outside the site's stamp."""
    (tmp_path / ".mdnorm.toml").write_text("", encoding="utf-8")
    (tmp_path / "blog" / "site").mkdir(parents=True)
    make_site(tmp_path / "blog" / "site", POSTS)
    args = ("--config", str(tmp_path / ".mdnorm.toml"), "blog/site/_posts")
    before = _run(tmp_path, *args)
    assert _run(tmp_path, *args) == before
    (tmp_path / "blog" / ".mdnorm.toml").write_text('ignore = ["DL002"]\n', encoding="utf-8")
    after = _run(tmp_path, *args)
    assert after != before
    assert after == _run(tmp_path, "--no-cache", *args)
