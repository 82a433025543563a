"""``mdnorm site urls``: each post's URL and publish status, as ``jekyll build`` would have them.

The data (:func:`collect`) and its two renderings (:func:`format_text`,
:func:`format_json`) are separate so that link rules can use the same rows.
Paths select posts: a site folder lists all of its posts, a ``_posts`` folder
or a file lists those.  The URL shown is what a link in a post must contain:
``baseurl`` followed by Jekyll's ``url``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import datetime
from typing import NamedTuple

from mdnorm.jekyll import ConfigError, SiteFile, read_site
from mdnorm.site import find_root


class SiteUrlsError(Exception):
    """A path outside any Jekyll site, or a configuration Jekyll would refuse."""


class PostUrl(NamedTuple):
    path: str  # as the user would type it (relative to the working directory when below it)
    href: str | None  # baseurl + url
    file: SiteFile
    conflicts_with: tuple[str, ...]


def collect(paths: list[str], now: datetime | None = None) -> list[PostUrl]:
    """The posts (and drafts) under ``paths``, with their site's view of each."""
    by_root: dict[str, list[str]] = {}
    for p in paths:
        if not os.path.exists(p):
            raise SiteUrlsError(f"{p}: no such file or folder")
        full = os.path.abspath(p)
        root = find_root(full if os.path.isdir(full) else os.path.dirname(full))
        if root is None:
            raise SiteUrlsError(f"{p}: not inside a Jekyll site (no _config.yml or _posts/ above it)")
        by_root.setdefault(root, []).append(full)
    rows: list[PostUrl] = []
    for root, wanted in by_root.items():
        try:
            site = read_site(root, now=now)
        except ConfigError as exc:
            raise SiteUrlsError(str(exc)) from None
        clashes = site.conflicts()
        base = site.config.baseurl.rstrip("/")
        for f in site.posts:
            full = os.path.join(root, *f.path.split("/"))
            if not any(full == w or full.startswith(w.rstrip(os.sep) + os.sep) for w in wanted):
                continue
            others = tuple(o.path for o in clashes.get(f.output or "", []) if o.path != f.path) if f.published else ()
            rows.append(PostUrl(_shown(full), base + f.url if f.url is not None else None, f, others))
    return sorted(rows, key=lambda r: r.path)


def _shown(full: str) -> str:
    rel = os.path.relpath(full)
    return full if rel.startswith("..") else rel


def format_text(rows: list[PostUrl]) -> str:
    lines = []
    for r in rows:
        note = r.file.reason
        if r.conflicts_with:
            note = "same output file as " + ", ".join(r.conflicts_with)
        lines.append(f"{r.file.status:<11} {r.href or '-'}  {r.path}" + (f"  ({note})" if note else ""))
    counts = Counter(r.file.status for r in rows)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    clashing = sum(1 for r in rows if r.conflicts_with)
    lines.append(f"{len(rows)} posts: {summary or 'none'}" + (f"; {clashing} share an output file" if clashing else ""))
    return "\n".join(lines) + "\n"


def format_json(rows: list[PostUrl]) -> str:
    data = [
        {
            "path": r.path,
            "url": r.file.url,
            "href": r.href,
            "output": r.file.output,
            "status": r.file.status,
            "reason": r.file.reason,
            "date": r.file.date.isoformat() if r.file.date else None,
            "conflicts_with": list(r.conflicts_with),
        }
        for r in rows
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def run(paths: list[str], output_format: str, now: datetime | None = None) -> str:
    rows = collect(paths, now)
    return format_json(rows) if output_format == "json" else format_text(rows)
