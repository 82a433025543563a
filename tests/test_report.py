"""Reporters (text, json, github, sarif, junit) and the progress line, on synthetic diagnostics."""

from __future__ import annotations

import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from mdnorm import report
from mdnorm.diagnostic import Diagnostic, Edit, Fix
from mdnorm.report import Summary, progress
from mdnorm.report.progress import Progress
from mdnorm.rules import RULES

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

DIAGS = [
    Diagnostic("_posts/a.md", 4, 13, "FM004", "trailing whitespace in front matter", Fix.safe(Edit(40, 41, ""))),
    Diagnostic("_posts/a.md", 88, 1, "LE001", "URL line has no title: it is followed by a heading"),
    Diagnostic(
        "_posts/b c.md",
        174,
        1,
        "HT001",
        "insecure link to mp.weixin.qq.com: use https://",
        Fix.unsafe(Edit(900, 904, "https")),
    ),
]


def render(fmt: str, diags: list[Diagnostic] = DIAGS, **kw: object) -> str:
    summary = Summary(2, **kw)  # type: ignore[arg-type]
    return report.get(fmt)(diags, summary)


def test_every_format_has_a_module() -> None:
    for fmt in report.FORMATS:
        assert callable(report.get(fmt))


# --- text -------------------------------------------------------------------------------------------


def test_text_lines_and_fix_marks() -> None:
    assert render("text").splitlines() == [
        "_posts/a.md:4:13: FM004 [*] trailing whitespace in front matter",
        "_posts/a.md:88:1: LE001 URL line has no title: it is followed by a heading",
        "_posts/b c.md:174:1: HT001 insecure link to mp.weixin.qq.com: use https://",
    ]


def test_text_marks_unsafe_fixes_with_unsafe_fixes_on() -> None:
    assert "HT001 [*]" in render("text", unsafe_fixes=True)


def test_text_without_fix_marks_after_a_fix_run() -> None:
    assert "[*]" not in render("text", show_fixes=False)


def test_text_color_only_when_asked() -> None:
    assert "\x1b[" not in render("text")
    colored = render("text", color=True)
    assert "\x1b[" in colored
    assert colored.count("\n") == 3


def test_summary_line() -> None:
    from mdnorm.report.text import summary_line

    assert summary_line([]) == "All checks passed!"
    assert summary_line(DIAGS) == (
        "Found 3 problems in 2 files (1 fixable with --fix; 1 more fixable with --fix --unsafe-fixes)."
    )
    assert summary_line(DIAGS[:1]) == "Found 1 problem in 1 file (1 fixable with --fix)."
    assert summary_line(DIAGS[1:2]) == "Found 1 problem in 1 file."
    assert summary_line(DIAGS, unsafe=True) == "Found 3 problems in 2 files (2 fixable with --fix --unsafe-fixes)."


# --- json -------------------------------------------------------------------------------------------


def test_json_objects() -> None:
    data = json.loads(render("json"))
    assert isinstance(data, list) and len(data) == 3
    first, second, third = data
    assert first == {
        "path": "_posts/a.md",
        "line": 4,
        "column": 13,
        "code": "FM004",
        "name": "front-matter-whitespace",
        "end_line": 4,
        "end_column": 13,
        "message": "trailing whitespace in front matter",
        "fix": {"applicability": "safe", "edits": [{"start": 40, "end": 41, "replacement": ""}]},
        "url": "https://github.com/mdnorm/mdnorm/blob/main/docs/rules/FM004.md",
    }
    assert second["fix"] is None
    assert third["fix"]["applicability"] == "unsafe"
    assert third["name"] == "insecure-link"


def test_json_empty_is_an_empty_array() -> None:
    assert json.loads(render("json", [])) == []


def test_json_keeps_non_ascii() -> None:
    d = Diagnostic("文章.md", 1, 1, "FM001", "no front matter: 深度学习")
    out = render("json", [d])
    assert "深度学习" in out
    assert json.loads(out)[0]["path"] == "文章.md"


