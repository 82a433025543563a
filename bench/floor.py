"""The floor for a mistune-based tool: parse every file to mistune's AST, nothing else.

``--block`` stops after the block pass (no inline parsing): the share of the
floor that a linter reading only block structure would pay.
"""

import sys
from pathlib import Path

import mistune

args = sys.argv[1:]
block_only = "--block" in args
md = mistune.create_markdown(renderer=None)
for folder in (a for a in args if a != "--block"):
    for p in sorted(Path(folder).rglob("*")):
        if p.suffix in (".md", ".markdown"):
            text = p.read_text(encoding="utf-8")
            if block_only:
                state = md.block.state_cls()
                state.process(text)
                md.block.parse(state)
            else:
                md(text)
