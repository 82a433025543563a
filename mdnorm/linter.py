"""Run the selected rules on one document: the one entry point for checking."""

from __future__ import annotations

from mdnorm.diagnostic import Diagnostic, by_position
from mdnorm.document import Document
from mdnorm.facts import PostFacts, facts_of
from mdnorm.rules import RULES, Context
from mdnorm.selection import codes_for
from mdnorm.suppress import filter_suppressed


def lint_document(doc: Document, ctx: Context, codes: frozenset[str] | None = None) -> list[Diagnostic]:
    """All diagnostics for ``doc``, suppressions applied, sorted by position.

    Site-wide rules run too when ``ctx.site`` is set (on the facts of this very
    text); without it they are left to :func:`lint_site`, which the runner calls
    once the site index knows every post.
    """
    if codes is None:
        codes = codes_for(ctx.config, doc.path)
    out: list[Diagnostic] = []
    fm = doc.front_matter
    fm_broken = fm is None or fm.data is None
    for code in sorted(codes):
        r = RULES[code]
        if code == "IO001" or r.site_check is not None or (fm_broken and r.needs_front_matter):
            continue
        out.extend(r.check(doc, ctx))
    if ctx.site is not None and ctx.rel is not None:
        out.extend(_site_diagnostics(doc.path, facts_of(doc), ctx, codes))
    out = filter_suppressed(doc, out, codes)
    out.sort(key=by_position)
    return out


def lint_site(path: str, facts: PostFacts, ctx: Context, codes: frozenset[str]) -> list[Diagnostic]:
    """The site-wide rules' diagnostics for the post at ``path`` with ``facts`` (suppressions applied)."""
    return sorted(facts.directives.filter(_site_diagnostics(path, facts, ctx, codes)), key=by_position)


def _site_diagnostics(path: str, facts: PostFacts, ctx: Context, codes: frozenset[str]) -> list[Diagnostic]:
    from mdnorm.linkindex import SitePost
    from mdnorm.site import order_of

    site, rel = ctx.site, ctx.rel
    if site is None or rel is None:
        return []
    post = SitePost(rel, order_of(rel), facts)
    out: list[Diagnostic] = []
    for code in sorted(codes):
        check = RULES[code].site_check
        if check is not None:
            out.extend(check(post, site, path, ctx))
    return out
