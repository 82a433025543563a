"""What Jekyll makes of one file, from its path alone: post, draft, document, page or nothing.

The front matter rules apply to what Jekyll treats as documents and pages, not
to every Markdown file in a repository (``README.md``, ``CONTRIBUTING.md``,
``.github/``); and a post's data is its front matter over the ``defaults:`` of
``_config.yml``.  This module answers both for one path, reading only the
site's configuration (cached per site), never the other files of the site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mdnorm import site
from mdnorm.jekyll.config import ConfigError, SiteConfig, config_from_mapping, find_config_file
from mdnorm.jekyll.filters import EntryFilter, defaults_for, ruby_join

#: Plugins GitHub Pages turns on for every site built with the ``github-pages`` gem.
GITHUB_PAGES_DEFAULTS = frozenset(
    {
        "jekyll-default-layout",
        "jekyll-titles-from-headings",
        "jekyll-optional-front-matter",
        "jekyll-readme-index",
        "jekyll-relative-links",
    }
)
#: Files of a repository that are not posts, outside a Jekyll site (stem, upper case).
REPOSITORY_FILES = frozenset(
    "README CONTRIBUTING CHANGELOG CHANGES HISTORY LICENSE LICENCE CODE_OF_CONDUCT SECURITY SUPPORT AUTHORS".split()
)
POST, DRAFT, DOCUMENT, PAGE, EXCLUDED, REPOSITORY = "post", "draft", "document", "page", "excluded", "repository"


@dataclass(frozen=True)
class Page:
    """One file as Jekyll sees it.

    ``kind``: ``post``, ``draft``, ``document`` (a file of another collection;
    ``output`` says whether the collection is rendered), ``page`` (any other
    file Jekyll reads: a page when it has front matter, else a static copy),
    ``excluded`` (Jekyll never reads it: ``exclude``, a ``_`` or ``.`` folder)
    or ``repository`` (a ``README``-like file or ``.github/`` file outside any
    site).  ``defaults`` are the ``_config.yml`` front matter defaults for it.
    """

    kind: str
    defaults: dict[str, Any] = field(default_factory=dict)
    output: bool = True
    serve_port: int = 4000
    plugins: frozenset[str] = frozenset()
    #: the layouts may come from a gem theme (``theme:``/``remote_theme:``), not only ``_layouts/``
    theme: bool = False

    @property
    def is_post(self) -> bool:
        """A post-like document: what every post needs (a title, a layout) applies to it."""
        return self.kind in (POST, DRAFT) or (self.kind == DOCUMENT and self.output)

    def key(self) -> str:
        """A stable text for memo keys: changes whenever a field does."""
        return repr((self.kind, sorted(self.defaults.items(), key=repr), self.output, self.serve_port,
                     sorted(self.plugins), self.theme))  # fmt: skip


class _Site:
    """The parts of one site's ``_config.yml`` the rules read."""

    def __init__(self, root: str) -> None:
        data: dict[str, Any] = {}
        path = find_config_file(root)
        if path is not None:
            data = _read_mapping(path)
        try:
            self.config: SiteConfig = config_from_mapping(root, data, path)
        except ConfigError:
            self.config = config_from_mapping(root, {}, path)
        port = data.get("port", 4000)
        self.port = port if isinstance(port, int) and not isinstance(port, bool) else 4000
        plugins: set[str] = set()
        for key in ("plugins", "gems"):
            value = data.get(key)
            if isinstance(value, list):
                plugins.update(str(v) for v in value)
        if _uses_github_pages(root):
            plugins |= GITHUB_PAGES_DEFAULTS
        self.plugins = frozenset(plugins)
        self.theme = bool(data.get("theme") or data.get("remote_theme"))


def _read_mapping(path: str) -> dict[str, Any]:
    """The YAML mapping of ``_config.yml``; ``{}`` when it cannot be read (Jekyll's defaults)."""
    from mdnorm import _yaml

    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig", errors="replace")
    except OSError:
        return {}
    if path.endswith(".toml"):
        return {}
    data, _, _ = _yaml.load_mapping(text)
    return data if isinstance(data, dict) else {}


def _uses_github_pages(root: str) -> bool:
    try:
        with open(os.path.join(root, "Gemfile"), encoding="utf-8", errors="replace") as fh:
            return "github-pages" in fh.read()
    except OSError:
        return False


@lru_cache(maxsize=64)
def _site(root: str) -> _Site:
    return _Site(root)