# --- github -----------------------------------------------------------------------------------------


def test_github_workflow_commands() -> None:
    lines = render("github").splitlines()
    assert lines[0] == (
        "::error file=_posts/a.md,line=4,col=13,title=mdnorm FM004::FM004 trailing whitespace in front matter"
    )
    assert all(line.startswith("::error file=") for line in lines)
    assert len(lines) == 3


def test_github_escaping() -> None:
    d = Diagnostic("dir,with:odd%chars.md", 2, 3, "LE001", "100% sure\nsecond line\r, with: colon")
    (line,) = render("github", [d]).splitlines()
    props, message = line[len("::error ") :].split("::", 1)
    assert props == "file=dir%2Cwith%3Aodd%25chars.md,line=2,col=3,title=mdnorm LE001"
    # in the message only %, CR and LF are escaped
    assert message == "LE001 100%25 sure%0Asecond line%0D, with: colon"


def test_github_empty() -> None:
    assert render("github", []) == ""


# --- sarif ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_2_1_0_schema(sarif_validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render("sarif"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_sarif_without_results_is_valid(sarif_validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render("sarif", []))
    assert list(sarif_validator.iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


def test_the_schema_rejects_a_broken_log(sarif_validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render("sarif"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del log["runs"][0]["results"][1]["message"]
    assert len(list(sarif_validator.iter_errors(log))) == 2


def test_sarif_has_one_rule_entry_per_code_with_its_docs() -> None:
    rules = json.loads(render("sarif"))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for entry in rules:
        rule = RULES[entry["id"]]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"] == rule.doc
        assert "What it does" in entry["fullDescription"]["text"] or entry["id"] == "IO001"


def test_sarif_results_point_at_rules_and_places() -> None:
    run = json.loads(render("sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["FM004", "LE001", "HT001"]
    for result, diag in zip(results, DIAGS, strict=True):
        assert rules[result["ruleIndex"]]["id"] == diag.code
        assert result["message"]["text"] == diag.message
        location = result["locations"][0]["physicalLocation"]
        assert location["region"] == {"startLine": diag.line, "startColumn": diag.column}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "_posts/a.md"
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "_posts/b%20c.md"


def test_sarif_fixes() -> None:
    results = json.loads(render("sarif"))["runs"][0]["results"]
    (fix,) = results[0]["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["replacements"] == [
        {"deletedRegion": {"charOffset": 40, "charLength": 1}, "insertedContent": {"text": ""}}
    ]
    assert fix["properties"]["applicability"] == "safe"
    assert "fixes" not in results[1]
    assert results[2]["fixes"][0]["properties"]["applicability"] == "unsafe"


def test_sarif_absolute_paths_become_file_uris(tmp_path: Path, sarif_validator: jsonschema.Draft7Validator) -> None:
    d = Diagnostic(str(tmp_path / "a b.md"), 1, 1, "FM001", "no front matter")
    log = json.loads(render("sarif", [d]))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/a%20b.md")
    assert list(sarif_validator.iter_errors(log)) == []


# --- junit ------------------------------------------------------------------------------------------


def test_junit_one_suite_one_case_per_file_one_failure_per_problem() -> None:
    xml = render("junit", DIAGS, paths=("_posts/a.md", "_posts/b c.md", "_posts/clean.md"))
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "2"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["_posts/a.md", "_posts/b c.md", "_posts/clean.md"]
    failures = cases["_posts/a.md"].findall("failure")
    assert [f.get("type") for f in failures] == ["FM004", "LE001"]
    assert failures[0].get("message") == "4:13: FM004 trailing whitespace in front matter"
    assert failures[0].text == "_posts/a.md:4:13: FM004 trailing whitespace in front matter"
    assert cases["_posts/clean.md"].findall("failure") == []


def test_junit_without_paths_uses_the_diagnostics() -> None:
    root = ET.fromstring(render("junit"))
    assert [c.get("name") for c in root.iter("testcase")] == ["_posts/a.md", "_posts/b c.md"]


def test_junit_escapes_characters_xml_cannot_hold() -> None:
    d = Diagnostic("a&b<c>.md", 1, 1, "LE001", 'quote " and \x0c form feed & <tag>')
    root = ET.fromstring(render("junit", [d]))
    failure = next(root.iter("failure"))
    assert failure.get("message") == '1:1: LE001 quote " and \\x0c form feed & <tag>'
    assert next(root.iter("testcase")).get("name") == "a&b<c>.md"


def test_junit_empty_run() -> None:
    root = ET.fromstring(render("junit", []))
    assert root.find("testsuite") is not None
    assert root.find("testsuite").get("tests") == "0"  # type: ignore[union-attr]


# --- progress line ----------------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("total", "tty", "env", "expected"),
    [
        (51, True, {}, True),
        (50, True, {}, False),
        (5000, False, {}, False),
        (5000, True, {"CI": "true"}, False),
        (5000, True, {"CI": "1"}, False),
        (5000, True, {"CI": "false"}, True),
        (5000, True, {"CI": ""}, True),
        (5000, True, {"TERM": "dumb"}, False),
    ],
)
def test_progress_is_wanted_only_on_a_terminal_for_long_runs(
    total: int, tty: bool, env: dict[str, str], expected: bool
) -> None:
    assert progress.wanted(total, FakeTTY(tty), env) is expected


def test_progress_for_run_is_none_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert Progress.for_run(1000, FakeTTY(False)) is None
    assert Progress.for_run(1000, FakeTTY(True)) is not None


def test_progress_draws_in_place_and_erases_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 24): os.terminal_size((40, 24)))
    now = [0.0]
    stream = FakeTTY()
    bar = Progress(100, stream, clock=lambda: now[0])
    bar.advance("a.md")
    first = stream.getvalue()
    assert first.startswith("\r[  1/100] a.md")
    assert len(first) == 1 + 39
    bar.advance("b.md")  # within 0.1 s: not redrawn
    assert stream.getvalue() == first
    now[0] = 1.0
    bar.advance("c" * 100 + ".md")  # too long: cut to the terminal's width
    last = stream.getvalue()[len(first) :]
    assert last.startswith("\r[  3/100] ccc") and last.endswith("…") and len(last) == 40
    bar.close()
    assert stream.getvalue().endswith("\r" + " " * 39 + "\r")
    assert "\x1b" not in stream.getvalue()


def test_progress_draws_the_last_file_even_when_throttled() -> None:
    stream = FakeTTY()
    bar = Progress(2, stream, clock=lambda: 0.0)
    bar.advance("a.md")
    bar.advance("b.md")
    assert "[2/2] b.md" in stream.getvalue()


def test_progress_close_without_drawing_writes_nothing() -> None:
    stream = FakeTTY()
    Progress(100, stream).close()
    assert stream.getvalue() == ""


# --- hostile paths and messages ---------------------------------------------------------------------

# a file name that forges workflow commands, a YAML value that clears the screen,
# a right-to-left override, and a byte that is not UTF-8 (as os.fsdecode gives it)
FORGED = "_posts/b\n::error file=_config.yml,line=1::Injected\n::stop-commands::x\n.md"
CLEARS = "unknown layout '\x1b[2J\x1b[H\x1b[32mAll checks passed!\x1b[0m\x1b[8m'"
HOSTILE = [
    Diagnostic(FORGED, 7, 3, "WS001", "trailing whitespace", Fix.safe(Edit(1, 2, ""))),
    Diagnostic("_posts/a.md", 2, 1, "FM005", CLEARS),
    Diagnostic("_posts/x\u202egpj.md", 1, 1, "FM001", "no front matter \u0085 \u009b31m"),
    Diagnostic(os.fsdecode(b"_posts/c\xff.md"), 1, 1, "FM001", "no front matter"),
]


def test_printable_escapes_what_a_terminal_or_log_reader_acts_on() -> None:
    from mdnorm.report import printable

    assert printable("a\nb\r\tc\x1b[2J\x00\x7f") == "a\\nb\\r\\tc\\x1b[2J\\x00\\x7f"
    assert printable("\u0085\u009b \u202e\u2066\u200f \u2028") == "\\x85\\x9b \\u202e\\u2066\\u200f \\u2028"
    assert printable(os.fsdecode(b"c\xff\xfe.md")) == "c\\xff\\xfe.md"  # the file's real bytes
    assert printable("深度学习 café C:\\posts\\a.md 😀") == "深度学习 café C:\\posts\\a.md 😀"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_line_formats_print_each_diagnostic_on_one_safe_line(fmt: str) -> None:
    out = render(fmt, HOSTILE)
    assert len(out.splitlines()) == len(HOSTILE)
    own = "::error file=" if fmt == "github" else "_posts/"
    assert all(line.startswith(own) for line in out.splitlines())  # nothing forged
    for bad in ("\x1b", "\x85", "\x9b", "\u202e", "\r"):
        assert bad not in out
    out.encode("utf-8")  # no lone surrogate: every UTF-8 stream takes it
    assert "c\\xff.md" in out


def test_text_shows_escapes_in_place_of_the_characters() -> None:
    lines = render("text", HOSTILE).splitlines()
    assert lines[0].startswith("_posts/b\\n::error file=_config.yml,line=1::Injected\\n::stop-commands::x\\n.md:7:3:")
    assert lines[1].endswith("unknown layout '\\x1b[2J\\x1b[H\\x1b[32mAll checks passed!\\x1b[0m\\x1b[8m'")
    assert lines[2].startswith("_posts/x\\u202egpj.md:1:1: FM001 no front matter \\x85 \\x9b31m")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_carry_the_real_names_losslessly(fmt: str, sarif_validator: jsonschema.Draft7Validator) -> None:
    out = render(fmt, HOSTILE)
    out.encode("utf-8")
    for bad in ("\x1b", "\x85", "\x9b", "\u202e"):
        assert bad not in out  # escaped as \uXXXX: safe to cat
    data = json.loads(out)
    if fmt == "json":
        assert [d["path"] for d in data] == [d.path for d in HOSTILE]
        assert [d["message"] for d in data] == [d.message for d in HOSTILE]
    else:
        assert list(sarif_validator.iter_errors(data)) == []
        results = data["runs"][0]["results"]
        assert [r["message"]["text"] for r in results] == [d.message for d in HOSTILE]
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
        assert uris[3] == "_posts/c%FF.md"  # the byte itself, percent-encoded
        assert uris[0].startswith("_posts/b%0A%3A%3Aerror%20file%3D_config.yml%2Cline%3D1%3A%3AInjected%0A")


def test_junit_stays_valid_xml_with_escaped_names() -> None:
    out = render("junit", HOSTILE, paths=tuple(d.path for d in HOSTILE))
    out.encode("utf-8")
    root = ET.fromstring(out)
    names = [c.get("name") for c in root.iter("testcase")]
    assert names[3] == "_posts/c\\xff.md"
    assert names[0] == "_posts/b\\n::error file=_config.yml,line=1::Injected\\n::stop-commands::x\\n.md"
    assert "\\x1b[2J" in (list(root.iter("failure"))[1].get("message") or "")


def test_progress_line_escapes_the_path() -> None:
    stream = FakeTTY()
    bar = Progress(2, stream, clock=lambda: 0.0)
    bar.advance("a\x1b[2J\n::error::x.md")
    assert "\x1b" not in stream.getvalue() and "\n" not in stream.getvalue()
    assert "a\\x1b[2J\\n::error::x.md" in stream.getvalue()
