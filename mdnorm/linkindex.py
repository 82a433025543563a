"""The site-wide link index: every post's link-entry URLs and its category.

Rules that look past one file (DL002, FM006) and the ``--online`` features need
facts about *all* posts of the site, whichever files a run was given (pre-commit
passes one).  This module finds the site root, lists its posts (files named
``YYYY-M-D-title.md``/``.markdown``) and keeps, per post, the normalised URLs of
its link-entry lines with their line numbers and its ``category``.

Cost matters: the index is read on every run.  Entries live in
``.mdnorm_cache/linkindex.json``, keyed per file by content hash, so a warm run
reads each post's bytes and hashes them but re-scans only changed files.  A scan
is a line scanner (:func:`scan_url_lines`), not the Markdown parser: it follows
the block structure just far enough (front matter, fences, math, Liquid and
kramdown extension blocks, HTML blocks, lists, quotes, indented code, setext
headings) to pick the same URL lines as :attr:`Document.url_lines`, at a small
fraction of the cost.  A ``(size, mtime)`` match skips even the hashing.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from mdnorm import __version__, urls
from mdnorm.config import Config
from mdnorm.document import URL_IN_TEXT, URL_LINE, Document

#: Bump when the scanner or the entry layout changes: old cache files are ignored.
INDEX_VERSION = f"2:{__version__}"
INDEX_FILE = "linkindex.json"
SUMMARY_FILE = "linkindex-summary.json"
POST_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-[^/\\]+$")
#: Codes whose checks need the site index.
SITE_CODES = frozenset({"DL002", "FM006"})

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_MATH = re.compile(r" {0,3}\$\$")
_LIQUID = re.compile(r" {0,3}\{%-?[ \t]*(highlight|raw|comment)\b")
_LIQUID_END = {
    "highlight": re.compile(r"\{%-?[ \t]*endhighlight[ \t]*-?%\}"),
    "raw": re.compile(r"\{%-?[ \t]*endraw[ \t]*-?%\}"),
    "comment": re.compile(r"\{%-?[ \t]*endcomment[ \t]*-?%\}"),
}
_EXT = re.compile(r" {0,3}\{::(comment|nomarkdown|options)([^}\n]*)\}[ \t]*$")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
#: First characters that may start something other than a paragraph line.
_SPECIAL = frozenset(" \t`~$<>{#=-*_+0123456789")
_HR = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_LIST = re.compile(r"( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)")
_QUOTE = re.compile(r" {0,3}>")
_HTML_1 = re.compile(r" {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.IGNORECASE)
_HTML_2 = re.compile(r" {0,3}<!--")
_HTML_6 = re.compile(
    r" {0,3}</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    r"dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|"
    r"iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|"
    r"table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:\s|/?>|$)",
    re.IGNORECASE,
)
_HTML_7 = re.compile(
    r" {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*"
    r"\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
)


class UrlRef(NamedTuple):
    """One link-entry URL line of a post (``line``/``column`` 0-based)."""

    line: int
    column: int
    url: str
    key: str  # urls.coarse_key(url): equal for any two URLs that normalise alike
    titled: bool  # followed by "blank line, one-line title" (a scan's guess; LE001 decides)


class PostFacts(NamedTuple):
    """What the index keeps about one post."""

    rel: str  # path relative to the site root, '/'-separated
    order: tuple[int, int, int, str]  # (year, month, day, rel): "earlier" means smaller
    category: str | None
    category_line: int | None
    entries: tuple[UrlRef, ...]
    http_urls: tuple[tuple[int, int, str], ...]  # every http:// URL in text (line, column, url)


def _indent(line: str) -> int:
    n = 0
    for ch in line:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4 - n % 4
        else:
            break
    return n


def scan_url_lines(lines: list[str], start: int) -> tuple[list[tuple[int, int, str]], bytearray]:
    """Bare URL lines of top-level paragraphs, found by a line scan from ``start``.

    Returns ``[(line, column, url)]`` (the same lines as ``Document.url_lines``) and
    a flag per line: 1 for lines inside code, math, HTML, Liquid or extension
    blocks, where no URL counts.  The scan follows only the structure that decides
    whether a line belongs to a top-level paragraph; whatever it cannot tell
    apart it leaves to the parser-based rules (which see the same file exactly).
    """
    found: list[tuple[int, int, str]] = []
    opaque = bytearray(len(lines))
    opaque[:start] = b"\x01" * start
    prev = "blank"  # blank | para | list | quote | icode | other
    para: list[int] = []  # indexes into ``found`` of the current paragraph's URL lines
    in_math = False
    para_start = -1  # first line of the current paragraph
    para_boundary = False  # ... and whether a blank line (or the start) came before it
    icode_blank = False  # a blank line came after the indented code block
    list_indent = -1  # content column of the open list item, -1: no list
    end_re: re.Pattern[str] | None = None  # closes the open opaque block
    fence: tuple[str, int] | None = None
    html_until_blank = False
    n = len(lines)
    i = start
    while i < n:
        line = lines[i]
        # -- inside an opaque block -------------------------------------------------
        if fence is not None:
            opaque[i] = 1
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] and not line[m.end() :].strip():
                fence = None
            i += 1
            continue
        if end_re is not None:
            opaque[i] = 1
            if end_re.search(line):
                end_re = None
                prev = "other"
            i += 1
            continue
        if html_until_blank:
            if not line.strip():
                html_until_blank = False
                prev = "blank"
            else:
                opaque[i] = 1
            i += 1
            continue
        stripped = line.strip()
        if not stripped:
            prev = "blank" if prev != "icode" else "icode"
            icode_blank = True
            if prev == "blank":
                para = []
                in_math = False
            i += 1
            continue
        ind = _indent(line)
        # -- containers: list items and block quotes --------------------------------
        if list_indent >= 0:
            if prev not in ("blank", "icode") or ind >= list_indent:
                prev = "list"
                if _FENCE.match(line):
                    fence = (line.strip()[0], len(_FENCE.match(line).group(1)))  # type: ignore[union-attr]
                    opaque[i] = 1
                i += 1
                continue
            m = _LIST.match(line)
            if m and not _HR.match(line):
                list_indent = _item_indent(m)
                prev = "list"
                i += 1
                continue
            list_indent = -1
        if prev == "quote":
            i += 1
            continue
        if prev == "icode" and (ind >= 4 or not icode_blank):
            opaque[i] = 1  # kramdown's code block takes the lazy lines right after it too
            icode_blank = False
            i += 1
            continue
        if prev == "icode":
            prev = "blank"
        if line[0] not in _SPECIAL:  # the common case: plain text or a URL line
            if prev != "para":
                para, in_math, para_start, para_boundary = [], False, i, prev == "blank"
            _para_line(line, i, found, para, in_math)
            if "$$" in line and line.count("$$") % 2:
                in_math = not in_math
            prev = "para"
            i += 1
            continue
        # -- indented code / lazy paragraph continuation ----------------------------
        if ind >= 4:
            if prev == "para":
                _para_line(line, i, found, para, in_math)
                in_math ^= line.count("$$") % 2 == 1
            else:
                opaque[i] = 1
                prev, icode_blank = "icode", False
            i += 1
            continue
        # -- block starts ----------------------------------------------------------
        m = _FENCE.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
            fence = (m.group(1)[0], len(m.group(1)))
            opaque[i] = 1
            prev, para, in_math = "other", [], False
            i += 1
            continue
        if _MATH.match(line) and prev in ("blank", "other"):
            last = _math_block_end(lines, i)
            if last is not None:
                opaque[i : last + 1] = b"\x01" * (last + 1 - i)
                prev, para, in_math = "other", [], False
                i = last + 1
                continue
        m = _LIQUID.match(line)
        if m:
            opaque[i] = 1
            end = _LIQUID_END[m.group(1)]
            if not end.search(line, m.end()):
                end_re = end
            prev, para, in_math = "other", [], False
            i += 1
            continue
        m = _EXT.match(line)
        if m:
            opaque[i] = 1
            if not m.group(2).rstrip().endswith("/"):
                end_re = re.compile(r"\{:/(?:" + m.group(1) + r")?\}")
            prev, para, in_math = "other", [], False
            i += 1
            continue
        if _HEADING.match(line):
            prev, para, in_math = "other", [], False
            i += 1
            continue
        if prev == "para" and para_start == i - 1 and para_boundary and _SETEXT.match(line):
            for idx in reversed(para):  # a one-line paragraph was a setext heading after all
                del found[idx]
            prev, para, in_math = "other", [], False
            i += 1
            continue
        if _HR.match(line):
            prev, para, in_math = "other", [], False
            i += 1
            continue
        m = _LIST.match(line)
        if m and (prev != "para" or (m.group(3) and (m.group(2)[0] in "-+*" or m.group(2)[:-1] == "1"))):
            list_indent = _item_indent(m)
            prev, para, in_math = "list", [], False
            i += 1
            continue
        if _QUOTE.match(line):
            prev, para, in_math = "quote", [], False
            i += 1
            continue
        m1 = _HTML_1.match(line)
        if m1 or _HTML_2.match(line):
            opaque[i] = 1
            closer = re.compile(rf"</{m1.group(1)}>", re.IGNORECASE) if m1 else re.compile(r"-->")
            if not closer.search(line, 4):
                end_re = closer
            prev, para, in_math = "other", [], False
            i += 1
            continue
        if _HTML_6.match(line) or (prev != "para" and _HTML_7.match(line)):
            opaque[i] = 1
            html_until_blank = True
            prev, para, in_math = "other", [], False
            i += 1
            continue
        # -- a paragraph line --------------------------------------------------------
        if prev != "para":
            para, in_math, para_start, para_boundary = [], False, i, prev == "blank"
        _para_line(line, i, found, para, in_math)
        if line.count("$$") % 2:
            in_math = not in_math
        prev = "para"
        i += 1
    return found, opaque


def _math_block_end(lines: list[str], i: int) -> int | None:
    """Last line of a kramdown math block opening at line ``i``, or None when it is inline.

    As in the parser: the first ``$$`` after the opening one closes it; only a
    block when nothing but spaces follows it and a blank line (or the end) comes next.
    """
    line = lines[i]
    pos = line.find("$$") + 2
    j = i
    while j < len(lines):
        close = lines[j].find("$$", pos)
        if close >= 0:
            if lines[j][close + 2 :].strip():
                return None
            return j if j + 1 >= len(lines) or not lines[j + 1].strip() else None
        j += 1
        pos = 0
    return None


def _item_indent(m: re.Match[str]) -> int:
    spaces = len(m.group(3).expandtabs(4))
    width = len(m.group(1)) + len(m.group(2))
    if not m.group(3) or spaces > 4:
        return width + 1
    return width + spaces


def _para_line(line: str, i: int, found: list[tuple[int, int, str]], para: list[int], in_math: bool) -> None:
    if in_math or not line.startswith(("h", " ")):
        return
    m = URL_LINE.fullmatch(line)
    if m:
        para.append(len(found))
        found.append((i, m.start(1), m.group(1)))


def _titled(lines: list[str], line: int) -> bool:
    """A URL line followed by one blank line and a one-line, non-URL paragraph."""
    n = len(lines)
    if line + 2 >= n or lines[line + 1].strip() or not lines[line + 2].strip():
        return False
    title = lines[line + 2]
    if URL_LINE.fullmatch(title) or _HEADING.match(title) or _LIST.match(title) or _FENCE.match(title):
        return False
    return line + 3 >= n or not lines[line + 3].strip()


def category_of(doc: Document) -> tuple[str | None, int | None]:
    """The post's ``category`` as text, and its front matter line."""
    fm = doc.front_matter
    if fm is None or fm.data is None:
        return None, None
    value = fm.data.get("category")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, None
    text = str(value).strip()
    if not text:
        return None, None
    return text, doc.front_matter_key_line("category")


