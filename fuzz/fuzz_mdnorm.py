"""Long-running fuzz target: hypothesis rounds of the CI invariants until time is up.

    python fuzz/fuzz_mdnorm.py --minutes 10          # all strategies, 10 minutes
    python fuzz/fuzz_mdnorm.py --minutes 60 --seed 7 # reproducible order

Each round draws ``--examples`` posts from every strategy of
``tests/fuzz_strategies.py`` and checks :func:`check_invariants` (lint never
crashes, positions inside the file, --fix safe, idempotent, URLs kept).  Failures
are shrunk by hypothesis, printed with the minimal post, and saved in the
example database (``.hypothesis/``), so the quick CI profile replays them.
Exit code: 0 when no failure was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_strategies import any_post, arbitrary_text, check_invariants, hostile_posts
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "hostile-posts": hostile_posts(max_blocks=25),
    "arbitrary-text": arbitrary_text(4000),
    "any-post": any_post(),
}


def _round(name: str, examples: int, first_seed: int | None) -> bool:
    """One hypothesis run of ``examples`` posts; True when every one kept the invariants."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
        print_blob=True,
    )
    @given(STRATEGIES[name])
    def target(text: str) -> None:
        check_invariants(text)

    if first_seed is not None:
        target = seed(first_seed)(target)
    try:
        target()
    except Exception:
        print(f"\n[{name}] FAILED:", file=sys.stderr)
        traceback.print_exc()
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="stop starting new rounds after this long")
    ap.add_argument("--examples", type=int, default=2000, help="posts per strategy per round")
    ap.add_argument("--seed", type=int, default=None, help="seed of the first round (then seed+1, ...)")
    ap.add_argument("--strategy", choices=sorted(STRATEGIES), action="append", help="only these (repeatable)")
    args = ap.parse_args(argv)
    names = args.strategy or list(STRATEGIES)
    stop = time.monotonic() + args.minutes * 60
    rounds = checked = 0
    ok = True
    while time.monotonic() < stop and ok:
        for name in names:
            ok = _round(name, args.examples, None if args.seed is None else args.seed + rounds) and ok
            checked += args.examples
            if not ok or time.monotonic() >= stop:
                break
        rounds += 1
        if ok:
            print(f"round {rounds}: {checked} posts checked, no failure so far", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
