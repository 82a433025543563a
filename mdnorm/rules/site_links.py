"""Site link rules (SL): every internal link, anchor, image and Liquid link tag, checked in the source.

Each rule reads the post's links and ids (:mod:`mdnorm.linkscan`, stored in its
facts) and asks the site map (:mod:`mdnorm.sitemap`: Jekyll's own URLs,
computed from the source) what a visitor of the built site would get.  They run
every run on facts, so renaming a post, editing a heading or deleting an image
re-checks every post that links to it, with no post re-read.

A link counts as internal when it is a path (``/x``, ``x/y.png``, ``#id``) or
starts with the site's ``url``; ``http(s)://`` links elsewhere are the LE/HT
rules' business.  Links whose path matches a glob of ``[tool.mdnorm.site]
elsewhere`` (e.g. ``["/old/*"]``: served by something else, or posts kept
outside this source) are not checked.  Targets built by Liquid that cannot be
known before the build (``{{ page.x }}``) are skipped.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.linkscan import LINK_TAG, POST_URL, Link
from mdnorm.rules.base import Context, EditPolicy, site_rule

#: The fixes of SL001-SL004: one link target (or its path, or its #anchor) for another.
_LINK_REWRITE = EditPolicy(rewrites_links=True)

if TYPE_CHECKING:
    from mdnorm.jekyll import SiteFile
    from mdnorm.linkindex import SiteIndex, SitePost
    from mdnorm.sitemap import Href, Lookup, SiteMap

_PAGE_EXT = re.compile(r"(?:\.html?|\.xhtml|/|^|/[^/.]*)$", re.I)
_SLUG = re.compile(r"([^/]+?)(?:\.[A-Za-z0-9]+)?/?$")


class _Checked(NamedTuple):
    link: Link
    href: Href
    found: Lookup | None  # None for a link to the same page


def _checked(post: SitePost, index: SiteIndex, ctx: Context) -> Iterator[_Checked]:
    """The post's links into the site, each with what the site has there."""
    sm = index.site_map
    if sm is None:
        return
    globs = ctx.config.site_elsewhere
    for link in post.facts.links:
        if link.kind in (POST_URL, LINK_TAG):
            continue
        href = sm.href(link.target, post.rel)
        if href is None or (href.path and any(fnmatch.fnmatchcase(href.path, g) for g in globs)):
            continue
        yield _Checked(link, href, sm.lookup(href.path) if href.path else None)


def _is_page(path: str) -> bool:
    return bool(_PAGE_EXT.search(path))


def _diag(path: str, link: Link, code: str, message: str, fix: Fix | None = None) -> Diagnostic:
    return Diagnostic(path, link.line + 1, link.column + 1, code, message, fix)


def _path_fix(link: Link, href: Href, new: str) -> Fix | None:
    """Replace the path part of the link as written (not when Liquid wrote it)."""
    if "{" in link.target or not link.target.startswith(href.written_path) or not href.written_path:
        return None
    return Fix.unsafe(Edit(link.offset, link.offset + len(href.written_path), new))


def _known_problem(sm: SiteMap, c: _Checked, where: str, unwritten: str) -> tuple[str, Fix | None] | bool:
    """SL001's and SL003's message (and fix) for a link that leads nowhere for a known reason.

    True when the link is fine; False when nothing at all is there (each rule
    then looks for a moved target its own way).
    """
    if c.href.problem:
        return f"{where} {c.href.problem}", None
    status, f = c.found or ("ok", None)
    if status == "ok":
        return True
    if f is None:
        return False
    if status == "unpublished":
        return f"{where}: {f.path} {unwritten} ({f.reason})", None
    msg = f"{where}: only {f.url} exists (letter case differs; a case-sensitive host answers 404)"
    return msg, _path_fix(c.link, c.href, _url(sm, f))


def _unresolved(
    post: SitePost, index: SiteIndex, path: str, ctx: Context, code: str, *, pages: bool, unwritten: str
) -> Iterator[tuple[SiteMap, _Checked, str, Diagnostic | None]]:
    """SL001's and SL003's shared walk: links to ``pages`` (or to other files) that lead nowhere.

    Each comes with ``where`` (the message's start) and, for a known reason (a bad
    path, an unpublished target, a letter-case slip), its diagnostic; None when
    nothing at all is there, for the rule to look for a moved target its own way.
    """
    sm = index.site_map
    if sm is None:
        return
    for c in _checked(post, index, ctx):
        if c.found is None or _is_page(c.href.path) != pages:
            continue
        where = f"link to {c.href.path}" if pages else c.href.path
        known = _known_problem(sm, c, where, unwritten)
        if isinstance(known, tuple):
            yield sm, c, where, _diag(path, c.link, code, *known)
        elif not known:
            yield sm, c, where, None


def _url(sm: SiteMap, f: SiteFile) -> str:
    return sm.baseurl + (f.url or "")


