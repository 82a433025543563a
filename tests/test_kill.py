"""SIGKILL ``mdnorm --fix`` in the middle of a large run: every post is old or new, never a mix.

Writes go to a ``.mdnorm-*.tmp`` file beside the post, are fsynced, then renamed
over it, so a kill at any moment leaves each post either untouched or fully
fixed.  A killed run may leave a temporary file behind: it must never be taken
for a post, and the next ``--fix`` must simply finish the job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.files import discover
from mdnorm.fixer import fix_document
from mdnorm.rules import Context
from mdnorm.selection import selected_codes

# The slow tier (signals to real processes mid-write):
# CI runs it; the quick `pytest -m "not slow"` loop does not.
pytestmark = pytest.mark.slow

POSTS = 3000
ENTRIES = 30  # link entries per post: enough work that the run is still going when it is killed

OLD = (
    "---\nlayout: post \ntitle:  Post {i}\ncategory: DL\n---\n\n* toc\n\n{{:toc}}\n\n# Part {i}\n\n## Links\n\n"
    + "".join(f"http://github.com/u/{{i}}/{n}\nTitle {n} of {{i}}   \n\n" for n in range(ENTRIES))
)
NEW = (
    "---\nlayout: post\ntitle:  Post {i}\ncategory: DL\n---\n\n* toc\n{{:toc}}\n\n# Part {i}\n\n## Links\n\n"
    + "\n".join(f"https://github.com/u/{{i}}/{n}\n\nTitle {n} of {{i}}\n" for n in range(ENTRIES))
)


def _name(i: int) -> str:
    return f"2020-1-{i:05d}-post.markdown"


def test_expected_new_text_is_what_the_fixer_produces() -> None:
    # guards the test below: NEW must really be the fixed form of OLD
    fixed = fix_document(Document("p.md", OLD.format(i=7)), Context(Config()), selected_codes(Config()))
    assert fixed.text == NEW.format(i=7)


@pytest.mark.slow
def test_sigkill_mid_run_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    tree = tmp_path / "posts"
    for sub in range(10):
        (tree / f"d{sub}").mkdir(parents=True)
    paths = []
    for i in range(POSTS):
        p = tree / f"d{i % 10}" / _name(i)
        p.write_text(OLD.format(i=i), encoding="utf-8")
        paths.append(p)
    cmd = [sys.executable, "-m", "mdnorm", "--fix", "--quiet", "posts"]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    sizes = {p: p.stat().st_size for p in paths}
    deadline = time.monotonic() + 180  # only turns a run that never writes into a failure, not a hang
    try:
        # wait until about 100 posts are rewritten (or the run ends), then kill the whole group
        while proc.poll() is None and sum(p.stat().st_size != sizes[p] for p in paths[::10]) < 10:
            assert time.monotonic() < deadline, "the run rewrote no post in 180 s"
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    old = new = 0
    for i, p in enumerate(paths):
        text = p.read_text(encoding="utf-8")
        if text == OLD.format(i=i):
            old += 1
        else:
            assert text == NEW.format(i=i), f"{p} is neither the old nor the new post"
            new += 1
    assert new > 0  # the kill came after the first write

    posts = {str(p) for p in paths}
    leftovers = [
        os.path.join(folder, f)
        for folder, _, files in os.walk(tree)
        for f in files
        if os.path.join(folder, f) not in posts
    ]
    assert all(os.path.basename(f).startswith(".mdnorm-") and f.endswith(".tmp") for f in leftovers), leftovers
    (tree / "d0" / ".mdnorm-planted.tmp").write_text("half a post", encoding="utf-8")  # as a kill can leave
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert set(discover(["posts"], Config())) == {os.path.relpath(p, tmp_path) for p in posts}
    finally:
        os.chdir(cwd)

    rerun = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "Traceback" not in rerun.stderr
    for i, p in enumerate(paths):
        assert p.read_text(encoding="utf-8") == NEW.format(i=i)
    print(f"killed with {old} posts old and {new} new; {len(leftovers)} temp files left")


# -- SIGTERM, SIGHUP, SIGINT: the whole run ends, cleanly (repro 10) ----------------------------------

#: Runs mdnorm with ``os.replace`` stopped at one post until the test lets it go: ``argv[1]``
#: (``worker`` or ``parent``) says in which process, ``argv[2]`` is the folder for the
#: ``in-write`` marker (holding the pid) and the ``release`` file; the rest is mdnorm's command line.
HELD_WRITE = """
import os, pathlib, sys, time
from mdnorm import cli

