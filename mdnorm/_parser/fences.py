"""Which lines can close a fence: an index built once per text, so fenced code stays linear.

kramdown's closing fence repeats the opening run (``^ {0,3}\\1\\2*``); a long run of
alternating ``~`` and backticks would make a naive search quadratic."""

from __future__ import annotations

import re

from mdnorm._parser.syntax import FENCE_ONLY

SEGMENT = re.compile(r"~+|`+")
_HASH_MOD = (1 << 61) - 1
_HASH_BASE = 1_000_003
_HASH_INV = pow(_HASH_BASE - 1, -1, _HASH_MOD)


def run_hashes(segments: list[tuple[int, int]], run: str) -> list[int]:
    """A polynomial hash of ``run[:start]`` for the start of each segment of a fence run.

    A segment of length L costs one ``pow``, not L steps, so hashing every prefix
    that ends a segment takes time in the number of segments, not their length.
    """
    out = []
    h = 0
    for start, end in segments:
        out.append(h)
        power = pow(_HASH_BASE, end - start, _HASH_MOD)
        # h * B^n + c * (B^(n-1) + ... + B + 1)
        h = (h * power + ord(run[start]) * (power - 1) * _HASH_INV) % _HASH_MOD
    return out


class Closers:
    """The fence-only lines ``head + char * m`` of a text, in text order.

    A fence opened with ``head + char * j`` (kramdown's ``^ {0,3}\1\2*``, where
    ``\2`` is the opening run's last character) is closed by the first of these
    lines after it with ``m >= j``.  ``longest[i]`` is the largest ``m`` from line
    ``i`` on, so the longest opening run that a later line closes is one look-up.
    """

    __slots__ = ("head", "lengths", "longest", "starts")

    def __init__(self, head: str) -> None:
        self.head = head
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self.longest: list[int] = []

    def first_closing(self, i: int, j: int) -> int:
        """Line start of the first line from ``i`` on with ``m >= j`` (needs ``longest[i] >= j``).

        The lines skipped here lie inside the code block that this closes, so
        the scans of one text add up to its number of lines.
        """
        while self.lengths[i] < j:
            i += 1
        return self.starts[i]


FenceIndex = tuple[dict[tuple[str, str], Closers], dict[tuple[int, str, int], "Closers | None"]]


def index_fence_closers(src: str) -> FenceIndex:
    """Every fence-only line of ``src``, by ``(head, char)`` and by ``(len(head), char, hash)``.

    The hash key maps to None when two different heads share it; a look-up then
    falls back to the exact key.
    """
    exact: dict[tuple[str, str], Closers] = {}
    by_hash: dict[tuple[int, str, int], Closers | None] = {}
    for m in FENCE_ONLY.finditer(src):
        run = m.group(1)
        segments = [sm.span() for sm in SEGMENT.finditer(run)]
        head_len = segments[-1][0]
        head, char = run[:head_len], run[-1]
        closers = exact.get((head, char))
        if closers is None:
            closers = exact[(head, char)] = Closers(head)
            key = (head_len, char, run_hashes(segments, run)[-1])
            by_hash[key] = None if key in by_hash else closers
        closers.starts.append(m.start())
        closers.lengths.append(len(run) - head_len)
    for closers in exact.values():
        longest, best = [0] * len(closers.lengths), 0
        for i in range(len(closers.lengths) - 1, -1, -1):
            best = max(best, closers.lengths[i])
            longest[i] = best
        closers.longest = longest
    return exact, by_hash
