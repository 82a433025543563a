"""The site as its links see it: where each URL leads, built beside the site index.

The site link rules (:mod:`mdnorm.rules.site_links`) ask one question of every
link: what would a visitor of the built site get?  :class:`SiteMap` answers it
from the Jekyll model (:func:`mdnorm.jekyll.read_site`: one walk of the source,
honouring ``exclude``/``include``) and the posts' stored facts: each post's
front matter comes from the index, so a warm run reads no unchanged post.  It is
built once per run, on the first question (:attr:`SiteIndex.site_map`).

A URL path is looked up as a static host serves the written site: ``/a/`` is
``a/index.html``; ``/a`` is ``a``, else ``a.html`` (GitHub Pages and ``jekyll
serve`` both try it), else ``a/index.html``.  Paths are compared after
percent-decoding, as the host compares them with file names.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urljoin

from mdnorm.jekyll import ConfigError, KramdownIds, Site, SiteFile, read_site
from mdnorm.jekyll.model import DATE_NAME

if TYPE_CHECKING:
    from mdnorm.linkindex import SiteIndex

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_SITE_VAR = re.compile(r"\{\{-?\s*site\.(baseurl|url)\s*-?\}\}")
_RELATIVE_URL = re.compile(r"""\{\{-?\s*(["'])([^"']*)\1\s*\|\s*(relative_url|absolute_url)\s*-?\}\}""")
_TAG_IN_URL = re.compile(r"\{%-?\s*(post_url|link)\s+(.*?)\s*-?%\}")
#: ``PostComparer::MATCHER`` of Jekyll's ``post_url`` tag.
_POST_NAME = re.compile(r"^(.+/)*(\d+-\d+-\d+)-(.*)$")


class Lookup(NamedTuple):
    """Where a URL path leads: ``file`` when something is there (written or not)."""

    status: str  # "ok", "unpublished", "case" (only with other letter case), "missing"
    file: SiteFile | None = None


class Href(NamedTuple):
    """A link target made site-relative: ``path`` decoded and without ``baseurl``."""

    path: str  # "" for a link to the same page
    fragment: str | None
    written_path: str  # the path part as written (what a fix of the path replaces)
    problem: str = ""  # e.g. the link misses the baseurl


class SiteMap:
    """URLs, files and anchors of one site, from the model and the index's facts."""

    def __init__(self, index: SiteIndex, site: Site) -> None:
        self.index = index
        self.site = site
        self.config = site.config
        self.baseurl = site.config.baseurl.rstrip("/")
        self._ids: dict[str, tuple[tuple[str, int], ...] | None] = {}

    @classmethod
    def build(cls, index: SiteIndex) -> SiteMap | None:
        """The map of ``index``'s site, or None when its ``_config.yml`` cannot be used."""
        try:
            return cls(index, _model(index))
        except ConfigError:
            return None

    @cached_property
    def valid_until(self) -> float | None:
        """Until when what this map says holds, as far as time goes (see :func:`_valid_until`)."""
        return _valid_until(self.site)

    # -- files ----------------------------------------------------------------------------------
    @cached_property
    def by_path(self) -> dict[str, SiteFile]:
        return {f.path: f for f in self.site.files}

    @cached_property
    def _written(self) -> dict[str, SiteFile]:
        """Output file -> the source written there (the last one, as Jekyll overwrites)."""
        return {f.output: f for f in self.site.written() if f.output is not None}

    @cached_property
    def _folded(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in self._written:
            out.setdefault(name.casefold(), []).append(name)
        return out

    @cached_property
    def _unwritten(self) -> dict[str, SiteFile]:
        """Output file a source would have were it published -> that source."""
        out: dict[str, SiteFile] = {}
        for f in self.site.files:
            if not f.published and f.output is not None:
                out.setdefault(f.output, f)
        return out

    @cached_property
    def statics_by_name(self) -> dict[str, list[SiteFile]]:
        out: dict[str, list[SiteFile]] = {}
        for f in self.site.written():
            if f.kind == "static":
                out.setdefault(f.path.rsplit("/", 1)[-1].casefold(), []).append(f)
        return out

    @cached_property
    def posts_by_slug(self) -> dict[str, list[SiteFile]]:
        """Published posts by the title part of their file name (``2016-08-02-x.md`` -> ``x``)."""
        out: dict[str, list[SiteFile]] = {}
        for f in self.site.posts:
            m = DATE_NAME.fullmatch(f.path.rsplit("/", 1)[-1])
            if m is not None and f.published:
                out.setdefault(m.group(2), []).append(f)
        return out

    def lookup(self, path: str) -> Lookup:
        """What the built site has at URL ``path`` (decoded, without baseurl)."""
        name = path.lstrip("/")
        tries = (
            [name + "index.html"] if not name or name.endswith("/") else [name, name + ".html", name + "/index.html"]
        )
        for t in tries:
            got = self._written.get(t)
            if got is not None:
                return Lookup("ok", got)
        for t in tries:
            got = self._unwritten.get(t)
            if got is not None:
                return Lookup("unpublished", got)
        for t in tries:
            cands = self._folded.get(t.casefold(), [])
            if len(cands) == 1:
                return Lookup("case", self._written[cands[0]])
        return Lookup("missing")

    def href(self, target: str, from_rel: str) -> Href | None:
        """``target`` as a site path, or None when it is not a link into this site (or cannot be known)."""
        t = self.expand(target)
        if t is None:
            return None
        site_url = self.config.url.rstrip("/")
        if site_url and (t == site_url or t.startswith(site_url + "/")):
            t = t[len(site_url) :] or "/"
        if _SCHEME.match(t) or t.startswith("//"):
            return None
        before, hash_, fragment = t.partition("#")
        written = before.split("?", 1)[0]
        path = written
        if not path:
            return Href("", fragment if hash_ else None, written)
        if not path.startswith("/"):
            own = self.by_path.get(from_rel)
            if own is None or own.url is None or not own.published:
                return None  # relative to a page whose URL is not known
            path = urljoin("http://h" + self.baseurl + own.url, path)[len("http://h") :]
        problem = ""
        if self.baseurl:
            if path == self.baseurl or path.startswith(self.baseurl + "/"):
                path = path[len(self.baseurl) :] or "/"
            else:
                problem = f"does not start with the site's baseurl {self.baseurl!r}"
        return Href(unquote(path), unquote(fragment) if hash_ else None, written, problem)

    def expand(self, target: str) -> str | None:
        """``target`` with ``{{ site.baseurl }}``, ``relative_url`` and resolvable tags filled in, or None."""
        t = target.strip()
        if "{" not in t:
            return t
        t = _SITE_VAR.sub(lambda m: self.baseurl if m.group(1) == "baseurl" else self.config.url.rstrip("/"), t)
        t = _RELATIVE_URL.sub(lambda m: self.baseurl + m.group(2), t)

        def tag(m: re.Match[str]) -> str:
            f = self.post_url(m.group(2))[0] if m.group(1) == "post_url" else self.link_tag(m.group(2))
            return self.baseurl + f.url if f is not None and f.url is not None else "{%"

        t = _TAG_IN_URL.sub(tag, t)
        return None if "{{" in t or "{%" in t else t

    # -- Liquid tags ------------------------------------------------------------------------------
    def post_url(self, name: str) -> tuple[SiteFile | None, str]:
        """The post Jekyll's ``{% post_url name %}`` renders, or None and why the build fails."""
        name = name.strip()
        if "{{" in name:
            return None, ""  # a variable: not knowable here
        m = _POST_NAME.match(name.lstrip("/"))
        if m is None:
            return None, f"'{name}' does not contain valid date and/or title"
        folder, day, slug = m.group(1) or "", m.group(2), m.group(3)
        pattern = re.compile(
            rf"^_posts/{re.escape(folder)}{re.escape(day)}-{re.escape(slug)}\.[^.]+"
            rf"|^{re.escape(folder)}_posts/?{re.escape(day)}-{re.escape(slug)}\.[^.]+"
        )
        posts = [f for f in self.site.files if f.kind == "post"]
        for f in posts:
            if pattern.match(f.path):
                if f.published:
                    return f, ""
                return None, f"post {f.path} is not published ({f.reason})"
        # PostComparer#deprecated_equality: same title and same day, however the date is written
        nums = [int(x) for x in day.split("-")]
        for f in posts:
            m2 = DATE_NAME.fullmatch(f.path.rsplit("/", 1)[-1])
            if (
                f.published
                and f.date
                and m2
                and m2.group(2) == slug
                and [f.date.year, f.date.month, f.date.day] == nums
            ):
                return f, ""
        return None, f"no post {name}"

    def link_tag(self, path: str) -> SiteFile | None:
        """The file Jekyll's ``{% link path %}`` renders, or None (the build fails)."""
        path = path.strip()
        for f in self.site.written():
            if f.kind != "draft" and (f.path == path or (f.kind == "static" and f.path == path.lstrip("/"))):
                return f
        return None

    # -- anchors ------------------------------------------------------------------------------------
    @cached_property
    def layout_ids(self) -> frozenset[str]:
        """Ids the layouts put on every page (a link to ``#disqus_thread`` is fine)."""
        from mdnorm.anchors import html_ids

        folder = os.path.join(self.index.root, "_layouts")
        out: set[str] = set()
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return frozenset()
        for name in names:
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
                    out.update(i for i, _ in html_ids(fh.read()))
            except (OSError, AssertionError):
                continue
        return frozenset(out)

    def anchor_owners(self, anchor: str) -> list[str]:
        """The posts that have id ``anchor`` (for the hint "#x is in that other post")."""
        return self.index.anchor_owners(anchor)

    def anchors_of(self, rel: str, own: tuple[tuple[str, int], ...] | None = None) -> frozenset[str] | None:
        """Every id the page of source ``rel`` has, or None when it is not known (a page, an HTML file).

        ``own`` gives the ids read off the post being checked (its current text).
        """
        facts = self.index.facts(rel) if own is None else None
        if own is None and facts is None:
            return None
        ids = own if own is not None else facts.anchors if facts is not None else ()
        if self.config.kramdown != KramdownIds():
            ids = self._reparsed(rel) or ids
        return frozenset(i for i, _ in ids) | self.layout_ids

    def _reparsed(self, rel: str) -> tuple[tuple[str, int], ...] | None:
        """Ids under the site's own kramdown settings (the stored ones assume kramdown's defaults)."""
        from mdnorm.anchors import anchors
        from mdnorm.document import DecodeError, Document

        if rel in self._ids:
            return self._ids[rel]
        self._ids[rel] = None
        try:
            with open(os.path.join(self.index.root, *rel.split("/")), "rb") as fh:
                doc = Document.from_bytes(rel, fh.read())
        except (OSError, DecodeError):
            return None
        got = tuple((a.id, a.line) for a in anchors(doc, self.config.kramdown))
        self._ids[rel] = got
        return got


def _valid_until(site: Site) -> float | None:
    """Until when ``site`` holds, as far as time goes: the first future post's date (Jekyll
    publishes it then); now when a collection document takes its date from the clock."""
    import time

    from mdnorm.jekyll.model import FUTURE

    until: float | None = None
    for f in site.files:
        if f.kind == "document" and site.config.time is None:
            return time.time()
        if f.status == FUTURE and f.date is not None:
            t = f.date.timestamp()
            until = t if until is None else min(until, t)
    return until


def _model(index: SiteIndex) -> Site:
    """The Jekyll model of ``index``'s site: remembered in the run's memo under the stamp of every
    file but the posts, and the posts' front matter as indexed, so a run after a post's text
    changed (its front matter did not) reads no file of the site again."""
    fronts, digest = index.fronts()

    def read() -> Site:
        return read_site(index.root, known=fronts.get)

    memo = index.memo
    if memo is None or digest is None:
        return read()
    from mdnorm.sitestate import tree_stamp

    posts = frozenset(os.path.join(index.root, *rel.split("/")) for rel in fronts)
    tree = tree_stamp(index.root, posts)
    if tree is None:
        return read()
    import time

    from mdnorm.jekyll import load_config
    from mdnorm.resultcache import evaluate_model

    key = memo.model_key(tree, digest)
    value = memo.lookup_model(key, time.time())
    if value is not None:
        try:
            return Site(load_config(index.root), tuple(_file_of(v) for v in value))
        except (TypeError, ValueError):
            pass

    def build() -> tuple[Any, float | None]:
        site = read()
        built.append(site)
        return [_file_json(f) for f in site.files], _valid_until(site)

    built: list[Site] = []
    _, entry = evaluate_model(key, build)
    if entry is not None and tree_stamp(index.root, posts) == tree:
        memo.add_site(entry, index.root, "model", key)
    return built[0]


def _file_json(f: SiteFile) -> list[Any]:
    return [f.path, f.kind, f.url, f.output, f.status, f.reason, f.date.isoformat() if f.date else None, f.collection]


def _file_of(v: Any) -> SiteFile:
    from datetime import datetime

    path, kind, url, output, status, reason, date, collection = v
    return SiteFile(
        str(path),
        str(kind),
        url,
        output,
        str(status),
        str(reason),
        datetime.fromisoformat(date) if date else None,
        collection,
    )
