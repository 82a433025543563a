"""``mdnorm site urls``: the command over a small site (text, JSON, errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdnorm.cli import main


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_config.yml").write_text("baseurl: /blog\n")
    (tmp_path / "_posts" / "2016-08-02-Machine_Learning_2.markdown").write_text("---\ncategory: ML\n---\nx\n")
    (tmp_path / "_posts" / "2999-01-01-later.md").write_text("---\n---\nx\n")
    (tmp_path / "_posts" / "notes.md").write_text("---\n---\nx\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text(site: Path) -> None:
    result = CliRunner().invoke(main, ["site", "urls"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "published",
        "/blog/ml/2016/08/02/Machine_Learning_2.html",
        "_posts/2016-08-02-Machine_Learning_2.markdown",
    ]
    assert lines[1].startswith("future ")
    assert lines[2].startswith("ignored ") and "YYYY-MM-DD" in lines[2]
    assert lines[-1] == "3 posts: 1 published, 1 future, 1 ignored"


def test_json_and_file_selection(site: Path) -> None:
    result = CliRunner().invoke(
        main, ["site", "urls", "--output-format", "json", "_posts/2016-08-02-Machine_Learning_2.markdown"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["url"] == "/ml/2016/08/02/Machine_Learning_2.html"
    assert row["href"] == "/blog/ml/2016/08/02/Machine_Learning_2.html"
    assert (row["status"], row["conflicts_with"]) == ("published", [])


def test_outside_a_site_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = CliRunner().invoke(main, ["site", "urls"])
    assert result.exit_code == 2
    assert "not inside a Jekyll site" in result.output
