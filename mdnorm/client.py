"""The ``mdnorm`` entry point: hand the run to a running ``mdnorm daemon``, else run it here.

A plain run spends about half its time importing (click, mistune, PyYAML, the
rules) and compiling regexes before it reads a post.  When a daemon runs (see
:mod:`mdnorm.daemon`), this module sends it the run's whole context (argv, cwd,
environment, umask, how stdio is set up) and the file descriptors 0, 1 and 2
themselves (``SCM_RIGHTS``); the daemon forks a child that runs the normal
``mdnorm`` main with them and reports the exit code back.  The child writes
straight to our stdout and stderr, so the output is the plain run's.

This module is imported by every run, so it imports only what the interpreter
has already loaded or builds in (``_socket`` and ``_signal``, not ``socket`` and
``signal``, which cost ~5 ms of ``selectors`` and ``enum``); nothing of click,
mistune or PyYAML.  A missing daemon is the normal case: then, and whenever
anything about the handover is off, the run happens in this process, silently.
"""

from __future__ import annotations

import os
import sys

#: ``typing`` costs ~10 ms to import (it pulls in ``re`` and ``collections``), a sixth of a served
#: run: the annotations are strings (``from __future__ import annotations``), so only mypy needs it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Set (to anything non-empty) to never use a daemon.
NO_DAEMON_ENV = "MDNORM_NO_DAEMON"
#: The daemon's socket folder instead of ``$XDG_RUNTIME_DIR/mdnorm`` or ``/tmp/mdnorm-$UID``.
DIR_ENV = "MDNORM_DAEMON_DIR"
#: Bumped whenever the request or the answers change shape.
PROTOCOL = 1
#: The first 8 bytes of a request: a magic and the payload's length (4 bytes, big-endian).
MAGIC = b"MDN1"
#: Commands that must run in this process: they are long-lived or manage the daemon itself.
IN_PROCESS = frozenset({"daemon", "server", "watch"})
#: The signals a client passes on to the daemon's child (SIGINT, SIGTERM, SIGHUP on Linux).
FORWARDED = (2, 15, 1)


def package_dir() -> str:
    """The installed ``mdnorm`` package folder (part of the daemon's identity)."""
    return os.path.dirname(os.path.abspath(__file__))


def socket_dir() -> str:
    """The private folder of this user's daemon sockets: ``MDNORM_DAEMON_DIR``, else
    ``$XDG_RUNTIME_DIR/mdnorm`` (a per-user tmpfs), else ``/tmp/mdnorm-$UID``."""
    override = os.environ.get(DIR_ENV)
    if override:
        return os.path.abspath(override)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "mdnorm")
    return f"/tmp/mdnorm-{os.getuid()}"


def identity() -> str:
    """What a daemon must share with a client to serve it: the interpreter, the environment
    (``sys.prefix``: a venv) and the mdnorm package folder.  Two installs never share a socket."""
    return f"{os.path.realpath(sys.executable)}\0{sys.prefix}\0{package_dir()}"


def socket_path() -> str:
    """The socket of the daemon for this interpreter and this install (a short hash of :func:`identity`)."""
    import zlib  # built in: no import cost to speak of

    digest = zlib.crc32(identity().encode("utf-8", "surrogateescape"))
    return os.path.join(socket_dir(), f"mdnorm-{digest:08x}.sock")


def private_dir_ok(folder: str) -> bool:
    """Whether ``folder`` is a real folder of ours that no one else can enter (mode 0700 or stricter).

    A socket in a folder another user controls could be theirs: never talk to it.
    """
    import stat

    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def program_name() -> tuple[str, str | None]:
    """``sys.argv[0]`` and ``__main__.__package__``: what click names the program from
    (``mdnorm`` for the console script, ``python -m mdnorm`` for ``-m``)."""
    main = sys.modules.get("__main__")
    return sys.argv[0], getattr(main, "__package__", None)


def stdio_setup() -> list[list[Any]] | None:
    """How the interpreter set up stdin, stdout and stderr (for the child to rebuild them alike),
    or None when they are not the interpreter's plain text streams on fds 0, 1 and 2."""
    out: list[list[Any]] = []
    for fd, stream in enumerate((sys.stdin, sys.stdout, sys.stderr)):
        try:
            if stream is None or stream.fileno() != fd:
                return None
            os.fstat(fd)
            out.append(
                [
                    stream.encoding,
                    stream.errors,
                    bool(getattr(stream, "line_buffering", False)),
                    bool(getattr(stream, "write_through", False)),
                ]
            )
        except (OSError, ValueError, AttributeError):
            return None
    return out


