"""``mdnorm init``: conventions inferred from the posts, never invented, never overwriting."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from mdnorm.cli import main
from mdnorm.config import parse_table
from mdnorm.init import infer, render

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _site(root: Path, posts: dict[str, str]) -> Path:
    (root / "_config.yml").write_text("title: x\n")
    (root / "_posts").mkdir()
    for name, text in posts.items():
        (root / "_posts" / name).write_text(text)
    return root


def _blog_post(i: int) -> str:
    return (
        f"---\nlayout: post\ntitle: P{i}\ncategory: DL\n---\n\n* toc\n{{:toc}}\n\n# A\n\n## B\n\n"
        f"https://mirror.example.org/{i}\n\nT\n\nhttp://mirror.example.org/old\n\nOld\n"
    )


def test_infers_this_kind_of_blogs_conventions(tmp_path: Path) -> None:
    site = _site(tmp_path, {f"2020-01-0{i}-p.md": _blog_post(i) for i in range(1, 8)})
    inf = infer(str(site))
    assert inf.posts == 7 and inf.required == ("layout", "title", "category")
    assert inf.toc_min_headings == 2 and inf.https_hosts == ("mirror.example.org",)
    cfg = parse_table(tomllib.loads(render(inf)), "init")
    assert cfg.fm_required == ("layout", "title", "category") and cfg.toc_min_headings == 2
    assert cfg.https_known_hosts == ("mirror.example.org",)


def test_invents_nothing_without_conventions(tmp_path: Path) -> None:
    posts = {f"2020-01-0{i}-p.md": f"---\ntitle: P{i}\n---\n\n# A\n\n## B\n" for i in range(1, 8)}
    posts["2020-01-09-q.md"] = "---\nlayout: post\ncategory: x\n---\n"
    inf = infer(str(_site(tmp_path, posts)))
    assert "category" not in inf.required and "layout" not in inf.required
    assert inf.toc_min_headings == 0 and inf.https_hosts == ()
    cfg = parse_table(tomllib.loads(render(inf)), "init")
    assert cfg.toc_min_headings == 0


def test_command_writes_once_and_never_overwrites(tmp_path: Path) -> None:
    site = _site(tmp_path, {f"2020-01-0{i}-p.md": _blog_post(i) for i in range(1, 8)})
    result = CliRunner().invoke(main, ["init", str(site)])
    assert result.exit_code == 0, result.output
    assert "required front matter keys: layout, title, category" in result.output
    written = (site / ".mdnorm.toml").read_text()
    (site / ".mdnorm.toml").write_text("# mine\n")
    again = CliRunner().invoke(main, ["init", str(site)])
    assert again.exit_code == 2 and "not overwritten" in again.output
    assert (site / ".mdnorm.toml").read_text() == "# mine\n"
    assert "min-headings = 2" in written
