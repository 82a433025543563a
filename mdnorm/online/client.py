"""The polite, bounded and SSRF-safe HTTP client of ``--online``.

Every connection goes to an address checked *after* resolution (so ``0x7f000001``,
``[::ffff:127.0.0.1]`` and a public name whose DNS answers ``10.0.0.1`` are all
seen as what they are), redirects included: each hop is a new connection,
checked again.  Only public addresses are contacted unless the user allows a
network (``online.allow-networks``) or names the address with ``--resolve
HOST:PORT:ADDR`` (curl's option), which sends connections to HOST:PORT to ADDR and
allows ADDR for that HOST:PORT only: a redirect to ``http://127.0.0.1/`` is still
refused.  The connection is made to the checked address itself, never to the name
again, so a second DNS answer cannot swap it.

Politeness and bounds (lychee is the model): per-host concurrency and a minimum
interval between request starts, back-off on 429/5xx honouring ``Retry-After``
with caps, a request budget per run, an overall deadline, and a time and size
budget per response enforced by a watchdog that shuts the socket, so a server
trickling a byte every two seconds cannot hold a worker.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from mdnorm._version import __version__

DAY = 86400.0
USER_AGENT = f"mdnorm/{__version__} (link checker for Jekyll posts)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class HostLimit:
    """How hard one host may be asked: requests in flight, and seconds between starts."""

    concurrency: int
    interval: float


@dataclass
class Settings:
    """Everything a run of the checker may do; built from the config by :func:`mdnorm.online.settings_for`."""

    timeout: float = 10.0  # connect, and each wait for bytes
    response_time: float = 20.0  # a whole response, headers and body
    max_body: int = 512 * 1024  # bytes of a body read (a title lives in the first kilobytes)
    deadline: float = 600.0  # the whole run
    max_requests: int = 2000  # per run; what is left waits for the next run (the cache persists)
    workers: int = 8
    limit: HostLimit = HostLimit(2, 0.5)
    host_limits: dict[str, HostLimit] = field(default_factory=dict)
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 1.0  # first wait after a 429/5xx; doubles
    max_wait: float = 60.0  # longest wait honoured (a longer Retry-After: unverifiable this run)
    resolve: dict[tuple[str, int], str] = field(default_factory=dict)
    #: tests only: where a --resolve entry's connections go (default: the entry's own port)
    ports: dict[tuple[str, int], int] = field(default_factory=dict)
    allow_networks: tuple[IPNetwork, ...] = ()
    wayback_url: str = "https://archive.org/wayback/available"
    ttl_alive: float = 30 * DAY
    ttl_dead: float = 7 * DAY
    user_agent: str = USER_AGENT
    ssl_context: ssl.SSLContext | None = None
    #: called after every request (tests record the timeline with it)
    observer: Callable[[RequestEvent], None] | None = None

    def limit_for(self, host: str) -> HostLimit:
        return self.host_limits.get(host, self.limit)


class RequestEvent(NamedTuple):
    """One request sent: for a timeline of the run (monotonic times)."""

    host: str
    method: str
    url: str
    start: float
    end: float
    outcome: str  # "200", "timeout", ...
    #: the start its host's gate gave it: slots are the interval apart, ``start`` is never before its slot
    slot: float = 0.0


class Failure(NamedTuple):
    """A request that got no HTTP answer; ``kind`` decides the verdict (see :mod:`.verdicts`)."""

    kind: str  # dns | dns-temp | tls | refused | timeout | blocked | skipped | error | loop | too-large
    detail: str


class Answer(NamedTuple):
    status: int
    location: str | None
    content_type: str
    retry_after: str | None
    body: bytes


class Fetched(NamedTuple):
    """A URL followed to its end: the hops ``(status, url)``, then an answer or a failure."""

    chain: tuple[tuple[int, str], ...]
    answer: Answer | None
    failure: Failure | None
    final_url: str


class Blocked(Exception):
    """Every address of a host is one the settings do not allow."""


def parse_resolve(items: Iterable[str]) -> dict[tuple[str, int], str]:
    """``["a.test:80:127.0.0.1", "b.test:443:[::1]"]`` (curl's ``--resolve``) as a mapping."""
    out: dict[tuple[str, int], str] = {}
    for item in items:
        host, sep, rest = item.partition(":")
        port, sep2, addr = rest.partition(":")
        addr = addr.strip()
        if addr.startswith("[") and addr.endswith("]"):
            addr = addr[1:-1]
        if not sep or not sep2 or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"--resolve: expected HOST:PORT:ADDR, got {item!r}")
        try:
            ipaddress.ip_address(addr)
        except ValueError:
            raise ValueError(f"--resolve: {addr!r} in {item!r} is not an IP address") from None
        out[(host.lower().strip("[]"), int(port))] = addr
    return out


