"""One served run, in a child the daemon forked for it: become the client's process, run ``mdnorm``.

The child starts as a copy of a daemon that imported and warmed up everything
and never ran a user's command.  It takes on everything of the client's that a
plain run would see: its stdin, stdout and stderr (the very file descriptors,
passed over the socket), its environment, working folder, umask, argv, program
name (for click's usage lines) and the signals it ignores; then it calls the
same ``mdnorm.cli.main`` a plain run calls.  The exit code goes back to the
client, which exits with it.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import types
from typing import Any

#: The signals a plain ``python`` starts with ignored (everything else is at its default).
PYTHON_IGNORES = ("SIGPIPE", "SIGXFSZ")


def reset_signals(ignored: list[int]) -> None:
    """The signal dispositions of a freshly started interpreter, plus what the client ignored
    (``nohup mdnorm``: SIGHUP stays ignored, as in a plain run)."""
    for default in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM):
        signal.signal(default, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in PYTHON_IGNORES:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    for number in ignored:
        signal.signal(number, signal.SIG_IGN)


def text_stream(fd: int, writing: bool, setup: list[Any]) -> io.TextIOWrapper:
    """A text stream on ``fd`` made as the interpreter made the client's (encoding, errors, buffering;
    ``newline="\\n"``: no translation, as on POSIX)."""
    encoding, errors, line_buffering, write_through = setup
    raw = io.FileIO(fd, "wb" if writing else "rb", closefd=False)
    buffered: Any = io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
    return io.TextIOWrapper(
        buffered,
        encoding=encoding,
        errors=errors,
        newline="\n",
        line_buffering=line_buffering,
        write_through=write_through,
    )


def take_on(req: dict[str, Any], fds: list[int]) -> None:
    """Become the client's process: its stdio, environment, folder, umask and argv."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    stdin, stdout, stderr = (text_stream(i, i > 0, req["stdio"][i]) for i in range(3))
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    for name, stream in (("__stdin__", stdin), ("__stdout__", stdout), ("__stderr__", stderr)):
        setattr(sys, name, stream)  # the originals too: code that restores them must get the client's
    os.environ.clear()  # through putenv/unsetenv: git and other programs started by the run see it too
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    os.umask(req["umask"])
    sys.argv = list(req["argv"])


def program_name(argv0: str, main_package: str | None) -> str:
    """The name click would have detected in the client (its own ``_detect_program_name``)."""
    from click import utils

    detect = getattr(utils, "_detect_program_name", None)
    if detect is None:  # a click without it: its rule, as of 8.1
        return "mdnorm" if not main_package else f"python -m {main_package}"
    name: str = detect(argv0, _main=types.SimpleNamespace(__package__=main_package))
    return name


def exit_status(exc: SystemExit) -> int:
    """What the interpreter makes of ``SystemExit(code)``: None 0, an int itself, anything else printed, 1."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF  # as the shell sees it: sys.exit(-1) is 255
    print(code, file=sys.stderr)
    return 1


def run_main(req: dict[str, Any]) -> int:
    """``mdnorm.cli.main`` as a plain run calls it; an escaping exception printed as the interpreter would."""
    import atexit

    from mdnorm.cli import main

    prog = program_name(req["argv0"], req["main_package"])
    try:
        main(args=sys.argv[1:], prog_name=prog)
        code = 0
    except SystemExit as exc:
        code = exit_status(exc)
    except BaseException as exc:
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # from cli.main on, as in a plain run
        sys.excepthook(type(exc), exc, tb)
        code = 130 if isinstance(exc, KeyboardInterrupt) else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # the interpreter's code for output it could not flush
    return code


def serve_child(conn: Any, req: dict[str, Any], fds: list[int], close: list[Any]) -> None:
    """The forked child: become the client's process, run, report the code; never returns."""
    code = 3
    try:
        for thing in close:  # the daemon's listener and lock: a long run must not keep them alive
            thing.close()
        os.setsid()  # its own process group: the daemon's signals are not its, the client forwards its own
        reset_signals(list(req["ignored"]))
        import atexit

        atexit._clear()  # the daemon's exit functions are not this run's
        conn.sendall(f"pid {os.getpid()}\n".encode("ascii"))
        take_on(req, fds)
        code = run_main(req)
    except BaseException:  # a failure of the handover itself: say so on the client's stderr if we can
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        with contextlib.suppress(BaseException):
            conn.sendall(f"exit {code}\n".encode("ascii"))
        os._exit(code)
