"""Heading rules (HD): the heading tree the TOC is built from."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document
from mdnorm.rules import Context, make, rule

_NO_SPACE = re.compile(r"( {0,3})(#{1,6})(?=[^\s#\\])")


@rule("HD001", "heading-increment")
def heading_increment(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A heading jumps more than one level below the previous heading (HD001).

    What it does: reports a heading whose level is more than one deeper than the
    heading before it (``#`` then ``###``).  The first heading of a post may have
    any level (as markdownlint's MD001).  Headings in lists and quotes count.

    Why: kramdown's ``{:toc}`` nests the table of contents by level; a skipped
    level gives an empty, unnamed level in the TOC and confuses screen readers.

    Example::

        # Part
        ### Detail

    Use instead::

        # Part
        ## Detail

    Fix: none (which level was meant is the author's call).
    """
    prev = 0
    for h in doc.headings:
        if prev and h.level > prev + 1:
            yield make(
                doc,
                h.line,
                0,
                "HD001",
                f"heading level jumps from h{prev} to h{h.level} (expected h{prev + 1} or less)",
            )
        prev = h.level


@rule("HD002", "heading-missing-space", fix="unsafe")
def heading_missing_space(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A paragraph line looks like a heading but has no space after ``#`` (HD002).

    What it does: reports a line of a paragraph that starts with ``#`` to ``######``
    directly followed by text, such as ``#Title``.

    Why: kramdown's GFM parser requires a space after the hashes; ``#Title`` is
    shown as the literal text "#Title" inside the paragraph, not as a heading.

    Fix: unsafe: inserts the space.  Unsafe because ``#hashtag`` or ``#1`` may be
    meant literally, and the fix changes the page's structure and TOC.
    """
    lines = doc.lines
    for tok in doc.walk():
        if tok["type"] not in ("paragraph", "block_text"):
            continue
        for ln in range(tok["_line"], tok["_end"]):
            line = lines[ln]
            if not line.startswith(("#", " ")):
                continue
            m = _NO_SPACE.match(line)
            if m:
                at = doc.offset(ln, m.end())
                yield make(
                    doc,
                    ln,
                    m.start(2),
                    "HD002",
                    f"'{m.group(2)}' without a space is shown as text, not as a heading",
                    Fix.unsafe(Edit(at, at, " ")),
                )
