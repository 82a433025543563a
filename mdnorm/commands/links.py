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
@click.option("--online", is_flag=True, help="Check every link and the https of http:// hosts first (cached).")
@click.option("--resolve", multiple=True, metavar="HOST:PORT:ADDR", help="--online: connect to ADDR for HOST:PORT.")
@click.option("--html", "html_file", type=click.Path(), help="Also write a one-file HTML report (chart, table) here.")
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
    resolve: tuple[str, ...],
    html_file: str | None,
    config_path: str | None,
    verbose: bool,
) -> None:
    """Site-wide link report per host and link: links, http share, https, alive/dead, duplicates."""
    with handled(verbose):
        from mdnorm import config as config_mod
        from mdnorm.errors import echo_error
        from mdnorm.files import discover
        from mdnorm.links_report import collect, render

        cfg = config_mod.load(config_path)
        files = [f for f in discover(list(paths) or ["."], cfg) if f != "-"]
        answers = None
        if online:
            from mdnorm.online import prepare_for_cli

            prepared = prepare_for_cli(files, cfg, resolve, codes={"HT001", "LK001"})
            answers = prepared.facts
            echo_error(f"mdnorm --online: {prepared.stats.summary()}")
        all_rows, link_rows = collect(files, cfg, answers)
        if html_file is not None:
            from mdnorm.online.report_html import page

            try:
                with open(html_file, "w", encoding="utf-8") as fh:
                    fh.write(page(all_rows, link_rows))
            except OSError as exc:
                raise config_mod.ConfigError(f"{html_file}: cannot write: {exc.strerror or exc}") from None
        rows = select_rows(all_rows, http_only, unknown, sort)
        if limit is not None and output_format == "json":
            rows = rows[:limit]
        click.echo(render(rows, link_rows, output_format, limit), nl=False)
