"""Faults around a run: two fixers at once, Ctrl-C, and a bug that hits one file.

None of these may corrupt a post or print a traceback.  The subprocess tests run
the real ``mdnorm`` console script (no network; the trees live in ``tmp_path``)
and wait for observable events (a file rewritten, a marker file created), never
for a fixed time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdnorm.cli import main
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.rules import RULES, Context

MDNORM = str(Path(sys.executable).with_name("mdnorm"))
FM = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n# A\n\n## B\n\n"


def messy(i: int, lines: int) -> str:
    """A post with ``lines`` link entries, each with a safe HT001 and WS001 fix."""
    body = "".join(f"http://mp.weixin.qq.com/s/{i}-{k}   \n\ntitle {k}\n\n" for k in range(lines))
    return FM + body


def clean(text: str) -> str:
    return fix_document(Document("p.md", text), Context(Config())).text


def make_tree(root: Path, n: int, lines: int) -> dict[Path, tuple[str, str]]:
    """``n`` posts under ``root``; returns each path's (old, fixed) text."""
    out = {}
    for i in range(n):
        p = root / f"sub{i % 4}" / f"post{i:04d}.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        text = messy(i, lines)
        p.write_text(text, encoding="utf-8")
        out[p] = (text, clean(text))
    return out


def _finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[bytes, bytes]:
    """``proc``'s output once it exits; a run still going after ``timeout`` s is killed and fails the test."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its pool's workers too, when it leads a session
        except (PermissionError, ProcessLookupError):
            proc.kill()
        proc.communicate(timeout=30)
        raise


def wait_for(what: str, ready: Iterable[bool] | object, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``ready()`` until true (a generous safety limit only turns a hang into a failure)."""
    assert callable(ready)
    limit = time.monotonic() + 120
    while not ready():
        if proc is not None and proc.poll() is not None:
            return
        if time.monotonic() >= limit:
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    _finish(proc, timeout=0)  # kills it: no run outlives its test
            raise AssertionError(f"never saw: {what}")
        time.sleep(0.02)


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.tmp"))


# -- two fixers at once -----------------------------------------------------


def test_two_concurrent_fix_runs_corrupt_nothing(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, 96, 6)  # enough files for the process pool to start
    procs = [
        subprocess.Popen([MDNORM, "--fix", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [_finish(p) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert b"Traceback" not in out + err, err.decode()
        assert p.returncode == 0, (out + err).decode()
    for path, (_old, fixed) in tree.items():
        assert path.read_text(encoding="utf-8") == fixed, path
    assert leftovers(tmp_path) == []
    again = subprocess.run(
        [MDNORM, "--fix", "."], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120
    )
    assert again.returncode == 0 and again.stdout == "All checks passed!\n", again.stdout + again.stderr


# -- Ctrl-C ---------------------------------------------------------------


def _interrupted(proc: subprocess.Popen[bytes]) -> tuple[str, str]:
    out, err = _finish(proc, timeout=60)
    return out.decode(), err.decode()


def test_ctrl_c_in_the_run_loop_exits_130_without_traceback(tmp_path: Path) -> None:
    """SIGINT while a file is being processed: exit 130, one line, no traceback.

    A wrapper makes the first file block in ``sleep`` after touching a marker,
    so the signal arrives at a known point inside the run.
    """
    tree = make_tree(tmp_path / "posts", 3, 2)
    marker = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import pathlib, sys, time
        from mdnorm import cli, runner
        real = runner.process_file
        def blocking(*args, **kwargs):
            result = real(*args, **kwargs)
            pathlib.Path({str(marker)!r}).touch()
            time.sleep(600)
            return result
        runner.process_file = blocking
        sys.argv = ["mdnorm", "--fix", "--no-cache", "posts"]
        cli.main()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    wait_for("the first file processed", marker.exists, proc)
    proc.send_signal(signal.SIGINT)
    out, err = _interrupted(proc)
    assert proc.returncode == 130, out + err
    assert err.strip() == "mdnorm: interrupted"
    assert "Traceback" not in out + err
    texts = [path.read_text(encoding="utf-8") for path in tree]
    assert texts == [fixed for _old, fixed in tree.values()][:1] + [old for old, _fixed in tree.values()][1:]
    assert leftovers(tmp_path) == []


@pytest.mark.slow  # 160 large posts, so the pool is still writing when the signal comes
def test_ctrl_c_during_a_parallel_fix_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group (the pool's workers too), as a terminal sends it."""
    tree = make_tree(tmp_path, 160, 60)
    proc = subprocess.Popen(
        [MDNORM, "--fix", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )

    def some_file_written() -> bool:
        return any(p.read_text(encoding="utf-8") != old for p, (old, _) in tree.items())

    wait_for("a file rewritten", some_file_written, proc)
    if proc.poll() is not None:
        _finish(proc)
        pytest.skip("the run finished before the signal could be sent")
    os.killpg(proc.pid, signal.SIGINT)
    out, err = _interrupted(proc)
    assert proc.returncode == 130, out + err
    assert err.strip() == "mdnorm: interrupted"
    assert "Traceback" not in out + err
    for path, (old, fixed) in tree.items():
        assert path.read_text(encoding="utf-8") in (old, fixed), path
    # the pool's workers are stopped with SIGTERM, which a worker in a write holds until the rename
    assert leftovers(tmp_path) == []
    again = subprocess.run(
        [MDNORM, "--fix", "."], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120
    )
    assert again.returncode == 0, again.stdout + again.stderr
    for path, (_old, fixed) in tree.items():
        assert path.read_text(encoding="utf-8") == fixed


# -- an internal error in one file -----------------------------------------

POST = FM + "text   \n"
POST_FIXED = FM + "text\n"


@pytest.fixture
def broken_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """WS001 raises for ``bad.md`` only, as a bug in a rule would."""
    real = RULES["WS001"]

    def check(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
        if doc.path.endswith("bad.md"):
            raise RuntimeError("boom in WS001")
        return real.check(doc, ctx)

    monkeypatch.setitem(RULES, "WS001", dataclasses.replace(real, check=check))
    (tmp_path / "bad.md").write_text(POST, encoding="utf-8")
    (tmp_path / "ok.md").write_text(POST, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fix", [False, True], ids=["lint", "fix"])
def test_internal_error_is_one_line_and_the_run_goes_on(broken_rule: Path, fix: bool) -> None:
    args = ["--no-color", "--no-cache", *(["--fix"] if fix else []), "."]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        "bad.md: error: internal error (RuntimeError: boom in WS001); please report this as a bug"
    ]
    assert "Traceback" not in result.output
    if fix:
        assert (broken_rule / "ok.md").read_text(encoding="utf-8") == POST_FIXED
        assert "Found 1 problem (1 fixed, 0 remaining)." in result.stdout
    else:
        assert "ok.md:14:5: WS001 [*] trailing whitespace" in result.stdout
    assert (broken_rule / "bad.md").read_text(encoding="utf-8") == POST


def test_internal_error_details_under_verbose(broken_rule: Path) -> None:
    result = CliRunner().invoke(main, ["--no-cache", "--verbose", "."], catch_exceptions=False)
    assert result.exit_code == 3
    assert result.stderr.startswith("bad.md: error: internal error (RuntimeError: boom in WS001)")
    assert "Traceback (most recent call last)" in result.stderr
    assert 'raise RuntimeError("boom in WS001")' in result.stderr
