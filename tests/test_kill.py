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
from pathlib import Path

import pytest

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.files import discover
from mdnorm.fix import fix_document
from mdnorm.rules import Context, selected_codes

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
