"""Paths that are not plain readable files: each is reported, none crashes the run.

Every case keeps a good post (``ok.md``, one trailing space) beside the bad path
and checks that it is still reported (or fixed), so "reported" never means "the
run stopped here".
"""

from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mdnorm import files as files_mod
from mdnorm import process
from mdnorm.cli import main

POST = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n# A\n\n## B\n\ntext   \n"
FIXED = POST.replace("text   \n", "text\n")
OK_LINE = "ok.md:14:5: WS001"


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(main, ["--no-color", *args], catch_exceptions=False)


def lines_for(result: Result, name: str) -> list[str]:
    return [ln for ln in result.stdout.splitlines() if ln.startswith(name + ":")]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "ok.md").write_text(POST, encoding="utf-8")
    return tmp_path


def test_missing_path_is_a_usage_error(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(tree, monkeypatch, "ok.md", "missing.md")
    assert result.exit_code == 2
    assert result.stderr.strip() == "mdnorm: error: missing.md: no such file or directory"
    assert "Traceback" not in result.output


def test_directory_named_like_a_post_is_walked_not_read(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "x.md").mkdir()
    (tree / "x.md" / "inner.md").write_text(POST, encoding="utf-8")
    for args in ((".",), ("x.md", "ok.md")):
        result = run(tree, monkeypatch, *args)
        assert result.exit_code == 1, result.output
        assert lines_for(result, "x.md/inner.md") == ["x.md/inner.md:14:5: WS001 [*] trailing whitespace"]
        assert lines_for(result, "x.md") == []  # no "is a directory" problem
        assert OK_LINE in result.stdout


def test_symlink_loops_are_reported_once_and_the_walk_ends(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "self.md").symlink_to("self.md")
    (tree / "a.md").symlink_to("b.md")
    (tree / "b.md").symlink_to("a.md")
    (tree / "sub").mkdir()
    (tree / "sub" / "up").symlink_to("..")  # a folder loop: sub/up/sub/up/...
    result = run(tree, monkeypatch, ".")
    assert result.exit_code == 1
    for name in ("self.md", "a.md", "b.md"):
        assert lines_for(result, name) == [f"{name}:1:1: IO001 symlink loop: following the link leads back to it"]
    assert result.stdout.count(OK_LINE) == 1  # the folder loop did not visit ok.md twice
    assert "Traceback" not in result.output


def test_dangling_symlink_is_reported(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "gone.md").symlink_to("nowhere.md")
    for args in ((".",), ("gone.md", "ok.md"), ("--fix", ".")):
        result = run(tree, monkeypatch, *args)
        assert result.exit_code == 1
        assert lines_for(result, "gone.md") == ["gone.md:1:1: IO001 dangling symlink: its target does not exist"]
    assert (tree / "ok.md").read_text(encoding="utf-8") == FIXED


def _deny_reading(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make ``path`` unreadable: chmod 000, or (as root, who reads anyway) a failing ``open``."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    real_open = builtins.open
    target = str(path.resolve())

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == target:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(process, "open", fake_open, raising=False)


def test_unreadable_file_is_reported(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tree / "secret.md"
    secret.write_text(POST, encoding="utf-8")
    _deny_reading(monkeypatch, secret)
    try:
        result = run(tree, monkeypatch, "--fix", ".")
    finally:
        secret.chmod(0o644)
    assert result.exit_code == 1, result.output
    assert lines_for(result, "secret.md") == ["secret.md:1:1: IO001 cannot read: Permission denied"]
    assert secret.read_text(encoding="utf-8") == POST
    assert (tree / "ok.md").read_text(encoding="utf-8") == FIXED


def test_read_only_file_under_fix_is_reported_not_crashed(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ro = tree / "ro.md"
    ro.write_text(POST, encoding="utf-8")
    ro.chmod(0o444)
    result = run(tree, monkeypatch, "--fix", ".")
    assert result.exit_code == 1, result.output  # a problem with the file, not an internal error (3)
    assert "ro.md:1:1: IO001 cannot write: file is read-only; left unchanged" in result.stdout
    assert "Traceback" not in result.output and "bug" not in result.output
    assert ro.read_text(encoding="utf-8") == POST
    assert (tree / "ok.md").read_text(encoding="utf-8") == FIXED
    assert sorted(p.name for p in tree.iterdir() if p.name.endswith(".tmp")) == []


def test_file_deleted_between_listing_and_reading(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "vanishing.md").write_text(POST, encoding="utf-8")
    real_discover = files_mod.discover

    def discover_then_delete(paths: list[str], config: Any, **kw: Any) -> list[str]:
        found = list(real_discover(paths, config))
        (tree / "vanishing.md").unlink()
        return found

    monkeypatch.setattr(files_mod, "discover", discover_then_delete)
    result = run(tree, monkeypatch, "--fix", ".")
    assert result.exit_code == 1, result.output
    assert lines_for(result, "vanishing.md") == ["vanishing.md:1:1: IO001 file disappeared before it could be read"]
    assert (tree / "ok.md").read_text(encoding="utf-8") == FIXED


def test_file_over_the_size_limit_is_skipped(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tree / "big.md"
    big.write_text(POST + "word   \n" * 200, encoding="utf-8")
    (tree / ".mdnorm.toml").write_text("max-file-size = 1000\n", encoding="utf-8")
    result = run(tree, monkeypatch, "--fix", ".")
    assert result.exit_code == 1, result.output
    (line,) = lines_for(result, "big.md")
    assert line.startswith("big.md:1:1: IO001 file is 1,") and "max-file-size limit of 1,000; skipped" in line
    assert big.read_text(encoding="utf-8") == POST + "word   \n" * 200
    assert (tree / "ok.md").read_text(encoding="utf-8") == FIXED


def test_default_size_limit_is_five_megabytes(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    under = tree / "under.md"
    under.write_bytes(POST.encode() + b"\n" + b"a" * (5 * 1024 * 1024 - len(POST) - 2) + b"\n")
    over = tree / "over.md"
    over.write_bytes(POST.encode() + b"\n" + b"a" * (5 * 1024 * 1024 - len(POST) - 1) + b"\n")
    result = run(tree, monkeypatch, "under.md", "over.md")
    assert lines_for(result, "under.md") == ["under.md:14:5: WS001 [*] trailing whitespace"]
    assert lines_for(result, "over.md") == [
        "over.md:1:1: IO001 file is 5,242,881 bytes, over the max-file-size limit of 5,242,880; skipped"
    ]
