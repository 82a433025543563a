"""``--online``: link health (alive, dead, unverifiable), https proof and page titles.

Nothing in this package runs unless the user passes ``--online``.  The CLI calls
:func:`prepare` (the only code that sends requests) and hands the answers it
returns, one :class:`OnlineFacts` per site root, to the runner; rules read them
from ``Context.online`` and never touch the network.

- :mod:`.client`: the HTTP client: SSRF checks on every resolved address,
  per-host limits, back-off, budgets and deadlines.
- :mod:`.titles`: linear title extraction and making a title safe for a post.
- :mod:`.store`: the cache of observations (never verdicts), private to the user.
- :mod:`.verdicts`: alive/dead/unverifiable from observations; :class:`OnlineFacts`.
- :mod:`.checker`: one run: what to ask, asking it, remembering it.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mdnorm.online.checker import Prepared, Stats, prepare
from mdnorm.online.client import HostLimit, RequestEvent, Settings, parse_resolve
from mdnorm.online.store import Observation, Snapshot
from mdnorm.online.verdicts import HttpsAnswer, OnlineFacts, Verdict, classify

__all__ = [
    "HostLimit",
    "HttpsAnswer",
    "Observation",
    "OnlineFacts",
    "Prepared",
    "RequestEvent",
    "Settings",
    "Snapshot",
    "Stats",
    "Verdict",
    "classify",
    "load_facts",
    "prepare",
    "prepare_for_cli",
    "settings_for",
]


def settings_for(cfg: Any, resolve: Sequence[str] = ()) -> Settings:
    """The client settings from ``[online]`` in the config and ``--resolve`` options.

    Raises ``ConfigError`` for a malformed entry (exit 2).
    """
    from mdnorm.config import ConfigError

    s = Settings()
    try:
        s.resolve = parse_resolve([*cfg.online_resolve, *resolve])
        s.allow_networks = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in cfg.online_allow_networks)
    except ValueError as exc:
        raise ConfigError(f"online: {exc}") from None
    if cfg.online_wayback_url:
        s.wayback_url = cfg.online_wayback_url
    if cfg.online_timeout:
        s.timeout = float(cfg.online_timeout)
        s.response_time = 2.0 * s.timeout
    if cfg.online_deadline:
        s.deadline = float(cfg.online_deadline)
    if cfg.online_max_requests is not None:
        s.max_requests = cfg.online_max_requests
    if cfg.online_max_retry_wait is not None:
        s.max_wait = float(cfg.online_max_retry_wait)
    concurrency = cfg.online_concurrency or s.limit.concurrency
    interval = s.limit.interval if cfg.online_interval_ms is None else cfg.online_interval_ms / 1000
    s.limit = HostLimit(concurrency, interval)
    for item in cfg.online_host_limits:
        host, _, rest = item.partition(":")
        conc, _, ms = rest.partition(":")
        if not host or not conc.isdigit() or not ms.isdigit() or int(conc) < 1:
            raise ConfigError(f"online.host-limits: expected HOST:CONCURRENCY:INTERVAL-MS, got {item!r}")
        s.host_limits[host.lower()] = HostLimit(int(conc), int(ms) / 1000)
    return s


def load_facts(root: str, cfg: Any) -> OnlineFacts:
    """The fresh cached answers for a site, without asking anything (``mdnorm links``)."""
    from mdnorm.online.store import load, path_for
    from mdnorm.online.verdicts import fresh

    s = Settings()
    seen, snaps = load(path_for(root, cfg.cache_dir))
    now = time.time()
    return OnlineFacts({u: o for u, o in seen.items() if fresh(o, now, s.ttl_alive, s.ttl_dead)}, snaps)


class TerminalProgress:
    """``checking [####....] 12/300`` on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = 30 * done // max(total, 1)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def prepare_for_cli(
    files: list[str], cfg: Any, resolve: Sequence[str] = (), codes: Iterable[str] | None = None
) -> Prepared:
    """:func:`prepare` with the config's settings and a progress bar on a terminal."""
    return prepare(
        files,
        cfg,
        settings_for(cfg, resolve),
        codes=codes,
        use_cache=cfg.cache,
        progress=TerminalProgress("mdnorm --online"),
    )
