"""File discovery: which files a run looks at."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from mdnorm import config as config_mod
from mdnorm.config import Config, parse_table
from mdnorm.files import PathError, discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")


def found(root: Path, cfg: Config | None = None, *paths: str) -> list[str]:
    cfg = cfg or Config(root=str(root))
    old = os.getcwd()
    os.chdir(root)
    try:
        return list(discover(list(paths) or ["."], cfg))
    finally:
        os.chdir(old)


def cfg_from(root: Path, table: dict[str, object]) -> Config:
    return dataclasses.replace(parse_table(table, "test.toml"), root=str(root))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    config_mod._NESTED_CACHE.clear()


def test_walks_for_md_and_markdown_sorted(tmp_path: Path) -> None:
    touch(tmp_path, "b.md", "a.markdown", "sub/c.md", "notes.txt", "img.png", "sub/d.MD.bak")
    assert found(tmp_path) == ["a.markdown", "b.md", "sub/c.md"]


def test_paths_are_normalised(tmp_path: Path) -> None:
    touch(tmp_path, "posts/a.md")
    assert found(tmp_path, None, "./posts/") == ["posts/a.md"]
    assert found(tmp_path, None, "./posts/a.md") == ["posts/a.md"]


@pytest.mark.parametrize("folder", [".git", "_site", "node_modules", "vendor", ".venv", ".mdnorm_cache"])
def test_default_excludes(tmp_path: Path, folder: str) -> None:
    touch(tmp_path, f"{folder}/a.md", f"deep/{folder}/b.md", "c.md")
    assert found(tmp_path) == ["c.md"]


def test_extensions_are_configurable_with_or_without_a_dot(tmp_path: Path) -> None:
    touch(tmp_path, "a.md", "b.mdown", "c.txt")
    assert found(tmp_path, cfg_from(tmp_path, {"extensions": ["mdown", ".txt"]})) == ["b.mdown", "c.txt"]


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    touch(tmp_path, "vendor/a.md", "old/b.md", "c.md")
    assert found(tmp_path, cfg_from(tmp_path, {"exclude": ["old"]})) == ["c.md", "vendor/a.md"]


def test_extend_exclude_keeps_the_defaults(tmp_path: Path) -> None:
    touch(tmp_path, "vendor/a.md", "old/b.md", "c.md", "_posts/2014-x.md", "_posts/2015-x.md", "d.draft.md")
    cfg = cfg_from(tmp_path, {"extend-exclude": ["old/", "_posts/2014-*", "*.draft.md"]})
    assert found(tmp_path, cfg) == ["_posts/2015-x.md", "c.md"]


def test_exclude_glob_with_double_star(tmp_path: Path) -> None:
    touch(tmp_path, "tmp/a.md", "x/tmp/b.md", "c.md")
    assert found(tmp_path, cfg_from(tmp_path, {"extend-exclude": ["**/tmp"]})) == ["c.md"]


def test_gitignore_is_honoured_in_a_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n*.tmp.md\n/top-only.md\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("local.md\n!keep.tmp.md\n")
    touch(
        tmp_path,
        "build/a.md",
        "b.tmp.md",
        "top-only.md",
        "sub/top-only.md",
        "sub/local.md",
        "sub/keep.tmp.md",
        "local.md",
        "c.md",
    )
    assert found(tmp_path) == ["c.md", "local.md", "sub/keep.tmp.md", "sub/top-only.md"]


def test_gitignore_of_the_repository_applies_when_walking_a_sub_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("posts/drafts/\n")
    touch(tmp_path, "posts/drafts/a.md", "posts/b.md")
    assert found(tmp_path, None, "posts") == ["posts/b.md"]


def test_gitignore_patterns_with_a_slash_match_from_their_own_folder_at_any_depth(tmp_path: Path) -> None:
    """Each .gitignore sees a path relative to its own folder (the walk works it out once per folder)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("posts/drafts/*.md\n")
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / ".gitignore").write_text("!drafts/keep.md\nold/deep/\n")
    touch(tmp_path, "posts/drafts/a.md", "posts/drafts/keep.md", "posts/x/drafts/b.md", "posts/old/deep/c.md")
    assert found(tmp_path) == ["posts/drafts/keep.md", "posts/x/drafts/b.md"]
    assert found(tmp_path, None, "posts/drafts") == ["posts/drafts/keep.md"]


