"""The fragment ids a post's HTML will carry, predicted from its source.

A link ``/ml/2016/08/02/x.html#Pearson`` works when the target page has an
element with that id (or an ``<a name>``).  kramdown makes ids from headings,
from IALs (``{#id}``, ``{: #id}``), from a ``{:toc}`` list (``markdown-toc-…``)
and from footnotes; raw HTML keeps its own ``id=``/``name=`` attributes.

Headings follow kramdown-parser-gfm 1.1 (Jekyll's default ``input: GFM``):
``generate_gfm_header_id`` lowercases the heading's *rendered* text, keeps
``\\p{Word}`` characters, ``-``, spaces and tabs, turns each space or tab into
``-`` and numbers repeats ``-1``, ``-2``.  The rendered text
(``update_raw_text``) is the text after inline parsing: emphasis markers, link
URLs, images and HTML tags are gone, code spans and math keep their content,
entities become characters and ``--`` becomes a dash (which then drops out), so
``## [A](/x) `b`_c_`` has id ``a-bc``.  Block structure comes from
:class:`~mdnorm.document.Document`; only the inline text of each heading is
read here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from html.entities import name2codepoint
from html.parser import HTMLParser
from typing import NamedTuple

from mdnorm.document import Document, Token, code_spans, content_end
from mdnorm.jekyll.config import KramdownIds


class Anchor(NamedTuple):
    """One id of the rendered post: ``line`` is the 0-based source line it comes from."""

    id: str
    line: int
    kind: str  # "heading", "ial", "html", "toc", "footnote"


# kramdown's regexes (parser/kramdown/*.rb), as Python.
_NAME_START = (  # REXML::XMLTokens::NAME_START_CHAR
    r"A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    r"\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_HEADER_ID = re.compile(
    r"[\t ]\{#([" + _NAME_START + r"][" + _NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*)\}$"
)
_IAL_LINE = re.compile(r" {0,3}\{:(?!:|/)((?:\\\}|[^}])+)\}\s*")
_ALD_LINE = re.compile(r" {0,3}\{:\w[\w-]*:")
_ALD_ANY = re.compile(
    r"(?:\A|\s)(?:(\w[\w-]*)=(\"|')((?:\\\}|\\\2|[^}\2])*?)\2|(\w[\w-]*)|((?:#[A-Za-z][\w:-]*|\.[^\s.#]+)+))(?=\s|\Z)"
)
_ALD_ID = re.compile(r"#([A-Za-z][\w:-]*)|\.[^\s.#]+")
_SPAN_IAL = re.compile(r"\{:(?!:|/)((?:\\\}|[^}])+)\}")
_ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")
_AUTOLINK = re.compile(r"<((mailto|https?|ftps?):.+?|[\w\-.]+?@[\w\-.]+?)>")
_HTML_TAG = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>|\?.*?\?>)", re.S)
_ENTITY = re.compile(r"&(?:([A-Za-z0-9]+)|#x([0-9A-Fa-f]+)|#(\d+));")
_LINK_DEF = re.compile(r" {0,3}\[([^\n\]]+)\]:[ \t]*\S")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^(\w[\w-]*)\]:")
_FOOTNOTE_REF = re.compile(r"\[\^(\w[\w-]*)\]")
_HTML_ATTR_HINT = re.compile(r"\b(?:id|name)\s*=", re.I)


def anchors(doc: Document, settings: KramdownIds | None = None) -> list[Anchor]:
    """Every id the post's HTML will have, in source order (repeats kept, as in the HTML)."""
    settings = settings or KramdownIds()
    refs = _link_refs(doc)
    footnotes = _footnote_names(doc)
    out: list[Anchor] = []
    heading_ids: list[tuple[str, int, str]] = []  # (id, line, ial classes) for the TOC
    counter: dict[str, int] = {}
    used: dict[str, int] = {}
    for tok in doc.walk():
        if tok["type"] != "heading":
            continue
        line = tok["_line"]
        hid, classes = _explicit_id(doc, tok)
        if hid is None and settings.auto_ids:
            raw = heading_raw_text(tok["text"], refs, footnotes)
            if settings.input.lower() == "gfm":
                hid = settings.auto_id_prefix + _count(gfm_base_id(raw), counter)
            else:
                hid = settings.auto_id_prefix + _count(_basic_id(raw) or "section", used)
        if hid is not None:
            if hid:  # kramdown writes no empty id="" (the TOC still links to "#")
                out.append(Anchor(hid, line, "heading"))
            if tok["attrs"]["level"] in settings.toc_levels and not re.search(r"\bno_toc\b", classes):
                heading_ids.append((hid, line, classes))
    out.extend(_ial_ids(doc))
    out.extend(_html_ids(doc))
    for toc_line in _toc_lines(doc):
        out.append(Anchor("markdown-toc", toc_line, "toc"))
        out.extend(Anchor("markdown-toc-" + hid, toc_line, "toc") for hid, _, _ in heading_ids)
    out.extend(_footnote_ids(doc, footnotes, settings.footnote_prefix))
    out.sort(key=lambda a: a.line)
    return out


