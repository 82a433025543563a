"""Front matter rules (FM): the YAML block Jekyll reads before the post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document
from mdnorm.rules.base import Context, make, rule

_KEY_TAB = re.compile(r"^([A-Za-z_][\w-]*:)(\t+)(?=\S)")


def _needs_front_matter(ctx: Context) -> bool:
    """A post, draft or rendered collection document (or a file outside any site)."""
    return ctx.page is None or ctx.page.is_post


def _read_by_jekyll(ctx: Context) -> bool:
    """Jekyll reads the file: not excluded, not a repository file outside a site."""
    return ctx.page is None or ctx.page.kind not in ("excluded", "repository")


def _data(doc: Document, ctx: Context) -> dict[str, Any]:
    """The post's front matter over its ``_config.yml`` ``defaults:`` (as Jekyll merges them)."""
    fm = doc.front_matter
    data = dict(ctx.page.defaults) if ctx.page is not None else {}
    if fm is not None and fm.data is not None:
        data.update(fm.data)
    return data


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule("FM001", "missing-front-matter")
def missing_front_matter(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The file has no front matter block (FM001, missing-front-matter).

    What it does: reports line 1 of a post whose first line is not ``---``:
    a file under ``_posts/`` or ``_drafts/``, a file of a collection with
    ``output: true``, or a file outside any Jekyll site.  Other Markdown files
    of a site without front matter (``README.md``) are static files Jekyll
    copies as they are, on purpose.

    Why: without front matter Jekyll copies the file as a static page: it gets no
    layout, no title and no category, and never appears among the posts.

    Example::

        # My post

    Use instead::

        ---
        layout: post
        title:  My post
        category: notes
        ---

    Fix: none (mdnorm cannot know the title or category).
    """
    if doc.front_matter is None and _needs_front_matter(ctx):
        yield make(doc, 0, 0, "FM001", "no front matter: the file must start with a '---' line")


@rule("FM002", "invalid-front-matter")
def invalid_front_matter(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The front matter block is not closed, not YAML, or not a mapping (FM002).

    What it does: reports the line of the YAML error (else line 1) when the block
    has no closing ``---``/``...`` line, does not parse as YAML (duplicate keys
    included), or is a list or a scalar rather than ``key: value`` pairs.
    mdnorm only ever uses a *safe* YAML loader: tags such as
    ``!!python/object/apply`` are an error here, never executed.

    Why: Jekyll fails the build, or silently drops the front matter.

    Example::

        ---
        layout: post
        title: [draft
        ---

    Use instead::

        ---
        layout: post
        title: "[draft"
        ---

    Fix: none.
    """
    fm = doc.front_matter
    if fm is not None and fm.data is None and _read_by_jekyll(ctx):
        yield make(doc, fm.error_line, 0, "FM002", fm.error or "invalid front matter")


@rule("FM003", "missing-required-key", needs_front_matter=True)
def missing_required_key(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A required front matter key is absent or empty (FM003, missing-required-key).

    What it does: reports line 1 for each key of ``front-matter.required``
    that is missing or empty in a post's data: its front matter over the
    ``defaults:`` of ``_config.yml`` that apply to it (scoped by path and
    type, as Jekyll applies them).  The default is what every Jekyll post
    needs, ``title`` and ``layout``; a site's own conventions (``category``)
    are added in its config (``mdnorm init`` infers them).  ``layout`` is not
    required when the site uses ``jekyll-default-layout`` (on by default on
    GitHub Pages), nor ``title`` with ``jekyll-titles-from-headings`` when the
    post has a heading.  Checked in posts and drafts, not in pages or other
    collections (whose documents' conventions vary: Jekyll titles them from
    their file names).  Not reported when FM001 or FM002 is.

    Why: a post without a title shows its file name; one without a layout is
    bare HTML without the site's header and styles.

    Example::

        ---
        layout: post
        ---

    Use instead::

        ---
        layout: post
        title: My post
        ---

    Fix: none.
    """
    fm = doc.front_matter
    if fm is None or fm.data is None or (ctx.page is not None and ctx.page.kind not in ("post", "draft")):
        return
    data = _data(doc, ctx)
    plugins = ctx.page.plugins if ctx.page is not None else frozenset()
    for key in ctx.config.fm_required:
        if key == "layout" and "jekyll-default-layout" in plugins:
            continue
        if key == "title" and "jekyll-titles-from-headings" in plugins and doc.headings:
            continue
        if _empty(data.get(key)):
            what = "missing" if key not in data else "empty"
            yield make(doc, 0, 0, "FM003", f"required front matter key '{key}' is {what}")


@rule("FM004", "front-matter-whitespace", fix="safe", needs_front_matter=True)
def front_matter_whitespace(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """Trailing whitespace or tabs inside the front matter (FM004).

    What it does: reports each front matter line with trailing spaces or tabs,
    or a tab after ``key:``.

    Why: invisible differences in the YAML (``category: DL `` vs ``category: DL``)
    make the same category look like two in diffs and greps, and YAML forbids tabs
    for indentation.

    Example (``·`` stands for a trailing space, ``→`` for a tab)::

        category: DL·
        layout:→post

    Use instead::

        category: DL
        layout: post

    Fix: safe: removes the trailing whitespace and turns a tab after ``key:``
    into a space.  The fix is only offered when the YAML data stays exactly the
    same (in a ``|`` block, trailing spaces are part of the value).
    """
    fm = doc.front_matter
    if fm is None or fm.end is None or fm.data is None:
        return
    found: list[tuple[int, int, Edit, str]] = []
    for ln in range(1, fm.end):
        line = doc.lines[ln]
        # rstrip, not a ``[ \t]+$`` search: the regex retries from every blank of
        # a long run that text follows, quadratic in the run's length
        col = len(line.rstrip(" \t"))
        if col < len(line):
            start = doc.offset(ln, col)
            found.append((ln, col, Edit(start, start + len(line) - col, ""), "trailing whitespace"))
        t = _KEY_TAB.match(line)
        if t:
            start = doc.offset(ln, t.end(1))
            found.append((ln, t.end(1), Edit(start, start + len(t.group(2)), " "), "tab after key"))
    if not found:
        return
    safe = _same_data(doc, [f[2] for f in found], fm.end)
    for ln, col, edit, what in found:
        fix = Fix.safe(edit) if safe else None
        yield make(doc, ln, col, "FM004", f"{what} in front matter", fix)


_BLOCK_SCALAR = re.compile(r"(?:^|[:\-][ \t])[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$")


def _same_data(doc: Document, edits: list[Edit], end: int) -> bool:
    """True when the edits leave the YAML data exactly as it was.

    YAML drops trailing white space from every flow scalar (plain or quoted, one
    line or folded); only block scalars (``|``, ``>``) keep it.  Without a block
    scalar the answer is known without parsing again, which matters in ``--fix``
    on an archive where nearly every post has one trailing space.
    """
    fm_lines = doc.lines[1:end]
    text = doc.text
    if not any(_BLOCK_SCALAR.search(line) for line in fm_lines) and all(
        e.replacement == "" and text[e.start : e.end].strip(" \t") == "" and text[e.start - 1 : e.start] != "\\"
        for e in edits
    ):
        return True  # only trailing blanks removed (not an escaped "\ "), and no block scalar
    text = doc.text
    for e in sorted(edits, reverse=True):
        text = text[: e.start] + e.replacement + text[e.end :]
    fixed = Document(doc.path, text)
    new_fm = fixed.front_matter
    if new_fm is None or new_fm.data is None:
        return False
    return bool(new_fm.data == doc.front_matter.data) if doc.front_matter else False


@rule("FM005", "unknown-layout", needs_front_matter=True)
def unknown_layout(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The ``layout`` is not one of the site's layouts (FM005, unknown-layout).

    What it does: reports the ``layout`` line when its value is not in
    ``front-matter.layouts`` or, when that is not configured, among the file names
    of a ``_layouts/`` folder beside or above the post.  With neither, or when
    the site uses a gem theme (``theme:``/``remote_theme:``, whose layouts are
    not in the source), no check.  A layout that comes from ``_config.yml``
    ``defaults:`` is checked too (reported at line 1); ``none`` and ``null``
    mean no layout.

    Why: Jekyll renders a post with an unknown layout as bare HTML without the
    site's header, styles and navigation, and only warns in its build log.

    Example (the site has ``_layouts/post.html`` and ``_layouts/default.html``)::

        layout: posts

    Use instead::

        layout: post

    Fix: none.
    """
    fm = doc.front_matter
    layouts = ctx.layouts
    if fm is None or fm.data is None or layouts is None or not _read_by_jekyll(ctx):
        return
    if ctx.page is not None and ctx.page.theme and ctx.config.fm_layouts is None:
        return
    value = _data(doc, ctx).get("layout")
    if value is None or value == "" or value is False or str(value) in layouts or str(value) in ("none", "null"):
        return
    own = "layout" in fm.data
    line = (doc.front_matter_key_line("layout") or 0) if own else 0
    known = ", ".join(sorted(layouts)) or "none"
    where = "" if own else " from _config.yml defaults"
    yield make(doc, line, 0, "FM005", f"unknown layout '{value}'{where} (known: {known})")
