"""The window's side of a shared library: others' changes shown live, the banner when the
server cannot be reached (with the edits kept meanwhile and saved once it is back), and
File > Connect to Shared Library…, which reopens the window on another library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox

from refman.gui.connect_dialog import ConnectDialog, LibraryLogin
from refman.gui.connection_banner import ConnectionBanner
from refman.gui.live_updates import LiveUpdates

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow


class SharedLibrary(QObject):
    """Live updates, the connection banner and the connect dialog of one window.

    Signals:
        sig_switch_requested(object): the user connected to another library (a
            :class:`LibraryLogin`); the window closes and the app reopens on it.
    """

    sig_switch_requested = Signal(object)

    def __init__(self, window: MainWindow, *, listen: bool = True) -> None:
        super().__init__(window)
        self._window = window
        self.live = LiveUpdates(window.bridge, self, listen=listen)
        self.banner = ConnectionBanner(window)
        self.indicator = QLabel(window)
        self.indicator.setTextFormat(Qt.TextFormat.PlainText)
        self.indicator.setVisible(self.live.server)
        self.connect_action = QAction("Connect to Shared &Library…", window)
        self.connect_action.setStatusTip(
            "Open a lab's library on a PostgreSQL server (changes by others appear live)"
        )
        self.connect_action.triggered.connect(self.ask_connect)
        self.dialog: ConnectDialog | None = None
        self.switch_to: LibraryLogin | None = None
        """Set when the window closes to reopen on another library."""
        live = self.live
        live.sig_connection_lost.connect(self._on_lost)
        live.sig_retry_scheduled.connect(self.banner.set_retry_in)
        live.sig_connection_restored.connect(self._on_restored)
        self.banner.sig_reconnect_requested.connect(live.reconnect_now)
        window.bridge.sig_connection_lost.connect(self.note_kept)
        self._show_indicator()

    def start(self) -> None:
        """Start watching the library."""
        self.live.start()

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        self.live.stop()

    @property
    def lost(self) -> bool:
        """Whether the server cannot be reached now."""
        return self.live.lost

    def kept_count(self) -> int:
        """Edits (fields and notes) waiting for the connection."""
        detail = self._window.detail
        return detail.pending_count() + detail.notes.pending_count()

    def _show_indicator(self) -> None:
        if not self.live.server:
            return
        if self.live.lost:
            self.indicator.setText("● Offline")
            self.indicator.setStyleSheet("color: #c62828;")
            self.indicator.setToolTip(f"No connection to {self.live.name}: retrying")
        else:
            self.indicator.setText(f"● {self.live.name}")
            self.indicator.setStyleSheet("color: #2e7d32;")
            self.indicator.setToolTip(
                "Shared library: changes made by others appear as they happen"
            )

    def _on_lost(self, message: str) -> None:
        self.banner.show_lost(self.live.name, message)
        self.banner.set_kept(self.kept_count())
        self._show_indicator()

    def note_kept(self) -> None:
        """An edit was kept for later (the banner counts them)."""
        if self.live.lost:
            self.banner.set_kept(self.kept_count())

    def _on_restored(self) -> None:
        detail = self._window.detail
        detail.retry_pending()
        self._window.model.refresh()  # (a query may have failed meanwhile)
        self._show_indicator()
        if self.live.lost:  # (saving found it gone again)
            return
        self.banner.show_restored()
        self._window.statusBar().showMessage(f"Reconnected to {self.live.name}.", 6000)

    # --- connecting to another library ------------------------------------------------
    def ask_connect(self) -> None:
        """File > Connect to Shared Library…"""
        window = self._window
        dialog = ConnectDialog(window.runner, window.settings, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_connected.connect(self.switch)
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def switch(self, login: LibraryLogin) -> None:
        """Reopen the window on ``login``'s library (after saving everything here)."""
        self.switch_to = login
        if not self._window.close():  # the user kept the window (unsaved edits)
            self.switch_to = None
            return
        self.sig_switch_requested.emit(login)

    def confirm_close(self) -> bool:
        """Whether the window may close: asks when edits are kept for want of a
        connection (closing would lose them)."""
        kept = self.kept_count()
        if not kept:
            return True
        noun = "edit is" if kept == 1 else "edits are"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved Edits",
            f"{kept} {noun} not saved: there is no connection to {self.live.name}.\n\n"
            "Keep the window open until the connection is back, or close and lose them?",
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        keep = box.addButton("Keep Window Open", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Close and Lose Them", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is not keep
