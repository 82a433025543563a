"""The site index: facts from the parser's view of each post, re-read only when a post changed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdnorm import linkindex, sitestate
from mdnorm.config import Config
from mdnorm.facts import PostFacts
from mdnorm.project import cache_folder
from mdnorm.store import Store


def _site(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    for i in range(3):
        (posts / f"2020-1-{i + 1}-p{i}.md").write_text(
            f"---\ntitle: t\ncategory: C{i}\n---\n\nhttps://x.example/{i}\n\nT\n", encoding="utf-8"
        )
    (posts / "notes.md").write_text("https://not.a.post/\n", encoding="utf-8")  # no date: not a post
    return posts


def _build(root: Path, cfg: Config | None = None) -> linkindex.SiteIndex:
    cfg = cfg or Config(root=str(root))
    store = Store.open(cache_folder(str(root)))
    assert store is not None
    index = linkindex.build(str(root), cfg, store)
    store.commit()
    return index  # it queries the open store


def _facts(index: linkindex.SiteIndex, rel: str) -> PostFacts:
    got = index.facts(rel)
    assert got is not None
    return got


def test_build_indexes_posts_only(tmp_path: Path) -> None:
    _site(tmp_path)
    index = _build(tmp_path)
    assert index.rels() == ["_posts/2020-1-1-p0.md", "_posts/2020-1-2-p1.md", "_posts/2020-1-3-p2.md"]
    facts = index.facts("_posts/2020-1-2-p1.md")
    assert facts is not None and facts.category is not None and (facts.category.value, facts.category.line) == ("C1", 2)
    assert [(e.line, e.url, e.coarse, e.titled) for e in facts.entries] == [
        (5, "https://x.example/1", "x.example/1", True)
    ]


def test_facts_come_from_the_parser_a_url_in_an_html_block_is_no_entry(tmp_path: Path) -> None:
    """One block grammar: kramdown shows a URL inside a <div> block as raw HTML, not as a link entry."""
    posts = _site(tmp_path)
    (posts / "2020-2-1-html.md").write_text(
        "---\ntitle: t\n---\n\n<div>\n\nhttps://x.example/0\n\n</div>\n", encoding="utf-8"
    )
    index = _build(tmp_path)
    assert _facts(index, "_posts/2020-2-1-html.md").entries == ()


def test_warm_build_reads_again_only_changed_posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = _site(tmp_path)
    first = _build(tmp_path)
    assert (first.parsed, first.reused) == (3, 0)
    warm = _build(tmp_path)
    assert (warm.parsed, warm.reused) == (0, 3)
    (posts / "2020-1-2-p1.md").write_text("---\ntitle: t\n---\n\nhttps://x.example/0\n\nT\n", encoding="utf-8")
    changed = _build(tmp_path)
    assert (changed.parsed, changed.reused) == (1, 2)
    assert _facts(changed, "_posts/2020-1-2-p1.md").entries[0].coarse == "x.example/0"
    # a checkout that only moves mtimes costs a hash, not a parse
    for p in posts.iterdir():
        os.utime(p, (1, 1))
    touched = _build(tmp_path)
    assert (touched.parsed, touched.reused) == (0, 3)


def test_posts_that_swap_contents_keeping_size_and_mtime_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDNORM_RACY_MS", "0")  # trust stat identities at once
    posts = _site(tmp_path)
    a, b = posts / "2020-1-1-p0.md", posts / "2020-1-2-p1.md"
    _build(tmp_path)
    sa, sb = a.stat(), b.stat()
    data_a, data_b = a.read_bytes(), b.read_bytes()
    assert len(data_a) == len(data_b)
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    os.utime(a, ns=(sa.st_atime_ns, sa.st_mtime_ns))
    os.utime(b, ns=(sb.st_atime_ns, sb.st_mtime_ns))
    index = _build(tmp_path)
    assert _facts(index, "_posts/2020-1-1-p0.md").entries[0].url == "https://x.example/1"
    assert _facts(index, "_posts/2020-1-2-p1.md").entries[0].url == "https://x.example/0"


def test_a_lost_or_damaged_state_file_is_rebuilt(tmp_path: Path) -> None:
    _site(tmp_path)
    _build(tmp_path)
    state = cache_folder(str(tmp_path)) / "state.sqlite3"
    for extra in ("-wal", "-shm"):
        Path(f"{state}{extra}").unlink(missing_ok=True)
    state.write_bytes(b"garbage" * 100)
    index = _build(tmp_path)
    assert (index.parsed, len(index.rels())) == (3, 3)
    state.unlink()
    assert len(_build(tmp_path).rels()) == 3


def test_first_use_names_the_earlier_post(tmp_path: Path) -> None:
    posts = _site(tmp_path)
    (posts / "2020-1-1-p0.md").write_text("---\ntitle: t\n---\n\nhttps://x.example/2\n\nT\n", encoding="utf-8")
    index = _build(tmp_path)
    later = index.post("_posts/2020-1-3-p2.md")
    assert later is not None
    hits = index.earlier_listings(later.rel, later.facts.entries)
    assert hits == {"x.example/2": {"x.example/2": ("_posts/2020-1-1-p0.md", 4)}}


def test_warm_index_does_not_import_the_parser(tmp_path: Path) -> None:
    _site(tmp_path)
    time.sleep(sitestate.racy_ns() / 1e9 + 0.1)  # past the window in which a stat identity is not trusted
    _build(tmp_path)
    code = (
        "import sys; from mdnorm import linkindex; from mdnorm.config import Config; "
        "from mdnorm.project import cache_folder; from mdnorm.store import Store; "
        f"s = Store.open(cache_folder({str(tmp_path)!r})); "
        f"ix = linkindex.build({str(tmp_path)!r}, Config(root={str(tmp_path)!r}), s); "
        "print(ix.parsed, ix.reused, 'mdnorm._parser' in sys.modules, 'mistune' in sys.modules, 'yaml' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["0", "3", "False", "False", "False"]


def test_two_runs_that_number_a_new_site_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run A looks the site up before run B commits its row, and inserts after: A takes B's number."""
    folder = tmp_path / "cache"
    a, b = Store.open(folder, "code"), Store.open(folder, "code")
    assert a is not None and b is not None
    b.post_stamps("/site")  # B numbers the site
    b.commit()
    real = a._query
    misses = ["/site"]

    def not_yet_visible(sql: str, args: tuple[object, ...]) -> object:
        if sql.startswith("SELECT id FROM sites") and misses:
            misses.pop()
            return real("SELECT id FROM sites WHERE 0", ())
        return real(sql, args)

    monkeypatch.setattr(a, "_query", not_yet_visible)
    assert a.post_stamps("/site") == {}  # no UNIQUE constraint error: the row B made is used
    a.commit()
    assert a.rels("/site") == b.rels("/site") == []
