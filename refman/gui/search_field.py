"""The quick search field: filters as you type, debounced; Escape clears it. A malformed
query (see ``refman.domain.search_query``) is not announced: the field gets a red frame,
its message shows in ``error_label`` (beside the field) and the tooltip, and the list
keeps the last good query's result."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from refman.domain.search_query import QuerySyntaxError, parse_query

DEBOUNCE_MS = 150
ERROR_COLOUR = "#c62828"
ERROR_WIDTH = 420
"""Pixels the error message beside the field takes at most (elided; whole in its tooltip)."""
SYNTAX_HELP = (
    "Words match word starts in title, authors, abstract, venue, tags and notes.\n"
    '"exact phrase"   -word   a OR b   (grouping)\n'
    'title:  author:  abstract:  venue:  note:  tag:reading  tag:"to read"\n'
    "year:2021  year:2019..2021  type:preprint  added:7d\n"
    "has:note  has:pdf  has:code  arxiv:2106.16128  doi:10.1109/..."
)


class SearchField(QLineEdit):
    """A line edit that announces its text once typing pauses for ``DEBOUNCE_MS``.

    Signals:
        sig_search_changed(str): the text to search for (after the pause, or at once
            when cleared); never a malformed query.
    """

    sig_search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Search title, authors, abstract, venue, tags, notes (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Quick search")
        self.setToolTip(SYNTAX_HELP)
        self.error_label = QLabel(parent)
        """Shows the query's syntax error (empty when there is none); the window puts it
        beside the field (in a tool bar, where an action, not the widget, shows or
        hides it: so it stays shown, emptied)."""
        self.error_label.setObjectName("searchError")
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR}; margin-left: 6px;")
        self.error: QuerySyntaxError | None = None
        """The current text's syntax error, if any."""
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
        """Announce the current text now (if it differs from the last announced and is
        a well-formed query; a malformed one shows its error instead)."""
        self._timer.stop()
        if not self.check():
            return
        text = " ".join(self.text().split())
        if text != self._announced:
            self._announced = text
            self.sig_search_changed.emit(text)

    def flush_silently(self) -> bool:
        """Take the current text as announced without announcing it (restoring); returns
        False (and shows the error) when it is a malformed query."""
        self._timer.stop()
        self._announced = " ".join(self.text().split())
        return self.check()

    def check(self) -> bool:
        """Whether the current text is a well-formed query; shows or clears the error."""
        try:
            parse_query(self.text())
        except QuerySyntaxError as exc:
            self.show_error(exc)
            return False
        self.show_error(None)
        return True

    def show_error(self, error: QuerySyntaxError | None) -> None:
        """Frame the field in red and show ``error`` beside it (None: clear)."""
        self.error = error
        if error is None:
            self.setStyleSheet("")
            self.setToolTip(SYNTAX_HELP)
            self.error_label.clear()
            self.error_label.setToolTip("")
            return
        message = f"{error.message} (column {error.column})"
        self.setStyleSheet(f"QLineEdit {{ border: 1px solid {ERROR_COLOUR}; }}")
        self.setToolTip(f"{message}\n\n{SYNTAX_HELP}")
        metrics = self.error_label.fontMetrics()
        self.error_label.setText(
            metrics.elidedText(message, Qt.TextElideMode.ElideRight, ERROR_WIDTH)
        )
        self.error_label.setToolTip(message)

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
