"""Helpers shared by test modules: the kramdown availability check and a best-of-N CPU timer."""

from __future__ import annotations

import gc
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest


def _kramdown_missing() -> str | None:
    ruby = shutil.which("ruby")
    if ruby is None:
        return "ruby is not installed (apt-get install ruby-kramdown ruby-kramdown-parser-gfm)"
    probe = subprocess.run(
        [ruby, "-e", 'require "kramdown"; require "kramdown-parser-gfm"'], capture_output=True, check=False, timeout=60
    )
    if probe.returncode:
        return (
            "Ruby's kramdown or kramdown-parser-gfm is missing (apt-get install ruby-kramdown ruby-kramdown-parser-gfm)"
        )
    return None


#: Why kramdown tests cannot run here, or None; probed once per session, not per test.
KRAMDOWN_MISSING = _kramdown_missing()
requires_kramdown = pytest.mark.skipif(KRAMDOWN_MISSING is not None, reason=KRAMDOWN_MISSING or "")


#: Linear-time checks time N and GROWTH * N units: linear work costs about GROWTH times as much,
#: quadratic work GROWTH ** 2 (64x).  LINEAR_LIMIT leaves room for noise and stays far below that.
GROWTH = 8
LINEAR_LIMIT = 20.0


def best_time(work: Callable[[], object], repeats: int) -> float:
    """Least CPU time (``time.process_time``) of ``repeats`` runs of ``work``, garbage collector off.

    CPU time, not wall-clock time: a loaded machine delays a run but does not make it
    use more CPU, so the ratio of two sizes holds while other jobs compete for the cores.
    Only ever compared as a ratio between two input sizes, never against a number.
    """
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def make_site(
    root: Path, posts: dict[str, str], files: tuple[str, ...] = (), config: str = "permalink: date\n", layout: str = ""
) -> Path:
    """A small Jekyll site at ``root``: ``_config.yml``, one layout, ``_posts/`` and empty ``files``."""
    (root / "_config.yml").write_text(config, encoding="utf-8")
    (root / "_layouts").mkdir()
    (root / "_layouts" / "post.html").write_text(layout + "{{ content }}\n", encoding="utf-8")
    (root / "_posts").mkdir()
    for name, text in posts.items():
        (root / "_posts" / name).write_text(text, encoding="utf-8")
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_bytes(b"")
    return root
