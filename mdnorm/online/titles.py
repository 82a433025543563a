"""A page's title: found in linear time, decoded per its charset, made safe for a post.

Two steps, kept apart on purpose.  :func:`extract_title` turns the bytes of a page
into plain text (``<title>``, else ``og:title``; charset from the header, else
``<meta>``; entities decoded; control characters, newlines and NULs removed): that
is what the cache stores.  :func:`markdown_title` turns that text into one line of
kramdown that shows it as written, or refuses it: ``|`` (a table), ``{%``/``{{``
(Liquid, which Jekyll runs before kramdown), ``$$`` (math), ``<script>``, a leading
``#``/``>``/list marker are escaped, and a title that still is not plain text after
that is not inserted.

Every search here is a ``bytes.find`` or a regular expression anchored to a
bounded slice, so a hostile page (64 kB of ``<title>``) costs what reading it does.
"""

from __future__ import annotations

import html
import re
import unicodedata

TITLE_MAX = 160
_SCAN = 256 * 1024  # where a title may start
_TAG_MAX = 4096  # longest <meta> tag or title looked at
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_OG = re.compile(rb"""property\s*=\s*["']og:title["']""", re.IGNORECASE)
_CONTENT = re.compile(rb"""content\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})')""", re.IGNORECASE)
#: labels pages use for encodings Python knows under a wider name (WHATWG's mapping)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252", "ascii": "cp1252"}


def _tags(low: bytes, name: bytes) -> list[tuple[int, int]]:
    """Start and end offsets of each ``<name ...>`` tag in ``low`` (lower-cased bytes)."""
    out: list[tuple[int, int]] = []
    at = 0
    needle = b"<" + name
    while len(out) < 64:
        i = low.find(needle, at)
        if i < 0:
            break
        j = low.find(b">", i, i + _TAG_MAX)
        if j < 0:
            break
        out.append((i, j + 1))
        at = j + 1
    return out


def _charset(head: bytes, content_type: str) -> str | None:
    m = _HEADER_CHARSET.search(content_type[:200])
    if m:
        return m.group(1).lower()
    low = head[:4096].lower()
    for start, end in _tags(low, b"meta"):
        mb = _META_CHARSET.search(head, start, end)
        if mb:
            return mb.group(1).decode("ascii").lower()
    return None


def _decode(raw: bytes, charset: str | None) -> str:
    if charset:
        try:
            return raw.decode(_SUPERSETS.get(charset, charset), errors="replace")
        except LookupError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def plain(text: str) -> str:
    """``text`` on one line: control and format characters (NUL, ESC, bidi controls)
    removed, runs of whitespace made one space."""
    kept = "".join(" " if c.isspace() else c for c in text if c.isspace() or unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())


def extract_title(body: bytes, content_type: str = "text/html") -> str | None:
    """The page's ``<title>`` (else ``og:title``) as plain one-line text, or None."""
    head = body[:_SCAN]
    low = head.lower()
    raw: bytes | None = None
    i = low.find(b"<title")
    while i >= 0 and raw is None:
        gt = low.find(b">", i, i + 200)
        if gt < 0:
            break
        if low[i + 6 : i + 7] in (b">", b" ", b"\t", b"\n", b"\r", b"/"):
            end = low.find(b"</title", gt)
            if end < 0:
                break
            raw = head[gt + 1 : min(end, gt + 1 + _TAG_MAX)]
        else:
            i = low.find(b"<title", gt)
    if raw is None:
        for start, end in _tags(low[:65536], b"meta"):
            if _OG.search(head, start, end):
                mc = _CONTENT.search(head, start, end)
                if mc:
                    raw = mc.group(1) if mc.group(1) is not None else mc.group(2)
                    break
    if raw is None:
        return None
    text = plain(html.unescape(_decode(raw, _charset(head, content_type))))
    return text or None


_NEEDS_ESCAPE = re.compile(r"([\\`*_\[\]<>|$])")
_BLOCK_START = re.compile(r"(#|>|[-+*]([ \t]|$)|=+$|:)")
_ORDERED = re.compile(r"(\d+)[.)]([ \t]|$)")
_URLISH = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def markdown_title(title: str) -> str | None:
    """``title`` as one Markdown paragraph line that kramdown shows as the same text, or None.

    Markdown punctuation (``|`` included: ``a | b`` alone on a line is a table) and
    ``$`` are backslash-escaped; ``{`` and ``%`` become character references, so
    neither ``{%`` nor ``{{`` reaches Liquid; ``&`` before a name becomes ``&amp;``; a
    title that would start a block gets its first character escaped.  A title that
    is empty after that, or is itself a URL, is refused.
    """
    title = plain(title)
    if not title or _URLISH.match(title) or title.startswith(("~~~", "```")):
        return None
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    title = re.sub(r"&(?=[#A-Za-z0-9])", "&amp;", title)
    title = _NEEDS_ESCAPE.sub(r"\\\1", title)
    title = title.replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;")
    ordered = _ORDERED.match(title)
    if ordered:
        title = f"{ordered.group(1)}\\{title[ordered.end(1) :]}"
    elif _BLOCK_START.match(title):
        title = "\\" + title
    if "{%" in title or "{{" in title or any(unicodedata.category(c)[0] == "C" for c in title):
        return None  # pragma: no cover - the escapes above make this unreachable; kept as the last guard
    return title
