"""Lint results remembered between runs, keyed by what determines them.

A file's entry is keyed by mdnorm's version, the file's effective configuration,
its site facts (layouts), its display path and a hash of its *content* — never
its mtime, which CI checkouts reset.  A warm run reads each file, hashes it and
looks the key up; when every file hits, the Markdown parser is never imported.

The whole table is one JSON file in ``.mdnorm_cache/``; it is loaded once, and
written once at the end of a run (atomically, merged with what is on disk), so
concurrent runs at worst recompute, and a corrupt or half-written file is
ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from mdnorm import __version__
from mdnorm.cache import cache_dir, read_json, write_json
from mdnorm.diagnostic import Diagnostic, Edit, Fix

_FILE = "results-v1.json"
_MAX_ENTRIES = 50_000

Row = list[Any]  # [line, column, code, message, applicability | None, [[start, end, text], ...]]


def file_key(path: str, data: bytes, config_fingerprint: str, extra: str = "") -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in (__version__, config_fingerprint, extra, path):
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


class ResultCache:
    """A table of ``key -> rows`` loaded from, and saved to, ``root/.mdnorm_cache``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._path: Path | None = None
        self._old: dict[str, list[Row]] = {}
        self._new: dict[str, list[Row]] = {}
        loaded = read_json(Path(root) / ".mdnorm_cache" / _FILE)
        if isinstance(loaded, dict) and loaded.get("version") == __version__:
            entries = loaded.get("entries")
            if isinstance(entries, dict):
                self._old = entries

    def get(self, key: str, path: str) -> list[Diagnostic] | None:
        rows = self._new.get(key)
        if rows is None:
            rows = self._old.get(key)
        if rows is None:
            return None
        try:
            diags = [from_row(path, r) for r in rows]
        except (TypeError, ValueError):
            return None  # a damaged entry: recompute
        self._new[key] = rows
        return diags

    def put(self, key: str, diagnostics: list[Diagnostic]) -> None:
        self._new[key] = [to_row(d) for d in diagnostics]
        self._dirty = True

    _dirty = False

    def save(self) -> None:
        """Merge this run's entries with the file on disk and write it atomically.

        A run answered wholly from the cache writes nothing.
        """
        if not self._dirty:
            return
        try:
            folder = cache_dir(self.root)
        except OSError:
            return
        path = folder / _FILE
        on_disk = read_json(path)
        merged: dict[str, list[Row]] = {}
        if isinstance(on_disk, dict) and on_disk.get("version") == __version__:
            entries = on_disk.get("entries")
            if isinstance(entries, dict) and len(entries) + len(self._new) <= _MAX_ENTRIES:
                merged.update(entries)
        merged.update(self._new)
        write_json(path, {"version": __version__, "entries": merged})
