"""``mdnorm server`` end to end: pygls's client drives the real server process over stdio."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from lsp_session import TIMEOUT, Session, apply, codes
from lsprotocol import types

import mdnorm

pytestmark = pytest.mark.slow

POST_A = (
    "---\nlayout: post\ntitle: 测试\ncategory: tech\n---\n\n"
    "中文😀 见 http://example.com/x 说明  \n\n"
    "https://example.org/a\n\n第一\n"
)
POST_B = "---\nlayout: post\ntitle: b\ncategory: tech\n---\n\nhttps://example.net/b\n\nB title\n"


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 120))


async def hover_text(s: Session, uri: str, line: int, character: int) -> str:
    """The text of the server's hover at a position (Markdown)."""
    h = await asyncio.wait_for(
        s.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        ),
        TIMEOUT,
    )
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    return h.contents.value


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text("title: t\n")
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2020-01-02-a.md").write_text(POST_A, encoding="utf-8")
    (posts / "2021-01-02-b.md").write_text(POST_B, encoding="utf-8")
    return tmp_path


def test_diagnostics_at_utf16_positions_with_docs_link_and_version(site: Path) -> None:
    async def go() -> None:
        async with Session(site) as s:
            uri = s.open(site / "_posts/2020-01-02-a.md")
            got = await s.wait_for(uri, lambda p: "HT001" in codes(p))
            assert got.version == 1
            by_code = {str(d.code): d for d in got.diagnostics}
            # "中文😀 见 " is 6 code points but 7 UTF-16 units: the emoji is a surrogate pair
            ht = by_code["HT001"]
            assert (ht.range.start.line, ht.range.start.character) == (6, 7)
            assert ht.range.end.character == 7 + len("http://example.com/x")
            assert ht.code_description is not None and ht.code_description.href
            assert "insecure-link" in ht.message and ht.source == "mdnorm"
            ws = by_code["WS001"]
            assert ws.range.start.character == len("中文😀 见 http://example.com/x 说明") + 1

    run(go())


def test_fix_all_equals_mdnorm_fix_and_quick_fixes(site: Path) -> None:
    async def go() -> None:
        async with Session(site) as s:
            path = site / "_posts/2020-01-02-a.md"
            uri = s.open(path)
            await s.wait_for(uri, lambda p: "WS001" in codes(p))
            whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=20, character=0))
            acts = await asyncio.wait_for(
                s.client.text_document_code_action_async(
                    types.CodeActionParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        range=whole,
                        context=types.CodeActionContext(diagnostics=[]),
                    )
                ),
                TIMEOUT,
            )
            assert acts is not None
            by_title = {a.title: a for a in acts if isinstance(a, types.CodeAction)}
            fix_all = next(a for a in by_title.values() if a.kind == "source.fixAll.mdnorm")
            assert fix_all.edit is not None and fix_all.edit.document_changes
            change = fix_all.edit.document_changes[0]
            assert isinstance(change, types.TextDocumentEdit)
            fixed = apply(POST_A, list(change.edits))  # type: ignore[arg-type]
            assert fixed == mdnorm.fix(POST_A, str(path)).text
            unsafe = next(a for t, a in by_title.items() if t.startswith("Fix HT001"))
            assert "unsafe" in unsafe.title and not unsafe.is_preferred
            safe = next(a for t, a in by_title.items() if t.startswith("Fix WS001"))
            assert safe.is_preferred
            suppress = by_title["Suppress HT001 on this line"]
            assert suppress.edit is not None and suppress.edit.document_changes
            edit = suppress.edit.document_changes[0]
            assert isinstance(edit, types.TextDocumentEdit)
            suppressed = apply(POST_A, list(edit.edits))  # type: ignore[arg-type]
            assert "<!-- mdnorm-disable-next-line HT001 -->\n中文😀" in suppressed
            assert "HT001" not in {d.code for d in mdnorm.lint(suppressed, str(path))}

    run(go())


def test_hover_rule_docs_and_url_listings(site: Path) -> None:
    (site / "_posts/2022-03-04-c.md").write_text(POST_B.replace("B title", "C"), encoding="utf-8")

    async def go() -> None:
        async with Session(site) as s:
            uri = s.open(site / "_posts/2020-01-02-a.md")
            await s.wait_for(uri, lambda p: "HT001" in codes(p))
            assert "insecure-link" in await hover_text(s, uri, 6, 9)
            uri_b = s.open(site / "_posts/2021-01-02-b.md")
            await s.wait_for(uri_b, lambda p: True)
            text = await hover_text(s, uri_b, 6, 3)
            assert "_posts/2022-03-04-c.md" in text and "not checked" in text

    run(go())


def test_edit_gives_another_open_post_its_dl002(site: Path) -> None:
    async def go() -> None:
        async with Session(site) as s:
            uri_a = s.open(site / "_posts/2020-01-02-a.md")
            uri_b = s.open(site / "_posts/2021-01-02-b.md")
            await s.wait_for(uri_b, lambda p: "DL002" not in codes(p))
            # the earlier post now lists b's URL too (unsaved): b gets DL002 naming a
            v = s.replace(uri_a, POST_A + "\nhttps://example.net/b\n\nsame\n")
            got = await s.wait_for(uri_b, lambda p: "DL002" in codes(p))
            assert "2020-01-02-a.md" in next(d.message for d in got.diagnostics if d.code == "DL002")
            a = await s.wait_for(uri_a, lambda p: p.version == v)
            assert "DL002" not in codes(a)
            s.replace(uri_a, POST_A)  # and loses it when the edit is undone
            await s.wait_for(uri_b, lambda p: "DL002" not in codes(p))

    run(go())


