"""--online: https probing and title fetching, only against servers started here on 127.0.0.1.

Test hosts (``*.test``) are mapped to the local servers with ``connect_to`` (the
same mechanism as ``MDNORM_CONNECT_TO``); the https server's certificate comes
from a CA made for the test with trustme.
"""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

trustme = pytest.importorskip("trustme")

from mdnorm import online  # noqa: E402
from mdnorm.cli import main  # noqa: E402

GBK_TITLE = "深度学习：多标签  分类\n实践"
SEEN_AGENTS: list[str] = []


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        host = (self.headers.get("Host") or "").split(":")[0]
        if host == "head405.test" and self.command == "HEAD":
            self._send(405, {})
        elif host == "redirects.test":
            self._send(301, {"Location": "https://serves.test/"})
        elif host == "downgrade.test":
            self._send(302, {"Location": "http://downgrade.test/"})
        elif host == "missing.test":
            self._send(404, {})
        elif host == "gbk.test":
            body = f"<html><head><title>{GBK_TITLE}</title></head></html>".encode("gbk")
            self._send(200, {"Content-Type": "text/html; charset=GBK"}, body)
        elif host == "meta.test":
            body = '<html><head><meta charset="shift_jis"><title>日本語 &amp; タイトル</title>'.encode("shift_jis")
            self._send(200, {"Content-Type": "text/html"}, body)
        elif host == "hop.test" and self.path != "/final":
            self._send(302, {"Location": "/final"})
        else:
            self._send(200, {"Content-Type": "text/html; charset=utf-8"}, b"<title>Serves *https*</title>")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def _start(server: http.server.HTTPServer) -> threading.Thread:
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    ca = trustme.CA()
    names = ["serves.test", "head405.test", "redirects.test", "downgrade.test", "missing.test", "hop.test"]
    cert = ca.issue_cert(*names)
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(sctx)
    https = _Server(("127.0.0.1", 0), _Handler)
    https.socket = sctx.wrap_socket(https.socket, server_side=True)
    plain = _Server(("127.0.0.1", 0), _Handler)
    _start(https)
    _start(plain)
    # a port nobody listens on: connections are refused
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    refused_port = probe.getsockname()[1]
    probe.close()
    # a server that accepts the connection (the kernel's backlog) and never answers
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    hs, ps = https.server_address[1], plain.server_address[1]
    connect_to = {(n, 443): ("127.0.0.1", hs) for n in names}
    connect_to.update({(n, 80): ("127.0.0.1", ps) for n in [*names, "gbk.test", "meta.test"]})
    connect_to[("refuses.test", 443)] = ("127.0.0.1", refused_port)
    connect_to[("refuses.test", 80)] = ("127.0.0.1", refused_port)
    connect_to[("silent.test", 443)] = ("127.0.0.1", silent.getsockname()[1])
    for name in ("gbk.test", "meta.test", "silent.test"):  # every test host is mapped on both ports
        connect_to.setdefault((name, 443), ("127.0.0.1", refused_port))
        connect_to.setdefault((name, 80), ("127.0.0.1", refused_port))
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cctx = ssl.create_default_context()
    ca.configure_trust(cctx)
    yield {"connect_to": connect_to, "ctx": cctx, "ca_file": ca_file}
    https.shutdown()
    plain.shutdown()
    silent.close()


def _settings(servers: dict[str, object], **kw: object) -> online.Settings:
    return online.Settings(
        timeout=kw.pop("timeout", 5.0),  # type: ignore[arg-type]
        connect_to=servers["connect_to"],  # type: ignore[arg-type]
        ssl_context=servers["ctx"],  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    online._FACTS.clear()
    yield
    online._FACTS.clear()


# -- the probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "ok", "detail"),
    [
        ("serves.test", True, "HTTP 200"),
        ("head405.test", True, "HTTP 200"),  # HEAD answered 405: the GET that followed succeeded
        ("redirects.test", True, "HTTP 301 to https://serves.test/"),
        ("downgrade.test", False, "https redirects back to http://downgrade.test/"),
        ("missing.test", False, "https answers HTTP 404"),
        ("refuses.test", False, "connection refused"),
    ],
)
def test_check_https(servers: dict[str, object], host: str, ok: bool, detail: str) -> None:
    verdict = online.Prober(_settings(servers)).check_https(host)
    assert (verdict.ok, verdict.detail) == (ok, detail)


def test_check_https_times_out(servers: dict[str, object]) -> None:
    verdict = online.Prober(_settings(servers, timeout=0.3)).check_https("silent.test")
    assert (verdict.ok, verdict.detail) == (False, "timed out")


def test_untrusted_certificate_is_a_failure(servers: dict[str, object]) -> None:
    settings = _settings(servers)
    settings.ssl_context = ssl.create_default_context()  # the system store does not know the test CA
    verdict = online.Prober(settings).check_https("serves.test")
    assert not verdict.ok and verdict.detail.startswith("certificate not valid")


def test_user_agent_names_mdnorm_and_its_version(servers: dict[str, object]) -> None:
    from mdnorm import __version__

    SEEN_AGENTS.clear()
    online.Prober(_settings(servers)).check_https("serves.test")
    assert SEEN_AGENTS and all(a.startswith(f"mdnorm/{__version__} ") for a in SEEN_AGENTS)


def test_titles_decoded_per_charset(servers: dict[str, object]) -> None:
    prober = online.Prober(_settings(servers))
    assert prober.fetch_title("http://gbk.test/p").title == "深度学习：多标签 分类 实践"
    assert prober.fetch_title("http://meta.test/").title == "日本語 & タイトル"
    assert prober.fetch_title("http://hop.test/start").title == "Serves *https*"
    assert prober.fetch_title("http://refuses.test/").title is None


