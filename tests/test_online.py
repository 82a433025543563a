"""--online: verdicts, fixes, cache entries, SSRF and bounds, against servers on 127.0.0.1 only.

Every test runs under :class:`netfake.Guard`: a name lookup or a connection to any
address but 127.0.0.1 is refused and fails the test.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from netfake import Guard, Net, start_net

from mdnorm import online
from mdnorm.cli import main
from mdnorm.config import Config
from mdnorm.online import store
from mdnorm.online.client import HostLimit, Settings, parse_resolve, refusal
from mdnorm.online.titles import extract_title, markdown_title

NAMES = ["ok.test", "dead.test", "evil.test", "slow.test", "t.test", "wayback.test", "serves.test", "down.test"]


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    yield from start_net()


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    g = Guard(monkeypatch)
    yield g
    assert g.violations == [], "contacted something but 127.0.0.1"


def settings(net: Net, **kw: object) -> Settings:
    """Test hosts on their default ports go to the local servers."""
    s = Settings(
        timeout=1.5,  # a local answer never takes this long, even on a loaded 2-core machine; slow.test takes 3 s
        response_time=2.0,
        backoff=0.1,
        retries=1,
        max_wait=2.0,
        limit=HostLimit(4, 0.0),
        ssl_context=net.ctx,
        wayback_url="http://wayback.test/available",
    )
    for name in NAMES:
        s.resolve[(name, 80)] = s.resolve[(name, 443)] = "127.0.0.1"
        s.ports[(name, 80)], s.ports[(name, 443)] = net.plain, net.tls
    for k, v in kw.items():
        setattr(s, k, v)
    return s


def site(tmp_path: Path, body: str, name: str = "2019-3-7-a.md") -> Path:
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    posts = tmp_path / "_posts"
    posts.mkdir(exist_ok=True)
    post = posts / name
    post.write_text(f"---\nlayout: post\ntitle: T\ncategory: C\n---\n\n{body}", encoding="utf-8")
    return post


# -- one verdict per kind of answer -------------------------------------------------

CASES = [
    # path, verdict, reason (a prefix), cached
    ("http://ok.test/ok", "alive", "HTTP 200", True),
    ("http://ok.test/p301/a", "alive", "HTTP 200 after 1 redirect", True),
    ("http://ok.test/p308/a", "alive", "HTTP 200 after 1 redirect", True),
    ("https://ok.test/back", "dead", "https redirects back to http://ok.test/ok", True),
    ("http://ok.test/missing", "dead", "HTTP 404", True),
    ("http://ok.test/gone", "dead", "HTTP 410", True),
    ("http://ok.test/r429", "unverifiable", "HTTP 429 (rate limited)", False),
    ("http://ok.test/bot", "unverifiable", "HTTP 403", False),
    ("http://ok.test/r503", "unverifiable", "HTTP 503", False),
    ("http://slow.test/slow", "unverifiable", "timed out", False),
    ("http://slow.test/trickle", "unverifiable", "response took over", False),
    ("http://ok.test/big", "alive", "HTTP 200", True),
    ("http://ok.test/loop", "dead", "redirect loop", True),
    ("http://ok.test/to-local", "unverifiable", "not contacted: 127.0.0.1 is a loopback address", False),
    ("http://ok.test/to-ten", "unverifiable", "not contacted: 10.1.2.3 is a private address", False),
    ("http://ok.test/to-link-local", "unverifiable", "not contacted: 169.254.169.254 is a link-local", False),
    ("http://nowhere.invalid/x", "dead", "host not found", True),
    ("http://ok.test/gbk", "alive", "HTTP 200", True),
    ("http://ok.test/utf8", "alive", "HTTP 200", True),
]


@pytest.fixture(scope="module")
def checked(net: Net, tmp_path_factory: pytest.TempPathFactory) -> tuple[online.Prepared, Path, float]:
    mp = pytest.MonkeyPatch()
    g = Guard(mp)
    tmp = tmp_path_factory.mktemp("site")
    mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
    body = "".join(f"{url}\n\n## h{i}\n\n" for i, (url, *_) in enumerate(CASES))  # untitled: titles wanted
    post = site(tmp, body)
    started = time.monotonic()
    try:
        prepared = online.prepare([str(post)], Config(root=str(tmp)), settings(net), codes={"LK001", "LE001"})
        elapsed = time.monotonic() - started
        return prepared, tmp, elapsed
    finally:
        mp.undo()
        assert g.violations == []


@pytest.mark.parametrize(("url", "kind", "reason", "cached"), CASES, ids=[c[0].split("/", 3)[3] for c in CASES])
def test_verdict_and_cache_entry(
    checked: tuple[online.Prepared, Path, float], url: str, kind: str, reason: str, cached: bool
) -> None:
    prepared, root, _ = checked
    facts = prepared.facts[str(root)]
    v = facts.link(url)
    assert v is not None and v.kind == kind and v.reason.startswith(reason), v
    saved, _ = _saved(root)
    assert (url in saved) is cached  # unverifiable answers are never stored


def _saved(root: Path) -> tuple[dict[str, store.Observation], dict[str, store.Snapshot]]:
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    try:
        return store.load(store.path_for(str(root)))
    finally:
        if old is not None:
            os.environ["XDG_CACHE_HOME"] = old


def test_run_is_bounded(checked: tuple[online.Prepared, Path, float], net: Net) -> None:
    _, _, elapsed = checked
    assert elapsed < 20  # the slow (3 s) and trickling servers are cut at their budgets (minutes otherwise)
    assert net.counters.get("big-done", 0) in (0, 1)


def test_cache_file_is_private_and_holds_observations(checked: tuple[online.Prepared, Path, float]) -> None:
    _, root, _ = checked
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    try:
        path = store.path_for(str(root))
    finally:
        if old is not None:
            os.environ["XDG_CACHE_HOME"] = old
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    import json

    raw = json.loads(path.read_text(encoding="utf-8"))
    entry = raw["urls"]["http://ok.test/p301/a"]
    assert entry["s"] == 200 and entry["c"] == [[301, "http://ok.test/p301/a"]] and "verdict" not in json.dumps(raw)


def test_titles_gbk_and_hostile(checked: tuple[online.Prepared, Path, float]) -> None:
    prepared, root, _ = checked
    facts = prepared.facts[str(root)]
    assert facts.title("http://ok.test/gbk") == "深度 | 学习 {% raw %} 笔记"
    utf8 = facts.title("http://ok.test/utf8")
    assert utf8 is not None and "\x00" not in utf8 and "\x1b" not in utf8
    assert facts.title("http://ok.test/big") == "Big page"
    gbk = markdown_title("深度 | 学习 {% raw %} 笔记")
    assert gbk == "深度 \\| 学习 &#123;&#37; raw &#37;&#125; 笔记"
    md = markdown_title(utf8)
    assert md is not None and "{%" not in md and "<script>" not in md and "\\|" in md


def test_retry_after_is_honoured(net: Net, tmp_path: Path) -> None:
    events: list[online.RequestEvent] = []
    post = site(tmp_path, "http://ok.test/r429once/x\n\nT\n")
    prepared = online.prepare(
        [str(post)], Config(root=str(tmp_path)), settings(net, observer=events.append), codes={"LK001"}
    )
    assert prepared.facts[str(tmp_path)].link("http://ok.test/r429once/x").kind == "alive"  # type: ignore[union-attr]
    starts = [e.start for e in events if "r429once" in e.url]
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.95  # Retry-After: 1


def test_a_retry_after_beyond_the_cap_is_not_waited(net: Net, tmp_path: Path) -> None:
    post = site(tmp_path, "http://ok.test/r429/y\n\nT\n")
    t = time.monotonic()
    prepared = online.prepare([str(post)], Config(root=str(tmp_path)), settings(net, max_wait=0.5), codes={"LK001"})
    assert time.monotonic() - t < 5.0  # the cap, not the server's Retry-After (generous: a loaded machine)
    assert prepared.facts[str(tmp_path)].link("http://ok.test/r429/y").kind == "unverifiable"  # type: ignore[union-attr]


def test_https_probe_for_ht001(net: Net, tmp_path: Path) -> None:
    post = site(tmp_path, "see http://serves.test/a and http://down.test/back\n")
    prepared = online.prepare([str(post)], Config(root=str(tmp_path)), settings(net), codes={"HT001"})
    facts = prepared.facts[str(tmp_path)]
    assert facts.https("serves.test") == (True, "HTTP 200", facts.https("serves.test").checked)  # type: ignore[union-attr]
    down = facts.https("down.test")  # https://down.test/ answers 200 (path /), so probe /back by hand
    assert down is not None and down.ok


def test_permanent_redirect_fix_safety(net: Net, tmp_path: Path) -> None:
    from mdnorm.runner import Mode, run_files

    post = site(tmp_path, "http://ok.test/p301/a\n\nMoved\n\nhttp://ok.test/ok\n\nOK\n")
    cfg = Config(root=str(tmp_path), select=("LK",))
    prepared = online.prepare([str(post)], cfg, settings(net))
    [res] = run_files([str(post)], cfg, Mode.LINT, False, use_cache=False, jobs=1, online=prepared.facts)
    [d] = [d for d in res.diagnostics if d.code == "LK002"]
    assert d.message == "link moved permanently to https://ok.test/p301/a"
    assert d.fix is not None and d.fix.applicability == "safe"  # http -> https, same host and path


def test_scheme_upgrade_only() -> None:
    from mdnorm.online.verdicts import scheme_upgrade_only

    assert scheme_upgrade_only("http://a.test/x?q=1", "https://a.test/x?q=1")
    assert not scheme_upgrade_only("http://a.test/x", "https://b.test/x")
    assert not scheme_upgrade_only("http://a.test/x", "https://a.test/")
    assert not scheme_upgrade_only("https://a.test/x", "http://a.test/x")


# -- SSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addr", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("240.0.0.1", "reserved"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("100.64.0.1", "not a public"),
    ],
)
def test_only_public_addresses(addr: str, why: str) -> None:
    import ipaddress

    reason = refusal(ipaddress.ip_address(addr), ())
    assert reason is not None and why in reason
    assert refusal(ipaddress.ip_address("93.184.216.34"), ()) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), (ipaddress.ip_network("10.0.0.0/8"),)) is None


def test_parse_resolve() -> None:
    assert parse_resolve(["a.test:80:127.0.0.1", "B.test:443:[::1]"]) == {
        ("a.test", 80): "127.0.0.1",
        ("b.test", 443): "::1",
    }
    for bad in ("a.test:80", "a.test:x:127.0.0.1", "a.test:80:localhost"):
        with pytest.raises(ValueError, match="resolve"):
            parse_resolve([bad])


def test_repro_12_ssrf_refused(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """0x7f000001, [::ffff:127.0.0.1] and a redirect to 127.0.0.1 are never fetched."""
    p = net.plain
    urls = [f"http://0x7f000001:{p}/b", f"http://[::ffff:127.0.0.1]:{p}/c", f"http://evil.test:{p}/redir"]
    post = site(tmp_path, "".join(f"{u}\n\n" for u in urls) + "## end\n")
    monkeypatch.chdir(tmp_path)
    before = len(net.seen)
    args = ["--online", "--resolve", f"evil.test:{p}:127.0.0.1", "--fix", "--unsafe-fixes"]
    res = CliRunner().invoke(main, [*args, "--select", "LE001,LK", "_posts"])
    assert res.exit_code in (0, 1), res.output
    paths = [s[2] for s in net.seen[before:]]
    assert paths and all(path.startswith("/redir") for path in paths), paths  # only evil.test itself
    assert "SECRET" not in post.read_text(encoding="utf-8")


def test_bad_resolve_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site(tmp_path, "x\n")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["--online", "--resolve", "nonsense", "_posts"])
    assert res.exit_code == 2 and "HOST:PORT:ADDR" in res.output


# -- repro 13: a trickling server, a hostile page ---------------------------------------


def test_repro_13_trickle_cannot_hold_the_run(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = net.plain
    site(tmp_path, f"http://slow.test:{p}/drip\n\n## end\n")
    (tmp_path / ".mdnorm.toml").write_text("[online]\ntimeout = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    t = time.monotonic()
    res = CliRunner().invoke(main, ["--online", "--resolve", f"slow.test:{p}:127.0.0.1", "--select", "LE001", "_posts"])
    assert res.exit_code == 1, res.output
    assert time.monotonic() - t < 20  # response budget: 2 x timeout (the trickle alone would take minutes)


def test_repro_13_title_extraction_is_linear() -> None:
    for n in (64_000, 512_000):  # CPU time: a loaded machine delays the work but does not add to it
        t = time.process_time()
        assert extract_title(b"<title>" * (n // 7)) is None
        assert time.process_time() - t < 0.2
    t = time.process_time()
    extract_title(b"<meta " * 100_000 + b"<title>x</title>")
    assert time.process_time() - t < 0.5


# -- repro 14: titles that would break the post ------------------------------------------


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("nul", "beforeafter"),
        ("esc", "Nice \\[2J\\]0;pwned page"),
        ("pipe", "Attention Is All You Need \\| Papers With Code"),
        ("liquid", "Use &#123;&#37; raw &#37;&#125; and &#123;&#123; site.title &#125;&#125; \\| \\$\\$x\\$\\$"),
    ],
)
def test_repro_14_titles_are_made_safe(
    net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, line: str
) -> None:
    p = net.plain
    post = site(tmp_path, f"http://t.test:{p}/t/{name}\n\n## end\n")
    monkeypatch.chdir(tmp_path)
    args = ["--online", "--resolve", f"t.test:{p}:127.0.0.1", "--select", "LE001"]
    res = CliRunner().invoke(main, [*args, "--fix", "--unsafe-fixes", "_posts"])
    assert res.exit_code in (0, 1), res.output  # never 3: the fix settles
    text = post.read_text(encoding="utf-8")
    assert f"http://t.test:{p}/t/{name}\n\n{line}\n\n## end\n" in text
    assert "\x00" not in text and "\x1b" not in text
    again = CliRunner().invoke(main, ["--select", "LE001", "_posts"])
    assert again.exit_code == 0, again.output


# -- LK001 end to end: evidence and the Wayback fix ----------------------------------------


def test_dead_link_with_wayback_fix(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = net.plain
    post = site(tmp_path, f"http://dead.test:{p}/missing/paper\n\nA paper\n", name="2019-3-7-a.md")
    (tmp_path / ".mdnorm.toml").write_text(
        f'[online]\nwayback-url = "http://wayback.test:{p}/available"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    args = ["--online", "--resolve", f"dead.test:{p}:127.0.0.1", "--resolve", f"wayback.test:{p}:127.0.0.1"]
    res = CliRunner().invoke(main, [*args, "--select", "LK001", "--no-color", "_posts"])
    assert res.exit_code == 1, res.output
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert f"LK001 dead link: HTTP 404 (checked {today}); archived copy 20190307" in res.stdout
    assert any("timestamp=20190307" in s[2] for s in net.seen)  # the post's date, from its file name
    res = CliRunner().invoke(main, [*args, "--select", "LK001", "--fix", "--unsafe-fixes", "_posts"])
    text = post.read_text(encoding="utf-8")
    assert f"https://web.archive.org/web/20190307000000/http://dead.test:{p}/missing/paper\n\nA paper\n" in text


def test_cached_dead_answer_needs_no_request(net: Net, tmp_path: Path) -> None:
    post = site(tmp_path, "http://ok.test/missing/c\n\nT\n")
    cfg = Config(root=str(tmp_path))
    first = online.prepare([str(post)], cfg, settings(net), codes={"LK001"})
    assert first.stats.dead == 1
    again = online.prepare([str(post)], cfg, settings(net), codes={"LK001"})
    assert (again.stats.cached, again.stats.requests) == (1, 0)


def test_corrupt_cache_is_rebuilt(net: Net, tmp_path: Path) -> None:
    post = site(tmp_path, "http://ok.test/ok/c\n\nT\n")
    path = store.path_for(str(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    online.prepare([str(post)], Config(root=str(tmp_path)), settings(net), codes={"LK001"})
    saved, _ = store.load(path)
    assert "http://ok.test/ok/c" in saved and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_request_budget_spreads_over_runs(net: Net, tmp_path: Path) -> None:
    body = "".join(f"http://ok.test/ok/{i}\n\nT{i}\n\n" for i in range(12))
    post = site(tmp_path, body)
    cfg = Config(root=str(tmp_path))
    first = online.prepare([str(post)], cfg, settings(net, max_requests=5), codes={"LK001"})
    assert (first.stats.checked, first.stats.left, first.stats.requests) == (5, 7, 5)
    second = online.prepare([str(post)], cfg, settings(net, max_requests=5), codes={"LK001"})
    assert (second.stats.cached, second.stats.checked) == (5, 5)


def test_without_online_nothing_touches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    calls: list[object] = []

    def refuse(*args: object, **kw: object) -> None:
        calls.append(args)
        raise AssertionError("network access without --online")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    site(tmp_path, "http://serves.example.net/a\n\nServes\n\nhttp://gbk.test/p\n\n## Next\n")
    monkeypatch.chdir(tmp_path)
    for args in (["_posts/"], ["--fix", "--unsafe-fixes", "_posts/"], ["links", "_posts/"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code in (0, 1), res.output
    assert calls == []
    text = (tmp_path / "_posts" / "2019-3-7-a.md").read_text(encoding="utf-8")
    assert "https://serves.example.net/a" in text  # the offline unsafe fix still applies
    assert "://gbk.test/p\n\n## Next" in text  # no title without --online
    assert not store.path_for(str(tmp_path)).exists()
