"""Code actions, hover and completion, computed from a post's latest results.

Every edit offered goes through the guard ``--fix`` uses: "fix all" *is*
:func:`mdnorm.fixer.fix_document` (safe fixes only), and a single quick fix is
checked edit by edit and then as a whole by the same two checks the fixer runs
on each of its passes (:func:`_guard`).  A fix the guard refuses is shown
disabled, with the reason, instead of being applied.
"""

from __future__ import annotations

import re

from lsprotocol import types

from mdnorm.diagnostic import Diagnostic, Fix
from mdnorm.document import Document
from mdnorm.rules import RULES
from mdnorm.server import convert
from mdnorm.server.state import Linted, Project

FIX_ALL = "source.fixAll.mdnorm"
_DIRECTIVE = re.compile(r"^(\s*)<!--\s*mdnorm-disable-next-line\s+([^>]*?)\s*-->\s*$", re.IGNORECASE)


def _guard(doc: Document, d: Diagnostic, fix: Fix) -> str | None:
    """Why ``--fix`` would refuse ``fix`` on ``doc``, or None: the fixer's own per-edit and whole-page checks."""
    from mdnorm.fixer import apply_edits
    from mdnorm.guard import edit_problem, verify_problem

    for e in fix.edits:
        problem = edit_problem(d.code, doc.text[e.start : e.end], e.replacement)
        if problem:
            return f"the fix {problem}"
    after = Document(doc.path, apply_edits(doc.text, list(fix.edits)))
    return verify_problem(doc, after, [(d, fix)])


def _edit(uri: str, version: int | None, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    doc_id = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=doc_id, edits=list(edits))])


def _on_lines(d: Diagnostic, rng: types.Range) -> bool:
    return rng.start.line <= d.line - 1 <= rng.end.line


def quick_fixes(
    uri: str, version: int | None, linted: Linted, rng: types.Range, encoding: str, docs: str
) -> list[types.CodeAction]:
    """A quick fix per fixable diagnostic on the range's lines, and "suppress on this line" for each."""
    doc = linted.doc
    out: list[types.CodeAction] = []
    for d in linted.diagnostics:
        if not _on_lines(d, rng):
            continue
        lsp_diag = convert.diagnostic(doc, d, encoding, docs)
        name = RULES[d.code].name if d.code in RULES else d.code
        if d.fix is not None and d.fix.edits:
            safe = d.fix.applicability == "safe"
            title = f"Fix {d.code} ({name})" if safe else f"Fix {d.code} ({name}) — unsafe: check the result"
            action = types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[lsp_diag], is_preferred=safe
            )
            problem = _guard(doc, d, d.fix)
            if problem is None:
                edits = [convert.text_edit(doc, e, encoding) for e in d.fix.edits]
                action.edit = _edit(uri, version, edits)
            else:
                action.disabled = types.CodeActionDisabled(reason=f"refused by the safety check: {problem}")
            out.append(action)
        out.append(suppress_action(uri, version, doc, d, lsp_diag, encoding))
    return out


def suppress_action(
    uri: str, version: int | None, doc: Document, d: Diagnostic, lsp_diag: types.Diagnostic, encoding: str
) -> types.CodeAction:
    """``<!-- mdnorm-disable-next-line CODE -->`` above the line (joined to one already there);
    a problem in the front matter, where comments are YAML, is suppressed for the file below it."""
    line = d.line - 1
    nl = doc.newline
    if line < doc.body_line:
        at = doc.line_starts[doc.body_line] if doc.body_line < len(doc.lines) else len(doc.text)
        text = f"<!-- mdnorm-disable-file {d.code} -->{nl}"
        if at == len(doc.text) and doc.text and not doc.text.endswith(("\n", "\r")):
            text = nl + text
        edit = types.TextEdit(range=_point(doc, at, encoding), new_text=text)
        title = f"Suppress {d.code} in this file"
    else:
        prev = doc.lines[line - 1] if line > 0 else ""
        m = _DIRECTIVE.match(prev)
        if m is not None and line - 1 >= doc.body_line:
            codes = m.group(2).split(",") if "," in m.group(2) else m.group(2).split()
            joined = ",".join(dict.fromkeys([*(c.strip() for c in codes if c.strip()), d.code]))
            start = convert.position(doc, line - 1, 0, encoding)
            end = convert.position(doc, line - 1, len(prev), encoding)
            edit = types.TextEdit(
                range=types.Range(start=start, end=end),
                new_text=f"{m.group(1)}<!-- mdnorm-disable-next-line {joined} -->",
            )
        else:
            indent = re.match(r"[ \t]*", doc.lines[line])
            pad = indent.group(0) if indent else ""
            pos = convert.position(doc, line, 0, encoding)
            edit = types.TextEdit(
                range=types.Range(start=pos, end=pos), new_text=f"{pad}<!-- mdnorm-disable-next-line {d.code} -->{nl}"
            )
        title = f"Suppress {d.code} on this line"
    return types.CodeAction(
        title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[lsp_diag], edit=_edit(uri, version, [edit])
    )


