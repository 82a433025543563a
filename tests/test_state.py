"""Stateful proof that the cache never changes an answer: see :mod:`site_machine`.

Two parts, both marked ``slow``:

* known scenarios, each a fixed site and a few steps of the machine with its
  invariants checked after every step (the step sequences of the repro scripts
  the cache rewrite must fix);
* the machine itself on a quick profile: a few random step sequences, no
  shrinking, well under a minute.

For a long run that also shrinks what it finds to a minimal sequence of steps:
``python fuzz/state_machine.py --minutes 20`` (``--only``/``--without`` pick rules).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from site_machine import SiteMachine, mdnorm

pytestmark = pytest.mark.slow

#: A few sequences of up to 8 steps; every step runs mdnorm ~5 times (~0.2 s each, 4 at once).  No
#: shrink phase: a failure here is printed as found, with its @reproduce_failure blob; the long run
#: shrinks what it finds to a minimal sequence of steps.  MDNORM_STATE_EXAMPLES=N asks for more.
QUICK = settings(
    max_examples=int(os.environ.get("MDNORM_STATE_EXAMPLES", "5")),
    stateful_step_count=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def test_cached_runs_answer_as_cold_runs() -> None:
    run_state_machine_as_test(SiteMachine, settings=QUICK)


# -- known scenarios -------------------------------------------------------------------------------


def post(body: str, category: str = "C", title: str = "T") -> str:
    return f"---\nlayout: post\ntitle: {title}\ncategory: {category}\n---\n\n{body}"


Day = tuple[int, int, int]
Step = Callable[[SiteMachine], None]

# safe fixes (WS001, WS003) and an unsafe one (HT001 on an unknown host)
MESSY = post("hello   \n\n\n\nworld\n\nhttp://example.org/x\n\nTitle\n")
# DL002 across posts, two URLs of the same length so posts can swap at equal size
ZZZ = post("https://y.example.com/zzz\n\nT\n")
ONE = post("https://x.example.com/one\n\nT\n")

SCENARIOS: dict[str, tuple[list[tuple[Day, str]], list[Step]]] = {
    # --diff stores the post-fix diagnostics under the pre-fix content key
    "diff": ([((2019, 1, 1), MESSY)], [lambda m: m.diff(unsafe=False)]),
    "diff-unsafe": ([((2019, 1, 1), MESSY)], [lambda m: m.diff(unsafe=True)]),
    "check": ([((2019, 1, 1), MESSY)], [lambda m: m.check(unsafe=False)]),
    # an editor's fix-on-save writes no file; outside a site it caches the fixed text's result for
    # the file (repro 01 C); inside one the site facts keep the keys apart, so this passes today
    "stdin-fix": ([((2019, 1, 1), MESSY)], [lambda m: m.stdin_fix(0)]),
    # a baseline recorded from a poisoned cache misses the fixable problems
    "check-then-add-baseline": (
        [((2019, 1, 1), MESSY)],
        [lambda m: m.check(unsafe=False), lambda m: m.add_baseline()],
    ),
    # two posts of equal size and mtime swap contents: DL002 must follow the URLs
    "swap-keeping-mtimes": (
        [((2019, 1, 1), ZZZ), ((2019, 1, 2), ONE), ((2019, 1, 3), ONE)],
        [lambda m: m.lint("text"), lambda m: m.swap(m.names[0], m.names[2])],
    ),
    # FM006 breaks a count tie by the older post: re-dating one flips the winner
    "rename-flips-fm006-tie": (
        [((2019, 1, 1), post("x\n", category="DL")), ((2019, 1, 2), post("x\n", category="dl"))],
        [lambda m: m.lint("text"), lambda m: m.rename(1, (2018, 1, 1))],
    ),
    # what a full disk leaves of the site index: DL002 must not silently go away
    "damaged-site-index": (
        [((2019, 1, 1), ONE), ((2019, 1, 2), ONE)],
        [
            lambda m: m.configure('select = ["FM"]\n'),
            lambda m: m.lint("text"),
            lambda m: m.damage_site_index("delete"),
            lambda m: m.configure(""),
        ],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_known_scenario(name: str) -> None:
    posts, steps = SCENARIOS[name]
    machine = SiteMachine()
    try:
        machine.site(texts=[text for _day, text in posts], dates=[day for day, _text in posts])
        machine.cache_changes_nothing()
        for step in steps:
            step(machine)
            machine.cache_changes_nothing()
    finally:
        machine.teardown()


def test_a_new_problem_on_a_baselined_line_is_reported() -> None:
    """A baselined "category missing" must not hide a new "title missing" (both FM003 on line 1)."""
    machine = SiteMachine()
    try:
        machine.site(texts=["---\nlayout: post\ntitle: T\n---\n\ntext\n"], dates=[(2019, 1, 1)])
        machine.add_baseline()
        machine.edit(0, "---\nlayout: post\ncategory: c\n---\n\ntext\n")
        code, out, _err = mdnorm(machine.root, "--no-cache", "_posts")
        assert code == 1 and "'title' is missing" in out, out
    finally:
        machine.teardown()
