"""A real LSP client (pygls's) driving ``python -m mdnorm server`` over stdio, for the server tests.

Every wait has a timeout: a server that never answers fails the test, it never hangs it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

TIMEOUT = 20.0


class Session:
    """One server process and the client talking to it; diagnostics pushed are kept per URI."""

    def __init__(self, root: Path, init_options: dict[str, Any] | None = None, watch_files: bool = False) -> None:
        self.root = root
        self.init_options = {"debounceMs": 20, "pollMs": 200, **(init_options or {})}
        self.watch_files = watch_files
        self.client = LanguageClient("mdnorm-tests", "1")
        self.published: dict[str, types.PublishDiagnosticsParams] = {}
        self.changed = asyncio.Event()
        self.versions: dict[str, int] = {}

        # pygls types LanguageServer.feature but not LanguageClient.feature (nor its stop)
        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
        def _published(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = params
            self.changed.set()

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
        def _register(params: types.RegistrationParams) -> None:
            return None

    async def __aenter__(self) -> Session:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        await self.client.start_io(sys.executable, "-m", "mdnorm", "server", env=env, cwd=str(self.root))
        caps = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=self.watch_files
                )
            ),
            general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
        )
        await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=caps,
                    root_uri=from_fs_path(str(self.root)),
                    initialization_options=self.init_options,
                )
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
            self.client.exit(None)
        finally:
            await asyncio.wait_for(self.client.stop(), TIMEOUT)  # type: ignore[no-untyped-call]

    def uri(self, path: Path) -> str:
        return from_fs_path(str(path)) or ""

    def open(self, path: Path, text: str | None = None) -> str:
        uri = self.uri(path)
        self.versions[uri] = 1
        item = types.TextDocumentItem(
            uri=uri, language_id="markdown", version=1, text=path.read_text("utf-8") if text is None else text
        )
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def replace(self, uri: str, text: str) -> int:
        """Send the whole new text (a full-document change); returns the new version."""
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    async def wait_for(
        self, uri: str, ok: Callable[[types.PublishDiagnosticsParams], bool], timeout: float = TIMEOUT
    ) -> types.PublishDiagnosticsParams:
        """Wait until the latest diagnostics published for ``uri`` satisfy ``ok``."""

        async def poll() -> types.PublishDiagnosticsParams:
            while True:
                got = self.published.get(uri)
                if got is not None and ok(got):
                    return got
                self.changed.clear()
                await self.changed.wait()

        try:
            return await asyncio.wait_for(poll(), timeout)
        except asyncio.TimeoutError:
            got = self.published.get(uri)
            raise AssertionError(f"no matching diagnostics for {uri} in {timeout}s; last: {got}") from None


def codes(params: types.PublishDiagnosticsParams) -> list[str]:
    return [str(d.code) for d in params.diagnostics]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply UTF-16 ``edits`` to ``text`` as an editor would (last first)."""
    lines = text.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:
        base = sum(len(line) for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return base + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return base + len(line.rstrip("\r\n"))

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
