"""A whole lint run remembered: ``mdnorm posts/`` again over a site in which nothing changed.

What a lint run answers (the files it found and each one's diagnostics) is a
pure function of the command line, the configuration, mdnorm's code, the time
(a post dated in the future gets published) and the files the run read.  When
every file it read lies in one Jekyll site, the stamp of that site
(:func:`mdnorm.sitestate.tree_stamp`: the stat identity of every file in it, git's
index and the ``.gitignore`` files above it) and of the configuration and layouts
above it (:func:`mdnorm.sitestate.surroundings`) stand for all of them.  A run
whose key (all of the above) is remembered takes its answer from the store
without walking, reading or linting anything.

An answer is made in one place, :meth:`RunMemo.keep`, at the end of the run that
computed it, under the key taken before that run started, and only when:

* it was a lint run over files (no ``--fix``/``--diff``/``--check``, no stdin,
  no ``--online``, with the cache);
* every folder the walk listed and every file checked is one the site's stamp
  covers (a file named on the command line in a folder Jekyll excludes is not:
  such a run keeps nothing);
* no file met an internal error;
* the key taken again after the run is the same (a site that changed meanwhile,
  or a file changed too recently for its stat identity to be trusted, keeps
  nothing).

It holds until the first of its site-wide answers expires.  Entries live in the
store's ``site_results`` table as kind ``run`` of the site's generation, so a
new stamp of the site replaces them.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
import time
from typing import TYPE_CHECKING, Any

from mdnorm.sitestate import stamp_of, surroundings, tree_stamp

if TYPE_CHECKING:
    from mdnorm.config import Config
    from mdnorm.results import FileResult
    from mdnorm.store import Store


class RunMemo:
    """The remembered answer of one lint run's command line over one site, if any."""

    def __init__(
        self, store: Store | None, root: str, stamp: str | None, material: str, secret: bytes, code: str
    ) -> None:
        self._store = store
        self.root = root
        #: the site's tree stamp, taken before the run (the site phase uses it too); None when a
        #: file changed too recently to be trusted: then nothing is looked up or kept
        self.stamp = stamp
        self._material = material  # the key's inputs besides the stamps
        self._secret = secret
        self._code = code
        self.key = self._key(stamp, surroundings(root)) if stamp is not None and store is not None else None

    @classmethod
    def open(cls, cfg: Config, paths: list[str], force_exclude: bool) -> RunMemo | None:
        """The memo of a lint run over ``paths`` (none given: ``.``), or None when it cannot have one
        (no cache, paths outside one site).  Its key is None when a file of the site changed too
        recently to trust its stamp (a post just edited: the pre-commit run)."""
        from mdnorm import site
        from mdnorm.project import code_digest, secret
        from mdnorm.store import Store

        if not cfg.cache or not paths or "-" in paths:
            return None
        roots = {site.find_root(os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".")) for p in paths}
        if len(roots) != 1:
            return None
        root = roots.pop()
        key_secret = secret()
        if root is None or key_secret is None:
            return None
        # a file just edited (the pre-commit run) makes the stamp None: found without walking the site
        stamp = None if any(_just_changed(p) for p in paths) else tree_stamp(root)
        store = Store.for_project(cfg) if stamp is not None else None
        material = repr((os.getcwd(), paths, force_exclude, cfg.fingerprint(), cfg.root, str(cfg.source), root))
        return cls(store, root, stamp, material, key_secret, code_digest())

    def _key(self, stamp: str, above: str | None) -> str | None:
        if above is None:
            return None
        h = hashlib.blake2b(key=self._secret, digest_size=20)
        for part in ("run", self._code, self._material, stamp, above):
            h.update(part.encode("utf-8", "surrogateescape"))
            h.update(b"\0")
        return h.hexdigest()

    def lookup(self) -> tuple[list[str], list[FileResult]] | None:
        """The files and results of the remembered run, or None."""
        if self.key is None or self._store is None:
            return None
        enabled = gc.isenabled()
        gc.disable()  # a large run's answer is ~10 objects a problem: no cycles to look for while they are made
        try:
            value: Any = self._store.site_result(self.key)
            if value is None:
                return None
            return _decode(value, time.time())
        except (TypeError, ValueError, IndexError, KeyError):
            return None  # a damaged entry: run
        finally:
            if enabled:
                gc.enable()

    def keep(self, files: list[str], results: list[FileResult], folders: set[str]) -> None:
        """Remember this run's answer, when it is a pure function of the key taken before the run."""
        if self.key is None or self._store is None or self.stamp is None:
            return
        if any(r.error for r in results) or len(results) != len(files):
            return
        covered: set[str] = set()
        after = tree_stamp(self.root, folders=covered)
        if after is None or self._key(after, surroundings(self.root)) != self.key:
            return  # something changed while the run ran
        if not folders <= covered or any(os.path.dirname(os.path.abspath(f)) not in covered for f in files):
            return  # the run read a file the stamp does not cover
        untils = [r.until for r in results if r.until is not None]
        until = min(untils) if untils else None
        if until is not None and until <= time.time():
            return
        self._store.add_site_result(self.root, "run", self.stamp, self.key, _encode(until, files, results))
        self._store.commit()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _encode(until: float | None, files: list[str], results: list[FileResult]) -> list[Any]:
    """JSON-ready: the texts (messages, replacements) once each in a table, and per file with
    problems its index and ``[line, column, code, message, applicability, [[start, end,
    replacement], ...]]`` rows with texts as indexes into the table (a 50,000-post run's
    answer is a fifth of its size with every message spelt out)."""
    table: dict[str, int] = {}

    def ref(text: str) -> int:
        got = table.get(text)
        if got is None:
            got = table[text] = len(table)
        return got

    rows: list[Any] = []
    for i, r in enumerate(results):
        if r.diagnostics:
            rows.append(
                [
                    i,
                    [
                        [
                            d.line,
                            d.column,
                            ref(d.code),
                            ref(d.message),
                            d.fix.applicability if d.fix else None,
                            [[e.start, e.end, ref(e.replacement)] for e in d.fix.edits] if d.fix else [],
                        ]
                        for d in r.diagnostics
                    ],
                ]
            )
    return [until, files, list(table), rows]


def _decode(value: Any, now: float) -> tuple[list[str], list[FileResult]] | None:
    """What :func:`_encode` made, or None when it no longer holds."""
    from mdnorm.diagnostic import Diagnostic, Edit, Fix
    from mdnorm.results import FileResult

    until, files, texts, rows = value
    if until is not None and now >= float(until):
        return None
    results = [FileResult(str(path)) for path in files]
    for i, diags in rows:
        path = results[i].path
        results[i].diagnostics = [
            Diagnostic(
                path,
                line,
                column,
                texts[code],
                texts[message],
                Fix(tuple(Edit(s, e, texts[t]) for s, e, t in edits), applicability) if applicability else None,
            )
            for line, column, code, message, applicability, edits in diags
        ]
    return [str(f) for f in files], results


def _just_changed(path: str) -> bool:
    """Whether ``path`` is a file changed too recently for its stat identity to be trusted."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return not stat.S_ISDIR(st.st_mode) and not stamp_of(st)
