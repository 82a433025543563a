"""Link rules (LE, DL, HT): link entries, duplicates and insecure links.

A *link entry* is the blog's unit of reference: a paragraph that is one bare
URL, one blank line, then a one-line title paragraph::

    https://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    分段映射：帮助利用少量样本习得新类别细粒度分类器
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mdnorm import urls
from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import URL_LINE, Document, Token, UrlLine, content_end, is_blank
from mdnorm.rules.base import Context, EditPolicy, make, rule, without_whitespace
from mdnorm.rules.site import https_verdict, title_fix


def _next_block(doc: Document, para: Token) -> tuple[Token | None, int]:
    """The top-level block after ``para`` and the number of blank lines between."""
    blocks = doc.blocks
    idx = _index(doc, para)
    blanks = 0
    for tok in blocks[idx + 1 :]:
        if tok["type"] == "blank_line":
            blanks += tok["_end"] - tok["_line"]
            continue
        if tok["type"] in _NO_BLOCK:
            continue
        return tok, blanks
    return None, blanks


#: Tokens that are no block on the page: an IAL line (``{: .x}``) and an
#: end-of-block marker (``^``).  kramdown attaches the IAL to a block.
_NO_BLOCK = frozenset({"ial", "eob"})

_WHAT = {
    "heading": "a heading",
    "list": "a list",
    "block_code": "code",
    "thematic_break": "a rule",
    "table": "a table",
    "block_quote": "a block quote",
    "block_math": "a math block",
    "block_html": "an HTML block",
    "ref_def": "a link definition",
}


def _index(doc: Document, tok: Token) -> int:
    cache = doc.__dict__.setdefault("_block_index", {})
    if not cache:
        for i, t in enumerate(doc.blocks):
            cache[id(t)] = i
    return int(cache[id(tok)])


def _is_url_line(text: str) -> bool:
    return bool(URL_LINE.fullmatch(text))


def _title_of(doc: Document, u: UrlLine) -> tuple[int, str] | None:
    """``(line, text)`` of the entry's title when the entry is well formed."""
    para = u.paragraph
    if content_end(doc, para) - para["_line"] != 1:
        return None
    nxt, blanks = _next_block(doc, para)
    if nxt is None or nxt["type"] != "paragraph" or blanks != 1:
        return None
    if content_end(doc, nxt) - nxt["_line"] != 1 or _is_url_line(doc.lines[nxt["_line"]]):
        return None
    return nxt["_line"], doc.lines[nxt["_line"]].strip()


def _inserts_one_line(old: str, new: str) -> bool:
    """LE001's fix: a page title inserted as the missing title line, and nothing else."""
    return not without_whitespace(old) and bool(new.strip()) and len(new.strip().splitlines()) == 1


def _removes(old: str, new: str) -> bool:
    """DL001's fix: a duplicate entry removed, its lines gone (its URLs are accounted for)."""
    return not without_whitespace(new)


