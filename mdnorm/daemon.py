"""``mdnorm daemon``: a pre-forked server ("zygote") that makes a one-post run cost a fork.

A plain run pays ~85 ms of imports and lazy set-up before it does ~85 ms of work.
The daemon pays them once: it imports everything a check uses, runs real checks
over a throwaway site (so that lazily compiled regexes and module-level tables are
built), forgets every cache keyed by paths, and then waits on a Unix socket.  For
each request of :mod:`mdnorm.client` it forks a child that becomes the client's
process and runs the normal ``mdnorm`` main (:mod:`mdnorm.daemon_run`).  The
daemon itself never runs a user's command, so each run starts from the same
state, and its output is the plain run's by construction.

Never stale: the stat identities of mdnorm's sources (and of its parser's,
YAML's and click's) are recorded at start and compared before every fork; on any
change the daemon answers "stale" (the client runs in its own process) and exits.
A client of another version or another install never reaches it (the socket's
name hashes the interpreter and the package folder), nor does another user (the
socket's folder is private, and the peer's uid is checked).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import socket
import struct
import sys
import time
from typing import Any

from mdnorm import client
from mdnorm._version import __version__

#: The default of ``--idle-timeout``: a daemon nobody used for this long exits.
IDLE_TIMEOUT = 3 * 3600.0
#: How long a client may take to send its request before the daemon gives up on it.
REQUEST_TIMEOUT = 5.0
#: Largest request accepted (argv and the environment; a few kilobytes in practice).
MAX_REQUEST = 16 * 1024 * 1024


class DaemonError(Exception):
    """The daemon cannot start (its folder is not private, another one runs)."""


def ensure_private_dir(folder: str) -> None:
    """Create the socket folder (0700) or check that the existing one is ours and private."""
    try:
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    if not client.private_dir_ok(folder):
        raise DaemonError(f"{folder}: not a folder of this user's with mode 0700; not using it")


def dependency_files() -> tuple[str, ...]:
    """The ``__init__.py`` of mistune, yaml and click (an upgrade rewrites it; it names the version),
    found without importing them: the daemon records them before its warm-up imports anything."""
    from importlib.util import find_spec

    files = []
    for name in ("mistune", "yaml", "click"):
        spec = find_spec(name)
        if spec is not None and spec.origin:
            files.append(spec.origin)
    return tuple(files)


def watched_files(dependencies: tuple[str, ...]) -> list[str]:
    """The sources whose change makes a running daemon stale: every ``*.py`` of the mdnorm
    package (walked each time: a new module counts) and ``dependencies``."""
    files = []
    for folder, dirs, names in os.walk(client.package_dir()):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        files += [os.path.join(folder, n) for n in sorted(names) if n.endswith(".py")]
    return files + list(dependencies)


def source_stamps(dependencies: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of each of :func:`watched_files`: ~100 stats, well under a millisecond."""
    stamps = {}
    for path in watched_files(dependencies):
        try:
            st = os.stat(path)
        except OSError:
            continue
        stamps[path] = (st.st_mtime_ns, st.st_size)
    return stamps


def decline_reason(req: dict[str, Any]) -> str | None:
    """Why this daemon must not serve ``req`` in this interpreter ("stale": it must exit), or None."""
    if req.get("protocol") != client.PROTOCOL or req.get("version") != __version__:
        return "stale"
    if req.get("identity") != client.identity():
        return "decline"
    # what the interpreter fixed at start-up from its options and environment must be the client's
    if req.get("flags") != list(sys.flags) or req.get("fsencoding") != sys.getfilesystemencoding():
        return "decline"
    import locale

    if req.get("ctype") != locale.setlocale(locale.LC_CTYPE):
        return "decline"
    if req["env"].get("PYTHONHASHSEED") != os.environ.get("PYTHONHASHSEED"):
        return "decline"
    return None


