"""The ``mdnorm`` command: the click group and the table of its subcommands.

Each subcommand is a module of :mod:`mdnorm.commands`, registered by one line of
:data:`COMMANDS` and imported only when it runs (or for ``--help``), so ``mdnorm
rule`` never pays for the runner's imports.  ``mdnorm PATHS`` is ``mdnorm check
PATHS``, and ``mdnorm --help`` shows the check's options first, as ruff's does.
Errors of every subcommand go through the one handler, :mod:`mdnorm.errors`;
exit codes are listed in :mod:`mdnorm.commands.check`.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from mdnorm._version import __version__
from mdnorm.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

__all__ = ["COMMANDS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_USAGE", "main"]

#: name -> "module:attribute" of each subcommand: add a command with one line here.
COMMANDS: dict[str, str] = {
    "check": "mdnorm.commands.check:check",
    "rule": "mdnorm.commands.rule:rule",
    "rules": "mdnorm.commands.rule:rules",
    "links": "mdnorm.commands.links:links",
    "site": "mdnorm.commands.site:site",
    "clean": "mdnorm.commands.clean:clean",
    "init": "mdnorm.commands.init:init",
    "server": "mdnorm.commands.server:server_cmd",
    "watch": "mdnorm.commands.watch:watch_cmd",
    "daemon": "mdnorm.commands.daemon:daemon",
}


def _load(name: str) -> click.Command:
    module, _, attr = COMMANDS[name].partition(":")
    command: click.Command = getattr(importlib.import_module(module), attr)
    return command


class _DefaultGroup(click.Group):
    """``mdnorm PATHS`` runs ``check``; subcommands load lazily from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _load(cmd_name) if cmd_name in COMMANDS else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--watch" in args:  # ``mdnorm --watch PATHS`` is ``mdnorm watch PATHS``
            args = ["watch", *(a for a in args if a != "--watch")]
        if not args or (args[0] not in COMMANDS and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("mdnorm", "[OPTIONS] [PATHS]...  |  mdnorm COMMAND [ARGS]...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The check's options (what ``mdnorm PATHS`` takes), then the group's own, then the commands."""
        check = _load("check")
        with click.Context(check, info_name="mdnorm", parent=None) as check_ctx:
            rows = [_record(p, check_ctx) for p in check.get_params(check_ctx) if "--help" not in p.opts]
        rows += [_record(p, ctx) for p in self.get_params(ctx)]
        with formatter.section("Options (mdnorm [check] PATHS)"):
            formatter.write_dl([row for row in rows if row is not None])
        self.format_commands(ctx, formatter)


def _record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    return param.get_help_record(ctx) if isinstance(param, click.Option) else None


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mdnorm", message="%(prog)s %(version)s")
def main(**_: Any) -> None:
    """Lint and fix Jekyll/kramdown blog posts.

    \b
    mdnorm posts/                    report problems
    mdnorm --fix posts/              fix what can be fixed safely
    mdnorm --fix --show-fixes posts/ fix, and list what was fixed
    mdnorm rule LE001                explain a rule (or: mdnorm rule link-entry-missing-title)
    """
