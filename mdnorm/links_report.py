"""``mdnorm links``: the site's links per host and per link, from the link index.

One row per host of the link-entry URLs in the posts under PATHS: how many
entries point there, how many still use ``http://``, what mdnorm knows about the
host's https (a built-in or configured known host, http-only by configuration, or
the ``--online`` answer), how many of its links are alive, dead or unverifiable
(``--online`` answers, this run's or fresh cached ones), and how many of its URLs
are listed by more than one post (what DL002 reports).  One row per link too,
with its verdict and the reason.  Rows come sorted by the number of links.  This
module never prints: the CLI writes what it returns (text, JSON, or the HTML
page of :mod:`mdnorm.online.report_html`).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from mdnorm import linkindex, urls
from mdnorm.config import Config
from mdnorm.facts import facts_of_file
from mdnorm.online.verdicts import OnlineFacts, when

KINDS = ("alive", "dead", "unverifiable", "unchecked")


@dataclass
class HostRow:
    host: str
    links: int
    http: int
    https: str  # known | verified | http-only | unknown
    detail: str
    duplicates: int
    alive: int = 0
    dead: int = 0
    unverifiable: int = 0
    unchecked: int = 0

    @property
    def http_share(self) -> float:
        return self.http / self.links if self.links else 0.0


@dataclass
class LinkRow:
    url: str
    host: str
    verdict: str  # alive | dead | unverifiable | unchecked
    reason: str
    checked: str  # YYYY-MM-DD, "" when unchecked
    posts: list[str] = field(default_factory=list)  # "rel:line"
    years: list[int] = field(default_factory=list)  # the years of the posts listing it
    moved_to: str | None = None


def collect(
    files: list[str], cfg: Config, answers: dict[str, OnlineFacts] | None = None
) -> tuple[list[HostRow], list[LinkRow]]:
    """Rows for the posts among ``files`` (grouped by site root; files outside a site are read alone).

    ``answers`` are this run's ``--online`` answers by site root; without them the
    fresh cached ones are shown.
    """
    from mdnorm.online import load_facts
    from mdnorm.site import find_root, post_date

    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in cfg.https_known_hosts)
    http_only = {h.lower() for h in cfg.http_only_hosts}
    links: Counter[str] = Counter()
    http: Counter[str] = Counter()
    posts_of_key: dict[str, set[str]] = {}
    host_of_key: dict[str, str] = {}
    facts_of_root: dict[str, OnlineFacts] = dict(answers or {})
    indexes: dict[str, linkindex.SiteIndex] = {}
    link_rows: dict[str, LinkRow] = {}
    https_answer: dict[str, tuple[bool, str]] = {}
    for path in files:
        if path == "-":
            continue
        root = find_root(os.path.dirname(os.path.abspath(path)))
        facts = None
        rel = path
        online: OnlineFacts | None = None
        if root is not None:
            index = indexes.get(root)
            if index is None:
                index = indexes[root] = linkindex.build(root, cfg)
                if root not in facts_of_root:
                    facts_of_root[root] = load_facts(root, cfg)
            online = facts_of_root[root]
            rel = index.rel(path)
            facts = index.facts(rel)
        if facts is None:
            facts = facts_of_file(path)
            if facts is None:
                continue
        date = post_date(path)
        for e in facts.entries:
            host = urls.host_of(e.url)
            if not host:
                continue
            links[host] += 1
            if e.url[:5].lower() == "http:":
                http[host] += 1
            key = urls.normalize(e.url)
            posts_of_key.setdefault(key, set()).add(rel)
            host_of_key[key] = host
            row = link_rows.get(e.url)
            if row is None:
                v = online.link(e.url) if online is not None else None
                row = link_rows[e.url] = LinkRow(
                    e.url,
                    host,
                    v.kind if v else "unchecked",
                    v.reason if v else "",
                    when(v.checked) if v else "",
                    moved_to=online.moved(e.url) if online is not None else None,
                )
            row.posts.append(f"{rel}:{e.line + 1}")
            if date:
                row.years.append(int(date[:4]))
            if online is not None and host not in https_answer:
                answer = online.https(host)
                if answer is not None:
                    https_answer[host] = (answer.ok, answer.detail)
    dups: Counter[str] = Counter(host_of_key[k] for k, posts in posts_of_key.items() if len(posts) > 1)
    rows = []
    for host, n in links.items():
        if host in known:
            status, detail = "known", "built-in or https.known-hosts"
        elif host in http_only:
            status, detail = "http-only", "https.http-only-hosts"
        elif host in https_answer:
            ok, detail = https_answer[host]
            status = "verified" if ok else "http-only"
        else:
            status, detail = "unknown", ""
        rows.append(HostRow(host, n, http[host], status, detail, dups[host]))
    by_host = {r.host: r for r in rows}
    for lr in link_rows.values():
        hr = by_host[lr.host]
        setattr(hr, lr.verdict, getattr(hr, lr.verdict) + len(lr.posts))
    rows.sort(key=lambda r: (-r.links, r.host))
    order = {"dead": 0, "unverifiable": 1, "unchecked": 2, "alive": 3}
    link_list = sorted(link_rows.values(), key=lambda r: (order[r.verdict], r.host, r.url))
    return rows, link_list


def render(rows: list[HostRow], links: Sequence[LinkRow] = (), fmt: str = "text", limit: int | None = None) -> str:
    """The rows as tables (``text``) or a JSON document (``json``)."""
    if fmt == "json":
        from mdnorm.report import json_text

        return json_text(
            {
                "hosts": [{**asdict(r), "http_share": round(r.http_share, 4)} for r in rows],
                "links": [asdict(r) for r in links],
                "totals": _totals(rows),
            }
        )
    shown = rows if limit is None else rows[:limit]
    width = max([len("host"), *(len(r.host) for r in shown)])
    out = [
        f"{'host':<{width}}  {'links':>6}  {'http':>6}  {'http %':>6}  {'https':<9}  {'dups':>5}  "
        f"{'alive':>5}  {'dead':>5}  {'unver':>5}  detail"
    ]
    for r in shown:
        out.append(
            f"{r.host:<{width}}  {r.links:>6}  {r.http:>6}  {100 * r.http_share:>5.0f}%  {r.https:<9}  "
            f"{r.duplicates:>5}  {r.alive:>5}  {r.dead:>5}  {r.unverifiable:>5}  {r.detail}".rstrip()
        )
    t = _totals(rows)
    more = f" ({len(rows) - len(shown)} more hosts not shown)" if len(shown) < len(rows) else ""
    out.append(
        f"{t['hosts']} hosts, {t['links']} links, {t['http']} over http on {t['http_hosts']} hosts "
        f"({t['http_unknown_hosts']} of them unknown either way), {t['duplicates']} URLs in more than one post{more}"
    )
    bad = [lr for lr in links if lr.verdict in ("dead", "unverifiable")]
    if bad:
        out.append("")
        for lr in bad:
            out.append(f"{lr.verdict:<12}  {lr.url}  {lr.reason} (checked {lr.checked})  in {', '.join(lr.posts)}")
    if any(lr.verdict != "unchecked" for lr in links):
        out.append(
            f"links: {t['alive']} alive, {t['dead']} dead, {t['unverifiable']} unverifiable, {t['unchecked']} unchecked"
        )
    from mdnorm.report import printable

    return "".join(printable(line) + "\n" for line in out)


def _totals(rows: list[HostRow]) -> dict[str, int]:
    return {
        "hosts": len(rows),
        "links": sum(r.links for r in rows),
        "http": sum(r.http for r in rows),
        "http_hosts": sum(1 for r in rows if r.http),
        "http_unknown_hosts": sum(1 for r in rows if r.http and r.https == "unknown"),
        "duplicates": sum(r.duplicates for r in rows),
        **{k: sum(getattr(r, k) for r in rows) for k in KINDS},
    }
