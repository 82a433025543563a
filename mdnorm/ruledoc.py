"""A rule's documentation as Markdown: what ``mdnorm rule`` prints and ``docs/rules/CODE.md`` holds.

The docs live in each rule's docstring, written for Python readers
(reStructuredText-ish: ````code````, ``Example::`` and an indented block,
``:func:`` roles).  They are converted here, when printed, rather than
rewritten in every rule module, so the rule's author keeps writing a docstring
and a terminal or a docs site never shows ``Example::``.  ``python -m
mdnorm.ruledoc docs/rules`` writes the pages; a test keeps them in sync.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mdnorm.rules.base import Rule

#: The paragraphs every rule doc has, in ruff's order: each becomes a ``##`` section.
SECTIONS = ("What it does", "Why", "Example", "Use instead", "Fix", "Options", "Known limitations", "See also")
_SECTION = re.compile(rf"^({'|'.join(SECTIONS)})(::|:)\s*(.*)$")
_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":(?:func|class|data|mod|meth|attr|ref):`~?([^`]+)`")
_OWN_NAME = re.compile(r"\s*\([A-Z]{2}\d{3}, [a-z-]+\)\.?$")


def _inline(text: str) -> str:
    """````x```` and ``:func:`x``` become Markdown code spans (longer fences when ``x`` holds a backtick)."""

    def code(m: re.Match[str]) -> str:
        body = m.group(1)
        return f"`` {body} ``" if "`" in body else f"`{body}`"

    return _ROLE.sub(lambda m: f"`{m.group(1)}`", _LITERAL.sub(code, text))


def _paragraphs(doc: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for line in doc.split("\n"):
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def to_markdown(doc: str) -> str:
    """The body of a rule docstring (after its summary line) as Markdown."""
    out: list[str] = []
    literal = False  # the previous paragraph ended in ``::``: this indented one is an example
    for para in _paragraphs(doc):
        if literal and para[0].startswith((" ", "\t")):
            lines = [ln[4:] if ln.startswith("    ") else ln.lstrip() for ln in para]
            if out and out[-1] == "```":  # the same example, after a blank line
                out.pop()
                out.extend(["", *lines, "```"])
            else:
                out.extend(["```markdown", *lines, "```"])
            continue
        if out and out[-1] == "```" and literal:
            out.append("")
        literal = False
        first = para[0]
        m = _SECTION.match(first)
        if m:
            out.extend([f"## {m.group(1)}", ""])
            literal = m.group(2) == "::"
            lead = m.group(3)[:1].upper() + m.group(3)[1:]  # "What it does: reports" -> "Reports"
            rest = [lead, *para[1:]] if lead else para[1:]
        else:
            rest = para
        if rest:
            text = _inline("\n".join(rest))
            if text.endswith("::"):  # "like this::" introduces an example too
                text, literal = text[:-1], True
            out.extend([text, ""])
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def page(rule: Rule) -> str:
    """The whole Markdown page of ``rule``: title, summary, fix safety, then its sections."""
    summary, _, body = rule.doc.partition("\n")
    summary = _OWN_NAME.sub(".", _inline(summary.strip()))
    head = f"# {rule.code}: {rule.name}\n\n{summary}\n\nFix safety: {rule.fix}.\n\n"
    return head + to_markdown(body.strip("\n"))


def as_json(rule: Rule) -> dict[str, Any]:
    """``mdnorm rule --output-format json``: the rule's record and its page."""
    from mdnorm.report import rule_url

    return {
        "code": rule.code,
        "name": rule.name,
        "fix": rule.fix,
        "family": rule.family,
        "summary": _OWN_NAME.sub(".", _inline(rule.summary.strip())),
        "explanation": page(rule),
        "url": rule_url(rule.code),
    }


def write_pages(folder: Path) -> list[Path]:
    """Write ``folder/CODE.md`` for every rule (and remove pages of rules that are gone)."""
    from mdnorm.rules import RULES

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, rule in sorted(RULES.items()):
        path = folder / f"{code}.md"
        path.write_text(page(rule), encoding="utf-8")
        written.append(path)
    for old in folder.glob("*.md"):
        if old.stem not in RULES:
            old.unlink()
    return written


if __name__ == "__main__":  # python -m mdnorm.ruledoc docs/rules
    for p in write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(p)
