"""Whitespace rules (WS): invisible bytes that make diffs noisy."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import BOM, Document, is_blank
from mdnorm.rules.base import Context, make, rule
from mdnorm.text import blank_lines

_TRAILING = re.compile(r"[ \t\f\v]+$")
#: kramdown's DEFINITION_LIST_START: a paragraph right above such a line, or above it
#: and one *empty* line, becomes a definition term.
_DEFINITION = re.compile(r" {0,3}:[\t| ]")


def _makes_definition(doc: Document, line: int) -> bool:
    """Whether emptying the blank line(s) just above ``line`` could make a definition list."""
    return line < len(doc.lines) and _DEFINITION.match(doc.lines[line]) is not None


@rule("WS001", "trailing-whitespace", fix="safe")
def trailing_whitespace(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A line ends in spaces or tabs (WS001, trailing-whitespace).

    What it does: reports each line with trailing whitespace, except in code,
    math and HTML blocks and front matter (FM004 covers that), and except two or
    more trailing spaces inside a paragraph before its last line, which kramdown
    renders as a hard line break.  A CRLF line ending is a line ending (WS004),
    not whitespace.

    Why: trailing whitespace is invisible, changes under every editor, and
    makes diffs noisy.

    Example (``·`` stands for a trailing space, ``→`` for a tab)::

        # Results··
        Some text→

    Use instead::

        # Results
        Some text

    Not reported: ``first line··`` followed by another line of the same
    paragraph (a hard line break), and a whitespace-only line among the blank
    lines that end the file (WS002 reports and removes them: one problem, one
    diagnostic).

    Fix: safe: removes the whitespace; none on a whitespace-only line above a
    ``: text`` line, where an empty line would turn the paragraph above into a
    definition list.
    """
    flags = doc.opaque_lines
    tail = _trailing_blank_start(doc.lines)
    for ln, line in enumerate(doc.lines):
        if flags[ln] or not line or line[-1] not in " \t\f\v":
            continue
        m = _TRAILING.search(line)
        if m is None:
            continue
        if ln in doc.hard_break_lines:
            continue  # a kramdown line break: meaning, not noise
        if m.start() == 0 and 0 < tail <= ln:
            continue  # a blank line at the end of the file: WS002's
        start = doc.offset(ln, m.start())
        fix = (
            None
            if m.start() == 0 and _makes_definition(doc, ln + 1)
            else Fix.safe(Edit(start, start + len(m.group()), ""))
        )
        yield make(doc, ln, m.start(), "WS001", "trailing whitespace", fix)


