"""The window's side of a shared library: others' changes shown live, the banner when the
server cannot be reached (with the edits kept meanwhile, on disk too, and saved once it
is back, or by the next window on the library), and File > Connect to Shared Library…,
which reopens the window on another library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox

from refman.gui.connect_dialog import ConnectDialog, LibraryLogin
from refman.gui.connection_banner import ConnectionBanner
from refman.gui.live_updates import LiveUpdates
from refman.services import kept_edits
from refman.services.errors import UserError

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow


class SharedLibrary(QObject):
    """Live updates, the connection banner and the connect dialog of one window.

    Signals:
        sig_switch_requested(object): the user connected to another library (a
            :class:`LibraryLogin`); the window closes and the app reopens on it.
    """

    sig_switch_requested = Signal(object)

    JOURNAL_CHECK_MS = 1000

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
        self.close_question: QMessageBox | None = None
        """The question asked on closing with edits kept (while it is open)."""
        self.switch_to: LibraryLogin | None = None
        """Set when the window closes to reopen on another library."""
        live = self.live
        live.sig_connection_lost.connect(self._on_lost)
        live.sig_retry_scheduled.connect(self.banner.set_retry_in)
        live.sig_connection_restored.connect(self._on_restored)
        self.banner.sig_reconnect_requested.connect(live.reconnect_now)
        window.bridge.sig_connection_lost.connect(self.note_kept)
        self.journal_problem = ""
        """Why the kept edits could not be written to disk (empty: they were)."""
        self.journal_blocked = ""
        """Why this window leaves the library's file of kept edits alone (it could not
        read it at start); empty: it writes it."""
        self._written = kept_edits.KeptEdits()
        self._journal_check = QTimer(self)
        self._journal_check.setInterval(self.JOURNAL_CHECK_MS)
        self._journal_check.timeout.connect(self.write_journal)
        self._show_indicator()

    def start(self) -> None:
        """Start watching the library; edits an earlier window on it kept on disk for
        want of a connection are taken back and saved (asking where someone else changed
        the same thing meanwhile)."""
        self.live.start()
        if self.live.server:
            self._take_back_kept()

    def _take_back_kept(self) -> None:
        url = self._window.library.store.url
        try:
            kept = kept_edits.load(url)
        except kept_edits.UnreadableKeptEditsError as exc:
            self.journal_blocked = str(exc)  # (never overwritten: kept in memory only)
            self.journal_problem = str(exc)
            self._window.bridge.report_error(str(exc))
            return
        if not kept.count():
            return
        self._remember_written(kept)  # (what the file holds: rewritten as they are saved)
        detail = self._window.detail
        detail.restore_kept_fields(kept.fields)
        detail.notes.restore_kept_notes(kept.notes)
        QTimer.singleShot(0, lambda: self._save_taken_back(kept.count()))

    def _save_taken_back(self, count: int) -> None:
        self._window.detail.retry_pending()
        self.write_journal()
        if self.live.lost:
            return  # (kept again, on disk too)
        noun = "edit" if count == 1 else "edits"
        self._window.statusBar().showMessage(
            f"Saved {count} {noun} kept from the last session on {self.live.name}.", 10_000
        )

    def write_journal(self) -> None:
        """Write the edits waiting for the connection to disk (none: remove the file);
        a failure is reported once and remembered in ``journal_problem``. While the file
        holds edits, it is compared with them every second (``JOURNAL_CHECK_MS``): a
        question about one of them (their text or ours?) ends without telling this."""
        if not self.live.server or self.journal_blocked:
            return
        detail = self._window.detail
        kept = kept_edits.KeptEdits(detail.kept_fields(), detail.notes.kept_notes())
        if kept == self._written and not self.journal_problem:
            return
        try:
            kept_edits.save(self._window.library.store.url, kept)
        except UserError as exc:
            if not self.journal_problem:
                self._window.bridge.report_error(f"Unsaved edits are kept in memory only: {exc}")
            self.journal_problem = str(exc)
            return
        self.journal_problem = ""
        self._remember_written(kept)

    def _remember_written(self, kept: kept_edits.KeptEdits) -> None:
        """``kept`` is what the file holds now: compared with the edits while any."""
        self._written = kept
        if kept.count():
            self._journal_check.start()
        else:
            self._journal_check.stop()

    def stop(self) -> None:
        """Stop watching (the window closes); edits still waiting (for the connection,
        or for an answer the user did not give) stay on disk for the next window."""
        self.write_journal()
        self._journal_check.stop()
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
        """An edit was kept for later (the banner counts them; written to disk)."""
        self.write_journal()
        if self.live.lost:
            self.banner.set_kept(self.kept_count())

    def _on_restored(self) -> None:
        detail = self._window.detail
        detail.retry_pending()
        self.write_journal()
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
        connection (on disk they wait for the next window on this library; if they could
        not be written there, closing would lose them)."""
        kept = self.kept_count()
        if not kept:
            return True
        self.write_journal()
        noun = "edit is" if kept == 1 else "edits are"
        if self.journal_problem:
            text = (
                f"{kept} {noun} not saved: there is no connection to {self.live.name}, "
                f"and they could not be kept on this computer ({self.journal_problem}).\n\n"
                "Keep the window open until the connection is back, or close and lose them?"
            )
            close_label, close_role = "Close and Lose Them", QMessageBox.ButtonRole.DestructiveRole
        else:
            text = (
                f"{kept} {noun} not saved yet: there is no connection to {self.live.name}."
                "\n\nThey are kept on this computer and saved the next time refman opens "
                "this library. Close now, or keep the window open until the connection is back?"
            )
            close_label, close_role = "Close", QMessageBox.ButtonRole.AcceptRole
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved Edits",
            text,
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        keep = box.addButton("Keep Window Open", QMessageBox.ButtonRole.RejectRole)
        close = box.addButton(close_label, close_role)
        box.setDefaultButton(close if not self.journal_problem else keep)
        self.close_question = box
        box.exec()
        self.close_question = None
        return box.clickedButton() is not keep