@rule("LE001", "link-entry-missing-title", policy=EditPolicy(text=_inserts_one_line, restructures=True))
def link_entry_missing_title(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A URL line has no title line after it (LE001, link-entry-missing-title).

    What it does: reports a bare URL line (a line of a top-level paragraph that
    holds only an ``http(s)://`` URL) whose next block is not a title: a
    heading, another URL line, a list, code, math, a table (kramdown makes any
    line with a ``|`` a table), a quote, a rule, or the end of the file.  Lines
    in code, math, HTML blocks, lists and quotes are never URL lines.

    Why: the blog's link entries read "URL, blank line, title"; a bare URL alone
    tells the reader nothing about where it leads.

    Example::

        https://example.com/paper

        ## Next section

    Use instead::

        https://example.com/paper

        A short title of the paper

        ## Next section

    Fix: none; with ``--online``, unsafe: inserts the page's ``<title>`` (fetched
    once and cached) as the title line.
    """
    lines = doc.lines
    for u in doc.url_lines:
        para = u.paragraph
        last = content_end(doc, para) - 1
        if u.line < last:
            if _is_url_line(lines[u.line + 1]):
                msg = "URL line is followed by another URL line, not a title"
                yield make(doc, u.line, u.column, "LE001", msg, title_fix(doc, u, ctx))
            continue
        nxt, _ = _next_block(doc, para)
        if nxt is None:
            what = "the end of the file"
        elif nxt["type"] == "paragraph":
            if not _is_url_line(lines[nxt["_line"]]):
                continue
            what = "another URL line"
        else:
            what = _WHAT.get(nxt["type"], f"a {nxt['type'].replace('_', ' ')} block")
        yield make(
            doc, u.line, u.column, "LE001", f"URL line has no title: it is followed by {what}", title_fix(doc, u, ctx)
        )


#: A line that continues a paragraph but starts a block once a blank line precedes it:
#: indented code, or an ordered list not starting at 1.
_BLOCK_AFTER_BLANK = re.compile(r"(?: {4}| {0,3}\t)| {0,3}(?:[02-9]|\d{2,9})[.)](?:[ \t]|$)")


@rule("LE002", "link-entry-spacing", fix="safe", policy=EditPolicy(restructures=True))
def link_entry_spacing(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A URL line and its title are not separated by exactly one blank line (LE002).

    What it does: reports the URL line when its title is glued to it (the next
    line of the same paragraph) or separated by more than one blank line.

    Why: glued, kramdown joins them into one paragraph and the page shows
    "URL Title" on one line; with extra blank lines the entry falls apart visually
    and other rules cannot pair the title with its URL.

    Example::

        https://example.com/paper
        A short title of the paper

    Use instead::

        https://example.com/paper

        A short title of the paper

    Fix: safe: leaves exactly one blank line between the URL and the title.
    """
    lines = doc.lines
    nl = doc.newline
    for u in doc.url_lines:
        para = u.paragraph
        last = content_end(doc, para) - 1
        if u.line < last:
            nxt_line = lines[u.line + 1]
            if _is_url_line(nxt_line) or is_blank(nxt_line):
                continue
            at = doc.line_end(u.line)
            # after a blank line an indented title would become a code block (or a
            # list): no fix then, the safety check would refuse it anyway
            split = None if _BLOCK_AFTER_BLANK.match(nxt_line) else Fix.safe(Edit(at, at, nl))
            yield make(
                doc,
                u.line,
                u.column,
                "LE002",
                "title is glued to the URL line (kramdown shows them as one line)",
                split,
            )
            continue
        nxt, blanks = _next_block(doc, para)
        if nxt is None or nxt["type"] != "paragraph" or blanks <= 1 or _is_url_line(lines[nxt["_line"]]):
            continue
        start = doc.offset(last + 2)
        end = doc.offset(nxt["_line"])
        yield make(
            doc,
            u.line,
            u.column,
            "LE002",
            f"{blanks} blank lines between the URL and its title (expected 1)",
            Fix.safe(Edit(start, end, "")),
        )


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
        mine, theirs = _title_of(doc, u), _title_of(doc, prev)
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
_EXPLICIT_PORT = re.compile(r"https?://(?:[^/?#@\s]*@)?(?:\[[^\]/]*\]|[^/?#:\[\s]*):\d", re.IGNORECASE)


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
    matter).  Hosts listed in ``https.http-only-hosts`` are not reported.

    Why: browsers flag plain-http links, and most hosts now redirect to https;
    linking the https page directly is faster and private.

    Example::

        http://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    Use instead::

        https://mp.weixin.qq.com/s/sdQ0rWbDDMN_P0B_RiYZmw

    Not reported either: URLs inside inline ``<code>``, ``<kbd>`` and
    ``{% raw %}...{% endraw %}``, which are shown as written, not followed.

    Fix: safe for hosts known to serve https (a built-in list of the common hosts
    of Chinese tech blogging, extended by ``https.known-hosts``); unsafe for any
    other host, whose https page may not exist, and for a URL with an explicit
    port (``http://github.com:8080/``: https is not served on the same port),
    or in a heading (kramdown makes the heading's id from its text: the fix
    changes the ``#anchor`` that links to the heading use).  With ``--online``,
    a host whose https answers (success or redirect) gets the safe fix, and one
    whose https fails is reported as http-only, without a fix.
    """
    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in ctx.config.https_known_hosts)
    http_only = {h.lower() for h in ctx.config.http_only_hosts}
    heading_lines = {h.line for h in doc.headings}
    for ln, col, url in doc.text_urls():
        if url[:5].lower() != "http:":
            continue
        host = urls.host_of(url)
        if not host or host in http_only:
            continue
        at = doc.offset(ln, col)
        edit = Edit(at, at + 4, "https")
        if _EXPLICIT_PORT.match(url):  # https on the http port: nothing says it exists
            yield make(doc, ln, col, "HT001", f"insecure link to {host}: use https://", Fix.unsafe(edit))
            continue
        fix: Fix | None = Fix.safe(edit) if host in known else Fix.unsafe(edit)
        message = f"insecure link to {host}: use https://"
        verdict = None if host in known else https_verdict(ctx, host)  # only with --online
        if verdict is not None and verdict.ok:
            fix = Fix.safe(edit)
        elif verdict is not None:
            fix, message = None, f"insecure link to {host}, which is http-only ({verdict.detail})"
        if fix is not None and ln in heading_lines:
            fix = Fix.unsafe(edit)  # the heading's id (its #anchor) changes with its text
        yield make(doc, ln, col, "HT001", message, fix)
