"""In-place editors for one reference field, committing on Enter or when focus leaves."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)


class LineFieldEdit(QLineEdit):
    """A one-line field.

    Signals:
        sig_committed(str): the user finished editing (Enter or focus out) a changed text.
    """

    sig_committed = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field_name = name
        self.setAccessibleName(name)
        self.editingFinished.connect(self._commit)

    def _commit(self) -> None:
        if self.isModified():
            self.setModified(False)
            self.sig_committed.emit(self.text())

    def set_value(self, text: str) -> None:
        """Show the library's value, unless the user is editing this field."""
        if self.isModified() and self.hasFocus():
            return
        if self.text() != text:
            self.setText(text)
            self.setCursorPosition(0)
        self.setModified(False)

    def commit_pending(self) -> None:
        """Commit a modified text now (the window is closing or the selection moves)."""
        self._commit()

    def is_editing(self) -> bool:
        """Whether the user changed the text without committing it."""
        return self.isModified()


class TextFieldEdit(QPlainTextEdit):
    """A wrapped text field that grows with its content up to ``max_lines``. With
    ``single_line`` (a title), Enter commits instead of starting a new line.

    Signals:
        sig_committed(str): the user finished editing (focus out, or Enter in a
            single-line field) a changed text.
    """

    sig_committed = Signal(str)

    def __init__(
        self,
        name: str,
        parent: QWidget | None = None,
        *,
        single_line: bool = False,
        max_lines: int = 12,
    ) -> None:
        super().__init__(parent)
        self.field_name = name
        self.single_line = single_line
        self.max_lines = max_lines
        self.setAccessibleName(name)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self) -> None:
        document = self.document()
        layout = document.documentLayout()
        lines = 0
        block = document.begin()
        while block.isValid():
            if isinstance(layout, QPlainTextDocumentLayout):
                layout.ensureBlockLayout(block)  # wrapped at the current width
            lines += max(1, block.layout().lineCount())
            block = block.next()
        lines = max(1, lines)
        shown = min(lines, self.max_lines)
        frame = 2 * (self.frameWidth() + int(self.document().documentMargin()))
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing() + frame + 2)
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > self.max_lines
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )

    def resizeEvent(self, event: QEvent) -> None:
        """Re-fit the height when the width (and so the wrapping) changes."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_height()

    def showEvent(self, event: QShowEvent) -> None:
        """Fit the height once the field knows its width."""
        super().showEvent(event)
        self._fit_height()

    def _commit(self) -> None:
        if self.document().isModified():
            self.document().setModified(False)
            self.sig_committed.emit(self.toPlainText())

    def set_value(self, text: str) -> None:
        """Show the library's value, unless the user is editing this field."""
        if self.document().isModified() and self.hasFocus():
            return
        if self.toPlainText() != text:
            self.setPlainText(text)
        self.document().setModified(False)

    def commit_pending(self) -> None:
        """Commit a modified text now."""
        self._commit()

    def is_editing(self) -> bool:
        """Whether the user changed the text without committing it."""
        return self.document().isModified()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter commits a single-line field; Escape reverts nothing but leaves."""
        if self.single_line and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._commit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Leaving the field commits it."""
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self._commit()

    def insertFromMimeData(self, source: QObject) -> None:
        """Paste plain text only (a single-line field joins the lines)."""
        text = source.text()  # type: ignore[attr-defined]
        if self.single_line:
            text = " ".join(text.split())
        self.insertPlainText(text)


class ErrorLabel(QLabel):
    """The validation message shown under a field (hidden when there is none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet("color: #c62828;")
        self.hide()

    def show_error(self, message: str) -> None:
        """Show ``message`` (an empty one hides the label)."""
        self.setText(message)
        self.setVisible(bool(message))
