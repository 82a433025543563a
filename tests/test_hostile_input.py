"""Hostile and broken input: every bad file is one clear line, never a crash.

For each kind of bad file the CLI must name the file in one line with a rule code,
exit with the documented code, print no traceback, leave the file's bytes alone
under ``--fix`` and still process the other files of the run (here ``ok.md``,
whose trailing spaces ``--fix`` must still remove).  The second half checks that
Markdown built to hit quadratic paths in the parser stays linear: each input is
timed (CPU time, best of three) at two sizes and only the *ratio* is compared,
never an absolute time; these timings are marked ``slow``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support import GROWTH, LINEAR_LIMIT, best_time

from mdnorm.cli import main
from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.fixer import fix_document
from mdnorm.linter import lint_document
from mdnorm.rules import Context

FM = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n"
OK_POST = FM + "* toc\n{:toc}\n\n# A\n\n## B\n\ntext   \n"
OK_FIXED = OK_POST.replace("text   \n", "text\n")

# A PNG header followed by binary data, as a picture renamed to .md would start.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _big_yaml() -> str:
    return "".join(f"key{i}: {'v' * 40}\n" for i in range(22_000))  # ~1 MB


# name, content, the code the file's one line must carry, a fragment of its message,
# and whether --fix may change the file (only the line-ending/BOM cases may).
BAD_INPUTS: list[tuple[str, bytes, str, str, bool]] = [
    ("latin1", (FM + "café crème\n").encode("latin-1"), "IO001", "not UTF-8", False),
    ("gbk", (FM + "深度学习模型\n").encode("gbk"), "IO001", "not UTF-8", False),
    ("png", PNG, "IO001", "binary", False),
    ("nul", (FM + "a\x00b\n").encode(), "IO001", "binary", False),
    ("empty", b"", "FM001", "no front matter", False),
    ("only-bom", b"\xef\xbb\xbf", "WS004", "byte order mark", True),
    ("crlf", OK_FIXED.replace("\n", "\r\n").encode(), "WS004", "CRLF", True),
    ("cr-only", OK_FIXED.replace("\n", "\r").encode(), "WS004", "CR line endings", True),
    ("mixed", OK_FIXED.replace("\n", "\r\n", 3).replace("\n", "\r", 2).encode(), "WS004", "mixed", True),
    ("fm-unclosed", b"---\nlayout: post\ntitle: T\n\ntext\n", "FM002", "not closed", False),
    ("fm-list", b"---\n- a\n- b\n---\n\ntext\n", "FM002", "list", False),
    ("fm-scalar", b"---\njust words\n---\n\ntext\n", "FM002", "not a mapping", False),
    (
        "fm-duplicate",
        b"---\nlayout: post\nlayout: page\ntitle: T\ncategory: C\n---\n\ntext\n",
        "FM002",
        "duplicate",
        False,
    ),
    ("fm-tabs", b"---\nlayout: post\n\ttitle: T\ncategory: C\n---\n\ntext\n", "FM002", "tab", False),
    ("fm-bomb", ("---\n" + _billion_laughs(9) + "---\n\ntext\n").encode(), "FM002", "aliases expand", False),
    ("fm-self-alias", b"---\nlayout: post\na: &a [1, *a]\n---\n\ntext\n", "FM002", "refers to itself", False),
    ("fm-too-deep", ("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n\ntext\n").encode(), "FM002", "", False),
]


@pytest.mark.parametrize(("name", "content", "code", "fragment", "fixable"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_line_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes, code: str, fragment: str, fixable: bool
) -> None:
    bad = tmp_path / f"{name}.md"
    bad.write_bytes(content)
    (tmp_path / "ok.md").write_text(OK_POST, encoding="utf-8")

    lint = run(tmp_path, monkeypatch, "--no-color", ".")
    assert lint.exit_code == 1, lint.output
    assert "Traceback" not in lint.output
    mine = [ln for ln in lint.stdout.splitlines() if ln.startswith(f"{name}.md:")]
    assert any(f" {code} " in ln and fragment in ln for ln in mine), lint.output
    assert "ok.md:14:5: WS001" in lint.stdout  # the other file was still checked

    fixed = run(tmp_path, monkeypatch, "--no-color", "--fix", ".")
    assert "Traceback" not in fixed.output
    assert fixed.exit_code in (0, 1), fixed.output
    assert (tmp_path / "ok.md").read_text(encoding="utf-8") == OK_FIXED
    if fixable:
        assert b"\r" not in bad.read_bytes() and not bad.read_bytes().startswith(b"\xef\xbb\xbf")
    else:
        assert bad.read_bytes() == content


def test_line_endings_are_fixed_without_losing_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CRLF, CR-only and mixed endings all come back as the same LF text."""
    for name, nl in (("crlf", "\r\n"), ("cr", "\r")):
        (tmp_path / f"{name}.md").write_bytes(OK_FIXED.replace("\n", nl).encode())
    result = run(tmp_path, monkeypatch, "--fix", ".")
    assert result.exit_code == 0, result.output
    for name in ("crlf", "cr"):
        assert (tmp_path / f"{name}.md").read_text(encoding="utf-8") == OK_FIXED


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:builtins.open ['{marker}', 'w']",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    ],
)
def test_yaml_tags_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str) -> None:
    """The safe loader refuses Python tags: the file the tag would create never appears."""
    marker = tmp_path / "PWNED"
    post = "---\nlayout: post\nx: " + tag.format(marker=marker) + "\n---\n\ntext\n"
    (tmp_path / "p.md").write_text(post, encoding="utf-8")
    for args in ((".",), ("--fix", ".")):
        result = run(tmp_path, monkeypatch, *args)
        assert result.exit_code == 1
        assert "FM002" in result.stdout and "Traceback" not in result.output
    assert not marker.exists()