def request() -> dict[str, Any] | None:
    """The run's context for the daemon; None when it cannot be handed over."""
    import _locale

    from mdnorm._version import __version__

    stdio = stdio_setup()
    if stdio is None:
        return None
    try:
        cwd = os.getcwd()
    except OSError:  # the folder was removed under us: a plain run reports it
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    import _signal

    argv0, main_package = program_name()
    return {
        "op": "run",
        "protocol": PROTOCOL,
        "version": __version__,
        "identity": identity(),
        "flags": list(sys.flags),
        "fsencoding": sys.getfilesystemencoding(),
        "ctype": _locale.setlocale(_locale.LC_CTYPE),
        "argv": list(sys.argv),
        "argv0": argv0,
        "main_package": main_package,
        "cwd": cwd,
        "env": dict(os.environ),
        "umask": umask,
        "stdio": stdio,
        "ignored": [s for s in FORWARDED if _signal.getsignal(s) == _signal.SIG_IGN],
    }


def wants_daemon(argv: list[str]) -> bool:
    """Whether this command may be served by a daemon at all."""
    if os.environ.get(NO_DAEMON_ENV):
        return False
    if not hasattr(os, "fork") or sys.platform == "win32":
        return False
    args = argv[1:]
    return not (args and args[0] in IN_PROCESS) and "--watch" not in args


def connect(path: str) -> Any:
    """A connected Unix socket to the daemon at ``path``, or None (no daemon: the usual case)."""
    import _socket

    if not hasattr(_socket, "AF_UNIX") or not hasattr(_socket, "SCM_RIGHTS"):
        return None
    if not private_dir_ok(os.path.dirname(path)):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def send_request(sock: Any, payload: bytes, fds: list[int]) -> None:
    """The header with the file descriptors attached, then the payload."""
    import _socket

    header = MAGIC + len(payload).to_bytes(4, "big")
    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    ancillary = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)] if fds else []
    sent = sock.sendmsg([header], ancillary)
    rest = header[sent:] + payload
    while rest:
        rest = rest[sock.send(rest) :]


def read_lines(sock: Any) -> Any:
    """The daemon's answers, one line at a time, until it closes the connection."""
    buffered = b""
    while True:
        while b"\n" in buffered:
            line, _, buffered = buffered.partition(b"\n")
            yield line.decode("ascii", "replace")
        chunk = sock.recv(4096)
        if not chunk:
            return
        buffered += chunk


def via_daemon(argv: list[str]) -> int | None:
    """Run through the daemon and return the child's exit code; None: run in this process instead."""
    if not wants_daemon(argv):
        return None
    sock = connect(socket_path())
    if sock is None:
        return None
    import marshal

    try:
        req = request()
        if req is None:
            return None
        try:
            send_request(sock, marshal.dumps(req), [0, 1, 2])
        except OSError:  # the daemon went away between connect and send
            return None
        return follow(sock, req["ignored"])
    finally:
        sock.close()


def follow(sock: Any, ignored: list[int]) -> int | None:
    """Wait for the child's exit code, passing on the signals we receive; None: the daemon declined."""
    import _signal

    child: list[int] = []
    pending: list[int] = []

    def forward(signum: int, frame: object) -> None:
        if not child:
            pending.append(signum)
            return
        try:
            os.kill(child[0], signum)
        except OSError:  # it has just ended: its exit code is on its way
            return

    before = {sig: _signal.signal(sig, forward) for sig in FORWARDED if sig not in ignored}
    try:
        for line in read_lines(sock):
            word, _, value = line.partition(" ")
            if word in ("stale", "decline"):
                return None
            if word == "pid":
                child.append(int(value))
                for sig in pending:
                    forward(sig, None)
            elif word == "exit":
                return int(value)
    except OSError:
        pass
    finally:
        if not child:  # running here after all: the plain run's handlers
            for sig, handler in before.items():
                _signal.signal(sig, handler)
            for sig in pending[:1]:  # a Ctrl-C during the handover ends the plain run as it would have
                os.kill(os.getpid(), sig)
    if not child:  # the daemon closed before forking: nothing ran, run here
        return None
    sys.stderr.write(
        f"mdnorm: the run in the mdnorm daemon (pid {child[0]}) ended without an exit code "
        "(killed?); not run again (MDNORM_NO_DAEMON=1 runs without the daemon)\n"
    )
    sys.stderr.flush()
    return 2


def main() -> None:
    """The console script and ``python -m mdnorm``: the daemon's answer, else the plain run."""
    code = via_daemon(sys.argv)
    if code is not None:
        sys.exit(code)
    from mdnorm.cli import main as cli_main

    cli_main()
