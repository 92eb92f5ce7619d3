"""A library several people (or programs) write at once, in the window: others' changes
shown live (client A edits, client B's window shows it), and edits that lost a race
merged by the user instead of overwritten. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.conflict_dialog import ConflictDialog
from refman.gui.main_window import MainWindow
from refman.gui.reference_table_model import Column
from refman.gui.tag_list_model import EntryKind
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.gui.conftest import select

Opener = Callable[[Library], MainWindow]
LIVE_TIMEOUT_MS = 10_000
"""How long a test waits for others' changes to reach the screen. The product's bound is
2 s (measured: 58 ms median on PostgreSQL, about 430 ms on SQLite, see
benchmarks/README.md); a test waits longer so that a loaded CI machine does not fail it,
and says when the bound was missed (``LIVE_BOUND_S``)."""
LIVE_BOUND_S = 2.0

pytestmark = pytest.mark.both_backends


def title_shown(window: MainWindow, ref_id: int) -> str | None:
    row = window.model.row_of(ref_id)
    if row is None:
        return None
    return str(window.model.index(row, int(Column.TITLE)).data())


def edit_title(other: Library, ref_id: int, title: str) -> None:
    ref = other.load([ref_id])[0]
    other.update_fields(ref_id, {"title": title}, ref.version)


def wait_listening(qtbot: QtBot, window: MainWindow, other: Library) -> None:
    """Until the window's watch sees changes (a server listener needs a moment)."""
    ids = other.query_ids(ReferenceQuery())
    applied: list[object] = []
    window.shared.live.sig_applied.connect(applied.append)

    def poke() -> bool:
        if not applied:
            other.add_tags([f"ping-{time.monotonic_ns()}"], ids[-1:])
            qtbot.wait(150)
        return bool(applied)

    qtbot.waitUntil(poke, timeout=20_000)
    window.shared.live.sig_applied.disconnect(applied.append)


