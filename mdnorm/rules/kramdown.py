"""kramdown rules (KD): syntax that only kramdown gives meaning to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document, is_blank
from mdnorm.rules.base import Context, EditPolicy, make, rule, without_whitespace

_TOC_ITEM = re.compile(r"[ ]{0,3}(?:[*+-]|\d+\.)[ \t]+toc[ \t]*")
_TOC_IAL = re.compile(r"[ ]{0,3}\{:[ \t]*toc[ \t]*\}[ \t]*")


def _inserts_toc(old: str, new: str) -> bool:
    """KD001's fix: the whole TOC marker, or its missing ``{:toc}``, inserted."""
    return not without_whitespace(old) and without_whitespace(new) in ("*toc{:toc}", "{:toc}")


@rule("KD001", "toc-marker", fix="safe/unsafe", policy=EditPolicy(text=_inserts_toc, restructures=True))
def toc_marker(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The kramdown TOC marker is broken or missing (KD001, toc-marker).

    What it does: reports the ``* toc`` line when ``{:toc}`` is not on the line
    directly under it, and, on a site that puts a TOC in its posts, line 1 when
    a post with at least ``toc.min-headings`` headings has no ``* toc`` marker
    at all.  ``toc.min-headings`` is 0 by default (no TOC required): a TOC in
    every post is a site's convention, which ``mdnorm init`` finds and sets.
    Pages and files Jekyll does not render are never required to have one.

    Why: kramdown replaces a list item ``toc`` with the table of contents only when
    the ``{:toc}`` attribute list is attached to it; split by a blank line, the
    page shows a bullet reading "toc" followed by a stray "{:toc}".

    Example::

        * toc

        {:toc}

    Use instead::

        * toc
        {:toc}

    Fix: safe when ``{:toc}`` follows after blank lines (the blank lines are
    removed); unsafe when ``{:toc}`` is missing under the marker (it is inserted)
    and when the whole marker is missing (``* toc`` / ``{:toc}`` is inserted after
    the front matter).
    """
    lines = doc.lines
    nl = doc.newline
    markers = [t for t in doc.blocks if t["type"] == "list" and _TOC_ITEM.fullmatch(lines[t["_line"]])]
    for tok in markers:
        ln = tok["_line"]
        nxt = ln + 1
        if nxt < len(lines) and _TOC_IAL.fullmatch(lines[nxt]):
            continue
        j = nxt
        while j < len(lines) and is_blank(lines[j]):
            j += 1
        if j > nxt and j < len(lines) and _TOC_IAL.fullmatch(lines[j]):
            fix = Fix.safe(Edit(doc.offset(nxt), doc.offset(j), ""))
            msg = "'{:toc}' is separated from '* toc' by blank lines; kramdown shows a bullet 'toc'"
        else:
            at = doc.line_end(ln)
            fix = Fix.unsafe(Edit(at, at, nl + "{:toc}"))
            msg = "'* toc' is not followed by '{:toc}'; kramdown shows a bullet 'toc'"
        yield make(doc, ln, 0, "KD001", msg, fix)
    if markers:
        return
    count = len(doc.headings)
    minimum = ctx.config.toc_min_headings
    post = ctx.page is None or ctx.page.is_post
    if minimum and count >= minimum and doc.front_matter is not None and post:
        at = doc.offset(doc.body_line) if doc.body_line < len(lines) else len(doc.text)
        insert = nl + "* toc" + nl + "{:toc}" + nl
        if doc.body_line >= len(lines) or not doc.endings[doc.body_line - 1]:
            insert = nl + insert
        elif not is_blank(lines[doc.body_line]):
            insert += nl
        yield make(
            doc,
            0,
            0,
            "KD001",
            f"post has {count} headings but no table of contents ('* toc' + '{{:toc}}')",
            Fix.unsafe(Edit(at, at, insert)),
        )
