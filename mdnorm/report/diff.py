"""``--diff`` output, coloured on a terminal as ``git diff`` colours it."""

from __future__ import annotations

from mdnorm.report.style import Style


def colorize(diff: str, color: bool) -> str:
    """``diff`` (a unified diff) with headers bold, hunks cyan, removals red and additions green."""
    if not color:
        return diff
    st = Style(True)
    out = []
    for line in diff.splitlines(keepends=True):
        body, end = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
        if body.startswith(("--- ", "+++ ")):
            body = st.bold(body)
        elif body.startswith("@@"):
            body = st.cyan(body)
        elif body.startswith("-"):
            body = st.red(body)
        elif body.startswith("+"):
            body = st.green(body)
        out.append(body + end)
    return "".join(out)
