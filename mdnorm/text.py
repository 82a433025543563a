"""Line-level text facts every other module shares: blankness, code spans, inline math.

A leaf module (it imports nothing of mdnorm), so that the parser, the document
model and the suppression reader can all use one definition of each.
"""

from __future__ import annotations

import re
from bisect import bisect_right

#: What kramdown's blank line may hold besides nothing: spaces and tabs (and form
#: feeds and vertical tabs, which Ruby's ``\s`` takes); never U+3000 or NBSP.
BLANK_CHARS = " \t\f\v"
BACKTICKS = re.compile(r"`+")
#: ``$$ ... $$`` on one line: inline math, not prose.
INLINE_MATH = re.compile(r"\$\$.*?\$\$")


def is_blank(line: str) -> bool:
    """Whether kramdown reads ``line`` (no line ending) as a blank line.

    The one definition of blankness for every decision about block structure:
    ``str.strip()`` also strips U+3000 and NBSP, and a fix built on it deletes
    lines kramdown shows and glues blocks together.
    """
    return not line.strip(BLANK_CHARS)


def blank_lines(lines: list[str], start: int = 0) -> list[int]:
    """Indexes of the :func:`is_blank` lines of ``lines`` from ``start``, in one pass."""
    return [i for i in range(start, len(lines)) if not lines[i].strip(BLANK_CHARS)]


def code_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Inline code spans of ``text``: ``(open, content_start, content_end, close_end)``.

    A span is a run of N backticks up to the next run of exactly N.  Done with run
    positions rather than a regex: ``(`+).*?\\1`` retries the lazy scan from every
    backtick of a run, which is quadratic on a long run followed by long text (a
    40 kB line took 16 s).
    """
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(text)]
    by_len: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(runs):
        by_len.setdefault(b - a, []).append(i)
    out: list[tuple[int, int, int, int]] = []
    i = 0
    while i < len(runs):
        a, b = runs[i]
        same = by_len[b - a]
        k = bisect_right(same, i)
        if k == len(same):
            i += 1
            continue
        j = same[k]
        out.append((a, b, runs[j][0], runs[j][1]))
        i = j + 1
    return out


def mask_code_spans(line: str) -> str:
    """``line`` with its inline code spans (backticks included) blanked out."""
    parts: list[str] = []
    pos = 0
    for a, _, _, end in code_spans(line):
        parts += (line[pos:a], " " * (end - a))
        pos = end
    parts.append(line[pos:])
    return "".join(parts)


def blank_out(m: re.Match[str]) -> str:
    return " " * len(m.group())
