"""Benchmark mdnorm against its floor and its peers, interleaved, in one run.

    python bench/run.py                          # a generated corpus shaped like a real blog
    python bench/run.py ../shared/corpus/posts --rounds 5 --scales 8,64
    bench/install_peers.sh                       # once, to include the npm and Python peers

Every corpus is laid out as a Jekyll site (``_config.yml`` with ``permalink:
date``, ``_layouts/post.html``, ``_posts/``), and the scaled sites are copies of
it under real post names (``YYYY-MM-DD-title-cK``, distinct URLs), so that the
site-wide rules run at every size as they do on a blog.

Each command runs once per round, rounds interleaved so that machine noise
spreads over every command alike; the scaled sites' cases run only in the first
``--big-rounds`` rounds (a 64x cold run takes minutes).  CPU time (user +
system, children included) and peak memory (the largest process's maximum
resident set) come from ``wait4`` of the very run that is timed.  Prints medians
and the ratios the performance targets (issue 17) are stated in.  Nothing here
asserts a time: the test suite never does.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_corpus import generate  # noqa: E402

POST = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+?)(\.[A-Za-z]+)$")


@dataclass
class Bench:
    name: str
    cmd: str
    prepare: str | None = None
    big: bool = False  # a scaled site's case: measured in the first --big-rounds rounds only
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def peak(self) -> float:
        return max(self.peaks)


def _tool(name: str) -> str | None:
    for candidate in (
        HERE / ".peers" / "venv" / "bin" / name,
        HERE / ".peers" / "node" / "node_modules" / ".bin" / name,
    ):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def _once(b: Bench) -> None:
    """Run ``b`` once: wall time, CPU time and peak RSS of the command and its children."""
    if b.prepare:
        subprocess.run(b.prepare, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.perf_counter()
    proc = subprocess.Popen(["sh", "-c", b.cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    b.walls.append(time.perf_counter() - start)
    proc.returncode = 0  # reaped by wait4
    b.cpus.append(usage.ru_utime + usage.ru_stime)
    b.peaks.append(usage.ru_maxrss / 1024)


def make_site(folder: Path) -> Path:
    """An empty Jekyll site at ``folder``; returns its ``_posts``."""
    (folder / "_layouts").mkdir(parents=True)
    (folder / "_config.yml").write_text("title: bench\npermalink: date\n", encoding="utf-8")
    (folder / "_layouts" / "post.html").write_text("{{ content }}\n", encoding="utf-8")
    (folder / "_posts").mkdir()
    return folder / "_posts"


#: A link-entry URL line: scheme and host, then the rest.
URL_LINE = re.compile(rb"^([ \t]*https?://[^/\s]+)(\S*[ \t]*\r?)$", re.MULTILINE)


def scaled(posts: list[Path], dest: Path, k: int) -> None:
    """``k`` copies of ``posts`` in ``dest`` as Jekyll posts with distinct URLs (copy 0 keeps its name).

    Copy ``j`` also lists its own links (``https://host/cj/path``): a blog 64 times
    as large has 64 times as many links, not every link 64 times (which would
    make the report itself, one DL002 per listing, the size of the blog).
    """
    for j in range(k):
        for p in posts:
            m = POST.match(p.name)
            date, title, ext = m.groups() if m else ("2000-01-01", p.stem, p.suffix)
            name = f"{date}-{title}{ext}" if j == 0 else f"{date}-{title}-c{j}{ext}"
            data = p.read_bytes()
            if j:
                data = URL_LINE.sub(rb"\1/c%d\2" % j, data)
            (dest / name).write_bytes(data)


def import_profile(cmd: str, cwd: Path) -> list[tuple[int, str]]:
    """``-X importtime`` of ``cmd``: (cumulative microseconds, top-level module), largest first."""
    got = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, check=False)
    tops: dict[str, int] = {}
    for line in got.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if name.startswith(" ") and not name.startswith("  "):  # a top-level import (one space of indent)
            tops[name.strip()] = tops.get(name.strip(), 0) + int(parts[1])
    return sorted(((us, name) for name, us in tops.items()), reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", help="folder of posts (default: generate 817 posts)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scales", default="8", help="size factors of the scaled sites, comma-separated (e.g. 8,64)")
    ap.add_argument("--big-rounds", type=int, default=1, help="rounds that include the scaled sites")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument(
        "--install",
        choices=("wheel", "current"),
        default="wheel",
        help="wheel (default): time mdnorm as users get it, installed from this checkout into a fresh venv"
        " (no editable-install finder on every start); current: the running Python's mdnorm",
    )
    ns = ap.parse_args()
    # An installed package comes byte-compiled; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 never is: compile it once, as an install would.
    import compileall

    import mdnorm

    compileall.compile_dir(str(Path(mdnorm.__file__).parent), quiet=1)

    work = Path(tempfile.mkdtemp(prefix="mdnorm-bench-"))
    corpus = make_site(work / "site")
    fixdir = make_site(work / "fix")
    if ns.corpus:
        for p in Path(ns.corpus).iterdir():
            if p.suffix in (".md", ".markdown"):
                (corpus / p.name).write_bytes(p.read_bytes())
    else:
        generate(corpus, 817)
    posts = sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".markdown"))
    one = posts[len(posts) // 2]
    scales = [int(s) for s in ns.scales.split(",") if s.strip()]
    python = sys.executable
    if ns.install == "wheel":
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        subprocess.run([python, "-m", "pip", "install", "-q", str(HERE.parent)], check=True)
        print(f"mdnorm installed (not editable) into {venv}", file=sys.stderr)
    py = shlex.quote(python)
    mdn = f"{py} -m mdnorm"
    # Every case runs plain unless it says otherwise: the daemon cases clear MDNORM_NO_DAEMON (an
    # empty value is off) for their one command, and talk to this bench's own daemon only.
    os.environ["MDNORM_NO_DAEMON"] = "1"
    os.environ["MDNORM_DAEMON_DIR"] = str(work / "daemon")
    served = f"MDNORM_NO_DAEMON= {mdn}"
    q = shlex.quote
    c = q(str(corpus))
    edit = f"sh -c 'echo >> {q(str(one))}'"

    def settle(folder: str) -> str:
        """Before a "nothing changed" case: the last edit (another case's) past the 2 s in which
        a stat identity is not trusted, then one run that remembers the site as it is now."""
        return f"sleep 2.1 && cd {folder} && {mdn} -q ."

    benches = [
        Bench("floor: mistune parse, block+inline", f"{py} {q(str(HERE / 'floor.py'))} {c}"),
        Bench("floor: mistune parse, block only", f"{py} {q(str(HERE / 'floor.py'))} --block {c}"),
        Bench("import floor: python -c 'import mistune, click, yaml'", f"{py} -c 'import mistune, click, yaml'"),
        Bench("1x cold -j1", f"{mdn} -q --no-cache -j1 {c}"),
        Bench("1x cold -j1, no site-wide rules", f"{mdn} -q --no-cache -j1 --ignore DL002,FM006 {c}"),
        Bench("1x cold, all cores", f"{mdn} -q --no-cache {c}"),
        Bench("1x warm (nothing changed)", f"cd {c} && {mdn} -q .", prepare=settle(c)),
        Bench("1x warm, one post changed", f"cd {c} && {mdn} -q .", prepare=edit),
        Bench("1x one post just edited (pre-commit)", f"cd {c} && {mdn} -q {q(one.name)}", prepare=edit),
        Bench(
            "1x --fix -j1",
            f"{mdn} -q --fix --no-cache -j1 {q(str(fixdir))}",
            prepare=f"rm -rf {q(str(fixdir))} && cp -r {c} {q(str(fixdir))}",
        ),
        Bench("1x one post just edited, daemon", f"cd {c} && {served} -q {q(one.name)}", prepare=edit),
        Bench("1x warm (nothing changed), daemon", f"cd {c} && {served} -q .", prepare=settle(c)),
    ]
    big_one: dict[int, Path] = {}
    for k in scales:
        posts_k = make_site(work / f"x{k}")
        scaled(posts, posts_k, k)
        big_one[k] = posts_k / one.name
        pk, ek = q(str(posts_k)), f"sh -c 'echo >> {q(str(posts_k / one.name))}'"
        benches += [
            Bench(f"{k}x cold -j1", f"{mdn} -q --no-cache -j1 {pk}", big=True),
            Bench(f"{k}x warm (nothing changed)", f"cd {pk} && {mdn} -q .", prepare=settle(pk), big=True),
            Bench(f"{k}x one post just edited", f"cd {pk} && {mdn} -q {q(one.name)}", prepare=ek, big=True),
            Bench(f"{k}x one post just edited, daemon", f"cd {pk} && {served} -q {q(one.name)}", prepare=ek, big=True),
        ]
    if not ns.no_peers:
        rumdl = _tool("rumdl")
        if rumdl:
            cache = q(str(work / "rumdl-cache"))
            benches += [
                Bench("rumdl cold", f"{q(rumdl)} check --no-cache {c}"),
                Bench("rumdl warm", f"{q(rumdl)} check --cache-dir {cache} {c}"),
                Bench("rumdl one post", f"{q(rumdl)} check --no-cache {q(str(one))}", prepare=edit),
            ]
        cli2 = _tool("markdownlint-cli2")
        if cli2:
            benches += [
                Bench("markdownlint-cli2 cold", f"cd {c} && {q(cli2)} '**/*.md' '**/*.markdown'"),
                Bench("markdownlint-cli2 one post", f"{q(cli2)} {q(str(one))}", prepare=edit),
            ]

    # Every command runs from the bench's own folder: from a checkout, ``python -m mdnorm`` would
    # import the checkout's package (the current folder comes first on sys.path), not the install.
    os.chdir(work)
    start_daemon(python, work)
    try:
        measure(benches, ns.rounds, ns.big_rounds, c, mdn, work, scales)
    finally:
        subprocess.run([python, "-m", "mdnorm", "daemon", "stop"], check=False, env=daemon_env(), cwd=work)
    report(benches, posts, ns.corpus, ns.rounds, scales)
    subprocess.run(edit, shell=True, check=False)
    prof = import_profile(f"{py} -X importtime -m mdnorm -q {q(one.name)}", corpus)
    print("\n-X importtime, one edited post (1x): top-level imports, cumulative ms")
    for us, name in prof[:12]:
        print(f"  {us / 1000:7.1f}  {name}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def daemon_env() -> dict[str, str]:
    """The environment of the bench's ``mdnorm daemon`` commands (the daemon's own is inherited from it)."""
    return {k: v for k, v in os.environ.items() if k != "MDNORM_NO_DAEMON"}


def start_daemon(python: str, work: Path) -> None:
    """The daemon of the benchmarked install, its socket in the bench's folder; stopped by main.

    Run from ``work``: ``-m`` puts the current folder first on ``sys.path``, and from the
    checkout it would start (and later stop) the checkout's daemon instead of the install's.
    """
    done = subprocess.run(
        [python, "-m", "mdnorm", "daemon", "start"],
        env=daemon_env(),
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout.strip() or done.stderr.strip(), file=sys.stderr)
    if done.returncode:
        raise SystemExit("the daemon did not start: the daemon cases would time plain runs")


def measure(
    benches: list[Bench], rounds: int, big_rounds: int, c: str, mdn: str, work: Path, scales: list[int]
) -> None:
    """The rounds, interleaved, after one warm-up run per site."""
    for warmup in [f"cd {c} && {mdn} -q ."] + [
        f"cd {shlex.quote(str(work / f'x{k}' / '_posts'))} && {mdn} -q ." for k in scales
    ]:
        subprocess.run(warmup, shell=True, check=False, stdout=subprocess.DEVNULL)
    for b in benches:
        if b.name == "rumdl warm":  # fill its cache
            subprocess.run(b.cmd, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for r in range(rounds):
        active = [b for b in benches if not b.big or r < big_rounds]
        for bench in active[r % len(active) :] + active[: r % len(active)]:
            _once(bench)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)


def report(benches: list[Bench], posts: list[Path], corpus: str | None, rounds: int, scales: list[int]) -> None:
    """The table of cases and the table of targets (issue 17's ratios)."""
    size = sum(p.stat().st_size for p in posts) / 1e6
    print(f"\ncorpus: {len(posts)} posts, {size:.2f} MB ({corpus or 'generated'}); {rounds} rounds; medians\n")
    print("| case | wall s | CPU s | peak MiB |")
    print("|---|---|---|---|")
    for b in benches:
        print(f"| {b.name} | {b.wall:.3f} | {b.cpu:.3f} | {b.peak:.0f} |")
    print("\n(daemon cases: CPU and peak memory are the client's only; the run itself is the daemon's child)")

    by = {b.name: b for b in benches}
    floor, block, imports = (by[n] for n in list(by)[:3])
    cold1, one1 = by["1x cold -j1"], by["1x one post just edited (pre-commit)"]

    def row(target: str, value: str, goal: str, ok: bool | None) -> None:
        print(f"| {target} | {value} | {goal} | {'' if ok is None else 'met' if ok else 'NOT met'} |")

    print("\n| target | measured | goal | |")
    print("|---|---|---|---|")
    for k in scales:
        big = by[f"{k}x cold -j1"]
        t, m = big.cpu / cold1.cpu, big.peak
        goal_t, goal_m = (70, 300) if k >= 64 else (8.5, 80) if k >= 8 else (k * 1.1, 80)
        row(f"{k}x cold CPU / 1x cold CPU", f"{t:.1f}", f"<= {goal_t}", t <= goal_t)
        row(f"{k}x cold peak memory (MiB)", f"{m:.0f}", f"<= {goal_m}", m <= goal_m)
    row("1x cold peak memory (MiB)", f"{cold1.peak:.0f}", "", None)
    r = one1.wall / imports.wall
    row("1x one edited post wall / import floor wall", f"{r:.2f}", "<= 1.5", r <= 1.5)
    for k in scales:
        r = by[f"{k}x one post just edited"].wall / imports.wall
        row(f"{k}x one edited post wall / import floor wall", f"{r:.2f}", "<= 2", r <= 2)
    r = cold1.cpu / floor.cpu
    row("1x cold CPU / mistune floor (block+inline)", f"{r:.2f}", "<= 1.3", r <= 1.3)
    row("1x cold CPU / mistune floor (block only)", f"{cold1.cpu / block.cpu:.2f}", "", None)
    w = by["1x warm (nothing changed)"].wall
    row("1x warm wall (s)", f"{w:.3f}", "<= 0.15", w <= 0.15)
    for k in scales:
        w = by[f"{k}x warm (nothing changed)"].wall
        row(f"{k}x warm wall (s)", f"{w:.3f}", "<= 1.5" if k >= 64 else "", w <= 1.5 if k >= 64 else None)
    for name in ("rumdl cold", "rumdl warm", "rumdl one post", "markdownlint-cli2 cold", "markdownlint-cli2 one post"):
        if name in by:
            mine = one1 if "one post" in name else by["1x warm (nothing changed)"] if "warm" in name else cold1
            row(f"{name}: CPU / mdnorm's", f"{by[name].cpu / mine.cpu:.2f}", "", None)
    r = by["1x one post just edited, daemon"].wall / imports.wall
    row("1x one edited post wall / import floor wall, daemon", f"{r:.2f}", "<= 1.5", r <= 1.5)
    for k in scales:
        r = by[f"{k}x one post just edited, daemon"].wall / imports.wall
        row(f"{k}x one edited post wall / import floor wall, daemon", f"{r:.2f}", "<= 2", r <= 2)
    w = by["1x warm (nothing changed), daemon"].wall
    row("1x warm wall (s), daemon", f"{w:.3f}", "<= 0.15", w <= 0.15)


if __name__ == "__main__":
    sys.exit(main())
