"""A one-line progress display on stderr, for long runs on a terminal only.

It is shown only when stderr is a terminal, the run has more than
:data:`MIN_FILES` files and no ``CI`` variable is set, so it never ends up in a
pipe, a redirected file or a CI log.  The line is redrawn in place with ``\\r``
(at most ten times a second) and erased when the run ends.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from mdnorm.report import printable

MIN_FILES = 50
_INTERVAL = 0.1


def in_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def wanted(total: int, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when a progress line may be drawn on ``stream`` for ``total`` files."""
    env = os.environ if env is None else env
    if total <= MIN_FILES or in_ci(env) or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``[ 120/800] _posts/2019-05-01-post.md`` redrawn in place."""

    def __init__(self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self._clock = clock
        self._last = -_INTERVAL
        self._drawn = False

    @classmethod
    def for_run(cls, total: int, stream: TextIO | None = None) -> Progress | None:
        """A Progress for this run, or None when none must be shown."""
        stream = sys.stderr if stream is None else stream
        return cls(total, stream) if wanted(total, stream) else None

    def _width(self) -> int:
        import shutil  # with bz2 and lzma: only when a progress line is drawn

        return max(20, shutil.get_terminal_size((80, 24)).columns - 1)

    def advance(self, path: str) -> None:
        """Count one more file (``path`` is about to be checked)."""
        self.done += 1
        now = self._clock()
        if now - self._last < _INTERVAL and self.done < self.total:
            return
        self._last = now
        digits = len(str(self.total))
        line = f"[{self.done:>{digits}}/{self.total}] {printable(path)}"
        width = self._width()
        if len(line) > width:
            line = line[: width - 1] + "…"
        self.stream.write("\r" + line.ljust(width))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the line so that the report starts on a clean line."""
        if self._drawn:
            self.stream.write("\r" + " " * self._width() + "\r")
            self.stream.flush()
            self._drawn = False
