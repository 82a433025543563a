"""``--online``: ask the web whether an ``http://`` host serves https, and fetch page titles.

Nothing in this module runs unless the user passes ``--online``: the rules only
ever read the answers (:class:`OnlineFacts`), and only :func:`prepare`, called
by the CLI before linting, sends requests.  Every answer is cached per host (and
per URL for titles) in ``.mdnorm_cache/online.json`` with a time to live: 30 days
for an answer, at most one day for a failure (a host that was down yesterday
may be up today).

The probe is polite: HEAD first (GET only when HEAD is answered 405 or 501),
short timeouts, a bounded pool of workers, at most :attr:`Settings.per_host`
requests in flight to one host and :attr:`Settings.max_per_host` requests to one
host per run, and a User-Agent that names mdnorm and its version.

Connections can be redirected with ``MDNORM_CONNECT_TO`` (curl's
``--connect-to`` syntax: ``host:port:addr:port``, comma-separated): the request,
the Host header and the TLS server name stay those of the URL, only the TCP
connection goes elsewhere.  The tests use it to point test hosts at servers they
start on 127.0.0.1; certificates are checked against the system's trust store
(``SSL_CERT_FILE`` adds a CA, as for any OpenSSL program).
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from mdnorm import __version__, urls

if TYPE_CHECKING:
    from mdnorm.facts import PostFacts

ONLINE_FILE = "online.json"
_VERSION = 1
DAY = 86400.0
USER_AGENT = f"mdnorm/{__version__} (link checker for Jekyll posts; one request per host)"
MAX_BODY = 512 * 1024
MAX_REDIRECTS = 5


class Verdict(NamedTuple):
    """Whether a host answers over https: ``ok`` with a success or redirect."""

    ok: bool
    detail: str  # "HTTP 200", "redirects to https://…", "connection refused", ...
    checked: float  # time.time() of the probe


class TitleAnswer(NamedTuple):
    title: str | None
    detail: str
    checked: float


@dataclass
class Settings:
    """How the probe behaves; tests shrink the timeout and map hosts to 127.0.0.1."""

    timeout: float = 5.0
    workers: int = 8
    per_host: int = 2
    max_per_host: int = 20
    ttl: float = 30 * DAY
    fail_ttl: float = 1 * DAY
    user_agent: str = USER_AGENT
    connect_to: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(connect_to=parse_connect_to(os.environ.get("MDNORM_CONNECT_TO", "")))


def parse_connect_to(spec: str) -> dict[tuple[str, int], tuple[str, int]]:
    """``"a.test:443:127.0.0.1:8443,b.test:80:127.0.0.1:8080"`` as a mapping."""
    out: dict[tuple[str, int], tuple[str, int]] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        parts = item.rsplit(":", 3)
        if len(parts) != 4 or not parts[1].isdigit() or not parts[3].isdigit():
            raise ValueError(f"MDNORM_CONNECT_TO: expected host:port:addr:port, got {item!r}")
        out[(parts[0].lower(), int(parts[1]))] = (parts[2], int(parts[3]))
    return out


# -- the cache ----------------------------------------------------------------------


class OnlineFacts:
    """Answers the rules may use: fresh cache entries only, never the network."""

    def __init__(self, hosts: dict[str, Verdict], titles: dict[str, TitleAnswer]) -> None:
        self.hosts = hosts
        self.titles = titles

    def https(self, host: str) -> Verdict | None:
        return self.hosts.get(host.lower())

    def title(self, url: str) -> str | None:
        answer = self.titles.get(url)
        return answer.title if answer is not None else None


def _fresh(ok: bool, checked: float, now: float, settings: Settings) -> bool:
    ttl = settings.ttl if ok else min(settings.fail_ttl, settings.ttl)
    return 0 <= now - checked < ttl


def load_cache(root: str, settings: Settings | None = None, now: float | None = None) -> OnlineFacts:
    """The fresh answers in ``root/.mdnorm_cache/online.json`` (a corrupt file counts as empty)."""
    from mdnorm.cache import read_json

    settings = settings or Settings()
    now = time.time() if now is None else now
    data = read_json(_cache_file(root))
    hosts: dict[str, Verdict] = {}
    titles: dict[str, TitleAnswer] = {}
    if isinstance(data, dict) and data.get("version") == _VERSION:
        for host, raw in (data.get("hosts") or {}).items():
            try:
                v = Verdict(bool(raw[0]), str(raw[1]), float(raw[2]))
            except (TypeError, ValueError, IndexError):
                continue
            if _fresh(v.ok, v.checked, now, settings):
                hosts[host] = v
        for url, raw in (data.get("titles") or {}).items():
            try:
                t = TitleAnswer(None if raw[0] is None else str(raw[0]), str(raw[1]), float(raw[2]))
            except (TypeError, ValueError, IndexError):
                continue
            if _fresh(t.title is not None, t.checked, now, settings):
                titles[url] = t
    return OnlineFacts(hosts, titles)


def save_cache(root: str, facts: OnlineFacts) -> None:
    """Merge ``facts`` into the cache file (newest answer wins), atomically."""
    from mdnorm.cache import read_json, write_json

    path = _cache_file(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    data = read_json(path)
    hosts: dict[str, Any] = {}
    titles: dict[str, Any] = {}
    if isinstance(data, dict) and data.get("version") == _VERSION:
        hosts = dict(data.get("hosts") or {})
        titles = dict(data.get("titles") or {})
    hosts.update({h: list(v) for h, v in facts.hosts.items()})
    titles.update({u: list(t) for u, t in facts.titles.items()})
    write_json(path, {"version": _VERSION, "hosts": hosts, "titles": titles})


def _cache_file(root: str) -> Path:
    from mdnorm.project import cache_folder

    return cache_folder(root) / ONLINE_FILE


_FACTS: dict[str, OnlineFacts] = {}


def facts_for(root: str) -> OnlineFacts:
    """The answers for a site: what :func:`prepare` found in this process, else the cache."""
    facts = _FACTS.get(root)
    if facts is None:
        facts = _FACTS[root] = load_cache(root)
    return facts


# -- HTTP ---------------------------------------------------------------------------


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, target: tuple[str, int], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        self.sock = socket.create_connection(self._target, self.timeout)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, target: tuple[str, int], timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._target = target
        self._ctx = context

    def connect(self) -> None:
        sock = socket.create_connection(self._target, self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


class Response(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Prober:
    """Sends the requests: one at a time per call; :func:`run_jobs` adds the concurrency."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._ctx = self.settings.ssl_context or ssl.create_default_context()

    def request(self, method: str, url: str, read: int = 0) -> Response:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        if scheme not in ("http", "https") or not host:
            raise ValueError(f"not an http(s) URL: {url}")
        port = parts.port or (443 if scheme == "https" else 80)
        target = self.settings.connect_to.get((host, port), (host, port))
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = _HTTPSConnection(host, port, target, self.settings.timeout, self._ctx)
        else:
            conn = _HTTPConnection(host, port, target, self.settings.timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request(method, path, headers={"User-Agent": self.settings.user_agent, "Accept": "*/*"})
            resp = conn.getresponse()
            body = resp.read(read) if read and method != "HEAD" else b""
            return Response(resp.status, resp.headers, body)
        finally:
            conn.close()

    def check_https(self, host: str) -> Verdict:
        """Does ``https://host/`` answer with a success or a redirect (not back to http)?"""
        url = f"https://{host}/"
        now = time.time()
        try:
            resp = self.request("HEAD", url)
            if resp.status in (405, 501):
                resp = self.request("GET", url, read=1)
        except Exception as exc:
            return Verdict(False, describe_error(exc), now)
        if 200 <= resp.status < 300:
            return Verdict(True, f"HTTP {resp.status}", now)
        if 300 <= resp.status < 400:
            location = urljoin(url, resp.headers.get("Location", ""))
            if location.lower().startswith("http://"):
                return Verdict(False, f"https redirects back to {location}", now)
            return Verdict(True, f"HTTP {resp.status} to {location}", now)
        return Verdict(False, f"https answers HTTP {resp.status}", now)

    def fetch_title(self, url: str) -> TitleAnswer:
        """The page's ``<title>``, following up to five redirects."""
        now = time.time()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                resp = self.request("GET", url, read=MAX_BODY)
                if 300 <= resp.status < 400 and resp.headers.get("Location"):
                    url = urljoin(url, resp.headers["Location"])
                    continue
                break
            else:
                return TitleAnswer(None, "too many redirects", now)
        except Exception as exc:
            return TitleAnswer(None, describe_error(exc), now)
        if resp.status != 200:
            return TitleAnswer(None, f"HTTP {resp.status}", now)
        ctype = resp.headers.get("Content-Type", "text/html")
        if "html" not in ctype.lower():
            return TitleAnswer(None, f"not an HTML page ({ctype})", now)
        title = extract_title(resp.body, ctype)
        return TitleAnswer(title, "ok" if title else "no <title>", now)


def describe_error(exc: BaseException) -> str:
    """A short, human reason for a failed request."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not valid ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, http.client.HTTPException):
        return f"bad HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


# -- titles -------------------------------------------------------------------------

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_OG_TITLE = re.compile(
    rb"<meta\s[^>]*property\s*=\s*[\"']og:title[\"'][^>]*content\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
#: Labels pages use for encodings Python knows under a wider name (WHATWG's mapping).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252", "ascii": "cp1252"}
TITLE_MAX = 200


def _charset(body: bytes, content_type: str) -> str | None:
    m = _HEADER_CHARSET.search(content_type)
    if m:
        return m.group(1).lower()
    mb = _META_CHARSET.search(body[:4096])
    return mb.group(1).decode("ascii").lower() if mb else None


def _decode(raw: bytes, charset: str | None) -> str:
    if charset:
        try:
            return raw.decode(_SUPERSETS.get(charset, charset), errors="replace")
        except LookupError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def extract_title(body: bytes, content_type: str = "text/html") -> str | None:
    """The ``<title>`` (else ``og:title``) decoded per the page's charset, one line, capped."""
    import html

    m = _TITLE.search(body) or _OG_TITLE.search(body)
    if not m:
        return None
    text = html.unescape(_decode(m.group(1), _charset(body, content_type)))
    text = " ".join(text.split())
    if len(text) > TITLE_MAX:
        text = text[: TITLE_MAX - 1].rstrip() + "…"
    return text or None


# -- a run --------------------------------------------------------------------------


@dataclass
class Stats:
    hosts_probed: int = 0
    hosts_ok: int = 0
    hosts_failed: int = 0
    hosts_cached: int = 0
    titles_fetched: int = 0
    titles_found: int = 0
    titles_cached: int = 0
    skipped_over_limit: int = 0

    def summary(self) -> str:
        text = (
            f"https: {self.hosts_probed} hosts probed ({self.hosts_ok} ok, {self.hosts_failed} failed), "
            f"{self.hosts_cached} cached; titles: {self.titles_fetched} fetched ({self.titles_found} found), "
            f"{self.titles_cached} cached"
        )
        if self.skipped_over_limit:
            text += f"; {self.skipped_over_limit} left for a later run (per-host limit)"
        return text


def run_jobs(
    jobs: list[tuple[str, Callable[[], Any]]],
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Run ``(host, call)`` jobs on a bounded pool, at most ``per_host`` at once per host."""
    locks: dict[str, threading.BoundedSemaphore] = {}
    for host, _ in jobs:
        locks.setdefault(host, threading.BoundedSemaphore(max(1, settings.per_host)))
    done = 0
    lock = threading.Lock()

    def one(job: tuple[str, Callable[[], Any]]) -> Any:
        nonlocal done
        host, call = job
        with locks[host]:
            result = call()
        with lock:
            done += 1
            if progress is not None:
                progress(done, len(jobs))
        return result

    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(settings.workers, len(jobs)))) as pool:
        return list(pool.map(one, jobs))


def _is_probeable(url: str) -> bool:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or port not in (None, 80) or host == "localhost" or host.endswith(".localhost"):
        return False
    return not re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host)


def prepare(
    files: Iterable[str],
    cfg: Any,
    *,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
    codes: Iterable[str] | None = None,
) -> Stats:
    """Probe what the run over ``files`` needs and is not cached; remember the answers.

    For HT001: every host of an ``http://`` URL in the files that is neither a
    known https host nor an http-only host.  For LE001: each link-entry URL the
    index sees without a title.  Answers are saved to the cache of each site root
    and kept for this process (:func:`facts_for`).
    """
    from mdnorm import linkindex
    from mdnorm.selection import selected_codes
    from mdnorm.site import find_root

    settings = settings or Settings.from_env()
    wanted = frozenset(codes) if codes is not None else selected_codes(cfg)
    stats = Stats()
    by_root: dict[str, list[str]] = {}
    for path in files:
        if path == "-":
            continue
        root = find_root(os.path.dirname(os.path.abspath(path)))
        if root is not None:
            by_root.setdefault(root, []).append(path)
    known = urls.KNOWN_HTTPS_HOSTS.union(h.lower() for h in cfg.https_known_hosts)
    skip = known.union(h.lower() for h in cfg.http_only_hosts)
    prober = Prober(settings)
    for root, paths in by_root.items():
        index = linkindex.build(root, cfg)
        facts = load_cache(root, settings)
        hosts: dict[str, None] = {}
        title_urls: dict[str, str] = {}
        for path in paths:
            indexed = index.posts.get(index.rel(path))
            post = indexed.facts if indexed is not None else _facts_of(path)
            if post is None:
                continue
            if "HT001" in wanted:
                for _, _, url in post.http_urls:
                    host = urls.host_of(url)
                    if host and host not in skip and _is_probeable(url):
                        hosts.setdefault(host)
            if "LE001" in wanted:
                for e in post.entries:
                    if not e.titled and _is_probeable(e.url):
                        title_urls.setdefault(e.url, urls.host_of(e.url))
        jobs: list[tuple[str, Callable[[], Any]]] = []
        kinds: list[tuple[str, str]] = []
        per_host: dict[str, int] = {}
        for host in hosts:
            if host in facts.hosts:
                stats.hosts_cached += 1
                continue
            per_host[host] = per_host.get(host, 0) + 1
            jobs.append((host, _bind(prober.check_https, host)))
            kinds.append(("host", host))
        for url, host in title_urls.items():
            if url in facts.titles:
                stats.titles_cached += 1
                continue
            if per_host.get(host, 0) >= settings.max_per_host:
                stats.skipped_over_limit += 1
                continue
            per_host[host] = per_host.get(host, 0) + 1
            jobs.append((host, _bind(prober.fetch_title, url)))
            kinds.append(("title", url))
        for (kind, what), answer in zip(kinds, run_jobs(jobs, settings, progress), strict=True):
            if kind == "host":
                facts.hosts[what] = answer
                stats.hosts_probed += 1
                if answer.ok:
                    stats.hosts_ok += 1
                else:
                    stats.hosts_failed += 1
            else:
                facts.titles[what] = answer
                stats.titles_fetched += 1
                stats.titles_found += answer.title is not None
        if jobs:
            save_cache(root, facts)
        _FACTS[root] = facts
    return stats


def _bind(fn: Callable[[str], Any], arg: str) -> Callable[[], Any]:
    return lambda: fn(arg)


def _facts_of(path: str) -> PostFacts | None:
    from mdnorm.document import DecodeError, Document
    from mdnorm.facts import facts_of

    try:
        with open(path, "rb") as fh:
            return facts_of(Document.from_bytes(path, fh.read()))
    except (OSError, DecodeError):
        return None


class TerminalProgress:
    """``probing 12/300`` on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, label: str, stream: Any = None) -> None:
        import sys

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
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def prepare_for_cli(files: list[str], cfg: Any, codes: Iterable[str] | None = None) -> Stats:
    """:func:`prepare` with the settings from the environment and a progress bar on a terminal."""
    return prepare(files, cfg, progress=TerminalProgress("mdnorm --online"), codes=codes)
