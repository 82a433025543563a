"""mdnorm as a real process: ``python -m mdnorm`` and the installed ``mdnorm`` script.

These check what click's runner cannot: exit codes seen by a shell, real pipes
and terminals (colors, the progress line), signals and a reader that goes away.
"""

from __future__ import annotations

import os
import platform
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdnorm import __version__

# The slow tier (real ``mdnorm`` processes; test_cli.py runs the CLI in-process):
# CI runs it; the quick `pytest -m "not slow"` loop does not.
pytestmark = pytest.mark.slow

CLEAN = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\ntext\n"
BAD = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttp://old.example.net/{slug} \n\nA title\n"

SCRIPT = Path(sys.executable).parent / ("mdnorm.exe" if os.name == "nt" else "mdnorm")
COMMANDS = {
    "module": [sys.executable, "-m", "mdnorm"],
    "script": [str(SCRIPT)],
}


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env["TERM"] = "xterm"
    env.update(extra)
    return env


@pytest.fixture(params=sorted(COMMANDS))
def mdnorm(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "script" and not SCRIPT.exists():
        pytest.skip(f"no console script at {SCRIPT}")
    return COMMANDS[request.param]


def call(
    cmd: list[str], *args: str, cwd: Path, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env=environ(**env),
        timeout=120,
    )


def posts(root: Path, n: int, bad: bool = True) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"p{i:03d}.md").write_text(BAD.replace("{slug}", str(i)) if bad else CLEAN, encoding="utf-8")


