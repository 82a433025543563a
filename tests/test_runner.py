"""``--fix``, ``--diff`` and ``--check`` end to end: output, exit codes, and bytes on disk.

The contract (issue 3): only the spans a rule names change; line endings, BOM and
mode bits follow the file unless WS004 is selected; a file with nothing to fix is
not touched at all; ``--diff``/``--check`` never write; a file that cannot be
written is reported and the others are still fixed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdnorm.cli import main

CLEAN = "---\nlayout: post\ntitle:  Clean\ncategory: DL\n---\n\n* toc\n{:toc}\n\n# A\n\n## B\n\ntext\n"
# three safe fixes: FM004 (trailing space), WS001 (trailing spaces), HT001 (known host)
MESSY = (
    "---\nlayout: post \ntitle:  Messy\ncategory: DL\n---\n\n* toc\n{:toc}\n\n# A\n\n## B\n\n"
    "text   \n\nhttp://github.com/x/y\n\nA title\n"
)
MESSY_FIXED = (
    "---\nlayout: post\ntitle:  Messy\ncategory: DL\n---\n\n* toc\n{:toc}\n\n# A\n\n## B\n\n"
    "text\n\nhttps://github.com/x/y\n\nA title\n"
)
# one unfixable problem left after the fixes: HD001 (h1 -> h3)
STUCK = MESSY.replace("## B", "### B")


Invoke = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """``mdnorm ARGS`` in ``tmp_path`` (no results cache: these tests are about writing)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--no-cache", *args], catch_exceptions=False)

    return invoke


def _write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _old(path: Path) -> None:
    """Move the mtime into the past so that a rewrite would be visible."""
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))


# -- --fix ----------------------------------------------------------------------------------


def test_fix_reports_count_then_remaining_and_exits_0_when_clean(run: Invoke, tmp_path: Path) -> None:
    p = _write(tmp_path / "posts/a.md", MESSY)
    res = run("--fix", "posts")
    assert res.exit_code == 0, res.output
    assert p.read_text(encoding="utf-8") == MESSY_FIXED
    assert res.output.splitlines() == ["Found 3 problems (3 fixed, 0 remaining)."]


def test_fix_exits_1_when_problems_remain_and_prints_them_before_the_count(run: Invoke, tmp_path: Path) -> None:
    _write(tmp_path / "posts/a.md", STUCK)
    _write(tmp_path / "posts/b.md", MESSY)
    res = run("--fix", "posts")
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0].startswith("posts/a.md:") and "HD001" in lines[0]
    assert lines[-1] == "Found 7 problems (6 fixed, 1 remaining)."


def test_exit_non_zero_on_fix(run: Invoke, tmp_path: Path) -> None:
    _write(tmp_path / "a.md", MESSY)
    assert run("--fix", "--exit-non-zero-on-fix", "a.md").exit_code == 1
    # nothing left to change: 0 again
    assert run("--fix", "--exit-non-zero-on-fix", "a.md").exit_code == 0


def test_unsafe_fixes_only_with_the_flag(run: Invoke, tmp_path: Path) -> None:
    text = CLEAN.replace("text\n", "see http://unknown.example.net/page\n")
    p = _write(tmp_path / "a.md", text)
    res = run("--fix", "a.md")
    assert res.exit_code == 1 and "HT001" in res.output
    assert p.read_text(encoding="utf-8") == text
    res = run("--fix", "--unsafe-fixes", "a.md")
    assert res.exit_code == 0
    assert "https://unknown.example.net/page" in p.read_text(encoding="utf-8")


# -- --diff / --check -------------------------------------------------------------------------


def test_diff_prints_a_patch_writes_nothing_and_exits_1(run: Invoke, tmp_path: Path) -> None:
    p = _write(tmp_path / "posts/a.md", MESSY)
    _old(p)
    before = _stamp(p)
    res = run("--diff", "posts")
    assert res.exit_code == 1
    assert "--- a/posts/a.md\n+++ b/posts/a.md\n" in res.output
    assert "-http://github.com/x/y\n+https://github.com/x/y\n" in res.output
    assert "-layout: post \n+layout: post\n" in res.output
    assert _stamp(p) == before
    assert p.read_text(encoding="utf-8") == MESSY


