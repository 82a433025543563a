"""Reporters: one module per output format, each ``render(diagnostics, summary)``.

A reporter is a pure function of the run's results to text: it never decides
exit codes, reads files or looks at the terminal (the command hands it the
posts' texts in :attr:`Summary.sources` and the colour decision).
``FORMATS`` lists the ``--output-format`` names; each is the name of its module
(``text``, the name of earlier versions, is ``concise``).

Paths and messages are the user's data: a file name may hold newlines, a YAML
value an ESC sequence.  Printed raw, they clear a terminal or forge the
``::error`` lines a CI runner obeys.  Every line that mdnorm prints for a
terminal or a log goes through :func:`printable`; JSON output goes through
:func:`json_text`.
"""

from __future__ import annotations

import importlib
import json as _json  # (``json`` here is the submodule mdnorm.report.json once imported)
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from mdnorm.diagnostic import Diagnostic

FORMATS = ("full", "concise", "json", "github", "gitlab", "sarif", "junit", "text")
#: formats that show the source line, or locate a span or an edit by line and column
NEEDS_SOURCES = frozenset({"full", "json", "gitlab", "sarif"})
#: where each rule's page lives (``docs/rules/CODE.md``, generated from its docstring)
DOCS_URL = "https://github.com/mdnorm/mdnorm/blob/main/docs/rules/{code}.md"


class Summary(NamedTuple):
    """Run facts a reporter may show besides the diagnostics."""

    files_checked: int
    color: bool = False
    show_fixes: bool = True
    unsafe_fixes: bool = False
    #: every file checked, as reported (stdin under its ``--stdin-filename``)
    paths: tuple[str, ...] = ()
    #: the text each diagnostic's line and column refer to, by reported path (may lack some)
    sources: Mapping[str, str] = {}


def rule_url(code: str) -> str:
    """The address of rule ``code``'s documentation page."""
    return DOCS_URL.format(code=code)


Render = Callable[[list[Diagnostic], Summary], str]

# What a terminal or a log reader may act on or hide: C0 and C1 controls, DEL,
# bidirectional overrides and isolates (U+202E turns "gpj.md" round), line and
# paragraph separators, the non-characters XML refuses, and lone surrogates (a
# non-UTF-8 byte of a file name, which no UTF-8 stream can even encode).
_UNSAFE_CHARS = r"\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_UNPRINTABLE = re.compile(rf"[\x00-\x1f{_UNSAFE_CHARS}]")
# json.dumps already escapes C0 controls; the rest of the set stays raw with ensure_ascii=False
_JSON_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:  # os.fsdecode's stand-in for the byte n - 0xDC00
        return f"\\x{n - 0xDC00:02x}"
    return f"\\x{n:02x}" if n <= 0xFF else f"\\u{n:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on a terminal or in a CI log: one line, nothing hidden.

    Each character a terminal or log reader could act on (see ``_UNSAFE_CHARS``,
    plus C0 controls such as newline and ESC) becomes a backslash escape:
    ``\\n``, ``\\x1b``, ``\\u202e``; a byte of a non-UTF-8 file name becomes
    ``\\xff``.  Everything else, non-ASCII text included, is kept.  The one
    function every text-like output uses (text, statistics, progress, ``--diff``
    and ``--check`` headers, error lines).
    """
    return _UNPRINTABLE.sub(_escape, text)


def json_text(value: object) -> str:
    """``value`` as indented JSON that any UTF-8 reader accepts and any terminal shows safely.

    Non-ASCII text stays readable; the characters of ``_UNSAFE_CHARS`` become
    ``\\uXXXX`` escapes, lossless: a lone surrogate (a non-UTF-8 byte of a file
    name) loads back as the same string, which ``os.fsencode`` turns into the
    file's real name.
    """
    text = _json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def get(name: str) -> Render:
    """The ``render`` function of output format ``name``."""
    module = importlib.import_module(f"mdnorm.report.{'concise' if name == 'text' else name}")
    render: Render = module.render
    return render
