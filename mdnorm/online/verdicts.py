"""Alive, dead or unverifiable: what an observation means, and the answers rules read.

Three answers, never two.  *Dead* is what the web says about the link itself:
404 or 410, a host that does not exist, a certificate or TLS failure, a refused
connection, a redirect loop, https that redirects back to http.  *Unverifiable*
is what says nothing about the link: 429, 401/403 (often a bot wall), other 4xx,
5xx, timeouts, an address mdnorm may not contact, a request the run's budget or
deadline left unsent.  Unverifiable answers are not cached and never change what
a rule reports or how safe a fix is: a rule treats them as no answer at all.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from mdnorm.online.store import Observation, Snapshot, snapshot_key

Kind = Literal["alive", "dead", "unverifiable"]
DEAD_STATUSES = frozenset({404, 410})
DEAD_FAILURES = frozenset({"dns", "tls", "refused", "loop"})
PERMANENT = frozenset({301, 308})


class Verdict(NamedTuple):
    kind: Kind
    reason: str  # "HTTP 404", "host not found", "HTTP 429 (rate limited)", ...
    checked: float  # time.time() of the observation


class HttpsAnswer(NamedTuple):
    """Whether ``https://host/`` works (HT001): only alive or dead; unverifiable is None."""

    ok: bool
    detail: str
    checked: float


_UNVERIFIABLE_STATUS = {
    401: "HTTP 401 (login required)",
    403: "HTTP 403 (forbidden, often a bot wall)",
    407: "HTTP 407 (proxy login required)",
    429: "HTTP 429 (rate limited)",
    451: "HTTP 451 (unavailable for legal reasons)",
}


def _downgrade(o: Observation) -> str | None:
    """The first http:// URL an https:// URL redirected to, if any."""
    hops = [u for _, u in o.chain] + [o.final_url]
    for a, b in itertools.pairwise(hops):
        if a[:6].lower() == "https:" and b[:5].lower() == "http:":
            return b
    return None


def classify(o: Observation) -> Verdict:
    """The verdict an observation supports."""
    down = _downgrade(o)
    if down is not None:
        return Verdict("dead", f"https redirects back to {down}", o.checked)
    if o.status is None:
        kind: Kind = "dead" if o.failure in DEAD_FAILURES else "unverifiable"
        return Verdict(kind, o.detail, o.checked)
    s = o.status
    if 200 <= s < 300:
        return Verdict("alive", f"HTTP {s}" + (f" after {len(o.chain)} redirect(s)" if o.chain else ""), o.checked)
    if s in DEAD_STATUSES:
        return Verdict("dead", f"HTTP {s}", o.checked)
    if s in _UNVERIFIABLE_STATUS:
        return Verdict("unverifiable", _UNVERIFIABLE_STATUS[s], o.checked)
    if 500 <= s < 600:
        return Verdict("unverifiable", f"HTTP {s} (server error)", o.checked)
    return Verdict("unverifiable", f"HTTP {s}", o.checked)


def fresh(o: Observation, now: float, ttl_alive: float, ttl_dead: float) -> bool:
    """Still worth believing: an alive answer for ``ttl_alive``, a dead one for ``ttl_dead``."""
    v = classify(o)
    ttl = ttl_alive if v.kind == "alive" else ttl_dead if v.kind == "dead" else 0.0
    return 0 <= now - o.checked < ttl


def permanent_target(o: Observation) -> str | None:
    """Where a URL has moved for good: every hop a 301/308, the end alive; else None."""
    if not o.chain or any(s not in PERMANENT for s, _ in o.chain) or classify(o).kind != "alive":
        return None
    return o.final_url if o.final_url != o.url else None


def scheme_upgrade_only(old: str, new: str) -> bool:
    """``new`` is ``old`` with ``http:`` made ``https:`` (same host, port, path and query)."""
    a, b = urlsplit(old), urlsplit(new)
    return (
        a.scheme.lower() == "http"
        and b.scheme.lower() == "https"
        and (a.hostname or "") == (b.hostname or "")
        and a.port in (None, 80)
        and b.port in (None, 443)
        and (a.path or "/", a.query, a.fragment) == (b.path or "/", b.query, b.fragment or a.fragment)
    )


@dataclass(frozen=True)
class OnlineFacts:
    """The ``--online`` answers a rule may read (``Context.online``): observations of this
    run and fresh ones of the cache; never the network."""

    observations: Mapping[str, Observation] = field(default_factory=dict)
    snapshots: Mapping[str, Snapshot] = field(default_factory=dict)

    def link(self, url: str) -> Verdict | None:
        o = self.observations.get(url)
        return classify(o) if o is not None else None

    def https(self, host: str) -> HttpsAnswer | None:
        """HT001's question: does ``https://host/`` answer (None: unknown or unverifiable)?"""
        o = self.observations.get(f"https://{host.lower()}/")
        if o is None:
            return None
        v = classify(o)
        if v.kind == "unverifiable":
            return None
        if v.kind == "alive" and o.chain:
            to = o.chain[1][1] if len(o.chain) > 1 else o.final_url
            return HttpsAnswer(True, f"HTTP {o.chain[0][0]} to {to}", v.checked)
        return HttpsAnswer(v.kind == "alive", v.reason, v.checked)

    def title(self, url: str) -> str | None:
        o = self.observations.get(url)
        return o.title if o is not None and classify(o).kind == "alive" else None

    def moved(self, url: str) -> str | None:
        o = self.observations.get(url)
        return permanent_target(o) if o is not None else None

    def snapshot(self, url: str, date: str) -> Snapshot | None:
        return self.snapshots.get(snapshot_key(url, date))


def when(checked: float) -> str:
    """A date for people: ``2024-05-01``."""
    return time.strftime("%Y-%m-%d", time.gmtime(checked))
