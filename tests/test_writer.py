"""Atomic writes: old or new content, never a mix, never a stray temp file; mode and owner kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mdnorm import writer
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
