"""Generate a synthetic blog corpus shaped like the real one (for bench/run.py).

Posts have front matter, a kramdown TOC, a heading tree, CJK prose, code, math,
tables and many link entries, with sizes drawn around those of a real archive
(~15 KB and ~30 link entries a post on average), and a sprinkling of the
problems mdnorm reports (http links, trailing spaces, missing titles), so that
lint and --fix both have work to do.  Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CJK = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 600))  # common CJK ideographs
HOSTS = [
    "mp.weixin.qq.com/s/",
    "zhuanlan.zhihu.com/p/",
    "blog.csdn.net/u/article/details/",
    "www.cnblogs.com/x/p/",
    "arxiv.org/abs/",
    "github.com/u/",
    "www.jianshu.com/p/",
    "example.org/page/",
]


def prose(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CJK) for _ in range(n)) + "。"


def post(rng: random.Random, idx: int) -> str:
    out = [
        "---",
        "layout: post",
        f"title:  合成文章{idx}",
        f"category: {rng.choice(['DL', 'ML', 'essay', 'math'])} ",
        "---",
        "",
        "* toc",
        "{:toc}",
        "",
    ]
    for h in range(rng.randint(2, 8)):
        out += [f"# 第{h}部分", ""]
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.45:
                out += [prose(rng, rng.randint(40, 300)) + (" " if rng.random() < 0.05 else ""), ""]
            elif kind < 0.55:
                out += ["```python", *(f"x{i} = {i} * 2  # 注释" for i in range(rng.randint(2, 15))), "```", ""]
            elif kind < 0.62:
                out += ["$$", r"\lambda = \frac{a}{b} + \sum_{i=1}^{n} x_i", "$$", ""]
            elif kind < 0.67:
                out += ["| a | b |", "|---|---|", "| 1 | 2 |", ""]
            else:
                for _ in range(rng.randint(2, 12)):
                    scheme = "http" if rng.random() < 0.08 else "https"
                    url = f"{scheme}://{rng.choice(HOSTS)}{rng.randrange(10**9)}"
                    out += [url, ""]
                    if rng.random() > 0.02:
                        out += [prose(rng, rng.randint(8, 30)), ""]
        if rng.random() < 0.3:
            out += [f"## 小节{h}", "", prose(rng, 80), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def generate(folder: Path, count: int, seed: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        p = folder / f"20{10 + i % 15}-{1 + i % 12}-{1 + i % 28}-post{i}.markdown"
        p.write_text(post(rng, i), encoding="utf-8")
        paths.append(p)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--count", type=int, default=817)
    ap.add_argument("--seed", type=int, default=1)
    ns = ap.parse_args()
    generate(ns.folder, ns.count, ns.seed)
