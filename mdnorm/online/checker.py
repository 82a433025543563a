"""One ``--online`` run: decide what to ask, ask it within the limits, remember the answers.

:func:`prepare` is the only entry that touches the network; the CLI calls it
before linting and hands the :class:`~.verdicts.OnlineFacts` it returns (one per
site root) to the runner, which puts them in ``Context.online``.  Nothing here is
kept in a module global.

What is asked, per site root, for the selected rules: every http(s) URL of the
posts (LK001/LK002), ``https://host/`` for each http host not known either way
(HT001), a GET with the page read for link entries without a title (LE001), and
the Wayback snapshot closest to the post's date for each dead URL (LK001).  A
fresh cached observation is used instead of a request.  Duplicates are asked once;
hosts are interleaved so one slow host does not hold every worker.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

from mdnorm import urls
from mdnorm.online.client import Answer, Client, Fetched, Settings
from mdnorm.online.store import Observation, Snapshot, load, path_for, save, snapshot_key
from mdnorm.online.titles import extract_title
from mdnorm.online.verdicts import OnlineFacts, classify, fresh
from mdnorm.site import post_date

LINK_CODES = frozenset({"LK001", "LK002"})


@dataclass
class Stats:
    """What a run did, for one summary line."""

    checked: int = 0
    alive: int = 0
    dead: int = 0
    unverifiable: int = 0
    cached: int = 0
    left: int = 0  # not asked: budget or deadline (the next run asks them)
    requests: int = 0
    snapshots: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.checked} URLs checked ({self.alive} alive, {self.dead} dead, {self.unverifiable} unverifiable), "
            f"{self.cached} cached, {self.requests} requests in {self.seconds:.1f} s"
        )
        if self.snapshots:
            text += f", {self.snapshots} archive lookups"
        if self.left:
            text += f"; {self.left} left for a later run (request budget or deadline)"
        return text


class Prepared(NamedTuple):
    stats: Stats
    facts: dict[str, OnlineFacts]  # by site root


class _Plan(NamedTuple):
    want: dict[str, bool]  # URL -> a GET reading the page is wanted (a title)
    dates: dict[str, set[str]]  # URL -> the YYYYMMDD dates of the posts linking it


def checkable(url: str) -> bool:
    """An http(s) URL with a host name that is not ``localhost``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme.lower() in ("http", "https") and bool(host) and host != "localhost"


def _plan(paths: Iterable[str], cfg: Any, wanted: frozenset[str]) -> _Plan:
    from mdnorm.document import DecodeError, Document
    from mdnorm.facts import facts_of

    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in cfg.https_known_hosts)
    skip = known.union(h.lower() for h in cfg.http_only_hosts)
    want: dict[str, bool] = {}
    dates: dict[str, set[str]] = {}
    for path in paths:
        try:
            with open(path, "rb") as fh:
                doc = Document.from_bytes(path, fh.read())
            text_urls = doc.text_urls()
            facts = facts_of(doc)
        except (OSError, DecodeError, ValueError):
            continue
        date = post_date(path)
        for _, _, url in text_urls:
            if not checkable(url):
                continue
            if wanted & LINK_CODES:
                want.setdefault(url, False)
                dates.setdefault(url, set()).add(date or "")
            host = urls.host_of(url)
            if "HT001" in wanted and url[:5].lower() == "http:" and host and host not in skip and _port(url) == 80:
                want.setdefault(f"https://{host}/", False)
        if "LE001" in wanted:
            for e in facts.entries:
                if not e.titled and checkable(e.url):
                    want[e.url] = True
    return _Plan(want, dates)


def _port(url: str) -> int:
    return urlsplit(url).port or 80


def _fetch_all(
    client: Client, want: dict[str, bool], todo: list[str], progress: Callable[[int, int], None] | None
) -> dict[str, Observation]:
    """Fetch ``todo`` on a bounded pool of workers, hosts interleaved."""
    lock = threading.Lock()
    done = 0

    def one(url: str) -> Observation:
        nonlocal done
        o = observe(url, client.fetch(url, want[url]), want[url])
        with lock:
            done += 1
            if progress is not None:
                progress(done, len(todo))
        return o

    if not todo:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(client.settings.workers, len(todo)))) as pool:
        return {o.url: o for o in pool.map(one, _interleave(todo))}


