"""The writer: old or new content, never a mix, never a stray temp file, never an editor's save lost.

Also its policy for symlinks, hard links, metadata and signals (see ``mdnorm/writer.py``).
"""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mdnorm import writer
from mdnorm.cli import main
from mdnorm.runner import Terminated, stop_on_signals
from mdnorm.writer import write_atomic


def test_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\r\n")
    p.chmod(0o604)
    write_atomic(str(p), b"new\r\n")
    assert p.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(p.stat().st_mode) == 0o604
    assert os.listdir(tmp_path) == ["a.md"]


def test_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    p.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomic(str(p), b"new\n")
    assert p.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["a.md"]


def test_failure_before_the_rename_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")

    def boom(src: str, dst: str) -> None:
        assert os.path.basename(src).startswith(writer.TMP_PREFIX) and src.endswith(writer.TMP_SUFFIX)
        assert Path(src).read_bytes() == b"new\n"  # fully written before the rename
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space"):
        write_atomic(str(p), b"new\n")
    assert p.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["a.md"]


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(str(link), b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_owner_is_kept_when_root_fixes_someone_elses_file(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    os.chown(p, 12345, 23456)
    write_atomic(str(p), b"new\n")
    st = p.stat()
    assert (st.st_uid, st.st_gid) == (12345, 23456)


# -- an editor saves while --fix works (repro 09) ------------------------------------------------------


def _edit_in_place(p: Path) -> None:
    with open(p, "r+b") as fh:  # same inode, same size: only the bytes tell
        fh.write(b"EDIT")


def _edit_keeping_mtime(p: Path) -> None:
    st = p.stat()
    _edit_in_place(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # as a save in the same clock tick would look


def _edit_by_rename(p: Path) -> None:
    tmp = p.with_name("editor.swp")
    tmp.write_bytes(b"EDIT\n")
    os.rename(tmp, p)  # as most editors save: a new inode


EDITS = {"in place": _edit_in_place, "same size and mtime": _edit_keeping_mtime, "renamed over": _edit_by_rename}


@pytest.fixture
def during_the_write(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], None]:
    """Run an action once, after the temporary file is written and before the check and the rename."""

    def install(action: Callable[[], None]) -> None:
        real = os.fsync
        done: list[bool] = []

        def fsync(fd: int) -> None:
            real(fd)
            if not done:
                done.append(True)
                action()

        monkeypatch.setattr(os, "fsync", fsync)

    return install


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_file_edited_during_the_write_is_left_as_the_editor_saved_it(
    tmp_path: Path, during_the_write: Callable[[Callable[[], None]], None], edit: str
) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old text\n")
    during_the_write(lambda: EDITS[edit](p))
    with pytest.raises(writer.NotFixed, match="changed on disk while it was being fixed"):
        write_atomic(str(p), b"new text\n", expected=b"old text\n")
    assert p.read_bytes().startswith(b"EDIT")
    assert os.listdir(tmp_path) == ["a.md"]


def test_a_file_edited_before_the_write_is_left_as_the_editor_saved_it(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"saved by the editor\n")
    with pytest.raises(writer.NotFixed, match="changed on disk"):
        write_atomic(str(p), b"new\n", expected=b"what --fix read\n")
    assert p.read_bytes() == b"saved by the editor\n"
    assert os.listdir(tmp_path) == ["a.md"]


def test_a_chmod_during_the_write_is_not_undone(
    tmp_path: Path, during_the_write: Callable[[Callable[[], None]], None]
) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    p.chmod(0o644)
    during_the_write(lambda: p.chmod(0o600))
    with pytest.raises(writer.NotFixed):
        write_atomic(str(p), b"new\n", expected=b"old\n")
    assert (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) == (b"old\n", 0o600)


def test_an_unchanged_file_is_written_even_when_touched(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    os.utime(p, ns=(0, 0))  # a touch changes the stat identity, not the content
    assert write_atomic(str(p), b"new\n", expected=b"old\n") is True
    assert p.read_bytes() == b"new\n"


def test_a_file_that_already_holds_the_fix_is_not_rewritten(
    tmp_path: Path, during_the_write: Callable[[Callable[[], None]], None]
) -> None:
    # two --fix runs at once: the other one got there first
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")

    def the_other_run() -> None:
        p.write_bytes(b"new\n")

    during_the_write(the_other_run)
    inode = p.stat().st_ino
    assert write_atomic(str(p), b"new\n", expected=b"old\n") is False
    assert p.read_bytes() == b"new\n" and p.stat().st_ino == inode
    assert os.listdir(tmp_path) == ["a.md"]


def test_editor_race_through_process_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook point is the write itself: the fix is computed, then the editor saves, then the write runs."""
    saved = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nIMPORTANT EDIT SAVED BY THE EDITOR\n"
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    for p in (a, b):
        p.write_text("---\nlayout: post\ntitle: T\ncategory: C\n---\n\ntext   \n", encoding="utf-8")
    real = writer.write_atomic

    def editor_saves_first(path: str, data: bytes, **kwargs: Any) -> bool:
        if path.endswith("a.md"):
            a.write_text(saved, encoding="utf-8")
        return real(path, data, **kwargs)

    monkeypatch.setattr(writer, "write_atomic", editor_saves_first)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--fix", "--no-cache", "--no-color", "."], catch_exceptions=False)
    assert a.read_text(encoding="utf-8") == saved
    assert b.read_text(encoding="utf-8").endswith("\ntext\n")  # the run went on
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "IO001" in line]
    assert lines == [
        "a.md:1:1: IO001 not fixed: the file changed on disk while it was being fixed (saved by an editor?);"
        " run --fix again; left unchanged"
    ]
    assert "(1 fixed, 2 remaining)" in result.stdout
    assert sorted(os.listdir(tmp_path)) == ["a.md", "b.md"]


# -- symlinks, hard links, extended attributes (repro 18 c and d) ---------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``tmp_path/project`` (the root) and ``tmp_path/outside/secret.md``."""
    (tmp_path / "project" / "posts").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_bytes(b"old   \n")  # trailing spaces: a safe fix
    return tmp_path / "project"


def test_a_file_symlink_out_of_the_project_is_not_followed(project: Path) -> None:
    link = project / "posts" / "link.md"
    link.symlink_to(project.parent / "outside" / "secret.md")
    with pytest.raises(writer.NotFixed, match=r"through a symlink to .*secret\.md, outside the project"):
        write_atomic(str(link), b"new\n", root=str(project))
    assert (project.parent / "outside" / "secret.md").read_bytes() == b"old   \n"
    assert os.listdir(project.parent / "outside") == ["secret.md"]


def test_a_folder_symlink_out_of_the_project_is_not_followed(project: Path) -> None:
    (project / "posts" / "elsewhere").symlink_to(project.parent / "outside")
    with pytest.raises(writer.NotFixed, match="outside the project"):
        write_atomic(str(project / "posts" / "elsewhere" / "secret.md"), b"new\n", root=str(project))
    assert (project.parent / "outside" / "secret.md").read_bytes() == b"old   \n"


def test_a_symlink_inside_the_project_is_followed_and_kept(project: Path) -> None:
    real = project / "drafts" / "real.md"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    link = project / "posts" / "link.md"
    link.symlink_to(os.path.relpath(real, link.parent))
    assert write_atomic(str(link), b"new\n", expected=b"old\n", root=str(project))
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_a_file_outside_the_project_named_without_a_symlink_is_written(project: Path) -> None:
    secret = project.parent / "outside" / "secret.md"
    assert write_atomic(str(secret), b"new\n", root=str(project))
    assert secret.read_bytes() == b"new\n"


def test_the_symlink_policy_through_the_command_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "posts" / "link.md").symlink_to(project.parent / "outside" / "secret.md")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["--fix", "--no-cache", "--no-color", "posts"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "posts/link.md:1:1: IO001 not fixed: its path goes through a symlink to " in result.stdout
    assert (project.parent / "outside" / "secret.md").read_bytes() == b"old   \n"


def test_a_file_with_hard_links_is_not_split(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    os.link(p, tmp_path / "same.md")
    with pytest.raises(writer.NotFixed, match="it has 2 hard links, which a safe rewrite would split"):
        write_atomic(str(p), b"new\n", expected=b"old\n")
    assert (tmp_path / "same.md").read_bytes() == p.read_bytes() == b"old\n"
    assert p.stat().st_nlink == 2
    assert sorted(os.listdir(tmp_path)) == ["a.md", "same.md"]


def _xattrs_supported(p: Path) -> bool:
    try:
        os.setxattr(p, "user.mdnorm-test", b"1")
    except (AttributeError, OSError):
        return False
    os.removexattr(p, "user.mdnorm-test")
    return True


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")
    if not _xattrs_supported(p):
        pytest.skip("no user extended attributes on this file system")
    os.setxattr(p, "user.tag", b"keep")
    os.setxattr(p, "user.empty", b"")
    write_atomic(str(p), b"new\n", expected=b"old\n")
    assert p.read_bytes() == b"new\n"
    assert {n: os.getxattr(p, n) for n in os.listxattr(p) if n.startswith("user.")} == {
        "user.tag": b"keep",
        "user.empty": b"",
    }


# -- a signal in the middle of a write waits for its end -----------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("how", ["kill", "handler"])
def test_a_signal_during_a_write_ends_the_run_after_it(
    tmp_path: Path, during_the_write: Callable[[Callable[[], None]], None], how: str
) -> None:
    """``kill``: the signal is blocked, then delivered; ``handler``: as when another thread took it."""
    p = tmp_path / "a.md"
    p.write_bytes(b"old\n")

    def signal_now() -> None:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)

    during_the_write(signal_now)
    with stop_on_signals(), pytest.raises(Terminated) as caught:
        write_atomic(str(p), b"new\n", expected=b"old\n")
    assert caught.value.signum == signal.SIGTERM
    assert p.read_bytes() == b"new\n"
    assert os.listdir(tmp_path) == ["a.md"]
