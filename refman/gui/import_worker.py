"""Importing files on the task runner, with a progress dialog whose Cancel changes nothing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from refman.gui.library_bridge import LibraryBridge
from refman.gui.task_runner import Task, TaskControl, TaskRunner
from refman.services.errors import USER_ERRORS, ImportCancelledError
from refman.services.importing import ImportResult, import_files
from refman.services.library import Changed

_STEPS = 1000


def describe_result(result: ImportResult) -> str:
    """What an import did, for the user."""
    files = len(result.files)
    where = "1 file" if files == 1 else f"{files} files"
    return (
        f"Imported {where}: {result.added:,} added, {result.merged:,} merged, "
        f"{result.unchanged:,} unchanged."
    )


class ImportWorker(QObject):
    """Runs imports one at a time: the work on the task runner, the dialogs here.

    Signals:
        sig_finished(object): the ImportResult, or None when cancelled or failed.
        sig_reported(str): the one-line outcome (also shown in a message box).
    """

    sig_finished = Signal(object)
    sig_reported = Signal(str)

    def __init__(self, bridge: LibraryBridge, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._runner = runner
        self._window = parent
        self.task: Task | None = None
        self.progress: QProgressDialog | None = None
        self.message_box: QMessageBox | None = None

    def is_running(self) -> bool:
        """Whether an import is under way."""
        return self.task is not None

    def start(self, paths: Sequence[Path]) -> Task | None:
        """Import ``paths`` in the background; None if an import is already running."""
        if self.task is not None or not paths:
            return None
        paths = [Path(p) for p in paths]
        store = self._bridge.library.store
        library = self._bridge.library

        def job(control: TaskControl) -> ImportResult:
            result = import_files(
                store, paths, progress=control.report, cancelled=control.is_cancelled
            )
            control.note("Updating the search index…")
            library.search_index_catch_up()
            library.request_backup("import")  # (made once the window shows the import)
            return result

        label = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        progress = QProgressDialog(f"Importing {label}…", "Cancel", 0, _STEPS, self._window)
        progress.setWindowTitle("Import")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setValue(0)
        self.progress = progress
        task = self.task = self._runner.create(job)
        progress.canceled.connect(task.cancel)
        task.sig_progressed.connect(self._on_progress)
        task.sig_noted.connect(self._on_note)
        task.sig_succeeded.connect(self._on_succeeded)
        task.sig_failed.connect(self._on_failed)
        return self._runner.start(task)

    def cancel(self) -> None:
        """Cancel the running import (the library stays as it was)."""
        if self.task is not None:
            self.task.cancel()

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress is not None and total > 0:
            self.progress.setValue(min(_STEPS - 1, done * _STEPS // total))

    def _on_note(self, message: str) -> None:
        if self.progress is not None:
            self.progress.setLabelText(message)
            self.progress.setCancelButton(None)  # the import is committed: no way back

    def _finish(self) -> None:
        self.task = None
        if self.progress is not None:
            self.progress.hide()
            self.progress.deleteLater()
            self.progress = None

    def _on_succeeded(self, result: ImportResult) -> None:
        self._finish()
        self._bridge.apply(Changed(tags=True, everything=True, count=result.added))
        text = describe_result(result)
        self._show(QMessageBox.Icon.Information, "Import finished", text)
        self.sig_finished.emit(result)

    def _on_failed(self, exc: BaseException) -> None:
        task = self.task
        self._finish()
        if isinstance(exc, ImportCancelledError):
            self.sig_reported.emit("Import cancelled; the library is unchanged.")
        elif isinstance(exc, USER_ERRORS):
            self._show(
                QMessageBox.Icon.Warning,
                "Import failed",
                f"Nothing was imported; the library is unchanged.\n\n{exc}",
            )
        else:  # a bug: say so, keep the traceback for the report
            if task is not None:
                print(task.traceback_text, file=sys.stderr)
            self._show(
                QMessageBox.Icon.Critical,
                "Import failed",
                f"Nothing was imported (an unexpected error: {exc!r}). "
                "Please report this with the terminal output.",
            )
        self.sig_finished.emit(None)

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        self.sig_reported.emit(text.replace("\n\n", " "))
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()  # not exec(): the window keeps running
        self.message_box = box
