"""``mdnorm daemon start|stop|status``: the optional pre-forked server (see :mod:`mdnorm.daemon`).

These commands always run in their own process (:data:`mdnorm.client.IN_PROCESS`).
``start`` starts the daemon in a fresh interpreter (``python -c``), not as a fork
of this one, so that nothing this command did is in the state its children start
from; it waits until the daemon has warmed up and listens, then returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import click

from mdnorm.daemon import IDLE_TIMEOUT
from mdnorm.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

#: The daemon process: a fresh interpreter that runs :func:`mdnorm.daemon.run_server`.
SERVER_CODE = "import sys; from mdnorm.daemon import run_server; sys.exit(run_server(sys.argv[1:]))"
#: How long ``start`` waits for the warm-up and ``stop`` for the socket to go away.
WAIT = 60.0


@click.group("daemon", context_settings={"help_option_names": ["-h", "--help"]})
def daemon() -> None:
    """A background server that makes each mdnorm run start warm (opt-in).

    \b
    mdnorm daemon start      start it (runs then go through it; same output)
    mdnorm daemon status     is it running? (exit 0 yes, 1 no)
    mdnorm daemon stop       stop it
    MDNORM_NO_DAEMON=1       run without it
    """


@daemon.command("start")
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=IDLE_TIMEOUT,
    show_default=True,
    help="Exit after this many seconds without a request.",
)
@click.option("--foreground", is_flag=True, help="Stay attached (for tests and debugging); Ctrl-C stops it.")
def start(idle_timeout: float, foreground: bool) -> None:
    """Start the daemon for this mdnorm install."""
    from mdnorm.daemon import request_control

    info = request_control("status")
    if info is not None:
        click.echo(f"mdnorm daemon: already running (pid {info['pid']}, socket {info['socket']})")
        sys.exit(EXIT_OK)
    args = [sys.executable, "-c", SERVER_CODE, "--idle-timeout", repr(idle_timeout)]
    if foreground:  # this very process becomes the daemon, in a fresh interpreter
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, args)
    read, write = os.pipe()
    proc = subprocess.Popen(
        [*args, "--detach", "1", "--ready-fd", str(write)],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd="/",
    )
    os.close(write)
    answer = b""
    with os.fdopen(read, "rb") as fh:
        answer = fh.readline()
    proc.wait()  # the first child exits at once; the daemon is its child, reparented
    word, _, rest = answer.decode("utf-8", "replace").strip().partition(" ")
    if word != "ok":
        click.echo(f"mdnorm daemon: could not start: {rest or 'it exited during its warm-up'}", err=True)
        sys.exit(EXIT_USAGE)
    from mdnorm.client import socket_path

    click.echo(f"mdnorm daemon: started (pid {rest}, socket {socket_path()})")


@daemon.command("stop")
def stop() -> None:
    """Stop the daemon (runs under way finish)."""
    from mdnorm.client import socket_path
    from mdnorm.daemon import request_control

    if request_control("stop") is None:
        click.echo("mdnorm daemon: not running")
        sys.exit(EXIT_PROBLEMS)
    deadline = time.monotonic() + WAIT
    while os.path.exists(socket_path()) and time.monotonic() < deadline:
        time.sleep(0.02)
    click.echo("mdnorm daemon: stopped")


@daemon.command("status")
def status() -> None:
    """Say whether the daemon runs (exit 0) or not (exit 1)."""
    from mdnorm.client import socket_path
    from mdnorm.daemon import request_control

    info = request_control("status")
    if info is None:
        click.echo(f"mdnorm daemon: not running (socket {socket_path()})")
        sys.exit(EXIT_PROBLEMS)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
    click.echo(
        f"mdnorm daemon: running (pid {info['pid']}, socket {info['socket']}, started {started}, "
        f"served {info['served']})"
    )
