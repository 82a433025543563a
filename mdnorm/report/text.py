"""``text``: the name earlier versions gave the ``concise`` format, kept so scripts keep working."""

from __future__ import annotations

from mdnorm.report.concise import render
from mdnorm.report.summary import summary_line

__all__ = ["render", "summary_line"]
