"""``mdnorm site urls``: what jekyll build would make of the site, predicted from its source."""

from __future__ import annotations

import click

from mdnorm.errors import handled


@click.group("site")
def site() -> None:
    """What jekyll build would make of the site, predicted from its source."""


@site.command("urls")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Show details (tracebacks) of internal errors.")
def urls(paths: tuple[str, ...], output_format: str, verbose: bool) -> None:
    """Each post's URL and publish status (future, unpublished, draft, excluded ...)."""
    with handled(verbose):
        from mdnorm.site_urls import run

        click.echo(run(list(paths) or ["."], output_format), nl=False)
