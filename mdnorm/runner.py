"""One run over many files: read, lint or fix, and collect results.

The runner turns paths into :class:`FileResult` records.  It never prints; the
CLI hands results to a reporter.  A file that cannot be read becomes an IO001
diagnostic and an internal error in one file becomes a result with ``error``
set: either way the run goes on with the other files.
"""

from __future__ import annotations

import enum
import os
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field

from mdnorm import config as config_mod
from mdnorm import site
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import DecodeError, Document


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
    old_text: str | None = None
    new_text: str | None = None
    written: bool = False
    error: str | None = None
    details: str | None = None
    passes: int = 0

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text


def read_source(path: str, cfg: Config, stdin: bytes | None = None) -> bytes | str:
    """The file's bytes, or an IO001 message."""
    if path == "-" or stdin is not None:
        return stdin if stdin is not None else sys.stdin.buffer.read()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file disappeared before it could be read"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    if os.path.isdir(path):
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


def _layouts(path: str, cfg: Config) -> frozenset[str] | None:
    if cfg.fm_layouts is not None:
        return frozenset(cfg.fm_layouts)
    folder = os.path.dirname(os.path.abspath(path)) if path != "-" else os.getcwd()
    return site.layouts_for(folder)


def process_file(
    path: str,
    base: Config,
    mode: Mode = Mode.LINT,
    unsafe: bool = False,
    stdin: bytes | None = None,
    display: str | None = None,
) -> FileResult:
    """Lint (and in fix modes, fix) one file.  Never raises for a file's content."""
    from mdnorm.lint import codes_for, lint_document
    from mdnorm.rules import Context

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
        try:
            doc = Document.from_bytes(shown, data)
        except DecodeError as exc:
            if "IO001" in codes:
                result.diagnostics = [Diagnostic(shown, 1, 1, "IO001", f"unreadable: {exc}")]
            return result
        ctx = Context(cfg, _layouts(path, cfg))
        if mode is Mode.LINT:
            result.diagnostics = lint_document(doc, ctx, codes)
            return result
        from mdnorm.fix import FixError, fix_document

        try:
            fixed = fix_document(doc, ctx, codes, unsafe=unsafe)
        except FixError as exc:
            result.error = str(exc)
            result.diagnostics = lint_document(doc, ctx, codes)
            return result
        result.old_text = doc.text
        result.new_text = fixed.text
        result.applied = fixed.applied
        result.passes = fixed.passes
        result.diagnostics = fixed.remaining
        if mode is Mode.FIX and result.changed and path != "-":
            from mdnorm.writer import write_atomic

            try:
                write_atomic(path, fixed.text.encode("utf-8"))
                result.written = True
            except OSError as exc:
                result.error = f"cannot write: {exc.strerror or exc}"
                result.diagnostics = lint_document(doc, ctx, codes)
                result.applied = Counter()
        return result
    except KeyboardInterrupt:
        raise
    except RecursionError:
        result.error = "internal error: input nested too deeply; please report this as a bug"
        result.details = traceback.format_exc()
        return result
    except Exception as exc:
        result.error = f"internal error ({type(exc).__name__}: {exc}); please report this as a bug"
        result.details = traceback.format_exc()
        return result
