"""The command line through click's runner: output, options, exit codes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdnorm import __version__
from mdnorm import config as config_mod
from mdnorm.cli import main
from mdnorm.diagnostic import Diagnostic
from mdnorm.document import Document
from mdnorm.rules import RULES, Context, Rule

CLEAN = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\ntext\n"
# line 7: HT001 (unsafe fix) + WS001 (safe fix); line 9: LE001-free title; line 11: HD001 after "# A"
UNSAFE = (
    " (not fixed safely: old.example.net is not known to serve https; "
    "add it to https.known-hosts or check it with --online)"
)
BAD = (
    "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
    "http://old.example.net/{slug} \n\nA title\n\n# A\n\n### B\n\ntext\n"
)
ANSI = re.compile(r"\x1b\[")


def bad(slug: str) -> str:
    return BAD.replace("{slug}", slug)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("NO_COLOR", "CI", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    config_mod._NESTED_CACHE.clear()
    monkeypatch.chdir(tmp_path)
    # the posts here follow a site convention that is no longer a default: a TOC in every post
    (tmp_path / ".mdnorm.toml").write_text("[toc]\nmin-headings = 2\n")


def write(files: dict[str, str]) -> None:
    for name, text in files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env)


# --- exit codes -------------------------------------------------------------------------------------


def test_clean_run_exits_0() -> None:
    write({"a.md": CLEAN})
    result = run()
    assert result.exit_code == 0
    assert result.stdout == "All checks passed!\n"


def test_problems_exit_1() -> None:
    write({"a.md": bad("a")})
    assert run().exit_code == 1


def test_unreadable_file_is_a_problem_and_the_run_goes_on() -> None:
    write({"b.md": CLEAN})
    Path("a.md").write_bytes(b"\xff\xfe not utf-8")
    result = run()
    assert result.exit_code == 1
    assert result.stdout.startswith("a.md:1:1: IO001 ")


def test_missing_path_exits_2_with_one_line_naming_it() -> None:
    write({"a.md": CLEAN})
    result = run("a.md", "posts/nope.md")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "mdnorm: error: posts/nope.md: no such file or directory\n"


def test_unknown_option_exits_2() -> None:
    result = run("--frobnicate")
    assert result.exit_code == 2
    assert "--frobnicate" in result.stderr


def test_bad_output_format_exits_2() -> None:
    assert run("--output-format", "xml").exit_code == 2


def test_internal_error_in_one_file_exits_3_and_the_others_are_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(doc: Document, ctx: Context) -> list[Diagnostic]:
        if "boom" in str(getattr(doc, "text", "")):
            raise RuntimeError("kaboom")
        return []

    rule = RULES["WS003"]
    monkeypatch.setitem(RULES, "WS003", Rule(rule.code, rule.name, rule.fix, boom, rule.family))
    write({"a.md": CLEAN + "boom\n", "b.md": bad("b")})
    result = run()
    assert result.exit_code == 3
    assert "a.md: error: internal error (RuntimeError: kaboom)" in result.stderr
    assert "b.md:7:1: HT001" in result.stdout


def test_internal_error_outside_the_files_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import mdnorm.files

    def broken(*args: object, **kw: object) -> list[str]:
        raise RuntimeError("walk failed")

    monkeypatch.setattr(mdnorm.files, "discover", broken)
    result = run(".")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "mdnorm: internal error: RuntimeError: walk failed; please report this as a bug"
    ]
    assert "Traceback" in run(".", "--verbose").stderr


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import mdnorm.files

    def interrupted(*args: object, **kw: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(mdnorm.files, "discover", interrupted)
    result = run(".")
    assert result.exit_code == 130
    assert result.stderr == "mdnorm: interrupted\n"


def test_exit_zero() -> None:
    write({"a.md": bad("a")})
    result = run("--exit-zero")
    assert result.exit_code == 0
    assert "HT001" in result.stdout


# --- the text report ----------------------------------------------------------------------------------


def test_output_sorted_by_path_then_line_with_fix_marks_and_summary() -> None:
    write({"b.md": bad("b"), "a.md": bad("a"), "sub/c.md": CLEAN})
    result = run()
    assert result.stdout.splitlines() == [
        "a.md:1:1: KD001 post has 2 headings but no table of contents ('* toc' + '{:toc}')",
        "a.md:7:1: HT001 insecure link to old.example.net: use https://" + UNSAFE,
        "a.md:7:25: WS001 [*] trailing whitespace",
        "a.md:13:1: HD001 heading level jumps from h1 to h3 (expected h2 or less)",
        "b.md:1:1: KD001 post has 2 headings but no table of contents ('* toc' + '{:toc}')",
        "b.md:7:1: HT001 insecure link to old.example.net: use https://" + UNSAFE,
        "b.md:7:25: WS001 [*] trailing whitespace",
        "b.md:13:1: HD001 heading level jumps from h1 to h3 (expected h2 or less)",
        "Found 8 problems in 2 files (2 fixable with --fix; 4 more fixable with --fix --unsafe-fixes).",
    ]


def test_summary_counts_unsafe_fixes_as_fixable_with_unsafe_fixes() -> None:
    write({"a.md": bad("a")})
    last = run("--unsafe-fixes").stdout.splitlines()[-1]
    assert last == "Found 4 problems in 1 file (3 fixable with --fix --unsafe-fixes)."


def test_quiet_prints_only_the_problems() -> None:
    write({"a.md": bad("a")})
    result = run("--quiet")
    assert result.exit_code == 1
    assert not any(line.startswith("Found") for line in result.stdout.splitlines())
    assert len(result.stdout.splitlines()) == 4
    write({"a.md": CLEAN})
    assert run("-q").stdout == ""


def test_statistics() -> None:
    write({"a.md": bad("a"), "b.md": bad("b"), "c.md": CLEAN + "x \n"})
    result = run("--statistics")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "     3  WS001  [*] trailing-whitespace",
        "     2  HD001      heading-increment",
        "     2  HT001      insecure-link",
        "     2  KD001      toc-marker",
    ]
    assert lines[-1].startswith("Found 9 problems in 3 files")


def test_statistics_on_a_clean_run() -> None:
    write({"a.md": CLEAN})
    result = run("--statistics")
    assert result.exit_code == 0
    assert "HT001" not in result.stdout


def test_stdin_with_stdin_filename() -> None:
    result = run("-", "--stdin-filename", "_posts/x.md", input=bad("x"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("_posts/x.md:1:1: KD001")
    assert result.stdout.splitlines()[-1].startswith("Found 4 problems in 1 file")


def test_stdin_without_a_name_is_called_dash() -> None:
    result = run("-", input=bad("x"))
    assert result.stdout.startswith("-:1:1: KD001")


def test_stdin_clean() -> None:
    result = run("-", input=CLEAN)
    assert result.exit_code == 0


def test_default_path_is_the_current_folder() -> None:
    write({"posts/a.md": bad("a")})
    assert run().stdout.startswith("posts/a.md:1:1:")


def test_a_path_named_like_a_subcommand_can_be_given_as_dot_slash() -> None:
    write({"rule/a.md": bad("a")})
    result = run("./rule")
    assert result.exit_code == 1
    assert result.stdout.startswith("rule/a.md:")


# --- rule selection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "HT001"], {"HT001"}),
        (["--select", "ht001"], {"HT001"}),
        (["--select", "HT,WS"], {"HT001", "WS001"}),
        (["--select", "HD,KD", "--extend-select", "WS001"], {"HD001", "KD001", "WS001"}),
        (["--select", "ALL", "--ignore", "KD,HD001"], {"HT001", "WS001"}),
        (["--ignore", "ALL"], set()),
        (["--ignore", "ALL", "--extend-select", "WS"], {"WS001"}),
        (["--select", "W"], {"WS001"}),
    ],
)
def test_select_ignore_extend_select(args: list[str], expected: set[str]) -> None:
    write({"a.md": bad("a")})
    result = run("--output-format", "json", *args)
    assert {d["code"] for d in json.loads(result.stdout)} == expected
    assert result.exit_code == (1 if expected else 0)


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_exits_2(option: str) -> None:
    write({"a.md": CLEAN})
    result = run(option, "HT001,XY123")
    assert result.exit_code == 2
    assert result.stderr == f"mdnorm: error: {option}: unknown rule code, prefix or name 'XY123'\n"


# --- configuration on the command line ------------------------------------------------------------------


def test_config_option() -> None:
    write({"a.md": bad("a"), "conf/mdnorm.toml": 'select = ["HD"]\n'})
    result = run("--config", "conf/mdnorm.toml", "--output-format", "json")
    assert {d["code"] for d in json.loads(result.stdout)} == {"HD001"}


def test_config_error_exits_2_naming_key_and_file() -> None:
    write({"a.md": CLEAN, ".mdnorm.toml": "unknown-thing = 1\n"})
    result = run()
    assert result.exit_code == 2
    assert "unknown key 'unknown-thing'" in result.stderr
    assert ".mdnorm.toml" in result.stderr


# --- other formats through the CLI ---------------------------------------------------------------------


def test_json_format() -> None:
    write({"a.md": bad("a")})
    result = run("--output-format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data] == [
        ("a.md", 1, 1, "KD001"),
        ("a.md", 7, 1, "HT001"),
        ("a.md", 7, 25, "WS001"),
        ("a.md", 13, 1, "HD001"),
    ]
    for d in data:
        assert set(d) >= {"path", "line", "column", "code", "name", "message", "fix"}
        assert d["name"] == RULES[d["code"]].name
        fix = d["fix"]
        assert fix is None or (fix["applicability"] in ("safe", "unsafe") and isinstance(fix["edits"], list))
    ws = data[2]["fix"]
    assert ws["applicability"] == "safe"
    assert ws["edits"] and set(ws["edits"][0]) == {"start", "end", "replacement", "location", "end_location"}
    text = Path("a.md").read_text()
    edit = ws["edits"][0]
    assert text[edit["start"] : edit["end"]] == " "


def test_json_clean_run_is_an_empty_array() -> None:
    write({"a.md": CLEAN})
    result = run("--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_github_format() -> None:
    write({"a,b.md": bad("a")})
    result = run("--output-format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[1] == (
        "::error file=a%2Cb.md,line=7,col=1,title=mdnorm HT001::HT001 insecure link to old.example.net: use https://"
        + UNSAFE
    )


def test_sarif_format() -> None:
    write({"a.md": bad("a")})
    result = run("--output-format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["KD001", "HT001", "WS001", "HD001"]


def test_junit_format_lists_clean_files_too() -> None:
    import xml.etree.ElementTree as ET

    write({"a.md": bad("a"), "b.md": CLEAN})
    result = run("--output-format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    cases = {c.get("name"): len(c.findall("failure")) for c in root.iter("testcase")}
    assert cases == {"a.md": 4, "b.md": 0}


# --- color ----------------------------------------------------------------------------------------------


def test_no_ansi_when_stdout_is_not_a_terminal() -> None:
    write({"a.md": bad("a")})
    assert not ANSI.search(run().stdout)


def test_color_decision() -> None:
    import io

    from mdnorm.commands.check import use_color

    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_color("auto", "full", TTY(), {}) is True
    assert use_color("auto", "concise", io.StringIO(), {}) is False
    assert use_color("never", "full", TTY(), {}) is False
    assert use_color("always", "concise", io.StringIO(), {}) is True
    assert use_color("always", "json", TTY(), {}) is False  # never ANSI inside JSON
    assert use_color("auto", "json", TTY(), {}) is False
    assert use_color("auto", "full", TTY(), {"NO_COLOR": "1"}) is False
    assert use_color("auto", "full", TTY(), {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value
    assert use_color("auto", "full", TTY(), {"TERM": "dumb"}) is False
    assert use_color("auto", "full", io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert use_color("auto", "full", io.StringIO(), {"FORCE_COLOR": "1", "NO_COLOR": "1"}) is True
    assert use_color("never", "full", io.StringIO(), {"FORCE_COLOR": "1"}) is False


def test_color_option_and_force_color_env() -> None:
    write({"a.md": bad("a")})
    assert ANSI.search(run("--color", "always").stdout)
    assert ANSI.search(run(env={"FORCE_COLOR": "1"}).stdout)
    assert not ANSI.search(run("--color", "never", env={"FORCE_COLOR": "1"}).stdout)
    assert not ANSI.search(run("--no-color", env={"FORCE_COLOR": "1"}).stdout)


def test_diff_is_coloured_when_asked() -> None:
    write({"a.md": bad("a")})
    plain = run("--diff").stdout
    colored = run("--diff", "--color", "always").stdout
    assert not ANSI.search(plain)
    assert "\x1b[31m-http://old.example.net/a \x1b[0m" in colored
    assert "\x1b[32m+http://old.example.net/a\x1b[0m" in colored
    assert ANSI.sub("", colored).replace("[0m", "").replace("[1m", "") != ""


# --- version, rules ---------------------------------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"mdnorm {__version__}\n"


def test_help_shows_the_check_options_and_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--fix", "--select", "--statistics", "--output-format", "--show-fixes", "--force-exclude"):
        assert option in result.stdout
        assert option in run("check", "--help").stdout
    for command in ("rule", "rules", "links", "site", "clean"):
        assert f"\n  {command} " in result.stdout
    assert result.stdout.count("--help") == 1


def test_rules_lists_every_rule() -> None:
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(RULES)
    for line in lines:
        code, name = line.split()[:2]
        assert name == RULES[code].name


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_prints_the_docs_as_markdown(code: str) -> None:
    result = run("rule", code.lower())
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# {code}: {RULES[code].name}\n")
    assert f"Fix safety: {RULES[code].fix}." in result.stdout
    assert "``" not in result.stdout.replace("```", "") and "::\n" not in result.stdout  # no reStructuredText
    assert run("rule", RULES[code].name).stdout == result.stdout  # by name too


def test_every_rule_doc_has_the_sections_users_read() -> None:
    for code, rule in RULES.items():
        doc = rule.doc
        assert "What it does" in doc or code == "IO001", code
        assert "Fix" in doc, code


def test_rule_unknown_code_exits_2() -> None:
    result = run("rule", "XY999")
    assert result.exit_code == 2
    assert "XY999" in result.stderr


def test_rule_without_a_code_exits_2() -> None:
    assert run("rule").exit_code == 2


# --- hostile file names and values (terminal and CI log integrity) ----------------------------------

FORGING_NAME = "b\n::error file=_config.yml,line=1::Injected annotation\n::stop-commands::deadbeef\n.md"


def _non_utf8_name(stem: bytes) -> str:
    """A file name holding a byte that is not UTF-8, as Python sees it (``os.fsdecode``)."""
    name = os.fsdecode(stem + b"\xff.md")
    try:
        Path(name).write_text(bad("x"), encoding="utf-8")
    except (OSError, UnicodeEncodeError):  # pragma: no cover - file systems that insist on UTF-8
        pytest.skip("this file system refuses non-UTF-8 names")
    return name


def test_escape_sequences_in_a_yaml_value_never_reach_the_terminal() -> None:
    write({"_layouts/post.html": "", "a.md": CLEAN.replace("layout: post", 'layout: "\\e[2J\\e[H\\e[32mok\\e[8m"')})
    result = run("--no-color", "a.md")
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "unknown layout '\\x1b[2J\\x1b[H\\x1b[32mok\\x1b[8m'" in result.stdout


@pytest.mark.parametrize(
    "args",
    [(), ("--statistics",), ("--check",), ("--diff",), ("--output-format", "github"), ("--output-format", "junit")],
)
def test_a_file_name_with_newlines_forges_no_ci_line(args: tuple[str, ...]) -> None:
    write({FORGING_NAME: bad("x")})
    result = run("--no-color", *args, ".")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("::") and not line.startswith("::error file=b")] == []
    if not args or "--check" in args or "--diff" in args:
        shown = "b\\n::error file=_config.yml,line=1::Injected annotation\\n::stop-commands::deadbeef\\n.md"
        assert shown in result.stdout


def test_error_lines_on_stderr_are_escaped_too() -> None:
    result = run("nope\n::error::forged\x1b[2J.md")
    assert result.exit_code == 2
    assert result.stderr == "mdnorm: error: nope\\n::error::forged\\x1b[2J.md: no such file or directory\n"


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_a_non_utf8_file_name_is_reported_in_every_format(fmt: str) -> None:
    name = _non_utf8_name(b"c")
    result = run("--no-color", "--no-cache", "--output-format", fmt, ".")
    assert result.exit_code == 1, result.output
    out = result.stdout
    if fmt == "json":
        assert {d["path"] for d in json.loads(out)} == {name}  # lossless: os.fsencode gives the real bytes
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"c%FF.md"}
    else:
        assert "c\\xff.md" in out


@pytest.mark.parametrize("args", [("--check",), ("--diff",), ("--statistics",), ("--fix",)])
def test_a_non_utf8_file_name_in_the_other_modes(args: tuple[str, ...]) -> None:
    _non_utf8_name(b"d")
    result = run("--no-color", "--no-cache", *args, ".")
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output


# --- paths the system refuses: exit 2 with one line, never exit 3 -----------------------------------


def test_a_path_name_too_long_exits_2_with_the_reason() -> None:
    long = "p" * 5000 + ".md"
    for args in ((long,), ("links", long)):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr == f"mdnorm: error: {long}: File name too long\n"


def test_a_folder_named_on_the_command_line_that_cannot_be_listed_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    write({"posts/a.md": CLEAN})
    real_scandir = os.scandir

    def refused(path: str = ".") -> object:
        if os.fspath(path) == "posts":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refused)
    result = run("posts")
    assert result.exit_code == 2, result.output
    assert result.stderr == "mdnorm: error: posts: cannot list folder: Permission denied\n"


def test_links_internal_error_is_one_line_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    import mdnorm.links_report

    def broken(*args: object) -> list[object]:
        raise RuntimeError("index failed")

    monkeypatch.setattr(mdnorm.links_report, "collect", broken)
    write({"a.md": CLEAN})
    result = run("links", ".")
    assert result.exit_code == 3
    assert result.stderr == "mdnorm: internal error: RuntimeError: index failed; please report this as a bug\n"


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_a_stdout_that_is_not_utf8_takes_every_name(fmt: str) -> None:
    """Machine formats are written as UTF-8 (their specs say so); text escapes what ASCII lacks."""
    import subprocess
    import sys

    write({"é.md": bad("x")})
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mdnorm", "--no-cache", "--output-format", fmt, "é.md"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("utf-8")
    if fmt == "json":
        assert {d["path"] for d in json.loads(out)} == {"é.md"}
    else:
        assert ("\\xe9.md:" if fmt == "text" else 'name="é.md"') in out


# --- issue 13: the surface a ruff or markdownlint user expects ------------------------------------------


def test_fix_summary_show_fixes_and_no_fixed_zero_line() -> None:
    write({"a.md": bad("a")})
    result = run("--fix", "--show-fixes")
    assert result.exit_code == 1
    out = result.stdout
    assert "Fixed 0" not in out
    assert "Fixed 1 problem:\n- a.md:\n    1 × WS001 (trailing-whitespace)\n" in out
    assert out.splitlines()[-1] == "Found 4 problems (1 fixed, 3 remaining; 2 fixable with --fix --unsafe-fixes)."
    assert run("--fix").stdout.splitlines()[-1] == "Found 3 problems in 1 file (2 fixable with --fix --unsafe-fixes)."


def test_full_format_shows_the_line_a_marker_and_the_fix() -> None:
    write({"a.md": bad("a")})
    out = run("--output-format", "full").stdout
    assert "a.md:7:25: WS001 [*] trailing whitespace\n  |\n7 | http://old.example.net/a\n  |" in out
    assert "  |                         ^ WS001\n" in out
    assert "  = help: remove ` `; a safe fix: --fix\n" in out
    assert "= help: replace `http` with `https`; an unsafe fix: --fix --unsafe-fixes" in out


def test_concise_is_the_default_off_a_terminal_and_text_its_old_name() -> None:
    write({"a.md": bad("a")})
    assert run().stdout == run("--output-format", "concise").stdout == run("--output-format", "text").stdout


def test_statistics_json_and_the_fixable_mark_only_when_all_are() -> None:
    write({"a.md": bad("a")})
    rows = json.loads(run("--statistics", "--output-format", "json").stdout)
    assert {r["code"]: (r["count"], r["fixable_count"]) for r in rows}["WS001"] == (1, 1)
    assert set(rows[0]) == {"code", "name", "count", "fixable_count", "url"}
    assert "HT001      insecure-link" in run("--statistics").stdout  # an unsafe fix: no [*]


def test_json_has_ends_edit_locations_and_urls() -> None:
    write({"a.md": bad("a")})
    ws = json.loads(run("--output-format", "json").stdout)[2]
    assert (ws["end_line"], ws["end_column"]) == (7, 26)
    assert ws["fix"]["edits"][0]["location"] == {"line": 7, "column": 25}
    assert ws["url"].endswith("/docs/rules/WS001.md")


def test_gitlab_and_sarif_help_uri() -> None:
    write({"a.md": bad("a")})
    issues = json.loads(run("--output-format", "gitlab").stdout)
    assert issues[0]["check_name"] == "KD001" and issues[0]["location"]["lines"]["begin"] == 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    sarif = json.loads(run("--output-format", "sarif").stdout)
    assert all(r["helpUri"].endswith(f"{r['id']}.md") for r in sarif["runs"][0]["tool"]["driver"]["rules"])


def test_a_named_folder_without_posts_exits_2_and_select_nothing_too() -> None:
    write({"a.md": CLEAN})
    os.mkdir("empty")
    result = run("empty")
    assert result.exit_code == 2
    assert result.stderr.startswith("mdnorm: error: empty: no file to check")
    assert run().exit_code == 0  # the default '.' is not "named"
    result = run("--select", "", "a.md")
    assert result.exit_code == 2 and "--select: no rule selected" in result.stderr


def test_force_exclude_applies_the_excludes_to_named_files() -> None:
    files = {
        ".mdnorm.toml": 'extend-exclude = ["_drafts"]\n',
        "_drafts/wip.md": bad("w"),
        "_posts/2020-1-1-a.md": CLEAN,
    }
    write(files)
    assert run("_drafts/wip.md").exit_code == 1  # named: checked, as ruff does
    result = run("--force-exclude", "_drafts/wip.md", "_posts/2020-1-1-a.md")
    assert result.exit_code == 0, result.output


def test_rules_by_name_everywhere() -> None:
    write({"a.md": bad("a")})
    assert {line.split()[1] for line in run("--select", "insecure-link").stdout.splitlines()[:-1]} == {"HT001"}
    assert run("rule", "insecure-link").stdout == run("rule", "HT001").stdout
    write({"a.md": bad("a").replace("http://old", "<!-- mdnorm-disable-next-line insecure-link -->\nhttp://old")})
    assert "HT001" not in run().stdout


def test_rule_all_as_json() -> None:
    data = json.loads(run("rule", "--all", "--output-format", "json").stdout)
    assert [d["code"] for d in data] == sorted(RULES)
    assert all(d["explanation"].startswith(f"# {d['code']}: ") for d in data)
    assert run("rule", "--all", "LE001").exit_code == 2


def test_rule_docs_pages_are_in_sync() -> None:
    """``docs/rules/CODE.md`` are generated: ``python -m mdnorm.ruledoc docs/rules`` after a docstring change."""
    from mdnorm.ruledoc import page

    folder = Path(__file__).resolve().parents[1] / "docs" / "rules"
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(RULES)
    for code, rule in RULES.items():
        assert (folder / f"{code}.md").read_text(encoding="utf-8") == page(rule), code


def test_suppressions_unknown_unused_and_same_line() -> None:
    head = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
    write(
        {
            "a.md": head + "http://x.example.net/ <!-- mdnorm-disable-line HT001 -->\n\nT\n\n"
            "<!-- mdnorm-disable-next-line HT0O1 -->\ntext\n\n<!-- mdnorm-disable-next-line WS001 -->\nclean\n"
        }
    )
    lines = run("--select", "HT,WS,SU").stdout.splitlines()
    assert lines[:2] == [
        "a.md:11:1: SU001 unknown rule 'HT0O1' in suppression comment",
        "a.md:14:1: SU001 [*] unused suppression (WS001: no such problem here)",
    ]
    assert run("--fix", "--select", "HT,WS,SU").exit_code == 1
    assert "WS001" not in Path("a.md").read_text() and "HT0O1" in Path("a.md").read_text()


def test_clean_removes_the_projects_cache(tmp_path: Path) -> None:
    write({"a.md": CLEAN})
    cache = tmp_path / "cache"
    run("--cache-dir", str(cache))
    assert list(cache.iterdir())
    (cache / "mine.txt").write_text("kept")
    result = run("clean", "--cache-dir", str(cache))
    assert result.exit_code == 0 and result.stdout.startswith("Removed ")
    assert [p.name for p in cache.iterdir()] == ["mine.txt"]  # only what mdnorm wrote goes
    assert run("clean", "--cache-dir", str(cache)).stdout.startswith("No cache at ")


def test_utf16_file_and_config_key_suggestion() -> None:
    Path("u.md").write_bytes(CLEAN.encode("utf-16"))
    assert "UTF-16, not UTF-8" in run("u.md").stdout
    write({".mdnorm.toml": 'selct = ["HT"]\n', "a.md": CLEAN})
    result = run("a.md")
    assert result.exit_code == 2 and "did you mean 'select'?" in result.stderr


def test_links_filters_sort_and_limit() -> None:
    write(
        {
            "a.md": CLEAN
            + "\nhttp://one.example.net/a\n\nA\n\nhttps://two.example.net/b\n\nB\n\nhttps://two.example.net/c\n\nC\n"
        }
    )
    rows = json.loads(run("links", "--output-format", "json").stdout)["hosts"]
    assert [r["host"] for r in rows] == ["two.example.net", "one.example.net"]
    rows = json.loads(run("links", "--http-only", "--output-format", "json").stdout)["hosts"]
    assert [r["host"] for r in rows] == ["one.example.net"]
    rows = json.loads(run("links", "--sort", "http", "--limit", "1", "--output-format", "json").stdout)["hosts"]
    assert [r["host"] for r in rows] == ["one.example.net"]
    assert "1 more hosts not shown" in run("links", "--limit", "1").stdout


def test_every_subcommand_goes_through_the_one_error_handler() -> None:
    write({".mdnorm.toml": "select = 3\n", "a.md": CLEAN})
    for args in (["a.md"], ["links", "."], ["clean"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("mdnorm: error: ") and len(result.stderr.splitlines()) == 1, args
