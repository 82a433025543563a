"""``mdnorm daemon``: a run served by the daemon prints, writes and exits exactly as a plain run.

Every test runs real processes: a daemon started with ``MDNORM_DAEMON_DIR`` in
the test's temporary folder (stopped, or killed, by the fixture's finalizer), and
clients run as ``python -m mdnorm`` or the console script.  Each differential
test runs a command once with ``MDNORM_NO_DAEMON=1`` and once through the daemon,
and checks from the daemon's own count that the second really went through it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import make_site

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"),
    reason="the daemon needs fork, AF_UNIX and SCM_RIGHTS",
)

TIMEOUT = 120
SCRIPT = Path(sys.executable).parent / "mdnorm"


def post(body: str, title: str = "T") -> str:
    return f"---\nlayout: post\ntitle: {title}\ncategory: c\n---\n\n{body}"


MESSY = post("hello   \n\n\n\nworld\n\nhttp://example.org/x\n\nTitle\n\n## Deep\n\n#### Deeper\n")
CLEAN = post("Just text.\n")
POSTS = {"2020-01-01-messy.md": MESSY, "2020-01-02-clean.md": CLEAN, "2020-01-03-other.md": MESSY.replace("x", "y")}


def base_env(tmp: Path) -> dict[str, str]:
    """The tests' environment: nothing of the user's about colors, caches, config or daemons."""
    drop = ("CI", "FORCE_COLOR", "NO_COLOR", "MDNORM_CONFIG", "MDNORM_CACHE_DIR", "MDNORM_NO_DAEMON", "TERM")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["MDNORM_DAEMON_DIR"] = str(tmp / "daemon")
    return env


class Daemon:
    """A daemon of this install, its socket folder in the test's temporary folder."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.env = dict(env or base_env(tmp))
        self.pid: int | None = None

    def command(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mdnorm", "daemon", *args],
            env=self.env,
            cwd=cwd or self.tmp,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def start(self) -> None:
        done = self.command("start")
        assert done.returncode == 0, done.stderr
        self.pid = int(done.stdout.split("pid ")[1].split(",")[0])

    def served(self) -> int:
        done = self.command("status")
        assert done.returncode == 0, done.stdout + done.stderr
        return int(done.stdout.rsplit("served ", 1)[1].rstrip(")\n"))

    def running(self) -> bool:
        return self.command("status").returncode == 0

    def children(self) -> list[int]:
        """The runs the daemon has forked and not yet reaped."""
        assert self.pid is not None
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            pytest.skip("no /proc children list here")
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        if self.running():
            self.command("stop")
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path)
    d.start()
    try:
        yield d
    finally:
        d.stop()


def mdnorm(
    cwd: Path,
    env: dict[str, str],
    *args: str,
    through: bool,
    stdin: bytes = b"",
    script: bool = False,
    umask: int | None = None,
) -> tuple[int, str, str]:
    """One run (``through``: the daemon may serve it; else ``MDNORM_NO_DAEMON=1``): code, stdout, stderr."""
    env = dict(env)
    if not through:
        env["MDNORM_NO_DAEMON"] = "1"
    argv = [str(SCRIPT)] if script else [sys.executable, "-m", "mdnorm"]

    def preexec() -> None:
        if umask is not None:
            os.umask(umask)

    done = subprocess.run(
        [*argv, *args], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=TIMEOUT, preexec_fn=preexec
    )
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def both(
    cwd: Path, env: dict[str, str], *args: str, stdin: bytes = b"", script: bool = False
) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """The plain run and the served run, each with a user cache folder of its own (both cold)."""
    plain_env = {**env, "XDG_CACHE_HOME": str(cwd.parent / "cache-plain")}
    served_env = {**env, "XDG_CACHE_HOME": str(cwd.parent / "cache-served")}
    plain = mdnorm(cwd, plain_env, *args, through=False, stdin=stdin, script=script)
    served = mdnorm(cwd, served_env, *args, through=True, stdin=stdin, script=script)
    return plain, served


