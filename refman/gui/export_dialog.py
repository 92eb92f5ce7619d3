"""File > Export Selected: format, style and destination, with a live preview."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refman.formats.base import WriteOptions
from refman.gui import settings as keys
from refman.gui.settings import Settings
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.services.errors import USER_ERRORS
from refman.services.exporting import (
    DEFAULT_STYLE,
    ExportRequest,
    ExportResult,
    export_kinds,
)
from refman.services.library import Library

PREVIEW_COUNT = 5
"""How many of the selected references the preview shows."""


def citation_styles() -> dict[str, str]:
    """The bundled CSL styles by name, with their labels (citeproc loads on first use)."""
    from refman.services.citing import STYLES  # noqa: PLC0415

    return dict(STYLES)


class ExportDialog(QDialog):
    """Export the selected references to a file.

    The preview and the provisional-title count are computed on the task runner; the
    export itself too, so a 100,000-reference export never freezes the window.

    Signals:
        sig_exported(object): the :class:`ExportResult` of a finished export.
    """

    sig_exported = Signal(object)

    def __init__(
        self,
        library: Library,
        runner: TaskRunner,
        ids: Sequence[int],
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Selected References")
        self._library = library
        self._runner = runner
        self._ids = list(ids)
        self._settings = settings
        self._generation = 0
        self._exporting = False

        self.kind_box = QComboBox()
        for name, label in export_kinds().items():
            self.kind_box.addItem(label, name)
        self.style_box = QComboBox()
        for name, label in citation_styles().items():
            self.style_box.addItem(label, name)
        self.notes_box = QCheckBox("Include notes")
        self.abstracts_box = QCheckBox("Include abstracts")
        self.abstracts_box.setChecked(True)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Choose where to save the file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setMinimumSize(560, 240)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.resize(820, 680)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Export")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        destination = QHBoxLayout()
        destination.addWidget(self.path_edit, 1)
        destination.addWidget(browse)
        options = QHBoxLayout()
        options.addWidget(self.notes_box)
        options.addWidget(self.abstracts_box)
        options.addStretch(1)
        form = QFormLayout()
        form.addRow("Format:", self.kind_box)
        form.addRow("Style:", self.style_box)
        form.addRow("", options)
        form.addRow("Save to:", destination)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(f"Preview (the first {PREVIEW_COUNT}):"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._restore_choices()
        self.kind_box.currentIndexChanged.connect(self._on_kind_changed)
        self.style_box.currentIndexChanged.connect(self.update_preview)
        self.notes_box.toggled.connect(self.update_preview)
        self.abstracts_box.toggled.connect(self.update_preview)
        self._on_kind_changed()
        self._count_provisional()

    # --- choices --------------------------------------------------------------------------
    def request(self) -> ExportRequest:
        """The export the dialog's choices describe."""
        options = WriteOptions(
            notes=self.notes_box.isChecked(), abstracts=self.abstracts_box.isChecked()
        )
        return ExportRequest(
            self.kind_box.currentData(), style=self.style_box.currentData(), options=options
        )

    def _restore_choices(self) -> None:
        kind = self._settings.text(keys.EXPORT_KIND, "bibtex")
        style = self._settings.text(keys.CITATION_STYLE, DEFAULT_STYLE)
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(kind)))
        self.style_box.setCurrentIndex(max(0, self.style_box.findData(style)))
        self.notes_box.setChecked(self._settings.flag(keys.EXPORT_NOTES))
        self.abstracts_box.setChecked(self._settings.flag(keys.EXPORT_ABSTRACTS, default=True))

    def _on_kind_changed(self) -> None:
        request = self.request()
        self.style_box.setEnabled(request.is_citation)
        self.notes_box.setEnabled(not request.is_citation)
        self.abstracts_box.setEnabled(not request.is_citation)
        path = self.path_edit.text().strip()
        if path:
            self.path_edit.setText(str(Path(path).with_suffix(request.extension)))
        else:
            folder = Path(self._settings.text(keys.EXPORT_FOLDER, str(Path.home())))
            self.path_edit.setText(str(folder / f"references{request.extension}"))
        self.update_preview()

    def browse(self) -> None:
        """Ask where to save the file."""
        request = self.request()
        label = export_kinds()[request.kind]
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), f"{label} (*{request.extension})"
        )
        if path:
            self.path_edit.setText(path)

    # --- preview --------------------------------------------------------------------------
    def update_preview(self) -> None:
        """Render the first references with the current choices, off the UI thread."""
        self._generation += 1
        generation, library = self._generation, self._library
        head, request = self._ids[:PREVIEW_COUNT], self.request()
        self.preview.setPlaceholderText("Rendering…")

        def done(text: str) -> None:
            if generation == self._generation:
                self.preview.setPlainText(text)

        self._runner.run(
            lambda _control: library.render(head, request),
            succeeded=done,
            failed=lambda exc: done(f"(no preview: {exc})"),
        )

    def preview_text(self) -> str:
        """What the preview shows (for tests)."""
        return self.preview.toPlainText()

    def _count_provisional(self) -> None:
        library, ids = self._library, self._ids

        def job(_control: TaskControl) -> int:
            return sum(row.title_provisional for row in library.rows(ids))

        def done(provisional: int) -> None:
            noun = "reference" if len(ids) == 1 else "references"
            text = f"{len(ids):,} {noun} selected."
            if provisional:
                verb, pronoun = ("carries", "it is") if provisional == 1 else ("carry", "they are")
                text += (
                    f" {provisional:,} still {verb} a provisional title (derived by refman "
                    f"from the abstract); {pronoun} exported with it."
                )
            self.summary.setText(text)

        self._runner.run(job, succeeded=done)

    # --- export ---------------------------------------------------------------------------
    def export(self) -> None:
        """Write the file (on the runner); the dialog closes when it is written."""
        if self._exporting:
            return
        text = self.path_edit.text().strip()
        if not text:
            self.error.setText("Choose where to save the file.")
            return
        path = Path(text).expanduser()
        request, library, ids = self.request(), self._library, self._ids
        self._exporting = True
        self.buttons.setEnabled(False)
        self.error.setText("")

        def done(result: ExportResult) -> None:
            self._exporting = False
            self.buttons.setEnabled(True)
            self._remember(request, path)  # a failed export's folder is not remembered
            self.sig_exported.emit(result)
            self.accept()

        def failed(exc: BaseException) -> None:
            self._exporting = False
            self.buttons.setEnabled(True)
            if not isinstance(exc, USER_ERRORS):
                raise exc
            self.error.setText(str(exc))

        self._runner.run(
            lambda _control: library.export(ids, request, path), succeeded=done, failed=failed
        )

    def _remember(self, request: ExportRequest, path: Path) -> None:
        self._settings.set(keys.EXPORT_KIND, request.kind)
        if request.is_citation:
            self._settings.set(keys.CITATION_STYLE, request.style)
        self._settings.set(keys.EXPORT_NOTES, request.options.notes)
        self._settings.set(keys.EXPORT_ABSTRACTS, request.options.abstracts)
        self._settings.set(keys.EXPORT_FOLDER, str(path.parent))