def test_diff_is_a_patch_that_produces_the_fixed_file(run: Invoke, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("patch") is None:
        pytest.skip("no 'patch' program to apply the diff with")
    text = MESSY.rstrip("\n")  # no final newline: the diff must say so
    p = _write(tmp_path / "a.md", text)
    diff = run("--diff", "a.md").output
    diff = diff[: diff.rindex("1 file would be changed.")]
    subprocess.run(["patch", "-p1", "-s"], input=diff.encode(), cwd=tmp_path, check=True, timeout=60)
    assert p.read_text(encoding="utf-8") == MESSY_FIXED


def test_diff_and_check_exit_0_when_nothing_would_change(run: Invoke, tmp_path: Path) -> None:
    _write(tmp_path / "a.md", CLEAN)
    for flag in ("--diff", "--check"):
        res = run(flag, "a.md")
        assert res.exit_code == 0, res.output
        assert "No file would be changed." in res.output
        assert "---" not in res.output


def test_check_lists_files_writes_nothing_and_exits_1(run: Invoke, tmp_path: Path) -> None:
    a = _write(tmp_path / "posts/a.md", MESSY)
    b = _write(tmp_path / "posts/b.md", CLEAN)
    for p in (a, b):
        _old(p)
    stamps = {p: _stamp(p) for p in (a, b)}
    res = run("--check", "posts")
    assert res.exit_code == 1
    assert "posts/a.md" in res.output and "posts/b.md" not in res.output
    assert "+++" not in res.output
    assert {p: _stamp(p) for p in (a, b)} == stamps


# -- bytes on disk ------------------------------------------------------------------------------


def test_file_with_nothing_to_fix_is_not_rewritten(run: Invoke, tmp_path: Path) -> None:
    clean = _write(tmp_path / "clean.md", CLEAN)
    stuck = _write(tmp_path / "stuck.md", CLEAN.replace("## B", "### B"))  # a problem, but no fix
    for p in (clean, stuck):
        _old(p)
    stamps = {p: _stamp(p) for p in (clean, stuck)}
    res = run("--fix", "clean.md", "stuck.md")
    assert "Fixed 0" not in res.output and res.output.endswith("\nFound 1 problem in 1 file.\n")
    assert {p: _stamp(p) for p in (clean, stuck)} == stamps
    assert not list(tmp_path.glob(".mdnorm-*"))


def test_crlf_and_bom_are_kept_unless_ws004_runs(run: Invoke, tmp_path: Path) -> None:
    p = _write(tmp_path / "a.md", "\ufeff" + MESSY, newline="\r\n")
    res = run("--fix", "--ignore", "WS004", "a.md")
    assert res.exit_code == 0, res.output
    data = p.read_bytes()
    assert data == ("\ufeff" + MESSY_FIXED).replace("\n", "\r\n").encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == MESSY_FIXED.count("\n") and b"\n" not in data.replace(b"\r\n", b"")
    # with WS004 selected (the default), the endings and the BOM go
    res = run("--fix", "a.md")
    assert res.exit_code == 0, res.output
    assert p.read_bytes() == MESSY_FIXED.encode("utf-8")


def test_bytes_outside_the_edits_are_identical(run: Invoke, tmp_path: Path) -> None:
    # odd but valid content everywhere else: tabs, NBSP, U+2028, CR inside code, two-space hard break
    odd = "\tlead\u00a0tab\u2028sep  \nhard break\n\n```\ncode  \r\n\n\n\n```\n\n$$\n\\lambda  \n$$\n"
    text = MESSY + "\n" + odd
    p = _write(tmp_path / "a.md", text)
    assert run("--fix", "--select", "HT001", "a.md").exit_code == 0
    assert p.read_bytes() == text.replace("http://github.com", "https://github.com").encode("utf-8")


def test_mode_bits_are_kept(run: Invoke, tmp_path: Path) -> None:
    p = _write(tmp_path / "a.md", MESSY)
    p.chmod(0o640)
    run("--fix", "a.md")
    assert p.read_text(encoding="utf-8") == MESSY_FIXED
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


def test_symlinked_post_is_fixed_through_the_link(run: Invoke, tmp_path: Path) -> None:
    real = _write(tmp_path / "real/a.md", MESSY)
    link = tmp_path / "posts/a.md"
    link.parent.mkdir()
    link.symlink_to(real)
    run("--fix", "posts/a.md")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == MESSY_FIXED


def test_read_only_file_is_reported_and_the_others_are_fixed(run: Invoke, tmp_path: Path) -> None:
    ro = _write(tmp_path / "posts/a.md", MESSY)
    rw = _write(tmp_path / "posts/b.md", MESSY)
    ro.chmod(0o444)
    res = run("--fix", "posts")
    assert ro.read_text(encoding="utf-8") == MESSY  # left alone, even when run as root
    assert stat.S_IMODE(ro.stat().st_mode) == 0o444
    assert rw.read_text(encoding="utf-8") == MESSY_FIXED
    assert res.exit_code != 0
    assert "posts/a.md" in res.output and "read-only" in res.output
    assert "(3 fixed, " in res.output
    assert "Traceback" not in res.output


def test_stdin_fix_writes_the_post_to_stdout_only() -> None:
    res = CliRunner().invoke(main, ["--no-cache", "--fix", "-"], input=MESSY.encode())
    assert res.stdout == MESSY_FIXED
    assert res.stderr == "Found 3 problems (3 fixed, 0 remaining).\n"
