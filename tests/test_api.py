"""The public API: ``mdnorm.lint`` and ``mdnorm.fix`` answer as the command line does."""

from __future__ import annotations

from pathlib import Path

import mdnorm
from mdnorm.config import Config

POST = "---\nlayout: post\ntitle: T\ncategory: c\n---\n\ntext   \n\nhttp://github.com/x\n\nTitle\n"


def test_lint_reports_what_the_cli_reports(tmp_path: Path) -> None:
    diags = mdnorm.lint(POST, path=str(tmp_path / "p.md"), config=Config(root=str(tmp_path)))
    assert [(d.line, d.code) for d in diags] == [(7, "WS001"), (9, "HT001")]


def test_fix_applies_the_safe_fixes(tmp_path: Path) -> None:
    result = mdnorm.fix(POST, path=str(tmp_path / "p.md"), config=Config(root=str(tmp_path)))
    assert result.text == POST.replace("text   ", "text").replace("http://", "https://")
    assert result.remaining == []


def test_site_wide_rules_see_the_other_posts(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2019-1-1-a.md").write_text(POST.replace("http://github.com/x", "https://e.example/1"), encoding="utf-8")
    text = POST.replace("http://github.com/x", "https://e.example/1").replace("text   ", "text")
    diags = mdnorm.lint(text, path=str(posts / "2019-1-2-b.md"), config=Config(root=str(tmp_path)))
    assert [d.code for d in diags] == ["DL002"]
    assert mdnorm.lint(text, path=str(posts / "2019-1-2-b.md"), config=Config(root=str(tmp_path)), site=False) == []
