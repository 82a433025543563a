"""``mdnorm links``: per-host counts, http share, https status and duplicates, as JSON and a table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdnorm import online
from mdnorm.cli import main


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    yield


def _site(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    (tmp_path / ".mdnorm.toml").write_text('[https]\nknown-hosts = ["known.example"]\n', encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    entries = {
        "2020-1-1-a.md": ["http://a.example/1", "https://a.example/2", "http://known.example/x", "http://b.example/"],
        "2020-1-2-b.md": ["https://a.example/1", "http://c.example/"],
    }
    for name, urls in entries.items():
        body = "".join(f"{u}\n\nT\n\n" for u in urls)
        (posts / name).write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    now = time.time()
    online.save_cache(
        str(tmp_path),
        online.OnlineFacts(
            {"b.example": online.Verdict(True, "HTTP 200", now), "c.example": online.Verdict(False, "timed out", now)},
            {},
        ),
    )


def _invoke(tmp_path: Path, *args: str) -> str:
    import os

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(main, ["links", *args])
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_links_json(tmp_path: Path) -> None:
    _site(tmp_path)
    data = json.loads(_invoke(tmp_path, "--output-format", "json", "_posts/"))
    rows = {r["host"]: r for r in data["hosts"]}
    assert [r["host"] for r in data["hosts"]] == ["a.example", "b.example", "c.example", "known.example"]
    a = rows["a.example"]
    assert (a["links"], a["http"], a["http_share"], a["https"], a["duplicates"]) == (3, 1, 0.3333, "unknown", 1)
    assert (rows["b.example"]["https"], rows["b.example"]["detail"]) == ("verified", "HTTP 200")
    assert (rows["c.example"]["https"], rows["c.example"]["detail"]) == ("http-only", "timed out")
    assert rows["known.example"]["https"] == "known"
    assert data["totals"] == {
        "hosts": 4,
        "links": 6,
        "http": 4,
        "http_hosts": 4,
        "http_unknown_hosts": 1,
        "duplicates": 1,
    }


def test_links_table(tmp_path: Path) -> None:
    _site(tmp_path)
    out = _invoke(tmp_path, "_posts/").splitlines()
    assert out[0].split() == ["host", "links", "http", "http", "%", "https", "dups", "detail"]
    assert out[1].split()[:6] == ["a.example", "3", "1", "33%", "unknown", "1"]
    assert out[-1].startswith("4 hosts, 6 links, 4 over http on 4 hosts (1 of them unknown either way)")


def test_links_only_counts_the_given_posts(tmp_path: Path) -> None:
    _site(tmp_path)
    data = json.loads(_invoke(tmp_path, "--output-format", "json", "_posts/2020-1-2-b.md"))
    assert {r["host"]: r["links"] for r in data["hosts"]} == {"a.example": 1, "c.example": 1}
