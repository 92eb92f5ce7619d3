"""Start the desktop window: ``refman [FILE...]`` without a sub-command calls :func:`launch`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Signal
from PySide6.QtGui import QFileOpenEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from refman.gui.app_icon import app_icon
from refman.gui.binding_check import binding_problem
from refman.gui.connect_dialog import ConnectDialog, LibraryLogin
from refman.gui.main_window import MainWindow
from refman.gui.open_requests import OpenRequests
from refman.gui.settings import Settings, configure_application
from refman.gui.single_instance import (
    InstanceLock,
    InstanceServer,
    OpenRequest,
    activation_token,
    instance_key,
    send_request,
)
from refman.gui.smoke_test import SmokeTest
from refman.gui.task_runner import TaskRunner
from refman.services.errors import USER_ERRORS
from refman.services.library import Library
from refman.services.shared_libraries import server_library

READY_FILE_ENV = "REFMAN_READY_FILE"
"""When set, a JSON file written once the window has painted with its first rows."""
SCREENSHOT_ENV = "REFMAN_SCREENSHOT"
"""When set, a PNG of the window saved just before the ready file is written."""

_STARTED = time.perf_counter()


DESKTOP_FILE = "refman"
"""The desktop entry's name (``resources/refman.desktop``): Wayland's app id, so the
compositor shows the entry's icon and name for the window."""
_HEADLESS = frozenset({"offscreen", "minimal"})


def launch(
    url: str,
    open_library: Callable[..., Library],
    *,
    files: Sequence[Path] = (),
    smoke_test: bool = False,
    argv: Sequence[str] | None = None,
    password: str | None = None,
    ask_login: LoginAsker | None = None,
) -> int:
    """``refman [FILE...]``: the window over the library at ``url``, asking to import
    ``files`` (absolute paths) once it shows; returns the exit status. A server library
    connects with ``password`` (``open_library(url, password=...)``) when given; one
    that cannot be opened (no password, a wrong one, the server down) is asked about
    with ``ask_login`` (by default the connect dialog, see :func:`ask_login_at_start`,
    unless nobody could answer it: no display).
    File > Connect to Shared Library… ends the window and starts over here on that
    library.

    If refman already runs on that library, the files go to that window (raised) and
    this process ends at once, without opening the library or the display (see
    ``single_instance``). ``smoke_test`` checks the app and exits (``smoke_test.py``)."""
    key = instance_key(url)
    lock = InstanceLock(key)
    primary = lock.try_acquire()
    if not primary and not smoke_test:
        problem = send_request(key, OpenRequest(list(files), activation_token()))
        if problem is None:
            return 0
        primary = lock.try_acquire()  # (it may have quit meanwhile)
        if not primary:
            holder = lock.holder()
            where = f" (process {holder})" if holder else ""
            return _fail(f"refman already runs on this library{where}, but {problem}.", argv)
    switch: list[LibraryLogin] = []  # (File > Connect to Shared Library…)
    pending_files: Sequence[Path] = ()  # (not shown yet: the library did not open)
    try:
        app = _application(argv)
        server = InstanceServer(key, app) if primary else None
        unreachable = ""
        if server is None:
            unreachable = "another refman runs on this library"
        elif not server.listen():
            unreachable = f"cannot listen: {server.error}"
            if not smoke_test:
                print(f"refman: warning: a second refman cannot reach this one ({unreachable})",
                      file=sys.stderr)  # fmt: skip
        try:
            library = (
                open_library(url) if password is None else open_library(url, password=password)
            )
        except USER_ERRORS as exc:
            if server is not None:
                server.close()
            lock.release()  # (another start on this library meanwhile: its own window)
            asker = ask_login or (None if _headless() else ask_login_at_start)
            login = None if smoke_test or asker is None else asker(url, str(exc))
            if login is None:  # (a message box, unless the dialog said it and was cancelled)
                shown = not smoke_test and server_library(url) is None
                return _fail(f"Cannot open the library: {exc}", argv, show=shown)
            switch.append(login)  # (opened below, as after File > Connect…)
            pending_files, status = files, 0
        else:
            try:
                status = _run_window(
                    app,
                    library,
                    server,
                    files=files,
                    smoke_test=smoke_test,
                    unreachable=unreachable,
                    switch=switch,
                )
            finally:
                if server is not None:
                    server.close()
                library.close()
    finally:
        lock.release()
    if switch:  # the same start, on the library the user connected to
        login = switch[-1]
        return launch(
            login.url,
            open_library,
            files=pending_files,
            argv=argv,
            password=login.password,
            ask_login=ask_login,
        )
    return status


