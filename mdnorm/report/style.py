"""ANSI styles, or none: each reporter asks one :class:`Style` made from the colour decision."""

from __future__ import annotations


class Style:
    """``Style(True).red(s)`` wraps ``s`` in an ANSI colour; ``Style(False)`` returns it unchanged."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if self.color and s else s

    def bold(self, s: str) -> str:
        return self._wrap("1", s)

    def red(self, s: str) -> str:
        return self._wrap("31", s)

    def green(self, s: str) -> str:
        return self._wrap("32", s)

    def yellow(self, s: str) -> str:
        return self._wrap("33", s)

    def cyan(self, s: str) -> str:
        return self._wrap("36", s)

    def blue(self, s: str) -> str:
        return self._wrap("1;34", s)
