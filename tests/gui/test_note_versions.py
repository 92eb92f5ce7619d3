"""Notes on a shared library carry a version: a save that lost a race with someone else's
(before their change reached this window) asks which text to keep instead of overwriting
it, and undo never writes over someone else's later edit. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.conflict_dialog import ConflictDialog
from refman.gui.main_window import MainWindow
from refman.gui.notes_editor import NotesEditor
from refman.services.library import Changed, Library
from refman.services.watching import ConnectionLostError
from tests.gui.conftest import select

Opener = Callable[[Library], MainWindow]

pytestmark = pytest.mark.both_backends


def type_at_end(qtbot: QtBot, notes: NotesEditor, words: str) -> None:
    notes.tabs.setCurrentWidget(notes.editor)
    notes.editor.setFocus()
    notes.editor.moveCursor(notes.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(notes.editor, words)


def version_of(library: Library, note_id: int) -> tuple[str, int]:
    note = library.note(note_id)
    assert note is not None
    return note.text, note.version


def open_on_note(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> tuple[MainWindow, int, int]:
    """A window without live updates (so the save itself meets the conflict), showing a
    reference whose note says "Our first words": (window, reference id, note id)."""
    ref_id = library.query_ids(ReferenceQuery())[0]
    note_id = other.add_note(ref_id, "Our first words").count
    window = open_window(library)
    window.shared.stop()
    select(qtbot, window, ref_id)
    qtbot.waitUntil(lambda: window.detail.notes.editor.toPlainText() == "Our first words")
    return window, ref_id, note_id


def conflict_dialog(qtbot: QtBot, notes: NotesEditor) -> ConflictDialog:
    qtbot.waitUntil(lambda: notes.conflict_dialog is not None, timeout=5_000)
    assert notes.conflict_dialog is not None
    return notes.conflict_dialog


def test_an_autosave_that_lost_a_race_asks_and_saves_against_their_version(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window, _ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    notes = window.detail.notes
    other.edit_note(note_id, "Their words", version=1)  # not seen here: no live updates
    type_at_end(qtbot, notes, " and mine")

    dialog = conflict_dialog(qtbot, notes)  # the autosave was refused
    assert version_of(other, note_id) == ("Their words", 2)  # theirs not overwritten
    row = dialog.rows["note"]
    assert row.theirs_view.toPlainText() == "Their words"  # type: ignore[union-attr]
    assert row.mine_view.toPlainText() == "Our first words and mine"  # type: ignore[union-attr]
    row.set_result("Their words and mine")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert version_of(other, note_id) == ("Their words and mine", 3)  # one step past theirs
    assert notes.editor.toPlainText() == "Their words and mine"

    type_at_end(qtbot, notes, ", more")  # the editor now knows version 3
    qtbot.waitUntil(lambda: version_of(other, note_id) == ("Their words and mine, more", 4))
    assert notes.conflict_dialog is None
    notes.flush()
    window.undo()  # the merge and what followed are one step: undone, theirs is back
    assert version_of(other, note_id)[0] == "Their words"
    window.undo()  # and nothing before it writes our words over theirs
    assert version_of(other, note_id) == ("Their words", 5)


def typed_over_their_words(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> tuple[NotesEditor, int]:
    """The other client saves "Their words" over the open note (unseen: no live
    updates), then the user types " and mine" after "Our first words"; the editor and
    the note's id."""
    window, _ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    other.edit_note(note_id, "Their words", version=1)
    type_at_end(qtbot, window.detail.notes, " and mine")
    return window.detail.notes, note_id


