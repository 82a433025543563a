"""mdnorm's pre-commit hooks, run by the real pre-commit (no mock).

``pre-commit try-repo`` installs this project into a fresh virtualenv exactly as a
user's ``repo:``/``rev:`` would, from ``.pre-commit-hooks.yaml``, and runs a hook in
a temporary blog repository.  That catches what unit tests cannot: a wrong
``entry``, a ``types`` filter that skips ``.markdown``, a dependency missing
from ``pyproject.toml``, a fix hook that changes files but lets the commit pass.

``try-repo`` installs into a fresh store on every call (a virtualenv plus pip,
through the machine's configured package index; it ignores ``PRE_COMMIT_HOME``,
which is still pointed at a temporary folder so nothing touches the user's), so
each test makes exactly one such run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]

HEAD = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
CLEAN = HEAD + "text\n\nhttps://example.com/a\n\nA title\n"
# WS001 at line 7 and WS002 at the end: both have safe fixes
BAD = HEAD + "text \n\nhttps://example.com/b\n\nB title\n\n\n"
BAD_FIXED = HEAD + "text\n\nhttps://example.com/b\n\nB title\n"


def _tool(name: str) -> str | None:
    """The tool beside this Python (the venv the tests run in), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


PRE_COMMIT = _tool("pre-commit")
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (it comes with the dev extra)"),
    pytest.mark.skipif(GIT is None, reason="git is not installed (pre-commit needs it)"),
    pytest.mark.slow,  # each test installs the project into a fresh virtualenv
    pytest.mark.timeout(960),  # above the 900 s that one try-repo run is given
]


def _env(home: Path) -> dict[str, str]:
    """The caller's environment (pip's index settings included), minus anything
    that would point git or pre-commit at another repository or skip hooks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.pop("SKIP", None)
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="mdnorm tests",
        GIT_AUTHOR_EMAIL="tests@mdnorm.invalid",
        GIT_COMMITTER_NAME="mdnorm tests",
        GIT_COMMITTER_EMAIL="tests@mdnorm.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def _git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    assert GIT is not None
    done = subprocess.run(
        [GIT, "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def _project_repo(tmp: Path, env: dict[str, str]) -> str:
    """The checkout these tests run from, as a repository ``try-repo`` can install.

    A clean checkout (CI) is used as it is.  A checkout with work in progress is
    copied as it is on disk into a one-commit repository: ``try-repo`` itself
    would add uncommitted changes to tracked files but leave out new files that
    are not added yet, and install a package that cannot import them.
    """
    if not _git("status", "--porcelain", cwd=PROJECT, env=env).strip():
        return str(PROJECT)
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT, env=env)
    snapshot = tmp / "mdnorm-snapshot"
    snapshot.mkdir()
    for rel in filter(None, listed.split("\0")):
        source = PROJECT / rel
        if source.is_file():  # a deleted file is still listed by --cached
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / rel)
    _git("init", "-q", cwd=snapshot, env=env)
    _git("add", "-A", cwd=snapshot, env=env)
    _git("commit", "-q", "-m", "snapshot of the checkout under test", cwd=snapshot, env=env)
    return str(snapshot)


class Blog:
    """A temporary blog repository and a way to run a hook on some of its posts."""

    def __init__(self, root: Path, project: str, env: dict[str, str]) -> None:
        self.root, self.project, self.env = root, project, env

    def write(self, name: str, text: str) -> Path:
        path = self.root / "_posts" / name
        path.write_bytes(text.encode("utf-8"))
        _git("add", "--", str(path.relative_to(self.root)), cwd=self.root, env=self.env)
        return path

    def hook(self, hook_id: str, *names: str) -> subprocess.CompletedProcess[str]:
        assert PRE_COMMIT is not None
        files = [f"_posts/{n}" for n in names]
        cmd = [PRE_COMMIT, "try-repo", self.project, hook_id, "--color=never", "--files", *files]
        return subprocess.run(cmd, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("project")
    return _project_repo(tmp, _env(tmp / "unused-home"))


@pytest.fixture
def blog(tmp_path: Path, project: str) -> Blog:
    env = _env(tmp_path / "pre-commit-home")
    root = tmp_path / "blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: test blog\n", encoding="utf-8")
    _git("init", "-q", cwd=root, env=env)
    _git("add", "_config.yml", cwd=root, env=env)
    return Blog(root, project, env)


# Each ``try-repo`` installs the hook into a fresh store (it ignores
# PRE_COMMIT_HOME), so every test below makes exactly one such run.


def test_a_clean_post_passes_and_other_files_are_not_passed(blog: Blog) -> None:
    blog.write("2020-01-01-clean.md", CLEAN)
    # a text file with trailing whitespace: named to mdnorm, it would be reported
    blog.write("notes.txt", "text \n")
    run = blog.hook("mdnorm", "2020-01-01-clean.md", "notes.txt")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


def test_a_bad_post_fails_the_run_and_names_the_line(blog: Blog) -> None:
    blog.write("2020-01-02-bad.markdown", BAD)
    run = blog.hook("mdnorm", "2020-01-02-bad.markdown")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Failed" in run.stdout
    assert "_posts/2020-01-02-bad.markdown:7:5: WS001" in run.stdout


def test_mdnorm_fix_leaves_the_fixed_file_and_fails_the_run(blog: Blog) -> None:
    path = blog.write("2020-01-03-fixme.md", BAD)
    clean = blog.write("2020-01-04-clean.md", CLEAN.replace("/a\n", "/c\n"))
    run = blog.hook("mdnorm-fix", "2020-01-03-fixme.md", "2020-01-04-clean.md")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Failed" in run.stdout
    assert path.read_bytes() == BAD_FIXED.encode("utf-8")
    assert clean.read_bytes() == CLEAN.replace("/a\n", "/c\n").encode("utf-8")
    # what the hook left behind is clean for mdnorm itself
    mdnorm = _tool("mdnorm")
    assert mdnorm is not None
    check = subprocess.run([mdnorm, str(path)], cwd=blog.root, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