def test_respect_gitignore_false(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n")
    touch(tmp_path, "build/a.md")
    assert found(tmp_path) == []
    assert found(tmp_path, cfg_from(tmp_path, {"respect-gitignore": False})) == ["build/a.md"]


def test_a_file_named_explicitly_is_always_checked(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("ignored.md\n")
    touch(tmp_path, "vendor/a.md", "notes.txt", "ignored.md", "old/x.md")
    cfg = cfg_from(tmp_path, {"extend-exclude": ["old"]})
    assert found(tmp_path, cfg, "vendor/a.md", "notes.txt", "ignored.md", "old/x.md") == [
        "vendor/a.md",
        "notes.txt",
        "ignored.md",
        "old/x.md",
    ]


def test_missing_path_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PathError, match=r"nope\.md: no such file or directory"):
        found(tmp_path, None, "nope.md")


def test_stdin_passes_through(tmp_path: Path) -> None:
    assert found(tmp_path, None, "-") == ["-"]


def test_paths_keep_the_order_they_were_given_in(tmp_path: Path) -> None:
    touch(tmp_path, "b/x.md", "a/y.md")
    assert found(tmp_path, None, "b", "a") == ["b/x.md", "a/y.md"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_terminates(tmp_path: Path) -> None:
    touch(tmp_path, "a/x.md")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    assert found(tmp_path) == ["a/x.md"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_folder_links_are_walked_only_inside_the_tree(tmp_path: Path) -> None:
    """As Jekyll follows links only inside its source, a walk never leaves the folder it was given."""
    touch(tmp_path, "posts/a.md", "posts/inner/b.md", "outside/secret.md")
    os.symlink(tmp_path / "outside", tmp_path / "posts" / "out")
    os.symlink(tmp_path / "posts" / "inner", tmp_path / "posts" / "alias")
    # a folder reached twice (here through a link) is walked once
    assert found(tmp_path, None, "posts") == ["posts/a.md", "posts/alias/b.md"]


def test_nested_config_changes_extensions_below_it(tmp_path: Path) -> None:
    touch(tmp_path, "a.md", "a.txt", "notes/b.md", "notes/b.txt")
    (tmp_path / "notes" / ".mdnorm.toml").write_text('extensions = ["txt"]\n')
    assert found(tmp_path) == ["a.md", "notes/b.txt"]


def test_nested_exclude_is_relative_to_its_folder(tmp_path: Path) -> None:
    touch(tmp_path, "old/a.md", "notes/old/b.md", "notes/c.md", "notes/deep/old/d.md")
    (tmp_path / "notes" / ".mdnorm.toml").write_text('extend-exclude = ["old"]\n')
    assert found(tmp_path) == ["notes/c.md", "old/a.md"]


@pytest.fixture
def _fresh_site() -> None:
    from mdnorm import site
    from mdnorm.jekyll import scope

    site.find_root.cache_clear()
    scope.forget()


@pytest.mark.usefixtures("_fresh_site")
def test_what_the_sites_exclude_drops_is_not_walked(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("exclude: [CHANGELOG.md, docs/internal, 'notes*']\n")
    touch(tmp_path, "CHANGELOG.md", "README.md", "docs/internal/a.md", "docs/b.md", "notes-2020.md")
    touch(tmp_path, "_posts/2020-01-01-a.md", "Gemfile.md", "gemfiles/x.md")
    # Jekyll's default excludes come too, and a pattern is also a prefix: Gemfile drops Gemfile.md
    assert found(tmp_path) == ["README.md", "_posts/2020-01-01-a.md", "docs/b.md"]
    # walking a folder inside the site: the site's patterns still apply, relative to its root
    assert found(tmp_path, None, "docs") == ["docs/b.md"]


@pytest.mark.usefixtures("_fresh_site")
def test_jekyll_default_excludes_apply_with_the_sites_own_list(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("exclude: [CHANGELOG.md]\n")
    touch(tmp_path, "gemfiles/a.md", "vendor/ruby/b.md", "c.md")
    cfg = cfg_from(tmp_path, {"exclude": []})  # mdnorm's own list emptied: Jekyll's still applies
    assert found(tmp_path, cfg) == ["c.md"]


@pytest.mark.usefixtures("_fresh_site")
def test_include_wins_over_exclude(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("exclude: [docs]\ninclude: [keep.md]\n")
    touch(tmp_path, "docs/a.md", "docs/keep.md", "b.md")
    assert found(tmp_path) == ["b.md"]  # the folder is dropped before its entries are looked at
    (tmp_path / "_config.yml").write_text("exclude: ['*.md']\ninclude: [keep.md]\n")
    scope_clear()
    assert found(tmp_path) == ["docs/keep.md"]


def scope_clear() -> None:
    from mdnorm.jekyll import scope

    scope.forget()


@pytest.mark.usefixtures("_fresh_site")
def test_respect_jekyll_exclude_false_walks_everything(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("exclude: [CHANGELOG.md]\n")
    touch(tmp_path, "CHANGELOG.md", "a.md")
    assert found(tmp_path) == ["a.md"]
    assert found(tmp_path, cfg_from(tmp_path, {"respect-jekyll-exclude": False})) == ["CHANGELOG.md", "a.md"]


@pytest.mark.usefixtures("_fresh_site")
def test_a_file_the_site_excludes_is_checked_when_named_unless_force_exclude(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("exclude: [CHANGELOG.md, old]\n")
    touch(tmp_path, "CHANGELOG.md", "old/x.md", "a.md")
    cfg = Config(root=str(tmp_path))
    assert found(tmp_path, cfg, "CHANGELOG.md", "old/x.md") == ["CHANGELOG.md", "old/x.md"]
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        forced = list(discover(["CHANGELOG.md", "old/x.md", "a.md"], cfg, force_exclude=True))
    finally:
        os.chdir(old)
    assert forced == ["a.md"]


@pytest.mark.usefixtures("_fresh_site")
def test_outside_a_site_nothing_is_dropped_by_jekyll_rules(tmp_path: Path) -> None:
    touch(tmp_path, "CHANGELOG.md", "Gemfile.md", "gemfiles/a.md")
    assert found(tmp_path) == ["CHANGELOG.md", "Gemfile.md", "gemfiles/a.md"]
