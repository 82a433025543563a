"""``mdnorm links``: the site's links per host, filtered and sorted for what needs doing.

A blog of a few thousand links has hundreds of hosts; the rows that matter
are the ones still over ``http://`` (``--http-only``) and those whose https
nobody has checked yet (``--unknown``).  The filters and the order work on
the rows :func:`mdnorm.links_report.collect` returns, so the report module
stays one job: count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mdnorm.errors import handled

if TYPE_CHECKING:
    from mdnorm.links_report import HostRow

SORTS: dict[str, Callable[[HostRow], tuple[Any, ...]]] = {
    "links": lambda r: (-r.links, r.host),
    "http": lambda r: (-r.http, -r.links, r.host),
    "host": lambda r: (r.host,),
}


def select_rows(
    rows: list[HostRow], http_only: bool = False, unknown: bool = False, sort: str = "links"
) -> list[HostRow]:
    """The rows to show: with ``http_only`` only hosts with an ``http://`` link, with
    ``unknown`` only hosts whose https is unknown; ordered by ``sort``."""
    shown = [r for r in rows if (r.http or not http_only) and (r.https == "unknown" or not unknown)]
    return sorted(shown, key=SORTS[sort])


@click.command("links")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--http-only", is_flag=True, help="Only hosts that still have http:// links.")
@click.option("--unknown", is_flag=True, help="Only hosts whose https support is unknown (not known, not probed).")
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="links", show_default=True, help="Order of the rows.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many rows (totals count them all).")
@click.option("--online", is_flag=True, help="Probe https of unknown http:// hosts first (cached).")
@click.option("--config", "config_path", type=click.Path(), help="Use this TOML file as configuration.")
@click.option("-v", "--verbose", is_flag=True, help="Show details (tracebacks) of internal errors.")
def links(
    paths: tuple[str, ...],
    output_format: str,
    http_only: bool,
    unknown: bool,
    sort: str,
    limit: int | None,
    online: bool,
    config_path: str | None,
    verbose: bool,
) -> None:
    """Site-wide link report per host: links, http share, https status, duplicates."""
    with handled(verbose):
        from mdnorm import config as config_mod
        from mdnorm.files import discover
        from mdnorm.links_report import collect, render

        cfg = config_mod.load(config_path)
        files = [f for f in discover(list(paths) or ["."], cfg) if f != "-"]
        if online:
            from mdnorm.online import prepare_for_cli

            prepare_for_cli(files, cfg, codes={"HT001"})
        rows = select_rows(collect(files, cfg), http_only, unknown, sort)
        if limit is not None and output_format == "json":
            rows = rows[:limit]
        click.echo(render(rows, output_format, limit), nl=False)
