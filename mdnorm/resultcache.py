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

The value holds the file's per-file diagnostics and whether it has site facts
(those are stored by content hash, see :mod:`mdnorm.store`); the site-wide rules
are evaluated afresh on every run from the site index, so what other posts say
never hides in a cached answer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.facts import PostFacts
from mdnorm.store import Store

Row = list[Any]  # [line, column, code, message, applicability | None, [[start, end, text], ...]]


class Answer(NamedTuple):
    """What one file's lint found: its diagnostics, and its site facts when they were asked for."""

    diagnostics: list[Diagnostic]
    facts: PostFacts | None


class Remembered(NamedTuple):
    """What the memo knows of one file's bytes: the diagnostics, and whether site facts were made
    (they are in the store's ``facts`` table, by content hash)."""

    diagnostics: list[Diagnostic]
    has_facts: bool


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


def _decode(path: str, value: Any) -> Remembered | None:
    try:
        rows, has_facts = value
        return Remembered([from_row(path, r) for r in rows], bool(has_facts))
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

    def has_facts(self, digest: str) -> bool:
        return self._store.has_facts(digest)

    def lookup(self, path: str, data: bytes, inputs: str) -> Remembered | None:
        """The remembered answer for these bytes and inputs, or None."""
        value = self._store.result(self.key(path, data, inputs))
        return _decode(path, value) if value is not None else None

    def add(self, entry: Entry) -> None:
        self._store.add_result(entry.key, entry.value)

    def site_key(self, site_stamp: str, inputs: str, rel: str, digest: str) -> str:
        return _key(self._secret, self._code, f"site\0{site_stamp}\0{inputs}\0{digest}", rel, b"")

    def add_site(self, entry: Entry, site: str, kind: str, gen: str) -> None:
        """Keep a site-wide entry of generation ``gen`` (the site stamp it was made under)."""
        self._store.add_site_result(site, kind, gen, entry.key, entry.value)

    def model_key(self, tree: str, fronts: str) -> str:
        return _key(self._secret, self._code, f"model\0{tree}\0{fronts}", "", b"")

    def lookup_model(self, key: str, now: float) -> Any | None:
        """The remembered site model under ``key`` (see :func:`evaluate_model`), if still valid."""
        value = self._store.site_result(key)
        try:
            if value is None or (value[0] is not None and now >= float(value[0])):
                return None
            return value[1]
        except (TypeError, ValueError, IndexError):
            return None

    def lookup_site(self, path: str, key: str, now: float) -> tuple[list[Diagnostic], float | None] | None:
        """The remembered site-wide diagnostics under ``key`` (see :func:`evaluate_site`), if still
        valid, and until when they hold."""
        value = self._store.site_result(key)
        if value is None:
            return None
        try:
            rows, until = value
            if until is not None and now >= float(until):
                return None
            return [from_row(path, r) for r in rows], (float(until) if until is not None else None)
        except (TypeError, ValueError):
            return None


def evaluate_model(key: str, build: Callable[[], tuple[Any, float | None]]) -> tuple[Any, Entry | None]:
    """The one place a site model entry is made: the value from ``build()`` (JSON-ready, and until
    when it holds), under ``key`` (:meth:`ResultCache.model_key`: every file of the site but the
    posts by stamp, the posts by their front matter, taken before ``build`` ran)."""
    value, until = build()
    if until is not None and until <= time.time():
        return value, None
    return value, Entry(key, [until, value])


def evaluate_site(
    key: str, lint: Callable[[], tuple[list[Diagnostic], float | None]]
) -> tuple[list[Diagnostic], float | None, Entry | None]:
    """The one place a site-wide entry is made: the value from ``lint()``, under ``key`` (see
    :meth:`ResultCache.site_key`: the post's content hash, its inputs, and the stamp of every
    file of its site, taken before ``lint`` ran).  ``lint`` also says until when its answer holds
    (a post dated in the future gets published then); no entry when that is now."""
    diags, until = lint()
    if until is not None and until <= time.time():
        return diags, until, None
    return diags, until, Entry(key, [[to_row(d) for d in diags], until])


def evaluate(
    secret: bytes, code: str, path: str, data: bytes, inputs: str, lint: Callable[[bytes], Answer]
) -> tuple[Answer, Entry]:
    """The one place an entry is made: the key from ``data``, the value from ``lint(data)``."""
    answer = lint(data)
    entry = Entry(
        _key(secret, code, inputs, path, data), [[to_row(d) for d in answer.diagnostics], answer.facts is not None]
    )
    return answer, entry