@site_rule("SL001", "broken-internal-link", fix="unsafe", policy=_LINK_REWRITE)
def broken_internal_link(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """A link to a post or page the built site will not have (SL001, broken-internal-link).

    What it does: reports a Markdown link, reference definition or ``<a href>``
    whose path (``/ml/2016/08/02/x.html``, ``../about/``, ``{{ site.baseurl }}/x``)
    names no post or page that ``jekyll build`` writes, with the URLs Jekyll
    computes from ``_config.yml`` (``permalink``, categories, ``baseurl``) and
    each post's front matter.  A link to a post Jekyll will not publish says
    why (``published: false``, a future date, a file name without a date).  A
    path that exists only in other letter case is reported too: it works on a
    laptop and answers 404 on a case-sensitive host.  ``/a`` is fine when
    ``a.html`` or ``a/index.html`` is written, as hosts serve them.

    Posts that are not in this source (the site is split, or some posts live
    elsewhere) cannot be told from broken links: the message says the site has
    no such post; list their URLs in ``[tool.mdnorm.site] elsewhere`` (globs,
    e.g. ``["/archive/*"]``) to have them skipped.

    Why: nothing checks a Jekyll blog's internal links where they are written;
    a post renamed, re-dated or moved to another category silently breaks every
    link to it.

    Example: ``[see](/ml/2016/08/02/Machine_Learning_2.html)`` after the post
    was re-dated to 2016-08-03.

    Use instead: ``[see](/ml/2016/08/03/Machine_Learning_2.html)``, or
    ``[see]({% post_url 2016-08-03-Machine_Learning_2 %})``, which fails the
    build instead of the reader.

    Fix: unsafe, only when the answer is unique: the one published post with
    the same file-name title (its date or category changed), or the one path
    that differs only in letter case.
    """
    for sm, c, where, known in _unresolved(
        post, index, path, ctx, "SL001", pages=True, unwritten="will not be published"
    ):
        if known is not None:
            yield known
        else:
            m = _SLUG.search(c.href.path)
            moved = sm.posts_by_slug.get(m.group(1), []) if m else []
            if len(moved) == 1:
                new = moved[0]
                msg = f"{where}: no such page; post {new.path} is at {_url(sm, new)}"
                yield _diag(path, c.link, "SL001", msg, _path_fix(c.link, c.href, _url(sm, new)))
            else:
                yield _diag(path, c.link, "SL001", f"{where}: no post or page of this site has this URL")


@site_rule("SL002", "missing-anchor", fix="unsafe", policy=_LINK_REWRITE)
def missing_anchor(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """A link to an anchor the target post does not have (SL002, missing-anchor).

    What it does: reports a link ``#id`` or ``/url.html#id`` when the target (this
    post or another post of the site) will have no element with that id: the
    ids kramdown gives headings (``## 深度学习`` is ``#深度学习``, repeats
    ``-1``, ``-2``), IALs (``{#id}``, ``{: #id}``), ``id=`` and ``<a name=>`` in
    raw HTML, footnotes, a ``{:toc}`` list, and ids in ``_layouts/``.  The
    fragment is compared after percent-decoding, as browsers do; ``#top`` and
    ``#`` always work.  Anchors of pages that are not posts (HTML files, pages
    outside ``_posts``) are not checked.

    Why: a link to a missing anchor lands at the top of a long post, and the
    reader never finds the paragraph meant.  Editing a heading changes its id
    and breaks links to it in other posts.

    Example: ``[Pearson](/ml/2016/08/02/Machine_Learning_2.html#pearson)`` where
    the target has ``<a name="Pearson"/>``.

    Use instead: ``[Pearson](/ml/2016/08/02/Machine_Learning_2.html#Pearson)``.

    Fix: unsafe, when exactly one id of the target differs only in letter case.
    """
    sm = index.site_map
    if sm is None:
        return
    for c in _checked(post, index, ctx):
        frag = c.href.fragment
        if not frag or frag.lower() == "top" or c.href.problem:
            continue
        if c.found is None:
            rel, ids = post.rel, sm.anchors_of(post.rel, post.facts.anchors)
        elif c.found.status == "ok" and c.found.file is not None and c.found.file.kind == "post":
            rel = c.found.file.path
            ids = sm.anchors_of(rel, post.facts.anchors if rel == post.rel else None)
        else:
            continue
        if ids is None or frag in ids:
            continue
        near = [i for i in ids if i.casefold() == frag.casefold()]
        fix = None
        hash_at = c.link.target.find("#")
        if len(near) == 1 and hash_at >= 0 and "{" not in c.link.target:
            start = c.link.offset + hash_at + 1
            fix = Fix.unsafe(Edit(start, c.link.offset + len(c.link.target), near[0]))
        where = "this post" if rel == post.rel else rel
        hint = f" (did you mean #{near[0]}?)" if len(near) == 1 else ""
        owners = [r for r in sm.anchor_owners(frag) if r != rel]
        if not hint and len(owners) == 1:
            other = sm.by_path.get(owners[0])
            hint = f" (#{frag} is in {owners[0]}" + (f", at {_url(sm, other)})" if other is not None else ")")
        yield _diag(path, c.link, "SL002", f"no anchor #{frag} in {where}{hint}", fix)


@site_rule("SL003", "missing-file", fix="unsafe", policy=_LINK_REWRITE)
def missing_file(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """An image or other file the built site will not have (SL003, missing-file).

    What it does: reports ``![](/images/x.png)``, ``<img src>``,
    ``<video src>``, ``<source src>`` and links to files (``/files/a.pdf``) when no file
    of the site source is copied to that path: missing, excluded by
    ``exclude``, or present only in other letter case (``/images/A.PNG`` for
    ``images/a.png``: fine on macOS and Windows, 404 on a case-sensitive host).

    Why: a missing image is a broken page that no build step reports.

    Example: ``![](/images/img4/net.png)`` where the file is
    ``images/img5/net.png``.

    Use instead: ``![](/images/img5/net.png)``.

    Fix: unsafe, when the answer is unique: the path in its right letter case,
    or the one file of the site with that name (in another folder).
    """
    for sm, c, where, known in _unresolved(
        post, index, path, ctx, "SL003", pages=False, unwritten="is not copied to the site"
    ):
        if known is not None:
            yield known
        else:
            name = c.href.path.rsplit("/", 1)[-1]
            same = sm.statics_by_name.get(name.casefold(), [])
            exact = [s for s in same if s.path.rsplit("/", 1)[-1] == name]
            pick = exact if exact else same
            if len(pick) == 1:
                msg = f"no file {where} in the site; the one file of that name is {pick[0].url}"
                yield _diag(path, c.link, "SL003", msg, _path_fix(c.link, c.href, _url(sm, pick[0])))
            else:
                yield _diag(path, c.link, "SL003", f"no file {where} in the site")


@site_rule("SL004", "bad-liquid-link", fix="unsafe", policy=_LINK_REWRITE)
def bad_liquid_link(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """A ``{% post_url %}`` or ``{% link %}`` tag that fails the build (SL004, bad-liquid-link).

    What it does: reports a ``{% post_url name %}`` whose name matches no
    published post (Jekyll's own matching: ``[folder/]YYYY-MM-DD-title`` as the
    file name is written, without the extension), and a ``{% link path %}``
    whose path is no page, post or static file Jekyll writes.  A tag in a code
    block counts too: Liquid runs before Markdown (wrap examples in ``{% raw %}``).

    Why: ``jekyll build`` stops with "Could not find post" / "Could not find
    document": the whole site fails to deploy for one link.

    Example: ``{% post_url 2016-08-02-Machine_Learning_2 %}`` after the file was
    renamed ``2016-8-2-Machine_Learning_2.md`` (the date is matched as written).

    Use instead: ``{% post_url 2016-8-2-Machine_Learning_2 %}``.

    Fix: unsafe, for ``post_url``: the one published post with that title part
    (its date changed).
    """
    sm = index.site_map
    if sm is None:
        return
    for link in post.facts.links:
        if link.kind == POST_URL:
            found, why = sm.post_url(link.target)
            if found is not None or not why:
                continue
            m = _SLUG.search(link.target.strip())
            title = re.sub(r"^\d+-\d+-\d+-", "", m.group(1)) if m else ""
            moved = sm.posts_by_slug.get(title, [])
            fix = None
            if len(moved) == 1 and "{" not in link.target:
                new = moved[0].path.split("_posts/", 1)[-1].rsplit(".", 1)[0]
                fix = Fix.unsafe(Edit(link.offset, link.offset + len(link.target), new))
                why += f"; did you mean {new}?"
            yield _diag(path, link, "SL004", f"post_url fails the build: {why}", fix)
        elif link.kind == LINK_TAG and "{{" not in link.target and sm.link_tag(link.target) is None:
            yield _diag(path, link, "SL004", f"link fails the build: no page, post or file {link.target}")


@site_rule("SL005", "unpublished-post")
def unpublished_post(post: SitePost, index: SiteIndex, path: str, ctx: Context) -> Iterator[Diagnostic]:
    """A post Jekyll will not publish, with the reason (SL005, unpublished-post).

    What it does: reports a file under ``_posts/`` that ``jekyll build`` skips:
    its name is not ``YYYY-MM-DD-title.ext``, it says ``published: false``, its
    date (from the front matter, which may move it) is in the future and
    ``future`` is off, or its date or permalink cannot be read.  Drafts
    (``_drafts/``) and files matched by ``exclude`` are left alone: those are
    skipped on purpose.

    Why: a post that silently never appears is found weeks later, by a reader.

    Example: ``_posts/2016-08-2 notes.md`` (no ``-`` between date and title), or
    ``date: 2061-01-01`` typed for ``2016-01-01``.

    Fix: none: rename the file, or fix the date.  Suppress the report on a post
    kept unpublished on purpose.
    """
    sm = index.site_map
    f = sm.by_path.get(post.rel) if sm is not None else None
    if f is None or f.kind != "post" or f.published or f.status in ("excluded", "draft"):
        return
    yield Diagnostic(path, 1, 1, "SL005", f"post will not be published: {f.reason}")
