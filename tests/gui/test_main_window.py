"""The real main window, driven with keys and clicks on the offscreen platform."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent
from PySide6.QtWidgets import QApplication, QColorDialog, QInputDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery, SortKey
from refman.gui import import_worker
from refman.gui.main_window import MainWindow
from refman.gui.reference_table_model import TAGS_ROLE, Column
from refman.gui.tag_list_model import EntryKind
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.gui.conftest import wait_loaded
from tests.gui.test_models import PagedLibrary

Opener = Callable[[Library], MainWindow]

DISTILLATION_PAPERS = 6
"""Counted by hand in the seeds: CSD and VSD (000 and 001 both list them), Divide to Adapt
and Revisiting Knowledge Distillation (002), GCC (003) and DMAD (004)."""


def search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type into the search field (Ctrl+F first) and wait for the list."""
    qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    window.focus_search()  # the shortcut needs an active window; offscreen may not give one
    window.search.selectAll()
    qtbot.keyClicks(window.search, text)
    qtbot.waitUntil(lambda: not window.search.is_pending())
    wait_loaded(qtbot, window)


def click_row(qtbot: QtBot, window: MainWindow, row: int, *, ctrl: bool = False) -> None:
    """Click a row of the list (with Ctrl to add it to the selection)."""
    rect = window.view.visualRect(window.model.index(row, int(Column.TITLE)))
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click_tag_entry(
    qtbot: QtBot, window: MainWindow, kind: EntryKind, name: str = "", *, ctrl: bool = False
) -> None:
    """Click an entry of the tag pane and wait for the list."""
    row = window.tag_pane.model.row_of(kind, name)
    assert row is not None, f"no entry {kind} {name!r}"
    view = window.tag_pane.view
    rect = view.visualRect(window.tag_pane.model.index(row))
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    wait_loaded(qtbot, window)


def tag_count(library: Library, name: str) -> int:
    """How many references carry tag ``name`` (0 if there is no such tag)."""
    return next((t.count for t in library.tags() if t.name == name), 0)


def wait_import(qtbot: QtBot, window: MainWindow) -> None:
    """Until the running import has finished and the list shows its result."""
    qtbot.waitUntil(lambda: not window.import_worker.is_running(), timeout=30_000)
    wait_loaded(qtbot, window)


# --- first run and import ------------------------------------------------------------------
def test_first_run_offers_the_seeds(qtbot: QtBot, open_window: Opener, library: Library) -> None:
    window = open_window(library)
    assert window.windowTitle() == "refman — library"
    assert window.center.currentWidget() is window.welcome
    qtbot.mouseClick(window.welcome.seeds_button, Qt.MouseButton.LeftButton)
    wait_import(qtbot, window)
    assert window.center.currentWidget() is window.view
    assert window.model.rowCount() == 79
    box = window.import_worker.message_box
    assert box is not None
    assert box.text() == "Imported 5 files: 79 added, 8 merged, 0 unchanged."
    assert "79 shown" in window.status_counts.text()


