"""``mdnorm links``: per host and per link (alive/dead/unverifiable), http share, duplicates, and the HTML page."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from mdnorm.cli import main
from mdnorm.online import store
from mdnorm.online.store import Observation


def _obs(url: str, status: int | None, failure: str | None = None, detail: str = "") -> Observation:
    return Observation(url, status, failure, detail or f"HTTP {status}", (), url, None, False, time.time())


def _site(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    (tmp_path / ".mdnorm.toml").write_text('[https]\nknown-hosts = ["known.example"]\n', encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    entries = {
        "2018-1-1-a.md": ["http://a.example/1", "https://a.example/2", "http://known.example/x", "http://b.example/"],
        "2020-1-2-b.md": ["https://a.example/1", "http://c.example/"],
    }
    for name, urls in entries.items():
        body = "".join(f"{u}\n\nT <b>\n\n" for u in urls)
        (posts / name).write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    seen = {
        "https://b.example/": _obs("https://b.example/", 200),
        "https://c.example/": _obs("https://c.example/", None, "refused", "connection refused"),
        "http://a.example/1": _obs("http://a.example/1", 404),
        "https://a.example/2": _obs("https://a.example/2", 200),
        "http://b.example/": _obs("http://b.example/", 200),
    }
    store.save(store.path_for(str(tmp_path)), seen, {})


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
    assert (a["alive"], a["dead"], a["unchecked"]) == (1, 1, 1)  # http://a.example/1 (404), https://a.example/1
    assert (rows["b.example"]["https"], rows["b.example"]["detail"]) == ("verified", "HTTP 200")
    assert (rows["c.example"]["https"], rows["c.example"]["detail"]) == ("http-only", "connection refused")
    assert rows["known.example"]["https"] == "known"
    assert data["totals"] == {
        "hosts": 4,
        "links": 6,
        "http": 4,
        "http_hosts": 4,
        "http_unknown_hosts": 1,
        "duplicates": 1,
        "alive": 2,
        "dead": 1,
        "unverifiable": 0,
        "unchecked": 3,
    }
    [dead] = [r for r in data["links"] if r["verdict"] == "dead"]
    assert (dead["url"], dead["reason"], dead["posts"], dead["years"]) == (
        "http://a.example/1",
        "HTTP 404",
        ["_posts/2018-1-1-a.md:5"],
        [2018],
    )


def test_links_table(tmp_path: Path) -> None:
    _site(tmp_path)
    out = _invoke(tmp_path, "_posts/").splitlines()
    assert out[0].split() == ["host", "links", "http", "http", "%", "https", "dups", "alive", "dead", "unver", "detail"]
    assert out[1].split()[:9] == ["a.example", "3", "1", "33%", "unknown", "1", "1", "1", "0"]
    assert out[5].startswith("4 hosts, 6 links, 4 over http on 4 hosts (1 of them unknown either way)")
    assert any(line.startswith("dead") and "http://a.example/1  HTTP 404" in line for line in out)
    assert out[-1] == "links: 2 alive, 1 dead, 0 unverifiable, 3 unchecked"


def test_links_only_counts_the_given_posts(tmp_path: Path) -> None:
    _site(tmp_path)
    data = json.loads(_invoke(tmp_path, "--output-format", "json", "_posts/2020-1-2-b.md"))
    assert {r["host"]: r["links"] for r in data["hosts"]} == {"a.example": 1, "c.example": 1}


def test_links_html_report_is_one_escaped_file(tmp_path: Path) -> None:
    _site(tmp_path)
    (tmp_path / "_posts" / "2019-5-5-x.md").write_text(
        '---\ntitle: t\n---\n\nhttp://d.example/"><script>alert(1)</script>\n\nT\n', encoding="utf-8"
    )
    _invoke(tmp_path, "--html", "report.html", "_posts/")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and 'class="sortable"' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "src=" not in page and "<link" not in page  # nothing fetched: one self-contained file
    assert ">2018<" in page and ">2020<" in page  # the chart's years