# -- heading ids ------------------------------------------------------------------------------
def _is_word(ch: str) -> bool:
    """Onigmo's ``\\p{Word}`` (Ruby 3.1): alphabetic, a mark, a decimal digit, a connector.

    Measured against Ruby over U+0000..U+2FFFF: the letters, marks and digits of
    the categories, plus the circled and squared Latin letters that are symbols
    but "Other_Alphabetic".  (Characters new in Unicode 14 count here, not in Ruby 3.1.)
    """
    cat = unicodedata.category(ch)
    if cat[0] in "LM" or cat in ("Nd", "Nl", "Pc"):
        return True
    return "\u24b6" <= ch <= "\u24e9" or ("\U0001f130" <= ch <= "\U0001f189" and ch not in _NOT_ALPHA_SQUARED)


_NOT_ALPHA_SQUARED = frozenset(map(chr, (*range(0x1F14A, 0x1F150), *range(0x1F16A, 0x1F170))))


def gfm_base_id(raw: str) -> str:
    """``generate_gfm_header_id`` before the repeat counter and the prefix."""
    text = raw.lower()
    return "".join("-" if c in " \t" else c for c in text if c in "- \t" or _is_word(c))


def _basic_id(raw: str) -> str:
    """kramdown's own ``basic_generate_id`` (``input: kramdown``): ASCII letters, digits, dashes."""
    text = re.sub(r"^[^a-zA-Z]+", "", raw, flags=re.M)
    text = re.sub(r"[^a-zA-Z0-9 -]", "", text)
    return text.replace(" ", "-").lower()


def _count(base: str, seen: dict[str, int]) -> str:
    """The first ``foo`` stays ``foo``; repeats become ``foo-1``, ``foo-2`` …"""
    n = seen.get(base, -1) + 1
    seen[base] = n
    return f"{base}-{n}" if n else base


def _explicit_id(doc: Document, tok: Token) -> tuple[str | None, str]:
    """The id written for a heading (``{#id}``, or an IAL line right after or before it) and its classes."""
    lines = doc.lines
    line = tok["_line"]
    hid: str | None = None
    classes = ""
    if tok.get("style") == "atx" or lines[line].lstrip().startswith("#"):
        m = _HEADER_ID.search(lines[line].rstrip())
        if m:
            hid = m.group(1)
    before = line - 1
    # an IAL line alone before the heading (after a blank line) is for the heading
    if (
        before >= doc.body_line
        and _IAL_LINE.fullmatch(lines[before])
        and not _ALD_LINE.match(lines[before])
        and (before == doc.body_line or not lines[before - 1].strip())
    ):
        hid, classes = _apply_ial(lines[before], hid, classes)
    after = content_end(doc, tok)
    while after < len(lines) and _IAL_LINE.fullmatch(lines[after]) and not _ALD_LINE.match(lines[after]):
        hid, classes = _apply_ial(lines[after], hid, classes)
        after += 1
    return hid, classes


def _apply_ial(line: str, hid: str | None, classes: str) -> tuple[str | None, str]:
    m = _IAL_LINE.fullmatch(line)
    assert m is not None
    for key, _sep, val, _ref, id_or_class in _ALD_ANY.findall(m.group(1)):
        if id_or_class:
            for im in _ALD_ID.finditer(id_or_class):
                if im.group(1):
                    hid = im.group(1)
                else:
                    classes = f"{classes} {im.group()[1:]}".strip()
        elif key == "id":
            hid = val
        elif key == "class":
            classes = f"{classes} {val}".strip()
    return hid, classes


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
            elif c == "{" and (m := _SPAN_IAL.match(text, i)) and i and text[i - 1] in ")*_`]>~":
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
    m = _HTML_TAG.match(text, i)
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
    if not image and (m := _FOOTNOTE_REF.match(text, start)) and m.group(1) in footnotes:
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
    if _norm_ref(ref) in refs:
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


def _norm_ref(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).lower()


def _link_refs(doc: Document) -> frozenset[str]:
    flags = doc.opaque_lines
    return frozenset(
        _norm_ref(m.group(1))
        for ln, line in enumerate(doc.lines)
        if not flags[ln] and (m := _LINK_DEF.match(line)) and not m.group(1).startswith("^")
    )


