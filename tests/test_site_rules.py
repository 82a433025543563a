"""DL002 and FM006 on small generated sites, through the CLI as pre-commit and CI run it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdnorm.cli import main


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    yield


def _post(category: str, *urls: str) -> str:
    body = "".join(f"{u}\n\nTitle of {u}\n\n" for u in urls)
    return f"---\nlayout: post\ntitle: T\ncategory: {category}\n---\n\n{body}".rstrip("\n") + "\n"


def _site(tmp_path: Path, posts: dict[str, str]) -> Path:
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    folder = tmp_path / "_posts"
    folder.mkdir()
    for name, text in posts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _run(tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    import os

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(main, ["--no-color", "-q", *args])
    finally:
        os.chdir(old)
    return res.exit_code, [line for line in res.stdout.splitlines() if line]


def test_dl002_reports_the_later_post_naming_the_earlier(tmp_path: Path) -> None:
    _site(
        tmp_path,
        {
            "2019-9-30-a.md": _post("C", "https://x.example/1", "https://x.example/2"),
            # 2019-10-1 is later than 2019-9-30 although it sorts first as text
            "2019-10-1-b.md": _post("C", "http://X.example/1/", "https://y.example/"),
            "2020-1-1-c.md": _post("C", "https://y.example/?utm_source=feed", "https://x.example/1"),
        },
    )
    code, lines = _run(tmp_path, "--select", "DL002", "_posts/")
    assert code == 1
    assert lines == [
        "_posts/2019-10-1-b.md:7:1: DL002 link already listed in _posts/2019-9-30-a.md:7",
        "_posts/2020-1-1-c.md:7:1: DL002 link already listed in _posts/2019-10-1-b.md:11",
        "_posts/2020-1-1-c.md:11:1: DL002 link already listed in _posts/2019-9-30-a.md:7",
    ]


def test_dl002_same_answer_for_one_file_as_for_the_folder(tmp_path: Path) -> None:
    _site(
        tmp_path,
        {
            "2019-1-1-a.md": _post("C", "https://x.example/1"),
            "2019-1-2-b.md": _post("C", "https://x.example/1", "https://x.example/1"),
        },
    )
    _, whole = _run(tmp_path, "--select", "DL002", "_posts/")
    _, one = _run(tmp_path, "--select", "DL002", "_posts/2019-1-2-b.md")
    assert one == whole == ["_posts/2019-1-2-b.md:7:1: DL002 link already listed in _posts/2019-1-1-a.md:7"]
    _, earlier = _run(tmp_path, "--select", "DL002", "_posts/2019-1-1-a.md")
    assert earlier == []


def test_dl002_result_cache_sees_changes_in_other_posts(tmp_path: Path) -> None:
    folder = _site(
        tmp_path,
        {"2019-1-1-a.md": _post("C", "https://x.example/0"), "2019-1-2-b.md": _post("C", "https://x.example/1")},
    )
    assert _run(tmp_path, "--select", "DL002", "_posts/2019-1-2-b.md") == (0, [])
    (folder / "2019-1-1-a.md").write_text(_post("C", "https://x.example/1"), encoding="utf-8")
    code, lines = _run(tmp_path, "--select", "DL002", "_posts/2019-1-2-b.md")
    assert (code, lines) == (1, ["_posts/2019-1-2-b.md:7:1: DL002 link already listed in _posts/2019-1-1-a.md:7"])


def test_dl002_silent_outside_a_site(tmp_path: Path) -> None:
    (tmp_path / "2019-1-1-a.md").write_text(_post("C", "https://x.example/1"), encoding="utf-8")
    (tmp_path / "2019-1-2-b.md").write_text(_post("C", "https://x.example/1"), encoding="utf-8")
    assert _run(tmp_path, "--select", "DL002", ".") == (0, [])


def test_fm006_names_the_common_spelling_and_fixes_only_the_value(tmp_path: Path) -> None:
    folder = _site(
        tmp_path,
        {
            "2019-1-1-a.md": _post("DL & NLP resource"),
            "2019-1-2-b.md": _post("DL & NLP resource"),
            "2019-1-3-c.md": _post("DL&NLP resource  "),
            "2019-1-4-d.md": _post("dl & nlp Resource"),
            "2019-1-5-e.md": _post("DRL"),
        },
    )
    code, lines = _run(tmp_path, "--select", "FM006", "_posts/")
    assert code == 1
    common = "is a variant of 'DL & NLP resource' (used by 2 posts)"
    assert lines == [
        f"_posts/2019-1-3-c.md:4:11: FM006 category 'DL&NLP resource' {common}",
        f"_posts/2019-1-4-d.md:4:11: FM006 category 'dl & nlp Resource' {common}",
    ]
    before = (folder / "2019-1-3-c.md").read_text(encoding="utf-8")
    code, _ = _run(tmp_path, "--select", "FM006", "--fix", "--unsafe-fixes", "_posts/")
    after = (folder / "2019-1-3-c.md").read_text(encoding="utf-8")
    assert after == before.replace("category: DL&NLP resource  ", "category: DL & NLP resource  ")
    assert _run(tmp_path, "--select", "FM006", "_posts/") == (0, [])


def test_fm006_quotes_a_spelling_yaml_would_misread(tmp_path: Path) -> None:
    folder = _site(
        tmp_path,
        {"2019-1-1-a.md": _post("'C: notes'"), "2019-1-2-b.md": _post("'C: notes'"), "2019-1-3-c.md": _post("c notes")},
    )
    _run(tmp_path, "--select", "FM006", "--fix", "--unsafe-fixes", "_posts/")
    assert 'category: "C: notes"\n' in (folder / "2019-1-3-c.md").read_text(encoding="utf-8")


def test_fm006_no_report_without_a_variant(tmp_path: Path) -> None:
    _site(tmp_path, {"2019-1-1-a.md": _post("RL"), "2019-1-2-b.md": _post("DRL"), "2019-1-3-c.md": _post("RL")})
    assert _run(tmp_path, "--select", "FM006", "_posts/") == (0, [])


def test_fm006_keeps_a_comment_on_the_category_line(tmp_path: Path) -> None:
    # regression: the unsafe fix replaced the value and deleted the YAML comment after it
    folder = _site(
        tmp_path,
        {
            "2019-1-1-a.md": _post("Deep Learning"),
            "2019-1-2-b.md": _post("Deep Learning"),
            "2019-1-3-c.md": _post("deep learning  # TODO: merge with ML? keep this note"),
        },
    )
    _run(tmp_path, "--select", "FM006", "--fix", "--unsafe-fixes", "_posts/")
    text = (folder / "2019-1-3-c.md").read_text(encoding="utf-8")
    assert "category: Deep Learning  # TODO: merge with ML? keep this note\n" in text


def test_fm006_on_a_value_with_a_long_run_of_blanks_is_linear(tmp_path: Path) -> None:
    """The value is found with rstrip: a ``(.*?)([ \\t]*)$`` regex was quadratic in the run."""
    from support import best_time

    posts = {"2019-1-1-a.md": _post("a b"), "2019-1-2-b.md": _post("a b")}
    folder = _site(tmp_path, posts)
    variant = folder / "2019-1-3-c.md"

    def cost(n: int) -> float:
        variant.write_text(_post("a" + " " * n + "b"), encoding="utf-8")

        def work() -> None:
            code, lines = _run(tmp_path, "--no-cache", "--select", "FM006", "_posts/2019-1-3-c.md")
            assert code == 1 and lines[0].startswith("_posts/2019-1-3-c.md:4:11: FM006"), lines

        return best_time(work, 3)

    small, large = cost(4_000), cost(32_000)
    assert large / max(small, 1e-3) < 20, f"8x the blanks took {large / max(small, 1e-3):.1f}x the CPU time"
