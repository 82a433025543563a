"""Which files Jekyll reads: ``EntryFilter`` and front matter ``defaults`` scopes.

Both match patterns against absolute paths the way Jekyll does, quirks kept: an
``exclude`` entry is also a plain *prefix* (``exclude: [draft]`` drops
``drafts/`` and ``draft.md``), ``*`` crosses folders (``File.fnmatch`` without
``FNM_PATHNAME``), and ``include`` is tested against the entry name as given,
not against its folder.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from typing import Any

from mdnorm.jekyll.config import SiteConfig

_SPECIAL = (".", "_", "#", "~")


def ruby_join(base: str, item: str) -> str:
    """``File.join(base, item)``: one slash where the two meet (``File.join("", "x")`` is ``/x``)."""
    return base.rstrip("/") + "/" + item.lstrip("/")


@functools.lru_cache(maxsize=512)
def _fnmatch_re(pattern: str) -> re.Pattern[str]:
    """``File.fnmatch`` with no flags: ``*`` and ``?`` match ``/`` too; no leading dot here."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                neg = body[:1] in ("!", "^")
                body = body[1:] if neg else body
                out.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


@functools.lru_cache(maxsize=64)
def _joined(source: str, patterns: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str] | None, str], ...]:
    """Each pattern joined to the source, with its ``File.fnmatch`` regex and its literal start
    (what any path it matches starts with): made once per pattern list.

    None for a pattern whose regex does not compile: :func:`glob_include` raises
    the error when it reaches that pattern, as it did when it compiled each in turn.
    """
    return tuple((pat, _regex_or_none(pat), _literal(pat)) for pat in (ruby_join(source, p) for p in patterns))


def _literal(pat: str) -> str:
    """The start of ``pat`` before its first wildcard or escape: what every path it matches starts with."""
    return re.split(r"[*?\[\\]", pat, maxsplit=1)[0]


def _regex_or_none(pat: str) -> re.Pattern[str] | None:
    try:
        return _fnmatch_re(pat)
    except re.error:
        return None


def glob_include(config: SiteConfig, patterns: tuple[str, ...] | list[str], entry: str) -> bool:
    """``EntryFilter#glob_include?``: ``entry`` (relative to the source) matches a pattern."""
    source = config.source
    with_source = ruby_join(source, entry)
    is_dir: bool | None = None
    for pat, regex, literal in _joined(source, tuple(patterns)):
        if with_source.startswith(pat):
            return True
        if (regex is None or with_source.startswith(literal)) and (regex or _fnmatch_re(pat)).fullmatch(with_source):
            return True
        if pat.endswith("/") and pat == with_source + "/":
            if is_dir is None:
                is_dir = os.path.isdir(with_source)
            if is_dir:
                return True
    return False


class EntryFilter:
    """``Jekyll::EntryFilter`` for the entries of one folder (``base`` relative to the source)."""

    def __init__(self, config: SiteConfig, base: str = "") -> None:
        self.config = config
        self.base = base
        self._exclude = tuple(e for e in config.exclude if e not in config.include)
        self._exclude_here: tuple[str, ...] | None = None

    def _excludes_here(self) -> tuple[str, ...]:
        """The exclude patterns that can match an entry of this folder: those whose literal start
        and the folder's path are one a prefix of the other (made once per folder; a walk asks
        for every file of a folder of 50,000 posts)."""
        if self._exclude_here is None:
            source = self.config.source
            here = ruby_join(source, ruby_join(self.base, "x"))[:-1]
            joined = _joined(source, self._exclude)
            self._exclude_here = tuple(
                p
                for p, (_, regex, literal) in zip(self._exclude, joined, strict=True)
                if regex is None or literal.startswith(here) or here.startswith(literal)
            )
        return self._exclude_here

    def included(self, entry: str) -> bool:
        inc = self.config.include
        return glob_include(self.config, inc, entry) or glob_include(self.config, inc, os.path.basename(entry))

    def excluded(self, entry: str) -> bool:
        patterns = self._excludes_here()
        return bool(patterns) and glob_include(self.config, patterns, ruby_join(self.base, entry))

    def why_rejected(self, entry: str) -> str | None:
        """Why ``EntryFilter#filter`` drops ``entry``, or None when it keeps it."""
        if entry.endswith("."):
            return "a dot entry"
        included = self.included(entry)
        if not included and self.excluded(entry):
            return "matches `exclude`"
        if included:
            return None
        name = os.path.basename(entry)
        if entry.startswith(_SPECIAL) or name.startswith(_SPECIAL):
            return f"name starts with {(name if name.startswith(_SPECIAL) else entry)[0]!r}"
        if entry.endswith("~"):
            return "a backup file (ends with '~')"
        return None

    def filter(self, entries: list[str]) -> list[str]:
        return [e for e in entries if self.why_rejected(e) is None]


# -- FrontmatterDefaults ------------------------------------------------------------------------
def _sanitize_scope(path: Any) -> str:
    if not isinstance(path, str) or not path:
        return ""
    if path.startswith("/"):
        return re.sub(r"\A/|(?<=[^/])\Z", "", path)
    return path


def _applies(config: SiteConfig, scope: dict[str, Any], path: str, kind: str | None) -> bool:
    if "type" in scope:
        want = str(scope["type"])
        want = {"page": "pages", "post": "posts", "draft": "drafts"}.get(want, want)
        if kind != want:
            return False
    scope_path = scope.get("path")
    if not isinstance(scope_path, str) or not scope_path:
        return True
    path = _sanitize_scope(path)
    if "*" in scope_path:
        root = config.source
        for hit in glob.glob(os.path.join(root, scope_path)):
            if path.startswith(_strip_collections_dir(config, os.path.relpath(hit, root))):
                return True
        return False
    return path.startswith(_strip_collections_dir(config, scope_path))


def _strip_collections_dir(config: SiteConfig, path: str) -> str:
    cdir = config.collections_dir
    if cdir and path.startswith(cdir + "/"):
        return path.replace(cdir + "/", "", 1)
    return path


def _precedes(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    if old is None:
        return True
    new_path, old_path = _sanitize_scope(new.get("path")), _sanitize_scope(old.get("path"))
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return "type" in new or "type" not in old


def deep_merge(target: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``Utils.deep_merge_hashes``: a nil value keeps the old one; hashes merge."""
    out = dict(target)
    for k, v in other.items():
        if v is None and k in out:
            continue
        if isinstance(out.get(k), dict) and isinstance(v, dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def defaults_for(config: SiteConfig, path: str, kind: str | None) -> dict[str, Any]:
    """``FrontmatterDefaults#all``: the default values for a file (``path`` relative to the source)."""
    merged: dict[str, Any] = {}
    old: dict[str, Any] | None = None
    for entry in config.defaults:
        values = entry.get("values")
        if not isinstance(values, dict):
            continue
        scope = entry.get("scope") if isinstance(entry.get("scope"), dict) else None
        if scope is not None and not _applies(config, scope, path, kind):
            continue
        scope = scope or {}
        if _precedes(old, scope):
            merged = deep_merge(merged, values)
            old = scope
        else:
            merged = deep_merge(values, merged)
    return merged
