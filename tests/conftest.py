"""Hypothesis profiles: "ci" (default, quick) and "long" (HYPOTHESIS_PROFILE=long) for fuzzing runs."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


import signal  # noqa: E402

import pytest  # noqa: E402

# Tests send SIGINT and SIGHUP to the mdnorm processes they start and expect exit 130
# and 129.  A test run started as an asynchronous job of a shell without job control
# (a CI runner's background step) inherits SIGINT *ignored*, under ``nohup`` SIGHUP
# too, and so would every process it starts: mdnorm keeps a signal it was started
# with ignored (as a background job expects).  The suite restores the default
# actions once, so the processes it starts get them, as from a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own user cache folder (``XDG_CACHE_HOME``), inherited by the
    processes it starts: no test reads what another one (or the user) cached."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
    monkeypatch.delenv("MDNORM_CACHE_DIR", raising=False)