def post_order(rel: str) -> tuple[int, int, int, str] | None:
    """``(year, month, day, rel)`` from a Jekyll post file name, or None."""
    m = POST_NAME.search(rel)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), rel


_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
_FM_LINE = re.compile(r"(?:---|\.\.\.)[ \t]*")
# matched against the line without its trailing blanks: a lazy value followed
# by ``[ \t]*`` is quadratic in a run of blanks inside the value
_PLAIN_CATEGORY = re.compile(r"category[ \t]*:[ \t]+([^\s'\"{}\[\]|>&*!%@`#,?:-][^#:'\"{}\[\]]*)")


def _category_by_line(lines: list[str]) -> tuple[str | None, int | None] | None:
    """``category`` read off its line when the front matter is plain enough to trust.

    A one-line plain scalar needs no YAML parser (the index reads every post of
    the site, so this is on the hot path); anything else (quotes, flow or block
    values, other ``category`` lines, anything that may not parse) returns None
    and the caller falls back to :func:`category_of`.
    """
    if not lines or lines[0].rstrip() != "---":
        return None
    found: tuple[str, int] | None = None
    for i in range(1, len(lines)):
        line = lines[i]
        if _FM_LINE.fullmatch(line):
            return (found[0], found[1]) if found else (None, None)
        if line.startswith("category"):
            m = _PLAIN_CATEGORY.fullmatch(line.rstrip(" \t"))
            if m is None or found is not None or m.group(1)[0].isdigit() or m.group(1).lower() in _YAML_WORDS:
                return None
            found = (m.group(1), i)
        elif "\t" in line or line.lstrip().startswith(("*", "&", "!")) or "category" in line:
            return None
    return None


