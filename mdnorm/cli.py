"""The ``mdnorm`` command: click only.

It turns options into a run, hands results to a reporter and returns the exit
code.  Exit codes: 0 no problems (or all fixed); 1 problems found, or files that
``--diff``/``--check`` would change; 2 usage or configuration error, or a path
that does not exist; 3 an internal error in at least one file (the other files
were still processed) or in mdnorm itself; 130 interrupted (SIGINT, Ctrl-C);
128 + N stopped by signal N (143 SIGTERM, 129 SIGHUP).  Each signal ends the run
the same way: the pool's workers are stopped and joined, a write under way is
finished, every file is old or new and no temporary file is left.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

import click

from mdnorm import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

if TYPE_CHECKING:
    from mdnorm.config import Config
    from mdnorm.diagnostic import Diagnostic
    from mdnorm.runner import FileResult, Mode


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(c.strip().upper() for c in value.split(",") if c.strip())


class _DefaultGroup(click.Group):
    """``mdnorm PATHS`` runs ``check``; ``mdnorm rule CODE`` etc. are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("mdnorm", "[OPTIONS] [PATHS]...  |  mdnorm COMMAND [ARGS]...")


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mdnorm", message="%(prog)s %(version)s")
def main() -> None:
    """Lint and fix Jekyll/kramdown blog posts.

    \b
    mdnorm posts/            report problems
    mdnorm --fix posts/      fix what can be fixed safely
    mdnorm rule LE001        explain a rule
    """


@main.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes and write the files.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix, --diff, --check).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the changes --fix would make; write nothing.")
@click.option("--check", "check_only", is_flag=True, help="List the files --fix would change; write nothing.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when --fix changed any file.")
@click.option("--select", help="Comma-separated codes or prefixes to check (e.g. FM,LE002, ALL).")
@click.option("--ignore", help="Comma-separated codes or prefixes to skip.")
@click.option("--extend-select", help="Codes or prefixes to add to the selection.")
@click.option(
    "--output-format",
    type=click.Choice(["text", "json", "github", "sarif", "junit"]),
    default="text",
    show_default=True,
)
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each problem.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the problems, no summary.")
@click.option("--config", "config_path", type=click.Path(), help="Use this TOML file as configuration.")
@click.option("--stdin-filename", help="The path to report for '-' (stdin).")
@click.option("--no-color", is_flag=True, help="Never color the output (also: NO_COLOR).")
@click.option("-v", "--verbose", is_flag=True, help="Show details (tracebacks) of internal errors.")
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the cache (results, site index, online answers)."
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Keep the cache here (default: a folder per project under ~/.cache/mdnorm; also MDNORM_CACHE_DIR).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=0), default=None, help="Worker processes (default: by CPU count; 1: none)."
)
@click.option(
    "--add-baseline",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE.json]",
    help="Record today's problems in a baseline (default: .mdnorm-baseline.json) and exit 0.",
)
@click.option("--baseline", "baseline_file", type=click.Path(), help="Report only problems not in this baseline.")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline: report every problem.")
@click.option("--online", is_flag=True, help="Probe https of unknown http:// hosts and fetch missing titles (cached).")
def check(paths: tuple[str, ...], **opts: Any) -> None:
    """Check (and with --fix, fix) posts under PATHS (default: .)."""
    add = opts.get("add_baseline")
    if add and not add.endswith(".json"):  # ``--add-baseline posts/``: a path, not the FILE
        paths, opts["add_baseline"] = (*paths, add), ""
    from mdnorm.runner import Terminated, stop_on_signals

    try:
        with stop_on_signals():
            code = _run(list(paths) or ["."], **opts)
    except KeyboardInterrupt:
        click.echo("mdnorm: interrupted", err=True)
        code = EXIT_INTERRUPTED
    except Terminated as exc:  # SIGTERM, SIGHUP: stopped as cleanly as Ctrl-C, the shell's 128 + N
        import signal

        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            click.echo(f"mdnorm: stopped by {signal.Signals(exc.signum).name}", err=True)
        code = 128 + exc.signum
    except BrokenPipeError:
        # the reader went away (``mdnorm posts/ | head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_PROBLEMS
    except Exception as exc:  # a bug in mdnorm itself: one line, details with --verbose
        code = _internal_error(exc, bool(opts.get("verbose")))
    sys.exit(code)


