"""A reference's notes: a list, a Markdown editor with a rendered preview, autosaved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain import Note, Reference
from refman.gui.conflict_dialog import SILENT_RETRIES, ConflictDialog, FieldConflict
from refman.gui.library_bridge import NOTES, LibraryBridge
from refman.gui.markdown_view import MarkdownView
from refman.gui.undo_commands import (
    AddNoteCommand,
    EditNoteCommand,
    NoteHandles,
    do_delete_note,
)
from refman.services.errors import USER_ERRORS
from refman.services.kept_edits import KeptNote
from refman.services.library import Changed
from refman.services.watching import ConnectionLostError, NoteConflictError

AUTOSAVE_MS = 500
AUTOSAVE_MAX_MS = 1000
"""Typing without pauses is still saved this often: a crash or a power cut loses at most
the last second of a note."""
_NOTE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_NEW = -1  # list entry of a note not written yet


@dataclass(frozen=True, slots=True)
class _Kept:
    """A note typed while there was no connection: the user's ``text``, and the library's
    text and version it was typed over (``base``, ``version``; None for a new note)."""

    text: str
    base: str
    version: int | None


def note_summary(text: str) -> str:
    """The first non-blank line of a note, without Markdown heading marks."""
    for line in text.splitlines():
        words = line.strip().lstrip("#").strip()
        if words:
            return words[:80]
    return "(empty note)"


class NotesEditor(QWidget):
    """Notes of one reference. Typing saves after ``AUTOSAVE_MS`` of quiet, and at the
    latest ``AUTOSAVE_MAX_MS`` after the first unsaved keystroke; ``flush``
    saves at once (the window calls it on close). Each editing session (until the editor
    loses focus, another note or reference is chosen, or ``flush``) becomes one undo step.

    Every save is checked against the note's version the editor last read or wrote: one
    that someone else saved meanwhile (a shared library) is not overwritten, a dialog
    asks which text to keep, as it does when their save arrives while the user types.

    Signals:
        sig_saved(int): a note (this id) was written.
    """

    sig_saved = Signal(int)

    def __init__(
        self,
        bridge: LibraryBridge,
        undo_stack: QUndoStack,
        handles: NoteHandles,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._undo_stack = undo_stack
        self._handles = handles
        self._ref_id: int | None = None
        self._notes: list[Note] = []
        self._note_id: int | None = None  # the note in the editor; None: a new draft
        self._saved_text = ""  # what the library holds for the note in the editor
        self._saved_version: int | None = None  # its version there; None: a new draft
        self._session_start: str | None = None  # text before this session; None: new note
        self._loading = False
        self._ref_title = ""
        self._pending: dict[tuple[int, int | None], _Kept] = {}
        """Notes typed while there was no connection: (reference, note or None for a
        new one) -> what was typed over what; written by :meth:`retry_pending`."""
        self.conflict_dialog: ConflictDialog | None = None
        self._asking: KeptNote | None = None
        """The note ``conflict_dialog`` asks about (as it would be kept on disk)."""

        self.new_button = QToolButton(self)
        self.new_button.setText("New Note")
        self.new_button.setToolTip("Add a note to this reference")
        self.new_button.clicked.connect(self.new_note)
        self.delete_button = QToolButton(self)
        self.delete_button.setText("Delete Note")
        self.delete_button.clicked.connect(self.delete_current_note)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Notes")
        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText("Write a note in Markdown; it is saved as you type.")
        self.editor.setAccessibleName("Note text")
        self.editor.textChanged.connect(self._on_text_changed)
        self.editor.installEventFilter(self)
        self.preview = MarkdownView(self)
        self.preview.setAccessibleName("Rendered note")
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.editor, "Write")
        self.tabs.addTab(self.preview, "Preview")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.placeholder = QLabel("No notes yet.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.tabs)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save)
        self._deadline = QTimer(self)  # (typing without a pause)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(AUTOSAVE_MAX_MS)
        self._deadline.timeout.connect(self.save)

        header = QHBoxLayout()
        title = QLabel("<b>Notes</b>", self)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.new_button)
        header.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.list)
        layout.addWidget(self.stack, 1)
        self._update_enabled()

    # --- which reference -------------------------------------------------------------
    def set_reference(self, ref: Reference | None) -> None:
        """Show ``ref``'s notes (the previous reference's edits are saved first)."""
        same = ref is not None and ref.id == self._ref_id
        if not same:
            self.flush()
            self._ref_id = None if ref is None else ref.id
            self._note_id = None
            self._session_start = None
        self._notes = [] if ref is None else list(ref.notes)
        self._ref_title = "" if ref is None else ref.title
        self._fill_list(keep_current=same)

    def _fill_list(self, *, keep_current: bool) -> None:
        current = self._note_id if keep_current else None
        drafting = keep_current and self._note_id is None and self._draft_open()
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for note in self._notes:
                item = QListWidgetItem(note_summary(note.text))
                item.setData(_NOTE_ID_ROLE, note.id)
                if note.modified is not None:
                    item.setToolTip(f"Modified {note.modified.astimezone():%Y-%m-%d %H:%M}")
                self.list.addItem(item)
            if drafting:
                self._add_draft_item()
        finally:
            self.list.blockSignals(False)
        self._fit_list()
        ids = [n.id for n in self._notes]
        if drafting:
            self.list.setCurrentRow(self.list.count() - 1)
        elif current is not None and current in ids:
            self.list.blockSignals(True)
            self.list.setCurrentRow(ids.index(current))
            self.list.blockSignals(False)
            self._refresh_current_from_library()
        elif self._ref_id is not None and (self._ref_id, None) in self._pending:
            self.list.blockSignals(True)
            self._add_draft_item()  # a new note typed without a connection
            self.list.setCurrentRow(self.list.count() - 1)
            self.list.blockSignals(False)
            self._fit_list()
            self._open_note(None, draft=True)
        elif self._notes:
            self.list.setCurrentRow(0)
        else:
            self._open_note(None, draft=False)
        self._update_enabled()

    def _fit_list(self) -> None:
        """As tall as its notes, up to four; hidden while there are none."""
        rows = min(max(self.list.count(), 1), 4)
        row_height = self.list.sizeHintForRow(0) if self.list.count() else 20
        self.list.setFixedHeight(rows * row_height + 2 * self.list.frameWidth() + 2)
        self.list.setVisible(self.list.count() > 0)

    def _draft_open(self) -> bool:
        return self.stack.currentWidget() is self.tabs and self._note_id is None

    def _add_draft_item(self) -> None:
        item = QListWidgetItem("(new note)")
        item.setData(_NOTE_ID_ROLE, _NEW)
        self.list.addItem(item)

    def _refresh_current_from_library(self) -> None:
        """The library's text of the open note changed (undo, or someone else on a
        shared library): show it; if the user has typed text not saved yet, ask which
        to keep instead of overwriting either."""
        note = next((n for n in self._notes if n.id == self._note_id), None)
        if note is None or self.conflict_dialog is not None:
            return
        known = self._saved_version
        if note.text == self._saved_text:
            if known is None or note.version > known:
                self._saved_version = note.version  # (the same words, saved again)
            return
        if known is not None and note.version <= known:
            return  # (read before this editor's own save)
        mine = self.editor.toPlainText()
        if mine == note.text:  # (they wrote what the user typed: nothing to ask)
            self._timer.stop()
            self._deadline.stop()
            self._saved_text = note.text
            self._saved_version = note.version
            return
        if mine != self._saved_text and self._ref_id is not None:
            self._ask_note_conflict(self._ref_id, note, mine, self._saved_text, self._ref_title)
            return
        self._load_text(note.text)
        self._saved_text = note.text
        self._saved_version = note.version
        self._session_start = note.text

    def _ask_note_conflict(
        self,
        ref_id: int,
        theirs: Note,
        mine: str,
        base: str,
        title: str,
        *,
        resume: bool = False,
    ) -> None:
        """Someone else saved a note the user typed in (the open one, or one typed
        without a connection): ask which text to keep. Saving writes the choice against
        their version (asking again if it moved once more); discarding keeps theirs.
        The user's own saves before theirs stay one undo step, the choice is another,
        so undo never writes over their text. ``resume``: then write the other kept notes."""
        self._timer.stop()
        self._deadline.stop()
        conflict = FieldConflict("note", "Note", base, theirs.text, mine)
        dialog = ConflictDialog(title or "(untitled)", [conflict], self, multiline={"note"})
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.conflict_dialog = dialog
        note_id = theirs.id
        self._asking = KeptNote(ref_id, note_id, mine, None, base)  # (no version: asks)

        def finished(result: int) -> None:
            self.conflict_dialog = None
            self._asking = None
            accepted = result == int(QDialog.DialogCode.Accepted)
            chosen = dialog.values()["note"]
            go_on = resume
            if (self._ref_id, self._note_id) == (ref_id, note_id):
                self._finish_session()
                self._pending.pop((ref_id, note_id), None)
                self._load_text(theirs.text)
                self._saved_text = self._session_start = theirs.text
                self._saved_version = theirs.version
                if accepted:
                    self._load_text(chosen)
                    self.save()
            elif accepted:  # (not open, or closed meanwhile)
                kept = _Kept(chosen, theirs.text, theirs.version)
                go_on = self._write_kept(ref_id, note_id, kept) and resume
            else:
                self._pending.pop((ref_id, note_id), None)
            if go_on and self.conflict_dialog is None:
                self._retry_kept()

        dialog.finished.connect(finished)
        dialog.open()

    # --- choosing a note --------------------------------------------------------------
    def _on_current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        note_id = None if current is None else current.data(_NOTE_ID_ROLE)
        if note_id == _NEW or (note_id is not None and note_id == self._note_id):
            return
        self.flush()
        self._open_note(note_id, draft=False)

    def _open_note(self, note_id: int | None, *, draft: bool) -> None:
        self._note_id = note_id
        note = next((n for n in self._notes if n.id == note_id), None)
        text = "" if note is None else note.text
        self._saved_text = text
        self._saved_version = None if note is None else note.version
        self._session_start = None if note is None else text
        kept = None if self._ref_id is None else self._pending.get((self._ref_id, note_id))
        if kept is not None and note is not None:  # typed over this, without a connection
            self._saved_text = self._session_start = kept.base
            self._saved_version = kept.version
        self._load_text(text if kept is None else kept.text)
        if note is None and not draft:
            self.stack.setCurrentWidget(self.placeholder)
        else:
            self.stack.setCurrentWidget(self.tabs)
            self.tabs.setCurrentWidget(self.editor if draft or not text else self.preview)
        self._update_enabled()

    def _load_text(self, text: str) -> None:
        self._loading = True
        try:
            self.editor.setPlainText(text)
        finally:
            self._loading = False
        self.preview.set_markdown(text)

    def new_note(self) -> None:
        """Start a new note (written once it has text)."""
        if self._ref_id is None:
            return
        self.flush()
        self.list.blockSignals(True)
        self._add_draft_item()
        self.list.setCurrentRow(self.list.count() - 1)
        self.list.blockSignals(False)
        self._fit_list()
        self._open_note(None, draft=True)
        self.editor.setFocus()

    def delete_current_note(self) -> None:
        """Delete the note in the editor (undoable)."""
        if self._ref_id is None:
            return
        self._timer.stop()
        self._deadline.stop()
        if self._note_id is None:  # an unsaved draft: just drop it
            self._fill_list(keep_current=False)
            return
        self._finish_session()
        note_id, text = self._note_id, self._saved_text
        # Close the note first: deleting reloads this pane, which must not reopen it.
        self._note_id = None
        self.stack.setCurrentWidget(self.placeholder)
        try:
            command = do_delete_note(self._bridge, self._handles, self._ref_id, note_id, text)
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))
            return
        self._undo_stack.push(command)

    # --- saving -----------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        if not self._loading:
            self._timer.start()
            if not self._deadline.isActive():
                self._deadline.start()

    def save(self) -> None:
        """Write the editor's text now (an empty note is never written)."""
        self._timer.stop()
        self._deadline.stop()
        if self._ref_id is None:
            return
        text = self.editor.toPlainText()
        if text == self._saved_text or not text.strip():
            return
        key = (self._ref_id, self._note_id)
        try:
            if self._note_id is None:
                changed = self._bridge.library.add_note(self._ref_id, text)
                self._note_id = changed.count
                version = 1  # (a new note's)
            else:
                changed = self._edit(self._note_id, text, self._saved_text, self._saved_version)
                version = changed.count
        except ConnectionLostError as exc:  # kept, and written once the connection is back
            self._pending[key] = _Kept(text, self._saved_text, self._saved_version)
            self._bridge.connection_lost(exc)
            return
        except NoteConflictError as exc:  # someone else saved it since this editor read it
            if exc.text == text:  # (they wrote what the user typed)
                self._pending.pop(key, None)
                self._saved_text, self._saved_version = exc.text, exc.version
                return
            theirs = Note(exc.text, exc.note_id, version=exc.version)
            self._ask_note_conflict(self._ref_id, theirs, text, self._saved_text, self._ref_title)
            return
        except USER_ERRORS as exc:
            self._bridge.report_error(f"The note was not saved: {exc}")
            return
        self._pending.pop(key, None)
        self._saved_text = text
        self._saved_version = version
        self._update_current_label(text)
        if self.tabs.currentWidget() is self.preview:
            self.preview.set_markdown(text)
        self._bridge.apply(changed, {NOTES})
        self.sig_saved.emit(self._note_id)

    def _edit(self, note_id: int, text: str, base: str, version: int | None) -> Changed:
        """Write ``text`` over ``base`` at ``version``. When only the version moved (the
        library still holds ``base``: no one's words are lost) it is written again
        against the new one; otherwise ``NoteConflictError`` says what the library holds.
        An unknown version (None) is sent as 0, which no note has: the library's answer
        gets the same test, so such an edit never overwrites unseen words either."""
        library = self._bridge.library
        version = 0 if version is None else version
        for _attempt in range(SILENT_RETRIES):
            try:
                return library.edit_note(note_id, text, version)
            except NoteConflictError as exc:
                if exc.text != base:
                    raise
                version = exc.version
        return library.edit_note(note_id, text, version)

    def _update_current_label(self, text: str) -> None:
        item = self.list.currentItem()
        if item is not None:
            item.setText(note_summary(text))
            item.setData(_NOTE_ID_ROLE, self._note_id)

    def flush(self) -> None:
        """Save pending typing and close the editing session as one undo step."""
        if self._timer.isActive():
            self.save()
        self._finish_session()

    def _finish_session(self) -> None:
        if self._ref_id is None or self._note_id is None:
            return
        handle = self._handles.handle(self._note_id)
        if self._session_start is None:
            self._undo_stack.push(
                AddNoteCommand(self._bridge, self._handles, self._ref_id, handle, self._saved_text)
            )
        elif self._session_start != self._saved_text:
            self._undo_stack.push(
                EditNoteCommand(self._bridge, handle, self._session_start, self._saved_text)
            )
        self._session_start = self._saved_text

    def append_text(self, markdown: str) -> bool:
        """Add ``markdown`` as a paragraph at the end of the note being shown (a new note
        when none is open) and save it at once, as one undo step. False without a
        reference."""
        if self._ref_id is None:
            return False
        if self.stack.currentWidget() is not self.tabs:
            self.new_note()
        self.tabs.setCurrentWidget(self.editor)
        existing = self.editor.toPlainText()
        separator = "" if not existing.strip() else "\n" if existing.endswith("\n") else "\n\n"
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(separator + markdown + "\n")
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()
        self.flush()
        return True

    def pending_count(self) -> int:
        """Notes typed while there was no connection, not written yet."""
        return len(self._pending)

    def kept_notes(self) -> list[KeptNote]:
        """The notes waiting for the connection, or for the user's answer to a conflict
        question (kept on disk by the window)."""
        notes = [
            KeptNote(ref_id, note_id, kept.text, kept.version, kept.base)
            for (ref_id, note_id), kept in self._pending.items()
        ]
        asking = self._asking
        if asking is not None and (asking.ref_id, asking.note_id) not in self._pending:
            notes.append(asking)
        return notes

    def restore_kept_notes(self, notes: Sequence[KeptNote]) -> None:
        """Take back notes kept on disk by an earlier session (written, or asked about,
        by :meth:`retry_pending`)."""
        for note in notes:
            self._pending[(note.ref_id, note.note_id)] = _Kept(note.text, note.base, note.version)

    def retry_pending(self) -> None:
        """Write the notes typed while there was no connection (the open one through
        the usual autosave, so that its editing session stays one undo step), each
        against the version it was typed over: one someone else changed meanwhile asks
        which text to keep (one dialog at a time, the rest written after it)."""
        key = (self._ref_id, self._note_id)
        if self._ref_id is not None and key in self._pending:
            del self._pending[key]
            self.save()  # (the editor's text: the user may have typed further)
            if key in self._pending:
                return  # (lost again)
        self._retry_kept()

    def _retry_kept(self) -> None:
        """Write the kept notes other than the open one, until one asks or fails."""
        for (ref_id, note_id), kept in list(self._pending.items()):
            if self.conflict_dialog is not None:
                return
            is_open = (ref_id, note_id) == (self._ref_id, self._note_id)
            if not is_open and not self._write_kept(ref_id, note_id, kept):
                return

    def _write_kept(self, ref_id: int, note_id: int | None, kept: _Kept) -> bool:
        """Write one note kept while there was no connection (not the open one). False
        when it has to wait: the connection is lost again, or a dialog asks about it."""
        key = (ref_id, note_id)
        try:
            if note_id is None:
                changed = self._bridge.library.add_note(ref_id, kept.text)
            else:
                changed = self._edit(note_id, kept.text, kept.base, kept.version)
        except ConnectionLostError as exc:
            self._pending[key] = kept
            self._bridge.connection_lost(exc)
            return False
        except NoteConflictError as exc:
            if exc.text != kept.text:
                self._pending[key] = kept
                theirs = Note(exc.text, exc.note_id, version=exc.version)
                title = self._title_of(ref_id)
                self._ask_note_conflict(ref_id, theirs, kept.text, kept.base, title, resume=True)
                return False
        except USER_ERRORS as exc:
            self._bridge.report_error(f"A note typed without a connection was not saved: {exc}")
        else:
            self._bridge.apply(changed, {NOTES})
        self._pending.pop(key, None)
        return True

    def _title_of(self, ref_id: int) -> str:
        """A reference's title for the conflict dialog ("" if it cannot be read)."""
        if ref_id == self._ref_id:
            return self._ref_title
        try:
            rows = self._bridge.rows([ref_id])
        except USER_ERRORS:
            return ""
        return rows[0].title if rows else ""

    def has_pending_edits(self) -> bool:
        """Whether typed text waits for the autosave timer."""
        return self._timer.isActive()

    # --- misc -------------------------------------------------------------------------
    def _on_tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.preview:
            self.flush()
            self.preview.set_markdown(self.editor.toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Leaving the editor ends the editing session."""
        if watched is self.editor and event.type() == QEvent.Type.FocusOut:
            self.flush()
        return super().eventFilter(watched, event)

    def _update_enabled(self) -> None:
        self.new_button.setEnabled(self._ref_id is not None)
        self.delete_button.setEnabled(
            self._ref_id is not None and self.stack.currentWidget() is self.tabs
        )
        self.placeholder.setText(
            "No notes yet." if self._ref_id is not None else "Select a reference."
        )