where, flags = sys.argv[1], pathlib.Path(sys.argv[2])
parent, real_replace = os.getpid(), os.replace

def replace(src, dst):
    if dst.endswith("victim.md") and (where == "worker") == (os.getpid() != parent):
        (flags / "pid.tmp-marker").write_text(str(os.getpid()))
        real_replace(flags / "pid.tmp-marker", flags / "in-write")
        deadline = time.monotonic() + 120
        while not (flags / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    real_replace(src, dst)

os.replace = replace
sys.argv = ["mdnorm", *sys.argv[3:]]
cli.main()
"""

SMALL_OLD = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttp://github.com/u/{i}   \n\nTitle {i}\n"
SMALL_NEW = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttps://github.com/u/{i}\n\nTitle {i}\n"


def _until(what: str, ready: Callable[[], bool], limit: float = 60) -> None:
    """Poll for an observable event; the limit only turns a hang into a failure."""
    deadline = time.monotonic() + limit
    while not ready():
        assert time.monotonic() < deadline, f"never saw: {what}"
        time.sleep(0.01)


def _pending(pid: int, signum: int) -> bool:
    """True when ``signum`` waits, blocked, to be delivered to ``pid`` (Linux ``/proc``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    mask = int(fields["SigPnd"], 16) | int(fields["ShdPnd"], 16)
    return bool(mask & (1 << (signum - 1)))


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``: what a run left behind."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp session ...
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(entry))
    return alive


Tree = dict[Path, tuple[str, str]]  # each post's old and fixed text


def _small_tree(root: Path, n: int = 24) -> Tree:
    tree = {}
    for i in range(n):
        p = root / "posts" / (f"p{i:02d}-victim.md" if i == 5 else f"p{i:02d}.md")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(SMALL_OLD.format(i=i), encoding="utf-8")
        tree[p] = (SMALL_OLD.format(i=i), SMALL_NEW.format(i=i))
    return tree


def _start_held(tmp_path: Path, where: str, jobs: str) -> tuple[Tree, subprocess.Popen[str], Path, int]:
    """Start ``mdnorm --fix -j jobs`` on a small tree and wait until ``where`` is inside the victim's write.

    Returns the tree, the process (the leader of its own session), the folder of
    the flags, and the pid of the process holding the write.
    """
    tree = _small_tree(tmp_path)
    flags = tmp_path / "flags"
    flags.mkdir()
    cmd = [sys.executable, "-c", HELD_WRITE, where, str(flags), "--fix", "--no-cache", "--quiet", "-j", jobs, "posts"]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _until("the victim's write held", lambda: (flags / "in-write").exists() or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate(timeout=60)
        return tree, proc, flags, int((flags / "in-write").read_text())
    except BaseException:
        (flags / "release").touch()
        _reap(proc)
        raise


def _reap(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for the run and every process of its session; kill what is left after the limit."""
    try:
        out, err = proc.communicate(timeout=60)
        _until("every process of the run gone", lambda: not _session(proc.pid), limit=30)
    finally:
        for pid in _session(proc.pid):  # a failed test leaves nothing running either
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.communicate(timeout=60)
    return out, err


def _check_the_aftermath(
    tmp_path: Path, proc: subprocess.Popen[str], tree: Tree, code: int | None, message: str | None
) -> None:
    """Every process gone, the exit code and message, every post old or new, the held write done, no ``.tmp``."""
    out, err = _reap(proc)
    if code is not None:
        assert proc.returncode == code, out + err
        assert err.strip() == message, err
    for path, (old, new) in tree.items():
        assert path.read_text(encoding="utf-8") in (old, new), path
    victim = tmp_path / "posts" / "p05-victim.md"
    assert victim.read_text(encoding="utf-8") == tree[victim][1]  # the held write was finished
    assert sorted(p.name for p in (tmp_path / "posts").iterdir()) == sorted(p.name for p in tree)  # no .tmp


CASES = {
    "SIGTERM to the parent": (signal.SIGTERM, False, 143, "mdnorm: stopped by SIGTERM"),
    "SIGTERM to the group": (signal.SIGTERM, True, 143, "mdnorm: stopped by SIGTERM"),
    "SIGHUP to the group": (signal.SIGHUP, True, 129, "mdnorm: stopped by SIGHUP"),
    "SIGINT to the group": (signal.SIGINT, True, 130, "mdnorm: interrupted"),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("case", list(CASES))
def test_a_signal_stops_the_pool_and_its_workers_with_nothing_half_done(tmp_path: Path, case: str) -> None:
    """A worker is held inside a write; the signal comes; the worker must finish that write, then die.

    SIGTERM used to end only the parent: its workers lived on, fixing posts.  The
    worker's SIGTERM (sent by the group, or by the parent stopping the pool) is
    seen pending, blocked, before the write is let go: so the test proves the
    write was not cut short, not that it was lucky.
    """
    signum, group, code, message = CASES[case]
    tree, proc, flags, worker = _start_held(tmp_path, "worker", "2")
    try:
        (os.killpg if group else os.kill)(proc.pid, signum)
        _until("SIGTERM waiting for the write to end", lambda: _pending(worker, signal.SIGTERM))
    finally:
        (flags / "release").touch()
        _check_the_aftermath(tmp_path, proc, tree, code, message)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_during_a_serial_write_waits_for_its_end(tmp_path: Path, signum: signal.Signals) -> None:
    """``-j 1``: the signal that used to leave a ``.mdnorm-*.tmp`` waits for the rename."""
    tree, proc, flags, _ = _start_held(tmp_path, "parent", "1")
    try:
        proc.send_signal(signum)
        _until(f"{signum.name} waiting for the write to end", lambda: _pending(proc.pid, signum))
    finally:
        (flags / "release").touch()
        message = "mdnorm: interrupted" if signum == signal.SIGINT else f"mdnorm: stopped by {signum.name}"
        _check_the_aftermath(tmp_path, proc, tree, 128 + signum, message)
    written = [p.name for p, (old, _new) in tree.items() if p.read_text(encoding="utf-8") != old]
    assert written == [f"p{i:02d}.md" for i in range(5)] + ["p05-victim.md"]  # the run stopped right there


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    """No handler runs on SIGKILL: the kernel (PR_SET_PDEATHSIG) tells the workers, after their write."""
    tree, proc, flags, worker = _start_held(tmp_path, "worker", "2")
    try:
        proc.kill()
        proc.wait(timeout=60)
        _until("the parent's death announced to the worker", lambda: _pending(worker, signal.SIGTERM))
    finally:
        (flags / "release").touch()
        _check_the_aftermath(tmp_path, proc, tree, None, None)


ORPHAN = """
import os, sys, time
from mdnorm import signals


use_prctl, pid_file = sys.argv[1] == "prctl", sys.argv[2]
parent = os.getpid()
if os.fork() == 0:
    signals.die_with_parent(parent, use_prctl=use_prctl)
    with open(pid_file + ".part", "w") as fh:
        fh.write(str(os.getpid()))
    os.rename(pid_file + ".part", pid_file)
    time.sleep(120)
    os._exit(0)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["prctl", "polling"])
def test_a_worker_dies_with_its_parent(tmp_path: Path, how: str) -> None:
    """Both ways a worker learns that its parent died: the kernel's, and the polling fallback's."""
    pid_file = tmp_path / "child.pid"
    proc = subprocess.Popen([sys.executable, "-c", ORPHAN, how, str(pid_file)], start_new_session=True)
    try:
        _until("the child armed", lambda: pid_file.exists() or proc.poll() is not None)
        assert proc.poll() is None
        proc.kill()
        proc.wait(timeout=60)
        _until("the child gone", lambda: not _session(proc.pid), limit=30)
    finally:
        for pid in _session(proc.pid):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