@rule("WS002", "end-of-file", fix="safe")
def end_of_file(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The file does not end with exactly one newline (WS002, end-of-file).

    What it does: reports the last line when the file has no final newline, or
    when it ends in blank lines (also after a closed code fence or
    ``{% endhighlight %}``; blank lines inside a code block left open are the
    code's).

    Why: POSIX tools expect a final newline; blank lines at the end are noise
    that editors add and remove at random, making diffs noisy.

    Example: a post whose last line is ``text`` with no newline after it, or
    that ends in ``text``, a newline and two empty lines.

    Use instead: a post that ends in ``text`` and exactly one newline.

    Fix: safe: adds the missing newline, or removes the trailing blank lines.
    """
    lines = doc.lines
    text = doc.text
    if not text or text == BOM:
        return
    last = len(lines) - 1
    if doc.endings[last] == "" and not is_blank(lines[last]):
        fix = Fix.safe(Edit(len(text), len(text), doc.newline))
        yield make(doc, last, len(lines[last]), "WS002", "no newline at end of file", fix)
        return
        # a final whitespace-only line without a newline: counts as a blank line
    first_blank = _trailing_blank_start(lines)
    if first_blank == len(lines):
        return
    if first_blank == 0:
        return  # a file of blank lines: nothing to anchor to
    if doc.code_lines[first_blank - 1] and _in_open_code(doc, first_blank - 1, first_blank):
        # trailing blank lines inside an unclosed code block belong to it
        return
    start = doc.line_end(first_blank - 1) + len(doc.endings[first_blank - 1])
    count = len(lines) - first_blank
    yield make(
        doc,
        len(lines) - 1,
        0,
        "WS002",
        f"{count} blank line{'s' if count > 1 else ''} at end of file",
        Fix.safe(Edit(start, len(text), "")),
    )


def _trailing_blank_start(lines: list[str]) -> int:
    """The first of the blank lines that end the file (``len(lines)`` when none)."""
    first = len(lines)
    while first > 0 and is_blank(lines[first - 1]):
        first -= 1
    return first


def _in_open_code(doc: Document, last: int, first_blank: int) -> bool:
    """Whether the code block holding line ``last`` runs on over the blank lines after it.

    A closed fence or ``{% endhighlight %}`` ends on ``last``: the blank lines
    after it are the file's, not the code's.
    """
    for tok in doc.walk():
        if tok["type"] in ("block_code", "liquid_block") and tok["_line"] <= last < tok["_end"]:
            return bool(tok["_end"] > first_blank)
    return False


@rule("WS003", "multiple-blank-lines", fix="safe")
def multiple_blank_lines(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """More than one blank line in a row (WS003, multiple-blank-lines).

    What it does: reports the second consecutive blank line of a run, outside
    code and math (where blank lines are content).  Blank lines at the end of
    the file are WS002's.  Extra blank lines between a URL and its title are
    reported here too, not by LE002 (one problem, one diagnostic).

    Why: kramdown renders one blank line and five alike; the extra ones only make
    the source harder to read and diffs noisier.

    Example::

        First paragraph.


        Second paragraph.

    Use instead::

        First paragraph.

        Second paragraph.

    Fix: safe: keeps one blank line; none before a ``: text`` line, where one
    empty line would turn the paragraph above into a definition list (kramdown
    needs the paragraph right above, or above exactly one empty line).
    """
    lines = doc.lines
    flags = doc.opaque_lines
    n = len(lines)
    blank = [ln for ln in blank_lines(lines, doc.body_line) if not flags[ln]]
    i = 0
    while i < len(blank):  # each run of consecutive blank lines
        ln = blank[i]
        i += 1
        while i < len(blank) and blank[i] == blank[i - 1] + 1:
            i += 1
        run_end = blank[i - 1] + 1
        if run_end - ln > 1 and run_end < n:
            # one empty line between a paragraph and ": text" makes a definition list
            fix = (
                None if _makes_definition(doc, run_end) else Fix.safe(Edit(doc.offset(ln + 1), doc.offset(run_end), ""))
            )
            yield make(doc, ln + 1, 0, "WS003", f"{run_end - ln} blank lines in a row (expected 1)", fix)


@rule("WS004", "line-endings", fix="safe")
def line_endings(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """CRLF or mixed line endings, or a byte order mark (WS004, line-endings).

    What it does: reports line 1, once per file, when any line ends in CRLF or CR,
    or the file starts with a UTF-8 byte order mark.

    Why: Jekyll and git treat them inconsistently; a BOM before ``---`` can hide
    the front matter from some tools, and mixed endings make every diff noisy.

    Example: a post saved by a Windows editor, every line ending in ``\\r\\n``,
    or a file starting with the bytes ``EF BB BF`` before ``---``.

    Use instead: ``\\n`` line endings and no byte order mark.

    Fix: safe: converts every line ending to LF and removes the BOM.  This is the
    only fix that changes line endings.
    """
    edits: list[Edit] = []
    what: list[str] = []
    if doc.bom:
        edits.append(Edit(0, 1, ""))
        what.append("a byte order mark")
    crlf = cr = 0
    for ln, ending in enumerate(doc.endings):
        if ending == "\r\n" or ending == "\r":
            at = doc.line_end(ln)
            if ending == "\r\n":
                crlf += 1
                edits.append(Edit(at, at + 1, ""))
            else:
                cr += 1
                edits.append(Edit(at, at + 1, "\n"))
    if crlf or cr:
        lf = sum(1 for e in doc.endings if e == "\n")
        kinds = [k for k, c in (("CRLF", crlf), ("CR", cr), ("LF", lf)) if c]
        what.append("mixed line endings (" + ", ".join(kinds) + ")" if len(kinds) > 1 else f"{kinds[0]} line endings")
    if edits:
        yield make(doc, 0, 0, "WS004", "file has " + " and ".join(what) + "; expected LF without BOM", Fix.safe(*edits))
