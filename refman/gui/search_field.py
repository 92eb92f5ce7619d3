"""The quick search field: filters as you type, debounced; Escape clears it."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

DEBOUNCE_MS = 150


class SearchField(QLineEdit):
    """A line edit that announces its text once typing pauses for ``DEBOUNCE_MS``.

    Signals:
        sig_search_changed(str): the text to search for (after the pause, or at once
            when cleared).
    """

    sig_search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Search title, authors, abstract, venue, tags, notes (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Quick search")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self._announced = ""
        self.textChanged.connect(self._on_text_changed)

    def _on_text_changed(self, text: str) -> None:
        if not text.strip():
            self.flush()  # clearing is immediate
        else:
            self._timer.start()

    def flush(self) -> None:
        """Announce the current text now (if it differs from the last announced)."""
        self._timer.stop()
        text = " ".join(self.text().split())
        if text != self._announced:
            self._announced = text
            self.sig_search_changed.emit(text)

    def flush_silently(self) -> None:
        """Take the current text as announced without announcing it (restoring)."""
        self._timer.stop()
        self._announced = " ".join(self.text().split())

    def is_pending(self) -> bool:
        """Whether typed text waits for the debounce timer."""
        return self._timer.isActive()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape clears the search; Enter searches at once."""
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.flush()
            event.accept()
            return
        super().keyPressEvent(event)
