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
from functools import lru_cache
from html.parser import HTMLParser
from typing import NamedTuple

from mdnorm.document import Document, Token, code_spans, content_end
from mdnorm.headingtext import FOOTNOTE_REF, HTML_TAG, SPAN_IAL, heading_raw_text, norm_ref
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


@lru_cache(maxsize=1)
def _header_id() -> re.Pattern[str]:
    """kramdown's ``{#id}`` at the end of a heading: compiled on first use (its Unicode classes cost
    ~5 ms, paid only by a run that meets a heading with ``{#``)."""
    return re.compile(
        r"[\t ]\{#([" + _NAME_START + r"][" + _NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*)\}$"
    )


_IAL_LINE = re.compile(r" {0,3}\{:(?!:|/)((?:\\\}|[^}])+)\}\s*")
_ALD_LINE = re.compile(r" {0,3}\{:\w[\w-]*:")
_ALD_ANY = re.compile(
    r"(?:\A|\s)(?:(\w[\w-]*)=(\"|')((?:\\\}|\\\2|[^}\2])*?)\2|(\w[\w-]*)|((?:#[A-Za-z][\w:-]*|\.[^\s.#]+)+))(?=\s|\Z)"
)
_ALD_ID = re.compile(r"#([A-Za-z][\w:-]*)|\.[^\s.#]+")
_LINK_DEF = re.compile(r" {0,3}\[([^\n\]]+)\]:[ \t]*\S")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^(\w[\w-]*)\]:")
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
        text = lines[line].rstrip()
        m = _header_id().search(text) if "{#" in text else None
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


def _link_refs(doc: Document) -> frozenset[str]:
    return frozenset(
        norm_ref(m.group(1))
        for line in _definition_lines(doc)
        if (m := _LINK_DEF.match(line)) and not m.group(1).startswith("^")
    )


def _footnote_names(doc: Document) -> frozenset[str]:
    return frozenset(m.group(1) for line in _definition_lines(doc) if (m := _FOOTNOTE_DEF.match(line)))


def _definition_lines(doc: Document) -> list[str]:
    """The Markdown lines that may define a link or a footnote (both hold ``]:``)."""
    flags = doc.opaque_lines
    return [doc.lines[ln] for ln in doc.lines_holding("]:") if not flags[ln]]


# -- other ids --------------------------------------------------------------------------------------
def _text_lines(doc: Document, needle: str) -> Iterator[tuple[int, str]]:
    """Markdown lines outside code, math and HTML blocks, with code spans blanked.

    Only the lines that hold ``needle`` as written: blanking code spans never adds it.
    """
    flags = doc.opaque_lines
    for ln in doc.lines_holding(needle):
        if not flags[ln]:
            line = doc.lines[ln]
            if "`" in line:
                for a, _, _, end in reversed(code_spans(line)):
                    line = line[:a] + " " * (end - a) + line[end:]
            yield ln, line


def _ial_ids(doc: Document) -> Iterator[Anchor]:
    """Ids from IALs on blocks other than headings and on spans (``*x*{: #id}``)."""
    heading_lines = {t["_line"] for t in doc.walk() if t["type"] == "heading"}
    for ln, line in _text_lines(doc, "{:"):
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
        for m in SPAN_IAL.finditer(line):
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
    for ln, line in _text_lines(doc, "<"):
        if "<" in line and _HTML_ATTR_HINT.search(line):
            for m in HTML_TAG.finditer(line):
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
    for ln, line in _text_lines(doc, "[^"):
        if _FOOTNOTE_DEF.match(line):
            continue
        for m in FOOTNOTE_REF.finditer(line):
            name = m.group(1)
            if name not in names:
                continue
            n = seen.get(name, -1) + 1
            seen[name] = n
            full = prefix + name
            yield Anchor(f"fnref:{full}" + (f":{n}" if n else ""), ln, "footnote")
            if n == 0:
                yield Anchor(f"fn:{full}", ln, "footnote")
