"""Helpers shared by test modules: the kramdown availability check and a best-of-N timer."""

from __future__ import annotations

import gc
import shutil
import subprocess
import time
from collections.abc import Callable

import pytest


def _kramdown_missing() -> str | None:
    ruby = shutil.which("ruby")
    if ruby is None:
        return "ruby is not installed (apt-get install ruby-kramdown ruby-kramdown-parser-gfm)"
    probe = subprocess.run(
        [ruby, "-e", 'require "kramdown"; require "kramdown-parser-gfm"'], capture_output=True, check=False
    )
    if probe.returncode:
        return (
            "Ruby's kramdown or kramdown-parser-gfm is missing (apt-get install ruby-kramdown ruby-kramdown-parser-gfm)"
        )
    return None


#: Why kramdown tests cannot run here, or None; probed once per session, not per test.
KRAMDOWN_MISSING = _kramdown_missing()
requires_kramdown = pytest.mark.skipif(KRAMDOWN_MISSING is not None, reason=KRAMDOWN_MISSING or "")


def best_time(work: Callable[[], object], repeats: int) -> float:
    """Least CPU time of ``repeats`` runs of ``work``, with the garbage collector off while timing.

    CPU time of this process (``time.process_time``), not wall-clock time: other
    processes on a loaded machine then barely change it.  Only ever compared as
    a ratio between two input sizes, never against a number.
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
