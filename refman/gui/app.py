"""Start the desktop window: ``refman`` without a sub-command calls :func:`run`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

from refman.gui.binding_check import binding_problem
from refman.gui.main_window import MainWindow
from refman.gui.settings import configure_application
from refman.services.library import Library

READY_FILE_ENV = "REFMAN_READY_FILE"
"""When set, a JSON file written once the window has painted with its first rows."""
SCREENSHOT_ENV = "REFMAN_SCREENSHOT"
"""When set, a PNG of the window saved just before the ready file is written."""

_STARTED = time.perf_counter()


def run(library: Library, argv: Sequence[str] | None = None) -> int:
    """Show the window over ``library`` until it is closed; returns the exit status."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or ["refman"]))
    configure_application(app)
    problem = binding_problem()
    if problem:
        print(f"refman: warning: {problem}", file=sys.stderr)
    window = MainWindow(library)
    window.sig_ready.connect(lambda: _announce_ready(window))
    waker = _SignalWaker(window) if sys.platform != "win32" else None
    window.show()
    try:
        return app.exec()
    finally:
        if waker is not None:
            waker.close()


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