# --- live updates -------------------------------------------------------------------------
def test_others_edits_appear_in_list_tags_and_detail(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    wait_listening(qtbot, window, other)
    ids = list(window.model.ids)
    first, second = ids[0], ids[1]
    select(qtbot, window, first)

    started = time.perf_counter()
    edit_title(other, first, "Renamed by a colleague")
    qtbot.waitUntil(lambda: title_shown(window, first) == "Renamed by a colleague",
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    latency = time.perf_counter() - started
    if latency > LIVE_BOUND_S:  # (reported, not failed: the machine may be loaded)
        print(f"\nlive update took {latency:.2f} s, over the {LIVE_BOUND_S:.0f} s bound")
    qtbot.waitUntil(lambda: window.detail.heading.text() == "Renamed by a colleague",
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    assert window.detail.editors["title"].toPlainText() == "Renamed by a colleague"
    assert window.view.selected_ids() == [first]  # the selection stays

    other.add_tags(["from-colleague"], [first, second])
    qtbot.waitUntil(lambda: any(t.name == "from-colleague" and t.count == 2
                                for t in window.bridge.tags()),
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    tag_entry = window.tag_pane.model.row_of(EntryKind.TAG, "from-colleague")
    assert tag_entry is not None  # the tag pane lists it
    qtbot.waitUntil(lambda: "from-colleague" in [c.name for c in window.detail.chips.chips],
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    print(f"\nnotification to screen: {latency * 1000:.0f} ms ({window.shared.live.kind})")


def test_others_new_references_join_the_list(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    wait_listening(qtbot, window, other)
    before = window.model.rowCount()
    counts_before = window.bridge.count()
    other.import_files(SEED_FILES[2:3])
    qtbot.waitUntil(lambda: window.model.rowCount() > before and not window.model.is_loading(),
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    assert window.bridge.count() == other.count() > counts_before


def test_own_edits_do_not_come_back(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    wait_listening(qtbot, window, other)
    applied: list[object] = []
    window.shared.live.sig_applied.connect(applied.append)
    first = window.model.ids[0]
    select(qtbot, window, first)
    editor = window.detail.editors["title"]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "Edited in this window")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert library.load([first])[0].title == "Edited in this window"
    edit_title(other, window.model.ids[1], "A change elsewhere")  # then one from elsewhere
    qtbot.waitUntil(lambda: bool(applied), timeout=LIVE_TIMEOUT_MS)
    assert all(first not in c.reference_ids or c.everything for c in applied)  # type: ignore[attr-defined]


# --- edits that lost a race ---------------------------------------------------------------
def test_typing_over_a_change_asks_which_to_keep(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    wait_listening(qtbot, window, other)
    first = window.model.ids[0]
    select(qtbot, window, first)
    editor = window.detail.editors["title"]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "My title")

    edit_title(other, first, "Their title")  # while this user types
    error = window.detail.errors["title"]
    qtbot.waitUntil(lambda: "Someone else changed this to “Their title”" in error.text(),
                    timeout=LIVE_TIMEOUT_MS)  # fmt: skip
    assert editor.toPlainText() == "My title"  # what the user typed is kept

    with qtbot.waitSignal(window.detail.conflicts.sig_dialog_opened) as opened:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    dialog: ConflictDialog = opened.args[0]
    row = dialog.rows["title"]
    assert row.theirs_view.toPlainText() == "Their title"  # type: ignore[union-attr]
    assert row.mine_view.toPlainText() == "My title"  # type: ignore[union-attr]
    row.set_result("My title (and theirs)")
    with qtbot.waitSignal(window.detail.conflicts.sig_finished) as finished:
        dialog.save_button.click()
    assert finished.args == [first, True]
    assert other.load([first])[0].title == "My title (and theirs)"
    qtbot.waitUntil(lambda: title_shown(window, first) == "My title (and theirs)")
    window.undo()  # undo gives them their title back
    assert other.load([first])[0].title == "Their title"


def test_a_lost_race_merges_untouched_fields_and_asks_for_the_rest(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    window.shared.stop()  # no live updates: the write itself finds the conflict
    first = window.model.ids[0]
    select(qtbot, window, first)
    ref = other.load([first])[0]
    other.update_fields(first, {"venue": "Their venue"}, ref.version)  # another field

    assert window.detail.commit_field("year", "2001")  # written against the new version
    now = other.load([first])[0]
    assert (now.year, now.venue) == (2001, "Their venue")

    edit_title(other, first, "Their title")
    with qtbot.waitSignal(window.detail.conflicts.sig_dialog_opened) as opened:
        window.detail.commit_field("title", "My title")
    dialog: ConflictDialog = opened.args[0]
    assert list(dialog.rows) == ["title"]
    edit_title(other, first, "Their second title")  # again, while the dialog is open
    dialog.rows["title"].choose("mine")
    dialog.save_button.click()
    assert dialog.isVisible()  # asked again, with their newest value
    assert "Changed again" in dialog.notice.text()
    assert dialog.rows["title"].theirs_view.toPlainText() == "Their second title"  # type: ignore[union-attr]
    assert dialog.rows["title"].choice() == "mine"  # the choice is kept
    with qtbot.waitSignal(window.detail.conflicts.sig_finished):
        dialog.save_button.click()
    assert other.load([first])[0].title == "My title"


def test_discarding_mine_keeps_theirs(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    window.shared.stop()
    first = window.model.ids[0]
    select(qtbot, window, first)
    edit_title(other, first, "Their title")
    with qtbot.waitSignal(window.detail.conflicts.sig_dialog_opened) as opened:
        window.detail.commit_field("title", "My title")
    dialog: ConflictDialog = opened.args[0]
    with qtbot.waitSignal(window.detail.conflicts.sig_finished) as finished:
        dialog.discard_button.click()
    assert finished.args == [first, False]
    assert other.load([first])[0].title == "Their title"
    assert window.detail.editors["title"].toPlainText() == "Their title"


def test_undo_refuses_to_overwrite_someone_elses_edit(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    window.shared.stop()
    first = window.model.ids[0]
    select(qtbot, window, first)
    assert window.detail.commit_field("venue", "My venue")
    ref = other.load([first])[0]
    other.update_fields(first, {"venue": "Their venue"}, ref.version)
    errors: list[str] = []
    window.bridge.sig_error_raised.connect(errors.append)
    window.undo()
    assert other.load([first])[0].venue == "Their venue"
    assert errors
    assert "someone else changed its venue since" in errors[0]


def test_notes_typed_over_someone_elses_note_ask(
    qtbot: QtBot, open_window: Opener, library: Library, other: Library
) -> None:
    window = open_window(library)
    wait_listening(qtbot, window, other)
    first = window.model.ids[0]
    note_id = other.add_note(first, "Their first words").count
    select(qtbot, window, first)
    notes = window.detail.notes
    qtbot.waitUntil(lambda: notes.editor.toPlainText() == "Their first words")
    notes.tabs.setCurrentWidget(notes.editor)
    notes.editor.setFocus()
    notes.editor.moveCursor(notes.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(notes.editor, " and mine")  # not saved yet: the autosave waits
    other.edit_note(note_id, "Their first words, revised")
    qtbot.waitUntil(lambda: notes.conflict_dialog is not None, timeout=LIVE_TIMEOUT_MS)
    dialog = notes.conflict_dialog
    assert dialog is not None
    assert dialog.rows["note"].mine_view.toPlainText() == "Their first words and mine"  # type: ignore[union-attr]
    dialog.rows["note"].set_result("Their first words, revised, and mine")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: notes.conflict_dialog is None)
    assert other.load([first])[0].notes[0].text == "Their first words, revised, and mine"
