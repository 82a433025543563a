"""Lint results remembered between runs: a memo of one pure function.

The function is "lint these exact bytes, shown under this path, with these
inputs" (the effective configuration, the selected codes, the site's layouts,
and the code that lints: see :func:`mdnorm.project.code_digest`).  Its key and
its value are made in one place, :func:`evaluate`, from the same bytes; nothing
else can store an entry (the store accepts only :class:`Entry` values, and only
this module makes them).  A fix, a diff or a check never stores: what they
compute is not the lint of the bytes on disk.

The key is a keyed digest (BLAKE2b with this user's secret, see
:func:`mdnorm.project.secret`), so an entry that came from anywhere else, such as
a cache folder committed to the repository, matches nothing.

The value holds the file's per-file diagnostics and its site facts; the site-wide
rules are evaluated afresh on every run from the site index, so what other posts
say never hides in a cached answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.facts import PostFacts
from mdnorm.store import Store

Row = list[Any]  # [line, column, code, message, applicability | None, [[start, end, text], ...]]


class Answer(NamedTuple):
    """What the memo knows of one file's bytes."""

    diagnostics: list[Diagnostic]
    facts: PostFacts | None


class Entry(NamedTuple):
    """A key and the value computed from the same bytes (made only by :func:`evaluate`)."""

    key: str
    value: Any


def _key(secret: bytes, code: str, inputs: str, path: str, data: bytes) -> str:
    h = hashlib.blake2b(key=secret, digest_size=20)
    for part in (code, inputs, path):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


def to_row(d: Diagnostic) -> Row:
    fix = d.fix
    return [
        d.line,
        d.column,
        d.code,
        d.message,
        fix.applicability if fix else None,
        [list(e) for e in fix.edits] if fix else [],
    ]


def from_row(path: str, row: Row) -> Diagnostic:
    line, column, code, message, applicability, edits = row
    fix = Fix(tuple(Edit(int(s), int(e), str(r)) for s, e, r in edits), applicability) if applicability else None
    return Diagnostic(path, int(line), int(column), str(code), str(message), fix)


def _decode(path: str, value: Any) -> Answer | None:
    try:
        rows, facts = value
        return Answer([from_row(path, r) for r in rows], PostFacts.from_json(facts) if facts is not None else None)
    except (TypeError, ValueError):
        return None  # a damaged entry: recompute


class ResultCache:
    """The memo, over a :class:`~mdnorm.store.Store` (``None`` secret: nothing is remembered)."""

    def __init__(self, store: Store, secret: bytes, code: str) -> None:
        self._store = store
        self._secret = secret
        self._code = code

    def key(self, path: str, data: bytes, inputs: str) -> str:
        return _key(self._secret, self._code, inputs, path, data)

    def lookup(self, path: str, data: bytes, inputs: str) -> Answer | None:
        """The remembered answer for these bytes and inputs, or None."""
        value = self._store.result(self.key(path, data, inputs))
        return _decode(path, value) if value is not None else None

    def add(self, entry: Entry) -> None:
        self._store.add_result(entry.key, entry.value)


def evaluate(
    secret: bytes, code: str, path: str, data: bytes, inputs: str, lint: Callable[[bytes], Answer]
) -> tuple[Answer, Entry]:
    """The one place an entry is made: the key from ``data``, the value from ``lint(data)``."""
    answer = lint(data)
    facts = answer.facts.to_json() if answer.facts is not None else None
    entry = Entry(_key(secret, code, inputs, path, data), [[to_row(d) for d in answer.diagnostics], facts])
    return answer, entry
