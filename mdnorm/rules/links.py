"""Link rules (LE, DL, HT): link entries, duplicates, insecure and local-only links.

A *link entry* is the blog's unit of reference: a bare URL with a caption.  The
caption is either a *title* (the paragraph after the URL, one blank line
below)::

    https://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    分段映射：帮助利用少量样本习得新类别细粒度分类器

or a *label* (a paragraph ending in ``：`` or ``:`` before one URL or a run of
URL paragraphs; on by default, ``link-entries.labels``)::

    代码：

    https://github.com/a/b

    https://github.com/c/d

or a *lead* (a heading, a paragraph of text that is not the title of a URL
above it, or a list ending in an item of words, right before the URL or the
run; on by default, ``link-entries.lead-captions``)::

    ### OpenNLP

    http://opennlp.apache.org/

A label never counts as the title of the URL above it: it captions what follows.
A URL that names its page as written (``link-entries.self-describing``) needs none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm import urls
from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document, UrlLine, content_end, is_blank
from mdnorm.linkentries import (
    block_after,
    block_kind,
    captions_of,
    is_label_line,
    is_url_line,
    names_itself,
    title_of,
)
from mdnorm.rules.base import Context, EditPolicy, make, rule, without_whitespace
from mdnorm.rules.site import https_verdict, title_fix
from mdnorm.urls import is_local_host, is_loopback


def _inserts_one_line(old: str, new: str) -> bool:
    """LE001's fix: a page title inserted as the missing title line, and nothing else."""
    return not without_whitespace(old) and bool(new.strip()) and len(new.strip().splitlines()) == 1


def _removes(old: str, new: str) -> bool:
    """DL001's fix: a duplicate entry removed, its lines gone (its URLs are accounted for)."""
    return not without_whitespace(new)


