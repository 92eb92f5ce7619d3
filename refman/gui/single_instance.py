"""One window per library: a second ``refman`` on the same library hands over and exits.

The first process to start on a library takes a lock file (``QLockFile``: a crashed
holder's lock is recognised by its dead process id and taken over) and listens on a local
socket (``QLocalServer``; a Unix socket file, a named pipe on Windows) whose name is
derived from the user and the library URL, so two libraries run side by side. A later
process on the same library finds the lock taken, connects, sends the files it was asked
to open (one JSON line) and exits 0 once the first answers ``ok``; the first raises its
window and offers to import them. The socket is only opened under the lock, so removing a
stale one left by a crashed instance (``QLocalServer.removeServer``) never removes a live
instance's.

The client side uses blocking calls and needs no ``QApplication``: a second process
leaves without ever connecting to the display.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QLockFile, QObject, QThread, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

PROTOCOL = 1
CONNECT_TIMEOUT_S = 10.0
"""How long a second process keeps trying to reach the first (which takes the lock before
it listens, and may be starting)."""
REPLY_TIMEOUT_S = 60.0
"""How long a second process waits for the first to answer (it answers from its event
loop, which may be busy opening a large library)."""
MAX_MESSAGE_BYTES = 1 << 20
"""A longer message is not a request (the connection is dropped)."""
CLIENT_TIMEOUT_MS = 10_000
"""A connection that sends no complete request within this is dropped."""
ACTIVATION_ENV = ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID")
"""Start-up tokens a launcher gives the second process; the first uses them to be allowed
to raise its window (Wayland's xdg-activation)."""


def instance_key(url: str) -> str:
    """The name of the lock and the socket for the library at ``url`` and this user. A
    server library is named by ``ServerLibrary.key`` (``user@host:port/db``), so every
    way of writing its URL (a default port, a password in it) is the same library."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (a container with an unknown uid)
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    library = url
    if url.startswith("postgresql"):  # (SQLAlchemy is imported only for a server URL)
        from refman.services.shared_libraries import server_library  # noqa: PLC0415

        server = server_library(url)
        library = url if server is None else f"server:{server.key}"
    digest = hashlib.sha256(f"{user}\n{library}".encode()).hexdigest()[:24]
    return f"refman-{digest}"


def _runtime_dir() -> str:
    """Where the lock and (on Unix) the socket live: the per-user ``XDG_RUNTIME_DIR``
    when there is one (never cleaned while we run), else the temporary folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        return runtime
    return QDir.tempPath()


MAX_SOCKET_PATH = 100
"""Unix socket paths are limited to 104 (macOS) or 108 (Linux) bytes."""


def server_name(key: str) -> str:
    """The ``QLocalServer`` name: a socket path on Unix (just the key, which Qt puts in
    the temporary folder, when the runtime folder's path is too long), a pipe name on
    Windows."""
    if sys.platform == "win32":
        return key
    path = os.path.join(_runtime_dir(), f"{key}.sock")
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else key


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """What a second process asked the running one to do."""

    files: list[Path] = field(default_factory=list)
    activation_token: str = ""


def encode_request(request: OpenRequest) -> bytes:
    """One JSON line."""
    message = {
        "protocol": PROTOCOL,
        "files": [str(path) for path in request.files],
        "activation_token": request.activation_token,
    }
    return json.dumps(message).encode("utf-8") + b"\n"


def decode_request(line: bytes) -> OpenRequest:
    """The request in one JSON line; ``ValueError`` if it is not one."""
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict) or message.get("protocol") != PROTOCOL:
        raise ValueError("not a refman request")
    files = message.get("files", [])
    token = message.get("activation_token", "")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ValueError("files must be a list of paths")
    if not isinstance(token, str):
        raise ValueError("activation_token must be text")
    return OpenRequest([Path(f) for f in files], token)


class InstanceLock:
    """The lock that makes a process the one instance on its library."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.path = os.path.join(_runtime_dir(), f"{key}.lock")
        self._lock = QLockFile(self.path)
        # Stale only when its process is gone, never for its age: the app holds it for
        # as long as it runs.
        self._lock.setStaleLockTime(0)

    def try_acquire(self) -> bool:
        """Take the lock if no live process holds it (a dead holder's lock is removed)."""
        return bool(self._lock.tryLock(0))

    def holder(self) -> int | None:
        """The process id of the holder, if known."""
        info = self._lock.getLockInfo()
        if isinstance(info, tuple) and info and isinstance(info[0], int) and info[0] > 0:
            return info[0]
        return None

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._lock.isLocked():
            self._lock.unlock()


def send_request(
    key: str,
    request: OpenRequest,
    *,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    reply_timeout: float = REPLY_TIMEOUT_S,
) -> str | None:
    """Hand ``request`` to the running instance; None once it answered, else why not."""
    socket = QLocalSocket()
    name = server_name(key)
    deadline = time.monotonic() + connect_timeout
    while True:
        socket.connectToServer(name)
        if socket.waitForConnected(max(1, int((deadline - time.monotonic()) * 1000))):
            break
        if time.monotonic() >= deadline:
            return f"it does not accept connections ({socket.errorString()})"
        # Not listening yet (it takes the lock first): try again shortly.
        QThread.msleep(50)
    try:
        socket.write(QByteArray(encode_request(request)))
        if not socket.waitForBytesWritten(int(connect_timeout * 1000)):
            return f"cannot send to it ({socket.errorString()})"
        reply = b""
        deadline = time.monotonic() + reply_timeout
        while b"\n" not in reply:
            remaining = int((deadline - time.monotonic()) * 1000)
            if remaining <= 0 or not socket.waitForReadyRead(remaining):
                return "it does not answer"
            reply += bytes(socket.readAll().data())
        if reply.strip() != b"ok":
            return f"it answered {reply.strip()[:80]!r}"
        return None
    finally:
        socket.abort()


class InstanceServer(QObject):
    """Listens for later processes on the same library.

    Signals:
        sig_request_received(OpenRequest): a later process's request (answered already).
    """

    sig_request_received = Signal(object)

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(key)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening (call with the lock held: a leftover socket is removed first);
        False, with ``error`` set, if that fails."""
        QLocalServer.removeServer(self.name)  # a crashed instance's socket file
        return bool(self._server.listen(self.name))

    @property
    def error(self) -> str:
        """Why listening failed."""
        return str(self._server.errorString())

    def close(self) -> None:
        """Stop listening and drop open connections."""
        self._server.close()
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()

    def _on_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            QTimer.singleShot(CLIENT_TIMEOUT_MS, socket, lambda s=socket: self._drop(s))

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE_BYTES:
                self._drop(socket)
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        try:
            request = decode_request(line)
        except ValueError:  # (json.JSONDecodeError and UnicodeDecodeError included)
            socket.write(QByteArray(b"error: not a refman request\n"))
            socket.flush()
            self._drop(socket)
            return
        socket.write(QByteArray(b"ok\n"))
        socket.flush()
        socket.disconnectFromServer()
        self._forget(socket)
        self.sig_request_received.emit(request)

    def _drop(self, socket: QLocalSocket) -> None:
        if socket in self._buffers:
            self._forget(socket)
            socket.abort()

    def _forget(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.deleteLater()


def activation_token() -> str:
    """The start-up token the launcher gave this process, if any."""
    for name in ACTIVATION_ENV:
        value = os.environ.get(name, "")
        if value:
            return value
    return ""


def absolute_files(files: Sequence[str | Path]) -> list[Path]:
    """``files`` made absolute against this process's folder (the first one has its own)."""
    return [Path(os.path.abspath(f)) for f in files]
