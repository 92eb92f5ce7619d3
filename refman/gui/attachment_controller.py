"""Attaching files from the window: Attach File, drops onto a reference or the window,
PDFs that become references, removing attachments, and the Preferences dialog."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QUndoStack
from PySide6.QtWidgets import QFileDialog, QWidget

from refman.domain import Attachment
from refman.gui.attachment_box import AttachmentBox
from refman.gui.library_bridge import LibraryBridge
from refman.gui.pdf_text import read_clues
from refman.gui.preferences_dialog import PreferencesDialog
from refman.gui.reader_controller import open_externally
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.gui.undo_commands import (
    ATTACHMENTS_TOUCHED,
    AttachCommand,
    do_remove_attachment,
)
from refman.services.attachments import is_pdf
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed


def split_pdfs(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """``paths`` split into PDF files (by their signature) and the others."""
    pdfs = [p for p in paths if is_pdf(p)]
    return pdfs, [p for p in paths if p not in pdfs]


class AttachmentController(QObject):
    """The window's file operations. Copies run on the task runner; a PDF dropped onto
    empty space is read here (QtPdf, a few milliseconds, one file per turn of the event
    loop) for its arXiv id, DOI or title, then added on the runner.

    Signals:
        sig_reported(str): a one-line result for the status bar.
        sig_reference_added(int): a PDF created (or joined) this reference.
    """

    sig_reported = Signal(str)
    sig_reference_added = Signal(int)

    def __init__(
        self,
        bridge: LibraryBridge,
        runner: TaskRunner,
        undo_stack: QUndoStack,
        *,
        selected_ids: Callable[[], list[int]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._runner = runner
        self._undo_stack = undo_stack
        self._selected_ids = selected_ids
        self._window = parent
        self._queue: deque[Path] = deque()
        self._busy = 0
        self.attach_action = QAction("&Attach File…", self)
        self.attach_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.attach_action.setStatusTip("Attach a PDF (or another file) to the selected reference")
        self.attach_action.triggered.connect(self.attach_to_selection)
        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Preferences))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.setStatusTip("Where attached files go, and more")
        self.preferences_action.triggered.connect(self.show_preferences)
        self.dialog: PreferencesDialog | None = None

    def connect_box(self, box: AttachmentBox, read: Callable[[int], object]) -> None:
        """Serve the detail pane's Files row (``read`` opens a reference's PDF)."""
        box.sig_read_requested.connect(read)
        box.sig_open_requested.connect(self.open_externally)
        box.sig_show_requested.connect(self.show_in_folder)
        box.sig_remove_requested.connect(self.remove_attachment)
        box.sig_attach_requested.connect(self.ask_attach)
        box.sig_files_dropped.connect(self.attach_files)

    def is_busy(self) -> bool:
        """Whether files are being attached or PDFs added."""
        return self._busy > 0 or bool(self._queue)

    # --- attaching --------------------------------------------------------------------
    def attach_to_selection(self) -> None:
        """Attach File: choose files for the one selected reference."""
        ids = self._selected_ids()
        if len(ids) != 1:
            self.sig_reported.emit("Select one reference to attach files to.")
            return
        self.ask_attach(ids[0])

    def ask_attach(self, ref_id: int) -> None:
        """Choose files to attach to ``ref_id``."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self._window, "Attach Files", "", "PDF files (*.pdf);;All files (*)"
        )
        if paths:
            self.attach_files(ref_id, [Path(p) for p in paths])

    def attach_files(self, ref_id: int, paths: Sequence[Path]) -> None:
        """Attach files to a reference (copied or linked as the library's preference
        says), on the runner; undoable."""
        library = self._bridge.library
        paths = list(paths)
        self._busy += 1

        def job(_control: TaskControl) -> tuple[Changed, list[tuple[Attachment, bool]]]:
            return library.attach_files(ref_id, paths)

        def done(result: tuple[Changed, list[tuple[Attachment, bool]]]) -> None:
            self._busy -= 1
            changed, attached = result
            self._bridge.apply(changed, ATTACHMENTS_TOUCHED)
            new = [a for a, is_new in attached if is_new]
            if new:
                ids = [a.id for a in new if a.id is not None]
                self._undo_stack.push(AttachCommand(self._bridge, ref_id, ids))
                names = ", ".join(a.name for a in new)
                self.sig_reported.emit(f"Attached {names}.")
            else:
                self.sig_reported.emit("The reference already has these files.")

        self._runner.run(job, succeeded=done, failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._busy -= 1
        if not isinstance(exc, USER_ERRORS):
            raise exc
        self._bridge.report_error(str(exc))

    def remove_attachment(self, attachment_id: int) -> None:
        """Detach an attachment (undoable; the file itself stays)."""
        try:
            command = do_remove_attachment(self._bridge, attachment_id)
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))
            return
        self._undo_stack.push(command)
        self.sig_reported.emit(f"{command.text()}. The file itself stays where it is.")

    # --- PDFs that become references ----------------------------------------------------
    def add_pdfs(self, paths: Sequence[Path]) -> None:
        """Make a reference of each PDF (or attach it to the reference its arXiv id or
        DOI names)."""
        self._queue.extend(paths)
        if len(self._queue) == len(paths):
            QTimer.singleShot(0, self, self._next_pdf)

    def _next_pdf(self) -> None:
        if not self._queue:
            return
        path = self._queue.popleft()
        clues = read_clues(path)
        library = self._bridge.library
        self._busy += 1

        def done(result: tuple[Changed, int]) -> None:
            self._busy -= 1
            changed, ref_id = result
            self._bridge.apply(changed)
            verb = "Added" if changed.count else "Attached to"
            (ref,) = library.load([ref_id])
            self.sig_reported.emit(f"{verb} “{ref.title}” ({path.name}).")
            self.sig_reference_added.emit(ref_id)

        self._runner.run(
            lambda _control: library.add_reference_from_pdf(path, clues),
            succeeded=done,
            failed=self._failed,
        )
        if self._queue:
            QTimer.singleShot(0, self, self._next_pdf)

    # --- files ------------------------------------------------------------------------
    def open_externally(self, path: Path) -> None:
        """Open a file in the system's viewer for it."""
        if not open_externally(path):
            self.sig_reported.emit(f"No application opened {path}")

    def show_in_folder(self, path: Path) -> None:
        """Show the folder holding a file."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))

    def show_preferences(self) -> None:
        """Edit > Preferences."""
        dialog = PreferencesDialog(self._bridge.library, self._window)
        dialog.sig_reported.connect(self.sig_reported)
        self.dialog = dialog
        dialog.open()
