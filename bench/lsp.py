"""Benchmark ``mdnorm server`` on a folder of posts: edit latency, start-up, memory.

    python bench/lsp.py /work/shared/corpus/posts [--edits 40]

The posts are copied into a temporary Jekyll site (``_config.yml`` + ``_posts/``),
so nothing is written beside them.  The server runs with no debounce, so the
time from ``didChange`` to ``publishDiagnostics`` is the server's own work plus
the pipe.  Reported: server start to first diagnostics (cold: no cache), the
median and 90th percentile edit latency for one post, and the server's RSS
after ``mdnorm.checkWorkspace`` has linted the whole blog (the most it holds).
Targets (issue 15): ≤ 30 ms median, ≤ 1 s start, ≤ 150 MiB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path


def make_site(posts: Path, into: Path) -> list[Path]:
    (into / "_posts").mkdir(parents=True)
    (into / "_config.yml").write_text("title: bench\n")
    out = []
    for p in sorted(posts.iterdir()):
        if p.suffix in (".md", ".markdown") and p.is_file():
            shutil.copy(p, into / "_posts" / p.name)
            out.append(into / "_posts" / p.name)
    return out


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def bench(folder: Path, edits: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mdnorm-lsp-bench-"))
    try:
        posts = make_site(folder, tmp / "site")
        post = posts[len(posts) // 2]
        uri = from_fs_path(str(post)) or ""
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")}  # cold: no site index in a cache
        client = LanguageClient("bench", "1")
        published: asyncio.Queue[tuple[float, types.PublishDiagnosticsParams]] = asyncio.Queue()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _got(params: types.PublishDiagnosticsParams) -> None:
            published.put_nowait((time.perf_counter(), params))

        t0 = time.perf_counter()
        await client.start_io(sys.executable, "-m", "mdnorm", "server", env=env, cwd=str(tmp / "site"))
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=from_fs_path(str(tmp / "site")),
                initialization_options={"debounceMs": 0},
            )
        )
        client.initialized(types.InitializedParams())
        text = post.read_text("utf-8")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
            )
        )
        first, _ = await asyncio.wait_for(published.get(), 60)
        start = first - t0
        # the site loads after the first diagnostics: wait for its (second) publication
        await asyncio.wait_for(published.get(), 60)
        times = []
        for i in range(edits):
            new = text + ("\n" + "x" * (i % 3) + "\n" if i % 2 else "")
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=i + 2),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)],
                )
            )
            while True:
                at, params = await asyncio.wait_for(published.get(), 30)
                if params.uri == uri and params.version == i + 2:
                    times.append((at - sent) * 1000)
                    break
        n = await asyncio.wait_for(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="mdnorm.checkWorkspace", arguments=[])
            ),
            300,
        )
        assert client._server is not None
        rss = rss_mib(client._server.pid)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"posts: {len(posts)} (workspace check linted {n}); edited: {post.name} ({len(text)} chars)")
        print(f"start to first diagnostics: {start * 1000:.0f} ms (target <= 1000)")
        print(f"didChange -> publishDiagnostics: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms (<= 30)")
        print(f"server RSS with the whole blog loaded: {rss:.0f} MiB (target <= 150)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("posts", type=Path)
    ap.add_argument("--edits", type=int, default=40)
    args = ap.parse_args()
    asyncio.run(bench(args.posts, args.edits))


if __name__ == "__main__":
    main()
