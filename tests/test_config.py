"""Configuration: where it is found, every documented key, errors, nesting, per-file-ignores."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdnorm import config as config_mod
from mdnorm.cli import main
from mdnorm.config import Config, ConfigError, for_path, load, parse_table
from mdnorm.selection import codes_for

CLEAN = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\ntext\n"
#: one post with one problem of each kind the tests below switch on and off
HTTP_POST = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\nhttp://old.example.net/a\n\nA title\n"
TRAILING = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\ntext \n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        # one URL per post: the same link in two posts is a problem of its own
        text = text.replace("http://old.example.net/a", f"http://old.example.net/{name}")
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(*args: str) -> tuple[int, list[dict[str, object]], str]:
    """Run mdnorm in the current folder; (exit code, JSON diagnostics, stderr)."""
    result = CliRunner().invoke(main, ["--output-format", "json", *args])
    data = json.loads(result.stdout) if result.exit_code in (0, 1) else []
    return result.exit_code, data, result.stderr


def codes(data: list[dict[str, object]], path: str | None = None) -> set[str]:
    return {str(d["code"]) for d in data if path is None or d["path"] == path}


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    config_mod._NESTED_CACHE.clear()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CI", raising=False)


# --- where the configuration comes from ---------------------------------------------------


def test_pyproject_found_upward_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.mdnorm]\nignore = ["HT001"]\n', "blog/a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path / "blog")
    code, data, _ = run("a.md")
    assert code == 0, data
    assert load().source == str(tmp_path / "pyproject.toml")


def test_mdnorm_toml_found_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": 'ignore = ["HT001"]\n', "blog/deep/a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path / "blog" / "deep")
    assert run("a.md")[0] == 0


def test_pyproject_without_a_tool_mdnorm_table_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.mdnorm]\nignore = ["HT001"]\n',
            "blog/pyproject.toml": '[project]\nname = "x"\n',
            "blog/a.md": HTTP_POST,
        },
    )
    monkeypatch.chdir(tmp_path / "blog")
    assert run("a.md")[0] == 0


def test_closest_config_wins_and_mdnorm_toml_beats_pyproject_in_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.mdnorm]\nignore = ["HT001"]\n',
            "blog/.mdnorm.toml": 'ignore = ["WS001"]\n',
            "blog/pyproject.toml": '[tool.mdnorm]\nignore = ["LE001"]\n',
            "blog/a.md": HTTP_POST,
            "blog/b.md": TRAILING,
        },
    )
    monkeypatch.chdir(tmp_path / "blog")
    code, data, _ = run()
    assert codes(data) == {"HT001"}  # the top pyproject is not read; blog/.mdnorm.toml is
    assert code == 1


def test_no_config_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load()
    assert cfg.source is None
    assert cfg == Config()


def test_config_option_overrides_the_discovered_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            ".mdnorm.toml": 'ignore = ["HT001"]\n',
            "other.toml": 'ignore = ["WS001"]\n',
            "a.md": HTTP_POST,
            "b.md": TRAILING,
        },
    )
    monkeypatch.chdir(tmp_path)
    assert codes(run()[1]) == {"WS001"}
    assert codes(run("--config", "other.toml")[1]) == {"HT001"}


def test_config_option_accepts_a_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"conf/pyproject.toml": '[tool.mdnorm]\nignore = ["HT001"]\n', "a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path)
    assert run("--config", "conf/pyproject.toml")[0] == 0


def test_missing_config_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("--config", "nope.toml")
    assert code == 2
    assert "nope.toml" in err


def test_command_line_beats_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": 'select = ["WS"]\n', "a.md": HTTP_POST, "b.md": TRAILING})
    monkeypatch.chdir(tmp_path)
    assert codes(run()[1]) == {"WS001"}
    assert codes(run("--select", "HT001")[1]) == {"HT001"}


def test_command_line_ignore_adds_to_the_config_ignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": 'ignore = ["HT001"]\n', "a.md": HTTP_POST, "b.md": TRAILING})
    monkeypatch.chdir(tmp_path)
    assert run("--ignore", "WS001")[0] == 0


# --- every key of the README ------------------------------------------------------------------


def test_select_ignore_extend_select_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": HTTP_POST, "b.md": TRAILING})
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mdnorm.toml").write_text('select = ["FM"]\nextend-select = ["WS"]\n')
    assert codes(run()[1]) == {"WS001"}
    (tmp_path / ".mdnorm.toml").write_text('select = ["ALL"]\nignore = ["LE", "WS001"]\n')
    assert codes(run()[1]) == {"HT001"}
    (tmp_path / ".mdnorm.toml").write_text('ignore = ["HT"]\nextend-select = ["HT001"]\n')
    assert codes(run()[1]) == {"HT001", "WS001"}  # the more specific selector wins, as in ruff


def test_codes_are_case_insensitive(tmp_path: Path) -> None:
    cfg = parse_table({"select": ["ws001"]}, "x.toml")
    assert cfg.select == ("WS001",)


def test_extensions_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": TRAILING, "b.txt": TRAILING, "c.markdown": TRAILING})
    monkeypatch.chdir(tmp_path)
    assert {d["path"] for d in run()[1]} == {"a.md", "c.markdown"}
    (tmp_path / ".mdnorm.toml").write_text('extensions = ["txt"]\n')
    assert {d["path"] for d in run()[1]} == {"b.txt"}


def test_exclude_replaces_the_default_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"vendor/a.md": TRAILING, "old/b.md": TRAILING, "c.md": TRAILING})
    monkeypatch.chdir(tmp_path)
    assert {d["path"] for d in run()[1]} == {"old/b.md", "c.md"}
    (tmp_path / ".mdnorm.toml").write_text('exclude = ["old"]\n')
    assert {d["path"] for d in run()[1]} == {"vendor/a.md", "c.md"}


def test_extend_exclude_adds_to_the_default_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "vendor/a.md": TRAILING,
            "_drafts/b.md": TRAILING,
            "_posts/2014-1-1-x.md": TRAILING,
            "_posts/2015-1-1-x.md": TRAILING,
        },
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mdnorm.toml").write_text('extend-exclude = ["_drafts", "_posts/2014-*"]\n')
    assert {d["path"] for d in run()[1]} == {"_posts/2015-1-1-x.md"}


def test_respect_gitignore_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".gitignore": "ignored/\n", "ignored/a.md": TRAILING, "b.md": TRAILING})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert {d["path"] for d in run()[1]} == {"b.md"}
    (tmp_path / ".mdnorm.toml").write_text("respect-gitignore = false\n")
    assert {d["path"] for d in run()[1]} == {"b.md", "ignored/a.md"}


def test_max_file_size_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    assert run()[0] == 0
    (tmp_path / ".mdnorm.toml").write_text("max-file-size = 10\n")
    code, data, _ = run()
    assert code == 1
    assert [(d["code"], d["line"]) for d in data] == [("IO001", 1)]
    assert "max-file-size" in str(data[0]["message"])


def test_per_file_ignores_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"README.md": "# Read me\n", "_posts/2014-1-1-x.md": HTTP_POST, "_posts/2015-1-1-x.md": HTTP_POST})
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mdnorm.toml").write_text(
        'per-file-ignores = { "README.md" = ["FM", "KD001"], "_posts/2014-*" = ["HT001"] }\n'
    )
    data = run()[1]
    assert codes(data, "README.md") == set()
    assert codes(data, "_posts/2014-1-1-x.md") == set()
    assert codes(data, "_posts/2015-1-1-x.md") == {"HT001"}


def test_front_matter_required_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": "---\nlayout: post\ntitle: T\n---\n\ntext\n"})
    monkeypatch.chdir(tmp_path)
    assert run()[0] == 0  # the default requires what every post needs: title and layout
    (tmp_path / ".mdnorm.toml").write_text('[front-matter]\nrequired = ["layout", "title", "category"]\n')
    assert codes(run()[1]) == {"FM003"}
    (tmp_path / ".mdnorm.toml").write_text('[front-matter]\nrequired = ["layout", "title", "tags"]\n')
    assert "tags" in str(run()[1][0]["message"])


def test_front_matter_layouts_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    assert run()[0] == 0  # no _layouts/ and no config: no check
    (tmp_path / ".mdnorm.toml").write_text('[front-matter]\nlayouts = ["page"]\n')
    data = run()[1]
    assert [(d["code"], d["line"]) for d in data] == [("FM005", 2)]
    (tmp_path / ".mdnorm.toml").write_text('[front-matter]\nlayouts = ["page", "post"]\n')
    assert run()[0] == 0


def test_https_known_hosts_key_makes_the_fix_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path)
    (fix,) = [d["fix"] for d in run("--select", "HT001")[1]]
    assert isinstance(fix, dict) and fix["applicability"] == "unsafe"
    (tmp_path / ".mdnorm.toml").write_text('[https]\nknown-hosts = ["old.example.net"]\n')
    (fix,) = [d["fix"] for d in run("--select", "HT001")[1]]
    assert isinstance(fix, dict) and fix["applicability"] == "safe"


def test_https_http_only_hosts_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mdnorm.toml").write_text('[https]\nhttp-only-hosts = ["old.example.net"]\n')
    assert run()[0] == 0


def test_toc_min_headings_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": CLEAN + "\n# One\n\nx\n\n## Two\n\ny\n"})
    monkeypatch.chdir(tmp_path)
    assert run()[0] == 0  # no TOC required by default: a site's convention
    (tmp_path / ".mdnorm.toml").write_text("[toc]\nmin-headings = 2\n")
    assert codes(run()[1]) == {"KD001"}
    (tmp_path / ".mdnorm.toml").write_text("[toc]\nmin-headings = 3\n")
    assert run()[0] == 0
    (tmp_path / ".mdnorm.toml").write_text("[toc]\nmin-headings = 0\n")
    assert run()[0] == 0


def test_pyproject_sub_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.mdnorm]\nselect = ["FM", "HT"]\n\n'
            '[tool.mdnorm.front-matter]\nrequired = ["title"]\n\n'
            '[tool.mdnorm.https]\nhttp-only-hosts = ["old.example.net"]\n',
            "a.md": "---\ntitle: T\n---\n\nhttp://old.example.net/a\n\nA title\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert run()[0] == 0


# --- errors: exit 2, naming the key and the file -------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("colour = true\n", "colour"),
        ('[front-matter]\nrequire = ["title"]\n', "front-matter.require"),
        ("[https]\nknown_hosts = []\n", "https.known_hosts"),
        ('select = "FM9"\n', "select"),
        ('ignore = ["NOPE"]\n', "ignore"),
        ('extend-select = [""]\n', "extend-select"),
        ("extensions = 3\n", "extensions"),
        ('exclude = ["ok", 1]\n', "exclude"),
        ('extend-exclude = ["!x"]\n', "extend-exclude"),
        ("respect-gitignore = 1\n", "respect-gitignore"),
        ('max-file-size = "5MB"\n', "max-file-size"),
        ("max-file-size = -1\n", "max-file-size"),
        ('per-file-ignores = ["README.md"]\n', "per-file-ignores"),
        ('per-file-ignores = { "README.md" = ["XX1"] }\n', "per-file-ignores.README.md"),
        ('front-matter = "x"\n', "front-matter"),
        ("[front-matter]\nlayouts = [true]\n", "front-matter.layouts"),
        ("[toc]\nmin-headings = -1\n", "toc.min-headings"),
        ("[toc]\nmin-headings = 1.5\n", "toc.min-headings"),
    ],
)
def test_bad_key_or_value_exits_2_naming_key_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, key: str
) -> None:
    write(tmp_path, {".mdnorm.toml": toml, "a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run()
    assert code == 2
    assert err.count("\n") == 1, err  # one line
    assert f"'{key}'" in err
    assert str(tmp_path / ".mdnorm.toml") in err


def test_bad_key_in_pyproject_names_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.mdnorm]\nselekt = []\n", "a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run()
    assert code == 2
    assert "'selekt'" in err and "pyproject.toml" in err


def test_tool_header_in_mdnorm_toml_gets_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": '[tool.mdnorm]\nignore = ["HT001"]\n', "a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run()
    assert code == 2
    assert "without a [tool.mdnorm] header" in err


def test_invalid_toml_exits_2_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": "select = [\n", "a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run()
    assert code == 2
    assert ".mdnorm.toml" in err and "invalid TOML" in err


def test_bad_nested_config_exits_2_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"drafts/.mdnorm.toml": "wat = 1\n", "drafts/a.md": CLEAN, "b.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    code, _, err = run()
    assert code == 2
    assert "'wat'" in err and str(Path("drafts") / ".mdnorm.toml") in err


# --- nested configuration -------------------------------------------------------------------------


def test_nested_config_applies_below_its_folder_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "drafts/.mdnorm.toml": 'ignore = ["HT001"]\n',
            "drafts/a.md": HTTP_POST,
            "drafts/sub/b.md": HTTP_POST,
            "c.md": HTTP_POST,
        },
    )
    monkeypatch.chdir(tmp_path)
    data = run()[1]
    assert codes(data, "drafts/a.md") == set()
    assert codes(data, "drafts/sub/b.md") == set()
    assert codes(data, "c.md") == {"HT001"}


def test_nested_config_combines_key_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = "---\nlayout: post\ntitle: T\n---\n\nhttp://old.example.net/a\n\nA title\n\ntext \n"
    write(
        tmp_path,
        {
            ".mdnorm.toml": 'ignore = ["WS001"]\n[front-matter]\nrequired = ["layout", "title"]\n',
            "drafts/.mdnorm.toml": 'ignore = ["HT001"]\n',
            "drafts/a.md": post,
            "b.md": post,
        },
    )
    monkeypatch.chdir(tmp_path)
    data = run()[1]
    # drafts/ keeps the root's front-matter.required and adds HT001 to the root's ignore
    assert codes(data, "drafts/a.md") == set()
    assert codes(data, "b.md") == {"HT001"}


def test_nested_select_starts_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            ".mdnorm.toml": 'ignore = ["WS001"]\n',
            "drafts/.mdnorm.toml": 'select = ["WS"]\n',
            "drafts/a.md": HTTP_POST.replace("A title", "A title "),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert codes(run()[1]) == {"WS001"}


def test_deeper_nested_config_is_applied_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "a/.mdnorm.toml": "[toc]\nmin-headings = 0\n",
            "a/b/.mdnorm.toml": "[toc]\nmin-headings = 2\n",
            "a/x.md": CLEAN + "\n# One\n\n## Two\n",
            "a/b/y.md": CLEAN + "\n# One\n\n## Two\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    data = run()[1]
    assert codes(data, "a/x.md") == set()
    assert codes(data, "a/b/y.md") == {"KD001"}


def test_nested_config_changes_discovery_below_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "drafts/.mdnorm.toml": 'extensions = [".txt"]\nextend-exclude = ["old"]\n',
            "drafts/a.txt": TRAILING,
            "drafts/b.md": TRAILING,
            "drafts/old/c.txt": TRAILING,
            "d.md": TRAILING,
            "e.txt": TRAILING,
        },
    )
    monkeypatch.chdir(tmp_path)
    assert {d["path"] for d in run()[1]} == {"drafts/a.txt", "d.md"}


def test_nested_patterns_are_relative_to_their_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "drafts/.mdnorm.toml": 'per-file-ignores = { "old/*" = ["HT001"] }\nextend-exclude = ["tmp/"]\n',
            "drafts/old/a.md": HTTP_POST,
            "drafts/new/b.md": HTTP_POST,
            "drafts/tmp/c.md": HTTP_POST,
            "old/d.md": HTTP_POST,
        },
    )
    monkeypatch.chdir(tmp_path)
    data = run()[1]
    assert {d["path"] for d in data} == {"drafts/new/b.md", "old/d.md"}


def test_command_line_selection_beats_nested_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "drafts/.mdnorm.toml": 'select = ["WS"]\n',
            "drafts/a.md": HTTP_POST.replace("A title", "A title "),
            "b.md": HTTP_POST.replace("A title", "A title "),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert codes(run()[1], "drafts/a.md") == {"WS001"}
    data = run("--select", "HT")[1]
    assert codes(data, "drafts/a.md") == codes(data, "b.md") == {"HT001"}
    data = run("--ignore", "WS001")[1]
    assert codes(data, "drafts/a.md") == set()


def test_nested_config_found_when_run_on_a_single_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"drafts/.mdnorm.toml": 'ignore = ["HT001"]\n', "drafts/a.md": HTTP_POST})
    monkeypatch.chdir(tmp_path)
    assert run("drafts/a.md")[0] == 0


def test_for_path_outside_the_root_is_the_base(tmp_path: Path) -> None:
    base = Config(root=str(tmp_path / "blog"))
    assert for_path(base, str(tmp_path / "elsewhere" / "a.md")) is base


# --- per-file-ignores as ruff users expect ---------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "path", "hit"),
    [
        ("README.md", "README.md", True),
        ("README.md", "docs/README.md", True),  # a base name matches in every folder
        ("*.md", "docs/deep/x.md", True),
        ("_posts/2014-*", "_posts/2014-01-01-a.md", True),
        ("_posts/2014-*", "_posts/2015-01-01-a.md", False),
        ("_posts/2014-*", "other/_posts/2014-01-01-a.md", False),  # a path is relative to the config's folder
        ("./_posts/*.md", "_posts/a.md", True),
        ("_drafts/", "_drafts/a.md", True),
        ("_drafts", "_drafts/sub/a.md", True),
        ("_drafts/**", "_drafts/sub/a.md", True),
        ("**/README.md", "README.md", True),
        ("**/README.md", "a/b/README.md", True),
        ("docs/*/index.md", "docs/x/index.md", True),
        ("docs/*/index.md", "index.md", False),
        ("2014-*.md", "_posts/2014-x.md", True),
    ],
)
def test_per_file_ignores_globs(tmp_path: Path, glob: str, path: str, hit: bool) -> None:
    cfg = parse_table({"per-file-ignores": {glob: ["HT001"]}}, "x.toml")
    cfg = dataclasses.replace(cfg, root=str(tmp_path))
    assert ("HT001" not in codes_for(cfg, str(tmp_path / path))) is hit


def test_per_file_ignores_take_prefixes_and_all(tmp_path: Path) -> None:
    cfg = parse_table({"per-file-ignores": {"a.md": ["FM"], "b.md": ["ALL"]}}, "x.toml")
    cfg = dataclasses.replace(cfg, root=str(tmp_path))
    assert not any(c.startswith("FM") for c in codes_for(cfg, str(tmp_path / "a.md")))
    assert "HT001" in codes_for(cfg, str(tmp_path / "a.md"))
    assert codes_for(cfg, str(tmp_path / "b.md")) == frozenset()


def test_per_file_ignores_with_stdin_filename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".mdnorm.toml": 'per-file-ignores = { "_posts/2014-*" = ["HT001"] }\n'})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["-", "--stdin-filename", "_posts/2014-1-1-x.md", "--output-format", "json"], input=HTTP_POST
    )
    assert result.exit_code == 0, result.output


def test_parse_table_rejects_unknown_keys_directly() -> None:
    with pytest.raises(ConfigError, match="unknown key 'nope'"):
        parse_table({"nope": 1}, "where.toml")


# --- hostile config files: exit 2 and one line naming the file, never exit 3 ------------------------

DEEP_TOML = "x = " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [(DEEP_TOML.encode(), "invalid TOML: nested too deeply"), (b"\xff\xfe = 1\n", "invalid TOML: not UTF-8")],
    ids=["too-deep", "not-utf8"],
)
@pytest.mark.parametrize("where", ["--config", "found", "nested-above-a-named-file", "links"])
def test_a_config_that_cannot_be_read_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str, where: str
) -> None:
    write(tmp_path, {"drafts/a.md": CLEAN})
    name = {"--config": "my.toml", "found": ".mdnorm.toml"}.get(where, "drafts/.mdnorm.toml")
    (tmp_path / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    args = {"--config": ["--config", "my.toml", "drafts/a.md"], "links": ["links", "."]}.get(where, ["drafts/a.md"])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("mdnorm: error: ") and line.endswith(f"{Path(name).name}: {message}")


def test_a_config_name_too_long_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.md": CLEAN})
    monkeypatch.chdir(tmp_path)
    for args in (["--config", "c" * 5000 + ".toml", "a.md"], ["links", "--config", "c" * 5000 + ".toml"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("mdnorm: error: ccc") and len(result.stderr.splitlines()) == 1
