"""``mdnorm [check] PATHS``: lint (or fix) the posts and report, in four small steps.

1. :func:`prepare` turns the options into a configuration, the files and the
   baseline; any error there is the user's to fix (exit 2, through
   :mod:`mdnorm.errors`).
2. :func:`process` lints or fixes every file (:func:`mdnorm.runner.run_files`).
3. :func:`report` prints what the run found, through the pure reporters of
   :mod:`mdnorm.report`.
4. :func:`exit_code` decides the code from the results alone.

Exit codes: 0 no problems (or all fixed); 1 problems found, or files that
``--diff``/``--check`` would change; 2 usage or configuration error, or a path
that does not exist or holds no file to check; 3 an internal error in at least
one file (the other files were still processed) or in mdnorm itself; 130
interrupted (SIGINT, Ctrl-C); 128 + N stopped by signal N (143 SIGTERM, 129
SIGHUP).  Each signal ends the run the same way: the pool's workers are stopped
and joined, a write under way is finished, every file is old or new and no
temporary file is left.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import click

from mdnorm.errors import EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, Exit, UserError, echo_error, handled
from mdnorm.report import FORMATS

if TYPE_CHECKING:
    from mdnorm.baseline import Baseline
    from mdnorm.config import Config
    from mdnorm.results import FileResult, Mode
    from mdnorm.runmemo import RunMemo

#: The options of a check, in the order ``mdnorm --help`` lists them.
OPTIONS: list[Callable[[Any], Any]] = [
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--fix", is_flag=True, help="Apply safe fixes and write the files."),
    click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix, --diff, --check)."),
    click.option("--show-fixes", is_flag=True, help="After --fix, list what was fixed per file and code."),
    click.option("--diff", "show_diff", is_flag=True, help="Print the changes --fix would make; write nothing."),
    click.option("--check", "check_only", is_flag=True, help="List the files --fix would change; write nothing."),
    click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when --fix changed any file."),
    click.option("--select", help="Codes, prefixes or rule names to check (e.g. FM,LE002,insecure-link, ALL)."),
    click.option("--ignore", help="Codes, prefixes or rule names to skip."),
    click.option("--extend-select", help="Codes, prefixes or rule names to add to the selection."),
    click.option(
        "--output-format",
        type=click.Choice(FORMATS),
        default=None,
        metavar="FORMAT",
        help=f"{', '.join(FORMATS[:-1])}. Default: full (source line, fix) on a terminal, else concise (one line).",
    ),
    click.option("--statistics", is_flag=True, help="Show counts per rule instead of each problem."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found."),
    click.option("-q", "--quiet", is_flag=True, help="Print only the problems, no summary."),
    click.option("--config", "config_path", type=click.Path(), help="Use this TOML file as configuration."),
    click.option(
        "--force-exclude", is_flag=True, help="Apply the excludes to files named on the command line too (pre-commit)."
    ),
    click.option("--stdin-filename", help="The path to report for '-' (stdin)."),
    click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the output (auto: on a terminal; also NO_COLOR, FORCE_COLOR).",
    ),
    click.option("--no-color", is_flag=True, hidden=True, help="Same as --color never."),
    click.option("-v", "--verbose", is_flag=True, help="Show details (tracebacks) of internal errors."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the cache (results, site, online)."),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        help="Keep the cache here (default: a folder per project under ~/.cache/mdnorm; also MDNORM_CACHE_DIR).",
    ),
    click.option("-j", "--jobs", type=click.IntRange(min=0), help="Worker processes (default: by CPU count; 1: none)."),
    click.option(
        "--add-baseline",
        is_flag=False,
        flag_value="",
        default=None,
        metavar="[FILE.json]",
        help="Record today's problems in a baseline (default: .mdnorm-baseline.json) and exit 0.",
    ),
    click.option("--baseline", "baseline_file", type=click.Path(), help="Report only problems not in this baseline."),
    click.option("--no-baseline", is_flag=True, help="Ignore the baseline: report every problem."),
    click.option(
        "--online", is_flag=True, help="Check links (dead, moved), https of http:// hosts and titles (cached)."
    ),
    click.option(
        "--resolve", multiple=True, metavar="HOST:PORT:ADDR", help="--online: connect to ADDR for HOST:PORT (as curl)."
    ),
]


def with_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(OPTIONS):
        f = option(f)
    return f


@dataclass(frozen=True)
class Options:
    """The check's options as click parsed them (names as in :data:`OPTIONS`)."""

    paths: tuple[str, ...]
    fix: bool
    unsafe_fixes: bool
    show_fixes: bool
    show_diff: bool
    check_only: bool
    exit_non_zero_on_fix: bool
    select: str | None
    ignore: str | None
    extend_select: str | None
    output_format: str | None
    statistics: bool
    exit_zero: bool
    quiet: bool
    config_path: str | None
    force_exclude: bool
    stdin_filename: str | None
    color: str
    no_color: bool
    verbose: bool
    no_cache: bool
    cache_dir: str | None
    jobs: int | None
    add_baseline: str | None
    baseline_file: str | None
    no_baseline: bool
    online: bool
    resolve: tuple[str, ...]

    @property
    def mode(self) -> Mode:
        from mdnorm.results import Mode

        return Mode.DIFF if self.show_diff else Mode.CHECK if self.check_only else Mode.FIX if self.fix else Mode.LINT


