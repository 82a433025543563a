"""``mdnorm init``: a commented ``.mdnorm.toml`` inferred from a site's own posts.

mdnorm's defaults are what every Jekyll post needs; a site's own conventions
(a required ``category``, a TOC in every post, the hosts it links with https)
are read from its posts here, so that adopting mdnorm is two commands
(``mdnorm init``, then ``mdnorm --add-baseline``).  Nothing is invented: a
convention is written only when nearly every post follows it.  This module
returns data and text; the command prints and writes.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field

from mdnorm import urls
from mdnorm.document import DecodeError, Document

#: "Nearly every post": the share of posts that must follow a convention.
NEARLY_ALL = 0.95
#: Fewer posts than this say nothing about a convention.
MIN_POSTS = 5
#: A TOC is a convention when this share of the posts with 2+ headings has one.
TOC_SHARE = 0.9
_TOC = re.compile(r"[ ]{0,3}(?:[*+-]|\d+\.)[ \t]+toc[ \t]*\n[ ]{0,3}\{:[ \t]*toc[ \t]*\}", re.IGNORECASE)
_URL = re.compile(r"(https?)://([A-Za-z0-9.\-]+)", re.IGNORECASE)
#: Keys Jekyll fills in itself or that vary by nature: never a convention to require.
_NOT_REQUIRED = frozenset({"date", "permalink", "published", "excerpt", "slug"})


@dataclass
class Inferred:
    """What the posts say about the site's conventions."""

    root: str
    posts: int = 0
    where: str = ""
    key_share: dict[str, float] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    with_headings: int = 0
    with_toc: int = 0
    toc_min_headings: int = 0
    https_hosts: tuple[str, ...] = ()


def post_paths(root: str) -> tuple[list[str], str]:
    """The site's posts (``_posts``, as Jekyll reads them), else its rendered collection documents."""
    from mdnorm.jekyll import read_site

    site = read_site(root)
    posts = [f.path for f in site.files if f.kind == "post" and f.status != "excluded"]
    if posts:
        return [os.path.join(root, p) for p in posts], "posts"
    docs = [f.path for f in site.files if f.kind == "document"]
    return [os.path.join(root, p) for p in docs], "collection documents"


def infer(root: str, paths: list[str] | None = None) -> Inferred:
    """Read ``paths`` (default: the site's posts) and infer the site's conventions."""
    from mdnorm.jekyll.scope import page_of
    from mdnorm.urls import is_local_host

    where = "posts given"
    if paths is None:
        paths, where = post_paths(root)
    out = Inferred(root, where=where)
    keys: Counter[str] = Counter()
    https: Counter[str] = Counter()
    http: Counter[str] = Counter()
    for path in paths:
        try:
            with open(path, "rb") as fh:
                doc = Document.from_bytes(path, fh.read())
        except (OSError, DecodeError):
            continue
        out.posts += 1
        fm = doc.front_matter
        page = page_of(path)
        data = dict(page.defaults) if page is not None else {}
        if fm is not None and fm.data is not None:
            data.update(fm.data)
        keys.update(k for k, v in data.items() if v not in (None, "") and not (isinstance(v, str) and not v.strip()))
        if len(doc.headings) >= 2:
            out.with_headings += 1
            if _TOC.search(doc.text.replace("\r\n", "\n")):
                out.with_toc += 1
        for m in _URL.finditer(doc.text):
            host = m.group(2).lower().rstrip(".")
            if is_local_host(host) or "." not in host:
                continue
            (https if m.group(1).lower() == "https" else http)[host] += 1
    if out.posts:
        out.key_share = {k: n / out.posts for k, n in keys.most_common()}
    if out.posts >= MIN_POSTS:
        out.required = tuple(k for k, s in out.key_share.items() if s >= NEARLY_ALL and k not in _NOT_REQUIRED)
        if out.with_headings >= MIN_POSTS and out.with_toc / out.with_headings >= TOC_SHARE:
            out.toc_min_headings = 2
    # hosts linked with https in some post and with http in another: listing them makes
    # HT001's fix safe there; hosts only ever linked one way change nothing
    known = urls.KNOWN_HTTPS_HOSTS
    out.https_hosts = tuple(sorted((h for h in https if h in http and h not in known), key=lambda h: (-http[h], h)))
    return out


def _toml_list(items: tuple[str, ...], indent: str = "    ") -> str:
    if not items:
        return "[]"
    body = "".join(f'{indent}"{i}",\n' for i in items)
    return "[\n" + body + "]"


def render(inf: Inferred) -> str:
    """The commented ``.mdnorm.toml`` for what was inferred."""
    pct = {k: f"{k} {s:.0%}" for k, s in inf.key_share.items()}
    lines = [
        f"# mdnorm configuration, written by `mdnorm init` from {inf.posts} {inf.where}.",
        "# Every key is optional: delete a line to get mdnorm's default back",
        "# (`mdnorm rule CODE` explains each rule).",
        "",
        "[front-matter]",
    ]
    if inf.required:
        share = ", ".join(pct[k] for k in inf.required)
        lines += [
            f"# keys nearly every post has (>= {NEARLY_ALL:.0%}): {share}",
            "# FM003 reports a post without one of them (after _config.yml defaults).",
            "required = [" + ", ".join(f'"{k}"' for k in inf.required) + "]",
        ]
    else:
        lines += [
            "# no key is in nearly every post: FM003 requires what every Jekyll post needs.",
            '# required = ["title", "layout"]',
        ]
    lines += ["", "[toc]"]
    toc = f"{inf.with_toc} of the {inf.with_headings} posts with 2+ headings have a '* toc' / '{{:toc}}' marker"
    if inf.toc_min_headings:
        lines += [f"# {toc}:", "# KD001 reports a post with this many headings and no TOC.", "min-headings = 2"]
    else:
        lines += [f"# {toc}: no TOC convention, none required.", "# min-headings = 2"]
    lines += ["", "[https]"]
    if inf.https_hosts:
        lines += [
            f"# {len(inf.https_hosts)} hosts these posts already link with https:// (and elsewhere with http://):",
            "# HT001's fix of an http:// link to them is safe.",
            "known-hosts = " + _toml_list(inf.https_hosts),
        ]
    else:
        lines += ["# no host is linked with both http:// and https:// in these posts.", "# known-hosts = []"]
    lines += [
        "",
        "[link-entries]",
        '# a paragraph ending in "：" or ":" captions the URL(s) after it (LE001, LE002)',
        "labels = true",
        "# a heading or a paragraph of text right above a URL (or a run of URLs) captions it",
        "lead-captions = true",
        "# URLs that name their page as written (globs without the scheme; not with %-escapes)",
        'self-describing = ["*.wikipedia.org/wiki/*"]',
        "",
    ]
    return "\n".join(lines)


def summary(inf: Inferred) -> list[str]:
    """One line per inference, for the command to print."""
    out = [f"read {inf.posts} {inf.where} under {inf.root}"]
    out.append(
        "required front matter keys: " + (", ".join(inf.required) if inf.required else "none inferred (default kept)")
    )
    toc = f"{inf.with_toc}/{inf.with_headings} posts with 2+ headings have a TOC"
    out.append(f"TOC required: {'yes' if inf.toc_min_headings else 'no'} ({toc})")
    out.append(
        f"https hosts: {len(inf.https_hosts)}"
        + (f" ({', '.join(inf.https_hosts[:5])}, ...)" if inf.https_hosts else "")
    )
    return out