LoginAsker = Callable[[str, str], LibraryLogin | None]
"""Asks how to reach the server library at a URL that failed to open (the second
argument says why): the login to start over with, or None (the user cancelled)."""


def ask_login_at_start(url: str, problem: str) -> LibraryLogin | None:
    """The Connect to Shared Library dialog, filled in for ``url`` with ``problem`` shown
    (a start without the password, which is asked for in each session where no keyring
    keeps it); None when cancelled, and for a file library."""
    library = server_library(url)
    if library is None:
        return None
    runner = TaskRunner()
    dialog = ConnectDialog(runner, Settings())
    dialog.preset(library, problem)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        runner.shutdown()
    return dialog.login if accepted else None


class _Application(QApplication):
    """The application object; on macOS, files opened from the Finder (also the ones a
    start was asked to open) arrive as ``QFileOpenEvent``s sent to it.

    Signals:
        sig_file_opened(Path): the desktop asked to open a file.
    """

    sig_file_opened = Signal(Path)

    def event(self, event: QEvent) -> bool:
        """Turn file-open events into ``sig_file_opened``."""
        if isinstance(event, QFileOpenEvent) and event.file():
            self.sig_file_opened.emit(Path(event.file()))
            return True
        return super().event(event)


def _application(argv: Sequence[str] | None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else _Application(list(argv or ["refman"]))
    configure_application(app)
    QGuiApplication.setDesktopFileName(DESKTOP_FILE)
    app.setWindowIcon(app_icon())
    return app


def _run_window(
    app: QApplication,
    library: Library,
    server: InstanceServer | None,
    *,
    files: Sequence[Path] = (),
    smoke_test: bool = False,
    unreachable: str = "",
    switch: list[LibraryLogin] | None = None,
) -> int:
    problem = binding_problem()
    if problem:
        print(f"refman: warning: {problem}", file=sys.stderr)
    window = MainWindow(library)
    window.sig_ready.connect(lambda: _announce_ready(window))
    if switch is not None:
        window.shared.sig_switch_requested.connect(switch.append)
    requests = OpenRequests(window)
    if server is not None:
        server.sig_request_received.connect(requests.handle)
    if files:
        window.sig_ready.connect(lambda: requests.ask(list(files)))

    def on_file_opened(path: Path) -> None:
        requests.ask([path])

    if isinstance(app, _Application):
        app.sig_file_opened.connect(on_file_opened)
    if smoke_test:
        smoke = SmokeTest(window, started=_STARTED, instance=unreachable)
        app.setQuitOnLastWindowClosed(False)  # (closing would end it with 0)
        smoke.sig_finished.connect(app.exit)
        smoke.start()
    waker = _SignalWaker(window) if sys.platform != "win32" else None
    window.show()
    try:
        return app.exec()
    finally:
        if waker is not None:
            waker.close()
        if isinstance(app, _Application):  # (a next window, on another library, may follow)
            app.sig_file_opened.disconnect(on_file_opened)


def _headless() -> bool:
    """Whether nobody sees the windows (offscreen or minimal platform: CI, a smoke test)."""
    return QGuiApplication.platformName() in _HEADLESS


def _fail(message: str, argv: Sequence[str] | None, *, show: bool = True) -> int:
    """Report a failure to start on stderr and, on a real display, in a message box (a
    program started from the desktop has no terminal); returns 1."""
    print(f"refman: {message}", file=sys.stderr)
    if show:
        _application(argv)
        if not _headless():
            QMessageBox.critical(None, "refman", message)
    return 1


def _announce_ready(window: MainWindow) -> None:
    screenshot = os.environ.get(SCREENSHOT_ENV)
    if screenshot:
        Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(screenshot, "PNG")
    ready = os.environ.get(READY_FILE_ENV)
    if ready:
        payload = {
            "startup_ms": round((time.perf_counter() - _STARTED) * 1000, 1),
            "rows": window.model.rowCount(),
            "screenshot": screenshot or None,
        }
        partial = Path(f"{ready}.partial")
        partial.write_text(json.dumps(payload), encoding="utf-8")
        partial.replace(ready)  # appears whole, never half-written


class _SignalWaker(QObject):
    """Closes the window (saving everything) on SIGTERM or Ctrl+C in the terminal.

    Python runs signal handlers only between bytecodes, which never happens while Qt's
    event loop sleeps; the C-level handler writes to a socket that wakes the loop."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: window.close())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(64)

    def close(self) -> None:
        """Restore default signal handling and close the sockets."""
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(
                signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler
            )
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()
