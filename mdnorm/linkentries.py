"""Link entries and their captions: which URL line a title, label or lead belongs to.

The link rules (LE001, LE002, DL001) and their fixes read the same captions, so
they are found once per document here; :mod:`mdnorm.rules.links` explains the
blog's conventions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import NamedTuple

from mdnorm.document import URL_LINE, Document, Token, UrlLine, content_end


def next_block(doc: Document, para: Token) -> tuple[Token | None, int]:
    """The top-level block after ``para`` and the number of blank lines between."""
    blocks = doc.blocks
    idx = _index(doc, para)
    blanks = 0
    for tok in blocks[idx + 1 :]:
        if tok["type"] == "blank_line":
            blanks += tok["_end"] - tok["_line"]
            continue
        if tok["type"] in _NO_BLOCK:
            continue
        return tok, blanks
    return None, blanks


#: Tokens that are no block on the page: an IAL line (``{: .x}``) and an
#: end-of-block marker (``^``).  kramdown attaches the IAL to a block.
_NO_BLOCK = frozenset({"ial", "eob"})

_WHAT = {
    "heading": "a heading",
    "list": "a list",
    "block_code": "code",
    "thematic_break": "a rule",
    "table": "a table",
    "block_quote": "a block quote",
    "block_math": "a math block",
    "block_html": "an HTML block",
    "ref_def": "a link definition",
    "liquid_block": "a Liquid block ({% ... %})",
    "kd_extension": "a kramdown extension ({::...})",
    "def_list": "a definition list",
}


def _significant(doc: Document) -> tuple[list[Token], dict[int, int]]:
    """The top-level blocks that are blocks on the page (no blank lines, IALs or
    end-of-block markers), and ``id()`` of each -> its index among them; made once per post."""
    got: tuple[list[Token], dict[int, int]] | None = doc.__dict__.get("_significant")
    if got is None:
        blocks = [t for t in doc.blocks if t["type"] != "blank_line" and t["type"] not in _NO_BLOCK]
        got = doc.__dict__["_significant"] = (blocks, {id(t): i for i, t in enumerate(blocks)})
    return got


def block_after(doc: Document, tok: Token) -> Token | None:
    """The block on the page after the top-level block ``tok`` (:func:`next_block`'s, without
    counting the blank lines): one look-up, where a scan from ``tok`` for each URL line of a
    link-list post made its link rules and facts quadratic."""
    blocks, position = _significant(doc)
    at = position.get(id(tok))
    return blocks[at + 1] if at is not None and at + 1 < len(blocks) else None


def block_kind(tok: Token) -> str:
    """How a message names the block ``tok``: "a heading", "a Liquid block ({% ... %})"."""
    kind = tok["type"]
    return _WHAT.get(kind, f"a {kind.removesuffix('_block').replace('_', ' ')} block")


#: The end of a label: a paragraph ending in a colon captions the URLs after it.
_LABEL_END = ("：", ":", "︰", "﹕")


def is_label_line(line: str) -> bool:
    s = line.strip()
    return s.endswith(_LABEL_END) and not is_url_line(line)


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)(?:\{:[^}]*\})?|\s+")


def _is_image(doc: Document, tok: Token) -> bool:
    """A paragraph of images only: a figure, not words that caption a link."""
    text = "".join(doc.lines[tok["_line"] : content_end(doc, tok)])
    return text.startswith("!") and not _IMAGE.sub("", text)


#: A list item's marker, and what is no caption text in it: links, URLs, images, markup.
_ITEM_MARKER = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+\[[ xX]\])?[ \t]+")
_NOT_WORDS = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<[^>]*>|https?://\S+|[\W_]+")


def _is_lead_item(line: str) -> bool:
    """The last line of a list is a step or a sentence that leads into what follows
    (``- create a folder and download the code.``): words, not a link, an image or code."""
    text = _ITEM_MARKER.sub("", line, count=1).strip()
    if text.startswith(("```", "~~~", "{%", "|")):
        return False
    return bool(_NOT_WORDS.sub("", text))


class _Caption(NamedTuple):
    """How a URL line is captioned, computed once per post for every link rule."""

    labelled: bool  # a label paragraph (or label line) above it, over a run of URLs
    title: bool  # a title paragraph after it


def _url_paragraphs(doc: Document) -> set[int]:
    """ids of the top-level paragraphs that hold only URL lines (of those that hold one: a
    paragraph has a line at least)."""
    count: dict[int, int] = {}
    paragraphs: dict[int, Token] = {}
    for u in doc.url_lines:
        key = id(u.paragraph)
        count[key] = count.get(key, 0) + 1
        paragraphs[key] = u.paragraph
    return {key for key, t in paragraphs.items() if count[key] == content_end(doc, t) - t["_line"]}


def captions_of(doc: Document, labels: bool, leads: bool = True) -> list[_Caption]:
    """The caption of each of ``doc.url_lines`` (see the module docstring)."""
    cache = doc.__dict__.setdefault("_captions", {})
    if (labels, leads) in cache:
        return list(cache[labels, leads])
    lines = doc.lines
    only_urls = _url_paragraphs(doc)
    significant, position = _significant(doc)

    def is_title(tok: Token) -> bool:
        """A block right after a URL paragraph that is its title."""
        return tok["type"] == "paragraph" and not is_url_line(lines[tok["_line"]]) and not is_label(tok)

    def is_label(tok: Token) -> bool:
        return (
            labels
            and tok["type"] == "paragraph"
            and id(tok) not in only_urls
            and is_label_line(lines[content_end(doc, tok) - 1])
        )

    kinds: dict[int, str | None] = {}
    # caption_kind reaches run_caption through this table, emptied on return: two
    # closures calling each other are a cycle that kept the whole document alive
    # until the cyclic GC ran
    later: dict[str, Callable[[int], str | None]] = {}

    def run_caption(i: int) -> str | None:
        """How the run of URL paragraphs ending at ``significant[i]`` is captioned from above:
        ``"text"`` (a label or a lead paragraph), ``"heading"``, or None."""
        if i in kinds:
            return kinds[i]
        start = i
        while start > 0 and id(significant[start - 1]) in only_urls:
            start -= 1
        kinds[i] = caption_kind(start - 1) if start > 0 else None
        return kinds[i]

    def group_below(j: int) -> bool:
        """Whether the URL paragraphs after ``significant[j]`` are a group: two or more
        URL lines, the last with no title after it (a list of links needs a heading)."""
        k, count = j + 1, 0
        while k < len(significant) and id(significant[k]) in only_urls:
            count += content_end(doc, significant[k]) - significant[k]["_line"]
            k += 1
        return count >= 2 and not (k < len(significant) and is_title(significant[k]))

    def caption_kind(j: int) -> str | None:
        """Whether ``significant[j]``, right above a URL or a run of URLs, is their caption."""
        tok = significant[j]
        if is_label(tok):
            return "text"
        if tok["type"] == "list":
            last = lines[content_end(doc, tok) - 1]
            if labels and is_label_line(last):
                return "text"  # "- 代码：" as the last item of a list
            return "text" if leads and _is_lead_item(last) else None  # a step leading into the link
        if not leads:
            return None
        if tok["type"] == "heading":
            return "heading"
        if tok["type"] != "paragraph" or id(tok) in only_urls or _is_image(doc, tok):
            return None
        if j == 0 or id(significant[j - 1]) not in only_urls:
            return "text"
        # after a URL, a paragraph is that URL's title, unless the entries here are
        # written caption first ("中文版教程", URL, "英文版教程", URL), or it also heads
        # the group of untitled URLs below it (URL, "APIDOC", URL, URL)
        return "text" if later["run_caption"](j - 1) == "text" or group_below(j) else None

    later["run_caption"] = run_caption

    def labelled_above(u: UrlLine) -> bool:
        if not labels and not leads:
            return False
        para = u.paragraph
        for ln in range(u.line - 1, para["_line"] - 1, -1):  # glued lines above, in the paragraph
            if not is_url_line(lines[ln]):
                return labels and is_label_line(lines[ln])
        i = position[id(para)]
        if id(para) in only_urls:
            return run_caption(i) is not None
        return i > 0 and caption_kind(i - 1) is not None

    out: list[_Caption] = []
    for u in doc.url_lines:
        para = u.paragraph
        titled = False
        if u.line == content_end(doc, para) - 1:
            nxt = block_after(doc, para)
            titled = nxt is not None and is_title(nxt)
        out.append(_Caption(labelled_above(u), titled))
    cache[labels, leads] = tuple(out)
    later.clear()
    return out


def names_itself(url: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``url`` matches a ``link-entries.self-describing`` glob (matched without
    the scheme, host case ignored) and reads as written: no ``%`` escape, which the
    page would show as is (``/wiki/Dyson_sphere`` names its article;
    ``/wiki/%E6%88%B4`` names nothing a reader can read)."""
    if "%" in url or not patterns:
        return False
    rest = url.split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    rest = host.lower() + slash + path
    return any(fnmatchcase(rest, p) for p in patterns)


def _index(doc: Document, tok: Token) -> int:
    cache = doc.__dict__.setdefault("_block_index", {})
    if not cache:
        for i, t in enumerate(doc.blocks):
            cache[id(t)] = i
    return int(cache[id(tok)])


def is_url_line(text: str) -> bool:
    return bool(URL_LINE.fullmatch(text))


def title_of(doc: Document, u: UrlLine) -> tuple[int, str] | None:
    """``(line, text)`` of the entry's title when the entry is well formed."""
    para = u.paragraph
    if content_end(doc, para) - para["_line"] != 1:
        return None
    nxt, blanks = next_block(doc, para)
    if nxt is None or nxt["type"] != "paragraph" or blanks != 1:
        return None
    if content_end(doc, nxt) - nxt["_line"] != 1 or is_url_line(doc.lines[nxt["_line"]]):
        return None
    return nxt["_line"], doc.lines[nxt["_line"]].strip()