def refusal(addr: IPAddress, allow: tuple[IPNetwork, ...]) -> str | None:
    """Why ``addr`` may not be contacted (None: it may): only public addresses by default."""
    if isinstance(addr, ipaddress.IPv6Address):
        inner = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if inner is not None:
            addr = inner
    if any(addr in net for net in allow if net.version == addr.version):
        return None
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(addr, f"is_{kind}"):
            return f"{addr} is a {kind.replace('_', '-')} address"
    if not addr.is_global:
        return f"{addr} is not a public address"
    return None


class _Gate:
    """One host's share of the run: a semaphore and the earliest time of its next request."""

    def __init__(self, limit: HostLimit) -> None:
        self.sem = threading.BoundedSemaphore(max(1, limit.concurrency))
        self.interval = max(0.0, limit.interval)
        self.lock = threading.Lock()
        self.next = 0.0

    def enter(self, deadline: float) -> float | None:
        """Wait for a place and this host's next slot; the slot (monotonic), or None past ``deadline``."""
        if not self.sem.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return None
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            if start >= deadline:
                self.sem.release()
                return None
            self.next = start + self.interval
        time.sleep(start - now)
        return start

    def leave(self) -> None:
        self.sem.release()

    def push_back(self, until: float) -> None:
        with self.lock:
            self.next = max(self.next, until)