def test_one_megabyte_of_yaml_is_just_front_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = "---\nlayout: post\ntitle: T\ncategory: C\n" + _big_yaml() + "---\n\n* toc\n{:toc}\n\n# A\n\n## B\n"
    assert len(post) > 1_000_000
    (tmp_path / "p.md").write_text(post, encoding="utf-8")
    result = run(tmp_path, monkeypatch, ".")
    assert result.exit_code == 0, result.output


def test_a_long_plain_yaml_list_is_not_taken_for_an_alias_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = "---\nlayout: post\ntitle: T\ncategory: C\ntags:\n" + "- a\n" * 150_000 + "---\n\ntext\n"
    (tmp_path / "p.md").write_text(post, encoding="utf-8")
    result = run(tmp_path, monkeypatch, "--select", "FM", ".")
    assert result.exit_code == 0, result.output


def test_alias_bomb_stays_linear() -> None:
    """Adding a level multiplies the expansion by 9 but the check's work only grows by a line."""
    doc = Document("p.md", "---\n" + _billion_laughs(30) + "---\n")
    fm = doc.front_matter
    assert fm is not None and fm.data is None and fm.error is not None
    assert "aliases expand" in fm.error


def test_ten_megabyte_line_is_over_the_default_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = tmp_path / "huge.md"
    post.write_bytes(FM.encode() + b"a" * 10_000_000 + b"\n")
    (tmp_path / "ok.md").write_text(OK_POST, encoding="utf-8")
    result = run(tmp_path, monkeypatch, "--fix", ".")
    assert result.exit_code == 1
    assert "huge.md:1:1: IO001" in result.stdout and "max-file-size" in result.stdout
    assert post.stat().st_size == len(FM) + 10_000_001
    assert (tmp_path / "ok.md").read_text(encoding="utf-8") == OK_FIXED


def test_ten_megabyte_line_is_checked_when_the_limit_allows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".mdnorm.toml").write_text("max-file-size = 20000000\n", encoding="utf-8")
    (tmp_path / "huge.md").write_text(FM + "* toc\n{:toc}\n\n# A\n\n## B\n\n" + "word " * 2_000_000 + "\n")
    result = run(tmp_path, monkeypatch, "huge.md")
    assert "Traceback" not in result.output
    assert "IO001" not in result.stdout
    assert result.exit_code == 1  # the trailing space after the last word
    assert "WS001" in result.stdout


# -- Markdown built to be slow ------------------------------------------------

CTX = Context(Config())


def _cost(text: str) -> float:
    """Best of three: parse, lint and fix ``text`` (the work --fix does on one file)."""

    def work() -> None:
        lint_document(Document("p.md", text), CTX)
        fix_document(Document("p.md", text), CTX)

    return best_time(work, 3)


# name, a builder for n units, and n: n and 8n units are timed (8n large enough to time)
SLOW: list[tuple[str, Callable[[int], str], int]] = [
    ("fence-opener-lines", lambda n: FM + "```a\n" * n, 10_000),
    ("ref-def-openers", lambda n: FM + "[a]: <\n" * n, 2_500),
    ("html-openers", lambda n: FM + "<a\n" * n, 4_000),
    ("nested-quotes", lambda n: FM + ">" * n + " x\n", 25_000),
    ("nested-quotes-spaced", lambda n: FM + "> " * n + "x\n", 12_500),
    # 8n stays under ~30,000 levels: deeper, glibc returns and re-faults the parser's memory on every
    # run, a kernel (sys) cost linear in n but switched on at that size, not a quadratic path
    ("nested-lists", lambda n: FM + "- " * n + "x\n", 2_500),
    ("nested-ordered-lists", lambda n: FM + "1. " * n + "x\n", 12_500),
    ("quote-in-list", lambda n: FM + "> - " * n + "x\n", 3_000),
    ("one-long-line", lambda n: FM + "word " * n + "\n", 50_000),
    ("one-long-url-line", lambda n: FM + "http://a.b/" + "x" * n + "\n", 250_000),
    ("dollar-lines", lambda n: FM + "$$\n" * n, 5_000),
    ("dollars-inline", lambda n: FM + "a $$ " * n + "\n", 10_000),
    ("unclosed-fence", lambda n: FM + "```\n" + "text http://x.y/z\n\n" * n, 4_000),
    ("unclosed-math", lambda n: FM + "$$\n" + "text http://x.y/z\n\n" * n, 750),
    ("stray-hashes", lambda n: FM + "#\n" * n, 2_500),
    ("backtick-run-then-text", lambda n: FM + "see http://x.y " + "`" * n + "a" * n + "\n", 2_500),
    ("brackets", lambda n: FM + "[" * n + "\n", 25_000),
    ("table-rows", lambda n: FM + "|a|b|\n|-|-|\n" + "|x|y|\n" * n, 2_500),
]