def test_title_is_capped() -> None:
    body = ("<title>" + "word " * 200 + "</title>").encode()
    title = online.extract_title(body)
    assert title is not None and len(title) == online.TITLE_MAX and title.endswith("…")


def test_parse_connect_to() -> None:
    assert online.parse_connect_to("a.test:443:127.0.0.1:8443, b.test:80:127.0.0.1:8080") == {
        ("a.test", 443): ("127.0.0.1", 8443),
        ("b.test", 80): ("127.0.0.1", 8080),
    }
    with pytest.raises(ValueError, match="host:port:addr:port"):
        online.parse_connect_to("a.test:443")


# -- the cache ------------------------------------------------------------------------


def test_cache_ttl(tmp_path: Path) -> None:
    now = 1_000_000_000.0
    facts = online.OnlineFacts(
        {"up.test": online.Verdict(True, "HTTP 200", now), "down.test": online.Verdict(False, "timed out", now)},
        {"http://up.test/a": online.TitleAnswer("A", "ok", now)},
    )
    online.save_cache(str(tmp_path), facts)
    assert set(online.load_cache(str(tmp_path), now=now + 3600).hosts) == {"up.test", "down.test"}
    two_days = online.load_cache(str(tmp_path), now=now + 2 * online.DAY)
    assert set(two_days.hosts) == {"up.test"}  # failures are kept for a day at most
    assert two_days.title("http://up.test/a") == "A"
    assert online.load_cache(str(tmp_path), now=now + 31 * online.DAY).hosts == {}


def test_corrupt_cache_is_empty(tmp_path: Path) -> None:
    path = online._cache_file(str(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert online.load_cache(str(tmp_path)).hosts == {}


# -- a site, end to end -----------------------------------------------------------------

POST = """---
layout: post
title: T
category: C
---

http://serves.test/a

Serves

http://refuses.test/b

Refuses

http://gbk.test/p

## Next
"""


def _site(tmp_path: Path) -> Path:
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2020-1-2-a.md").write_text(POST, encoding="utf-8")
    return posts


def test_prepare_probes_once_then_uses_the_cache(servers: dict[str, object], tmp_path: Path) -> None:
    from mdnorm.config import Config

    posts = _site(tmp_path)
    cfg = Config(root=str(tmp_path))
    files = [str(posts / "2020-1-2-a.md")]
    stats = online.prepare(files, cfg, settings=_settings(servers), codes={"HT001", "LE001"})
    assert (stats.hosts_probed, stats.hosts_ok, stats.hosts_failed) == (3, 1, 2)  # serves, refuses, gbk (no https)
    assert (stats.titles_fetched, stats.titles_found) == (1, 1)
    online._FACTS.clear()
    again = online.prepare(files, cfg, settings=_settings(servers), codes={"HT001", "LE001"})
    assert (again.hosts_probed, again.hosts_cached, again.titles_fetched, again.titles_cached) == (0, 3, 0, 1)


def test_per_host_limit_leaves_the_rest_for_later(servers: dict[str, object], tmp_path: Path) -> None:
    from mdnorm.config import Config

    (tmp_path / "_config.yml").write_text("", encoding="utf-8")
    body = "".join(f"http://gbk.test/p{i}\n\n## H{i}\n\n" for i in range(5))
    (tmp_path / "2020-1-1-x.md").write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    stats = online.prepare(
        [str(tmp_path / "2020-1-1-x.md")], Config(root=str(tmp_path)), settings=_settings(servers, max_per_host=3)
    )
    assert stats.titles_fetched + stats.hosts_probed == 3
    assert stats.skipped_over_limit == 3  # 5 titles + 1 https probe, 3 allowed


def test_cli_online_end_to_end(servers: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = _site(tmp_path)
    spec = ",".join(f"{h}:{p}:{a}:{ap}" for (h, p), (a, ap) in servers["connect_to"].items())  # type: ignore[attr-defined]
    monkeypatch.setenv("MDNORM_CONNECT_TO", spec)
    monkeypatch.setenv("SSL_CERT_FILE", str(servers["ca_file"]))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["--online", "--select", "HT001,LE001", "--no-color", "_posts/"])
    assert res.exit_code == 1, res.output
    out = res.stdout
    assert "HT001 [*] insecure link to serves.test: use https://" in out  # verified: a safe fix
    assert "insecure link to refuses.test, which is http-only (connection refused)" in out
    assert "LE001" in out
    res = runner.invoke(main, ["--online", "--fix", "--unsafe-fixes", "--select", "HT001,LE001", "_posts/"])
    text = (posts / "2020-1-2-a.md").read_text(encoding="utf-8")
    assert "https://serves.test/a" in text
    assert "http://refuses.test/b" in text  # http-only: left alone
    assert "http://gbk.test/p\n\n深度学习：多标签 分类 实践\n\n## Next\n" in text  # gbk.test has no https


def test_without_online_nothing_touches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def refuse(*args: object, **kw: object) -> None:
        calls.append(args)
        raise AssertionError("network access without --online")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    _site(tmp_path)
    monkeypatch.chdir(tmp_path)
    for args in (["_posts/"], ["--fix", "--unsafe-fixes", "_posts/"], ["links", "_posts/"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code in (0, 1), res.output
    assert calls == []
    text = (tmp_path / "_posts" / "2020-1-2-a.md").read_text(encoding="utf-8")
    assert "https://serves.test/a" in text  # the offline unsafe fix still applies
    assert "://gbk.test/p\n\n## Next" in text  # no title without --online
    assert not online._cache_file(str(tmp_path)).exists()
