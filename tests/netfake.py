"""A fake web on 127.0.0.1 for the ``--online`` tests, and a guard that fails a test
which tries to reach anything else.

One plain and one https server (a trustme CA) answer by path whatever host the
request names; test host names reach them through ``Settings.resolve`` (and
``Settings.ports``, as the servers listen on random ports) or the CLI's
``--resolve HOST:PORT:ADDR`` with URLs naming the port.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

TLS_NAMES = ["ok.test", "dead.test", "serves.test", "down.test", *(f"h{i}.test" for i in range(40))]
GBK_TITLE = "深度 | 学习 {% raw %} 笔记"
UTF8_TITLE = "Nice\x00 page \x1b[2J\x1b]0;pwned\x07 | {% include x %} <script>alert(1)</script>"


@dataclass
class Net:
    plain: int
    tls: int
    ca_file: str
    ctx: ssl.SSLContext
    seen: list[tuple[str, str, str, float]] = field(default_factory=list)  # (host, method, path, time)
    counters: dict[str, int] = field(default_factory=dict)

    def hits(self, fragment: str) -> int:
        return sum(1 for _, _, p, _ in self.seen if fragment in p)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    net: Net
    tls = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, title: str, charset: str = "utf-8") -> None:
        body = f"<html><head><title>{title}</title></head><body>x</body></html>".encode(charset)
        self._send(200, {"Content-Type": f"text/html; charset={charset}"}, body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:  # one branch per fake page
        net = self.net
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path
        net.seen.append((host, self.command, path, time.monotonic()))
        hostport = self.headers.get("Host") or host
        seg = path.split("/")[1] if "/" in path else ""
        if path.startswith("/available"):  # the Wayback availability API
            q = parse_qs(urlsplit(path).query)
            url, ts = q["url"][0], q.get("timestamp", [""])[0]
            snap = {"available": True, "status": "200", "timestamp": ts + "000000"}
            snap["url"] = f"http://web.archive.org/web/{ts}000000/{url}"
            data = json.dumps({"archived_snapshots": {"closest": snap}}).encode()
            self._send(200, {"Content-Type": "application/json"}, data)
        elif seg in ("p301", "p308"):
            if self.tls:
                self._html("Moved page")
            else:
                tls_host = host if net.tls == 443 else f"{host}:{net.tls}"
                to = f"https://{tls_host if ':' in hostport else host}{path}"
                self._send(int(seg[1:]), {"Location": to})
        elif seg == "back":
            if self.tls:
                self._send(302, {"Location": f"http://{hostport}/ok"})
            else:
                self._html("Plain")
        elif seg == "missing":
            self._send(404)
        elif seg == "gone":
            self._send(410)
        elif seg == "r429":
            self._send(429, {"Retry-After": "1"})
        elif seg == "r429once":
            n = net.counters[path] = net.counters.get(path, 0) + 1
            if n == 1:
                self._send(429, {"Retry-After": "1"})
            else:
                self._html("After a wait")
        elif seg == "bot":
            self._send(403, {"Content-Type": "text/html"}, b"<title>Just a moment...</title>")
        elif seg == "r503":
            self._send(503)
        elif seg == "slow":
            time.sleep(3)
            self._html("Too late")
        elif seg == "trickle":  # headers one byte at a time
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
            try:
                for _ in range(200):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass
        elif seg == "drip":  # repro 13: a body one byte every 2 s
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><head>")
            try:
                for _ in range(100):
                    time.sleep(0.5)
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                pass
        elif seg == "big":  # 50 MB
            size = 50 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command == "GET":
                chunk = b"<title>Big page</title>" + b" " * (1 << 20)
                try:
                    sent = 0
                    while sent < size:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass
            net.counters["big-done"] = 1
        elif seg == "loop":
            self._send(302, {"Location": "/loop2"})
        elif seg == "loop2":
            self._send(302, {"Location": "/loop"})
        elif seg == "to-local":
            self._send(302, {"Location": f"http://127.0.0.1:{net.plain}/secret"})
        elif seg == "to-ten":
            self._send(302, {"Location": "http://10.1.2.3/secret"})
        elif seg == "to-link-local":
            self._send(301, {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif seg == "redir":  # repro 12
            self._send(302, {"Location": f"http://127.0.0.1:{net.plain}/secret"})
        elif seg == "secret":
            self._html("INTERNAL-SECRET-TOKEN-42")
        elif seg == "gbk":
            self._html(GBK_TITLE.replace("{%", "{%"), charset="gbk")
        elif seg == "utf8":
            self._html(UTF8_TITLE)
        elif seg == "t":  # repro 14: /t/<name>
            titles = {
                "nul": "before\x00after",
                "esc": "Nice \x1b[2J\x1b]0;pwned\x07 page",
                "pipe": "Attention Is All You Need | Papers With Code",
                "liquid": "Use {% raw %} and {{ site.title }} | $$x$$",
            }
            self._html(titles.get(path.split("/")[2], "none"))
        else:
            self._html(f"Page {path}")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def start_net() -> Iterator[Net]:
    """Start both servers; yields the :class:`Net` and shuts them down after."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert(*TLS_NAMES)
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(sctx)
    cctx = ssl.create_default_context()
    ca.configure_trust(cctx)
    net = Net(0, 0, "", cctx)
    plain_handler = type("PlainHandler", (_Handler,), {"net": net, "tls": False})
    tls_handler = type("TlsHandler", (_Handler,), {"net": net, "tls": True})
    plain = _Server(("127.0.0.1", 0), plain_handler)
    tls = _Server(("127.0.0.1", 0), tls_handler)
    tls.socket = sctx.wrap_socket(tls.socket, server_side=True)
    net.plain, net.tls = plain.server_address[1], tls.server_address[1]
    import tempfile

    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as fh:
        fh.write(ca.cert_pem.bytes())
    net.ca_file = fh.name
    for s in (plain, tls):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield net
    finally:
        plain.shutdown()
        tls.shutdown()
        os.unlink(fh.name)


class Guard:
    """Refuses (and remembers) any name lookup or connection that is not 127.0.0.1.

    Names ending in ``.invalid`` fail as a DNS server would (host not found),
    without a lookup: the tests use them for dead hosts.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.violations: list[str] = []
        real_getaddrinfo = socket.getaddrinfo
        real_connect = socket.socket.connect

        def getaddrinfo(host: object, *args: object, **kw: object) -> object:
            name = host.decode() if isinstance(host, bytes) else str(host)
            try:  # numeric forms resolve without a lookup (0x7f000001, ::ffff:127.0.0.1)
                ipaddress.ip_address(name)
                numeric = True
            except ValueError:
                try:
                    socket.inet_aton(name)
                    numeric = True
                except OSError:
                    numeric = False
            if numeric:
                return real_getaddrinfo(host, *args, **kw)  # type: ignore[arg-type]
            if name.endswith(".invalid"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            self.violations.append(f"name lookup: {name}")
            raise socket.gaierror(socket.EAI_NONAME, "lookup refused by the test guard")

        def connect(sock: socket.socket, address: object) -> None:
            host = address[0] if isinstance(address, tuple) else str(address)
            if sock.family in (socket.AF_INET, socket.AF_INET6) and host != "127.0.0.1":
                self.violations.append(f"connection to {address}")
                raise ConnectionRefusedError("refused by the test guard")
            real_connect(sock, address)  # type: ignore[arg-type]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)