def test_exit_0_on_a_clean_folder(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 2, bad=False)
    result = call(mdnorm, "posts", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_exit_1_on_problems(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 2)
    result = call(mdnorm, "posts", cwd=tmp_path)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("posts/p000.md:7:1: HT001 insecure link to old.example.net: use https:// (not fixed safely")
    assert (
        result.stdout.splitlines()[-1]
        == "Found 4 problems in 2 files (2 fixable with --fix; 2 more fixable with --fix --unsafe-fixes)."
    )
    assert result.stderr == ""


def test_exit_2_on_a_missing_path(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "nope/", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "mdnorm: error: nope/: no such file or directory\n"
    assert result.stdout == ""


def test_exit_2_on_an_unknown_code(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "--select", "ZZ", cwd=tmp_path)
    assert result.returncode == 2
    assert "'ZZ'" in result.stderr


def test_exit_2_on_a_config_error(mdnorm: list[str], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mdnorm]\nselect = 3\n")
    result = call(mdnorm, cwd=tmp_path)
    assert result.returncode == 2
    assert "'select'" in result.stderr and "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_zero(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path, 1)
    assert call(mdnorm, "--exit-zero", cwd=tmp_path).returncode == 0


def test_stdin(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "-", "--stdin-filename", "_posts/x.md", cwd=tmp_path, input=BAD.replace("{slug}", "x"))
    assert result.returncode == 1
    assert result.stdout.startswith("_posts/x.md:7:1: HT001")


def test_version(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"mdnorm {__version__}\n")


def test_rule_and_rules(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "rule", "LE001", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# LE001: link-entry-missing-title\n")
    assert call(mdnorm, "rule", "NOPE1", cwd=tmp_path).returncode == 2
    assert "WS004" in call(mdnorm, "rules", cwd=tmp_path).stdout


def test_no_ansi_in_a_pipe(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path, 1)
    result = call(mdnorm, cwd=tmp_path)
    assert "\x1b" not in result.stdout + result.stderr


# --- terminals ------------------------------------------------------------------------------------------


def run_on_pty(cmd: list[str], cwd: Path, stream: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stdout or stderr on a pseudo-terminal; (exit code, pty text, other stream's text)."""
    import pty

    master, slave = pty.openpty()
    other = subprocess.PIPE
    kwargs = {"stdout": slave, "stderr": other} if stream == "stdout" else {"stdout": other, "stderr": slave}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 120
    try:
        while True:
            # never block on a child that neither writes nor exits: wait for data at most until the deadline
            if not select.select([master], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise AssertionError(f"{cmd} still running after 120 s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        piped = proc.communicate(timeout=120)[1 if stream == "stdout" else 0]
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), piped.decode("utf-8", "replace")


needs_pty = pytest.mark.skipif(platform.system() not in ("Linux", "Darwin"), reason="needs a pseudo-terminal")


@needs_pty
def test_color_on_a_terminal_and_never_with_no_color(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path, 1)
    code, shown, _ = run_on_pty(mdnorm, tmp_path, "stdout", environ())
    assert code == 1
    assert "\x1b[" in shown
    _, shown, _ = run_on_pty(mdnorm, tmp_path, "stdout", environ(NO_COLOR="1"))
    assert "\x1b[" not in shown and "HT001" in shown
    _, shown, _ = run_on_pty([*mdnorm, "--no-color"], tmp_path, "stdout", environ())
    assert "\x1b[" not in shown and "HT001" in shown


@needs_pty
def test_progress_line_on_a_terminal_for_a_long_run(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 60)
    code, shown, out = run_on_pty([*mdnorm, "posts"], tmp_path, "stderr", environ())
    assert code == 1
    assert "\r[" in shown and "/60] posts/p" in shown
    assert shown.endswith("\r")  # erased before the report
    assert "\r" not in out and out.splitlines()[-1].startswith("Found 120 problems in 60 files")


@needs_pty
def test_no_progress_line_in_ci_even_on_a_terminal(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 60)
    _, shown, _ = run_on_pty([*mdnorm, "posts"], tmp_path, "stderr", environ(CI="true"))
    assert shown == ""


@needs_pty
def test_no_progress_line_for_a_short_run(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 10)
    _, shown, _ = run_on_pty([*mdnorm, "posts"], tmp_path, "stderr", environ())
    assert shown == ""


def test_no_progress_line_when_stderr_is_not_a_terminal(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 60)
    result = call(mdnorm, "posts", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    assert "\r" not in result.stdout


# --- signals and pipes ------------------------------------------------------------------------------------


def _wait_until_reading_stdin(pid: int, limit: float = 15.0) -> None:
    """Wait until ``pid`` blocks in read(0, ...) (Linux), or a few seconds elsewhere."""
    read_nr = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())
    syscall = Path(f"/proc/{pid}/syscall")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            fields = syscall.read_text().split()
        except OSError:
            fields = []
        if read_nr is not None and fields[:2] == [read_nr, "0x0"]:
            time.sleep(0.1)
            return
        if read_nr is None or not syscall.exists():
            time.sleep(3)
            return
        time.sleep(0.05)


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_interrupt_exits_130(mdnorm: list[str], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*mdnorm, "-"],
        cwd=tmp_path,
        env=environ(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_reading_stdin(proc.pid)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err == "mdnorm: interrupted\n"
    assert "Traceback" not in err


@pytest.mark.skipif(os.name == "nt", reason="POSIX pipes")
def test_a_reader_that_goes_away_is_not_an_error(mdnorm: list[str], tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    for i in range(10):  # far more output than a pipe holds
        (tmp_path / "posts" / f"p{i}.md").write_text(CLEAN + "word \n\n" * 500, encoding="utf-8")
    proc = subprocess.Popen(
        [*mdnorm, "posts"], cwd=tmp_path, env=environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdout.readline()
        proc.stdout.close()  # like `mdnorm posts | head -1`
        err = proc.communicate(timeout=120)[1].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode in (0, 1)


def test_top_level_help_shows_the_check_options(mdnorm: list[str], tmp_path: Path) -> None:
    result = call(mdnorm, "--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--fix", "--show-fixes", "--select", "--output-format", "--force-exclude", "--color"):
        assert option in result.stdout


def test_user_errors_exit_2_with_one_line_in_a_real_process(mdnorm: list[str], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for args in (("empty",), ("--select", "", "."), ("rule", "no-such-rule")):
        result = call(mdnorm, *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert result.stderr.startswith("mdnorm: error: ") and result.stderr.count("\n") == 1, args


def test_fix_with_show_fixes_and_force_color_in_a_real_process(mdnorm: list[str], tmp_path: Path) -> None:
    posts(tmp_path / "posts", 1)
    result = call(mdnorm, "--fix", "--show-fixes", "--no-cache", "posts", cwd=tmp_path, FORCE_COLOR="1")
    assert result.returncode == 1
    assert "\x1b[" in result.stdout
    assert "Fixed 1 problem:" in result.stdout and "1 × WS001 (trailing-whitespace)" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Found 2 problems (1 fixed, 1 remaining")
