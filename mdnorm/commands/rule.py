"""``mdnorm rule CODE|NAME``, ``mdnorm rule --all`` and ``mdnorm rules``: the rules' docs."""

from __future__ import annotations

import click

from mdnorm.errors import UserError, handled


@click.command("rule")
@click.argument("code", required=False)
@click.option("--all", "all_rules", is_flag=True, help="Every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str | None, all_rules: bool, output_format: str) -> None:
    """Explain a rule, named by code or name (LE001, insecure-link): Markdown, or JSON."""
    with handled():
        from mdnorm.report import json_text
        from mdnorm.ruledoc import as_json, page
        from mdnorm.rules import RULES
        from mdnorm.selection import canonical

        if all_rules == (code is not None):
            raise UserError("name one rule (mdnorm rule LE001) or use --all")
        if all_rules:
            chosen = [RULES[c] for c in sorted(RULES)]
        else:
            assert code is not None
            found = RULES.get(canonical(code))
            if found is None:
                raise UserError(f"unknown rule {code!r} (see 'mdnorm rules')")
            chosen = [found]
        if output_format == "json":
            data = [as_json(r) for r in chosen]
            click.echo(json_text(data if all_rules else data[0]), nl=False)
        else:
            click.echo("\n".join(page(r) for r in chosen), nl=False)


@click.command("rules")
def rules() -> None:
    """List every rule: code, name, fix safety and summary."""
    from mdnorm.rules import RULES

    for code in sorted(RULES):
        r = RULES[code]
        click.echo(f"{r.code}  {r.name:<28} {r.fix:<12} {r.summary}")