def test_a_merge_that_lost_a_race_again_asks_again(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    notes, note_id = typed_over_their_words(qtbot, open_window, library, other)
    dialog = conflict_dialog(qtbot, notes)
    other.edit_note(note_id, "Their second words", version=2)  # while the dialog is open
    dialog.rows["note"].choose("mine")
    dialog.save_button.click()

    again = conflict_dialog(qtbot, notes)
    assert again is not dialog
    assert again.rows["note"].theirs_view.toPlainText() == "Their second words"  # type: ignore[union-attr]
    assert version_of(other, note_id) == ("Their second words", 3)
    again.rows["note"].choose("mine")
    again.save_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert version_of(other, note_id) == ("Our first words and mine", 4)


def test_discarding_mine_keeps_theirs(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    notes, note_id = typed_over_their_words(qtbot, open_window, library, other)
    conflict_dialog(qtbot, notes).discard_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert version_of(other, note_id) == ("Their words", 2)
    assert notes.editor.toPlainText() == "Their words"
    type_at_end(qtbot, notes, ", and then mine")  # saved against their version at once
    qtbot.waitUntil(lambda: version_of(other, note_id) == ("Their words, and then mine", 3))


def test_undo_of_a_note_edit_refuses_to_overwrite_someone_elses(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window, _ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    notes = window.detail.notes
    type_at_end(qtbot, notes, " and mine")
    notes.flush()  # one undo step
    assert version_of(other, note_id) == ("Our first words and mine", 2)
    other.edit_note(note_id, "Their words", version=2)
    errors: list[str] = []
    window.bridge.sig_error_raised.connect(errors.append)
    window.undo()
    assert version_of(other, note_id) == ("Their words", 3)  # not overwritten
    assert len(errors) == 1
    assert "Could not undo “Edit note”: someone else changed the note since" in errors[0]


def test_undo_and_redo_of_a_note_edit_still_work(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window, _ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    notes = window.detail.notes
    type_at_end(qtbot, notes, " and mine")
    notes.flush()
    errors: list[str] = []
    window.bridge.sig_error_raised.connect(errors.append)
    window.undo()
    assert version_of(other, note_id) == ("Our first words", 3)
    window.redo()
    assert version_of(other, note_id) == ("Our first words and mine", 4)
    assert errors == []


def type_offline(
    qtbot: QtBot, notes: NotesEditor, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Type " typed offline" into the open note while its saves find no connection (the
    note is kept for later; ``monkeypatch.undo()`` brings the connection back)."""

    def no_connection(*_args: object, **_kwargs: object) -> Changed:
        raise ConnectionLostError("the server cannot be reached")

    monkeypatch.setattr(library, "edit_note", no_connection)
    type_at_end(qtbot, notes, " typed offline")
    qtbot.waitUntil(lambda: notes.pending_count() == 1)  # kept for later


def test_a_note_kept_offline_that_changed_meanwhile_asks_on_reconnect(
    qtbot: QtBot,
    open_window: Opener,
    library: Library,
    other: Library,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    notes = window.detail.notes
    type_offline(qtbot, notes, library, monkeypatch)
    select(qtbot, window, library.query_ids(ReferenceQuery())[1])  # the note is closed
    assert notes.pending_count() == 1
    other.edit_note(note_id, "Their words", version=1)  # meanwhile, on the server
    monkeypatch.undo()

    notes.retry_pending()  # (the connection is back)
    dialog = conflict_dialog(qtbot, notes)
    assert version_of(other, note_id) == ("Their words", 2)  # not overwritten
    row = dialog.rows["note"]
    assert row.theirs_view.toPlainText() == "Their words"  # type: ignore[union-attr]
    assert row.mine_view.toPlainText() == "Our first words typed offline"  # type: ignore[union-attr]
    row.set_result("Their words, and typed offline")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert version_of(other, note_id) == ("Their words, and typed offline", 3)
    assert notes.pending_count() == 0
    select(qtbot, window, ref_id)
    qtbot.waitUntil(lambda: notes.editor.toPlainText() == "Their words, and typed offline")


def test_the_open_note_kept_offline_that_changed_meanwhile_asks_on_reconnect(
    qtbot: QtBot,
    open_window: Opener,
    library: Library,
    other: Library,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, _ref_id, note_id = open_on_note(qtbot, open_window, library, other)
    notes = window.detail.notes
    type_offline(qtbot, notes, library, monkeypatch)
    other.edit_note(note_id, "Their words", version=1)
    monkeypatch.undo()

    notes.retry_pending()
    dialog = conflict_dialog(qtbot, notes)
    assert version_of(other, note_id) == ("Their words", 2)
    assert dialog.rows["note"].mine_view.toPlainText() == "Our first words typed offline"  # type: ignore[union-attr]
    dialog.rows["note"].choose("mine")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert version_of(other, note_id) == ("Our first words typed offline", 3)
    assert notes.pending_count() == 0
