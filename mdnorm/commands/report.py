"""Step 3 of a check: print the results, through the pure reporters of :mod:`mdnorm.report`.

The order is ruff's: the problems (or the diff, or the files ``--check`` would
change), then ``--show-fixes``, then the one summary line, then notes (fixes
the safety check refused, the baseline), then per-file internal errors on stderr.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple, TextIO

from mdnorm import report as report_mod
from mdnorm.errors import echo_error
from mdnorm.report import summary as summary_mod

if TYPE_CHECKING:
    from mdnorm.baseline import Baseline
    from mdnorm.commands.check import Options
    from mdnorm.config import Config
    from mdnorm.diagnostic import Diagnostic
    from mdnorm.results import FileResult


class Printed(NamedTuple):
    """Where and how to print: the report's stream, the status lines' stream, the format, colour."""

    out: TextIO
    status: TextIO  # stderr when stdout holds the fixed post of ``--fix -``
    fmt: str
    color: bool


def sources(results: list[FileResult], stdin: bytes | None, stdin_name: str | None) -> dict[str, str]:
    """The text each file's remaining diagnostics refer to (after a fix: the fixed text).

    Read again from disk for a lint (a result the cache answered holds no text);
    only for files with problems, and only for the formats that show or locate text.
    """
    out: dict[str, str] = {}
    for r in results:
        if not r.diagnostics:
            continue
        if r.new_text is not None:
            out[r.path] = r.new_text
        elif stdin is not None and r.path == (stdin_name or "-"):
            out[r.path] = stdin.decode("utf-8", "replace")
        else:
            try:
                with open(r.path, "rb") as fh:
                    out[r.path] = fh.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return out


def print_report(
    o: Options, cfg: Config, results: list[FileResult], baseline: Baseline | None, stdin: bytes | None, p: Printed
) -> int:
    """Print everything a check reports; returns how many problems were reported (after the baseline)."""
    from mdnorm import baseline as baseline_mod
    from mdnorm.diagnostic import by_position

    diagnostics = sorted((d for r in results for d in r.diagnostics), key=by_position)
    outcome = None
    if baseline is not None:
        texts = {r.path: r.new_text for r in results if r.new_text is not None}
        outcome = baseline_mod.apply(baseline, diagnostics, cfg, [r.path for r in results], texts)
        diagnostics = outcome.reported
    text_like = p.fmt in ("full", "concise", "text")
    mode = o.mode.value
    changed = [r for r in results if r.changed]
    if mode in ("diff", "check"):
        _print_changes(changed, mode, p)
    elif o.statistics:
        from mdnorm.report import statistics

        p.out.write(statistics.render(diagnostics, p.fmt, o.unsafe_fixes))
    elif not (mode == "fix" and p.status is not p.out):  # ``--fix -``: stdout holds the post
        known = sources(results, stdin, o.stdin_filename) if p.fmt in report_mod.NEEDS_SOURCES else {}
        summary = report_mod.Summary(
            len(results), p.color, mode == "lint", o.unsafe_fixes, tuple(r.path for r in results), known
        )
        p.out.write(report_mod.get(p.fmt)(diagnostics, summary))
    applied = {r.path: r.applied for r in results if r.written or (r.path in _stdin_names(o) and r.changed)}
    if mode == "fix" and o.show_fixes and text_like:
        p.status.write(summary_mod.show_fixes(applied))
    if text_like and not o.quiet:
        _print_summary(o, diagnostics, changed, applied, p)
    if mode == "fix" and not o.quiet:
        p.status.write(summary_mod.refused_notes([d for r in results for d in r.refused]))
    if outcome is not None and baseline is not None and not o.quiet and (outcome.baselined or outcome.stale):
        note = baseline_mod.describe(outcome, report_mod.printable(os.path.relpath(baseline.file)))
        (p.status if text_like or o.statistics else _stderr()).write(note)
    for r in results:
        if r.error:
            echo_error(f"{r.path}: error: {r.error}")
            if o.verbose and r.details:
                echo_error(r.details, lines=True)
    return len(diagnostics)


def _stdin_names(o: Options) -> tuple[str, ...]:
    return (o.stdin_filename or "-",)


def _stderr() -> TextIO:
    import sys

    return sys.stderr


def _print_changes(changed: list[FileResult], mode: str, p: Printed) -> None:
    """``--diff``: the (coloured) diff of each file; ``--check``: the files that would change."""
    from mdnorm.fixer import unified_diff
    from mdnorm.report.diff import colorize

    for r in changed:
        assert r.old_text is not None and r.new_text is not None
        if mode == "diff":
            p.out.write(colorize(unified_diff(report_mod.printable(r.path), r.old_text, r.new_text), p.color))
        else:
            p.out.write(f"Would fix: {report_mod.printable(r.path)}\n")


def _print_summary(
    o: Options, diagnostics: list[Diagnostic], changed: list[FileResult], applied: dict[str, Counter[str]], p: Printed
) -> None:
    mode = o.mode.value
    if mode in ("diff", "check"):
        n = len(changed)
        p.out.write(f"{summary_mod.plural(n, 'file')} would be changed.\n" if n else "No file would be changed.\n")
    elif mode == "fix":
        fixed = sum(sum(c.values()) for c in applied.values())
        p.status.write(summary_mod.fix_summary_line(fixed, diagnostics, o.unsafe_fixes) + "\n")
    elif diagnostics or not o.statistics:
        p.status.write(summary_mod.summary_line(diagnostics, o.unsafe_fixes) + "\n")