def _point(doc: Document, offset: int, encoding: str) -> types.Range:
    pos = convert.offset_position(doc, offset, encoding)
    return types.Range(start=pos, end=pos)


def fix_all(project: Project, uri: str, version: int | None, linted: Linted, encoding: str) -> types.CodeAction:
    """``source.fixAll.mdnorm``: what ``mdnorm --fix`` makes of the buffer (safe fixes only)."""
    from mdnorm.fixer import FixError, fix_document

    doc = linted.doc
    action = types.CodeAction(title="mdnorm: fix all safe problems", kind=FIX_ALL)
    site = project.site_for(doc.path)
    ctx, codes = project.context(doc.path, site)
    try:
        result = fix_document(doc, ctx, codes, unsafe=False)
    except FixError as exc:
        action.disabled = types.CodeActionDisabled(reason=str(exc))
        return action
    action.edit = _edit(uri, version, convert.whole_text_edit(doc, result.text, encoding))
    return action


def hover(project: Project, linted: Linted, pos: types.Position, encoding: str) -> types.Hover | None:
    """The rule docs of the diagnostics under the cursor; on a URL line, the posts listing it and its host's https."""
    doc = linted.doc
    parts: list[str] = []
    for d in linted.diagnostics:
        rng = convert.span(doc, d, encoding)
        if rng.start.line == pos.line and rng.start.character <= pos.character <= rng.end.character:
            rule = RULES.get(d.code)
            if rule is not None:
                parts.append(f"**{rule.code}** `{rule.name}` (fix: {rule.fix})\n\n{rule.doc}")
    entry = next((e for e in linted.facts.entries if e.line == pos.line), None)
    if entry is not None:
        parts.append(_url_hover(project, doc, entry.url, entry.coarse))
    if not parts:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


def _url_hover(project: Project, doc: Document, url: str, coarse: str) -> str:
    from urllib.parse import urlsplit

    from mdnorm import urls

    lines = [f"`{url}`", ""]
    site = project.site_for(doc.path)
    if site is None:
        lines.append("Not in a Jekyll site: no other posts to compare.")
    else:
        me = site.index.rel(doc.path)
        others = [(rel, ln) for rel, ln in site.listings(urls.normalize(url), coarse) if rel != me]
        if others:
            lines.append("Also listed in:")
            lines.extend(f"- `{rel}` line {ln + 1}" for rel, ln in others)
        else:
            lines.append("No other post lists it.")
        host = (urlsplit(url).hostname or "").lower()
        verdict = project.cached_verdicts(site.root).https(host) if host else None
        if verdict is None:
            lines += ["", f"https of `{host}`: not checked (`mdnorm --online` records it)."]
        else:
            ok = "serves https" if verdict.ok else "does not serve https"
            lines += ["", f"`{host}` {ok} ({verdict.detail}; cached answer of `mdnorm --online`)."]
    return "\n".join(lines)


def complete_entry(
    project: Project, linted: Linted, pos: types.Position, encoding: str, snippets: bool
) -> list[types.CompletionItem]:
    """On a URL line without a title: the blank line and a title (from the title cache when online is enabled)."""
    doc = linted.doc
    entry = next((e for e in linted.facts.entries if e.line == pos.line and not e.titled), None)
    if entry is None:
        return []
    line_text = doc.lines[entry.line]
    nl = doc.newline
    nxt = doc.lines[entry.line + 1] if entry.line + 1 < len(doc.lines) else None
    tail = "" if nxt is None or not nxt.strip() else nl
    # the edit starts at the cursor (the protocol wants the range to hold it) and keeps the rest of the line
    col = convert.column_of(doc, pos, encoding)
    rest = line_text[col:]
    start = convert.position(doc, entry.line, col, encoding)
    end = convert.position(doc, entry.line, len(line_text), encoding)
    site = project.site_for(doc.path)
    online = project.online_for(site.root) if site is not None else None
    title = online.title(entry.url) if online is not None else None
    items = []

    def item(label: str, text: str, fmt: types.InsertTextFormat, detail: str) -> types.CompletionItem:
        return types.CompletionItem(
            label=label,
            kind=types.CompletionItemKind.Text,
            detail=detail,
            filter_text=line_text,
            insert_text_format=fmt,
            text_edit=types.TextEdit(range=types.Range(start=start, end=end), new_text=rest + text),
        )

    if title:
        items.append(item(title, f"{nl}{nl}{title}{tail}", types.InsertTextFormat.PlainText, "title (cached)"))
    if snippets:
        items.append(item("link entry title", f"{nl}{nl}${{1:title}}{tail}", types.InsertTextFormat.Snippet, ""))
    return items
