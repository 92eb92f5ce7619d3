"""File > Keep Files Updated: the files refman rewrites after every change (auto-export)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
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
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refman.domain import AutoExport
from refman.gui.export_dialog import citation_styles
from refman.gui.task_runner import TaskRunner
from refman.services.errors import USER_ERRORS
from refman.services.exporting import (
    CITATION_OUTPUTS,
    ExportRequest,
    export_kinds,
    kind_for_extension,
)
from refman.services.library import Library

WHOLE_LIBRARY = "The whole library"


class AutoExportDialog(QDialog):
    """Lists the auto-exports; adds one (written at once) or removes one (its file stays).

    Signals:
        sig_exports_changed(int): how many auto-exports there are now.
    """

    sig_exports_changed = Signal(int)

    def __init__(self, library: Library, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keep Files Updated")
        self._library = library
        self._runner = runner

        intro = QLabel(
            "refman rewrites these files after every change to the library (or to the "
            "references carrying their tag), and only when their content changes: point "
            "LaTeX at a .bib file here and it is always current."
        )
        intro.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["File", "Format", "References", "Last written"])
        self.table.setMinimumSize(640, 160)

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("references.bib")
        self.path_edit.textEdited.connect(self._follow_extension)
        self.path_edit.returnPressed.connect(self.add_export)
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        self.kind_box = QComboBox()
        for name, label in export_kinds().items():
            self.kind_box.addItem(label, name)
        self.kind_box.setCurrentIndex(self.kind_box.findData("bibtex"))
        self.kind_box.currentIndexChanged.connect(self._on_kind_changed)
        self.style_box = QComboBox()
        for name, label in citation_styles().items():
            self.style_box.addItem(label, name)
        self.scope_box = QComboBox()
        self.scope_box.addItem(WHOLE_LIBRARY, None)
        for tag in library.tags():
            self.scope_box.addItem(f"Tagged “{tag.name}”", tag.name)
        self.notes_box = QCheckBox("Include notes")
        self.add_button = QPushButton("Add")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_export)
        self.remove_button = QPushButton("Stop Updating")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("File:", path_row)
        form.addRow("Format:", self.kind_box)
        form.addRow("Style:", self.style_box)
        form.addRow("References:", self.scope_box)
        form.addRow("", self.notes_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._on_kind_changed()
        self.refresh()

    def _on_kind_changed(self) -> None:
        citation = self.kind_box.currentData() in CITATION_OUTPUTS
        self.style_box.setEnabled(citation)
        self.notes_box.setEnabled(not citation)

    def _follow_extension(self, text: str) -> None:
        """A typed or chosen file name's extension picks the format (.bib: BibTeX)."""
        kind = kind_for_extension(Path(text.strip()).suffix)
        if kind is not None:
            self.kind_box.setCurrentIndex(self.kind_box.findData(kind))

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectedItems()))

    def refresh(self) -> None:
        """Show the auto-exports as stored."""
        self.table.clear()
        exports = self._library.auto_exports()
        for export in exports:
            scope = WHOLE_LIBRARY if export.tag is None else f"Tagged “{export.tag}”"
            if export.tag_lost:
                scope = "Its tag was deleted: not updated"
            kind = export_kinds().get(export.kind, export.kind)
            if export.kind in CITATION_OUTPUTS:
                kind += f", {citation_styles().get(export.style, export.style)}"
            written = (
                export.last_written.astimezone().strftime("%Y-%m-%d %H:%M")
                if export.last_written
                else "—"
            )
            item = QTreeWidgetItem([export.path, kind, scope, written])
            item.setData(0, Qt.ItemDataRole.UserRole, export.id)
            self.table.addTopLevelItem(item)
        for column in range(3):
            self.table.resizeColumnToContents(column)
        self._update_buttons()
        self.sig_exports_changed.emit(len(exports))

    def _browse(self) -> None:
        filters = ";;".join(
            f"{label} (*{ExportRequest(kind).extension})" for kind, label in export_kinds().items()
        )
        path, _filter = QFileDialog.getSaveFileName(
            self, "Keep this file updated", self.path_edit.text(), filters
        )
        if path:
            self.path_edit.setText(path)
            self._follow_extension(path)

    def add_export(self) -> None:
        """Add the auto-export the form describes; it is written at once (on the runner)."""
        path = self.path_edit.text().strip()
        if not path:
            self.error.setText("Choose the file to keep updated.")
            return
        kind = self.kind_box.currentData()
        citation = kind in CITATION_OUTPUTS
        export = AutoExport(
            path=str(Path(path).expanduser()),
            kind=kind,
            tag=self.scope_box.currentData(),
            style=self.style_box.currentData() if citation else "",
            notes=self.notes_box.isChecked() and not citation,
        )
        library = self._library
        self.add_button.setEnabled(False)
        self.error.setText("")

        def done(_export: AutoExport) -> None:
            self.add_button.setEnabled(True)
            self.path_edit.clear()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.add_button.setEnabled(True)
            if not isinstance(exc, USER_ERRORS):
                raise exc
            self.error.setText(str(exc))

        self._runner.run(
            lambda _control: library.add_auto_export(export), succeeded=done, failed=failed
        )

    def remove_selected(self) -> None:
        """Stop updating the selected file (the file itself stays)."""
        item = self.table.currentItem()
        if item is None:
            self.error.setText("Select a file to stop updating.")
            return
        self._library.remove_auto_export(int(item.data(0, Qt.ItemDataRole.UserRole)))
        self.refresh()
