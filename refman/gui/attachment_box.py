"""The detail pane's Files row: a reference's attached files, missing ones marked, with
Read, Open with System Viewer, Show in Folder, Remove, and Attach File."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain import Attachment, Reference
from refman.services.attachments import file_path

MISSING_STYLE = "color: #c0392b;"


def local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local files a drag carries (none if it carries anything else too)."""
    urls = event.mimeData().urls()
    if not urls or not all(url.isLocalFile() for url in urls):
        return []
    return [Path(url.toLocalFile()) for url in urls]


def describe(attachment: Attachment) -> str:
    """A tooltip: where the file is and how it is kept."""
    if attachment.kind != "file":
        return attachment.location
    how = "a copy in the library's attachment folder" if attachment.copied else "linked where it is"
    state = "\nThe file is missing." if attachment.missing else ""
    return f"{attachment.location}\n({how}){state}"


class AttachmentBox(QWidget):
    """The files of one reference. Dropping files here attaches them to it.

    Signals:
        sig_read_requested(int): open the reference's PDF in the reader (reference id).
        sig_open_requested(object): open this file (a ``Path``) in the system's viewer.
        sig_show_requested(object): show this file (a ``Path``) in its folder.
        sig_remove_requested(int): detach the attachment with this id.
        sig_attach_requested(int): choose files to attach to this reference.
        sig_files_dropped(int, list): attach these paths to this reference.
    """

    sig_read_requested = Signal(int)
    sig_open_requested = Signal(object)
    sig_show_requested = Signal(object)
    sig_remove_requested = Signal(int)
    sig_attach_requested = Signal(int)
    sig_files_dropped = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.reference: Reference | None = None
        self.folder = Path()
        self.rows: list[QWidget] = []
        self._shown: list[tuple[int | None, int | None, str, bool]] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.attach_button = QPushButton("Attach File…", self)
        self.attach_button.setToolTip("Attach a PDF or another file (or drop files here)")
        self.attach_button.clicked.connect(self._ask_attach)
        footer = QHBoxLayout()
        footer.setContentsMargins(0, 0, 0, 0)
        footer.addWidget(self.attach_button)
        footer.addStretch(1)
        self._layout.addLayout(footer)

    def set_reference(self, ref: Reference | None, folder: Path) -> None:
        """Show ``ref``'s files (relative locations are in ``folder``)."""
        self.reference, self.folder = ref, folder
        files = [] if ref is None else [a for a in ref.attachments if a.kind == "file"]
        shown = [(ref.id if ref else None, a.id, a.location, a.missing) for a in files]
        if shown == self._shown:
            return
        self._shown = shown
        for row in self.rows:
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for position, attachment in enumerate(files):
            row = self._row(attachment)
            self._layout.insertWidget(position, row)
            self.rows.append(row)

    def _path(self, attachment: Attachment) -> Path:
        return file_path(attachment, self.folder) or Path(attachment.location)

    def _row(self, attachment: Attachment) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        name = QToolButton(row)
        name.setText(attachment.name)
        name.setAutoRaise(True)
        name.setToolTip(describe(attachment))
        name.setAccessibleName(f"File {attachment.name}")
        name.setCursor(Qt.CursorShape.PointingHandCursor)
        name.setEnabled(not attachment.missing)
        path = self._path(attachment)
        ref_id = self.reference.id if self.reference is not None else None
        if attachment.is_pdf and ref_id is not None:
            name.clicked.connect(lambda: self.sig_read_requested.emit(ref_id))
        else:
            name.clicked.connect(lambda: self.sig_open_requested.emit(path))
        layout.addWidget(name)
        if attachment.missing:
            missing = QLabel("missing", row)
            missing.setStyleSheet(MISSING_STYLE)
            missing.setToolTip(describe(attachment))
            layout.addWidget(missing)
        more = QToolButton(row)
        more.setText("⋯")
        more.setAutoRaise(True)
        more.setAccessibleName(f"Actions for {attachment.name}")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(more)
        if attachment.is_pdf and ref_id is not None:
            read = menu.addAction("Read", lambda: self.sig_read_requested.emit(ref_id))
            read.setEnabled(not attachment.missing)
        viewer = menu.addAction(
            "Open with System Viewer", lambda: self.sig_open_requested.emit(path)
        )
        viewer.setEnabled(not attachment.missing)
        folder = menu.addAction("Show in Folder", lambda: self.sig_show_requested.emit(path))
        folder.setEnabled(path.parent.is_dir())
        menu.addSeparator()
        if attachment.id is not None:
            attachment_id = attachment.id
            menu.addAction("Remove", lambda: self.sig_remove_requested.emit(attachment_id))
        more.setMenu(menu)
        layout.addWidget(more)
        layout.addStretch(1)
        return row

    def _ask_attach(self) -> None:
        if self.reference is not None and self.reference.id is not None:
            self.sig_attach_requested.emit(self.reference.id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept files (to attach them)."""
        if self.reference is not None and local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Attach dropped files to the reference shown."""
        paths = local_paths(event)
        if self.reference is not None and self.reference.id is not None and paths:
            event.acceptProposedAction()
            self.sig_files_dropped.emit(self.reference.id, paths)
