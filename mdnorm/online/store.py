"""What ``--online`` saw, remembered between runs: observations, never verdicts.

An observation is what a URL answered (status, the redirect chain, the title,
when); what it *means* (alive, dead, unverifiable) is derived from it each run by
:mod:`.verdicts`, so a change in how answers are judged never needs the cache to
be thrown away.  Observations that judge *unverifiable* (429, 5xx, a bot wall, a
timeout, a refused address) are never written: the next run asks again.

The file is ``online.json`` in the project's cache folder (outside the tree, see
:mod:`mdnorm.project`), private to the user (mode 0600: it lists every URL the blog
links to and what answered), written atomically; a missing, corrupt or foreign
file, or a malformed entry, is dropped and rebuilt, never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

FILE = "online.json"
VERSION = 2


class Observation(NamedTuple):
    """What one URL answered when it was last asked."""

    url: str
    status: int | None  # the final answer's status; None when the request failed
    failure: str | None  # the failure's kind (see client.Failure); None with a status
    detail: str  # a short reason for people
    chain: tuple[tuple[int, str], ...]  # the redirects followed: (status, url) per hop
    final_url: str
    title: str | None
    body_read: bool  # a GET read the page (so a missing title is known to be missing)
    checked: float  # time.time()


class Snapshot(NamedTuple):
    """The Internet Archive's answer for a URL at a date: the closest copy, or none."""

    url: str | None
    timestamp: str
    checked: float


def path_for(root: str, override: str | None = None) -> Path:
    from mdnorm.project import cache_folder

    return cache_folder(root, override) / FILE


def _obs(url: str, raw: Any) -> Observation:
    return Observation(
        url,
        None if raw["s"] is None else int(raw["s"]),
        None if raw["f"] is None else str(raw["f"]),
        str(raw["d"]),
        tuple((int(s), str(u)) for s, u in raw["c"]),
        str(raw["u"]),
        None if raw["t"] is None else str(raw["t"]),
        bool(raw["b"]),
        float(raw["w"]),
    )


def _raw(o: Observation) -> dict[str, Any]:
    return {
        "s": o.status,
        "f": o.failure,
        "d": o.detail,
        "c": [list(h) for h in o.chain],
        "u": o.final_url,
        "t": o.title,
        "b": o.body_read,
        "w": o.checked,
    }


def _read(path: Path) -> tuple[dict[str, Observation], dict[str, Snapshot]]:
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read())
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}, {}
    seen: dict[str, Observation] = {}
    snaps: dict[str, Snapshot] = {}
    for url, raw in (data.get("urls") or {}).items() if isinstance(data.get("urls"), dict) else ():
        with contextlib.suppress(TypeError, ValueError, KeyError, IndexError):
            seen[str(url)] = _obs(str(url), raw)
    for key, raw in (data.get("wayback") or {}).items() if isinstance(data.get("wayback"), dict) else ():
        with contextlib.suppress(TypeError, ValueError, KeyError, IndexError):
            snaps[str(key)] = Snapshot(None if raw[0] is None else str(raw[0]), str(raw[1]), float(raw[2]))
    return seen, snaps


def load(path: Path) -> tuple[dict[str, Observation], dict[str, Snapshot]]:
    """Every observation and snapshot in ``path`` (stale ones too: the caller judges freshness)."""
    return _read(path)


def snapshot_key(url: str, date: str) -> str:
    return f"{date} {url}"


def save(path: Path, observations: Mapping[str, Observation], snapshots: Mapping[str, Snapshot]) -> None:
    """Merge what this run saw into ``path`` (newest wins).

    The caller leaves out unverifiable answers (a 429 says nothing about the link).
    """
    keep = dict(observations)
    if not keep and not snapshots:
        return
    old, old_snaps = _read(path)
    for url, o in keep.items():
        if url not in old or old[url].checked <= o.checked:
            old[url] = o
    old_snaps.update(snapshots)
    data = {
        "version": VERSION,
        "urls": {u: _raw(o) for u, o in old.items()},
        "wayback": {k: [s.url, s.timestamp, s.checked] for k, s in old_snaps.items()},
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-online-", dir=path.parent)  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # a cache that cannot be written costs a re-check next run, nothing more
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
