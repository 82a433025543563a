r"""Private: mistune 3 block parsing with source line positions, kramdown's way.

mistune tokens carry no positions, so this module subclasses its block parser and
state to stamp every block token with ``_line`` (0-based, the *file's* line) and
``_end`` (exclusive end line).  Everything that depends on mistune's internals
lives in this package, so the parser can be swapped without touching the rules.

What the shim has to know about mistune 3.4 (measured, see tests/test_parser.py):

* ``state.cursor`` is right when a heading, paragraph, code, thematic break or
  math token is appended, but lists and block quotes append their token *after*
  their children, so the start is taken from the match (``m.start()``) around
  :meth:`BlockParser.parse_method`.
* children of lists and block quotes are parsed in child states whose text has
  the ``>`` markers and indentation stripped but keeps one line per source line;
  a child state therefore only needs a line offset.
* indented code takes a fast path that skips ``parse_method``.
* paragraph text is built with ``text += line`` and block quote text with
  ``text += quote``, both quadratic on long inputs; here both collect parts in
  a list.

The blog is rendered by kramdown's GFM parser, not by a CommonMark one, so where
the two disagree on *which lines form which block* this module follows kramdown
2.4 (each point checked with ``kramdown-html``):

* ATX headings start in column 0 (``" # H"`` is text) and need text after the
  hashes (``"#"`` alone is text); only a space-separated run of closing hashes
  is stripped (``"# C#"`` is "C#").
* a setext heading is one line right after a block boundary; otherwise an
  underline or a ``***`` rule directly under paragraph text continues the
  paragraph.
* fenced code must be closed (an unclosed fence is paragraph text) and its info
  string is one word; a closing fence repeats the opening run.
* indented code takes "lazy" unindented lines that follow it.
* a block quote runs to the next blank line, whatever the lines hold.
* an ordered list marker is ``1.`` (``1)`` is text); any number interrupts a
  paragraph.
* a block-level HTML element (``<div>``, ``<table>`` ...) runs to its matching
  end tag across blank lines (or to the end of the text); span elements
  (``<img>``, ``<a>``) start paragraphs; an HTML comment runs to ``-->``.
* tables: after a block boundary, lines that hold an unescaped ``|`` up to a
  block boundary, with at least one body row.
* ``$$`` math blocks: ``$$`` after a block boundary, up to the first ``$$``,
  which must be followed by a block boundary.
* definition lists: a ``: text`` line right under a paragraph, or under it and
  exactly one empty line (a blank line holding spaces, or two blank lines, keep
  them apart), makes the paragraph's lines terms (token ``def_list`` holding
  ``def_term`` and ``def_desc`` tokens; a description's blocks are its children).
* a blank line holds only spaces, tabs, form feeds and vertical tabs (Ruby's
  ASCII ``\s``): a line of U+3000 or NBSP is text (:func:`mdnorm.document.is_blank`).
* IAL lines ``{: .class}`` and ``{:toc}`` end a paragraph and form no block
  (token ``ial``); so does an end-of-block line ``^`` (token ``eob``).

Only block parsing runs: inline parsing is never needed by the rules, so it is
skipped entirely (the rules read inline facts from the source text).

The package, by concern: :mod:`.tokens` (the token type), :mod:`.syntax` (the
patterns), :mod:`.state` (lines and block boundaries), :mod:`.fences` (closing
fence index), :mod:`.parser` (mistune's rules, kramdown's way), :mod:`.html`,
:mod:`.tables`, :mod:`.deflists`, :mod:`.extensions` (math, IAL, Liquid),
:mod:`.lists` (the list-item patches) and :mod:`.blocks` (:func:`parse_blocks`).
"""

from __future__ import annotations

from mdnorm._parser.blocks import parse_blocks
from mdnorm._parser.tokens import Token

__all__ = ["Token", "parse_blocks"]
