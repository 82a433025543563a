"""The process pool: a dying worker neither hangs the run nor loses a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdnorm import pool, runner
from mdnorm.config import Config

POST = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttp://example.com/{i}\n\ntitle {i}\n"
PARENT = os.getpid()
_real_worker = pool._worker


def _dying_worker(args: pool.WorkerArgs) -> runner.FileResult:
    """In a pool worker, die on one file as if killed: no exception, no result."""
    if os.getpid() != PARENT and args[0].endswith("-7-p.md"):
        os._exit(9)
    return _real_worker(args)


def test_a_killed_worker_breaks_the_pool_and_the_rest_is_done_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = []
    for i in range(40):
        p = tmp_path / f"2020-1-{i + 1}-p.md"
        p.write_text(POST.format(i=i), encoding="utf-8")
        files.append(str(p))
    monkeypatch.setattr(pool, "_worker", _dying_worker)
    results = runner.run_files(files, Config(root=str(tmp_path)), use_cache=False, jobs=2)
    assert [r.path for r in results] == files
    assert all(any(d.code == "HT001" for d in r.diagnostics) for r in results)
