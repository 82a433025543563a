"""JSON files in the cache folder (the ``--online`` answers; see :mod:`mdnorm.project`).

Writes are atomic and readers treat a missing, partial or corrupt file as empty,
so concurrent runs and a run killed mid-write are harmless: the worst case is
recomputing.  Lint results and site facts live in :mod:`mdnorm.store`.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


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
