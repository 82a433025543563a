"""``mdnorm watch PATHS`` (also ``mdnorm --watch PATHS``): run again whenever a post or the configuration changes.

Each run is a fresh ``mdnorm check`` process with the same arguments: the
configuration, nested ``.mdnorm.toml`` files and layouts are read again every
time, so a changed config needs no special handling, and a crash in one run
cannot take the watcher down.  The warm cache makes a re-run cost little more
than the files that changed.  Changes are found by polling stat identities
(no dependency; a blog of a thousand posts is a thousand ``stat`` calls).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import click

WATCHED_NAMES = frozenset({".mdnorm.toml", "pyproject.toml", "_config.yml"})
SKIP_FOLDERS = frozenset({".git", "_site", "node_modules", "vendor", ".mdnorm_cache", ".venv", "venv", ".tox"})
EXTENSIONS = (".md", ".markdown")
CLEAR = "\x1b[2J\x1b[H"


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def snapshot(paths: list[str]) -> dict[str, tuple[int, int, int] | None]:
    """Stat identities of the posts, config files and layouts under ``paths`` and the config above them."""
    from pathlib import Path

    from mdnorm.config import find_config_file

    out: dict[str, tuple[int, int, int] | None] = {}
    for given in paths:
        found = find_config_file(
            Path(os.path.abspath(given if os.path.isdir(given) else os.path.dirname(given) or "."))
        )
        if found is not None:
            out[str(found)] = _stamp(str(found))
        if not os.path.isdir(given):
            out[given] = _stamp(given)
            continue
        for folder, dirs, files in os.walk(given):
            dirs[:] = [d for d in dirs if d not in SKIP_FOLDERS]
            in_layouts = os.path.basename(folder) == "_layouts"
            for name in files:
                if name.endswith(EXTENSIONS) or name in WATCHED_NAMES or in_layouts:
                    path = os.path.join(folder, name)
                    out[path] = _stamp(path)
    return out


def _paths(args: tuple[str, ...]) -> list[str]:
    """The arguments that name files or folders (the others are options for ``check``)."""
    return [a for a in args if not a.startswith("-") and os.path.exists(a)] or ["."]


@click.command(
    "watch", context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": ["-h"]}
)
@click.option("--interval", type=float, default=0.5, show_default=True, help="Seconds between looks at the files.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def watch_cmd(interval: float, args: tuple[str, ...]) -> None:
    """Check PATHS, then again on every change (options as for 'mdnorm check'); Ctrl-C stops (exit 130)."""
    cmd = [sys.executable, "-m", "mdnorm", "check", *args]
    paths = _paths(args)
    clear = sys.stdout.isatty()
    proc: subprocess.Popen[bytes] | None = None
    try:
        while True:
            if clear:
                sys.stdout.write(CLEAR)
            sys.stdout.flush()
            proc = subprocess.Popen(cmd)
            code = proc.wait()
            proc = None
            seen = snapshot(paths)
            click.echo(f"[mdnorm watch] exit {code}; watching {len(seen)} files, Ctrl-C to stop", err=True)
            while True:
                time.sleep(interval)
                now = snapshot(paths)
                if now != seen:
                    break
    except KeyboardInterrupt:
        if proc is not None:  # the run got the same Ctrl-C from the terminal; make sure it is gone
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        click.echo("mdnorm: interrupted", err=True)
        sys.exit(130)
