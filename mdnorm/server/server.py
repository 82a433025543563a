"""``mdnorm server``: the protocol side, on pygls.

One process, one :class:`~mdnorm.server.state.Project`: the configuration, each
site's post facts and every open buffer's results stay loaded.  An edit waits
for the debounce (later edits of the same buffer restart it), then re-lints that
buffer and the posts whose site-wide results it changed, and publishes results
tagged with the version they were computed on; a result whose buffer moved on
meanwhile is dropped.

Diagnostics are pushed, or pulled when the client asks for them
(``textDocument/diagnostic``, ``workspace/diagnostic``); when the client can
pull, the server does not push, so nothing is shown twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from mdnorm._version import __version__
from mdnorm.server import actions, convert
from mdnorm.server.disk import CONFIG_NAMES, DiskWatch
from mdnorm.server.state import Linted, Project

log = logging.getLogger(__name__)

EXTENSIONS = (".md", ".markdown")
CHECK_WORKSPACE = "mdnorm.checkWorkspace"


class MdnormServer(LanguageServer):
    """The server and what it remembers between requests."""

    def __init__(self) -> None:
        super().__init__("mdnorm", __version__)
        self.project = Project()
        self.results: dict[str, tuple[int | None, Linted]] = {}  # uri -> (version, results)
        self.disk_results: dict[str, Linted] = {}  # posts not open, after a workspace check
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.debounce = 0.2
        self.docs = convert.DOCS_URL
        self.workspace_mode = False  # push results of posts that are not open (after checkWorkspace)
        self.watch: DiskWatch | None = None
        self.poll_interval = 1.0
        self.poller: asyncio.Task[None] | None = None

    # -- capabilities -------------------------------------------------------------
    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    @property
    def pull(self) -> bool:
        caps = self.client_capabilities.text_document
        return caps is not None and caps.diagnostic is not None

    @property
    def snippets(self) -> bool:
        td = self.client_capabilities.text_document
        item = td.completion.completion_item if td and td.completion else None
        return bool(item and item.snippet_support)

    # -- linting --------------------------------------------------------------------
    def path_of(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        return path if path and path.endswith(EXTENSIONS) else None

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Lint ``uri`` after the debounce; a later call for the same buffer replaces this one."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(
            self._later(uri, self.debounce if delay is None else delay)
        )

    async def _later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self.pending.pop(uri, None)
        await self.lint_buffer(uri)

    async def lint_buffer(self, uri: str) -> None:
        path = self.path_of(uri)
        if path is None:
            return
        doc = self.workspace.get_text_document(uri)
        version = doc.version
        ready = self.project.has_site(path)
        linted, affected = self.project.lint_text(path, doc.source, with_site=ready)
        if self.workspace.get_text_document(uri).version != version:
            return  # a newer edit came in meanwhile: its own lint publishes
        self.results[uri] = (version, linted)
        self.publish(uri, version, linted)
        self.relint_others(path, affected)
        if not ready:  # first post of a site: load the site off the loop, then add the site-wide results
            await asyncio.get_running_loop().run_in_executor(None, self.project.site_for, path)
            self.start_watch()
            for other in list(self.results):
                self.schedule(other, 0)

    def relint_others(self, path: str, affected: set[str]) -> None:
        """Publish again the posts whose site-wide results an edit of ``path`` may have changed."""
        site = self.project.site_for(path) if affected else None
        if site is None:
            return
        for rel in affected:
            other = os.path.join(site.root, rel)
            uri = from_fs_path(other) or ""
            got = self.results.get(uri)
            if got is not None:
                version, linted = got
                linted = self.project.relint_site(other, linted)
                self.results[uri] = (version, linted)
                self.publish(uri, version, linted)
            elif self.workspace_mode:
                before = self.disk_results.get(uri)
                linted2 = self.project.relint_site(other, before) if before else self.project.lint_file(other)
                if linted2 is not None:
                    self.disk_results[uri] = linted2
                    self.publish(uri, None, linted2)

    def publish(self, uri: str, version: int | None, linted: Linted) -> None:
        if self.pull:
            with contextlib.suppress(Exception):
                self.workspace_diagnostic_refresh(None)
            return
        diags = [convert.diagnostic(linted.doc, d, self.encoding, self.docs) for d in linted.diagnostics]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=version)
        )

    def current(self, uri: str) -> tuple[int | None, Linted] | None:
        """The buffer's results, computed now if the stored ones are stale (a request came before the debounce)."""
        got = self.results.get(uri)
        path = self.path_of(uri)
        if path is None:
            return None
        doc = self.workspace.get_text_document(uri)
        if got is None or got[0] != doc.version:
            linted, affected = self.project.lint_text(path, doc.source, with_site=self.project.has_site(path))
            got = self.results[uri] = (doc.version, linted)
            self.relint_others(path, affected)
        return got

    def check_workspace(self) -> list[tuple[str, int | None, Linted]]:
        """Every post of every site the editor opened (or of the workspace root), open buffers as they are."""
        out = []
        root = self.workspace.root_path
        if not self.project.known_sites() and root:
            self.project.site_for(os.path.join(root, "_posts", "x.md"))
        for site in self.project.known_sites():
            for path in self.project.post_paths(site):
                uri = from_fs_path(path) or ""
                got = self.results.get(uri)
                if got is not None:
                    out.append((uri, got[0], got[1]))
                    continue
                linted = self.project.lint_file(path)
                if linted is not None:
                    self.disk_results[uri] = linted
                    out.append((uri, None, linted))
        return out

    # -- files on disk ----------------------------------------------------------------
    def reload(self) -> None:
        """Configuration or layouts changed: read everything again and re-lint every open buffer."""
        self.project.reload()
        self.disk_results.clear()
        self.watch = None
        for uri in list(self.results):
            self.schedule(uri, 0)

    def start_watch(self) -> None:
        if self.watch is None:
            self.watch = DiskWatch(self.project)
        if self.poller is None:
            self.poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        """Poll the disk: a client without file watching (Neovim 0.7) still sees a ``git checkout``."""
        while True:
            await asyncio.sleep(self.poll_interval)
            self.on_disk_change()

    def on_disk_change(self) -> None:
        if self.watch is None:
            return
        change = self.watch.changes()
        if change.config:
            self.reload()
            return
        for path in change.posts:
            uri = from_fs_path(path) or ""
            if uri in self.results:
                continue  # the open buffer is what counts
            affected = self.project.reread(path)
            if path.startswith(tuple(s.root for s in self.project.known_sites())):
                self.relint_others(path, affected)
            if self.workspace_mode:
                linted = self.project.lint_file(path)
                if linted is not None:
                    self.disk_results[uri] = linted
                    self.publish(uri, None, linted)


