"""The floor for a mistune-based tool: parse every file to mistune's AST, nothing else."""

import sys
from pathlib import Path

import mistune

md = mistune.create_markdown(renderer=None)
for folder in sys.argv[1:]:
    for p in sorted(Path(folder).rglob("*")):
        if p.suffix in (".md", ".markdown"):
            md(p.read_text(encoding="utf-8"))
