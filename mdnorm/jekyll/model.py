"""The site as ``jekyll build`` would write it: every post, page and static file with its URL.

:func:`read_site` walks the source the way ``Jekyll::Reader`` does (folders
through ``EntryFilter``, ``_posts``/``_drafts`` in every readable folder, then
``include``d files, then collections) and builds each file's URL with the
Python twins of ``Document#url``, ``Page#url`` and ``StaticFile#url``.  Nothing
runs Ruby; ``tests/test_jekyll_oracle.py`` proves the result against real builds.

Files Jekyll does not write are kept too, with the reason (an ``exclude``
pattern, a file name that is not ``YYYY-MM-DD-title.ext``, ``published: false``,
a future date, a draft), so a link to them can say *why* it is broken.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from mdnorm.jekyll import dates
from mdnorm.jekyll.config import SiteConfig, add_permalink_suffix, load_config
from mdnorm.jekyll.data import categories_from_path, merge_data, populate_categories, url_drop
from mdnorm.jekyll.filters import EntryFilter, defaults_for, ruby_join
from mdnorm.jekyll.urls import UrlError, fill_from_drop, fill_from_hash, ruby_str, sanitize_url, unescape_path

#: ``Document::DATE_FILENAME_MATCHER``, on the file name (Ruby's ``\\d`` is ASCII).
DATE_NAME = re.compile(r"([0-9]{2,4}-[0-9]{1,2}-[0-9]{1,2})-([^/]*)(\.[^./]+)")
_DATELESS_NAME = re.compile(r"(.*)(\.[^./]+)")
_YAML_HEADER = re.compile(rb"---\s*\r?\n")
_HTML_EXTS = (".html", ".xhtml", ".htm")
PUBLISHED, UNPUBLISHED, FUTURE, DRAFT, EXCLUDED, IGNORED, ERROR = (
    "published",
    "unpublished",
    "future",
    "draft",
    "excluded",
    "ignored",
    "error",
)


class SiteFile(NamedTuple):
    """One source file and what Jekyll makes of it.

    ``path`` is relative to the site source with ``/`` separators; ``url`` is
    Jekyll's ``url`` (without ``baseurl``); ``output`` the file written under
    the destination.  ``status`` is :data:`PUBLISHED` when Jekyll writes it,
    otherwise one of the other constants with ``reason`` saying why.
    """

    path: str
    kind: str  # "post", "draft", "page", "static", "document"
    url: str | None
    output: str | None
    status: str
    reason: str
    date: datetime | None = None
    collection: str | None = None

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED


class Site(NamedTuple):
    config: SiteConfig
    files: tuple[SiteFile, ...]

    @property
    def posts(self) -> list[SiteFile]:
        """Everything found under ``_posts``/``_drafts`` folders, written or not."""
        return [f for f in self.files if f.kind in ("post", "draft")]

    def written(self) -> Iterator[SiteFile]:
        return (f for f in self.files if f.status == PUBLISHED)

    def conflicts(self) -> dict[str, list[SiteFile]]:
        """Output files written by more than one source file (Jekyll warns, the last one wins)."""
        by_out: dict[str, list[SiteFile]] = defaultdict(list)
        for f in self.written():
            if f.output is not None:
                by_out[f.output].append(f)
        return {k: v for k, v in by_out.items() if len(v) > 1}


#: Front matter of a source file by its relative path: ``(data, error)`` as :func:`_front_matter` gives.
FrontMatterOf = Callable[[str], "tuple[dict[str, Any], str | None] | None"]


class _Reader:
    """One pass over a site source; the methods follow ``Jekyll::Reader``'s order."""

    def __init__(self, config: SiteConfig, now: datetime | None, known: FrontMatterOf | None = None) -> None:
        self.config = config
        self.known = known
        self.root = config.source
        self.tz: tzinfo | None = dates.zone(config.timezone)
        if config.time is not None:
            self.time = dates.parse(config.time, self.tz)
        else:
            self.time = dates.local(now or datetime.now().astimezone(), self.tz)
        self.files: list[SiteFile] = []
        self.seen: set[str] = set()

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root, *[p for p in rel.split("/") if p])

    def front_matter(self, rel: str) -> tuple[dict[str, Any], str | None]:
        """The front matter of the source file ``rel``: as ``known`` has it, else read from the file.

        Pages ask too, not only posts: a page that the site index also lists as a
        post (a dated name outside ``_posts``) is then neither read nor its YAML
        parsed a second time in the run.  The model reads only ``permalink`` and
        ``published`` of a page, both among the keys the index keeps
        (:data:`mdnorm.facts.URL_KEYS`).
        """
        got = self.known(rel) if self.known is not None else None
        return got if got is not None else _front_matter(self.abspath(rel))

    # -- Reader#read_directories -------------------------------------------------------
    def read_directories(self, folder: str = "") -> None:
        base = self.abspath(folder)
        try:
            with os.scandir(base) as found:  # (the entries' types come with the listing: no stat each)
                entries = sorted((entry.name, entry) for entry in found)
        except OSError:
            return
        filt = EntryFilter(self.config, folder)
        dirs, pages, statics = [], [], []
        for name, entry in entries:
            if filt.why_rejected(name) is not None:
                continue
            if _is_dir(entry):
                dirs.append(name)
            elif _has_yaml_header(entry.path):
                pages.append(name)
            else:
                statics.append(name)
        self.read_posts(folder)
        for name in dirs:
            if os.path.join(base, name) != os.path.join(self.root, "_site"):
                self.read_directories(ruby_join(folder, name))
        for name in pages:
            self.add(self.page(folder, name))
        for name in statics:
            self.add(self.static(folder, name))

    def add(self, f: SiteFile) -> None:
        self.seen.add(f.path)
        self.files.append(f)

    def read_posts(self, folder: str) -> None:
        cdir = self.config.collections_dir
        if cdir and not folder.startswith("/" + cdir):
            return
        for magic, kind in (("_posts", "post"), ("_drafts", "draft")):
            base = ruby_join(folder, magic)
            filt = EntryFilter(self.config, base)
            for entry in _glob_all(self.abspath(base), dotmatch=False):
                rel = (base + "/" + entry).lstrip("/")
                why = filt.why_rejected(entry)
                name = entry.rsplit("/", 1)[-1]
                matcher = DATE_NAME if kind == "post" else _DATELESS_NAME
                if why is not None:
                    self.add(SiteFile(rel, kind, None, None, EXCLUDED, why))
                elif not matcher.fullmatch(name):
                    reason = "file name is not YYYY-MM-DD-title.ext" if kind == "post" else "file has no extension"
                    self.add(SiteFile(rel, kind, None, None, IGNORED, reason))
                else:
                    self.add(self.document(rel, "posts", kind))

    # -- Document ------------------------------------------------------------------------------
    def document(self, rel: str, label: str, kind: str) -> SiteFile:
        cfg = self.config
        reldir = "_" + label
        draft = label == "posts" and reldir not in rel
        fm, error = self.front_matter(rel)
        if error:
            return SiteFile(rel, kind, None, None, ERROR, error, collection=label)
        data: dict[str, Any] = {"categories": categories_from_path(rel, "_drafts" if draft else reldir)}
        data = merge_data(data, defaults_for(cfg, rel, label))
        data = merge_data(data, fm)
        name = rel.rsplit("/", 1)[-1]
        ext = _extname(name)
        try:
            date = dates.parse(data["date"], self.tz) if data.get("date") is not None else None
            m = DATE_NAME.fullmatch(name)
            if m is not None:
                slug = m.group(2)
                if date is None:
                    date = dates.parse(m.group(1), self.tz)
            else:
                dm = _DATELESS_NAME.fullmatch(name)
                slug = dm.group(1) if dm else name[: len(name) - len(ext)]
        except dates.DateError as exc:
            return SiteFile(rel, kind, None, None, ERROR, f"invalid date: {exc}", collection=label)
        if date is None:
            if draft:
                date = dates.local(datetime.fromtimestamp(os.stat(self.abspath(rel)).st_mtime).astimezone(), self.tz)
            else:
                date = self.time
        slug = re.sub(r"\.*\Z", "", slug)
        if data.get("slug") is None:
            data["slug"] = slug
        categories = populate_categories(data)
        permalink = data.get("permalink")
        permalink = ruby_str(permalink) if permalink not in (None, False) else None
        out_ext = _permalink_ext(permalink) or _converter_ext(cfg, ext)
        meta = cfg.collections.get(label, {})
        template = str(meta.get("permalink") or add_permalink_suffix("/:collection/:path", cfg.permalink))
        cleaned = re.sub(r"\.*\Z", "", rel[: len(rel) - len(ext)].replace(reldir, "", 1))
        values = url_drop(label, name[: len(name) - len(ext)], ruby_str(data["slug"]), categories, date, out_ext)
        values["path"] = cleaned
        try:
            url = sanitize_url(fill_from_drop(permalink or template, values))
        except UrlError as exc:
            return SiteFile(rel, kind, None, None, ERROR, str(exc), date, label)
        status, reason = PUBLISHED, ""
        if kind == "draft" and not cfg.show_drafts:  # Jekyll does not even read it
            status, reason = DRAFT, "a draft (show_drafts is off)"
        elif "published" in data and data["published"] in (None, False) and not cfg.unpublished:
            status, reason = UNPUBLISHED, "published: false"
        elif int(date.timestamp()) > int(self.time.timestamp()) and not cfg.future:
            status, reason = FUTURE, f"dated {date.isoformat()}, in the future (future: false)"
        elif label != "posts" and not meta.get("output"):
            status, reason = UNPUBLISHED, f"collection {label!r} has no output: true"
        return SiteFile(rel, kind, url, _doc_output(url, out_ext), status, reason, date, label)

    # -- Page and StaticFile ---------------------------------------------------------------------
    def page(self, folder: str, name: str) -> SiteFile:
        cfg = self.config
        rel = ruby_join(folder, name).lstrip("/")
        fm, error = self.front_matter(rel)
        if error:
            return SiteFile(rel, "page", None, None, ERROR, error)
        permalink = fm["permalink"] if "permalink" in fm else defaults_for(cfg, rel, "pages").get("permalink")
        permalink = ruby_str(permalink) if permalink not in (None, False) else None
        ext = _extname(name)
        basename = re.sub(r"\.*\Z", "", name[: len(name) - len(ext)])
        out_ext = _permalink_ext(permalink) or _converter_ext(cfg, ext)
        if out_ext not in _HTML_EXTS:
            template = "/:path/:basename:output_ext"
        elif basename == "index":
            template = "/:path/"
        else:
            template = add_permalink_suffix("/:path/:basename", cfg.permalink)
        try:
            url = sanitize_url(
                fill_from_hash(permalink or template, {"path": folder, "basename": basename, "output_ext": out_ext})
            )
        except UrlError as exc:
            return SiteFile(rel, "page", None, None, ERROR, str(exc))
        out = unescape_path(url)
        if url.endswith("/"):
            out += "index"
        if not out.endswith(out_ext):
            out += out_ext
        if "published" in fm and fm["published"] in (None, False) and not cfg.unpublished:
            return SiteFile(rel, "page", url, out.lstrip("/"), UNPUBLISHED, "published: false")
        return SiteFile(rel, "page", url, out.lstrip("/"), PUBLISHED, "")

    def static(self, folder: str, name: str) -> SiteFile:
        rel = ruby_join(folder, name)
        ext = _extname(name)
        url = re.sub(r"\.*\Z", "", rel[: len(rel) - len(ext)]) + ext
        status, reason = PUBLISHED, ""
        d = defaults_for(self.config, url, None)
        if "published" in d and d["published"] in (None, False):
            status, reason = UNPUBLISHED, "published: false in defaults"
        return SiteFile(rel.lstrip("/"), "static", url, unescape_path(url).lstrip("/"), status, reason)

    # -- Reader#read_included_excludes ---------------------------------------------------
    def read_included(self) -> None:
        for entry in self.config.include:
            full = self.abspath(entry)
            rel = os.path.relpath(full, self.root).replace(os.sep, "/")
            if not os.path.isfile(full) or rel in self.seen or rel.startswith("../"):
                continue
            folder, name = os.path.split(rel)
            folder = "/" + folder if folder else ""
            self.add(self.page(folder, name) if _has_yaml_header(full) else self.static(folder, name))

    # -- Collection#read ---------------------------------------------------------------------------
    def read_collections(self) -> None:
        cfg = self.config
        for label, meta in cfg.collections.items():
            if label in ("posts", "data"):
                continue
            reldir = "_" + re.sub(r"[^a-z0-9_\-.]", "", label, flags=re.I)
            base = ruby_join(cfg.collections_dir, reldir).lstrip("/") if cfg.collections_dir else reldir
            filt = EntryFilter(cfg, reldir)
            for entry in _glob_all(self.abspath(base), dotmatch=True):
                if filt.why_rejected(entry) is not None:
                    continue
                rel = reldir + "/" + entry
                if _has_yaml_header(self.abspath(ruby_join(base, entry))):
                    self.add(self.document(rel, label, "document"))
                elif meta.get("output"):
                    self.add(self._collection_static(label, reldir, rel, meta))

    def _collection_static(self, label: str, reldir: str, rel: str, meta: dict[str, Any]) -> SiteFile:
        name = rel.rsplit("/", 1)[-1]
        ext = _extname(name)
        cleaned = re.sub(r"\.*\Z", "", rel[: len(rel) - len(ext)]).replace(reldir, "", 1)
        template = str(meta.get("permalink") or add_permalink_suffix("/:collection/:path", self.config.permalink))
        values = {
            "collection": label,
            "path": cleaned,
            "output_ext": "",
            "name": name[: len(name) - len(ext)],
            "title": "",
        }
        url = sanitize_url(fill_from_hash(template, values)).rstrip("/") + ext
        return SiteFile(rel, "static", url, unescape_path(url).lstrip("/"), PUBLISHED, "", collection=label)


