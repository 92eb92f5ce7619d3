"""Changes other people and programs make to the library, shown as they happen, and the
state of the connection to a shared library (see ``refman.storage.changes``)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from refman.gui.library_bridge import LibraryBridge
from refman.services.library import Changed
from refman.services.watching import (
    ChangeFeed,
    ChangeNotice,
    ConnectionStatus,
    as_changed,
    watch,
)


class LiveUpdates(QObject):
    """Turns a :class:`ChangeFeed` into refreshes of the window: the list's changed rows
    (a re-query when they may move), the tag pane's counts and the detail pane, through
    :meth:`LibraryBridge.apply_remote` like any change. Notices arriving within
    ``COALESCE_MS`` of each other are applied together (one transaction's notifications
    come as several). A library nobody else can see (in memory) is not watched.

    For a library on a server it also tracks the connection: lost when the feed says so
    or when an operation failed for want of it (``LibraryBridge.sig_connection_lost``,
    then checked at once), restored when the feed reconnects.

    Signals:
        sig_applied(object): a change made elsewhere was shown (its ``Changed``).
        sig_connection_lost(str): the server cannot be reached (why).
        sig_retry_scheduled(float): the next attempt to reconnect is in so many seconds.
        sig_connection_restored(): it can be reached again.
    """

    sig_applied = Signal(object)
    sig_connection_lost = Signal(str)
    sig_retry_scheduled = Signal(float)
    sig_connection_restored = Signal()

    COALESCE_MS = 20

    def __init__(
        self, bridge: LibraryBridge, parent: QObject | None = None, *, listen: bool = True
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._feed: ChangeFeed = watch(bridge.library, listen=listen)
        self.server = self._feed.server
        """Whether the library is on a server (its connection can be lost)."""
        self.lost = False
        self.message = ""
        self.last_received = 0.0
        """``time.perf_counter()`` when the last change notice reached this thread."""
        self._pending: ChangeNotice | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.COALESCE_MS)
        self._timer.timeout.connect(self._apply_pending)
        self._notifier = QSocketNotifier(self._feed.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._deliver)
        self._stopped = False
        bridge.sig_connection_lost.connect(self._on_operation_failed)

    @property
    def kind(self) -> str:
        """How the library is watched: ``listen``, ``poll`` or ``none``."""
        return self._feed.kind

    @property
    def name(self) -> str:
        """The library's short name (``lab@host``)."""
        return self._feed.name

    def start(self) -> None:
        """Start watching."""
        if not self._stopped:
            self._feed.start()

    def stop(self) -> None:
        """Stop watching for good (the window closes)."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        self._notifier.setEnabled(False)
        self._feed.stop()

    def reconnect_now(self) -> None:
        """Try to reach the server at once (the banner's Reconnect)."""
        self._feed.check_now()

    def _deliver(self) -> None:
        notice, statuses = self._feed.drain()
        for status in statuses:
            self._on_status(status)
        if notice is not None:
            self.last_received = time.perf_counter()
            self._pending = notice if self._pending is None else self._pending | notice
            if not self._timer.isActive():
                self._timer.start()

    def _apply_pending(self) -> None:
        notice, self._pending = self._pending, None
        if notice is None or self._stopped:
            return
        changed: Changed = as_changed(notice)
        self._bridge.apply_remote(changed)
        self.sig_applied.emit(changed)

    def _on_status(self, status: ConnectionStatus) -> None:
        if status.connected:
            if self.lost:
                self.lost = False
                self.message = ""
                self.sig_connection_restored.emit()
            return
        self.message = status.message
        if not self.lost:
            self.lost = True
            self.sig_connection_lost.emit(status.message)
        if status.retry_in is not None:
            self.sig_retry_scheduled.emit(status.retry_in)

    def _on_operation_failed(self, message: str) -> None:
        if not self.server or self._stopped:
            return
        if not self.lost:
            self.lost = True
            self.message = message
            self.sig_connection_lost.emit(message)
        self._feed.check_now()
