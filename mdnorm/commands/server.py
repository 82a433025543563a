"""``mdnorm server``: the language server, on stdin/stdout."""

from __future__ import annotations

import click


@click.command("server")
def server_cmd() -> None:
    """Run the language server (LSP) on stdin/stdout, for editors (see the README)."""
    from mdnorm.server import serve

    serve()
