"""The baseline: record an archive's problems once, then report only new ones.

The promise users rely on: a baselined problem stays hidden when the post is
edited elsewhere (keys are line contents, not line numbers), a new problem is
reported at its own line, and problems that went away show up as stale.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdnorm import baseline
from mdnorm.cli import main
from mdnorm.config import Config
from mdnorm.diagnostic import Diagnostic

HEAD = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
# one WS001 (line 7) and one HT001 (line 9), both already in the archive
OLD_POST = HEAD + "old text \n\nhttp://example.com/a\n\nA title\n"

UNSAFE = (
    " (not fixed safely: new.example.net is not known to serve https; "
    "add it to https.known-hosts or check it with --online)"
)


def run(*args: str) -> Result:
    # the fixture's posts have no date in their names: SL005 would report each (not this module's subject)
    quiet = [] if "--select" in args else ["--ignore", "SL005"]
    return CliRunner().invoke(main, ["--no-color", *quiet, *args])


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if ": " in line and line.split(":")[0].endswith(".md")]


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "old.md").write_text(OLD_POST, encoding="utf-8")
    (tmp_path / "_posts" / "other.md").write_text(HEAD + "other text \n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fingerprint_is_the_line_content_up_to_whitespace_and_https() -> None:
    assert baseline.fingerprint("  http://a.example.net/  ") == baseline.fingerprint("http://a.example.net/")
    assert baseline.fingerprint("title:  A\tB") == baseline.fingerprint("title: A B")
    assert baseline.fingerprint("see HTTP://a.example.net/") == baseline.fingerprint("see https://a.example.net/")
    assert baseline.fingerprint("http://a.example.net/") != baseline.fingerprint("http://b.example.net/")
    assert baseline.fingerprint("AB") != baseline.fingerprint("A B")


def test_fixing_one_problem_on_a_line_keeps_its_other_problems_baselined(blog: Path) -> None:
    # line 7 has LE001 (no title, a heading follows) and HT001 with a safe fix
    post = blog / "_posts" / "entry.md"
    post.write_text(HEAD + "text\n\nhttp://github.com/x\n\n# Heading\n", encoding="utf-8")
    run("--add-baseline")
    result = run("--fix", "--select", "HT001,LE001")
    assert "https://github.com/x" in post.read_text(encoding="utf-8")
    assert [line for line in problem_lines(result) if "entry.md" in line] == []
    assert "1 baseline entry no longer matches" in result.stdout  # the HT001 one


def test_file_is_sorted_versioned_and_round_trips(tmp_path: Path) -> None:
    entries = {
        baseline.Key("b.md", "WS001", "ff"): 1,
        baseline.Key("a.md", "HT001", "01"): 2,
        baseline.Key("a.md", "FM004", "02"): 1,
    }
    text = baseline.dumps(entries)
    assert json.loads(text) == {
        "version": 2,
        "files": {"a.md": {"FM004": {"02": 1}, "HT001": {"01": 2}}, "b.md": {"WS001": {"ff": 1}}},
    }
    assert text.index('"a.md"') < text.index('"b.md"') and text.index('"FM004"') < text.index('"HT001"')
    assert text == baseline.dumps(dict(reversed(list(entries.items()))))
    target = tmp_path / "b.json"
    baseline.write(str(target), entries)
    assert baseline.load(str(target)).entries == entries


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid JSON"),
        ('{"version": 99, "files": {}}', "unsupported baseline version 99"),
        ('{"version": 1}', "no 'files' table"),
        ('{"version": 1, "files": {"a.md": {"HT001": {"ab": 0}}}}', "positive counts"),
        ('{"version": 1, "files": {"a.md": []}}', "not a table of codes"),
    ],
)
def test_a_broken_baseline_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    target = tmp_path / "b.json"
    target.write_text(content, encoding="utf-8")
    with pytest.raises(baseline.BaselineError, match=message):
        baseline.load(str(target))


def test_identical_lines_are_counted_and_the_extra_one_is_new(tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text("same \n\nsame \n\nsame \n", encoding="utf-8")
    diags = [Diagnostic(str(post), n, 5, "WS001", "trailing whitespace") for n in (1, 3, 5)]
    entries = baseline.record(diags[:2], str(tmp_path))
    assert list(entries.values()) == [2]
    bl = baseline.Baseline(str(tmp_path / "b.json"), entries)
    outcome = baseline.apply(bl, diags, Config(root=str(tmp_path)), [str(post)])
    assert outcome.reported == [diags[2]]
    assert (outcome.baselined, outcome.stale) == (2, 0)


def test_add_baseline_then_the_run_passes(blog: Path) -> None:
    assert run().exit_code == 1
    added = run("--add-baseline")
    assert added.exit_code == 0, added.output
    assert "Wrote .mdnorm-baseline.json: 3 problems in 2 files." in added.stdout
    data = json.loads((blog / ".mdnorm-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    assert sorted(data["files"]) == ["_posts/old.md", "_posts/other.md"]
    assert sorted(data["files"]["_posts/old.md"]) == ["HT001", "WS001"]
    result = run()
    assert result.exit_code == 0, result.output
    assert problem_lines(result) == []
    assert "3 problems hidden by the baseline .mdnorm-baseline.json." in result.stdout


def test_a_new_problem_is_reported_alone_at_its_line(blog: Path) -> None:
    run("--add-baseline")
    post = blog / "_posts" / "old.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nhttp://new.example.net/page\n\nNew title\n", encoding="utf-8")
    result = run()
    assert result.exit_code == 1
    assert problem_lines(result) == [
        "_posts/old.md:13:1: HT001 insecure link to new.example.net: use https://" + UNSAFE,
    ]


def test_editing_elsewhere_does_not_revive_baselined_problems(blog: Path) -> None:
    run("--add-baseline")
    post = blog / "_posts" / "old.md"
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace(HEAD, HEAD + "A new first paragraph.\n\nAnd a second one.\n\n"), encoding="utf-8")
    result = run()
    assert result.exit_code == 0, result.output
    assert problem_lines(result) == []


def test_a_fixed_problem_is_reported_as_stale_and_re_adding_drops_it(blog: Path) -> None:
    run("--add-baseline")
    post = blog / "_posts" / "old.md"
    post.write_text(post.read_text(encoding="utf-8").replace("old text \n", "old text\n"), encoding="utf-8")
    result = run()
    assert result.exit_code == 0
    assert "1 baseline entry no longer matches" in result.stdout
    assert "--add-baseline" in result.stdout
    run("--add-baseline")
    data = json.loads((blog / ".mdnorm-baseline.json").read_text(encoding="utf-8"))
    assert sorted(data["files"]["_posts/old.md"]) == ["HT001"]
    assert "no longer match" not in run().stdout


def test_files_outside_the_run_are_neither_stale_nor_dropped(blog: Path) -> None:
    run("--add-baseline")
    result = run("_posts/old.md")
    assert result.exit_code == 0
    assert "no longer match" not in result.stdout
    # re-baselining one post keeps the other post's entries
    (blog / "_posts" / "old.md").write_text(HEAD + "clean now\n", encoding="utf-8")
    run("--add-baseline", "_posts/old.md")
    data = json.loads((blog / ".mdnorm-baseline.json").read_text(encoding="utf-8"))
    assert sorted(data["files"]) == ["_posts/other.md"]


def test_a_deleted_post_makes_its_entries_stale(blog: Path) -> None:
    run("--add-baseline")
    (blog / "_posts" / "other.md").unlink()
    result = run()
    assert result.exit_code == 0
    assert "1 baseline entry no longer matches" in result.stdout


def test_an_unselected_code_is_not_stale(blog: Path) -> None:
    run("--add-baseline")
    result = run("--select", "HT001")
    assert result.exit_code == 0
    assert "1 problem hidden" in result.stdout
    assert "no longer match" not in result.stdout


def test_statistics_show_the_baselined_count(blog: Path) -> None:
    run("--add-baseline")
    (blog / "_posts" / "new.md").write_text(HEAD + "new text \n", encoding="utf-8")
    result = run("--statistics")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].split() == ["1", "WS001", "[*]", "trailing-whitespace"]
    assert "3 problems hidden by the baseline" in result.stdout


def test_no_baseline_reports_everything(blog: Path) -> None:
    run("--add-baseline")
    result = run("--no-baseline")
    assert result.exit_code == 1
    assert len(problem_lines(result)) == 3


def test_add_baseline_takes_a_json_file_or_else_a_path(blog: Path) -> None:
    result = run("--add-baseline", "_posts")
    assert result.exit_code == 0, result.output
    assert (blog / ".mdnorm-baseline.json").is_file()
    assert not (blog / "_posts" / ".mdnorm-baseline.json").exists()
    result = run("--add-baseline", "legacy.json", "_posts/old.md")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads((blog / "legacy.json").read_text(encoding="utf-8"))["files"]) == ["_posts/old.md"]


def test_baseline_option_and_config_key(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("--add-baseline", "legacy.json")
    assert run().exit_code == 1  # not the default name, not configured: no baseline
    assert run("--baseline", "legacy.json").exit_code == 0
    (blog / ".mdnorm.toml").write_text('baseline = "legacy.json"\n', encoding="utf-8")
    assert run().exit_code == 0
    # from a sub-folder: the file is found through the config, keys stay relative to it
    monkeypatch.chdir(blog / "_posts")
    result = run(".")
    assert result.exit_code == 0, result.output
    assert "3 problems hidden by the baseline ../legacy.json." in result.stdout


def test_a_missing_named_baseline_is_a_usage_error(blog: Path) -> None:
    result = run("--baseline", "nope.json")
    assert result.exit_code == 2
    assert "nope.json: baseline file not found" in result.stderr
    (blog / ".mdnorm.toml").write_text('baseline = "gone.json"\n', encoding="utf-8")
    result = run()
    assert result.exit_code == 2
    assert "gone.json not found" in result.stderr


def test_add_baseline_cannot_be_combined_with_fix(blog: Path) -> None:
    result = run("--add-baseline", "--fix")
    assert result.exit_code == 2
    assert not (blog / ".mdnorm-baseline.json").exists()


def test_fix_with_a_baseline_reports_only_new_remaining_problems(blog: Path) -> None:
    run("--add-baseline")
    (blog / "_posts" / "new.md").write_text(HEAD + "text\n\nhttp://new.example.net/x\n\nT\n", encoding="utf-8")
    result = run("--fix")
    assert result.exit_code == 1
    assert problem_lines(result) == ["_posts/new.md:9:1: HT001 insecure link to new.example.net: use https://" + UNSAFE]
    # the safe WS001 fixes were applied, so those baseline entries are stale now
    assert "2 baseline entries no longer match" in result.stdout


DEEP_JSON = '{"version": 1, "files": ' + "[" * 100_000 + "]" * 100_000 + "}"


def test_a_baseline_nested_too_deeply_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    target.write_text(DEEP_JSON, encoding="utf-8")
    with pytest.raises(baseline.BaselineError, match="nested too deeply"):
        baseline.load(str(target))


@pytest.mark.parametrize("option", ["--baseline", "--add-baseline"])
def test_a_baseline_nested_too_deeply_exits_2_with_one_line(blog: Path, option: str) -> None:
    (blog / "deep.json").write_text(DEEP_JSON, encoding="utf-8")
    result = run(option, "deep.json", "_posts")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("mdnorm: error: ") and "deep.json: not a baseline file (JSON nested too deeply)" in line


def test_a_baseline_that_cannot_be_written_exits_2_naming_it(blog: Path) -> None:
    result = run("--add-baseline", "nope/b.json", "_posts")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.endswith("nope/b.json: cannot write baseline: No such file or directory")