def test_dropping_files_imports_them(qtbot: QtBot, open_window: Opener, library: Library) -> None:
    window = open_window(library)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SEED_FILES[2]))])
    drop = QDropEvent(
        QPointF(300, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    wait_import(qtbot, window)
    assert window.model.rowCount() == 47  # the researcher profile


def test_cancelled_import_changes_nothing(
    qtbot: QtBot, open_window: Opener, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(library)
    release = threading.Event()
    real_import = import_worker.import_files

    def held_import(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)  # the user presses Cancel meanwhile
        return real_import(*args, **kwargs)

    monkeypatch.setattr(import_worker, "import_files", held_import)
    window.import_paths(SEED_FILES)
    progress = window.import_worker.progress
    assert progress is not None
    qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    release.set()
    wait_import(qtbot, window)
    assert library.count() == 0
    assert window.center.currentWidget() is window.welcome
    assert "cancelled" in window.statusBar().currentMessage()


def test_import_error_names_file_and_line(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text(
        "An abstract.\n\narXiv:2301.00001\nCreated: 2023-01-01\n\nstray text\n", encoding="utf-8"
    )
    window = open_window(library)
    window.import_paths([SEED_FILES[0], broken])
    wait_import(qtbot, window)
    box = window.import_worker.message_box
    assert box is not None
    assert f"{broken}:6:" in box.text()
    assert "unchanged" in box.text()
    assert library.count() == 0


# --- the list, search and tags ---------------------------------------------------------------
def test_search_tag_filter_rename_and_number_key(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(seeded)
    assert window.model.rowCount() == 79

    search(qtbot, window, "distillation")
    expected = seeded.query_ids(ReferenceQuery(text="distillation"))
    assert window.model.rowCount() == len(expected) == DISTILLATION_PAPERS
    assert list(window.model.ids) == expected

    # Select every row (click, then Ctrl+A) and tag them through the tag field (Ctrl+T).
    click_row(qtbot, window, 0)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.view.selected_ids()) == DISTILLATION_PAPERS
    assert window.detail.heading.text() == f"{DISTILLATION_PAPERS} references selected"
    window.tag_action.trigger()
    assert window.detail.tag_field.hasFocus() or window.detail.tag_field.isVisible()
    qtbot.keyClicks(window.detail.tag_field, "knowledge transfer, to-read")
    qtbot.keyClick(window.detail.tag_field, Qt.Key.Key_Return)
    assert tag_count(seeded, "knowledge transfer") == DISTILLATION_PAPERS
    assert tag_count(seeded, "to-read") == DISTILLATION_PAPERS

    # Clear the search with Escape; filter by the new tag in the tag pane.
    window.search.setFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    wait_loaded(qtbot, window)
    assert window.model.rowCount() == 79
    qtbot.waitUntil(lambda: window.tag_pane.model.row_of(EntryKind.TAG, "to-read") is not None)
    click_tag_entry(qtbot, window, EntryKind.TAG, "knowledge transfer")
    assert window.model.rowCount() == DISTILLATION_PAPERS

    # Rename it through the context-menu dialog: the filter follows the new name.
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("distilled", True))
    window.tag_pane.ask_rename("knowledge transfer")
    wait_loaded(qtbot, window)
    assert tag_count(seeded, "distilled") == DISTILLATION_PAPERS
    assert tag_count(seeded, "knowledge transfer") == 0
    assert window.tag_pane.tag_filter().tags == ("distilled",)
    assert window.model.rowCount() == DISTILLATION_PAPERS

    # Colour a tag: it becomes key 1; pressing 1 toggles it on the selection.
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#e5484d"))
    window.tag_pane.ask_colour("to-read")
    click_tag_entry(qtbot, window, EntryKind.ALL)
    click_row(qtbot, window, 10)
    first = window.view.selected_ids()
    assert len(first) == 1
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert "to-read" in seeded.load(first)[0].tags
    assert tag_count(seeded, "to-read") == DISTILLATION_PAPERS + 1
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert "to-read" not in seeded.load(first)[0].tags


def test_any_tag_toggle(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    seeded.add_tags(["a"], ids[:5])
    seeded.add_tags(["b"], ids[3:10])
    window = open_window(seeded)
    click_tag_entry(qtbot, window, EntryKind.TAG, "a")
    assert window.model.rowCount() == 5
    click_tag_entry(qtbot, window, EntryKind.TAG, "b", ctrl=True)
    assert window.model.rowCount() == 2  # carrying both
    window.tag_pane.any_toggle.setChecked(True)
    wait_loaded(qtbot, window)
    assert window.model.rowCount() == 10  # carrying either
    click_tag_entry(qtbot, window, EntryKind.UNTAGGED)
    assert window.model.rowCount() == 69


def test_sorting_by_header_requeries(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    window = open_window(seeded)
    header = window.view.horizontalHeader()
    x = header.sectionViewportPosition(Column.YEAR) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    wait_loaded(qtbot, window)
    assert window.model.query.sort == SortKey.YEAR
    expected = seeded.query_ids(
        ReferenceQuery(sort=SortKey.YEAR, descending=window.model.query.descending)
    )
    assert list(window.model.ids) == expected
    # The tags column does not sort: the indicator stays on the year.
    x = header.sectionViewportPosition(Column.TAGS) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == Column.YEAR


def test_dropping_rows_on_a_tag_tags_them(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    seeded.add_tags(["reading"], seeded.query_ids(ReferenceQuery())[:1])
    window = open_window(seeded)
    mime = window.model.mimeData([window.model.index(r, 0) for r in (2, 3, 4)])
    tags = window.tag_pane.model
    target = tags.index(tags.row_of(EntryKind.TAG, "reading") or 0)
    all_refs = tags.index(tags.row_of(EntryKind.ALL) or 0)
    assert not tags.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, all_refs)
    assert tags.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    assert tag_count(seeded, "reading") == 4
    window.undo_action.trigger()
    assert tag_count(seeded, "reading") == 1


def test_delete_tag_asks_with_the_count(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded.add_tags(["old"], seeded.query_ids(ReferenceQuery())[:3])
    window = open_window(seeded)
    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    window.tag_pane.ask_delete("old")
    assert "3 references carry it" in asked[0]
    qtbot.waitUntil(lambda: window.tag_pane.model.row_of(EntryKind.TAG, "old") is None)
    assert tag_count(seeded, "old") == 0


# --- undo, trash ---------------------------------------------------------------------------
def test_undo_and_redo_a_tagging(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    window = open_window(seeded)
    click_row(qtbot, window, 0)
    click_row(qtbot, window, 1, ctrl=True)
    ids = window.view.selected_ids()
    assert len(ids) == 2
    window.detail.tag_field.setFocus()
    qtbot.keyClicks(window.detail.tag_field, "survey")
    qtbot.keyClick(window.detail.tag_field, Qt.Key.Key_Return)
    assert tag_count(seeded, "survey") == 2
    assert window.undo_action.isEnabled()
    assert "survey" in window.undo_action.text()
    window.undo_action.trigger()
    assert tag_count(seeded, "survey") == 0
    assert all(t.name != "survey" for t in seeded.tags())  # the tag it created is gone
    window.redo_action.trigger()
    assert tag_count(seeded, "survey") == 2


def test_trash_restore_and_empty(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(seeded)
    click_row(qtbot, window, 3)
    click_row(qtbot, window, 4, ctrl=True)
    doomed = window.view.selected_ids()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    wait_loaded(qtbot, window)
    assert window.model.rowCount() == 77
    assert seeded.count_trashed() == 2
    assert len(window.view.selected_ids()) == 1  # the next row is selected

    window.undo_action.trigger()
    wait_loaded(qtbot, window)
    assert window.model.rowCount() == 79
    window.redo_action.trigger()
    wait_loaded(qtbot, window)
    assert seeded.count_trashed() == 2

    click_tag_entry(qtbot, window, EntryKind.TRASH)
    assert sorted(window.model.ids) == sorted(doomed)
    assert "2 in the Trash" in window.status_counts.text()
    click_row(qtbot, window, 0)
    window.restore_action.trigger()
    wait_loaded(qtbot, window)
    assert seeded.count_trashed() == 1

    window.tag_pane.sig_restore_all_requested.emit()  # the Trash entry's "Restore All"
    qtbot.waitUntil(lambda: seeded.count_trashed() == 0)
    window.undo_action.trigger()  # back into the Trash
    assert seeded.count_trashed() == 1

    monkeypatch.setattr(QMessageBox, "warning", lambda *a: QMessageBox.StandardButton.Yes)
    window.tag_pane.ask_empty_trash()
    qtbot.waitUntil(lambda: not window.undo_stack.canUndo())
    wait_loaded(qtbot, window)
    assert seeded.count_trashed() == 0
    assert seeded.count() == 78
    assert window.model.rowCount() == 0
    assert "Deleted 1 reference for good" in window.statusBar().currentMessage()


# --- the detail pane -------------------------------------------------------------------------
def test_edit_fields_with_validation(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    window = open_window(seeded)
    click_row(qtbot, window, 0)
    (ref_id,) = window.view.selected_ids()
    ref = seeded.load([ref_id])[0]
    assert ref.title_provisional
    detail = window.detail

    year = detail.editors["year"]
    year.setFocus()
    year.selectAll()
    qtbot.keyClicks(year, "twenty")
    qtbot.keyClick(year, Qt.Key.Key_Return)
    assert detail.errors["year"].isVisible()
    assert "not a whole number" in detail.errors["year"].text()
    assert seeded.load([ref_id])[0].year == ref.year

    year.selectAll()
    qtbot.keyClicks(year, "2020")
    qtbot.keyClick(year, Qt.Key.Key_Return)
    assert not detail.errors["year"].isVisible()
    assert seeded.load([ref_id])[0].year == 2020

    doi = detail.editors["doi"]
    doi.setFocus()
    doi.selectAll()
    qtbot.keyClicks(doi, "not a doi")
    window.view.setFocus()  # focus out saves
    doi_error = detail.errors["doi"]
    qtbot.waitUntil(doi_error.isVisible)
    assert "does not look like a DOI" in detail.errors["doi"].text()

    title = detail.editors["title"]
    title.setFocus()
    title.selectAll()
    qtbot.keyClicks(title, "A Real Title")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    edited = seeded.load([ref_id])[0]
    assert edited.title == "A Real Title"
    assert not edited.title_provisional
    qtbot.waitUntil(lambda: not detail.provisional_hint.isVisible())
    assert window.model.data(window.model.index(0, Column.TITLE)) == "A Real Title"

    window.undo_action.trigger()  # the title edit
    assert seeded.load([ref_id])[0].title == ref.title
    window.undo_action.trigger()  # the year edit
    assert seeded.load([ref_id])[0].year == ref.year


def test_abstract_is_plain_text_and_links_are_offered(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    (ref_id,) = seeded.query_ids(ReferenceQuery(text="DRDG"))
    seeded.update_fields(
        ref_id,
        {"abstract": "<b>bold</b> <img src='http://example.com/x.png'>"},
        expected_version=seeded.load([ref_id])[0].version,
    )
    window = open_window(seeded)
    window.view.select_ids([ref_id])
    abstract = window.detail.editors["abstract"]
    assert abstract.toPlainText() == "<b>bold</b> <img src='http://example.com/x.png'>"
    labels = [b.text() for b in window.detail._link_buttons]
    assert "arXiv page" in labels


def test_multi_selection_tag_chips_remove_from_all(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    seeded.add_tags(["x"], ids[:2])
    window = open_window(seeded)
    window.view.select_ids(ids[:3])
    detail = window.detail
    assert detail.heading.text() == "3 references selected"
    (chip,) = detail.chips.chips
    assert chip.label.text() == "x · 2/3"
    qtbot.mouseClick(chip.remove_button, Qt.MouseButton.LeftButton)
    assert tag_count(seeded, "x") == 0
    window.undo_action.trigger()
    assert tag_count(seeded, "x") == 2


def test_note_tag_and_columns_survive_reopening(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    window.view.set_column_visible(Column.VENUE, visible=False)
    header = window.view.horizontalHeader()
    header.moveSection(header.visualIndex(Column.YEAR), 0)
    header.resizeSection(Column.AUTHORS, 222)
    click_row(qtbot, window, 5)
    (ref_id,) = window.view.selected_ids()
    window.detail.tag_field.setFocus()
    qtbot.keyClicks(window.detail.tag_field, "important")
    qtbot.keyClick(window.detail.tag_field, Qt.Key.Key_Return)

    notes = window.detail.notes
    qtbot.mouseClick(notes.new_button, Qt.MouseButton.LeftButton)
    assert notes.editor.hasFocus() or notes.tabs.currentWidget() is notes.editor
    qtbot.keyClicks(notes.editor, "# Why it matters")
    qtbot.keyClick(notes.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(notes.editor, "Read **section 3**")
    assert notes.has_pending_edits()
    qtbot.waitUntil(lambda: not notes.has_pending_edits())  # autosaved after a pause
    qtbot.keyClicks(notes.editor, " twice")  # closing right away must not lose this
    window.close()

    (saved,) = seeded.load([ref_id])[0].notes
    assert saved.text == "# Why it matters\nRead **section 3** twice"

    again = open_window(seeded)
    header = again.view.horizontalHeader()
    assert header.isSectionHidden(Column.VENUE)
    assert header.visualIndex(Column.YEAR) == 0
    assert header.sectionSize(Column.AUTHORS) == 222
    again.view.select_ids([ref_id])
    assert [c.name for c in again.detail.chips.chips] == ["important"]
    assert again.detail.notes.list.count() == 1
    assert again.detail.notes.list.item(0).text() == "Why it matters"
    again.detail.notes.tabs.setCurrentWidget(again.detail.notes.preview)
    assert "section 3" in again.detail.notes.preview.toPlainText()
    assert "**" not in again.detail.notes.preview.toPlainText()  # rendered, not raw


def test_note_add_edit_delete_undo(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    window = open_window(seeded)
    click_row(qtbot, window, 0)
    (ref_id,) = window.view.selected_ids()
    notes = window.detail.notes
    notes.new_note()
    qtbot.keyClicks(notes.editor, "first")
    notes.flush()
    qtbot.keyClicks(notes.editor, " edit")
    notes.flush()
    assert [n.text for n in seeded.load([ref_id])[0].notes] == ["first edit"]
    window.undo_action.trigger()  # the edit
    assert [n.text for n in seeded.load([ref_id])[0].notes] == ["first"]
    assert notes.editor.toPlainText() == "first"
    window.undo_action.trigger()  # the new note
    assert seeded.load([ref_id])[0].notes == []
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert [n.text for n in seeded.load([ref_id])[0].notes] == ["first edit"]
    qtbot.waitUntil(lambda: notes.list.count() == 1)
    notes.delete_current_note()
    assert seeded.load([ref_id])[0].notes == []
    window.undo_action.trigger()
    assert [n.text for n in seeded.load([ref_id])[0].notes] == ["first edit"]


def test_search_finds_notes_and_is_remembered(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    (ref_id,) = seeded.query_ids(ReferenceQuery(text="DRDG"))
    seeded.add_note(ref_id, "zebrafish experiment")
    window = open_window(seeded)
    search(qtbot, window, "zebra")
    assert list(window.model.ids) == [ref_id]
    window.close()
    again = open_window(seeded)
    assert again.search.text() == "zebra"
    assert list(again.model.ids) == [ref_id]


def test_about_names_version_and_path(
    qtbot: QtBot, open_window: Opener, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(library)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _p, _t, text: shown.append(text))
    window.about_action.trigger()
    assert "refman" in shown[0]
    assert "library.sqlite" in shown[0]
    assert QApplication.instance() is not None


def test_header_menu_hides_columns_but_not_the_title(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    menu = window.view.header_menu()
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert not actions["Title"].isEnabled()
    actions["Venue"].trigger()
    assert window.view.horizontalHeader().isSectionHidden(Column.VENUE)
    actions["Reset Columns"].trigger()
    assert not window.view.horizontalHeader().isSectionHidden(Column.VENUE)


# --- reading little, re-querying only when needed ----------------------------------------------
def count_calls(monkeypatch: pytest.MonkeyPatch, library: Library, name: str) -> list[Any]:
    """Record the calls of one of ``library``'s methods (their arguments)."""
    calls: list[Any] = []
    real = getattr(library, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(library, name, counting)
    return calls


def list_tags(window: MainWindow, row: int) -> list[str]:
    """The tag names the list shows in ``row``."""
    model = window.model
    return [name for name, _colour in model.data(model.index(row, Column.TAGS), TAGS_ROLE)]


def type_tags(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Tag the selection through the detail pane's tag field."""
    window.detail.tag_field.setFocus()
    qtbot.keyClicks(window.detail.tag_field, text)
    qtbot.keyClick(window.detail.tag_field, Qt.Key.Key_Return)


def test_start_up_and_searches_read_tags_and_counts_once(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    tags = count_calls(monkeypatch, seeded, "tags")
    counts = count_calls(monkeypatch, seeded, "count")
    trashed = count_calls(monkeypatch, seeded, "count_trashed")
    window = open_window(seeded)
    assert (len(tags), len(counts), len(trashed)) == (1, 1, 1)  # shared by every pane
    search(qtbot, window, "distillation")
    assert f"{DISTILLATION_PAPERS} shown" in window.status_counts.text()
    window.search.setFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    wait_loaded(qtbot, window)
    assert window.status_counts.text() == "79 shown  ·  0 selected  ·  79 in library"
    assert (len(tags), len(counts), len(trashed)) == (1, 1, 1)  # the counts did not change

    click_row(qtbot, window, 3)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # trashing changes them
    wait_loaded(qtbot, window)
    assert window.status_counts.text() == "78 shown  ·  1 selected  ·  78 in library"
    assert len(counts) == 2


def test_tagging_without_a_filter_reads_little_and_does_not_requery(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded.add_tags(["fresh"], seeded.query_ids(ReferenceQuery())[-1:])
    window = open_window(seeded)
    click_row(qtbot, window, 0)
    click_row(qtbot, window, 1, ctrl=True)
    queries = count_calls(monkeypatch, seeded, "query_ids")
    tags = count_calls(monkeypatch, seeded, "tags")
    rows = count_calls(monkeypatch, seeded, "rows")
    counts = count_calls(monkeypatch, seeded, "count")
    type_tags(qtbot, window, "fresh")
    assert tag_count(seeded, "fresh") == 3
    assert not window.model.is_loading()  # no re-query: the list's order cannot change
    qtbot.waitUntil(lambda: "fresh" in list_tags(window, 0) and "fresh" in list_tags(window, 1))
    assert window.tag_pane.model.row_of(EntryKind.TAG, "fresh") is not None
    assert [c.name for c in window.detail.chips.chips] == ["fresh"]
    qtbot.wait(50)  # the repaint of the changed rows
    assert queries == []
    assert len(tags) == 1 + 1  # the panes' one read, and tag_count's above
    assert [len(ids) for (ids,) in rows] == [2]  # the changed rows, once for list and pane
    assert counts == []

    window.undo_action.trigger()  # untagging: no re-query either
    assert not window.model.is_loading()
    qtbot.waitUntil(lambda: "fresh" not in list_tags(window, 0))
    assert queries == []
    assert len(rows) == 2
    assert len(tags) == 2 + 1


def test_tagging_with_a_tag_filter_requeries(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(seeded)
    click_tag_entry(qtbot, window, EntryKind.UNTAGGED)
    assert window.model.rowCount() == 79
    click_row(qtbot, window, 0)
    (tagged,) = window.view.selected_ids()
    queries = count_calls(monkeypatch, seeded, "query_ids")
    type_tags(qtbot, window, "fresh")
    assert window.model.is_loading()  # tagged references leave "Untagged"
    wait_loaded(qtbot, window)
    assert len(queries) == 1
    assert window.model.rowCount() == 78
    assert tagged not in window.model.ids

    click_tag_entry(qtbot, window, EntryKind.TAG, "fresh")
    click_row(qtbot, window, 0)
    queries.clear()
    window.detail.chips.chips[0].remove_button.click()  # untag: it leaves the list
    wait_loaded(qtbot, window)
    assert len(queries) == 1
    assert window.model.rowCount() == 0


def test_field_and_note_edits_requery_only_when_they_can_reorder(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(seeded)
    click_row(qtbot, window, 0)
    (ref_id,) = window.view.selected_ids()
    queries = count_calls(monkeypatch, seeded, "query_ids")
    assert window.detail.commit_field("venue", "Zzz Workshop")  # sorted by date added
    window.detail.notes.new_note()
    qtbot.keyClicks(window.detail.notes.editor, "a note")
    window.detail.notes.flush()
    assert not window.model.is_loading()
    assert queries == []
    assert window.model.data(window.model.index(0, Column.VENUE)) == "Zzz Workshop"

    window.model.sort(Column.VENUE)
    wait_loaded(qtbot, window)
    before = window.model.row_of(ref_id)
    queries.clear()
    assert window.detail.commit_field("venue", "AAA")  # moves it up the list
    assert window.model.is_loading()
    wait_loaded(qtbot, window)
    assert len(queries) == 1
    assert list(window.model.ids) == seeded.query_ids(ReferenceQuery(sort=SortKey.VENUE))
    assert window.model.row_of(ref_id) != before
    assert window.view.selected_ids() == [ref_id]  # the selection follows it


def test_a_new_querys_first_page_is_a_screenful(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    library = PagedLibrary(seeded)
    window = open_window(library)
    model, view = window.model, window.view
    row_height = view.verticalHeader().defaultSectionSize()
    for height in (700, 1400):
        window.resize(window.width(), height)
        qtbot.waitUntil(lambda h=height: abs(view.viewport().height() - h) < 300)
        shown = -(-view.viewport().height() // row_height)  # (a part-shown row counts)
        assert model.first_page == max(model.FIRST_PAGE_MIN, shown + model.FIRST_PAGE_SPARE)
    assert model.FIRST_PAGE_MIN < model.first_page < len(model.ids)  # (79 seeds)

    library.hold.clear()  # the whole list waits: the first page shows alone
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    assert model.is_partial()
    assert model.rowCount() == model.first_page
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert model.rowCount() == 79


def test_selection_survives_a_first_page_then_the_whole_list(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    library = PagedLibrary(seeded)
    window = open_window(library)
    model, view = window.model, window.view
    model.first_page = 10
    target = model.id_at(50)
    view.select_ids([target])
    assert window.detail.selected_ids == [target]
    announced: list[list[int]] = []
    view.sig_selection_changed.connect(announced.append)

    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    assert model.is_partial()
    assert target not in model.ids
    assert window.detail.selected_ids == [target]
    assert announced == []
    assert "10+ shown" in window.status_counts.text()
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert view.selected_ids() == [target]
    assert announced == [[target]]
    assert view.currentIndex().row() == model.row_of(target)
    assert window.detail.selected_ids == [target]
    assert "79 shown  ·  1 selected" in window.status_counts.text()

    # Choosing rows while the rest of the list is on its way: the choice stays.
    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    click_row(qtbot, window, 2)
    chosen = view.selected_ids()
    assert chosen == [model.id_at(2)]
    assert window.detail.selected_ids == chosen
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert view.selected_ids() == chosen
    assert window.detail.selected_ids == chosen
