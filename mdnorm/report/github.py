"""GitHub Actions workflow commands: each diagnostic becomes an inline annotation."""

from __future__ import annotations

from mdnorm.diagnostic import Diagnostic
from mdnorm.report import Summary, printable


def _escape_data(s: str) -> str:
    # the runner's own escapes for what it reads (CR and LF stay line breaks in the
    # annotation), then printable for any other control or a non-UTF-8 byte
    return printable(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: list[Diagnostic], summary: Summary) -> str:
    out = []
    for d in diagnostics:
        props = f"file={_escape_prop(d.path)},line={d.line},col={d.column},title={_escape_prop('mdnorm ' + d.code)}"
        out.append(f"::error {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(out) + ("\n" if out else "")
