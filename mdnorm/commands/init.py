"""``mdnorm init``: write a ``.mdnorm.toml`` inferred from the site's posts (see :mod:`mdnorm.init`)."""

from __future__ import annotations

import os

import click


@click.command("init", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("root", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the configuration instead of writing it.")
def init(root: str, to_stdout: bool) -> None:
    """Write ROOT/.mdnorm.toml from the conventions the site's posts follow.

    Keys nearly every post has become required, a TOC is required when nearly
    all posts with headings have one, and hosts the posts link with https are
    listed.  An existing file is never overwritten.
    """
    from mdnorm.init import infer, render, summary

    target = os.path.join(root, ".mdnorm.toml")
    if not to_stdout and os.path.lexists(target):
        click.echo(f"mdnorm: {target} already exists; not overwritten", err=True)
        raise SystemExit(2)
    inferred = infer(os.path.abspath(root))
    text = render(inferred)
    for line in summary(inferred):
        click.echo(line, err=to_stdout)
    if to_stdout:
        click.echo(text, nl=False)
        return
    try:
        with open(target, "x", encoding="utf-8") as fh:  # "x": never replaces a file
            fh.write(text)
    except FileExistsError:
        click.echo(f"mdnorm: {target} already exists; not overwritten", err=True)
        raise SystemExit(2) from None
    except OSError as exc:
        click.echo(f"mdnorm: cannot write {target}: {exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"wrote {target}")