COMMANDS: list[tuple[str, ...]] = [
    ("_posts",),
    (".",),
    ("_posts/2020-01-01-messy.md",),
    ("--diff", "_posts"),
    ("--check", "_posts"),
    ("--output-format", "json", "_posts"),
    ("--output-format", "full", "_posts"),
    ("--output-format", "github", "_posts/2020-01-01-messy.md"),
    ("--statistics", "_posts"),
    ("--select", "WS", "--no-cache", "-j", "2", "_posts"),
    ("missing.md",),
    ("--config", "broken.toml", "_posts"),
    ("--select", "NOPE", "_posts"),
    ("--bogus",),
    ("rule", "WS001"),
    ("rule", "no-such-rule"),
    ("rules",),
    ("--help",),
    ("check", "--help"),
    ("rule", "--help"),
    ("--version",),
]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    make_site(root, POSTS)
    (root / "broken.toml").write_text("select = [\n", encoding="utf-8")
    return root


def test_runs_through_the_daemon_answer_as_plain_runs(daemon: Daemon, site: Path) -> None:
    before = daemon.served()
    for args in COMMANDS:
        plain, served = both(site, daemon.env, *args)
        assert served == plain, args
    assert daemon.served() == before + len(COMMANDS)


def test_the_console_script_and_stdin(daemon: Daemon, site: Path) -> None:
    text = MESSY.encode()
    for args in [("-",), ("--fix", "-", "--stdin-filename", "_posts/2020-01-01-messy.md"), ("--bogus",), ("--help",)]:
        plain, served = both(site, daemon.env, *args, stdin=text, script=True)
        assert served == plain, args
    assert daemon.served() == 4


def test_fix_writes_the_same_files(daemon: Daemon, tmp_path: Path) -> None:
    results, trees = [], []
    for through in (False, True):
        root = tmp_path / f"fix-{through}"
        root.mkdir()
        make_site(root, POSTS)
        env = {**daemon.env, "XDG_CACHE_HOME": str(tmp_path / f"cache-{through}")}
        results.append(mdnorm(root, env, "--fix", "--show-fixes", "--unsafe-fixes", "_posts", through=through))
        trees.append({p.name: p.read_bytes() for p in sorted((root / "_posts").iterdir())})
    assert results[0] == results[1]
    assert trees[0] == trees[1] and trees[0] != {n: t.encode() for n, t in POSTS.items()}
    assert daemon.served() == 1


def test_the_child_has_the_clients_environment_and_umask(daemon: Daemon, site: Path) -> None:
    for extra in ({"FORCE_COLOR": "1"}, {"NO_COLOR": "1"}, {"FORCE_COLOR": "1", "MDNORM_RACY_MS": "0"}):
        plain, served = both(site, {**daemon.env, **extra}, "_posts")
        assert served == plain
    assert "\x1b[" in served[1]  # the client's FORCE_COLOR reached the child
    assert "\x1b[" not in both(site, {**daemon.env, "NO_COLOR": "1"}, "_posts")[1][1]
    modes = []
    for through in (False, True):
        folder = site / f"init-{through}"
        shutil.copytree(site / "_posts", folder / "_posts")
        code, _out, err = mdnorm(site, daemon.env, "init", str(folder), through=through, umask=0o077)
        assert code == 0, err
        modes.append((folder / ".mdnorm.toml").stat().st_mode & 0o777)
    assert modes[0] == modes[1] == 0o600
    assert daemon.served() == 5  # init: a served run too


def test_two_clients_at_once(daemon: Daemon, site: Path) -> None:
    runs = [("--output-format", "json", "_posts"), ("rule", "HT001"), ("_posts/2020-01-02-clean.md",)]
    expected = [mdnorm(site, daemon.env, *args, through=False) for args in runs]
    env = {**daemon.env, "MDNORM_RACY_MS": "0"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mdnorm", *args], cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for args in runs
    ]
    got = []
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        got.append((proc.returncode, out.decode(), err.decode()))
    assert got == expected
    assert daemon.served() == len(runs)


