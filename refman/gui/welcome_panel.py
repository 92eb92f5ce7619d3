"""Shown instead of the list while the library is empty: one click imports the seeds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from refman.resources import bundled_seeds


class WelcomePanel(QWidget):
    """First-run panel.

    Signals:
        sig_import_seeds_requested(list[Path]): import the bundled seed dumps.
        sig_import_files_requested(): open the file chooser.
    """

    sig_import_seeds_requested = Signal(list)
    sig_import_files_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seeds = bundled_seeds()
        title = QLabel("Your library is empty", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Import bibliography files (File ▸ Import, Ctrl+I) or drop them onto this "
            "window. To look around first, import the sample papers that come with refman.",
            self,
        )
        text.setWordWrap(True)
        text.setFixedWidth(460)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # An aligned widget gets its plain size hint, not its height for this width: a
        # wrapped text would lose its last line.
        text.setMinimumHeight(text.heightForWidth(460))
        self.seeds_button = QPushButton("Import the Sample Papers", self)
        self.seeds_button.setToolTip("\n".join(p.name for p in self.seeds))
        self.seeds_button.setDefault(True)
        self.seeds_button.setVisible(bool(self.seeds))
        self.seeds_button.clicked.connect(
            lambda: self.sig_import_seeds_requested.emit(list(self.seeds))
        )
        self.files_button = QPushButton("Import Files…", self)
        self.files_button.clicked.connect(self.sig_import_files_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, text, self.seeds_button, self.files_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