def _internal_error(exc: Exception, verbose: bool) -> int:
    """Report a bug in mdnorm itself as one line (the traceback with ``verbose``): exit 3."""
    _error(f"mdnorm: internal error: {type(exc).__name__}: {exc}; please report this as a bug")
    if verbose:
        import traceback  # only on this path: it costs ~6 ms at start-up

        _error(traceback.format_exc(), lines=True)
    return EXIT_INTERNAL


def _error(text: str, lines: bool = False) -> None:
    """Print ``text`` on stderr as one line through :func:`mdnorm.report.printable`.

    Error lines quote paths and values the user controls (a file name with a
    newline, a value with an ESC sequence): never raw on a terminal or in a CI
    log.  With ``lines`` (a traceback), each of its lines is escaped on its own.
    """
    from mdnorm.report import printable

    parts = text.rstrip("\n").split("\n") if lines else [text]
    click.echo("\n".join(printable(part) for part in parts), err=True)


def _load_config(
    config_path: str | None, select: str | None, ignore: str | None, extend_select: str | None, start: str | None = None
) -> Config:
    """The run's configuration: the config file, then the command line on top."""
    from mdnorm import config as config_mod
    from mdnorm.selection import check_selector

    for opt_name, value in (("--select", select), ("--ignore", ignore), ("--extend-select", extend_select)):
        for sel in _codes(value) or ():
            if not check_selector(sel):
                raise config_mod.ConfigError(f"{opt_name}: unknown rule code or prefix {sel!r}")
    # the command line is one more layer, as in ruff: --select starts afresh,
    # --ignore and --extend-select add to what the config files selected
    return config_mod.with_command_line(
        config_mod.load(config_path, start), _codes(select), _codes(ignore), _codes(extend_select)
    )


def _check_nested_configs(cfg: Config, paths: list[str]) -> None:
    """Read the nested ``.mdnorm.toml`` files above each file named on the command line.

    Walking a folder reads those below it, but a file named directly (as
    pre-commit passes them) has its nested configs read only when it is checked,
    where a broken one would count as an internal error (exit 3) instead of the
    user's to fix (exit 2).  Each folder is read once (see ``config.for_folder``).
    """
    from mdnorm.config import for_path

    for path in paths:
        if path != "-" and not os.path.isdir(path):
            for_path(cfg, path)


def _process_all(
    files: list[str],
    cfg: Config,
    mode: Mode,
    unsafe_fixes: bool,
    stdin_filename: str | None,
    progress: bool,
    use_cache: bool = True,
    jobs: int | None = None,
    online: bool = False,
) -> list[FileResult]:
    """Lint (or fix) every file; a progress line on a terminal for long runs."""
    from mdnorm.report.progress import Progress
    from mdnorm.runner import run_files

    bar = Progress.for_run(len(files)) if progress else None
    try:
        return run_files(
            files,
            cfg,
            mode,
            unsafe_fixes,
            stdin_name=stdin_filename,
            use_cache=use_cache,
            jobs=jobs,
            on_done=bar.advance if bar is not None else None,
            online=online,
        )
    finally:
        if bar is not None:
            bar.close()


def _fit_stdout(out: TextIO, output_format: str) -> None:
    """Make a report fit a stdout that is not UTF-8 (``PYTHONIOENCODING=ascii``, a
    Windows console): JSON, SARIF and JUnit are UTF-8 by their specs (JUnit's
    header says so), so they are written as UTF-8; text and github lines show
    what the encoding lacks as ``\\xe9`` escapes instead of crashing.  Never for
    the fixed post of ``--fix -``, whose bytes must be exact."""
    import codecs
    import io

    if not isinstance(out, io.TextIOWrapper) or codecs.lookup(out.encoding).name == "utf-8":
        return
    if output_format in ("json", "sarif", "junit"):
        out.reconfigure(encoding="utf-8")
    else:
        out.reconfigure(errors="backslashreplace")


def _use_color(no_color: bool, output_format: str, out: TextIO) -> bool:
    if no_color or os.environ.get("NO_COLOR") or output_format != "text":
        return False
    return out.isatty() and os.environ.get("TERM") != "dumb"