class Client:
    """Sends the requests of one run; thread-safe, one instance per run."""

    def __init__(self, settings: Settings, started: float | None = None) -> None:
        self.settings = settings
        self.deadline = (time.monotonic() if started is None else started) + settings.deadline
        self._ctx = settings.ssl_context or ssl.create_default_context()
        self._gates: dict[str, _Gate] = {}
        self._lock = threading.Lock()
        self.requests = 0

    # -- one URL, redirects followed -----------------------------------------------

    def fetch(self, url: str, want_body: bool) -> Fetched:
        """Follow ``url``: HEAD first (GET when HEAD is not answered with a success or
        redirect, or when a body is wanted), redirects recorded up to the cap."""
        chain: list[tuple[int, str]] = []
        seen = {url}
        current = url
        for _ in range(self.settings.max_redirects + 1):
            got = self.request_retrying("GET" if want_body else "HEAD", current, want_body)
            if isinstance(got, Answer) and not want_body and got.status >= 400 and got.status not in RETRY_STATUSES:
                got = self.request_retrying("GET", current, False)  # HEAD is often refused or answered wrong
            if isinstance(got, Failure):
                return Fetched(tuple(chain), None, got, current)
            chain.append((got.status, current))
            if 300 <= got.status < 400 and got.location:
                nxt = urljoin(current, got.location.strip())
                if urlsplit(nxt).scheme.lower() not in ("http", "https"):
                    return Fetched(tuple(chain), None, Failure("error", f"redirect to {nxt[:80]}"), current)
                if nxt in seen:
                    return Fetched(tuple(chain), None, Failure("loop", "redirect loop"), current)
                seen.add(nxt)
                current = nxt
                continue
            return Fetched(tuple(chain[:-1]), got, None, current)
        return Fetched(tuple(chain), None, Failure("loop", "too many redirects"), current)

    def request_retrying(self, method: str, url: str, want_body: bool) -> Answer | Failure:
        """:meth:`request`, again after a 429/5xx: after ``Retry-After`` or an
        exponential back-off, never longer than ``max_wait`` nor past the deadline."""
        s = self.settings
        got: Answer | Failure = Failure("skipped", "not sent")
        for attempt in range(s.retries + 1):
            got = self.request(method, url, want_body)
            if isinstance(got, Failure) or got.status not in RETRY_STATUSES or attempt == s.retries:
                return got
            wait = _retry_after(got.retry_after)
            if wait is None:
                wait = s.backoff * 2**attempt
            until = time.monotonic() + wait
            if wait > s.max_wait or until >= self.deadline:
                return got
            self._gate(_host(url)).push_back(until)
        return got

    # -- one request ----------------------------------------------------------------

    def _gate(self, host: str) -> _Gate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _Gate(self.settings.limit_for(host))
            return gate

    def _take_budget(self) -> bool:
        with self._lock:
            if self.requests >= self.settings.max_requests:
                return False
            self.requests += 1
            return True

    def request(self, method: str, url: str, want_body: bool = False) -> Answer | Failure:
        """One request, inside its host's limits, the budget and the deadline."""
        parts = urlsplit(url)
        host = _host(url)
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return Failure("error", "bad port")
        if parts.scheme.lower() not in ("http", "https") or not host:
            return Failure("error", "not an http(s) URL")
        if time.monotonic() >= self.deadline:
            return Failure("skipped", "deadline reached")
        gate = self._gate(host)
        slot = gate.enter(self.deadline)
        if slot is None:
            return Failure("skipped", "deadline reached")
        start = time.monotonic()
        try:
            if not self._take_budget():
                return Failure("skipped", "request budget spent")
            got = self._send(method, parts.scheme.lower(), host, port, parts, want_body)
            end = time.monotonic()  # before the gate opens for the next request: [start, end] is in its place
        finally:
            gate.leave()
        if self.settings.observer is not None:
            outcome = str(got.status) if isinstance(got, Answer) else got.kind
            self.settings.observer(RequestEvent(host, method, url, start, end, outcome, slot))
        return got

    def _connect(self, host: str, port: int, timeout: float) -> socket.socket:
        s = self.settings
        named = s.resolve.get((host, port))
        if named is not None:
            return socket.create_connection((named, s.ports.get((host, port), port)), timeout)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        reasons: list[str] = []
        last: OSError | None = None
        for family, _, _, _, sockaddr in infos:
            addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            why = refusal(addr, s.allow_networks)
            if why is not None:
                reasons.append(why)
                continue
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        if last is not None:
            raise last
        raise Blocked(reasons[0] if reasons else "no address")

    def _send(self, method: str, scheme: str, host: str, port: int, parts: object, want_body: bool) -> Answer | Failure:
        s = self.settings
        budget = min(s.response_time, self.deadline - time.monotonic())
        if budget <= 0:
            return Failure("skipped", "deadline reached")
        timeout = min(s.timeout, budget)
        expired = threading.Event()
        raw: socket.socket | None = None
        timer: threading.Timer | None = None
        try:
            raw = self._connect(host, port, timeout)
            sock = raw

            def kill() -> None:
                expired.set()
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

            timer = threading.Timer(budget, kill)
            timer.daemon = True
            timer.start()
            conn: http.client.HTTPConnection
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ctx)
                conn.sock = self._ctx.wrap_socket(raw, server_hostname=host)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                conn.sock = raw
            path = getattr(parts, "path", "") or "/"
            query = getattr(parts, "query", "")
            conn.request(
                method,
                path + ("?" + query if query else ""),
                headers={"User-Agent": s.user_agent, "Accept": "text/html,*/*;q=0.8", "Connection": "close"},
            )
            resp = conn.getresponse()
            body = bytearray()
            if want_body and method == "GET":
                while len(body) < s.max_body:
                    chunk = resp.read1(min(65536, s.max_body - len(body)))
                    if not chunk:
                        break
                    body += chunk
            if expired.is_set():
                return Failure("timeout", f"response took over {budget:g} s")
            return Answer(
                resp.status,
                resp.headers.get("Location"),
                resp.headers.get("Content-Type", ""),
                resp.headers.get("Retry-After"),
                bytes(body),
            )
        except Exception as exc:
            if expired.is_set():
                return Failure("timeout", f"response took over {budget:g} s")
            return describe(exc)
        finally:
            if timer is not None:
                timer.cancel()
            if raw is not None:
                raw.close()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def describe(exc: BaseException) -> Failure:
    """A failed request as a :class:`Failure` (its kind decides dead or unverifiable)."""
    if isinstance(exc, Blocked):
        return Failure("blocked", f"not contacted: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure("tls", f"certificate not valid ({exc.verify_message})")
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", f"TLS error ({exc.reason or exc})")
    if isinstance(exc, ConnectionRefusedError):
        return Failure("refused", "connection refused")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return Failure("timeout", "timed out")
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            return Failure("dns", "host not found")
        return Failure("dns-temp", f"name lookup failed ({exc.strerror})")
    if isinstance(exc, http.client.HTTPException):
        return Failure("error", f"bad HTTP answer ({type(exc).__name__})")
    if isinstance(exc, OSError):
        return Failure("error", exc.strerror or type(exc).__name__)
    return Failure("error", f"{type(exc).__name__}")
