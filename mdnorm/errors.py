"""The one error handler of every ``mdnorm`` subcommand (pre-commit's ``error_handler.py`` is the model).

A subcommand's body runs inside :func:`handled`, which turns what escapes it into
one line on stderr and an exit code, the same way for every command:

- a user error (:class:`UserError`, and the errors of the config loader, the file
  walker, the baseline and the site reader, which subclass nothing of ours so that
  those modules need not import this one): ``mdnorm: error: ...``, exit 2;
- Ctrl-C: ``mdnorm: interrupted``, exit 130;
- SIGTERM/SIGHUP (:class:`mdnorm.runner.Terminated`): ``mdnorm: stopped by SIGTERM``, 128 + N;
- a closed pipe (``mdnorm posts/ | head``): quietly, exit 1;
- anything else is a bug in mdnorm: one line, exit 3, the traceback only under ``--verbose``.

Every message goes through :func:`mdnorm.report.printable`: an error quotes
paths and values the user controls, which must never reach a terminal raw.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UserError(Exception):
    """Something the user can fix (a bad option value, a path that holds nothing): exit 2."""


class Exit(Exception):
    """End the command with ``code`` after the command printed what it had to say."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _user_error_types() -> tuple[type[BaseException], ...]:
    """The exception types that mean "the user's to fix", imported only when one was raised."""
    from mdnorm.config import ConfigError
    from mdnorm.files import PathError
    from mdnorm.jekyll.config import ConfigError as JekyllConfigError
    from mdnorm.site_urls import SiteUrlsError
    from mdnorm.store import StoreError

    return (UserError, ConfigError, PathError, JekyllConfigError, SiteUrlsError, StoreError)


def echo_error(text: str, lines: bool = False) -> None:
    """Print ``text`` on stderr through :func:`~mdnorm.report.printable` (each line of it with ``lines``)."""
    from mdnorm.report import printable

    parts = text.rstrip("\n").split("\n") if lines else [text]
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        sys.stderr.write("\n".join(printable(part) for part in parts) + "\n")
        sys.stderr.flush()


def exit_code(exc: BaseException, verbose: bool) -> int:
    """Report ``exc`` as one line on stderr and return the exit code it means."""
    from mdnorm.signals import Terminated

    if isinstance(exc, Exit):
        return exc.code
    if isinstance(exc, KeyboardInterrupt):
        echo_error("mdnorm: interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, Terminated):  # stopped as cleanly as Ctrl-C; the shell's 128 + N
        import signal

        echo_error(f"mdnorm: stopped by {signal.Signals(exc.signum).name}")
        return 128 + exc.signum
    if isinstance(exc, BrokenPipeError):  # the reader went away: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    if isinstance(exc, _user_error_types()):
        echo_error(f"mdnorm: error: {exc}")
        return EXIT_USAGE
    echo_error(f"mdnorm: internal error: {type(exc).__name__}: {exc}; please report this as a bug")
    if verbose:
        import traceback  # only on this path: it costs ~6 ms at start-up

        echo_error("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), lines=True)
    return EXIT_INTERNAL


@contextlib.contextmanager
def handled(verbose: bool = False) -> Iterator[None]:
    """Run a subcommand's body: signals become exceptions, and whatever escapes becomes an exit code.

    The body returns normally (exit 0) or raises; :class:`Exit` carries the
    code of a run that finished (1 for problems found, 3 for a file's internal error).
    """
    from mdnorm.signals import Terminated, stop_on_signals

    try:
        with stop_on_signals():
            yield
    except (Exception, KeyboardInterrupt, Terminated) as exc:  # SystemExit passes through
        sys.exit(exit_code(exc, verbose))
