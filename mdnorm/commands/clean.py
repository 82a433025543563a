"""``mdnorm clean``: remove this project's cache folder (results, site index, online answers)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from mdnorm.errors import handled


@click.command("clean")
@click.argument("path", default=".", type=click.Path())
@click.option("--config", "config_path", type=click.Path(), help="Use this TOML file as configuration.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache folder to remove, if not the default.")
def clean(path: str, config_path: str | None, cache_dir: str | None) -> None:
    """Remove the cache folder of the project at PATH (default: .), as a check run there would use it."""
    with handled():
        from mdnorm import config as config_mod
        from mdnorm.project import cache_folder
        from mdnorm.report import printable

        cfg = config_mod.load(config_path, os.path.abspath(path))
        folder = cache_folder(cfg.root, os.path.abspath(cache_dir) if cache_dir else cfg.cache_dir)
        removed = remove_cache(folder)
        click.echo(f"{'Removed' if removed else 'No cache at'} {printable(str(folder))}.")


def remove_cache(folder: Path) -> bool:
    """Remove mdnorm's store from ``folder``, and the folder when nothing else is left in it.

    Only the files mdnorm writes go: a ``cache-dir`` may name a folder the user
    keeps other things in, and ``clean`` must never empty it.
    """
    from mdnorm.storefile import FILE_NAME

    if not folder.is_dir():
        return False
    found = [p for p in folder.iterdir() if p.name.startswith(FILE_NAME)]  # the store, its -wal and -shm
    for p in found:
        p.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty
    return bool(found)