def _run(
    paths: list[str],
    *,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    check_only: bool,
    exit_non_zero_on_fix: bool,
    select: str | None,
    ignore: str | None,
    extend_select: str | None,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    quiet: bool,
    config_path: str | None,
    stdin_filename: str | None,
    no_color: bool,
    verbose: bool,
    no_cache: bool = False,
    jobs: int | None = None,
    add_baseline: str | None = None,
    baseline_file: str | None = None,
    no_baseline: bool = False,
    online: bool = False,
    cache_dir: str | None = None,
) -> int:
    from mdnorm import baseline as baseline_mod
    from mdnorm import report
    from mdnorm.config import ConfigError
    from mdnorm.files import PathError, discover
    from mdnorm.report import text as text_report
    from mdnorm.runner import Mode

    # 1. configuration and files: any error here is the user's to fix (exit 2)
    try:
        from mdnorm.project import start_folder

        start = start_folder(paths, stdin_filename)
        cfg = _load_config(config_path, select, ignore, extend_select, start)
        if cache_dir is not None:
            cfg = cfg.with_overrides(cache_dir=os.path.abspath(cache_dir))
        if no_cache:  # bypasses every cache: results, the site index, online answers
            cfg = cfg.with_overrides(cache=False)
        files = list(discover(paths, cfg))
        _check_nested_configs(cfg, paths)
        if add_baseline is not None and (fix or show_diff or check_only):
            raise ConfigError("--add-baseline records problems; it cannot be combined with --fix, --diff or --check")
        baseline_file = baseline_mod.path_for_run(cfg, baseline_file, no_baseline or add_baseline is not None)
        baseline = baseline_mod.load(baseline_file) if baseline_file else None
    except (ConfigError, PathError) as exc:
        _error(f"mdnorm: error: {exc}")
        return EXIT_USAGE

    # 2. lint or fix every file
    mode = Mode.DIFF if show_diff else Mode.CHECK if check_only else Mode.FIX if fix else Mode.LINT
    if online:  # the only network access mdnorm has; its answers bypass the results cache
        from mdnorm.online import prepare_for_cli

        stats = prepare_for_cli(files, cfg)
        if not quiet:
            _error(f"mdnorm --online: {stats.summary()}")
    results = _process_all(
        files,
        cfg,
        mode,
        unsafe_fixes,
        stdin_filename,
        progress=not quiet,
        use_cache=not (no_cache or online),
        jobs=jobs,
        online=online,
    )
    stdin_fixed = mode is Mode.FIX and "-" in files

    out = sys.stdout
    color = _use_color(no_color, output_format, out)
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key)
    internal = [r for r in results if r.error]
    changed = [r for r in results if r.changed]
    texts = {r.path: r.new_text for r in results if r.new_text is not None}
    if add_baseline is not None:
        return _add_baseline(cfg, add_baseline, [r.path for r in results], diagnostics, texts, internal)
    outcome = None
    if baseline is not None:
        outcome = baseline_mod.apply(baseline, diagnostics, cfg, [r.path for r in results], texts)
        diagnostics = outcome.reported

    # 3. report
    if stdin_fixed:
        for r in results:
            if r.path == (stdin_filename or "-") and r.new_text is not None:
                out.write(r.new_text)
    else:
        _fit_stdout(out, output_format)
    status = sys.stderr if stdin_fixed else out  # stdout holds the fixed post itself
    if mode is Mode.FIX and output_format == "text" and not quiet:
        # first what was fixed, then what remains (issue 3)
        done = [r for r in results if r.written or (stdin_fixed and r.path == (stdin_filename or "-") and r.changed)]
        n, m = sum(sum(r.applied.values()) for r in done), len(done)
        status.write(f"Fixed {n} problem{'s' if n != 1 else ''} in {m} file{'s' if m != 1 else ''}.\n")
    if mode is Mode.DIFF:
        from mdnorm.fixer import unified_diff

        for r in changed:
            assert r.old_text is not None and r.new_text is not None
            out.write(unified_diff(report.printable(r.path), r.old_text, r.new_text))
    elif mode is Mode.CHECK:
        for r in changed:
            out.write(f"Would fix: {report.printable(r.path)}\n")
    elif statistics:
        out.write(_statistics(diagnostics))
    elif not stdin_fixed:
        summary = report.Summary(
            len(files),
            color,
            show_fixes=mode is Mode.LINT,
            unsafe_fixes=unsafe_fixes,
            paths=tuple(r.path for r in results),
        )
        out.write(report.get(output_format)(diagnostics, summary))

    for r in internal:
        _error(f"{r.path}: error: {r.error}")
        if verbose and r.details:
            _error(r.details, lines=True)

    if output_format == "text" and not quiet:
        if mode in (Mode.DIFF, Mode.CHECK):
            n = len(changed)
            out.write(f"{n} file{'s' if n != 1 else ''} would be changed.\n" if n else "No file would be changed.\n")
        elif diagnostics or not statistics:
            status.write(text_report.summary_line(diagnostics, unsafe_fixes) + "\n")
    if outcome is not None and baseline is not None and not quiet and (outcome.baselined or outcome.stale):
        note = baseline_mod.describe(outcome, report.printable(os.path.relpath(baseline.file)))
        (status if output_format == "text" or statistics else sys.stderr).write(note)

    # 4. exit code
    if internal:
        return EXIT_INTERNAL
    if mode in (Mode.DIFF, Mode.CHECK):
        return EXIT_PROBLEMS if changed else EXIT_OK
    if exit_zero:
        return EXIT_OK
    if mode is Mode.FIX and exit_non_zero_on_fix and changed:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if diagnostics else EXIT_OK


