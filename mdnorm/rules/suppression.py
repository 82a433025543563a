"""The rule about suppression comments themselves (its logic is in :mod:`mdnorm.suppress`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document
from mdnorm.rules.base import Context, EditPolicy, rule

#: a suppression comment (:mod:`mdnorm.suppress` reads them; this only recognises one it removes)
_DIRECTIVE = re.compile(r"<!--\s*mdnorm-(?:disable|enable)[a-z-]*(?=\s|-->)[^>]*?-->", re.IGNORECASE)


def _comment_only(old: str, new: str) -> bool:
    """SU001's edit policy: what an edit removes is suppression comments and blanks, and nothing else."""
    return not _DIRECTIVE.sub("", old).strip() and not new.strip()


@rule(
    "SU001",
    "unused-suppression",
    "safe",
    policy=EditPolicy(text=_comment_only, restructures=True, removes_html=_comment_only),
)
def unused_suppression(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """A suppression comment names an unknown rule or suppresses nothing (SU001, unused-suppression).

    What it does: reports an ``<!-- mdnorm-disable... -->`` comment that names a
    rule mdnorm does not have, or that covers no problem of the rules it names
    (checked only when those rules are selected; never for the site-wide rules,
    whose problems come from the site index).

    Why: a typo in a code (``HT0O1``) silently suppresses nothing, and a comment
    left behind after its problem was fixed hides the next real one.

    Example::

        <!-- mdnorm-disable-next-line HT001 -->
        https://example.com/already-https

    Use instead::

        https://example.com/already-https

    Fix: safe for an unused comment: it is removed (its line too when nothing
    else is on it); none for an unknown rule, which needs a person to say which
    rule was meant.
    """
    return ()  # reported by mdnorm.suppress.unused, after the other rules, from what they found
