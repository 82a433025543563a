"""``mdnorm links``: the site's links per host, from the link index.

One row per host of the link-entry URLs in the posts under PATHS: how many
entries point there, how many of them still use ``http://``, what mdnorm knows
about the host's https (a built-in or configured known host, http-only by
configuration, or the cached ``--online`` answer), and how many of its URLs are
listed by more than one post (what DL002 reports).  Rows come sorted by the
number of links.  The CLI prints the returned text; this module never prints.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass

from mdnorm import linkindex, urls
from mdnorm.config import Config
from mdnorm.facts import facts_of_file


@dataclass
class HostRow:
    host: str
    links: int
    http: int
    https: str  # known | verified | http-only | unknown
    detail: str
    duplicates: int

    @property
    def http_share(self) -> float:
        return self.http / self.links if self.links else 0.0


def collect(files: list[str], cfg: Config) -> list[HostRow]:
    """Rows for the posts among ``files`` (grouped by site root; files outside a site are read alone)."""
    from mdnorm import online
    from mdnorm.site import find_root

    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in cfg.https_known_hosts)
    http_only = {h.lower() for h in cfg.http_only_hosts}
    links: Counter[str] = Counter()
    http: Counter[str] = Counter()
    posts_of_key: dict[str, set[str]] = {}
    host_of_key: dict[str, str] = {}
    answers: dict[str, online.Verdict] = {}
    indexes: dict[str, linkindex.SiteIndex] = {}
    for path in files:
        if path == "-":
            continue
        root = find_root(os.path.dirname(os.path.abspath(path)))
        facts = None
        rel = path
        if root is not None:
            index = indexes.get(root)
            if index is None:
                index = indexes[root] = linkindex.build(root, cfg)
                answers.update(online.load_cache(root).hosts)
            rel = index.rel(path)
            post = index.posts.get(rel)
            facts = post.facts if post is not None else None
        if facts is None:
            facts = facts_of_file(path)
            if facts is None:
                continue
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
    dups: Counter[str] = Counter(host_of_key[k] for k, posts in posts_of_key.items() if len(posts) > 1)
    rows = []
    for host, n in links.items():
        if host in known:
            status, detail = "known", "built-in or https.known-hosts"
        elif host in http_only:
            status, detail = "http-only", "https.http-only-hosts"
        elif host in answers:
            v = answers[host]
            status, detail = ("verified" if v.ok else "http-only"), v.detail
        else:
            status, detail = "unknown", ""
        rows.append(HostRow(host, n, http[host], status, detail, dups[host]))
    rows.sort(key=lambda r: (-r.links, r.host))
    return rows


def render(rows: list[HostRow], fmt: str = "text", limit: int | None = None) -> str:
    """The rows as a table (``text``) or a JSON document (``json``)."""
    if fmt == "json":
        from mdnorm.report import json_text

        return json_text(
            {"hosts": [{**asdict(r), "http_share": round(r.http_share, 4)} for r in rows], "totals": _totals(rows)}
        )
    shown = rows if limit is None else rows[:limit]
    width = max([len("host"), *(len(r.host) for r in shown)])
    out = [f"{'host':<{width}}  {'links':>6}  {'http':>6}  {'http %':>6}  {'https':<9}  {'dups':>5}  detail"]
    for r in shown:
        out.append(
            f"{r.host:<{width}}  {r.links:>6}  {r.http:>6}  {100 * r.http_share:>5.0f}%  {r.https:<9}  "
            f"{r.duplicates:>5}  {r.detail}".rstrip()
        )
    t = _totals(rows)
    more = f" ({len(rows) - len(shown)} more hosts not shown)" if len(shown) < len(rows) else ""
    out.append(
        f"{t['hosts']} hosts, {t['links']} links, {t['http']} over http on {t['http_hosts']} hosts "
        f"({t['http_unknown_hosts']} of them unknown either way), {t['duplicates']} URLs in more than one post{more}"
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
    }


def run(paths: list[str], output_format: str, online: bool, config_path: str | None) -> str:
    """The whole ``mdnorm links`` command; raises ``ConfigError``/``PathError`` for exit 2."""
    from mdnorm import config as config_mod
    from mdnorm.files import discover

    cfg = config_mod.load(config_path)
    files = [f for f in discover(paths, cfg) if f != "-"]
    if online:
        from mdnorm.online import prepare_for_cli

        prepare_for_cli(files, cfg, codes={"HT001"})
    return render(collect(files, cfg), output_format)