def read_site(
    root: str, now: datetime | None = None, config: SiteConfig | None = None, known: FrontMatterOf | None = None
) -> Site:
    """Every file of the site at ``root``; ``now`` is the build time (future posts).

    ``known`` answers a post's front matter without reading the file (the site
    index has it from its stored facts), or None to have the file read.
    """
    cfg = config or load_config(os.path.abspath(root))
    reader = _Reader(cfg, now, known)
    reader.read_directories("")
    reader.read_included()
    reader.read_collections()
    return Site(cfg, tuple(reader.files))


# -- helpers ---------------------------------------------------------------------------------------
def _glob_all(base: str, dotmatch: bool) -> list[str]:
    """``Dir["**/*"]`` under ``base`` (files only), relative, sorted; dot entries only with ``dotmatch``."""
    out: list[str] = []
    if not os.path.isdir(base):
        return out
    for folder, dirs, names in os.walk(base):
        if not dotmatch:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(folder, base).replace(os.sep, "/")
        for name in names:
            if dotmatch or not name.startswith("."):
                out.append(name if rel == "." else f"{rel}/{name}")
    return sorted(out)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """``os.path.isdir`` of a listed entry (links followed, False when it cannot be told)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _has_yaml_header(path: str) -> bool:
    """``Utils.has_yaml_header?``: the first line is ``---`` (trailing whitespace allowed)."""
    try:
        with open(path, "rb") as f:
            line = f.readline()
    except OSError:
        return False
    return _YAML_HEADER.match(line) is not None


def _front_matter(path: str) -> tuple[dict[str, Any], str | None]:
    from mdnorm.document import DecodeError, Document

    try:
        with open(path, "rb") as f:
            doc = Document.from_bytes(path, f.read())
    except (OSError, DecodeError) as exc:
        return {}, f"cannot read: {exc}"
    fm = doc.front_matter
    if fm is None or fm.end is None:
        return {}, None
    if fm.data is None:
        return {}, f"front matter does not parse ({fm.error}): Jekyll logs an error and builds it anyway"
    return fm.data, None


def _extname(name: str) -> str:
    """``File.extname``: the last ``.ext`` of a name that does not start with the dot."""
    stem = name.lstrip(".")
    i = stem.rfind(".")
    return "" if i <= 0 or i == len(stem) - 1 else stem[i:]


def _permalink_ext(permalink: str | None) -> str | None:
    if permalink and not permalink.endswith("/"):
        return _extname(permalink.rsplit("/", 1)[-1]) or None
    return None


def _converter_ext(config: SiteConfig, ext: str) -> str:
    """The output extension of the converter for ``ext`` (Markdown → .html, Sass → .css, else itself)."""
    if ext.lower() in config.markdown_ext:
        return ".html"
    if ext.lower() in (".sass", ".scss"):
        return ".css"
    return ext


def _doc_output(url: str, out_ext: str) -> str:
    out = unescape_path(url)
    if url.endswith("/"):
        out += "index.html"
    elif not out.endswith(out_ext):
        out += out_ext
    return out.lstrip("/")
