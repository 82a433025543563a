"""``mdnorm --watch``: a change runs the check again; Ctrl-C (SIGINT) exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _wait_for(
    read: subprocess.Popen[bytes], buf: list[bytes], needle: bytes, count: int = 1, timeout: float = 30
) -> None:
    """Read the watcher's stderr (never blocking) until ``needle`` has shown up ``count`` times."""
    deadline = time.monotonic() + timeout
    assert read.stderr is not None
    while time.monotonic() < deadline:
        chunk = os.read(read.stderr.fileno(), 65536) if _ready(read) else b""
        if chunk:
            buf.append(chunk)
        if b"".join(buf).count(needle) >= count:
            return
        if read.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no {needle!r} in {timeout}s: {b''.join(buf)!r}")


def _ready(proc: subprocess.Popen[bytes]) -> bool:
    import select

    assert proc.stderr is not None
    return bool(select.select([proc.stderr], [], [], 0.1)[0])


def test_watch_reruns_on_change_and_exits_130_on_sigint(tmp_path: Path) -> None:
    post = tmp_path / "2020-01-01-a.md"
    post.write_text("---\nlayout: post\ntitle: a\ncategory: c\n---\n\nok\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "mdnorm", "--watch", "--interval", "0.1", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        err: list[bytes] = []
        _wait_for(proc, err, b"[mdnorm watch] exit 0")
        post.write_text("---\nlayout: post\ntitle: a\ncategory: c\n---\n\nok  trailing \n", encoding="utf-8")
        _wait_for(proc, err, b"[mdnorm watch] exit 1")
        (tmp_path / ".mdnorm.toml").write_text('ignore = ["WS001"]\n')  # a config change re-runs with it
        _wait_for(proc, err, b"[mdnorm watch] exit 0", count=2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        out = proc.stdout.read() if proc.stdout else b""
        assert b"WS001" in out and b"\x1b[2J" not in out  # not a terminal: no clearing
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
