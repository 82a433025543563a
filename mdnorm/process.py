"""One file, read and linted (or fixed): the unit of work of a run.

:func:`process_file` never raises for a file's content: a file that cannot be
read becomes an IO001 diagnostic and an internal error in one file a result
with ``error`` set, so the run goes on with the other files.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from mdnorm import config as config_mod
from mdnorm import site
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import DecodeError, Document
from mdnorm.facts import facts_of
from mdnorm.jekyll.scope import page_of
from mdnorm.linkindex import content_hash
from mdnorm.resultcache import Answer, evaluate
from mdnorm.results import FileResult, Mode

__all__ = ["FileResult", "MemoKeys", "Mode", "SiteRef", "process_file", "read_source"]

if TYPE_CHECKING:
    from mdnorm.linkindex import SiteIndex
    from mdnorm.online import OnlineFacts


class MemoKeys(NamedTuple):
    """What a process needs to make memo entries (the store itself stays in the parent)."""

    secret: bytes
    code: str


def read_source(path: str, cfg: Config, stdin: bytes | None = None) -> bytes | str:
    """The file's bytes, or an IO001 message."""
    if path == "-" or stdin is not None:
        return stdin if stdin is not None else sys.stdin.buffer.read()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "dangling symlink: its target does not exist"
        return "file disappeared before it could be read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: following the link leads back to it"
        return f"cannot read: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):  # (the stat above, not a second one: os.path.isdir follows links as it does)
        return "is a directory, not a file"
    if cfg.max_file_size and st.st_size > cfg.max_file_size:
        return f"file is {st.st_size:,} bytes, over the max-file-size limit of {cfg.max_file_size:,}; skipped"
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return "file disappeared before it could be read"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"


def _traceback() -> str:
    import traceback  # only when something went wrong: it costs ~6 ms at start-up

    return traceback.format_exc()


def inputs_of(cfg: Config, codes: frozenset[str], layouts: frozenset[str] | None, facts: bool, page: str = "") -> str:
    """Everything besides the bytes and the code that a file's per-file lint depends on."""
    return repr((cfg.fingerprint(), sorted(codes), sorted(layouts) if layouts is not None else None, facts, page))


def needs_fixing(diagnostics: list[Diagnostic], unsafe: bool) -> bool:
    return any(d.fix is not None and (unsafe or d.fix.applicability == "safe") for d in diagnostics)


class SiteRef(NamedTuple):
    """The site a file belongs to, for the site-wide rules."""

    site_index: SiteIndex | None  # None until built (lint mode builds it after the files are read)
    root: str
    rel: str


def process_file(
    path: str,
    base: Config,
    mode: Mode = Mode.LINT,
    unsafe: bool = False,
    stdin: bytes | None = None,
    display: str | None = None,
    keys: MemoKeys | None = None,
    site_ref: SiteRef | None = None,
    online: OnlineFacts | None = None,
) -> FileResult:
    """Lint (and in fix modes, fix) one file.  Never raises for a file's content.

    In lint mode the site-wide rules are left out (the runner adds them once
    every post's facts are known) and, with ``keys``, the result carries the memo
    entry made from the very bytes it linted.  In fix modes ``site_ref`` carries
    the site index, so the site-wide rules take part in the fix.
    """
    from mdnorm.linter import lint_document
    from mdnorm.rules import Context
    from mdnorm.selection import codes_for

    shown = display or path
    result = FileResult(shown)
    try:
        cfg = config_mod.for_path(base, path) if path != "-" else base
        codes = codes_for(cfg, display or path)
        data = read_source(path, cfg, stdin)
        if isinstance(data, str):
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", data)]
            return result
        layouts, page = site.layouts_of(path, cfg), page_of(path)
        if mode is Mode.LINT:
            want_facts = site_ref is not None

            def lint(data: bytes) -> Answer:
                try:
                    doc = Document.from_bytes(shown, data)
                except DecodeError as exc:
                    io = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")] if "IO001" in codes else []
                    return Answer(io, None)
                diags = lint_document(doc, Context(cfg, layouts, online=online, page=page), codes)
                return Answer(diags, facts_of(doc) if want_facts else None)

            if keys is not None:
                inputs = inputs_of(cfg, codes, layouts, want_facts, page.key() if page else "")
                answer, result.entry = evaluate(keys.secret, keys.code, shown, data, inputs, lint)
            else:
                answer = lint(data)
            result.diagnostics, result.facts = answer.diagnostics, answer.facts
            result.digest = content_hash(data) if answer.facts is not None else None
            return result
        try:
            doc = Document.from_bytes(shown, data)
        except DecodeError as exc:
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")]
            return result
        index = site_ref.site_index if site_ref is not None else None
        rel = site_ref.rel if site_ref is not None and index is not None else None
        ctx = Context(cfg, layouts, site=index, online=online, rel=rel, page=page)
        from mdnorm.fixer import FixError, fix_document

        try:
            fixed = fix_document(doc, ctx, codes, unsafe=unsafe)
        except FixError as exc:
            result.error = str(exc)
            result.diagnostics = lint_document(doc, ctx, codes)
            return result
        result.old_text = doc.text
        result.new_text = fixed.text
        result.applied = fixed.applied
        result.refused = fixed.refused
        result.diagnostics = fixed.remaining
        if mode is Mode.FIX and result.changed and path != "-":
            from mdnorm.writer import NotFixed, write_atomic

            try:
                new_data = fixed.text.encode("utf-8")
                # expected: refused if an editor saved the file since it was read; root: no symlink out of it
                write_atomic(path, new_data, expected=data, root=base.root)
                result.written = True
            except OSError as exc:  # not a bug in mdnorm: IO001, like a file it cannot read
                why = f"not fixed: {exc}" if isinstance(exc, NotFixed) else f"cannot write: {exc.strerror or exc}"
                io001 = Diagnostic(shown, 1, 1, "IO001", f"{why}; left unchanged")
                result.diagnostics = [io001, *lint_document(doc, ctx, codes)]
                result.applied = Counter()
        return result
    except KeyboardInterrupt:
        raise
    except RecursionError:
        result.error = "internal error: input nested too deeply; please report this as a bug"
        result.details = _traceback()
        return result
    except Exception as exc:
        result.error = f"internal error ({type(exc).__name__}: {exc}); please report this as a bug"
        result.details = _traceback()
        return result
