"""File > Add by Identifier (Ctrl+Shift+N): paste arXiv ids, DOIs or links to either.

The dialog only collects and checks the identifiers (as they are typed) and shows the
lookup's progress and outcome; the lookup itself is the ``LookupController``'s, on a
worker thread, so the window keeps working while arXiv or Crossref answers."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain.identifiers import Identifier, parse_identifier

_SEPARATORS = re.compile(r"\s+")
_ERROR_STYLE = "color: #9a2617;"


def split_identifiers(text: str) -> tuple[list[str], list[Identifier], list[str]]:
    """``text``'s words, the identifiers they give and the words that give none."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    parsed = [(w, parse_identifier(w)) for w in words]
    return words, [i for _w, i in parsed if i is not None], [w for w, i in parsed if i is None]


class AddIdentifierDialog(QDialog):
    """Asks for identifiers; ``sig_submitted(list[str])`` hands them to the controller,
    which calls :meth:`set_busy`, :meth:`show_problem` or closes the dialog.

    Signals:
        sig_submitted(list): the identifiers to add, as typed.
    """

    sig_submitted = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add by Identifier")
        self.prompt = QLabel(
            "arXiv id, DOI, or a link to either (several: separate them with spaces):", self
        )
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("2106.16128   10.1109/CVPR.2016.90   https://arxiv.org/abs/…")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(560)
        self.field.setAccessibleName("Identifiers")
        self.feedback = QLabel(self)
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(10)
        self.busy.hide()
        self.add_button = QPushButton("&Add", self)
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.field)
        layout.addWidget(self.feedback)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.field.textChanged.connect(self._check)
        self.field.returnPressed.connect(self.submit)
        self._busy = False
        self._prefill()
        self._check()

    def _prefill(self) -> None:
        """Take what the clipboard holds when it is an identifier (selected, so typing
        replaces it)."""
        clipboard = QGuiApplication.clipboard()
        text = clipboard.text().strip() if clipboard is not None else ""
        if text and len(text) < 2000:
            _words, found, bad = split_identifiers(text)
            if found and not bad:
                self.field.setText(text)
                self.field.selectAll()

    def identifiers(self) -> list[str]:
        """The words typed (each an identifier once :meth:`is_valid`)."""
        return split_identifiers(self.field.text())[0]

    def is_valid(self) -> bool:
        """Whether the field holds identifiers and nothing else."""
        words, _found, bad = split_identifiers(self.field.text())
        return bool(words) and not bad

    def _check(self) -> None:
        words, found, bad = split_identifiers(self.field.text())
        if bad:
            shown = ", ".join(f"“{w}”" for w in bad[:3])
            self._say(f"Not an arXiv id, DOI or link: {shown}", error=True)
        elif found:
            self._say(
                " · ".join(_describe(i) for i in found[:6]) + (" …" if len(found) > 6 else "")
            )
        else:
            self._say("")
        self.add_button.setEnabled(bool(words) and not bad and not self._busy)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.feedback.setText(text)
        self.feedback.setStyleSheet(_ERROR_STYLE if error else "")

    def submit(self) -> None:
        """Hand the identifiers over (when they are all valid and nothing is running)."""
        if self._busy or not self.is_valid():
            return
        self.sig_submitted.emit(self.identifiers())

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Show that the lookup runs (the field is then read-only)."""
        self._busy = busy
        self.busy.setVisible(busy)
        self.field.setReadOnly(busy)
        if busy:
            self._say(text or "Looking up…")
            self.add_button.setEnabled(False)
        else:
            self._check()

    def show_problem(self, message: str, remaining: list[str] | None = None) -> None:
        """The lookup failed (or some identifiers were not found): say why, and keep the
        identifiers still to add in the field."""
        self.set_busy(False)
        if remaining is not None:
            self.field.setText(" ".join(remaining))
        self._say(message, error=True)


def _describe(identifier: Identifier) -> str:
    if identifier.kind == "arxiv":
        return f"arXiv {identifier.value}" + (
            f" (v{identifier.version})" if identifier.version else ""
        )
    return f"DOI {identifier.value}"
