"""Long run of the site state machine (``tests/site_machine.py``): cached runs answer as cold runs.

    python fuzz/state_machine.py --minutes 20                 # rounds until 20 minutes are up
    python fuzz/state_machine.py --minutes 5 --steps 30       # longer step sequences
    python fuzz/state_machine.py --minutes 5 --without diff,check,stdin_fix
                                                              # look past a known bug
    python fuzz/state_machine.py --minutes 5 --only lint,rename --steps 6
                                                              # a few rules: quick, small examples
    python fuzz/state_machine.py --minutes 10 --daemon        # every run served by an mdnorm daemon

Each round runs the machine on ``--examples`` step sequences of up to ``--steps``
steps (every step runs mdnorm 5-6 times as a subprocess, ~0.2 s each).  A failure
is shrunk by hypothesis to a minimal sequence, printed as ``state.rule(...)``
calls with a ``@reproduce_failure`` blob, and saved in hypothesis' example
database (``.hypothesis/``).  ``--without`` takes rule names of :class:`site_machine.SiteMachine` to
leave out, so a run can find the bugs behind a known one; ``--only`` the rules
to keep (the invariants run after every step either way).  ``--daemon`` starts an
``mdnorm daemon`` (its socket in a temporary folder) and sends every run through
it, so the machine also checks served runs against each other; it is stopped at
the end.
Exit code: 0 when no failure was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import site_machine
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from site_machine import SiteMachine


def rule_names() -> list[str]:
    """The rules of SiteMachine (methods that hypothesis' @rule marked)."""
    return [name for name, value in vars(SiteMachine).items() if hasattr(value, "hypothesis_stateful_rule")]


def machine_without(rules: list[str]) -> type[SiteMachine]:
    """SiteMachine with the named rules left out (an attribute without hypothesis' rule mark)."""
    unknown = [r for r in rules if not callable(getattr(SiteMachine, r, None))]
    if unknown:
        raise SystemExit(f"no such rule: {', '.join(unknown)}")
    return type("SiteMachineWithout", (SiteMachine,), dict.fromkeys(rules))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="stop starting rounds after this long")
    parser.add_argument("--examples", type=int, default=20, help="step sequences per round")
    parser.add_argument("--steps", type=int, default=20, help="at most this many steps per sequence")
    parser.add_argument("--without", default="", help="comma-separated rules to leave out")
    parser.add_argument("--only", default="", help="comma-separated rules to keep (the others are left out)")
    parser.add_argument("--daemon", action="store_true", help="run every mdnorm through an mdnorm daemon")
    args = parser.parse_args(argv)
    if args.daemon:
        with tempfile.TemporaryDirectory(prefix="mdnorm-fuzz-daemon-") as folder:
            env = {k: v for k, v in os.environ.items() if k != "MDNORM_NO_DAEMON"}
            env["MDNORM_DAEMON_DIR"] = folder
            daemon = [sys.executable, "-m", "mdnorm", "daemon"]
            subprocess.run([*daemon, "start"], env=env, cwd=folder, check=True)
            site_machine.DAEMON_DIR = folder
            try:
                return run(args)
            finally:
                subprocess.run([*daemon, "status"], env=env, cwd=folder, check=False)
                subprocess.run([*daemon, "stop"], env=env, cwd=folder, check=False)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Rounds of the machine until ``--minutes`` are up; 1 at the first failure."""

    without = [r for r in args.without.split(",") if r]
    if args.only:
        keep = set(args.only.split(","))
        without += [name for name in rule_names() if name not in keep]
    machine = machine_without(without) if without else SiteMachine
    profile = settings(
        max_examples=args.examples,
        stateful_step_count=args.steps,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    end = time.monotonic() + 60 * args.minutes
    rounds = 0
    while time.monotonic() < end:
        rounds += 1
        try:
            run_state_machine_as_test(machine, settings=profile)
        except Exception:
            print(f"\nround {rounds}: FAILED", file=sys.stderr)
            traceback.print_exc()
            return 1
        print(f"round {rounds}: {args.examples} sequences passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
