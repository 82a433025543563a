"""``mdnorm --add-baseline``: record today's problems so that only new ones are reported."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from mdnorm.errors import EXIT_INTERNAL, EXIT_OK, UserError, echo_error

if TYPE_CHECKING:
    from mdnorm.config import Config
    from mdnorm.results import FileResult


def add_baseline(cfg: Config, option: str, results: list[FileResult]) -> int:
    """Write today's problems (keeping the entries of files not checked) and say so."""
    from mdnorm import baseline as baseline_mod
    from mdnorm.diagnostic import by_position
    from mdnorm.report import printable
    from mdnorm.report.summary import plural

    diagnostics = sorted((d for r in results for d in r.diagnostics), key=by_position)
    texts = {r.path: r.new_text for r in results if r.new_text is not None}
    target = baseline_mod.path_for_add(cfg, option)
    try:
        n_files = baseline_mod.update(target, [r.path for r in results], diagnostics, texts)
    except OSError as exc:  # a folder that does not exist or cannot be written, a name too long
        raise UserError(f"{target}: cannot write baseline: {exc.strerror or exc}") from None
    n = len(diagnostics)
    click.echo(f"Wrote {printable(os.path.relpath(target))}: {plural(n, 'problem')} in {plural(n_files, 'file')}.")
    internal = [r for r in results if r.error]
    for r in internal:
        echo_error(f"{r.path}: error: {r.error}")
    return EXIT_INTERNAL if internal else EXIT_OK
