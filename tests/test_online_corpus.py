"""A generated blog of 500 posts against a fake web (every host on 127.0.0.1, a seeded mix
of answers): the run ends within its deadline, respects each host's limits, and asks each
URL once.  The request timeline is recorded with ``Settings.observer``."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from netfake import Guard, Net, start_net

from mdnorm import online
from mdnorm.config import Config
from mdnorm.online.client import HostLimit, Settings

HOSTS = [f"h{i}.test" for i in range(30)]
RESOLVED = [*HOSTS, "wayback.test"]
KINDS = ["ok"] * 12 + ["missing", "missing", "gone", "bot", "r503", "p301", "p301", "r429once"]
EXPECTED = {"ok": "alive", "missing": "dead", "gone": "dead", "bot": "unverifiable", "r503": "unverifiable"}
EXPECTED.update({"p301": "alive", "r429once": "alive"})
SLOW_HOST, SLOW_LIMIT = "h0.test", HostLimit(1, 0.15)
LIMIT = HostLimit(2, 0.03)
DEADLINE = 60.0


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    yield from start_net()


def _corpus(root: Path, n: int = 500, seed: int = 16) -> dict[str, str]:
    """``n`` posts of 2-3 link entries each (some URLs shared by several posts); URL -> kind."""
    rng = random.Random(seed)
    (root / "_config.yml").write_text("title: t\n", encoding="utf-8")
    posts = root / "_posts"
    posts.mkdir()
    kinds: dict[str, str] = {}
    pool: list[str] = []
    for i in range(n):
        entries: list[str] = []
        for _ in range(rng.randint(2, 3)):
            if pool and rng.random() < 0.15:
                url = rng.choice(pool)  # the same link in another post: asked once
            else:
                kind = rng.choice(KINDS)
                url = f"http://{rng.choice(HOSTS)}/{kind}/{i}-{len(entries)}"
                kinds[url] = kind
                pool.append(url)
            entries.append(f"{url}\n\nTitle {i}\n")
        year, month, day = 2012 + i % 12, 1 + i % 12, 1 + i % 28
        text = "---\nlayout: post\ntitle: P\ncategory: C\n---\n\n" + "\n".join(entries)
        (posts / f"{year}-{month}-{day}-p{i}.md").write_text(text, encoding="utf-8")
    return kinds


def _run(net: Net, s: Settings, root: Path) -> tuple[online.Prepared, float, list[str]]:
    """Every test host (and the fake archive) to the local servers; one run over the posts, timed."""
    s.wayback_url = "http://wayback.test/available"
    for h in RESOLVED:
        s.resolve[(h, 80)] = s.resolve[(h, 443)] = "127.0.0.1"
        s.ports[(h, 80)], s.ports[(h, 443)] = net.plain, net.tls
    files = sorted(str(p) for p in (root / "_posts").iterdir())
    t0 = time.monotonic()
    prepared = online.prepare(files, Config(root=str(root)), s, codes={"LK001"})
    return prepared, time.monotonic() - t0, files


@pytest.mark.slow
def test_corpus_run_is_polite_and_bounded(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = Guard(monkeypatch)
    kinds = _corpus(tmp_path)
    events: list[online.RequestEvent] = []
    s = Settings(
        timeout=2.0,
        response_time=4.0,
        deadline=DEADLINE,
        workers=8,
        limit=LIMIT,
        host_limits={SLOW_HOST: SLOW_LIMIT},
        backoff=0.05,
        retries=1,
        max_wait=2.0,
        ssl_context=net.ctx,
        observer=events.append,
    )
    prepared, elapsed, files = _run(net, s, tmp_path)
    assert guard.violations == []
    facts = prepared.facts[str(tmp_path)]

    # every URL got the verdict its fake page stands for; none was left unasked
    got: Counter[str] = Counter()
    for url, kind in kinds.items():
        v = facts.link(url)
        assert v is not None and v.kind == EXPECTED[kind], (url, v)
        got[v.kind] += 1
    assert prepared.stats.left == 0 and elapsed < DEADLINE

    # per-host limits: never more in flight than allowed, start slots at least the interval apart and
    # no request before its slot (the gate's own record: a loaded machine delays a request, never advances it)
    by_host: dict[str, list[online.RequestEvent]] = defaultdict(list)
    for e in events:
        by_host[e.host].append(e)
    worst_gap, worst_flight = {}, {}
    for host, evs in by_host.items():
        limit = SLOW_LIMIT if host == SLOW_HOST else LIMIT
        evs.sort(key=lambda e: e.slot)
        assert all(e.start >= e.slot for e in evs), host
        gaps = [b.slot - a.slot for a, b in itertools.pairwise(evs)]
        worst_gap[host] = min(gaps) if gaps else float("inf")
        marks = sorted([(e.start, 1) for e in evs] + [(e.end, -1) for e in evs], key=lambda m: (m[0], m[1]))
        flight = peak = 0
        for _, d in marks:
            flight += d
            peak = max(peak, flight)
        worst_flight[host] = peak
        assert peak <= limit.concurrency, (host, peak)
        assert worst_gap[host] >= limit.interval - 1e-6, (host, worst_gap[host])

    # coalesced: each URL asked once (a HEAD, a GET after a refused HEAD, one retry after a 429/503)
    slow = by_host[SLOW_HOST]
    asked = Counter(e.url for e in events if e.method == "HEAD")
    assert max(asked.values()) <= 2
    print(
        f"\ncorpus: {len(files)} posts, {len(kinds)} distinct URLs on {len(HOSTS)} hosts, {len(events)} requests "
        f"in {elapsed:.1f} s (deadline {DEADLINE:.0f} s); verdicts {dict(got)}; "
        f"max in flight per host {max(worst_flight.values())} (limit {LIMIT.concurrency}, {SLOW_HOST}: "
        f"{worst_flight[SLOW_HOST]} of {SLOW_LIMIT.concurrency}); smallest start gap "
        f"{min(v for h, v in worst_gap.items() if h != SLOW_HOST) * 1000:.0f} ms "
        f"(interval {LIMIT.interval * 1000:.0f} ms), {SLOW_HOST}: {worst_gap[SLOW_HOST] * 1000:.0f} ms "
        f"(interval {SLOW_LIMIT.interval * 1000:.0f} ms); {SLOW_HOST} took {slow[-1].end - slow[0].start:.1f} s "
        f"for {len(slow)} requests; {prepared.stats.snapshots} archive lookups"
    )


@pytest.mark.slow
def test_corpus_deadline_cuts_the_run(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = Guard(monkeypatch)
    kinds = _corpus(tmp_path, n=120, seed=3)
    s = Settings(deadline=1.5, limit=HostLimit(1, 0.2), ssl_context=net.ctx, backoff=0.05, retries=1)
    prepared, elapsed, _ = _run(net, s, tmp_path)
    assert guard.violations == []
    # the deadline, plus at most the requests in flight (each bounded by its response time budget);
    # generous, as a loaded machine delays threads: what matters is that most URLs are left for later
    assert elapsed < 1.5 + s.response_time + 2.0
    assert prepared.stats.left > 0 and prepared.stats.checked + prepared.stats.left == len(kinds)
    print(f"\ndeadline 1.5 s: {prepared.stats.summary()}; wall {elapsed:.2f} s")