def recv_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """Read one request: the header (with the client's file descriptors) and the payload."""
    conn.settimeout(REQUEST_TIMEOUT)
    header, fds, _flags, _addr = socket.recv_fds(conn, 8, 3)
    try:
        while len(header) < 8:
            more = conn.recv(8 - len(header))
            if not more:
                raise ConnectionError("short header")
            header += more
        if header[:4] != client.MAGIC:
            raise ConnectionError("not an mdnorm request")
        size = int.from_bytes(header[4:], "big")
        if size > MAX_REQUEST:
            raise ConnectionError("request too large")
        chunks, got = [], 0
        while got < size:
            chunk = conn.recv(min(1 << 16, size - got))
            if not chunk:
                raise ConnectionError("short request")
            chunks.append(chunk)
            got += len(chunk)
        req = marshal.loads(b"".join(chunks))
        if not isinstance(req, dict):
            raise ConnectionError("bad request")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    conn.settimeout(None)
    return req, fds


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end (``SO_PEERCRED``: pid, uid, gid)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class Server:
    """The listening daemon: accept, check, fork; reap children; exit when idle or stale."""

    def __init__(self, path: str, idle_timeout: float) -> None:
        self.path = path
        self.idle_timeout = idle_timeout
        self.started = time.time()
        self.served = 0
        self.children: set[int] = set()
        self.last_activity = time.monotonic()
        self.dependencies = dependency_files()
        self.stamps = source_stamps(self.dependencies)  # before the warm-up imports: see run_server
        self.running = True
        self.why = "idle"  # why the daemon stopped, for its log
        self.lock: Any = None
        self.listener: socket.socket | None = None
        self.inode = 0

    def take_lock(self) -> None:
        """Hold the lock beside the socket for the daemon's life: one daemon per socket."""
        import fcntl

        self.lock = open(self.path + ".lock", "a+b")  # noqa: SIM115 (held for the daemon's life)
        try:
            fcntl.flock(self.lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.lock.close()
            self.lock = None
            raise DaemonError(f"a daemon already runs on {self.path}") from None

    def listen(self) -> None:
        """Listen on the socket (after the warm-up: until then a client runs on its own, it does not wait)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # a dead daemon's socket (we hold the lock: no live one has it)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        os.chmod(self.path, 0o600)
        listener.listen(64)
        self.listener = listener
        self.inode = os.stat(self.path).st_ino

    def socket_is_ours(self) -> bool:
        """Whether our socket is still where clients look for it (its folder may have been deleted)."""
        try:
            return os.stat(self.path).st_ino == self.inode
        except OSError:
            return False

    def log(self, message: str) -> None:
        """One line in the daemon's log beside its socket (its stdio are /dev/null): why it started and stopped."""
        with contextlib.suppress(OSError), open(self.path[: -len(".sock")] + ".log", "a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {message}\n")

    def close(self) -> None:
        """Stop listening and remove the socket (the lock file stays, unlocked)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        if self.lock is not None:
            self.lock.close()
            self.lock = None

    def reap(self) -> None:
        """Collect every child that ended (no zombies)."""
        while self.children:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.last_activity = time.monotonic()

    def serve_forever(self) -> None:
        """Until stopped, stale or idle: wait (waking each second to reap), then serve one connection."""
        import select

        assert self.listener is not None
        while self.running:
            self.reap()
            if not self.children and time.monotonic() - self.last_activity >= self.idle_timeout:
                break
            if not self.socket_is_ours():  # no client can reach us any more: do not linger for hours
                self.why = "the socket was removed"
                break
            ready, _, _ = select.select([self.listener], [], [], 1.0)
            if ready:
                self.accept()
        self.close()
        deadline = time.monotonic() + 5.0  # the runs under way finish on their own; collect what ends soon
        while self.children and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.05)

    def accept(self) -> None:
        assert self.listener is not None
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            try:
                if peer_uid(conn) != os.getuid():
                    return
                req, fds = recv_request(conn)
            except (OSError, ValueError, EOFError, TypeError):
                return
            try:
                self.handle(conn, req, fds)
            except OSError as exc:  # the client went away before our answer, or fork failed: serve the next
                self.log(f"request not served: {type(exc).__name__}: {exc}")
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)

    def handle(self, conn: socket.socket, req: dict[str, Any], fds: list[int]) -> None:
        op = req.get("op")
        if op == "status":
            info = {"pid": os.getpid(), "socket": self.path, "started": self.started, "served": self.served}
            info["version"] = __version__
            conn.sendall(marshal.dumps(info))
        elif op == "stop":
            self.running, self.why = False, "stop requested"
            conn.sendall(b"stopping\n")
        elif op == "run":  # only runs keep the daemon alive: ``status`` polls do not
            self.last_activity = time.monotonic()
            reason = decline_reason(req) if len(fds) == 3 else "decline"
            if reason is None and source_stamps(self.dependencies) != self.stamps:
                reason = "stale"
            if reason is not None:
                conn.sendall(f"{reason}\n".encode("ascii"))
                if reason == "stale":  # never serve with code older than what is installed
                    self.running, self.why = False, "stale: the installed code changed, or a client of another version"
                return
            self.fork(conn, req, fds)

    def fork(self, conn: socket.socket, req: dict[str, Any], fds: list[int]) -> None:
        from mdnorm.daemon_run import serve_child

        pid = os.fork()
        if pid == 0:
            serve_child(conn, req, fds, [self.listener, self.lock])
        self.children.add(pid)
        self.served += 1


def request_control(op: str, timeout: float = 10.0) -> Any:
    """Ask the daemon of this install for ``status`` (a dict) or to ``stop``; None when none answers."""
    sock = client.connect(client.socket_path())
    if sock is None:
        return None
    conn = socket.socket(fileno=sock.detach())
    conn.settimeout(timeout)
    try:
        client.send_request(conn, marshal.dumps({"op": op}), [])
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        conn.close()
    data = b"".join(chunks)
    if op == "status":
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
    return data.decode("ascii", "replace").strip() or None


def detach() -> None:
    """The second fork of a daemon (the first, with ``setsid``, is the starter's): no session leader,
    so no terminal can ever become ours; the folder is ``/`` so that we hold no user's folder."""
    if os.fork() > 0:
        os._exit(0)
    os.chdir("/")


def tidy_sys_path() -> None:
    """Drop the start folder from ``sys.path`` (``-c`` puts it first): what a served run imports
    must not depend on where the daemon was started."""
    while sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]


def run_server(argv: list[str]) -> int:
    """The daemon process (``python -c ... --idle-timeout S [--detach] [--ready-fd FD]``): started
    by ``mdnorm daemon start`` in a fresh interpreter, so that nothing of the command that started
    it is in the state its children start from.  Reports "ok PID" or "error ..." on the ready fd."""
    import signal

    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    ready = int(opts.get("--ready-fd", "-1"))
    tidy_sys_path()
    if opts.get("--detach") == "1":
        detach()
    try:
        folder = client.socket_dir()
        ensure_private_dir(folder)
        server = Server(client.socket_path(), float(opts.get("--idle-timeout", IDLE_TIMEOUT)))
        server.take_lock()
        from mdnorm.warmup import warm_up

        warm_up()
        if source_stamps(server.dependencies) != server.stamps:  # what was imported may be older or newer
            raise DaemonError("mdnorm's code changed during the warm-up; start it again")
        import threading

        if threading.active_count() != 1:
            raise DaemonError("the warm-up left threads running; forking would not be safe")
        server.listen()
    except Exception as exc:
        if ready >= 0:
            os.write(ready, f"error {exc}\n".encode("utf-8", "replace"))
        return 1

    def stop(signum: int, frame: object) -> None:
        server.running, server.why = False, f"signal {signum}"

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    if ready >= 0:
        os.write(ready, f"ok {os.getpid()}\n".encode("ascii"))
        os.close(ready)
    server.log(f"started (mdnorm {__version__}, {sys.executable})")
    try:
        server.serve_forever()
    except BaseException as exc:
        server.why = f"crashed: {type(exc).__name__}: {exc}"
        server.close()
        raise
    finally:
        server.log(f"stopped ({server.why}; served {server.served})")
    return 0
