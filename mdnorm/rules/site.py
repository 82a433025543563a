"""Site-wide rules (DL002, FM006): checks that look past the post being linted.

Both read the site index (:mod:`mdnorm.linkindex`) from ``Context.site``: every
post under the site root, whichever files the run was given, so pre-commit
passing one file reports exactly what a run over the whole folder reports for it.
Without a site (stdin, a file outside any Jekyll site) they report nothing.

This module also holds the two hooks the link rules use with ``--online``:
:func:`https_verdict` (HT001) and :func:`title_fix` (LE001).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document, UrlLine, is_blank
from mdnorm.rules.base import Context, EditPolicy, site_rule

if TYPE_CHECKING:
    from mdnorm.linkindex import SiteIndex, SitePost
    from mdnorm.online import HttpsAnswer


@site_rule("DL002", "duplicate-link-across-posts")
def duplicate_link_across_posts(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """A URL another post already lists (DL002, duplicate-link-across-posts).

    What it does: reports a link-entry URL line whose URL (compared as DL001
    compares: ``http``/``https``, host case, default ports, a trailing ``/`` and
    ``utm_*`` parameters do not count) is already listed by an earlier post.  The
    later post gets the report (by the date in its file name, ``YYYY-M-D-...``,
    then by path), naming the earlier post and its line.  Only the first
    occurrence in this post is reported; DL001 covers repeats within a post.
    All posts under the site root (the folder with ``_config.yml`` or ``_posts/``)
    are compared, whichever files the run was given.

    Why: a link already collected in another post is usually a forgotten
    duplicate; if it is meant to be there twice, say so once with a suppression
    comment.

    Example: ``2019-5-1-b.md`` lists ``https://example.com/x``, which
    ``2018-3-2-a.md`` listed at line 12 → reported in ``2019-5-1-b.md``.

    Fix: none (which post should keep the link is an editorial choice).
    """
    earlier = index.earlier_listings(post.rel, post.facts.entries)
    if not earlier:
        return
    seen: set[str] = set()
    for e in post.facts.entries:
        hits = earlier.get(e.coarse)
        if hits is None:
            continue
        key = index.normalized(e.url)
        if key in seen:
            continue
        seen.add(key)
        hit = hits.get(key)
        if hit is not None:
            other, line = hit
            yield Diagnostic(path, e.line + 1, e.column + 1, "DL002", f"link already listed in {other}:{line + 1}")


#: The category line: key, value (quoted, or plain up to a `` #`` comment), and the
#: rest (spaces and a comment), which the fix keeps as it is.
_VALUE = re.compile(
    r"""(category[ \t]*:[ \t]*)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^ \t#](?:[^ \t]|[ \t]+(?=[^ \t#]))*)"""
    r"""((?:[ \t]+#.*)?[ \t]*)$"""
)
_PLAIN_SAFE = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^#]*")


def category_key(name: str) -> str:
    """Two categories are variants when this is the same: case, spaces and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _one_line(old: str, new: str) -> bool:
    """FM006's fix: one category value for another on its own line (the data is checked)."""
    return "\n" not in old + new and "\r" not in old + new


@site_rule(
    "FM006",
    "category-variant",
    fix="unsafe",
    policy=EditPolicy(text=_one_line, front_matter_keys=frozenset({"category"})),
)
def category_variant(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """The ``category`` is a variant spelling of one other posts use (FM006).

    What it does: reports the ``category`` line when its value differs from the
    category of other posts only in case, spaces or punctuation
    (``DL&NLP resource`` vs ``DL & NLP resource``) and is not itself the most
    used spelling of that category.  The message names the common spelling and
    how many posts use it.  Ties go to the spelling used first.

    Why: Jekyll treats each spelling as its own category, so the posts of one
    topic split across two category pages and two feeds.

    Example: ``category: deep learning`` where 40 posts say ``Deep Learning``.

    Fix: unsafe: replaces the value on the category line with the common
    spelling (nothing else changes: a ``# comment`` after it stays).  Unsafe because the category is part of the
    post's URL with some ``permalink`` settings.
    """
    cat = post.facts.category
    if cat is None:
        return
    mine = cat.value
    counts, first = index.categories(category_key(mine))
    if not counts:
        return
    counts = counts.copy()
    own = index.category_of(post.rel)
    if own is not None and category_key(own) == category_key(mine):
        counts[own] -= 1  # count this post as it is now, not as the index saw it
    counts[mine] += 1
    counts = +counts
    if len(counts) < 2:
        return
    common = min(counts, key=lambda c: (-counts[c], first.get(c, b"\xff"), c))
    if common == mine:
        return
    n = counts[common]
    m = _VALUE.match(cat.text)
    fix = None
    if m is not None:
        start = cat.offset + m.start(2)
        fix = Fix.unsafe(Edit(start, start + len(m.group(2)), _yaml_scalar(common)))
    yield Diagnostic(
        path,
        cat.line + 1,
        (m.start(2) if m else 0) + 1,
        "FM006",
        f"category '{mine}' is a variant of '{common}' (used by {n} post{'s' if n != 1 else ''})",
        fix,
    )


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar that loads back to the same string."""
    if _PLAIN_SAFE.fullmatch(value) and value == value.strip() and ": " not in value and " #" not in value:
        from mdnorm import _yaml

        data, error, _ = _yaml.load_mapping(f"k: {value}")
        if error is None and data == {"k": value}:
            return value
    import json

    return json.dumps(value, ensure_ascii=False)


# -- --online hooks used by the link rules ------------------------------------------


def https_verdict(ctx: Context, host: str) -> HttpsAnswer | None:
    """The ``--online`` answer for ``host``: None offline, and when its https is unverifiable."""
    return ctx.online.https(host) if ctx.online is not None else None


def title_fix(doc: Document, u: UrlLine, ctx: Context) -> Fix | None:
    """An unsafe fix inserting the page's ``<title>`` under ``u`` (``--online`` only)."""
    if ctx.online is None:
        return None
    title = ctx.online.title(u.url)
    if not title:
        return None
    text = markdown_title(title)
    if text is None:
        return None
    nl = doc.newline
    at = doc.line_end(u.line)
    after = u.line + 1
    glued = after < len(doc.lines) and not is_blank(doc.lines[after])
    return Fix.unsafe(Edit(at, at, nl + nl + text + (nl if glued else "")))


def markdown_title(title: str) -> str | None:
    """A page title as one Markdown line kramdown shows verbatim (see :func:`mdnorm.online.titles.markdown_title`)."""
    from mdnorm.online.titles import markdown_title as safe

    return safe(title)