@click.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@with_options
def check(**opts: Any) -> None:
    """Check (and with --fix, fix) posts under PATHS (default: .)."""
    o = Options(**opts)
    if o.add_baseline and not o.add_baseline.endswith(".json"):  # ``--add-baseline posts/``: a path
        o = Options(**{**opts, "paths": (*o.paths, o.add_baseline), "add_baseline": ""})
    with handled(o.verbose):
        raise Exit(run(o))


def run(o: Options) -> int:
    """The whole check: the four steps of this module; returns the exit code.

    A lint run over one site in which nothing changed since the same command ran
    takes its files and results from the memo (:mod:`mdnorm.runmemo`).
    """
    cfg = configure(o)
    memo = remembered(o, cfg)
    try:
        hit = memo.lookup() if memo is not None else None
        if hit is not None:
            files, results = hit
            baseline, stdin_data = load_baseline(o, cfg), None
        else:
            folders: set[str] = set()
            files, baseline = prepare(o, cfg, folders)
            stdin_data = sys.stdin.buffer.read() if "-" in files else None
            results = process(o, cfg, files, stdin_data, {memo.root: memo.stamp} if memo is not None else None)
            if memo is not None:
                memo.keep(files, results, folders)
    finally:
        if memo is not None:
            memo.close()
    if o.add_baseline is not None:
        from mdnorm.commands.baseline import add_baseline

        return add_baseline(cfg, o.add_baseline, results)
    import gc

    gc.disable()  # printing makes no cycles; a 200,000-problem report would run the collector ~2,000 times
    try:
        return report(o, cfg, results, files, baseline, stdin_data)
    finally:
        gc.enable()


def selectors(option: str, value: str | None) -> tuple[str, ...] | None:
    """The codes, prefixes or names of a ``--select``-like option; each must name a rule."""
    from mdnorm.selection import check_selector

    if value is None:
        return None
    sels = tuple(s.strip() for s in value.split(",") if s.strip())
    if not sels and option == "--select":
        raise UserError("--select: no rule selected (leave --select out to use the configured rules, or name one)")
    for sel in sels:
        if not check_selector(sel):
            raise UserError(f"{option}: unknown rule code, prefix or name {sel!r}")
    return tuple(s.upper() for s in sels)


def configure(o: Options) -> Config:
    """Step 1a: the configuration (files, then the command line)."""
    from mdnorm import config as config_mod
    from mdnorm.project import start_folder

    paths = list(o.paths) or ["."]
    select, ignore = selectors("--select", o.select), selectors("--ignore", o.ignore)
    extend = selectors("--extend-select", o.extend_select)
    start = start_folder(paths, o.stdin_filename)
    cfg = config_mod.with_command_line(
        config_mod.load(o.config_path, start), config_mod.Selection(select, ignore, extend)
    )
    if o.cache_dir is not None:
        cfg = cfg.with_overrides(cache_dir=os.path.abspath(o.cache_dir))
    if o.no_cache:  # bypasses every cache: results, the site index, online answers
        cfg = cfg.with_overrides(cache=False)
    return cfg


def remembered(o: Options, cfg: Config) -> RunMemo | None:
    """The memo of this run when it can have one: a lint of files, with the cache, offline."""
    if o.mode.value != "lint" or o.online or o.no_cache or o.add_baseline is not None:
        return None
    from mdnorm.runmemo import RunMemo

    return RunMemo.open(cfg, list(o.paths) or ["."], o.force_exclude)


def prepare(o: Options, cfg: Config, folders: set[str] | None = None) -> tuple[list[str], Baseline | None]:
    """Step 1b: the files to check (``folders``: filled with every folder listed) and the baseline."""
    from mdnorm import config as config_mod

    paths = list(o.paths) or ["."]
    files = discover(paths, cfg, o.force_exclude, named=bool(o.paths), folders=folders)
    for path in paths:  # nested configs above a named file: a broken one is the user's error, not a bug
        if path != "-" and not os.path.isdir(path):
            config_mod.for_path(cfg, path)
    if o.add_baseline is not None and o.mode.value != "lint":
        raise UserError("--add-baseline records problems; it cannot be combined with --fix, --diff or --check")
    return files, load_baseline(o, cfg)