@rule("LE001", "link-entry-missing-title", policy=EditPolicy(text=_inserts_one_line, restructures=True))
def link_entry_missing_title(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A URL line has no caption: no title after it, no label or lead before it (LE001).

    What it does: reports a bare URL line (a line of a top-level paragraph that
    holds only an ``http(s)://`` URL) that is no *link entry*: a URL with one of
    these captions:

    - a *title*: the paragraph right after the URL's paragraph, which is not
      itself a URL line or a label;
    - a *label* (with ``link-entries.labels = true``, the default): a paragraph
      (or the last item of a list) whose last line ends in ``：`` or ``:``
      right before the URL, or before the run of URL-only paragraphs the URL
      is part of (``代码：`` then one or more URLs), or a label line glued
      above the URL in its paragraph;
    - a *lead* (with ``link-entries.lead-captions = true``, the default),
      right before the URL or its run: a heading; a paragraph of text (not a
      figure) that is not itself the title of a URL above it (``### OpenNLP``
      then its homepage; a sentence introducing the link); or a list whose
      last item is words, not only a link or code (a step such as
      ``- download the code.``, then the repository).  A paragraph that is the title of the URL
      above it is also the lead of the URLs below it when they are a *group*:
      two or more URL lines, the last with no title after it (``https://a``,
      ``APIDOC``, then two URLs: a list of links under a name);
    - the URL itself, when it matches a ``link-entries.self-describing`` glob
      (matched without the scheme; default ``["*.wikipedia.org/wiki/*"]``) and
      has no ``%`` escape: ``https://en.wikipedia.org/wiki/Dyson_sphere`` shows
      the article's name, ``/wiki/%E6%88%B4...`` does not (``[]`` turns it off).

    A label after a URL captions the *next* URL, never the one above it.  What
    follows an uncaptioned URL is named: a heading, another URL line, a list,
    code, math, a table (kramdown makes any line with a ``|`` a table), a
    quote, a rule, a Liquid block, a label, or the end of the file.  Lines in
    code, math, HTML blocks, lists and quotes are never URL lines.

    Why: the blog's link entries read "URL, blank line, title" or "label:,
    URL"; a bare URL alone tells the reader nothing about where it leads.

    Example::

        https://example.com/paper

        ## Next section

    Use instead::

        https://example.com/paper

        A short title of the paper

        ## Next section

    or::

        论文：

        https://example.com/paper

    Fix: none; with ``--online``, unsafe: inserts the page's ``<title>`` (fetched
    once and cached) as the title line.
    """
    lines = doc.lines
    labels = ctx.config.link_labels
    captions = captions_of(doc, labels, ctx.config.link_lead_captions)
    named = ctx.config.link_self_describing
    for u, cap in zip(doc.url_lines, captions, strict=True):
        if cap.labelled or cap.title or names_itself(u.url, named):
            continue
        para = u.paragraph
        last = content_end(doc, para) - 1
        if u.line < last:
            if is_url_line(lines[u.line + 1]):
                msg = "URL line is followed by another URL line, not a title"
                yield make(doc, u.line, u.column, "LE001", msg, title_fix(doc, u, ctx))
            continue
        nxt = block_after(doc, para)
        if nxt is None:
            what = "the end of the file"
        elif nxt["type"] == "paragraph":
            if is_url_line(lines[nxt["_line"]]):
                what = "another URL line"
            else:
                what = "a label (a line ending in a colon captions the link after it)"
        else:
            what = block_kind(nxt)
        yield make(
            doc, u.line, u.column, "LE001", f"URL line has no title: it is followed by {what}", title_fix(doc, u, ctx)
        )


#: A line that continues a paragraph but starts a block once a blank line precedes it:
#: indented code, or an ordered list not starting at 1.
_BLOCK_AFTER_BLANK = re.compile(r"(?: {4}| {0,3}\t)| {0,3}(?:[02-9]|\d{2,9})[.)](?:[ \t]|$)")
#: A line kramdown ends with a line break: two spaces, a backslash, or ``<br>``.
_BREAK_END = re.compile(r"(?:  |\\\\|<br\s*/?>)[ \t]*$", re.IGNORECASE)


@rule("LE002", "link-entry-spacing", fix="safe", policy=EditPolicy(restructures=True))
def link_entry_spacing(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A URL line is glued to its title, or to the line above it (LE002).

    What it does: reports a URL line when the next line of the same paragraph
    is its title (not a URL line), or when the line above it in the same
    paragraph is text that is not a label (``Title A`` then the next entry's
    URL: the previous entry's title).  A label line (ending in ``：`` or ``:``)
    glued above a URL reads well on one line and is not reported, nor is a
    line that ends in a line break (two spaces, ``\\`` or ``<br>``).

    More than one blank line between a URL and its title is WS003's report
    (one problem, one diagnostic).

    Why: glued, kramdown joins them into one paragraph and the page shows
    "URL Title" (or "Title A https://...") on one line, and other rules cannot
    pair the title with its URL.

    Example::

        https://example.com/a

        Title A
        https://example.com/b
        Title B

    Use instead::

        https://example.com/a

        Title A

        https://example.com/b

        Title B

    Fix: safe: inserts the missing blank line(s).
    """
    lines = doc.lines
    nl = doc.newline
    labels = ctx.config.link_labels
    breaks = doc.hard_break_lines
    for u in doc.url_lines:
        para = u.paragraph
        last = content_end(doc, para) - 1
        edits: list[Edit] = []
        what: list[str] = []
        if u.line > para["_line"]:
            above = lines[u.line - 1]
            if not (
                is_url_line(above)
                or (labels and is_label_line(above))
                or u.line - 1 in breaks
                or _BREAK_END.search(above)
            ):
                at = doc.offset(u.line)
                edits.append(Edit(at, at, nl))
                what.append("the line above")
        glued_below = u.line < last and not is_url_line(lines[u.line + 1]) and not is_blank(lines[u.line + 1])
        if glued_below:
            what.append("its title")
            # after a blank line an indented title would become a code block (or a
            # list): no fix then, the safety check would refuse it anyway
            if not _BLOCK_AFTER_BLANK.match(lines[u.line + 1]):
                at = doc.line_end(u.line)
                edits.append(Edit(at, at, nl))
            else:
                edits = []
        if not what:
            continue
        if what == ["its title"]:
            message = "title is glued to the URL line (kramdown shows them as one line)"
        elif what == ["the line above"]:
            shown = above.strip()
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            message = f"URL line is glued to the line above (kramdown shows '{shown} https://…' as one line)"
        else:
            message = "URL line is glued to the lines above and below (kramdown shows them as one line)"
        yield make(doc, u.line, u.column, "LE002", message, Fix.safe(*edits) if edits else None)


@rule("DL001", "duplicate-link", fix="unsafe", policy=EditPolicy(text=_removes, restructures=True, removes_urls=True))
def duplicate_link(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """The same URL is listed twice in one post (DL001, duplicate-link).

    What it does: reports the second and later URL lines whose URL is the same as
    an earlier one; ``http``/``https``, host case, default ports, a trailing
    ``/`` and ``utm_*`` parameters do not count as differences.  The message
    names the line of the first occurrence.  Only link-entry URL lines are
    compared: a URL mentioned in prose twice is fine.

    Why: a reference list that repeats itself is noise for the reader, and
    usually means a link was pasted twice while collecting.

    Example::

        https://arxiv.org/abs/1706.03762

        Attention Is All You Need

        ...

        http://arxiv.org/abs/1706.03762/

        Attention Is All You Need

    Use instead: keep the first entry only.

    Fix: unsafe: removes the whole later link entry (URL line, blank line, title)
    when both entries have the same title; no fix when the titles differ.
    """
    # Two URLs can only normalise alike when their coarse keys match, so the
    # costly normalisation (urlsplit) runs only for URLs that share a coarse key.
    keys = doc.url_line_keys
    coarse: dict[str, int] = {}
    for k in keys:
        coarse[k] = coarse.get(k, 0) + 1
    first: dict[str, UrlLine] = {}
    for u, k in zip(doc.url_lines, keys, strict=True):
        if coarse[k] < 2:
            continue
        key = urls.normalize(u.url)
        prev = first.get(key)
        if prev is None:
            first[key] = u
            continue
        fix = None
        mine, theirs = title_of(doc, u), title_of(doc, prev)
        if mine is not None and theirs is not None and mine[1] == theirs[1]:
            fix = _remove_entry(doc, u.line, mine[0])
        yield make(doc, u.line, u.column, "DL001", f"duplicate link: same URL as line {prev.line + 1}", fix)


def _remove_entry(doc: Document, url_line: int, title_line: int) -> Fix:
    """Delete the URL line through the title line, as whole lines, and one blank line.

    The blank line after the title goes with the entry; at the end of the post
    (or before another block) the blank line before the URL goes instead, so the
    post keeps one blank line between blocks and no blank line at its end.
    """
    lines = doc.lines

    def start(i: int) -> int:
        return doc.offset(i) if i < len(lines) else len(doc.text)

    after = title_line + 1
    if after < len(lines) and is_blank(lines[after]):
        return Fix.unsafe(Edit(doc.offset(url_line), start(after + 1), ""))
    before = url_line - 1
    if before >= 0 and is_blank(lines[before]):
        return Fix.unsafe(Edit(doc.offset(before), start(after), ""))
    return Fix.unsafe(Edit(doc.offset(url_line), start(after), ""))


#: ``http://host:port``: an explicit port, which https would not share.
_EXPLICIT_PORT = re.compile(r"https?://(?:[^/?#@\s]*@)?(?:\[[^\]/]*\]|[^/?#:\[\s]*):(\d+)", re.IGNORECASE)


@rule(
    "HT001",
    "insecure-link",
    fix="safe/unsafe",
    policy=EditPolicy(text=lambda old, new: (old.lower(), new.lower()) == ("http", "https")),
)
def insecure_link(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A link uses ``http://`` (HT001, insecure-link).

    What it does: reports each ``http://`` URL in link entries, inline links,
    autolinks, reference definitions and prose (not in code, math or front
    matter).  Not reported: hosts listed in ``https.http-only-hosts``, and
    hosts that no reader can reach over https anyway: ``localhost``,
    loopback, private and link-local addresses, the reserved names of RFC 6761
    (``.test``, ``.example``, ``.invalid``, ``.localhost``) and the local ones
    (``.local``, ``.internal``, ``.lan``, ``.home.arpa``, ``.intranet``): a
    reserved name is an illustration, not a page (a link to the site's own
    development server is HT002's).

    Why: browsers flag plain-http links, and most hosts now redirect to https;
    linking the https page directly is faster and private.

    Example::

        http://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    Use instead::

        https://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    Not reported either: URLs inside inline ``<code>``, ``<kbd>`` and
    ``{% raw %}...{% endraw %}``, which are shown as written, not followed.

    Fix: safe for hosts known to serve https (a built-in list of common hosts,
    extended by ``https.known-hosts``); unsafe for any other host, whose https
    page may not exist (the message says so, and how to make it safe: list the
    host in ``https.known-hosts``, or run with ``--online`` to check it), for a
    URL with an explicit port (``http://github.com:8080/``: https is not
    served on the same port), and in a heading (kramdown makes the heading's id
    from its text: the fix changes the ``#anchor`` that links to the heading
    use).  With ``--online``, a host whose https answers (success or redirect)
    gets the safe fix, and one whose https fails is reported as http-only,
    without a fix.
    """
    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in ctx.config.https_known_hosts)
    http_only = {h.lower() for h in ctx.config.http_only_hosts}
    heading_lines = {h.line for h in doc.headings}
    for ln, col, url in doc.text_urls():
        if url[:5].lower() != "http:":
            continue
        host = urls.host_of(url)
        if not host or host in http_only or is_local_host(host):
            continue
        at = doc.offset(ln, col)
        edit = Edit(at, at + 4, "https")
        port = _EXPLICIT_PORT.match(url)
        if port:  # https on the http port: nothing says it exists
            why = f"https is rarely served on port {port.group(1)}; check the https URL and edit it by hand"
            yield make(doc, ln, col, "HT001", f"insecure link to {host}: use https:// ({why})", Fix.unsafe(edit))
            continue
        fix: Fix | None = Fix.safe(edit) if host in known else Fix.unsafe(edit)
        message = f"insecure link to {host}: use https://"
        verdict = None if host in known else https_verdict(ctx, host)  # only with --online
        if verdict is not None and verdict.ok:
            fix = Fix.safe(edit)
        elif verdict is not None:
            fix, message = None, f"insecure link to {host}, which is http-only ({verdict.detail})"
        elif host not in known:
            message += (
                f" (not fixed safely: {host} is not known to serve https; "
                "add it to https.known-hosts or check it with --online)"
            )
        if fix is not None and fix.applicability == "safe" and ln in heading_lines:
            fix = Fix.unsafe(edit)  # the heading's id (its #anchor) changes with its text
            message += " (not fixed safely: the heading's #anchor changes with its text)"
        yield make(doc, ln, col, "HT001", message, fix)


@rule("HT002", "local-only-link")
def local_only_link(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A link to the site's own development server (HT002, local-only-link).

    What it does: reports each URL (in link entries, links and prose; not in
    code, math or front matter) whose host is ``localhost``, a ``.localhost``
    name, a loopback address (``127.0.0.1``, ``[::1]``) or ``0.0.0.0``, and
    whose port is the one ``jekyll serve`` uses for this site (``port`` in
    ``_config.yml``, default 4000), in a file the site publishes: a post, a
    collection document, or a page with front matter.  Drafts are not
    reported, nor a ``README.md`` telling readers to open their own
    ``jekyll serve``.

    Why: such a link was copied from the browser while previewing the site;
    it works on the author's machine and is broken for every reader.  Other
    local links (``http://localhost:8983/solr/`` in a tutorial) point readers
    at their own machine on purpose and are not reported.

    Example (the site's ``_config.yml`` says ``port: 4500``)::

        http://localhost:4500/2016/05/01/notes.html

    Use instead: a link relative to the site, ``/2016/05/01/notes.html``, or
    ``{% post_url 2016-05-01-notes %}``.

    Fix: none (whether the page still exists at that path is for the author
    to check).
    """
    page = ctx.page
    if page is not None and not (page.is_post or (page.kind == "page" and doc.front_matter is not None)):
        return
    if page is not None and page.kind == "draft":
        return
    port = str(page.serve_port if page is not None else 4000)
    for ln, col, url in doc.text_urls():
        m = _EXPLICIT_PORT.match(url)  # first: a regex match rules out most URLs without parsing them
        if m is None or m.group(1) != port:
            continue
        host = urls.host_of(url)
        if not host or not is_loopback(host):
            continue
        rest = url[m.end() :] or "/"
        yield make(
            doc,
            ln,
            col,
            "HT002",
            f"link to the development server ({host}:{port}): it only works on the author's machine; "
            f"link '{rest}' relative to the site instead",
        )
