"""The on-disk cache folder, ``.mdnorm_cache/`` at the project root.

Everything mdnorm remembers between runs lives here, each in its own file:
lint results keyed by content hash (see :mod:`mdnorm.resultcache`), the
site-wide link index, online probe answers.  Writes are atomic and readers treat
a missing, partial or corrupt file as empty, so concurrent runs and a run killed
mid-write are harmless: the worst case is recomputing.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

CACHE_DIR = ".mdnorm_cache"


def cache_dir(root: str | os.PathLike[str]) -> Path:
    """``root/.mdnorm_cache``, created with a ``.gitignore`` that ignores it all."""
    folder = Path(root) / CACHE_DIR
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            ignore.write_text("# created by mdnorm\n*\n", encoding="utf-8")
    return folder


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or corrupt."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` atomically (temp file + ``os.replace``); errors are ignored."""
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # C encoder: one call
        import tempfile  # only when writing: it costs ~3 ms at import

        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)