def _interleave(items: list[str]) -> list[str]:
    """``items`` reordered host by host in turn, so the workers spread over hosts."""
    by_host: dict[str, list[str]] = {}
    for u in items:
        by_host.setdefault(urls.host_of(u) or "", []).append(u)
    queues = list(by_host.values())
    out: list[str] = []
    while queues:
        out.extend(q.pop(0) for q in queues)
        queues = [q for q in queues if q]
    return out


def observe(url: str, got: Fetched, want_body: bool) -> Observation:
    """A fetch as an observation (the title read off the page when one was wanted)."""
    now = time.time()
    if got.answer is None:
        assert got.failure is not None
        return Observation(url, None, got.failure.kind, got.failure.detail, got.chain, got.final_url, None, False, now)
    a = got.answer
    ok = 200 <= a.status < 300
    title = None
    if want_body and ok and (not a.content_type or "html" in a.content_type.lower()):
        title = extract_title(a.body, a.content_type)
    return Observation(url, a.status, None, f"HTTP {a.status}", got.chain, got.final_url, title, want_body and ok, now)


def _snapshot(client: Client, url: str, date: str) -> Snapshot | None:
    """The archive's closest copy of ``url`` to ``date`` (None: the archive did not answer)."""
    api = client.settings.wayback_url
    ask = f"{api}{'&' if '?' in api else '?'}url={quote(url, safe='')}" + (f"&timestamp={date}" if date else "")
    got = client.request_retrying("GET", ask, True)
    if not isinstance(got, Answer) or got.status != 200:
        return None
    try:
        data = json.loads(got.body.decode("utf-8"))
        closest = (data.get("archived_snapshots") or {}).get("closest") or {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    found = closest.get("url") if closest.get("available") and str(closest.get("status", "200")) == "200" else None
    if not isinstance(found, str) or not found.startswith(("http://", "https://")) or any(c.isspace() for c in found):
        return Snapshot(None, "", time.time())
    if found.startswith("http://"):
        found = "https://" + found[7:]
    return Snapshot(found, str(closest.get("timestamp", "")), time.time())


def prepare(
    files: Iterable[str],
    cfg: Any,
    settings: Settings,
    *,
    codes: Iterable[str] | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Prepared:
    """Ask what the run over ``files`` needs; the answers, per site root, and what it cost."""
    from mdnorm.selection import selected_codes
    from mdnorm.site import find_root

    started = time.monotonic()
    wanted = frozenset(codes) if codes is not None else selected_codes(cfg)
    by_root: dict[str, list[str]] = {}
    for path in files:
        if path != "-":
            root = find_root(os.path.dirname(os.path.abspath(path)))
            if root is not None:
                by_root.setdefault(root, []).append(path)
    client = Client(settings, started)
    stats = Stats()
    out: dict[str, OnlineFacts] = {}
    for root, paths in by_root.items():
        plan = _plan(paths, cfg, wanted)
        file = path_for(root, cfg.cache_dir)
        cached, snaps = load(file) if use_cache else ({}, {})
        now = time.time()
        seen: dict[str, Observation] = {}
        todo: list[str] = []
        for url, body in plan.want.items():
            o = cached.get(url)
            if o is not None and fresh(o, now, settings.ttl_alive, settings.ttl_dead) and (o.body_read or not body):
                seen[url] = o
                stats.cached += 1
            else:
                todo.append(url)
        new = _fetch_all(client, plan.want, todo, progress)
        for o in new.values():
            v = classify(o)
            if o.failure == "skipped":
                stats.left += 1
                continue
            stats.checked += 1
            setattr(stats, v.kind, getattr(stats, v.kind) + 1)
        seen.update(new)
        fresh_snaps: dict[str, Snapshot] = {}
        if "LK001" in wanted:
            for url, dates in plan.dates.items():
                o = seen.get(url)
                if o is None or classify(o).kind != "dead":
                    continue
                for date in sorted(dates):
                    key = snapshot_key(url, date)
                    old = snaps.get(key)
                    if old is not None and 0 <= now - old.checked < settings.ttl_alive:
                        continue
                    snap = _snapshot(client, url, date)
                    stats.snapshots += 1
                    if snap is not None:
                        fresh_snaps[key] = snap
        snaps.update(fresh_snaps)
        if use_cache:
            save(file, {u: o for u, o in new.items() if classify(o).kind != "unverifiable"}, fresh_snaps)
        out[root] = OnlineFacts(seen, snaps)
    stats.requests = client.requests
    stats.seconds = time.monotonic() - started
    return Prepared(stats, out)