def load_baseline(o: Options, cfg: Config) -> Baseline | None:
    from mdnorm import baseline as baseline_mod

    file = baseline_mod.path_for_run(cfg, o.baseline_file, o.no_baseline or o.add_baseline is not None)
    return baseline_mod.load(file) if file else None


def discover(
    paths: list[str], cfg: Config, force_exclude: bool, named: bool, folders: set[str] | None = None
) -> list[str]:
    """The files under ``paths``; a folder named on the command line that yields none is an error.

    A typo'd or empty folder in a CI job would otherwise be a green gate.  A file
    that ``--force-exclude`` drops is not an error: pre-commit names the files it
    was given, and an excluded draft must pass.
    """
    from mdnorm.files import discover as walk

    files: list[str] = []
    for path in paths:
        found = list(walk([path], cfg, force_exclude=force_exclude, folders=folders))
        if not found and named and os.path.isdir(path):
            exts = ", ".join(cfg.extensions)
            raise UserError(f"{path}: no file to check (extensions {exts}, after excludes and .gitignore)")
        files.extend(found)
    return files


def process(
    o: Options,
    cfg: Config,
    files: list[str],
    stdin_data: bytes | None,
    site_stamps: dict[str, str | None] | None = None,
) -> list[FileResult]:
    """Step 2: lint or fix every file; a progress line on a terminal for long runs."""
    from mdnorm.report.progress import Progress
    from mdnorm.runner import run_files

    answers = None
    if o.online:  # the only network access mdnorm has; its answers bypass the results cache
        from mdnorm.online import prepare_for_cli

        prepared = prepare_for_cli(files, cfg, o.resolve)
        answers = prepared.facts
        if not o.quiet:
            echo_error(f"mdnorm --online: {prepared.stats.summary()}")
    bar = Progress.for_run(len(files)) if not o.quiet else None
    try:
        return run_files(
            files,
            cfg,
            o.mode,
            o.unsafe_fixes,
            stdin_data=stdin_data,
            stdin_name=o.stdin_filename,
            use_cache=not (o.no_cache or o.online),
            jobs=o.jobs,
            on_done=bar.advance if bar is not None else None,
            online=answers,
            site_stamps=site_stamps,
        )
    finally:
        if bar is not None:
            bar.close()


def use_color(choice: str, output_format: str, out: TextIO, env: dict[str, str] | None = None) -> bool:
    """``--color``, then ``FORCE_COLOR``, then ``NO_COLOR`` (non-empty values), then: is ``out`` a terminal."""
    env = dict(os.environ) if env is None else env
    if choice != "auto" or output_format not in ("full", "concise", "text"):
        return choice == "always" and output_format in ("full", "concise", "text")
    if env.get("FORCE_COLOR"):
        return True
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _fit_stdout(out: TextIO, output_format: str) -> None:
    """Make a report fit a stdout that is not UTF-8 (``PYTHONIOENCODING=ascii``, a Windows console).

    JSON, SARIF, GitLab and JUnit are UTF-8 by their specs, so they are written as
    UTF-8; text lines show what the encoding lacks as ``\\xe9`` escapes instead of
    crashing.  Never for the fixed post of ``--fix -``, whose bytes must be exact.
    """
    import codecs
    import io

    if not isinstance(out, io.TextIOWrapper) or codecs.lookup(out.encoding).name == "utf-8":
        return
    if output_format in ("json", "sarif", "junit", "gitlab"):
        out.reconfigure(encoding="utf-8")
    else:
        out.reconfigure(errors="backslashreplace")


def report(
    o: Options, cfg: Config, results: list[FileResult], files: list[str], baseline: Baseline | None, stdin: bytes | None
) -> int:
    """Step 3: print the results, then step 4: the exit code."""
    from mdnorm.commands.report import Printed, print_report

    out = sys.stdout
    fmt = o.output_format or ("full" if _isatty(out) else "concise")
    stdin_fixed = o.mode.value == "fix" and "-" in files
    if stdin_fixed:
        for r in results:
            if r.path == (o.stdin_filename or "-") and r.new_text is not None:
                out.write(r.new_text)
    else:
        _fit_stdout(out, fmt)
    color = use_color("never" if o.no_color else o.color, fmt, out)
    printed = print_report(
        o, cfg, results, baseline, stdin, Printed(out, sys.stderr if stdin_fixed else out, fmt, color)
    )
    return exit_code(o, results, printed)


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def exit_code(o: Options, results: list[FileResult], reported: int) -> int:
    """Step 4: 3 for a file's internal error, else 1 for problems reported or files changed, else 0."""
    if any(r.error for r in results):
        return EXIT_INTERNAL
    changed = any(r.changed for r in results)
    if o.mode.value in ("diff", "check"):
        return EXIT_PROBLEMS if changed else EXIT_OK
    if o.exit_zero:
        return EXIT_OK
    if o.mode.value == "fix" and o.exit_non_zero_on_fix and changed:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if reported else EXIT_OK
