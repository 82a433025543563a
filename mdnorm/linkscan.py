"""Every link a post makes, with where its target is written: read off the parser's blocks.

The site link rules (SL001..SL005) check each target against the site model;
this module only finds them.  What counts as a link, as kramdown and Jekyll
see one:

* Markdown inline links and images ``[t](url "title")``/``![a](url)``, with
  kramdown's URL grammar: everything up to the balanced ``)`` (spaces included),
  unless a space followed by a quote starts a title; ``(<url>)`` for URLs with
  spaces.  Link text may span lines of one paragraph.
* reference definitions ``[id]: url`` (reported at the definition: one place to
  fix, however many uses), and autolinks ``<http://…>``.
* ``href``/``src``/``poster`` of ``<a>``, ``<img>``, ``<video>``, ``<audio>``,
  ``<source>``, ``<iframe>`` in raw HTML (HTML blocks included, comments not).
* ``{% post_url name %}`` and ``{% link path %}`` anywhere in the body, code
  blocks included: Jekyll runs Liquid before kramdown, so a bad tag in a code
  block still fails the build (``{% raw %}`` is the only way out).

Markdown is read outside code, math, HTML and Liquid blocks, with code spans,
``$$`` math and HTML comments blanked out, so ``$$[a](x,y)$$`` is no link.
Bracket and parenthesis pairs are matched with one stack pass each (linear on
hostile input such as ten thousand ``[`` in a row).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from mdnorm.document import Document, code_spans

#: Kinds of :class:`Link`.
INLINE, IMAGE, REFDEF, AUTOLINK, HTML, POST_URL, LINK_TAG = (
    "link",
    "image",
    "refdef",
    "autolink",
    "html",
    "post_url",
    "link_tag",
)


class Link(NamedTuple):
    """One link target as written (``line``/``column`` 0-based, ``offset`` in the post's text)."""

    line: int
    column: int
    offset: int
    kind: str
    target: str  # the URL as written; for Liquid tags, the tag's argument


_PARA_BREAK = re.compile(r"\n[ \t]*\n")
_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.S)
_REFDEF = re.compile(r"^ {0,3}\[(?!\^)([^\n\]]+)\]:[ \t]*<?([^\s>]+)", re.M)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+)>", re.I)
_TAG = re.compile(r"<(a|img|video|audio|source|iframe)\b([^<>]*)>", re.I)
_ATTR = re.compile(r"""\s(href|src|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_LIQUID = re.compile(r"\{%-?\s*(post_url|link)\s+(.*?)\s*-?%\}", re.S)
_TITLE_START = re.compile(r"\s(?=['\"])")


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each ``(start, end)`` span replaced by spaces (newlines kept)."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            a = pos
        if b <= a:
            continue
        parts += (text[pos:a], re.sub(r"[^\n]", " ", text[a:b]))
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _body(doc: Document, flags: bytearray | None) -> str:
    """The post's text with front matter and the lines flagged in ``flags`` blanked to spaces."""
    out = list(doc.lines)
    runs = [range(min(doc.body_line, len(out)))]
    if flags:
        runs += (range(*run.span()) for run in _FLAGGED.finditer(flags))
    for run in runs:
        for ln in run:
            out[ln] = " " * len(out[ln])
    return "\n".join(out)


_FLAGGED = re.compile(rb"[^\x00]+")


def _mask_inline(text: str) -> str:
    """Code spans, ``$$`` math, HTML comments and ``{% raw %}`` blanked, paragraph by paragraph."""
    spans = [m.span() for m in _COMMENT.finditer(text)] + [m.span() for m in _RAW.finditer(text)]
    text = _blank(text, spans)
    spans = []
    tick = text.find("`")
    if tick >= 0:  # code spans, in each paragraph that holds a backtick
        breaks = [m.span() for m in _PARA_BREAK.finditer(text)]
        break_starts = [a for a, _ in breaks]
        while tick >= 0:
            k = bisect_right(break_starts, tick)  # the paragraph's index (no break holds a backtick)
            start = breaks[k - 1][1] if k else 0
            end = breaks[k][0] if k < len(breaks) else len(text)
            spans += [(start + a, start + e) for a, _, _, e in code_spans(text[start:end])]
            tick = text.find("`", end)
    text = _blank(text, spans)
    return _blank(text, [m.span() for m in _MATH.finditer(text)])


def _pairs(text: str) -> tuple[dict[int, int], dict[int, int]]:
    """Position of each ``[`` -> its matching ``]``, and of each ``(`` -> its ``)``
    (escapes skipped, reset at paragraph breaks).

    Only the characters that matter are visited (a backslash, which takes the
    character after it, and the pairs), found with ``str.find``: a regex that
    tried every position of the post for them was two scans of every post, and a
    loop over every character of a post cost a third of a cold lint.  A paragraph
    break matters only while a bracket or parenthesis is open: then the text
    since the previous visited character is searched for one (it holds no
    backslash, so no escape can hide a newline of it); a break closes both kinds.
    """
    brackets: dict[int, int] = {}
    parens: dict[int, int] = {}
    open_brackets: list[int] = []
    open_parens: list[int] = []
    since = 0  # where the text after the previous visited character starts
    escaped = -1  # the character a backslash took
    para_break = _PARA_BREAK.search
    for at in _positions(text, "\\[]()"):
        if at == escaped:
            continue
        if (open_brackets or open_parens) and para_break(text, since, at):
            open_brackets.clear()
            open_parens.clear()
        ch = text[at]
        if ch == "\\":
            escaped = at + 1
            since = min(at + 2, len(text))
            continue
        since = at + 1
        if ch == "[":
            open_brackets.append(at)
        elif ch == "]":
            if open_brackets:
                brackets[open_brackets.pop()] = at
        elif ch == "(":
            open_parens.append(at)
        elif open_parens:
            parens[open_parens.pop()] = at
    return brackets, parens


def _positions(text: str, chars: str) -> list[int]:
    """Every position in ``text`` of any of ``chars``, in order."""
    out: list[int] = []
    find = text.find
    for ch in chars:
        pos = find(ch)
        while pos >= 0:
            out.append(pos)
            pos = find(ch, pos + 1)
    out.sort()
    return out


def _inline(text: str) -> list[tuple[int, str, str]]:
    """``(offset of the URL, kind, url)`` of each inline link and image in masked ``text``."""
    brackets, parens = _pairs(text)
    out: list[tuple[int, str, str]] = []
    for start, end in brackets.items():
        paren = end + 1
        if paren >= len(text) or text[paren] != "(" or text.startswith("^", start + 1):
            continue
        close = parens.get(paren)
        if close is None:
            continue
        kind = IMAGE if start and text[start - 1] == "!" else INLINE
        inner = text[paren + 1 : close]
        lead = len(inner) - len(inner.lstrip())
        if inner[lead : lead + 1] == "<":
            gt = inner.find(">", lead)
            url = inner[lead + 1 : gt] if gt >= 0 else ""
            at = paren + 1 + lead + 1
        else:
            m = _TITLE_START.search(inner)
            url = (inner[: m.start()] if m else inner).strip()
            at = paren + 1 + lead
        if url:
            out.append((at, kind, url))
    return out


def links_of(doc: Document) -> list[Link]:
    """Every link of ``doc`` in source order (see the module docstring for what counts)."""
    found: list[tuple[int, str, str]] = []
    markdown = _mask_inline(_body(doc, doc.opaque_lines))
    if "](" in markdown:
        found += _inline(markdown)
    if "]:" in markdown:  # (the pattern has no literal start: a scan tries every position)
        found += [(m.start(2), REFDEF, m.group(2)) for m in _REFDEF.finditer(markdown)]
    if "<" in markdown:
        found += [(m.start(1), AUTOLINK, m.group(1)) for m in _AUTOLINK.finditer(markdown)]
    html = _body(doc, doc.code_lines) if "<" in doc.text else ""
    if "<" in html:
        masked = _blank(html, [m.span() for m in _COMMENT.finditer(html)])
        masked = _blank(masked, [m.span() for m in _RAW.finditer(masked)])
        for tag in _TAG.finditer(masked):
            for a in _ATTR.finditer(tag.group(2)):
                g = 2 if a.group(2) is not None else 3 if a.group(3) is not None else 4
                url = a.group(g).strip()
                if url:
                    found.append((tag.start(2) + a.start(g), HTML, url))
    liquid = _body(doc, None) if "{%" in doc.text else ""  # Liquid runs before Markdown: code blocks too
    if "{%" in liquid:
        liquid = _blank(liquid, [m.span() for m in _RAW.finditer(liquid)])
        for m in _LIQUID.finditer(liquid):
            kind = POST_URL if m.group(1) == "post_url" else LINK_TAG
            found.append((m.start(2), kind, m.group(2).strip()))
    # Positions are in "\n"-joined texts whose lines have the post's lengths (blanking
    # keeps them): count the newlines from one link to the next.
    out: list[Link] = []
    line = done = 0
    for pos, kind, url in sorted(set(found)):
        line += markdown.count("\n", done, pos)
        done = pos
        column = pos - markdown.rfind("\n", 0, pos) - 1
        out.append(Link(line, column, doc.offset(line, column), kind, url))
    return out
