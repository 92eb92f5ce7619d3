"""The GUI's one route to the library's writes: results become Qt signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from refman.services.library import Changed, Library


class LibraryBridge(QObject):
    """Holds the :class:`Library` and turns each ``Changed`` into signals, so models and
    panes refresh only what an operation touched.

    Signals:
        sig_references_changed(frozenset[int]): these references' fields, tags or notes
            changed (and membership of the current list may have changed).
        sig_tags_changed(): tag names, colours or counts changed.
        sig_everything_changed(): reload everything (an import, a tag rename, ...).
        sig_error_raised(str): an operation the user started failed with this message.
    """

    sig_references_changed = Signal(object)
    sig_tags_changed = Signal()
    sig_everything_changed = Signal()
    sig_error_raised = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library

    def apply(self, changed: Changed) -> Changed:
        """Announce what ``changed`` describes; returns it for chaining."""
        if changed.everything:
            self.sig_everything_changed.emit()
        elif changed.reference_ids:
            self.sig_references_changed.emit(changed.reference_ids)
        if changed.tags or changed.everything:
            self.sig_tags_changed.emit()
        return changed

    def report_error(self, message: str) -> None:
        """Tell the window that something the user asked for failed."""
        self.sig_error_raised.emit(message)