def _add_baseline(
    cfg: Config,
    option: str,
    checked: list[str],
    diagnostics: list[Diagnostic],
    texts: dict[str, str],
    internal: list[FileResult],
) -> int:
    """``--add-baseline``: write today's problems (keeping entries of unchecked files) and say so."""
    from mdnorm import baseline as baseline_mod

    target = baseline_mod.path_for_add(cfg, option)
    try:
        n_files = baseline_mod.update(target, checked, diagnostics, texts)
    except baseline_mod.BaselineError as exc:
        _error(f"mdnorm: error: {exc}")
        return EXIT_USAGE
    except OSError as exc:  # a folder that does not exist or cannot be written, a name too long
        _error(f"mdnorm: error: {target}: cannot write baseline: {exc.strerror or exc}")
        return EXIT_USAGE
    n = len(diagnostics)
    problems = f"{n} problem{'s' if n != 1 else ''} in {n_files} file{'s' if n_files != 1 else ''}"
    from mdnorm.report import printable

    click.echo(f"Wrote {printable(os.path.relpath(target))}: {problems}.")
    for r in internal:
        _error(f"{r.path}: error: {r.error}")
    return EXIT_INTERNAL if internal else EXIT_OK


def _statistics(diagnostics: list[Diagnostic]) -> str:
    """``count  CODE  [*] name`` lines, most frequent first."""
    from mdnorm.report import printable
    from mdnorm.rules import RULES

    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if d.fix is not None and d.fix.applicability == "safe"}
    lines = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = RULES[code].name if code in RULES else ""
        lines.append(printable(f"{n:>6}  {code}  {'[*]' if code in fixable else '   '} {name}") + "\n")
    return "".join(lines)


@main.command("rule")
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Explain one rule: what it does, why, an example and its fix safety."""
    from mdnorm.rules import RULES

    r = RULES.get(code.upper())
    if r is None:
        _error(f"mdnorm: error: unknown rule {code!r} (see 'mdnorm rules')")
        sys.exit(EXIT_USAGE)
    click.echo(f"{r.code} ({r.name})  fix: {r.fix}\n")
    click.echo(r.doc)


@main.command("links")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--online", is_flag=True, help="Probe https of unknown http:// hosts first (cached).")
@click.option("--config", "config_path", type=click.Path(), help="Use this TOML file as configuration.")
def links_cmd(paths: tuple[str, ...], output_format: str, online: bool, config_path: str | None) -> None:
    """Site-wide link report per host: links, http share, https status, duplicates."""
    from mdnorm.config import ConfigError
    from mdnorm.files import PathError
    from mdnorm.links_report import run

    try:
        click.echo(run(list(paths) or ["."], output_format, online, config_path), nl=False)
    except (ConfigError, PathError) as exc:
        _error(f"mdnorm: error: {exc}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _error("mdnorm: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: one line and exit 3, as for a check, never a traceback
        sys.exit(_internal_error(exc, verbose=False))


@main.group("site")
def site_group() -> None:
    """What jekyll build would make of the site, predicted from its source."""


@site_group.command("urls")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def site_urls_cmd(paths: tuple[str, ...], output_format: str) -> None:
    """Each post's URL and publish status (future, unpublished, draft, excluded ...)."""
    from mdnorm.site_urls import SiteUrlsError, run

    try:
        click.echo(run(list(paths) or ["."], output_format), nl=False)
    except SiteUrlsError as exc:
        click.echo(f"mdnorm: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@main.command("rules")
def rules_cmd() -> None:
    """List every rule: code, name, fix safety and summary."""
    from mdnorm.rules import RULES

    for code in sorted(RULES):
        r = RULES[code]
        click.echo(f"{r.code}  {r.name:<28} {r.fix:<12} {r.summary}")


from mdnorm.commands.init import init as _init  # noqa: E402  (one module per subcommand)

main.add_command(_init)
