"""Files opened from outside (the desktop, ``refman FILE...``, a second process): raise the
window and ask before importing them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from refman.gui.main_window import MainWindow
from refman.gui.single_instance import OpenRequest

LISTED_FILES = 10
"""File names the question lists before "and N more"."""


def _plural(count: int, noun: str) -> str:
    return f"1 {noun}" if count == 1 else f"{count:,} {noun}s"


def _accepted(box: QMessageBox) -> bool:
    clicked = box.clickedButton()
    return clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole


class OpenRequests(QObject):
    """Asks "Import N files into <library>?" for files opened from outside, and imports
    them once the user agrees (after the import under way, if there is one).

    Files arriving while the question is open join it; missing files and folders are
    listed in it as skipped (or reported, if nothing else is left).

    Signals:
        sig_asked(): the question is shown (tests wait on it).
        sig_declined(list[Path]): the user said no; nothing was imported.
    """

    sig_asked = Signal()
    sig_declined = Signal(list)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.question: QMessageBox | None = None
        self.pending: list[Path] = []
        self.skipped: list[str] = []
        self._queued: list[Path] = []
        window.import_worker.sig_finished.connect(self._start_queued)

    def handle(self, request: OpenRequest) -> None:
        """A later process's request: come to the front, then ask about its files."""
        self.bring_to_front(request.activation_token)
        if request.files:
            self.ask(request.files)

    def bring_to_front(self, token: str = "") -> None:
        """Show, un-minimise, raise and activate the window (a launcher's ``token`` lets
        a Wayland compositor allow that)."""
        window = self.window
        if token and QGuiApplication.platformName() == "wayland":
            os.environ["XDG_ACTIVATION_TOKEN"] = token  # read by Qt's activation request
        if window.isMinimized():
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()

    def ask(self, files: Sequence[Path]) -> None:
        """Ask whether to import ``files`` (joining a question already open)."""
        readable: list[Path] = []
        for path in files:
            if path.is_dir():
                self.skipped.append(f"{path} (a folder, not a file)")
            elif not path.is_file():
                self.skipped.append(f"{path} (no such file)")
            elif path not in self.pending and path not in readable:
                readable.append(path)
        if not readable and not self.pending:
            skipped, self.skipped = self.skipped, []
            if skipped:
                self.window.show_error("Nothing to import:\n" + "\n".join(skipped))
            return
        self.pending.extend(readable)
        if self.question is None:
            self.question = self._question()
            self._update_question()
            self.question.open()
        else:
            self._update_question()
        self.sig_asked.emit()

    def _question(self) -> QMessageBox:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Import")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        import_button = box.addButton("Import", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(import_button)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _result: self._answered(_accepted(box)))
        return box

    def _update_question(self) -> None:
        assert self.question is not None
        files = self.pending
        self.question.setText(
            f"Import {_plural(len(files), 'file')} into “{self.window.library.store.name}”?"
        )
        names = [path.name for path in files[:LISTED_FILES]]
        if len(files) > LISTED_FILES:
            names.append(f"and {len(files) - LISTED_FILES:,} more")
        if self.skipped:
            names += ["", "Skipped:", *self.skipped]
        self.question.setInformativeText("\n".join(names))
        self.question.setDetailedText("\n".join(str(path) for path in files))

    def _answered(self, accepted: bool) -> None:
        files, self.pending, self.skipped = self.pending, [], []
        box, self.question = self.question, None
        if box is not None:
            box.deleteLater()
        if not accepted:
            self.window.statusBar().showMessage(
                f"Not imported: {_plural(len(files), 'file')}.", 6000
            )
            self.sig_declined.emit(files)
            return
        self._queued.extend(f for f in files if f not in self._queued)
        self._start_queued()

    def _start_queued(self, *_result: object) -> None:
        if not self._queued or self.window.import_worker.is_running():
            return  # (started when the running import finishes)
        files, self._queued = self._queued, []
        self.window.import_paths(files)