def facts_from_text(rel: str, text: str) -> PostFacts:
    """Scan one post's text (no Markdown parse) into its index entry."""
    doc = Document(rel, text)
    lines = doc.lines
    fast = _category_by_line(lines)
    category, cat_line = fast if fast is not None else category_of(doc)
    found, opaque = scan_url_lines(lines, doc.body_line)
    entries = tuple(UrlRef(ln, col, url, urls.coarse_key(url), _titled(lines, ln)) for ln, col, url in found)
    http: list[tuple[int, int, str]] = []
    for ln, line in enumerate(lines):
        if opaque[ln] or "://" not in line or "http:" not in line.lower():
            continue
        for m in URL_IN_TEXT.finditer(line):
            if m.group()[:5].lower() == "http:":
                http.append((ln, m.start(), m.group()))
    order = post_order(rel) or (9999, 99, 99, rel)
    return PostFacts(rel, order, category, cat_line, entries, tuple(http))


def _to_json(f: PostFacts) -> list[Any]:
    return [f.category, f.category_line, [list(e) for e in f.entries], [list(h) for h in f.http_urls]]


def _from_json(rel: str, data: Any) -> PostFacts | None:
    try:
        category, cat_line, entries, http = data
        order = post_order(rel) or (9999, 99, 99, rel)
        return PostFacts(
            rel,
            order,
            category,
            cat_line,
            tuple(UrlRef(int(a), int(b), str(c), str(d), bool(e)) for a, b, c, d, e in entries),
            tuple((int(a), int(b), str(c)) for a, b, c in http),
        )
    except (TypeError, ValueError):
        return None


