"""What a run gives back for each file, and the modes of a run: records only.

Kept apart from :mod:`mdnorm.process` (which reads and lints, and imports the
parser) so that a run answered from memory (:mod:`mdnorm.runmemo`) and the
reporters import neither.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mdnorm.diagnostic import Diagnostic

if TYPE_CHECKING:
    from mdnorm.facts import PostFacts
    from mdnorm.resultcache import Entry


class Mode(enum.Enum):
    LINT = "lint"
    FIX = "fix"
    DIFF = "diff"
    CHECK = "check"


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    #: problems whose fix the safety check refused (each also in ``diagnostics``, without its fix)
    refused: tuple[Diagnostic, ...] = ()
    old_text: str | None = None
    new_text: str | None = None
    written: bool = False
    error: str | None = None
    details: str | None = None
    #: the post's site facts and content hash, when it was linted for the site-wide rules
    facts: PostFacts | None = None
    digest: str | None = None
    #: the memo entry made from the bytes that were linted (lint mode only)
    entry: Entry | None = None
    #: until when the site-wide diagnostics hold (a post dated in the future gets published then)
    until: float | None = None

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text