def _footnote_names(doc: Document) -> frozenset[str]:
    flags = doc.opaque_lines
    return frozenset(
        m.group(1) for ln, line in enumerate(doc.lines) if not flags[ln] and (m := _FOOTNOTE_DEF.match(line))
    )


# -- other ids --------------------------------------------------------------------------------------
def _text_lines(doc: Document) -> Iterator[tuple[int, str]]:
    """Markdown lines outside code, math and HTML blocks, with code spans blanked."""
    flags = doc.opaque_lines
    for ln, line in enumerate(doc.lines):
        if not flags[ln]:
            if "`" in line:
                for a, _, _, end in reversed(code_spans(line)):
                    line = line[:a] + " " * (end - a) + line[end:]
            yield ln, line


def _ial_ids(doc: Document) -> Iterator[Anchor]:
    """Ids from IALs on blocks other than headings and on spans (``*x*{: #id}``)."""
    heading_lines = {t["_line"] for t in doc.walk() if t["type"] == "heading"}
    for ln, line in _text_lines(doc):
        if "{:" not in line:
            continue
        block = _IAL_LINE.fullmatch(line)
        if block:
            if _ALD_LINE.match(line) or _ial_belongs_to_heading(doc, ln, heading_lines):
                continue
            hid, _ = _apply_ial(line, None, "")
            if hid is not None:
                yield Anchor(hid, ln, "ial")
            continue
        for m in _SPAN_IAL.finditer(line):
            if m.start() and line[m.start() - 1] in ")*_`]>~":
                hid, _ = _apply_ial("{:" + m.group(1) + "}", None, "")
                if hid is not None:
                    yield Anchor(hid, ln, "ial")


def _ial_belongs_to_heading(doc: Document, ln: int, heading_lines: set[int]) -> bool:
    lines = doc.lines
    k = ln - 1
    while k >= doc.body_line and _IAL_LINE.fullmatch(lines[k]):
        k -= 1
    if k in heading_lines or (k - 1 in heading_lines and re.fullmatch(r"[-=]+\s*", lines[k])):
        return True
    k = ln + 1
    return (ln == doc.body_line or not lines[ln - 1].strip()) and k in heading_lines


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is not None and (key == "id" or (key == "name" and tag == "a")):
                self.ids.append((value, self.getpos()[0] - 1))


def html_ids(html: str) -> list[tuple[str, int]]:
    """``(id, 0-based line)`` of every ``id=`` and ``<a name=>`` in an HTML fragment."""
    collector = _IdCollector()
    collector.feed(html)
    collector.close()
    return collector.ids


def _html_ids(doc: Document) -> Iterator[Anchor]:
    for tok in doc.walk():
        if tok["type"] == "block_html" and _HTML_ATTR_HINT.search(tok.get("raw", "")):
            for hid, offset in html_ids(tok["raw"]):
                yield Anchor(hid, tok["_line"] + offset, "html")
    for ln, line in _text_lines(doc):
        if "<" in line and _HTML_ATTR_HINT.search(line):
            for m in _HTML_TAG.finditer(line):
                if not m.group().startswith("</"):
                    yield from (Anchor(hid, ln, "html") for hid, _ in html_ids(m.group()))


def _toc_lines(doc: Document) -> list[int]:
    """Lines of ``{:toc}`` IALs that follow a list: kramdown replaces that list with the TOC."""
    out: list[int] = []
    for siblings in _sibling_lists(doc.blocks):
        prev: Token | None = None
        for tok in siblings:
            if tok["type"] == "ial" and prev is not None and prev["type"] == "list":
                m = _IAL_LINE.fullmatch(doc.lines[tok["_line"]])
                if m and any(ref == "toc" for _, _, _, ref, _ in _ALD_ANY.findall(m.group(1))):
                    out.append(tok["_line"])
            prev = tok if tok["type"] != "blank_line" else None
    return out


def _sibling_lists(tokens: list[Token]) -> Iterator[list[Token]]:
    yield tokens
    for tok in tokens:
        if tok.get("children"):
            yield from _sibling_lists(tok["children"])


def _footnote_ids(doc: Document, names: frozenset[str], prefix: str) -> Iterator[Anchor]:
    if not names:
        return
    seen: dict[str, int] = {}
    for ln, line in _text_lines(doc):
        if _FOOTNOTE_DEF.match(line):
            continue
        for m in _FOOTNOTE_REF.finditer(line):
            name = m.group(1)
            if name not in names:
                continue
            n = seen.get(name, -1) + 1
            seen[name] = n
            full = prefix + name
            yield Anchor(f"fnref:{full}" + (f":{n}" if n else ""), ln, "footnote")
            if n == 0:
                yield Anchor(f"fn:{full}", ln, "footnote")