@lru_cache(maxsize=8192)
def _page(folder: str, name: str) -> Page | None:
    root = site.find_root(folder)
    if root is None:
        parts = folder.replace(os.sep, "/").split("/")
        stem = name.rsplit(".", 1)[0].upper()
        if ".github" in parts or stem in REPOSITORY_FILES:
            return Page(REPOSITORY)
        return None
    s = _site(root)
    cfg = s.config
    rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
    if rel.startswith("../"):
        return None
    common: dict[str, Any] = {"serve_port": s.port, "plugins": s.plugins, "theme": s.theme}
    parts = rel.split("/")
    inner = parts
    if cfg.collections_dir and parts[0] == cfg.collections_dir:
        inner = parts[1:]
    for magic, kind in (("_posts", POST), ("_drafts", DRAFT)):
        if magic in parts[:-1]:
            return Page(kind, defaults_for(cfg, rel, "posts"), **common)
    if len(inner) > 1 and inner[0].startswith("_"):
        for label, meta in cfg.collections.items():
            if label != "posts" and inner[0] == "_" + label:
                return Page(DOCUMENT, defaults_for(cfg, rel, label), output=bool(meta.get("output")), **common)
    base = ""
    for part in parts:
        if EntryFilter(cfg, base).why_rejected(part) is not None:
            return Page(EXCLUDED, **common)
        base = ruby_join(base, part)
    return Page(PAGE, defaults_for(cfg, rel, "pages"), **common)


def page_of(path: str) -> Page | None:
    """What Jekyll makes of the file at ``path``; None for stdin or a file outside any site
    that is not a repository file (then every rule treats it as a post, as before)."""
    if path == "-":
        return None
    return _page(site.folder_of(path), os.path.basename(path))


def forget() -> None:
    """Drop what this module remembers of sites (their configuration and exclusions): they changed."""
    for f in (_site, _folder_of_site, _folder_excluded, _entry_filter, _filter_config):
        f.cache_clear()


def jekyll_excluded(path: str) -> bool:
    """Whether Jekyll's ``exclude:`` drops ``path`` (a file or a folder) from the site it is in.

    The site's ``exclude:`` list with Jekyll's default excludes (``Gemfile``,
    ``node_modules``, ``vendor/bundle/`` ...), ``include:`` honoured, matched as
    ``EntryFilter`` does against the path and each folder above it up to the
    site root.  Only ``exclude:``: ``_`` and ``.`` entries are not looked at
    (``_posts``, ``_drafts`` and collections are what mdnorm checks).  False
    outside a site.
    """
    full = os.path.abspath(path)
    return jekyll_excluded_in(os.path.dirname(full), os.path.basename(full))


def jekyll_excluded_in(folder: str, name: str) -> bool:
    """:func:`jekyll_excluded` for the entry ``name`` of ``folder`` (absolute and normalised): a
    walk, which knows both, asks it for every file."""
    where = _folder_of_site(folder)
    if where is None:
        return False
    root, rel = where
    if rel and _folder_excluded(folder):
        return True
    entries = _entry_filter(root, rel)
    # excluded first: most folders have no exclude pattern that can match (a walk asks per file)
    return entries.excluded(name) and not entries.included(name)


@lru_cache(maxsize=4096)
def _folder_of_site(folder: str) -> tuple[str, str] | None:
    """The site root of ``folder`` and the folder relative to it ("" for the root itself)."""
    root = site.find_root(folder)
    if root is None:
        return None
    rel = os.path.relpath(folder, root).replace(os.sep, "/")
    if rel == ".." or rel.startswith("../"):
        return None
    return root, "" if rel == "." else rel


@lru_cache(maxsize=4096)
def _folder_excluded(folder: str) -> bool:
    return jekyll_excluded_in(os.path.dirname(folder), os.path.basename(folder))


@lru_cache(maxsize=4096)
def _entry_filter(root: str, base: str) -> EntryFilter:
    """Jekyll's filter of the entries of folder ``base`` (relative to the site root), made once per folder."""
    return EntryFilter(_filter_config(root), base)


@lru_cache(maxsize=64)
def _filter_config(root: str) -> SiteConfig:
    """The site's configuration for :func:`jekyll_excluded`: YAML is read only when the
    file names an ``exclude`` or ``include`` key (a warm run on a site without one
    never imports the YAML loader); else Jekyll's defaults."""
    path = find_config_file(root)
    try:
        with open(path or os.devnull, "rb") as fh:
            raw = fh.read()
    except OSError:
        raw = b""
    if b"exclude" in raw or b"include" in raw:
        return _site(root).config
    return config_from_mapping(root, {}, path)
