"""Reporters: one module per output format, each ``render(diagnostics, summary)``.

A reporter turns diagnostics into text; it never decides exit codes or reads
files.  ``FORMATS`` maps an ``--output-format`` name to its module name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic

FORMATS = ("text", "json", "github", "sarif", "junit")


class Summary(NamedTuple):
    """Run facts a reporter may show besides the diagnostics."""

    files_checked: int
    color: bool = False
    show_fixes: bool = True
    unsafe_fixes: bool = False
    #: every file checked, as reported (stdin under its ``--stdin-filename``)
    paths: tuple[str, ...] = ()


Render = Callable[[list[Diagnostic], Summary], str]


def get(name: str) -> Render:
    module = importlib.import_module(f"mdnorm.report.{name}")
    render: Render = module.render
    return render