def test_config_change_relints(site: Path) -> None:
    async def go() -> None:
        async with Session(site, watch_files=True) as s:
            uri = s.open(site / "_posts/2020-01-02-a.md")
            await s.wait_for(uri, lambda p: "WS001" in codes(p))
            (site / ".mdnorm.toml").write_text('ignore = ["WS001"]\n')
            s.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=s.uri(site / ".mdnorm.toml"), type=types.FileChangeType.Created)]
                )
            )
            got = await s.wait_for(uri, lambda p: "WS001" not in codes(p))
            assert "HT001" in codes(got)

    run(go())


def test_post_changed_on_disk_counts_without_a_buffer(site: Path) -> None:
    async def go() -> None:
        async with Session(site) as s:  # no file events from this client: the server's own polling sees it
            uri_b = s.open(site / "_posts/2021-01-02-b.md")
            await s.wait_for(uri_b, lambda p: "HT001" not in codes(p) and "DL002" not in codes(p))
            # a hover on b's URL waits for the site's load: the edit below is the disk's, not read by that load
            assert "No other post lists it." in await hover_text(s, uri_b, 6, 3)
            (site / "_posts/2020-01-02-a.md").write_text(POST_A + "\nhttps://example.net/b\n\nx\n", encoding="utf-8")
            await s.wait_for(uri_b, lambda p: "DL002" in codes(p))
            (site / "_posts/2020-01-02-a.md").write_text(POST_A, encoding="utf-8")
            await s.wait_for(uri_b, lambda p: "DL002" not in codes(p))
            # a post created on disk (a git pull) counts too
            (site / "_posts/2019-05-06-z.md").write_text(POST_B.replace("B title", "Z"), encoding="utf-8")
            await s.wait_for(uri_b, lambda p: "DL002" in codes(p))

    run(go())


@pytest.mark.parametrize("enabled_by", ["client", "config"])
def test_workspace_check_and_completion(site: Path, enabled_by: str) -> None:
    """Titles from the cache once online lookups are enabled, by the client or by ``online.editor``."""
    bare = "---\nlayout: post\ntitle: c\ncategory: tech\n---\n\nhttps://example.net/c\n"
    if enabled_by == "config":
        (site / ".mdnorm.toml").write_text("[online]\neditor = true\n", encoding="utf-8")

    async def go() -> None:
        async with Session(site, {"online": True} if enabled_by == "client" else {}) as s:
            path = site / "_posts/2022-01-01-c.md"
            path.write_text(bare, encoding="utf-8")
            uri = s.open(path)
            await s.wait_for(uri, lambda p: "LE001" in codes(p))
            n = await asyncio.wait_for(
                s.client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command="mdnorm.checkWorkspace", arguments=[])
                ),
                TIMEOUT,
            )
            assert n == 3
            got = await s.wait_for(s.uri(site / "_posts/2020-01-02-a.md"), lambda p: "HT001" in codes(p))
            assert got.version is None
            items = await asyncio.wait_for(
                s.client.text_document_completion_async(
                    types.CompletionParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=6, character=len("https://example.net/c")),
                    )
                ),
                TIMEOUT,
            )
            assert isinstance(items, types.CompletionList)
            labels = [i.label for i in items.items]
            assert labels == ["C 的标题"]  # from the title cache: online lookups are enabled
            edit = items.items[0].text_edit
            assert isinstance(edit, types.TextEdit)
            assert apply(bare, [edit]) == bare.replace("/c\n", "/c\n\nC 的标题\n")

    from mdnorm.online.store import Observation, path_for, save

    url = "https://example.net/c"
    seen = Observation(url, 200, None, "HTTP 200", (), url, "C 的标题", True, time.time())
    save(path_for(str(site)), {url: seen}, {})
    run(go())


def test_a_site_loading_off_the_event_loop_is_the_one_a_request_gets(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server loads a post's site in a worker thread while requests (a hover) keep coming:
    the request waits for that load and gets the same Site, never a second one built beside it
    on the same store (a hover under load once found no other post listing a URL; two
    concurrent builds on one store is a way there that this closes)."""
    import threading

    from mdnorm.server import state

    real = state.Site.__init__
    building = threading.Event()
    built: list[state.Site] = []

    def slow(self: state.Site, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        building.set()
        time.sleep(0.3)  # a large site, or a loaded machine
        real(self, *args, **kwargs)

    monkeypatch.setattr(state.Site, "__init__", slow)
    project = state.Project()
    path = str(site / "_posts/2021-01-02-b.md")
    got: list[state.Site | None] = []
    worker = threading.Thread(target=lambda: got.append(project.site_for(path)))
    worker.start()
    assert building.wait(10)
    mine = project.site_for(path)
    worker.join(10)
    assert len(built) == 1 and got == [mine]
    project.reload()
