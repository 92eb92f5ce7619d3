"""Edit > Preferences: the library's attachment settings (copy or link, and where)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from refman.services.attachments import AttachmentPreferences, default_folder
from refman.services.errors import USER_ERRORS
from refman.services.library import Library


class PreferencesDialog(QDialog):
    """The library's preferences; they live in the library, so the command line and
    every machine opening it follow them.

    Signals:
        sig_reported(str): what was saved, for the status bar.
    """

    sig_reported = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._library = library
        prefs = library.attachment_preferences()
        self.default_folder = default_folder(library.store)

        self.copy_button = QRadioButton("&Copy them into the library's attachment folder", self)
        self.link_button = QRadioButton("&Link them where they are", self)
        self.how = QButtonGroup(self)
        self.how.addButton(self.copy_button)
        self.how.addButton(self.link_button)
        (self.copy_button if prefs.copy else self.link_button).setChecked(True)
        self.folder = QLineEdit(prefs.folder, self)
        self.folder.setPlaceholderText(str(self.default_folder))
        self.folder.setAccessibleName("Attachment folder")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._choose_folder)
        default = QPushButton("Default", self)
        default.setToolTip(str(self.default_folder))
        default.clicked.connect(self.folder.clear)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        folder_row.addWidget(default)
        note = QLabel(
            "Copies are named after the citation key (feng2022metaformer.pdf). Files "
            "already attached stay where they are. A linked file that moves or is deleted "
            "is shown as missing.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        group = QGroupBox("Attached files", self)
        form = QFormLayout(group)
        form.addRow(self.copy_button)
        form.addRow(self.link_button)
        form.addRow("Attachment folder", folder_row)
        form.addRow(note)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _choose_folder(self) -> None:
        start = self.folder.text() or str(self.default_folder)
        chosen = QFileDialog.getExistingDirectory(self, "Attachment Folder", start)
        if chosen:
            self.folder.setText(str(Path(chosen)))

    def preferences(self) -> AttachmentPreferences:
        """What the dialog shows."""
        return AttachmentPreferences(
            copy=self.copy_button.isChecked(), folder=self.folder.text().strip()
        )

    def accept(self) -> None:
        """Save the preferences (a refused folder is explained and the dialog stays)."""
        try:
            self._library.set_attachment_preferences(self.preferences())
        except USER_ERRORS as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        how = "copied" if self.copy_button.isChecked() else "linked"
        self.sig_reported.emit(f"Attached files will be {how}.")
        super().accept()