def _assert_linear(name: str, build: Callable[[int], str], n: int, factor: int, limit: float) -> None:
    """``factor`` times the units may cost about ``factor`` times the CPU time, at most ``limit``."""
    small = _cost(build(n))
    large = _cost(build(factor * n))
    ratio = large / max(small, 1e-3)
    assert ratio < limit, f"{name}: {factor * n} units took {ratio:.1f}x the CPU time of {n}"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "build", "n"), SLOW, ids=[s[0] for s in SLOW])
def test_slow_markdown_is_linear(name: str, build: Callable[[int], str], n: int) -> None:
    """8x the input may cost about 8x the CPU time; a quadratic path would cost 64x."""
    _assert_linear(name, build, n, GROWTH, LINEAR_LIMIT)


# One hostile line, at n and 8n units.  Each was quadratic: a run of backticks or
# tildes (kramdown lets the fence give characters back to the info string, tried
# one length at a time), a fence-only line (indexed under each of its prefixes),
# a long table separator (a lazy regex), blanks inside a front matter value
# (FM004's ``[ \t]+$`` search).  n is small enough that the old code failed in
# seconds, not minutes.
SLOW_LINES: list[tuple[str, Callable[[int], str], int]] = [
    ("backtick-run-then-letter", lambda n: FM + "`" * n + "a\n", 2_000),
    ("tilde-run-then-letter", lambda n: FM + "~" * n + "a\n", 2_000),
    ("backtick-only-line", lambda n: FM + "`" * n + "\n", 2_000),
    ("fence-then-long-closer", lambda n: FM + "```\n" + "`" * n + "\n", 4_000),
    ("tilde-backtick-alternation", lambda n: FM + "~`" * n + "\n", 1_000),
    ("fence-run-then-spaced-info", lambda n: FM + "`" * n + " a b\n" + "`" * n + "\n", 2_000),
    ("table-separator", lambda n: FM + "|a|\n" + "|-" * n + "x\n|a|\n", 1_000),
    ("fm-blank-run", lambda n: "---\nlayout: post\ntitle: a" + " " * n + "b\ncategory: C\n---\n\ntext\n", 4_000),
    ("fm-tab-run", lambda n: "---\nlayout: post\ntitle: a" + "\t" * n + "b\ncategory: C\n---\n\ntext\n", 4_000),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "build", "n"), SLOW_LINES, ids=[s[0] for s in SLOW_LINES])
def test_hostile_line_is_linear(name: str, build: Callable[[int], str], n: int) -> None:
    """8x the line costs about 8x the CPU time; a quadratic path costs 64x."""
    _assert_linear(name, build, n, GROWTH, LINEAR_LIMIT)


def test_fence_run_gives_characters_back_to_the_info_string() -> None:
    """The answers of the per-segment fence search, as kramdown gives them."""
    from mdnorm._parser import parse_blocks

    def fenced(src: str) -> list[tuple[str, str | None]]:
        return [
            (t["marker"], t.get("attrs", {}).get("info"))
            for t in parse_blocks(src)
            if t["type"] == "block_code" and t.get("style") == "fenced"
        ]

    assert fenced("`````\ncode\n```\n") == [("```", "``")]  # the longest run a later line closes
    assert fenced("````ruby\ncode\n``````\n") == [("````", "ruby")]  # a longer closer closes
    assert fenced("``~~~\ncode\n``~~\n") == [("``~~", "~")]  # head ``, then a run of ~
    assert fenced("``~~~\ncode\n`~~~\n") == []  # another head never closes it
    assert fenced("~~~~ a\ncode\n~~~\n") == []  # the info string would be two words
    assert fenced("~~~ a\ncode\n~~~\n") == [("~~~", "a")]
    assert fenced("`~`~`~\nx\n`~`~\n`~`~`~~\n") == [("`~`~`~", None)]


def test_deep_nesting_never_raises_recursion_error() -> None:
    for body in (">" * 100_000 + " x\n", "- " * 100_000 + "x\n", "".join(" " * i + "- x\n" for i in range(0, 400, 2))):
        doc = Document("p.md", FM + body)
        lint_document(doc, CTX)
        assert doc.blocks  # parsed into something, not an exception
