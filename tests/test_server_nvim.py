"""A real editor: headless Neovim runs the README's snippet and shows mdnorm's diagnostics."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parent.parent / "README.md"
CHECK = r"""
local out = vim.g.mdnorm_out
local found = {}
local ok = vim.wait(30000, function()
  found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(found, { code = code, lnum = d.lnum, col = d.col, message = d.message })
  end
  return #found >= 2
end, 100)
local fh = io.open(out, "w")
fh:write(vim.fn.json_encode({ ok = ok, diagnostics = found, version = vim.version() }))
fh:close()
vim.cmd("qa!")
"""


def readme_snippet() -> str:
    """The Neovim snippet as the README gives it (the one ```lua block of the editor section)."""
    text = README.read_text("utf-8")
    section = text[text.index("## In the editor") :]
    m = re.search(r"```lua\n(.*?)```", section, re.DOTALL)
    assert m is not None, "README has no Neovim snippet"
    return m.group(1)


@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is not installed (Debian: apt-get install neovim)")
def test_neovim_shows_diagnostics_from_readme_snippet(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: t\n")
    post = site / "_posts" / "2020-01-02-a.md"
    text = "---\nlayout: post\ntitle: 测试\ncategory: tech\n---\n\n中文😀 见 http://example.com/x 说明  \n"
    post.write_text(text, encoding="utf-8")
    init = tmp_path / "init.lua"
    init.write_text(readme_snippet(), encoding="utf-8")
    check = tmp_path / "check.lua"
    check.write_text(CHECK, encoding="utf-8")
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        # the ``mdnorm`` the snippet starts is this interpreter's
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    cmd = ["nvim", "--headless", "-n", "-i", "NONE", "-u", str(init), "--cmd", f"let g:mdnorm_out = '{out}'"]
    cmd += [str(post), "-c", f"luafile {check}"]
    proc = subprocess.run(cmd, cwd=site, env=env, capture_output=True, timeout=90, stdin=subprocess.DEVNULL)
    assert out.exists(), f"nvim wrote no result: {proc.stdout!r} {proc.stderr!r}"
    got = json.loads(out.read_text("utf-8"))
    assert got["ok"], got
    codes = {d["code"] for d in got["diagnostics"]}
    assert {"HT001", "WS001"} <= codes, got
    ht = next(d for d in got["diagnostics"] if d["code"] == "HT001")
    assert ht["lnum"] == 6
