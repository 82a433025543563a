"""The rule table: one code, one name, one function, one doc.

Rules live in one module per family (``front_matter``, ``headings``, ``links``,
``whitespace``, ``kramdown``, ``site``); each registers itself with
:func:`~mdnorm.rules.base.rule`.  A rule is a function ``(document, context) ->
iterable of Diagnostic`` whose docstring is what ``mdnorm rule CODE`` prints, so
the docs users read sit beside the code.  Importing this package loads them all.
"""

from __future__ import annotations

from mdnorm.rules import (  # noqa: F401  (importing a family registers its rules)
    front_matter,
    headings,
    kramdown,
    links,
    online_links,
    site,
    site_links,
    suppression,
    whitespace,
)
from mdnorm.rules.base import (
    RULES,
    WHITESPACE_ONLY,
    Context,
    EditPolicy,
    Rule,
    make,
    policy_of,
    rule,
    site_codes,
    site_rule,
    without_whitespace,
)

__all__ = [
    "RULES",
    "WHITESPACE_ONLY",
    "Context",
    "EditPolicy",
    "Rule",
    "make",
    "policy_of",
    "rule",
    "site_codes",
    "site_rule",
    "without_whitespace",
]
