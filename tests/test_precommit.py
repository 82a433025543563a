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


# --- the README's snippets, copied out of README.md (never retyped here) ---------------------------------

README = PROJECT / "README.md"


def readme_block(heading: str, lang: str) -> str:
    """The first ```lang block after ``heading`` in README.md."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    start = after.index(f"```{lang}\n") + len(f"```{lang}\n")
    return after[start : after.index("```", start)]


def _pinned(snippet: str, project: str, env: dict[str, str], url: str | None = None) -> str:
    """The snippet with its two placeholders filled: this checkout (or ``url``) and its commit."""
    sha = _git("rev-parse", "HEAD", cwd=Path(project), env=env).strip()
    assert "<mdnorm-repo-url>" in snippet and "<commit-sha>" in snippet
    return snippet.replace("<mdnorm-repo-url>", url or project).replace("<commit-sha>", sha)


def test_the_readme_hook_config_with_force_exclude_lets_an_excluded_draft_pass(tmp_path: Path, project: str) -> None:
    env = _env(tmp_path / "pre-commit-home")
    root = tmp_path / "blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_drafts").mkdir()
    (root / "_config.yml").write_text("title: test blog\n", encoding="utf-8")
    (root / ".mdnorm.toml").write_text('extend-exclude = ["_drafts"]\n', encoding="utf-8")
    (root / ".pre-commit-config.yaml").write_text(
        _pinned(readme_block("## Use with pre-commit", "yaml"), project, env), encoding="utf-8"
    )
    (root / "_drafts" / "wip.md").write_text(BAD, encoding="utf-8")
    (root / "_posts" / "2020-01-01-clean.md").write_text(CLEAN, encoding="utf-8")
    _git("init", "-q", cwd=root, env=env)
    _git("add", "-A", cwd=root, env=env)
    assert PRE_COMMIT is not None and GIT is not None
    subprocess.run([PRE_COMMIT, "install"], cwd=root, env=env, check=True, capture_output=True)

    def commit() -> subprocess.CompletedProcess[str]:
        cmd = [GIT, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "posts"]
        return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=900)

    done = commit()
    assert done.returncode == 0, done.stdout + done.stderr  # the bad draft is excluded
    assert (root / "_drafts" / "wip.md").read_text(encoding="utf-8") == BAD  # and left alone
    (root / "_posts" / "2020-01-02-bad.md").write_text(BAD, encoding="utf-8")
    _git("add", "-A", cwd=root, env=env)
    failed = commit()
    assert failed.returncode == 1, failed.stdout + failed.stderr  # a post is not
    assert "(2 fixed, 0 remaining)" in failed.stdout + failed.stderr


def test_the_readme_install_line_and_quick_start_work_as_written(tmp_path: Path, project: str) -> None:
    import re
    import venv

    env = _env(tmp_path / "home")
    line = re.search(r'`(pip install "mdnorm @ git\+<mdnorm-repo-url>@<commit-sha>")`', README.read_text())
    assert line is not None, "the README's install line"
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    install = _pinned(line.group(1), project, env, url="file://" + project)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    # the pip a venv comes with may predate PEP 508 file URLs with a commit: a user's is newer
    subprocess.run([str(bin_dir / "pip"), "install", "-q", "--upgrade", "pip"], env=env, check=True, timeout=600)
    done = subprocess.run(install, shell=True, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    blog = tmp_path / "blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "_posts" / "2020-01-02-bad.md").write_text(BAD, encoding="utf-8")
    commands = [c.split("#")[0].strip() for c in readme_block("Then, on a blog:", "sh").splitlines()]
    commands = [c for c in commands if c.startswith("mdnorm ")]
    assert len(commands) >= 3
    for command in commands:
        run = subprocess.run(command, shell=True, cwd=blog, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 1), command + "\n" + run.stdout + run.stderr
        assert "Traceback" not in run.stderr
