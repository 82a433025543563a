"""ANSI styles, or none: each reporter asks one :class:`Style` made from the colour decision."""

from __future__ import annotations

from collections.abc import Callable


def _sgr(code: str) -> Callable[[Style, str], str]:
    """A :class:`Style` method that wraps its text in the ANSI SGR ``code`` when colour is on."""

    def apply(self: Style, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if self.color and s else s

    return apply


class Style:
    """``Style(True).red(s)`` wraps ``s`` in an ANSI colour; ``Style(False)`` returns it unchanged."""

    def __init__(self, color: bool) -> None:
        self.color = color

    bold = _sgr("1")
    red = _sgr("31")
    green = _sgr("32")
    yellow = _sgr("33")
    cyan = _sgr("36")
    blue = _sgr("1;34")
