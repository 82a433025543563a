"""A heading's text as kramdown's inline parser leaves it: the input of its generated id.

kramdown builds a header id from the heading's *raw text* after span parsing (code
spans, links, emphasis, entities, HTML and footnote references reduced to what they
show); this module reproduces that walk, so :mod:`mdnorm.anchors` can compute ids
exactly as the blog's pages have them.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

_ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")
_AUTOLINK = re.compile(r"<((mailto|https?|ftps?):.+?|[\w\-.]+?@[\w\-.]+?)>")
HTML_TAG = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>|\?.*?\?>)", re.S)
_ENTITY = re.compile(r"&(?:([A-Za-z0-9]+)|#x([0-9A-Fa-f]+)|#(\d+));")
SPAN_IAL = re.compile(r"\{:(?!:|/)((?:\\\}|[^}])+)\}")
FOOTNOTE_REF = re.compile(r"\[\^(\w[\w-]*)\]")


def heading_raw_text(text: str, refs: frozenset[str] = frozenset(), footnotes: frozenset[str] = frozenset()) -> str:
    """The heading's text after kramdown's inline parsing, as GFM's ``update_raw_text`` collects it."""
    out, _, _ = _Spans(text, refs, footnotes).parse(0)
    return "".join(out)


class _Spans:
    """kramdown's ``parse_spans`` over one heading, reduced to the text it leaves.

    Emphasis is parsed the way kramdown does it, content first: the closing
    marker is the first one that satisfies the stop rule while the content is
    being parsed, so ``___a___`` is strong around emphasis.
    """

    def __init__(self, text: str, refs: frozenset[str], footnotes: frozenset[str]) -> None:
        self.text, self.refs, self.footnotes = text, refs, footnotes

    def parse(self, i: int, stop: str = "", elem: str = "", stack: tuple[str, ...] = ()) -> tuple[list[str], int, bool]:
        """Parse from ``i`` to the end, or to a ``stop`` marker that may close ``elem``."""
        text = self.text
        out: list[str] = []
        n = len(text)
        while i < n:
            c = text[i]
            if stop and text.startswith(stop, i) and self._may_close(i, stop, elem, out):
                return out, i, True
            if c == "\\" and i + 1 < n and text[i + 1] in _ESCAPABLE:
                out.append(text[i + 1])
                i += 2
            elif c == "`":
                i = _codespan(text, i, out)
            elif c in "*_":
                i = self.emphasis(i, out, stack)
            elif c == "<":
                i = _angle(text, i, out)
            elif c == "[" or (c == "!" and text.startswith("[", i + 1)):
                i = _link(text, i, out, self.refs, self.footnotes)
            elif c == "$" and text.startswith("$$", i) and text.find("$$", i + 2) >= 0:
                j = text.find("$$", i + 2)
                out.append(text[i + 2 : j].strip())
                i = j + 2
            elif c == "&" and (m := _ENTITY.match(text, i)):
                out.append(_entity(m))
                i = m.end()
            elif c == "-" and text.startswith("--", i):
                i += 3 if text.startswith("---", i) else 2  # an em/en dash: not a word character
            elif c == "~" and text.startswith("~~", i) and text.find("~~", i + 2) > i + 2:
                i += 2
            elif c == "{" and (m := SPAN_IAL.match(text, i)) and i and text[i - 1] in ")*_`]>~":
                i = m.end()  # a span IAL on the element before it
            else:
                out.append(c)
                i += 1
        return out, i, False

    def _may_close(self, i: int, delim: str, elem: str, out: list[str]) -> bool:
        """The block of kramdown's ``sub_parse``: may ``delim`` at ``i`` end the emphasis?"""
        text = self.text
        d = delim[0]
        after = text[i + len(delim) : i + len(delim) + 1]
        return (
            i > 0
            and not text[i - 1].isspace()
            and not (elem == "em" and text.startswith(delim * 2, i) and not text.startswith(delim * 3, i))
            and not (d == "_" and after.isalnum())
            and bool(out)
        )

    def emphasis(self, i: int, out: list[str], stack: tuple[str, ...]) -> int:
        """kramdown's ``parse_emphasis``; a ``*`` marker and a literal ``*`` leave the same id."""
        text = self.text
        delim = text[i : i + 2] if text.startswith(text[i] * 2, i) else text[i]
        elem = "strong" if len(delim) == 2 else "em"
        after = i + len(delim)
        if (
            (delim[0] == "_" and re.search(r"[^\W\d_]-?[^\W\d_]*\Z", text[:i]))
            or after >= len(text)
            or text[after].isspace()
            or elem in stack
        ):
            out.append(delim)
            return after
        inner, pos, found = self.parse(after, delim, elem, (*stack, elem))
        if not found and elem == "strong" and (not stack or stack[-1] != "em"):
            inner, pos, found = self.parse(i + 1, delim[0], "em", (*stack, "em"))
            delim = delim[0]
        if found:
            out.extend(inner)
            return pos + len(delim)
        out.append(text[i:after])
        return after


def _codespan(text: str, i: int, out: list[str]) -> int:
    run = re.match(r"`+", text[i:])
    assert run is not None
    delim = run.group()
    start = i + len(delim)
    if len(delim) == 1 and (i == 0 or text[i - 1].isspace()) and start < len(text) and text[start].isspace():
        out.append(delim)
        return start
    j = text.find(delim, start)
    if j < 0:
        out.append(delim)
        return start
    body = text[start:j]
    if len(delim) > 1:
        body = body[1:] if body.startswith(" ") else body
        body = body[:-1] if body.endswith(" ") else body
    out.append(body)
    return j + len(delim)


def _angle(text: str, i: int, out: list[str]) -> int:
    m = _AUTOLINK.match(text, i)
    if m:
        out.append(re.sub(r"^mailto:", "", m.group(1)))
        return m.end()
    m = HTML_TAG.match(text, i)
    if m:
        return m.end()
    out.append("<")
    return i + 1


def _closing_bracket(text: str, i: int) -> int:
    depth = 0
    k = i
    while k < len(text):
        ch = text[k]
        if ch == "\\":
            k += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


def _link(text: str, i: int, out: list[str], refs: frozenset[str], footnotes: frozenset[str]) -> int:
    image = text[i] == "!"
    start = i + 1 if image else i
    if not image and (m := FOOTNOTE_REF.match(text, start)) and m.group(1) in footnotes:
        return m.end()
    close = _closing_bracket(text, start)
    if close < 0:
        out.append(text[i])
        return i + 1
    inner = text[start + 1 : close]
    rest = close + 1
    if text.startswith("(", rest):
        end = _paren_end(text, rest)
        if end > 0:
            if not image:
                out.append(heading_raw_text(inner, refs, footnotes))
            return end
    ref = inner
    end = rest
    m = re.match(r" ?\[([^\]]*)\]", text[rest:])
    if m:
        ref = m.group(1) or inner
        end = rest + m.end()
    if norm_ref(ref) in refs:
        if not image:
            out.append(heading_raw_text(inner, refs, footnotes))
        return end
    out.append(text[i])
    return i + 1


def _paren_end(text: str, i: int) -> int:
    depth = 0
    for k in range(i, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return -1


def _entity(m: re.Match[str]) -> str:
    name, hexa, dec = m.groups()
    if name is not None:
        code = name2codepoint.get(name)
        return chr(code) if code is not None else m.group()
    try:
        return chr(int(hexa, 16) if hexa else int(dec))
    except (ValueError, OverflowError):
        return m.group()


def norm_ref(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).lower()
