"""What changed on disk since the last look: configuration, layouts, posts.

The server cannot count on the client to report file changes (Neovim 0.7 does
not watch files), and a ``git checkout`` changes posts no buffer holds.  So it
keeps the stat identity of what its results depend on and compares it on each
look: a few hundred ``stat`` calls, well under a millisecond per post.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from mdnorm.linkindex import post_files
from mdnorm.server.state import Project

CONFIG_NAMES = (".mdnorm.toml", "pyproject.toml", "_config.yml")

Stamp = tuple[int, int, int]


class Change(NamedTuple):
    config: bool  # a configuration file or a layout changed: reload everything
    posts: list[str]  # posts written, created or removed


def _stamp(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class DiskWatch:
    """The stat identities of the files a project's results depend on."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.config_files: set[str] = set()
        self.folders: set[str] = set()
        self.posts: dict[str, Stamp | None] = {}
        for site in project.known_sites():
            for name in CONFIG_NAMES:
                self.config_files.add(os.path.join(site.root, name))
            if site.base.source:
                self.config_files.add(site.base.source)
            self.config_files.add(os.path.join(site.root, "_layouts"))
            for rel in site.index.rels():  # every post, from one query of the index
                path = os.path.join(site.root, rel)
                self.posts[path] = _stamp(path)
                folder = os.path.dirname(path)
                self.folders.add(folder)
                self.config_files.add(os.path.join(folder, ".mdnorm.toml"))
        self.config = self._config_stamps()
        self.folder_stamps = {f: _stamp(f) for f in self.folders}

    def _config_stamps(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for path in self.config_files:
            if os.path.isdir(path):  # _layouts/: its entries and theirs
                try:
                    names = sorted(os.listdir(path))
                except OSError:
                    names = []
                out[path] = tuple((n, _stamp(os.path.join(path, n))) for n in names)
            else:
                out[path] = _stamp(path)
        return out

    def changes(self) -> Change:
        """What changed since the last call (the new state is remembered)."""
        config = self._config_stamps()
        if config != self.config:
            self.config = config
            return Change(True, [])
        changed = [p for p, s in self.posts.items() if _stamp(p) != s]
        folders = {f: _stamp(f) for f in self.folders}
        if folders != self.folder_stamps:  # a post created or removed: list the site again
            self.folder_stamps = folders
            for site in self.project.known_sites():
                for path in post_files(site.root, site.base):
                    if path not in self.posts:
                        changed.append(path)
        for path in changed:
            self.posts[path] = _stamp(path)
        return Change(False, changed)
