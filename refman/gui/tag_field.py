"""A line edit for tag names, comma-separated, completing each from the library's tags."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget


def split_tags(text: str) -> list[str]:
    """Tag names in ``text`` ("a, b , c"), blanks and repeats dropped."""
    seen: set[str] = set()
    names = []
    for part in text.split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class TagField(QLineEdit):
    """Type tag names separated by commas; each is completed from known tags.

    Signals:
        sig_tags_entered(list[str]): Enter was pressed with these names.
    """

    sig_tags_entered = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Add tags: name, name… (Ctrl+T)")
        self.setAccessibleName("Add tags")
        self._names = QStringListModel(self)
        self.completer_ = QCompleter(self._names, self)
        self.completer_.setWidget(self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.activated.connect(self._insert_completion)
        self.textEdited.connect(self._update_completion)
        self.returnPressed.connect(self._commit)

    def set_known_tags(self, names: Iterable[str]) -> None:
        """The names offered for completion."""
        self._names.setStringList(sorted(names, key=str.casefold))

    def _current_word(self) -> str:
        return self.text().rsplit(",", 1)[-1].strip()

    def _update_completion(self, _text: str) -> None:
        prefix = self._current_word()
        popup = self.completer_.popup()
        assert popup is not None
        if not prefix:
            popup.hide()
            return
        self.completer_.setCompletionPrefix(prefix)
        if self.completer_.completionCount() == 0:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer_.completionModel().index(-1, 0))
        self.completer_.complete()

    def _insert_completion(self, completion: str) -> None:
        head, sep, _word = self.text().rpartition(",")
        self.setText(f"{head}{sep} {completion}" if sep else completion)

    def _commit(self) -> None:
        names = split_tags(self.text())
        if names:
            self.sig_tags_entered.emit(names)
            self.clear()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """While the completion list is open, its keys go to it (Enter with nothing
        highlighted takes the text as typed); Escape clears."""
        popup = self.completer_.popup()
        if popup is not None and popup.isVisible() and event.key() in _POPUP_KEYS:
            enter = event.key() in (Qt.Key.Key_Enter, Qt.Key.Key_Return)
            if enter and not popup.currentIndex().isValid():
                popup.hide()
                self._commit()
                event.accept()
            else:
                event.ignore()  # the completer handles it
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


_POPUP_KEYS = (
    Qt.Key.Key_Enter,
    Qt.Key.Key_Return,
    Qt.Key.Key_Escape,
    Qt.Key.Key_Tab,
    Qt.Key.Key_Backtab,
)
