"""Benchmark mdnorm against its floor and its peers, interleaved, in one run.

    python bench/run.py                      # a generated corpus shaped like a real blog
    python bench/run.py ../shared/corpus/posts --rounds 5
    bench/install_peers.sh                   # once, to include the peers

Timing is hyperfine's (one measured run per command per round, rounds
interleaved so that machine noise spreads over every command alike); peak
memory is GNU time's maximum resident set size (children included).  Prints
medians and the ratios the performance targets are stated in.  Nothing here
asserts a time: the test suite never does.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_corpus import generate  # noqa: E402


@dataclass
class Bench:
    name: str
    cmd: str
    prepare: str | None = None
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_mib: float | None = None

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def _tool(name: str) -> str | None:
    for candidate in (
        HERE / ".peers" / "venv" / "bin" / name,
        HERE / ".peers" / "node" / "node_modules" / ".bin" / name,
    ):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def _hyperfine_once(b: Bench) -> None:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "--runs", "1", "-i", "--style", "none", "--export-json", out.name]
        if b.prepare:
            cmd += ["--prepare", b.prepare]
        subprocess.run([*cmd, b.cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = json.loads(Path(out.name).read_text())["results"][0]
    b.walls.append(result["times"][0])
    b.cpus.append(result["user"] + result["system"])


def _peak(b: Bench) -> None:
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return
    if b.prepare:
        subprocess.run(b.prepare, shell=True, check=False, stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        subprocess.run(
            [gnu_time, "-o", out.name, "-f", "%M", "sh", "-c", b.cmd],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        text = Path(out.name).read_text().strip().splitlines()
    if text and text[-1].isdigit():
        b.peak_mib = int(text[-1]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", help="folder of posts (default: generate 817 posts)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scale", type=int, default=8, help="size factor of the scaling run")
    ap.add_argument("--no-peers", action="store_true")
    ns = ap.parse_args()
    if not shutil.which("hyperfine"):
        sys.exit("bench: needs hyperfine (apt-get install hyperfine)")
    # An installed package comes byte-compiled (pip compiles wheels; the peers' are);
    # an editable checkout under PYTHONDONTWRITEBYTECODE=1 never is, and would pay
    # for compiling its own source at every start.  Compile it once, as an install would.
    import compileall

    import mdnorm

    compileall.compile_dir(str(Path(mdnorm.__file__).parent), quiet=1)

    work = Path(tempfile.mkdtemp(prefix="mdnorm-bench-"))
    # each corpus is laid out as its own Jekyll site (side by side, never nested), so
    # the site-wide rules (DL002, FM006) run as on a blog
    for site in ("site", "big", "fix"):
        (work / site).mkdir()
        (work / site / "_config.yml").write_text("title: bench\n", encoding="utf-8")
    corpus = work / "site" / "_posts"
    if ns.corpus:
        shutil.copytree(ns.corpus, corpus)
    else:
        generate(corpus, 817)
    posts = sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".markdown"))
    big = work / "big" / "_posts"
    big.mkdir()
    for k in range(ns.scale):
        for p in posts:
            (big / f"{k}-{p.name}").write_bytes(p.read_bytes())
    one = posts[len(posts) // 2]
    fixdir = work / "fix" / "_posts"
    py = shlex.quote(sys.executable)
    mdnorm = f"{py} -m mdnorm"
    q = shlex.quote
    c, b = q(str(corpus)), q(str(big))

    benches = [
        Bench("floor: mistune AST parse, 1 process", f"{py} {q(str(HERE / 'floor.py'))} {c}"),
        Bench("mdnorm cold, 1 process", f"{mdnorm} -q --no-cache -j1 {c}"),
        Bench("mdnorm cold, all cores", f"{mdnorm} -q --no-cache {c}"),
        Bench("mdnorm cold, 1 process, no site-wide rules", f"{mdnorm} -q --no-cache -j1 --ignore DL002,FM006 {c}"),
        Bench("mdnorm warm (cache)", f"cd {c} && {mdnorm} -q ."),
        Bench(
            "mdnorm warm (cache), one post changed",
            f"cd {c} && {mdnorm} -q .",
            prepare=f"sh -c 'echo >> {q(str(posts[0]))}'",
        ),
        Bench(
            "mdnorm --fix, 1 process",
            f"{mdnorm} -q --fix --no-cache -j1 {q(str(fixdir))}",
            prepare=f"rm -rf {q(str(fixdir))} && cp -r {c} {q(str(fixdir))}",
        ),
        Bench(f"mdnorm cold, 1 process, {ns.scale}x corpus", f"{mdnorm} -q --no-cache -j1 {b}"),
        Bench("python -c 'import mistune, click, yaml'", f"{py} -c 'import mistune, click, yaml'"),
        Bench(
            "mdnorm one post, just edited (pre-commit)",
            f"cd {c} && {mdnorm} {q(one.name)}",
            prepare=f"sh -c 'echo >> {q(str(one))}'",
        ),
    ]
    if not ns.no_peers:
        peers = {
            "markdownlint-cli2": lambda t: f"cd {c} && {q(t)} '**/*.md' '**/*.markdown'",
            "markdownlint": lambda t: f"{q(t)} {c}",
            # both only look for *.md in a folder: hand them the posts themselves
            "mdformat": lambda t: f"{q(t)} --check {c}/*",
            "pymarkdown": lambda t: f"{q(t)} scan -ae .md,.markdown {c}",
        }
        for name, make in peers.items():
            tool = _tool(name)
            if tool:
                benches.append(Bench(f"{name} (whole corpus)", make(tool)))
        for name in ("markdownlint-cli2", "mdformat", "pymarkdown"):
            tool = _tool(name)
            if tool:
                arg = "--check " if name == "mdformat" else "scan -ae .md,.markdown " if name == "pymarkdown" else ""
                benches.append(Bench(f"{name} (one post)", f"{q(tool)} {arg}{q(str(one))}"))

    subprocess.run(f"cd {c} && {mdnorm} -q .", shell=True, check=False, stdout=subprocess.DEVNULL)  # warm the cache
    for r in range(ns.rounds):
        order = benches[r % len(benches) :] + benches[: r % len(benches)]
        for bench in order:
            _hyperfine_once(bench)
        print(f"round {r + 1}/{ns.rounds} done", file=sys.stderr)
    for bench in benches:
        _peak(bench)

    size = sum(p.stat().st_size for p in posts) / 1e6
    print(
        f"\ncorpus: {len(posts)} posts, {size:.2f} MB ({'generated' if not ns.corpus else ns.corpus}); "
        f"{ns.rounds} rounds; medians\n"
    )
    print("| command | wall s | CPU s | peak MiB |")
    print("|---|---|---|---|")
    for bench in benches:
        peak = f"{bench.peak_mib:.0f}" if bench.peak_mib else "?"
        print(f"| {bench.name} | {bench.wall:.3f} | {bench.cpu:.3f} | {peak} |")

    by = {bench.name: bench for bench in benches}

    def pick(prefix: str) -> Bench:
        return next(b for b in benches if b.name.startswith(prefix))

    floor, cold1, coldn = pick("floor"), pick("mdnorm cold, 1 process"), pick("mdnorm cold, all cores")
    nosite, warm, fix = pick("mdnorm cold, 1 process, no site"), pick("mdnorm warm (cache)"), pick("mdnorm --fix")
    scaled, imports, onepost = pick(f"mdnorm cold, 1 process, {ns.scale}x"), pick("python -c"), pick("mdnorm one post")

    def row(target: str, value: float, goal: str, ok: bool) -> None:
        print(f"| {target} | {value:.2f} | {goal} | {'met' if ok else 'NOT met'} |")

    print("\n| target | measured | goal | |")
    print("|---|---|---|---|")
    row("1. cold lint CPU / mistune parse floor CPU", cold1.cpu / floor.cpu, "<= 1.6", cold1.cpu / floor.cpu <= 1.6)
    ratio = nosite.cpu / floor.cpu
    row("1a. same without site-wide rules (DL002, FM006)", ratio, "<= 1.6", ratio <= 1.6)
    if "markdownlint-cli2 (whole corpus)" in by:
        ratio = by["markdownlint-cli2 (whole corpus)"].cpu / cold1.cpu
        row("1b. markdownlint-cli2 CPU / mdnorm CPU", ratio, ">= 4", ratio >= 4)
    row("2. all-cores wall / one-process wall", coldn.wall / cold1.wall, "<= 0.65", coldn.wall / cold1.wall <= 0.65)
    row("3. warm lint wall (s)", warm.wall, "<= 0.15", warm.wall <= 0.15)
    row(
        "4. one post wall / import mistune+click+yaml wall",
        onepost.wall / imports.wall,
        "<= 1.2",
        onepost.wall / imports.wall <= 1.2,
    )
    row("5. --fix CPU / cold lint CPU", fix.cpu / cold1.cpu, "<= 2", fix.cpu / cold1.cpu <= 2)
    if cold1.peak_mib:
        row("6a. peak memory, cold lint (MiB)", cold1.peak_mib, "<= 60", cold1.peak_mib <= 60)
    row(
        f"6b. {ns.scale}x corpus time / 1x time",
        scaled.cpu / cold1.cpu,
        f"<= {ns.scale * 1.0625:.1f}",
        scaled.cpu / cold1.cpu <= ns.scale * 1.0625,
    )
    if cold1.peak_mib and scaled.peak_mib:
        row(
            f"6c. {ns.scale}x corpus memory / 1x memory",
            scaled.peak_mib / cold1.peak_mib,
            "<= 1.2",
            scaled.peak_mib / cold1.peak_mib <= 1.2,
        )
    for name, bench in by.items():
        if "(whole corpus)" in name:
            print(f"| {name}: CPU vs mdnorm cold | {bench.cpu / cold1.cpu:.1f}x | | |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