def category_key(name: str) -> str:
    """Two categories are variants when this is the same: case, spaces and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


class FirstUse(NamedTuple):
    """Where a URL (by its normalised key) is listed first, and second."""

    first: tuple[PostFacts, int]
    second: tuple[PostFacts, int] | None


class SiteIndex:
    """All posts of one site, with the lookups the site-wide rules need.

    ``posts`` (every post's facts) is loaded on first use: a warm run whose
    posts all match the cache needs only :meth:`site_key`, answered from the
    small summary file without reading the facts at all.
    """

    def __init__(
        self,
        root: str,
        posts: dict[str, PostFacts] | None = None,
        keys: dict[str, str] | None = None,
        facts_file: Path | None = None,
        scanned: int = 0,
        reused: int = 0,
    ) -> None:
        self.root = root
        self._prefix = os.path.join(root, "")
        self._posts = posts
        self._keys = keys
        self._facts_file = facts_file
        #: how the index was built: files re-scanned, files taken from the cache
        self.scanned = scanned
        self.reused = reused
        #: ``mdnorm.online.OnlineFacts`` with ``--online``, else None
        self.online: Any = None

    @property
    def posts(self) -> dict[str, PostFacts]:
        if self._posts is None:
            self._posts = _load_facts(self._facts_file) or {}
        return self._posts

    def rel(self, path: str) -> str:
        from mdnorm.site import folder_of

        full = os.path.join(folder_of(path), os.path.basename(path))
        if full.startswith(self._prefix):
            return full[len(self._prefix) :].replace(os.sep, "/")
        return os.path.relpath(full, self.root).replace(os.sep, "/")

    @cached_property
    def shared_coarse(self) -> frozenset[str]:
        """Coarse URL keys listed by more than one post: only these can be DL002 hits."""
        owner: dict[str, str] = {}
        shared: set[str] = set()
        for post in self.posts.values():
            for e in post.entries:
                first = owner.setdefault(e.key, post.rel)
                if first != post.rel:
                    shared.add(e.key)
        return frozenset(shared)

    def may_be_listed_elsewhere(self, coarse_key: str) -> bool:
        """False when no other post can list a URL with this ``urls.coarse_key``."""
        return coarse_key in self.shared_coarse

    @cached_property
    def first_use(self) -> dict[str, FirstUse]:
        """For each normalised URL key that may be shared, the earliest post (and the
        next different post) that lists it.  URLs whose coarse key only one post
        has are left out: they cannot be listed twice, and skipping them saves a
        ``urls.normalize`` per URL of the site."""
        out: dict[str, FirstUse] = {}
        shared = self.shared_coarse
        for post in sorted(self.posts.values(), key=lambda p: p.order):
            seen: set[str] = set()
            for e in post.entries:
                if e.key not in shared:
                    continue
                key = urls.normalize(e.url)
                if key in seen:
                    continue
                seen.add(key)
                cur = out.get(key)
                if cur is None:
                    out[key] = FirstUse((post, e.line), None)
                elif cur.second is None:
                    out[key] = FirstUse(cur.first, (post, e.line))
        return out

    def earlier_listing(self, rel: str, order: tuple[int, int, int, str], key: str) -> tuple[PostFacts, int] | None:
        """The earliest *other* post listing ``key`` when it comes before ``order``."""
        use = self.first_use.get(key)
        if use is None:
            return None
        cand = use.first if use.first[0].rel != rel else use.second
        if cand is None or cand[0].order >= order:
            return None
        return cand

    @cached_property
    def categories(self) -> dict[str, Counter[str]]:
        """Category variants: normalised key -> how many posts use each spelling."""
        out: dict[str, Counter[str]] = {}
        for post in self.posts.values():
            if post.category is not None:
                out.setdefault(category_key(post.category), Counter())[post.category] += 1
        return out

    @cached_property
    def first_category_use(self) -> dict[str, tuple[int, int, int, str]]:
        out: dict[str, tuple[int, int, int, str]] = {}
        for post in self.posts.values():
            if post.category is not None and (post.category not in out or post.order < out[post.category]):
                out[post.category] = post.order
        return out

    def site_key(self, path: str) -> str:
        """A digest of every site fact DL002/FM006 results for ``path`` depend on.

        A per-file result cache adds this to its key: it changes when another post
        starts or stops listing one of this post's URLs earlier (or moves it to
        another line), or when the counts of this post's category spellings change.
        """
        rel = self.rel(path)
        if self._keys is not None:
            key = self._keys.get(rel)
            if key is not None:
                return key
        return self._compute_key(rel)

    def _compute_key(self, rel: str) -> str:
        post = self.posts.get(rel)
        h = hashlib.blake2b(digest_size=12)
        if post is not None:
            shared = self.shared_coarse
            for e in post.entries:
                if e.key not in shared:
                    continue
                key = urls.normalize(e.url)
                hit = self.earlier_listing(rel, post.order, key)
                if hit is not None:
                    h.update(f"{key}\0{hit[0].rel}\0{hit[1]}\n".encode())
            if post.category is not None:
                h.update(repr(sorted(self.categories.get(category_key(post.category), Counter()).items())).encode())
        return h.hexdigest()

    def all_keys(self) -> dict[str, str]:
        return {rel: self._compute_key(rel) for rel in self.posts}


def _load_facts(path: Path | None) -> dict[str, PostFacts] | None:
    from mdnorm import cache

    if path is None:
        return None
    data = cache.read_json(path)
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or not isinstance(data.get("posts"), dict):
        return None
    out: dict[str, PostFacts] = {}
    for rel, raw in data["posts"].items():
        facts = _from_json(rel, raw)
        if facts is None:
            return None
        out[rel] = facts
    return out


class _Matcher:
    """``exclude``/``extend-exclude`` patterns compiled once (name or root-relative path)."""

    def __init__(self, cfg: Config) -> None:
        pats = [p.rstrip("/") for p in (*cfg.exclude, *cfg.extend_exclude)]
        if pats:
            parts = [fnmatch.translate(p) for p in pats] + [fnmatch.translate(p + "/*") for p in pats]
            self._re: re.Pattern[str] | None = re.compile("|".join(f"(?:{p})" for p in parts))
        else:
            self._re = None

    def excluded(self, name: str, rel: str) -> bool:
        return self._re is not None and bool(self._re.match(name) or self._re.match(rel))


def _rel_to(full: str, root: str, prefix: str) -> str:
    """``full`` relative to ``root`` ('/'-separated); a prefix cut in the common case."""
    if full.startswith(prefix):
        return full[len(prefix) :].replace(os.sep, "/")
    return os.path.relpath(full, root).replace(os.sep, "/")


def post_files(root: str, cfg: Config) -> list[str]:
    """Every post under ``root`` (absolute paths, sorted), as a run over ``root`` would find them."""
    from mdnorm.files import _git_root, _ignored_by_git

    exts = tuple(e if e.startswith(".") else "." + e for e in cfg.extensions)
    matcher = _Matcher(cfg)
    cfg_root = os.path.abspath(cfg.root)
    cfg_prefix = os.path.join(cfg_root, "")
    top = _git_root(root) if cfg.respect_gitignore else None
    out: list[str] = []
    for folder, dirs, files in os.walk(root):
        keep = []
        for d in dirs:
            full = os.path.join(folder, d)
            rel = _rel_to(full, cfg_root, cfg_prefix)
            if matcher.excluded(d, rel) or (top is not None and _ignored_by_git(full, True, top)):
                continue
            keep.append(d)
        dirs[:] = keep
        for f in files:
            if not f.endswith(exts) or not POST_NAME.match(f):
                continue
            full = os.path.join(folder, f)
            rel = _rel_to(full, cfg_root, cfg_prefix)
            if matcher.excluded(f, rel) or (top is not None and _ignored_by_git(full, False, top)):
                continue
            out.append(full)
    out.sort()
    return out


def build(root: str, cfg: Config, use_cache: bool = True) -> SiteIndex:
    """Index every post under ``root``, re-scanning only files whose content changed.

    Two cache files: ``linkindex.json`` (each post's facts) and the small
    ``linkindex-summary.json`` (each post's size, mtime, content hash and site key).
    When every post's size and mtime match the summary, only the summary is read.
    A changed mtime with the same content (a fresh checkout) costs a hash, not a scan.
    """
    from mdnorm import cache

    folder = cache.cache_dir(root) if use_cache else None
    summary_file = folder / SUMMARY_FILE if folder is not None else None
    facts_file = folder / INDEX_FILE if folder is not None else None
    summary: dict[str, Any] = {}
    if summary_file is not None:
        data = cache.read_json(summary_file)
        if isinstance(data, dict) and data.get("version") == INDEX_VERSION and isinstance(data.get("posts"), dict):
            summary = data["posts"]
    files = post_files(root, cfg)
    stamps: dict[str, list[int]] = {}
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            continue
        stamps[os.path.relpath(path, root).replace(os.sep, "/")] = [st.st_size, st.st_mtime_ns]
    if summary and set(summary) == set(stamps) and all(summary[r][:2] == stamps[r] for r in stamps):
        keys = {r: str(v[3]) for r, v in summary.items()}
        return SiteIndex(root, None, keys, facts_file, 0, len(stamps))
    old = _load_facts(facts_file) or {}
    posts: dict[str, PostFacts] = {}
    hashes: dict[str, str] = {}
    scanned = reused = 0
    for rel, stamp in stamps.items():
        prev = summary.get(rel)
        if isinstance(prev, list) and len(prev) == 4 and prev[:2] == stamp and rel in old:
            posts[rel], hashes[rel] = old[rel], str(prev[2])
            reused += 1
            continue
        try:
            with open(os.path.join(root, rel), "rb") as fh:
                raw = fh.read()
        except OSError:
            continue
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        hashes[rel] = digest
        if isinstance(prev, list) and len(prev) == 4 and prev[2] == digest and rel in old:
            posts[rel] = old[rel]  # a checkout moved the mtime; the content is the same
            reused += 1
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # IO001 reports it; an unreadable post lists nothing
        posts[rel] = facts_from_text(rel, text)
        scanned += 1
    index = SiteIndex(root, posts, None, facts_file, scanned, reused)
    keys = index.all_keys()
    index._keys = keys
    if summary_file is not None and facts_file is not None:
        if scanned or set(old) != set(posts):
            cache.write_json(
                facts_file, {"version": INDEX_VERSION, "posts": {r: _to_json(f) for r, f in posts.items()}}
            )
        cache.write_json(
            summary_file,
            {"version": INDEX_VERSION, "posts": {r: [*stamps[r], hashes[r], keys[r]] for r in posts}},
        )
    return index


_INDEXES: dict[tuple[Any, ...], SiteIndex] = {}


def site_for(path: str, cfg: Config, codes: Iterable[str]) -> SiteIndex | None:
    """The site index for a post at ``path``, built once per process and root.

    None when no selected rule needs site facts, for stdin, and for a file that
    belongs to no site (no ``_config.yml`` or ``_posts/`` above it).
    """
    online_mod = sys.modules.get("mdnorm.online")  # imported only by a run with --online
    online = bool(online_mod is not None and online_mod.ACTIVE)
    if path == "-" or not (SITE_CODES.intersection(codes) or (online and {"HT001", "LE001"}.intersection(codes))):
        return None
    from mdnorm.site import find_root, folder_of

    root = find_root(folder_of(path))
    if root is None:
        return None
    key = (root, cfg.extensions, cfg.exclude, cfg.extend_exclude, cfg.respect_gitignore, cfg.cache, online)
    index = _INDEXES.get(key)
    if index is None:
        index = build(root, cfg, use_cache=cfg.cache)
        if online_mod is not None and online:
            index.online = online_mod.facts_for(root)
        _INDEXES[key] = index
    return index


def forget() -> None:
    """Drop the in-process indexes (tests, and a long-lived process after edits)."""
    _INDEXES.clear()
