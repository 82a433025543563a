"""``mdnorm links --html FILE``: one self-contained page, for a person who would rather look.

A stacked bar chart of link health by post year (inline SVG) and a table of every
link that sorts by any column when its header is clicked (a dozen lines of inline
JavaScript).  No dependency, no server, no request: the file opens from disk and
works offline.  Everything from the posts or the web is HTML-escaped; only
``http(s)`` URLs become links, and they open without a referrer.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdnorm.links_report import HostRow, LinkRow

COLORS = {"alive": "#2e7d32", "dead": "#c62828", "unverifiable": "#f9a825", "unchecked": "#9e9e9e"}
KINDS = tuple(COLORS)

_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      return dir * (!isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y));
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}
th{cursor:pointer;background:#f5f5f5;user-select:none}td.n{text-align:right}
.k{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
td.alive{color:#2e7d32}td.dead{color:#c62828;font-weight:bold}td.unverifiable{color:#a07800}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def chart(links: Sequence[LinkRow], width: int = 760, height: int = 260) -> str:
    """Stacked bars: for each post year, how many of its links are alive, dead, unverifiable, unchecked."""
    per_year: dict[int, Counter[str]] = {}
    for lr in links:
        for y in lr.years:
            per_year.setdefault(y, Counter())[lr.verdict] += 1
    if not per_year:
        return "<p>No post with a date in its file name.</p>"
    years = sorted(per_year)
    top = max(sum(c.values()) for c in per_year.values()) or 1
    left, bottom, bar_gap = 40, 24, 4
    slot = (width - left) / len(years)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f"<title>Link health by post year (tallest bar: {top} links)</title>")
    plot = height - bottom - 10
    for i, y in enumerate(years):
        x = left + i * slot
        base = float(height - bottom)
        for kind in KINDS:
            n = per_year[y][kind]
            if not n:
                continue
            h = plot * n / top
            base -= h
            parts.append(
                f'<rect x="{x + bar_gap:.1f}" y="{base:.1f}" width="{max(1.0, slot - 2 * bar_gap):.1f}" '
                f'height="{h:.1f}" fill="{COLORS[kind]}"><title>{y}: {n} {kind}</title></rect>'
            )
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - 6}" font-size="11" text-anchor="middle">{y}</text>')
    parts.append(f'<text x="0" y="16" font-size="11">{top}</text>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)


def _url_cell(url: str) -> str:
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>'
    return _e(url)


def page(hosts: Sequence[HostRow], links: Sequence[LinkRow]) -> str:
    """The whole report as one HTML document."""
    totals = Counter(lr.verdict for lr in links for _ in lr.posts)
    http_links = sum(h.http for h in hosts)
    all_links = sum(h.links for h in hosts) or 1
    legend = "".join(f'<span class="k" style="background:{COLORS[k]}"></span>{k} {totals[k]}' for k in KINDS)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>mdnorm link health</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Link health</h1>",
        f"<p>{len(links)} distinct links on {len(hosts)} hosts; "
        f"{100 * http_links / all_links:.0f}% of link entries use http://.</p>",
        f"<p>{legend}</p>",
        chart(links),
        "<h2>Links</h2>",
        '<table class="sortable"><thead><tr><th>verdict</th><th>URL</th><th>host</th><th>reason</th>'
        "<th>checked</th><th>first year</th><th>posts</th><th>moved to</th></tr></thead><tbody>",
    ]
    rank = {"dead": 0, "unverifiable": 1, "unchecked": 2, "alive": 3}
    for lr in links:
        year = min(lr.years) if lr.years else ""
        out.append(
            f'<tr><td class="{_e(lr.verdict)}" data-v="{rank[lr.verdict]}">{_e(lr.verdict)}</td>'
            f"<td>{_url_cell(lr.url)}</td><td>{_e(lr.host)}</td><td>{_e(lr.reason)}</td><td>{_e(lr.checked)}</td>"
            f'<td class="n">{year}</td><td>{_e(", ".join(lr.posts))}</td>'
            f"<td>{_url_cell(lr.moved_to) if lr.moved_to else ''}</td></tr>"
        )
    out.append("</tbody></table><h2>Hosts</h2>")
    out.append(
        '<table class="sortable"><thead><tr><th>host</th><th>links</th><th>http %</th><th>https</th>'
        "<th>alive</th><th>dead</th><th>unverifiable</th><th>duplicates</th><th>detail</th></tr></thead><tbody>"
    )
    for h in hosts:
        out.append(
            f'<tr><td>{_e(h.host)}</td><td class="n">{h.links}</td><td class="n">{100 * h.http_share:.0f}</td>'
            f'<td>{_e(h.https)}</td><td class="n">{h.alive}</td><td class="n">{h.dead}</td>'
            f'<td class="n">{h.unverifiable}</td><td class="n">{h.duplicates}</td><td>{_e(h.detail)}</td></tr>'
        )
    out.append(f"</tbody></table><script>{_SCRIPT}</script></body></html>\n")
    return "\n".join(out)