server = MdnormServer()


@server.feature(types.INITIALIZE)
def initialize(ls: MdnormServer, params: types.InitializeParams) -> None:
    opts: Any = params.initialization_options or {}
    if isinstance(opts, dict):
        ls.project.online_enabled = bool(opts.get("online", False))
        ls.debounce = float(opts.get("debounceMs", ls.debounce * 1000)) / 1000
        ls.poll_interval = float(opts.get("pollMs", ls.poll_interval * 1000)) / 1000
        ls.docs = str(opts.get("docsUrl", ls.docs))


@server.feature(types.INITIALIZED)
async def initialized(ls: MdnormServer, params: types.InitializedParams) -> None:
    ws = ls.client_capabilities.workspace
    watched = ws.did_change_watched_files if ws is not None else None
    if watched is not None and watched.dynamic_registration:
        globs = ["**/.mdnorm.toml", "**/pyproject.toml", "**/_config.yml", "**/_layouts/**", "**/*.md", "**/*.markdown"]
        opts = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in globs]
        )
        reg = types.Registration(
            id="mdnorm-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=opts
        )
        with contextlib.suppress(Exception):
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[reg]))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: MdnormServer, params: types.DidOpenTextDocumentParams) -> None:
    await ls.lint_buffer(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: MdnormServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: MdnormServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.on_disk_change()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: MdnormServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.results.pop(uri, None)
    path = ls.path_of(uri)
    if path is None:
        return
    affected = ls.project.close_buffer(path)
    ls.project.reread(path)
    if not ls.pull:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    ls.relint_others(path, affected)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched(ls: MdnormServer, params: types.DidChangeWatchedFilesParams) -> None:
    paths = [to_fs_path(e.uri) or "" for e in params.changes]
    if any(os.path.basename(p) in CONFIG_NAMES or f"{os.sep}_layouts{os.sep}" in p for p in paths):
        ls.reload()  # what the client saw counts even if it happened before our last look
    else:
        ls.on_disk_change()


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="mdnorm", inter_file_dependencies=True, workspace_diagnostics=True),
)
def pull_diagnostics(ls: MdnormServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
    got = ls.current(params.text_document.uri)
    items = [] if got is None else [convert.diagnostic(got[1].doc, d, ls.encoding, ls.docs) for d in got[1].diagnostics]
    return types.RelatedFullDocumentDiagnosticReport(items=items)


@server.feature(types.WORKSPACE_DIAGNOSTIC)
def workspace_diagnostics(ls: MdnormServer, params: types.WorkspaceDiagnosticParams) -> types.WorkspaceDiagnosticReport:
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for uri, version, linted in ls.check_workspace():
        diags = [convert.diagnostic(linted.doc, d, ls.encoding, ls.docs) for d in linted.diagnostics]
        items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, version=version, items=diags))
    return types.WorkspaceDiagnosticReport(items=items)


@server.command(CHECK_WORKSPACE)
def check_workspace(ls: MdnormServer, *args: Any) -> int:
    """Push the results of every post (for clients without pull diagnostics); returns how many posts."""
    ls.workspace_mode = True
    got = ls.check_workspace()
    for uri, version, linted in got:
        ls.publish(uri, version, linted)
    return len(got)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL]),
)
def code_action(ls: MdnormServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    got = ls.current(uri)
    if got is None:
        return None
    version, linted = got
    only = params.context.only
    out: list[types.CodeAction] = []
    if not only or any(k.startswith(types.CodeActionKind.QuickFix) for k in only):
        out += actions.quick_fixes(uri, version, linted, params.range, ls.encoding, ls.docs)
    if not only or any(actions.FIX_ALL.startswith(k) for k in only):
        out.append(actions.fix_all(ls.project, uri, version, linted, ls.encoding))
    return out


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: MdnormServer, params: types.HoverParams) -> types.Hover | None:
    got = ls.current(params.text_document.uri)
    return actions.hover(ls.project, got[1], params.position, ls.encoding) if got else None


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" "]))
def completion(ls: MdnormServer, params: types.CompletionParams) -> types.CompletionList | None:
    got = ls.current(params.text_document.uri)
    if got is None:
        return None
    items = actions.complete_entry(ls.project, got[1], params.position, ls.encoding, ls.snippets)
    return types.CompletionList(is_incomplete=False, items=items)


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="mdnorm server: %(message)s")
    server.start_io()
