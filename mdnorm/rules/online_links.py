"""Link health rules (LK001, LK002): what ``--online`` learnt about the links of a post.

Both read ``Context.online`` only (the answers :func:`mdnorm.online.prepare` got
before the run) and report nothing without ``--online``, nor for a link whose
answer is unverifiable (a 429, a bot wall, a timeout): an answer that says
nothing about the link never becomes a report or a fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.document import Document
from mdnorm.rules.base import Context, EditPolicy, make, rule

_WHOLE_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _one_url_for_another(old: str, new: str) -> bool:
    """The fix of LK001 and LK002: one whole URL in place of another (the old one goes)."""
    return bool(_WHOLE_URL.fullmatch(old) and _WHOLE_URL.fullmatch(new))


#: What a fix of LK001/LK002 may change: one URL for another, nothing else.
_URL_POLICY = EditPolicy(text=_one_url_for_another, restructures=True, removes_urls=True)


def _date_of(doc: Document, ctx: Context) -> str:
    """``YYYYMMDD`` of the post (its file name), "" when the name carries none."""
    from mdnorm.site import post_date

    return post_date(os.path.basename(ctx.rel or doc.path or "")) or ""


@rule("LK001", "dead-link", fix="unsafe", policy=_URL_POLICY)
def dead_link(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A link whose target is dead (LK001, dead-link; ``--online`` only).

    What it does: with ``--online``, reports each URL of the post (link entries
    and links in prose) that the web answered as dead: HTTP 404 or 410, a host
    that does not exist, a refused connection, a certificate or TLS failure, a
    redirect loop, or https that redirects back to http.  The message gives the
    evidence: the answer and the date it was checked (answers are cached: a dead
    link is asked again after 7 days).  Answers that say nothing about the link
    (429, 403 from a bot wall, 5xx, timeouts) are never reported.

    Why: a dead link sends the reader nowhere; the post's date tells when its
    author saw the page, and the Internet Archive often kept a copy from then.

    Example::

        https://example.com/paper-2019      (answers 404 today)

    Use instead::

        https://web.archive.org/web/20190312000000/https://example.com/paper-2019

    Fix: unsafe, when the Wayback Machine has a copy: replaces the URL with the
    snapshot closest to the post's date (from its file name, ``YYYY-M-D-...``).
    Unsafe because the archived page may differ from what the author linked;
    check it before keeping the change.  The availability API's address is
    ``online.wayback-url``.
    """
    facts = ctx.online
    if facts is None:
        return
    date = _date_of(doc, ctx)
    for ln, col, url in doc.text_urls():
        v = facts.link(url)
        if v is None or v.kind != "dead":
            continue
        from mdnorm.online.verdicts import when

        snap = facts.snapshot(url, date)
        fix = None
        message = f"dead link: {v.reason} (checked {when(v.checked)})"
        if snap is not None and snap.url:
            at = doc.offset(ln, col)
            fix = Fix.unsafe(Edit(at, at + len(url), snap.url))
            message += f"; archived copy {snap.timestamp[:8] or 'available'}"
        yield make(doc, ln, col, "LK001", message, fix)


@rule("LK002", "permanent-redirect", fix="safe/unsafe", policy=_URL_POLICY)
def permanent_redirect(doc: Document, ctx: Context) -> Iterator[Diagnostic]:
    """A link that has moved for good (LK002, permanent-redirect; ``--online`` only).

    What it does: with ``--online``, reports a URL whose every redirect is
    permanent (301 or 308) and whose final address answers, naming the new
    address.  A redirect that only adds or drops a trailing ``/`` is not reported.

    Why: the old address works until the site drops its redirects; the new one
    is what the site itself says the link is now.

    Example::

        http://example.com/blog/post      (301 to https://example.com/blog/post)

    Use instead::

        https://example.com/blog/post

    Fix: safe when the move only changes ``http://`` to ``https://`` on the same
    host, port, path and query; unsafe otherwise (a new host or path may be a
    different page, or a site's catch-all redirect to its home page).
    """
    facts = ctx.online
    if facts is None:
        return
    from mdnorm.online.verdicts import scheme_upgrade_only

    heading_lines = {h.line for h in doc.headings}
    for ln, col, url in doc.text_urls():
        new = facts.moved(url)
        if new is None or new.rstrip("/") == url.rstrip("/") or not new.startswith(("http://", "https://")):
            continue
        at = doc.offset(ln, col)
        edit = Edit(at, at + len(url), new)
        safe = scheme_upgrade_only(url, new) and ln not in heading_lines  # a heading's #anchor comes from its text
        fix = Fix.safe(edit) if safe else Fix.unsafe(edit)
        yield make(doc, ln, col, "LK002", f"link moved permanently to {new}", fix)
