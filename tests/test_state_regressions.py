"""Regression tests for the state layer: a cached, incremental or baselined run answers as a cold one.

Each test replays one known defect (the cache poisoned by ``--diff``/``--check``/stdin
fixes, a committed cache fooling CI, a lost or stale site index, a baseline too broad,
a ``.gitignore`` hiding a tracked post, FM006 ties after a rename) with mdnorm as a
real process, as the pre-commit hook and CI run it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mdnorm.project import cache_folder

# The slow tier (whole runs over temporary sites, cache and index state across runs):
# CI runs it; the quick `pytest -m "not slow"` loop does not.
pytestmark = pytest.mark.slow

FM = "---\nlayout: post\ntitle: T\ncategory: c\n---\n\n"


def mdnorm(cwd: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mdnorm", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def lint_json(cwd: Path, *args: str) -> tuple[int, list[tuple[str, int, str]]]:
    code, out = mdnorm(cwd, "--output-format", "json", *args)
    return code, sorted((d["path"], d["line"], d["code"]) for d in json.loads(out))


def _post(path: Path, body: str, fm: str = FM) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fm + body, encoding="utf-8")


def _messy(tmp_path: Path) -> Path:
    _post(tmp_path / "posts" / "a.md", "hello   \n\n\n\nworld\n\nhttp://example.org/x\n\nTitle\n")
    return tmp_path


@pytest.mark.parametrize(
    "first",
    [
        ["--diff"],
        ["--check"],
        ["--diff", "--unsafe-fixes"],
        ["--check", "--unsafe-fixes"],
    ],
)
def test_diff_and_check_never_change_what_the_next_run_reports(tmp_path: Path, first: list[str]) -> None:
    root = _messy(tmp_path)
    cold = lint_json(root, "--no-cache", "posts")
    assert cold[0] == 1 and len(cold[1]) == 3
    mdnorm(root, *first, "posts")
    assert lint_json(root, "posts") == cold
    assert mdnorm(root, "--check", "posts")[0] == 1
    assert "(2 fixed, " in mdnorm(root, "--fix", "posts")[1]


def test_stdin_fix_does_not_poison_the_gate(tmp_path: Path) -> None:
    root = _messy(tmp_path)
    data = (root / "posts" / "a.md").read_bytes()
    mdnorm(root, "--fix", "--stdin-filename", "posts/a.md", "-", stdin=data)
    mdnorm(root, "--diff", "--stdin-filename", "posts/a.md", "-", stdin=data)
    assert mdnorm(root, "--check", "posts")[0] == 1
    assert lint_json(root, "posts") == lint_json(root, "--no-cache", "posts")


def test_a_cache_committed_to_the_repository_does_not_fool_ci(tmp_path: Path) -> None:
    """A PR force-adds a cache folder whose entries say "no problems" for its broken post;
    the entries are keyed with its author's secret, so CI's fresh checkout reports every problem."""
    repo = tmp_path / "repo"
    _post(repo / "_posts" / "2024-1-1-broken.md", "no front matter\n\nhttp://insecure.example.net/x\n", fm="")
    (repo / "_config.yml").write_text("", encoding="utf-8")
    home_a = {"XDG_CACHE_HOME": str(tmp_path / "home-a")}
    assert mdnorm(repo, "--cache-dir", ".mdnorm_cache", "_posts", env=home_a)[0] == 1
    state = repo / ".mdnorm_cache" / "state.sqlite3"
    with sqlite3.connect(state) as db:  # the forgery: every entry now says "no problems"
        n = db.execute("UPDATE results SET value = json_set(value, '$[0]', json('[]'))").rowcount
    assert n == 1
    assert mdnorm(repo, "--cache-dir", ".mdnorm_cache", "_posts", env=home_a)[0] == 0  # its author's machine
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    home_ci = {"XDG_CACHE_HOME": str(tmp_path / "ci-home")}
    code, out = mdnorm(clone, "--cache-dir", ".mdnorm_cache", "_posts", env=home_ci)
    assert code == 1 and "FM001" in out and "HT001" in out
    assert mdnorm(clone, "_posts", env=home_ci)[0] == 1  # by default nothing in the tree is read at all


def _site(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    return tmp_path / "_posts"


def test_a_lost_state_file_loses_no_dl002(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "https://x.example.com/one\n\nT\n")
    _post(posts / "2019-1-2-b.md", "https://x.example.com/one\n\nT\n")
    mdnorm(tmp_path, "--select", "FM", "_posts")
    state = cache_folder(str(tmp_path)) / "state.sqlite3"
    assert state.is_file()
    state.write_bytes(b"")  # what a full disk or a crash may leave
    for run in range(2):
        code, out = mdnorm(tmp_path, "_posts")
        assert code == 1 and "DL002 link already listed in _posts/2019-1-1-a.md:7" in out, run


def test_posts_swapping_contents_keep_no_stale_facts(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "https://y.example.com/zzz\n\nT\n")
    _post(posts / "2019-1-2-b.md", "https://x.example.com/one\n\nT\n")
    _post(posts / "2019-1-3-c.md", "https://x.example.com/one\n\nT\n")
    for p in posts.iterdir():
        os.utime(p, (1_577_836_800, 1_577_836_800))
    assert lint_json(tmp_path, "--select", "DL002", "_posts")[1] == [("_posts/2019-1-3-c.md", 7, "DL002")]
    a, c = posts / "2019-1-1-a.md", posts / "2019-1-3-c.md"
    os.rename(a, tmp_path / "t")
    os.rename(c, a)
    os.rename(tmp_path / "t", c)
    expected = [("_posts/2019-1-2-b.md", 7, "DL002")]
    assert lint_json(tmp_path, "--select", "DL002", "_posts")[1] == expected
    assert lint_json(tmp_path, "--no-cache", "--select", "DL002", "_posts")[1] == expected


def test_fm006_follows_a_rename_that_changes_the_older_spelling(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "x\n", fm="---\nlayout: post\ntitle: T\ncategory: DL\n---\n\n")
    _post(posts / "2019-1-2-b.md", "x\n", fm="---\nlayout: post\ntitle: T\ncategory: dl\n---\n\n")
    assert lint_json(tmp_path, "--select", "FM006", "_posts")[1] == [("_posts/2019-1-2-b.md", 4, "FM006")]
    os.rename(posts / "2019-1-2-b.md", posts / "2018-1-1-b.md")  # b is now the older post
    expected = [("_posts/2019-1-1-a.md", 4, "FM006")]
    assert lint_json(tmp_path, "--select", "FM006", "_posts") == (1, expected)
    assert lint_json(tmp_path, "--no-cache", "--select", "FM006", "_posts") == (1, expected)


def test_a_baselined_problem_does_not_hide_another_on_the_same_line(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("---\nlayout: post\ntitle: T\n---\n\ntext\n", encoding="utf-8")
    assert mdnorm(tmp_path, "--add-baseline", "posts")[0] == 0
    assert mdnorm(tmp_path, "posts")[0] == 0
    (posts / "a.md").write_text("---\nlayout: post\ncategory: c\n---\n\ntext\n", encoding="utf-8")
    code, out = mdnorm(tmp_path, "posts")
    assert code == 1 and "'title' is missing" in out


def test_a_renamed_post_keeps_its_baselined_problems_hidden(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "http://old.example.net/x\n\nT\n", fm="---\nlayout: post\ntitle: T\n---\n\n")
    assert mdnorm(tmp_path, "--add-baseline", "_posts")[0] == 0
    os.rename(posts / "2019-1-1-a.md", posts / "2019-1-1-renamed.md")
    code, out = mdnorm(tmp_path, "_posts")
    assert code == 0, out
    _post(posts / "2019-1-2-new.md", "http://new.example.net/x\n\nT\n")
    assert mdnorm(tmp_path, "_posts")[0] == 1


def test_a_run_from_a_subfolder_finds_the_projects_baseline_and_cache(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "http://old.example.net/x\n\nT\n")
    assert mdnorm(tmp_path, "--add-baseline", "_posts")[0] == 0
    assert (tmp_path / ".mdnorm-baseline.json").is_file()
    code, out = mdnorm(posts, "2019-1-1-a.md")
    assert code == 0, out
    assert not (posts / ".mdnorm_cache").exists() and not (posts / ".mdnorm-baseline.json").exists()
    assert cache_folder(str(tmp_path)).is_dir()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_gitignore_does_not_hide_a_tracked_post(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "ok\n")
    (posts / "2024-1-1-broken.md").write_text("no front matter, http://insecure.example.net/x   \n", encoding="utf-8")
    (posts / ".gitignore").write_text("2024-*\n", encoding="utf-8")
    (posts / "2024-1-2-untracked.md").write_text("no front matter either\n", encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("add", "-A")
    git("add", "-f", "_posts/2024-1-1-broken.md")
    code, found = lint_json(tmp_path, "_posts")
    assert code == 1
    paths = {p for p, _, _ in found}
    assert "_posts/2024-1-1-broken.md" in paths  # tracked: checked, as Jekyll publishes it
    assert "_posts/2024-1-2-untracked.md" not in paths  # ignored and untracked: not checked


def test_a_site_the_user_cannot_write_to_is_linted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lint needs no write access: an unusable cache folder means a cold run, not a crash."""
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-a.md", "http://x.example.net/\n\nT\n")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    code, out = mdnorm(tmp_path, "_posts", env={"XDG_CACHE_HOME": str(blocked)})
    assert code == 1 and "HT001" in out


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_post_name_that_is_not_utf8_is_indexed_and_remembered(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    _post(posts / "2019-1-1-ok.md", "https://x.example.net/1\n\nT\n")
    odd = os.path.join(os.fsencode(posts), b"2019-1-2-b\xff.md")
    with open(odd, "wb") as fh:
        fh.write((FM + "https://x.example.net/1\n\nT\n").encode())
    for run in range(2):  # cold, then from the store
        code, found = lint_json(tmp_path, "_posts")
        assert code == 1, run
        assert [c for _, _, c in found] == ["DL002"], run
