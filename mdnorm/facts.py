"""A post's site facts: what the site-wide rules need to know of it, read off its parse.

The facts come from the same :class:`~mdnorm.document.Document` the per-file rules
read (one block grammar: the parser's), and depend on the post's bytes only, so
the site index stores them keyed by the post's content hash and a warm run needs
neither to read nor to parse a post that did not change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from mdnorm.document import URL_LINE, Document, UrlLine, content_end
from mdnorm.linkentries import block_after
from mdnorm.linkscan import Link, links_of
from mdnorm.suppress import Directives, directives

#: The front matter keys that decide a post's URL and whether it is published
#: (with ``_config.yml`` defaults): all the site model needs of a post's front matter.
URL_KEYS = ("date", "permalink", "categories", "category", "slug", "published")


class UrlEntry(NamedTuple):
    """One link-entry URL line (``line``/``column`` 0-based)."""

    line: int
    column: int
    url: str
    coarse: str  # urls.coarse_key(url): equal for any two URLs that normalise alike
    titled: bool  # a text paragraph follows (LE001 decides; --online fetches titles for the others)


class Category(NamedTuple):
    """The ``category`` of the front matter, and where its line is (for FM006's fix)."""

    value: str
    line: int  # 0-based
    offset: int  # offset of the line's first character in the post's text
    text: str  # the line as written


class Front(NamedTuple):
    """The front matter as the site model reads it: the :data:`URL_KEYS` it sets, or why it cannot be read.

    ``data`` holds YAML values as JSON can (dates tagged, see :func:`encode`);
    ``error`` is the parse error (Jekyll logs it and builds the post anyway).
    """

    data: Any
    error: str | None

    def decoded(self) -> dict[str, Any]:
        out = decode(self.data)
        return out if isinstance(out, dict) else {}


class PostFacts(NamedTuple):
    entries: tuple[UrlEntry, ...]
    category: Category | None
    http_urls: tuple[tuple[int, int, str], ...]  # every http:// URL in prose (line, column, url)
    directives: Directives
    links: tuple[Link, ...] = ()  # every link target (mdnorm.linkscan)
    anchors: tuple[tuple[str, int], ...] = ()  # (id, line): kramdown's ids with default settings
    front: Front = Front({}, None)

    def to_json(self) -> Any:
        cat = list(self.category) if self.category is not None else None
        return [
            [list(e) for e in self.entries],
            cat,
            [list(h) for h in self.http_urls],
            self.directives.to_json(),
            [list(link) for link in self.links],
            [list(a) for a in self.anchors],
            list(self.front),
        ]

    @classmethod
    def from_json(cls, data: Any) -> PostFacts:
        """Raises ``ValueError``/``TypeError`` on data that is not what :meth:`to_json` made."""
        entries, cat, http, supp, links, anchors, front = data
        return cls(
            tuple(UrlEntry(int(a), int(b), str(c), str(d), bool(e)) for a, b, c, d, e in entries),
            Category(str(cat[0]), int(cat[1]), int(cat[2]), str(cat[3])) if cat is not None else None,
            tuple((int(a), int(b), str(c)) for a, b, c in http),
            Directives.from_json(supp),
            tuple(Link(int(a), int(b), int(c), str(d), str(e)) for a, b, c, d, e in links),
            tuple((str(a), int(b)) for a, b in anchors),
            Front(front[0], None if front[1] is None else str(front[1])),
        )


def encode(value: Any) -> Any:
    """A YAML value as JSON can hold it: dates and times tagged, everything else as it is."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if len(value) == 1 and "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if len(value) == 1 and "$date" in value:
            return date.fromisoformat(value["$date"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def front_of(doc: Document) -> Front:
    """What :func:`mdnorm.jekyll.model.read_site` reads of the front matter, from this parse."""
    fm = doc.front_matter
    if fm is None or fm.end is None:
        return Front({}, None)
    if fm.data is None:
        return Front({}, f"front matter does not parse ({fm.error}): Jekyll logs an error and builds it anyway")
    return Front(encode({k: fm.data[k] for k in URL_KEYS if k in fm.data}), None)


def category_of(doc: Document) -> Category | None:
    """The post's ``category`` as text (a scalar value), with its front matter line."""
    fm = doc.front_matter
    if fm is None or fm.data is None:
        return None
    value = fm.data.get("category")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    line = doc.front_matter_key_line("category")
    if not text or line is None:
        return None
    return Category(text, line, doc.offset(line), doc.lines[line])


def _titled(doc: Document, u: UrlLine) -> bool:
    """The URL line ends its paragraph and a paragraph of text (not another URL line) follows."""
    para = u.paragraph
    if u.line != content_end(doc, para) - 1:
        return False
    tok = block_after(doc, para)
    return tok is not None and tok["type"] == "paragraph" and not URL_LINE.fullmatch(doc.lines[tok["_line"]])


def facts_of(doc: Document) -> PostFacts:
    """The site facts of ``doc`` (computed once per document)."""
    cached = doc.__dict__.get("_site_facts")
    if isinstance(cached, PostFacts):
        return cached
    entries = tuple(
        UrlEntry(u.line, u.column, u.url, key, _titled(doc, u))
        for u, key in zip(doc.url_lines, doc.url_line_keys, strict=True)
    )
    http = tuple((ln, col, url) for ln, col, url in doc.text_urls() if url[:5].lower() == "http:")
    from mdnorm.anchors import anchors

    ids = tuple((a.id, a.line) for a in anchors(doc))
    facts = PostFacts(entries, category_of(doc), http, directives(doc), tuple(links_of(doc)), ids, front_of(doc))
    doc.__dict__["_site_facts"] = facts
    return facts


def facts_of_file(path: str) -> PostFacts | None:
    """The facts of the post at ``path`` read from disk, or None when it cannot be read as UTF-8."""
    from mdnorm.document import DecodeError

    try:
        with open(path, "rb") as fh:
            return facts_of(Document.from_bytes(path, fh.read()))
    except (OSError, DecodeError):
        return None