def test_signals_reach_the_child(daemon: Daemon, site: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdnorm", "-"], cwd=site, env=daemon.env, stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: bool(daemon.children()))
        (child,) = daemon.children()
        # in the client's folder (so past the reset of the daemon's handlers) and catching SIGTERM: the
        # run's own handler is in place, and the run waits for stdin
        wait_for(lambda: in_folder(child, site) and catches(child, signal.SIGTERM))
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.decode() == "mdnorm: stopped by SIGTERM\n"


def test_a_killed_child_is_reported_not_run_again(daemon: Daemon, site: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdnorm", "-"], cwd=site, env=daemon.env, stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: bool(daemon.children()))
        for child in daemon.children():
            os.kill(child, signal.SIGKILL)
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2
    assert "mdnorm daemon" in err.decode() and err.decode().count("\n") == 1
    wait_for(lambda: not daemon.children())  # reaped: no zombie left
    assert daemon.running()


def test_a_killed_daemon_means_plain_runs_and_a_new_start(daemon: Daemon, site: Path) -> None:
    assert daemon.pid is not None
    os.kill(daemon.pid, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{daemon.pid}").exists() or "Z" in proc_state(daemon.pid))
    plain, served = both(site, daemon.env, "_posts")
    assert served == plain and served[0] == 1
    assert not daemon.running()
    daemon.start()  # the dead daemon's socket and lock do not stand in the way
    assert daemon.running() and daemon.served() == 0


def test_a_daemon_never_serves_changed_code(tmp_path: Path, site: Path) -> None:
    """A copy of the package, installed by PYTHONPATH: touching one of its sources makes its daemon stale."""
    import mdnorm as package

    copy = tmp_path / "install"
    shutil.copytree(Path(package.__file__).parent, copy / "mdnorm", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**base_env(tmp_path), "PYTHONPATH": str(copy)}
    d = Daemon(tmp_path, env)
    d.start()
    try:
        assert mdnorm_run(site, env) == mdnorm(site, env, "_posts", through=False)
        assert d.served() == 1
        source = copy / "mdnorm" / "rules" / "whitespace.py"
        st = source.stat()
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        assert mdnorm_run(site, env) == mdnorm(site, env, "_posts", through=False)  # answered here, not there
        wait_for(lambda: not d.running())  # and the stale daemon is gone
    finally:
        d.stop()


def test_the_daemon_is_only_for_its_own_install(daemon: Daemon, site: Path) -> None:
    """MDNORM_NO_DAEMON, the daemon command itself and another interpreter's flags: never served."""
    mdnorm(site, {**daemon.env, "MDNORM_NO_DAEMON": "1"}, "_posts", through=True)
    done = subprocess.run(
        [sys.executable, "-X", "utf8=0", "-O", "-m", "mdnorm", "_posts"],
        cwd=site,
        env=daemon.env,
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 1
    assert daemon.served() == 0
    folder = tmp_path_mode(daemon)
    assert folder == 0o700


def test_stop_and_status(daemon: Daemon) -> None:
    assert daemon.running()
    assert daemon.command("stop").returncode == 0
    status = daemon.command("status")
    assert status.returncode == 1 and "not running" in status.stdout
    assert daemon.command("stop").returncode == 1
    assert not list((daemon.tmp / "daemon").glob("*.sock"))


def test_idle_timeout(tmp_path: Path) -> None:
    d = Daemon(tmp_path)
    done = d.command("start", "--idle-timeout", "1")
    assert done.returncode == 0, done.stderr
    try:
        wait_for(lambda: not d.running(), seconds=60)
    finally:
        d.stop()


# -- helpers ---------------------------------------------------------------------------------------


def mdnorm_run(site: Path, env: dict[str, str]) -> tuple[int, str, str]:
    return mdnorm(site, env, "_posts", through=True)


def in_folder(pid: int, folder: Path) -> bool:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")) == folder.resolve()
    except OSError:
        return False


def catches(pid: int, sig: int) -> bool:
    """Whether ``pid`` has a handler for ``sig`` (``SigCgt`` of /proc/PID/status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    except OSError:
        pass
    return False


def proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "gone"


def tmp_path_mode(d: Daemon) -> int:
    return (d.tmp / "daemon").stat().st_mode & 0o777


def wait_for(condition: object, seconds: float = 30.0) -> None:
    """Poll ``condition`` (a callable) until true; fail after ``seconds`` (a ceiling, not a timing claim)."""
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_the_state_machine_through_the_daemon(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short sequence of the cache's state machine (tests/site_machine.py), every run served:
    cached runs still answer as cold runs, and the daemon served them all."""
    import site_machine
    from test_state import MESSY as STATE_MESSY
    from test_state import ONE, ZZZ

    monkeypatch.setattr(site_machine, "DAEMON_DIR", daemon.env["MDNORM_DAEMON_DIR"])
    machine = site_machine.SiteMachine()
    try:
        machine.site(texts=[STATE_MESSY, ZZZ, ONE, ONE], dates=[(2019, 1, 1), (2019, 1, 2), (2019, 1, 3), (2019, 1, 4)])
        machine.cache_changes_nothing()
        steps: list[Callable[[], None]] = [
            lambda: machine.lint("text"),
            lambda: machine.diff(unsafe=False),
            lambda: machine.stdin_fix(0),
            lambda: machine.fix(unsafe=True),
            lambda: machine.swap(machine.names[1], machine.names[3]),
            lambda: machine.add_baseline(),
            lambda: machine.edit(2, STATE_MESSY),
        ]
        for step in steps:
            step()
            machine.cache_changes_nothing()
    finally:
        machine.teardown()
    assert daemon.served() >= 3 * len(steps)


def test_a_served_client_imports_nothing_heavy(daemon: Daemon, site: Path) -> None:
    """``-X importtime`` of a served run: the client loaded none of click, mistune, yaml, typing or the engine."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mdnorm", "_posts"],
        cwd=site,
        env=daemon.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 1 and daemon.served() == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "mdnorm.client" in imported
    heavy = {
        name for name in imported if name.split(".")[0] in ("click", "mistune", "yaml", "socket", "signal", "typing")
    }
    assert not heavy and not {name for name in imported if name.startswith("mdnorm.")} - {
        "mdnorm.client",
        "mdnorm._version",
        "mdnorm.__main__",
    }


def test_a_daemon_whose_socket_is_removed_exits(daemon: Daemon) -> None:
    """A deleted socket folder (a bench's temp folder, a cleaned /tmp) leaves no daemon lingering for hours."""
    assert daemon.pid is not None
    (sock,) = (daemon.tmp / "daemon").glob("*.sock")
    sock.unlink()
    wait_for(lambda: proc_state(daemon.pid or 0) in ("gone", "Z"))
    (log,) = (daemon.tmp / "daemon").glob("*.log")
    assert "stopped (the socket was removed; served 0)" in log.read_text()


def test_a_signal_the_client_ignores_stays_ignored(daemon: Daemon, site: Path) -> None:
    """``nohup mdnorm ...``: SIGHUP is ignored by the client, so neither passed on nor felt by the run."""

    def ignore_hup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen(
        [sys.executable, "-m", "mdnorm", "-", "--stdin-filename", "_posts/x.md"],
        cwd=site,
        env=daemon.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_hup,
    )
    try:
        wait_for(lambda: bool(daemon.children()))
        for child in daemon.children():
            os.kill(child, signal.SIGHUP)  # as a hang-up of the terminal would reach it too
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(CLEAN.encode(), timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    plain = mdnorm(site, daemon.env, "-", "--stdin-filename", "_posts/x.md", through=False, stdin=CLEAN.encode())
    assert (proc.returncode, out.decode(), err.decode()) == plain


def test_clients_that_go_away_or_talk_nonsense_do_not_stop_the_daemon(daemon: Daemon) -> None:
    import marshal

    (path,) = (daemon.tmp / "daemon").glob("*.sock")
    for payload in (marshal.dumps({"op": "status"}), b"garbage", b""):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(path))
            if payload:
                sock.sendall(b"MDN1" + len(payload).to_bytes(4, "big") + payload)
            # and gone before the answer
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
        sock.sendall(b"HTTP/1.0 GET /\r\n\r\n")
        try:
            answer = sock.recv(100)
        except ConnectionResetError:  # closed with our bytes unread
            answer = b""
        assert answer == b""  # not ours: closed without a word
    assert daemon.running() and daemon.served() == 0


def test_foreground_daemon_serves_and_stops_on_sigterm(tmp_path: Path, site: Path) -> None:
    d = Daemon(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdnorm", "daemon", "start", "--foreground"], env=d.env, cwd=tmp_path
    )
    try:
        wait_for(d.running, seconds=60)
        assert mdnorm(site, d.env, "--version", through=True) == mdnorm(site, d.env, "--version", through=False)
        assert d.served() == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
        assert not d.running() and not list((tmp_path / "daemon").glob("*.sock"))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
