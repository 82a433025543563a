"""Heading rules (HD): the heading tree the TOC is built from."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document, content_end
from mdnorm.rules.base import Context, EditPolicy, make, rule

_NO_SPACE = re.compile(r"( {0,3})(#{1,6})(?=[^\s#\\])")
_INDENTED = re.compile(r"( {1,3})(#{1,6})(?=[ \t]+\S)")
#: A closing sequence glued to the text (``#Title#``): kramdown keeps it as text
#: (``Title#``) unless a space separates it.
_GLUED_CLOSE = re.compile(r"[^\s#\\](#+)[ \t]*$")


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


@rule("HD002", "heading-missing-space", fix="unsafe", policy=EditPolicy(restructures=True, adds_headings=True))
def heading_missing_space(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A paragraph line looks like a heading but kramdown shows it as text (HD002).

    What it does: reports a line of a paragraph that starts with ``#`` to
    ``######`` directly followed by text, such as ``#Title``, and (at the top
    level of the post) a ``# Title`` line indented by one to three spaces.

    Why: kramdown's GFM parser makes a heading only of hashes in the first
    column followed by a space: ``#Title`` and `` # Title`` are printed as the
    literal text "#Title" inside the paragraph, and the TOC misses them.

    Example::

        #Results

    Use instead::

        # Results

    A closed heading (``#Title#``) gets a space before its closing ``#`` too,
    else kramdown shows "Title#".

    Fix: unsafe: inserts the space (and removes the indentation).  Unsafe because
    ``#hashtag`` or ``#1`` may be meant literally, and the fix changes the page's
    structure and TOC.
    """
    lines = doc.lines
    if not any(_NO_SPACE.match(lines[ln]) or _INDENTED.match(lines[ln]) for ln in doc.lines_holding("#")):
        return  # no line either pattern matches (most posts): no walk of every block
    top = {id(t) for t in doc.blocks}
    for tok in doc.walk():
        if tok["type"] not in ("paragraph", "block_text"):
            continue
        nested = id(tok) not in top
        for ln in range(tok["_line"], content_end(doc, tok)):
            line = lines[ln]
            if not line.startswith(("#", " ")):
                continue
            m = _NO_SPACE.match(line)
            if m:
                hashes = m.group(2)
                start = doc.offset(ln)
                if nested:
                    edits = [Edit(start + m.end(), start + m.end(), " ")]
                else:
                    edits = [Edit(start, start + m.end(), hashes + " ")]
                close = _GLUED_CLOSE.search(line, m.end())
                what = f"'{hashes}' without a space is shown as text, not as a heading"
                if close is not None:
                    at = start + close.start(1)
                    edits.append(Edit(at, at, " "))
                    what += f" (and the closing '{close.group(1)}' needs a space before it)"
                yield make(doc, ln, m.start(2), "HD002", what, Fix.unsafe(*edits))
                continue
            m = _INDENTED.match(line)
            if m and not nested:
                start = doc.offset(ln)
                yield make(
                    doc,
                    ln,
                    m.start(2),
                    "HD002",
                    f"'{m.group(2)}' indented by {len(m.group(1))} space(s) is shown as text, not as a heading",
                    Fix.unsafe(Edit(start, start + len(m.group(1)), "")),
                )
