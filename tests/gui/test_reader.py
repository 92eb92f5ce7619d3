"""The reader: papers open in tabs, with page memory, tags, quoted notes and status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.main_window import MainWindow
from refman.gui.reader_panel import quote_for_note
from refman.gui.reader_tab import FIT_PAGE, ZOOM_STEPS, ReaderTab
from refman.gui.reference_table_model import Column
from refman.gui.reference_view import ReferenceView
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.gui.conftest import wait_loaded
from tests.gui.pdf_maker import BODY_X, QUOTE_Y, sentence, write_pdf

Opener = Callable[[Library], MainWindow]
ARXIV_ID = "2106.16128"


@pytest.fixture
def paper(tmp_path: Path, qapp: QApplication) -> Path:
    """A three-page PDF carrying arXiv's stamp."""
    return write_pdf(
        tmp_path / "downloads" / "drdg.pdf",
        3,
        title="Dual Reweighting Domain Generalization",
        first_page_lines=(f"arXiv:{ARXIV_ID}v2 [cs.CV] 30 Jun 2021",),
    )


@pytest.fixture
def with_pdf(library: Library, paper: Path) -> tuple[Library, int]:
    """The seeds, DRDG carrying ``paper``."""
    library.import_files(SEED_FILES)
    (ref_id,) = library.resolve([ARXIV_ID])
    library.attach_file(ref_id, paper)
    return library, ref_id


def double_click_row(qtbot: QtBot, window: MainWindow, ref_id: int) -> None:
    row = window.model.row_of(ref_id)
    assert row is not None
    window.view.scrollTo(window.model.index(row, 0))
    rect = window.view.visualRect(window.model.index(row, int(Column.TITLE)))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def open_paper(qtbot: QtBot, window: MainWindow, ref_id: int) -> ReaderTab:
    """Double-click the reference and wait until its page is painted."""
    double_click_row(qtbot, window, ref_id)
    qtbot.waitUntil(lambda: window.readers.tab_of(ref_id) is not None)
    tab = window.readers.tab_of(ref_id)
    assert tab is not None
    assert window.tabs.currentWidget() is tab
    wait_painted(qtbot, tab, None)
    return tab


def wait_painted(qtbot: QtBot, tab: ReaderTab, page: int | None) -> None:
    """Until ``page`` (default: the current one) is shown with its rendered image."""

    def painted() -> bool:
        wanted = tab.current_page() if page is None else page
        return tab.current_page() == wanted and tab.view.has_image(wanted)

    qtbot.waitUntil(painted, timeout=10_000)


def drag_select(qtbot: QtBot, tab: ReaderTab, page: int, start_x: float, end_x: float) -> None:
    """Drag over the line of ``sentence(page)`` from ``start_x`` to ``end_x`` points."""
    view = tab.view
    rect, scale, offset = view.page_rects()[page], view.page_scale(page), view.scroll_offset()

    def at(x: float) -> QPoint:
        point = QPointF(rect.topLeft() - offset) + QPointF(x, QUOTE_Y - 4) * scale
        return point.toPoint()

    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(start_x))
    qtbot.mouseMove(viewport, at((start_x + end_x) / 2))
    qtbot.mouseMove(viewport, at(end_x))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(end_x))


def drop_files(view: ReferenceView, paths: list[Path], pos: QPoint) -> None:
    """Deliver a drop of files at ``pos`` (viewport coordinates) to ``view``."""
    mime = QMimeData()  # (the event does not own it: it must outlive the delivery)
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)


def test_read_tag_quote_close_and_reopen_on_the_same_page(
    qtbot: QtBot, open_window: Opener, with_pdf: tuple[Library, int]
) -> None:
    library, ref_id = with_pdf
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    assert tab.current_page() == 0
    assert window.tabs.count() == 2

    # go to page 2 with the toolbar
    tab.next_action.trigger()
    wait_painted(qtbot, tab, 1)
    assert tab.page_box.value() == 2

    # tag it from the reader's panel, as in the detail pane
    qtbot.keyClicks(tab.panel.tag_field, "to-discuss")
    qtbot.keyClick(tab.panel.tag_field, Qt.Key.Key_Return)
    assert library.get(ref_id).tags == ["to-discuss"]
    assert [chip.name for chip in tab.panel.chips.chips] == ["to-discuss"]

    # select part of page 2's sentence and quote it into a note
    drag_select(qtbot, tab, 1, BODY_X + 1, BODY_X + 200)
    selected = tab.view.selected_text()
    assert selected
    assert sentence(1).startswith(selected.strip())
    assert tab.quote_action.isEnabled()
    tab.quote_action.trigger()
    (note,) = library.get(ref_id).notes
    assert note.text.startswith(f"> {selected.strip()}")
    assert note.text.rstrip().endswith("(p. 2)")
    assert window.undo_stack.undoText() == "Add note"

    # close it (Ctrl+W) and open it again: page 2, in this session and the next
    window.readers.close_action.trigger()
    assert window.tabs.count() == 1
    tab = open_paper(qtbot, window, ref_id)
    assert tab.current_page() == 1
    window.readers.close_action.trigger()
    qtbot.waitUntil(lambda: library.get(ref_id).last_page == 1)
    window.close()
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    assert tab.current_page() == 1
    assert tab.view.verticalScrollBar().value() == tab.view.page_rects()[1].top()
    assert tab.panel.notes.list.count() == 1
    assert [chip.name for chip in tab.panel.chips.chips] == ["to-discuss"]


def test_opening_marks_reading_and_mark_as_read_is_undoable(
    qtbot: QtBot, open_window: Opener, with_pdf: tuple[Library, int]
) -> None:
    library, ref_id = with_pdf
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    qtbot.waitUntil(lambda: library.get(ref_id).reading_status == "reading")
    version = library.get(ref_id).version
    qtbot.waitUntil(lambda: tab.panel.status.currentData() == "reading")
    row = window.model.row_of(ref_id)
    assert row is not None
    status = window.model.index(row, int(Column.STATUS))
    qtbot.waitUntil(lambda: window.model.data(status) == "Reading")

    tab.read_action.trigger()
    assert library.get(ref_id).reading_status == "read"
    assert window.model.data(status) == "Read"
    assert tab.panel.status.currentData() == "read"
    assert library.get(ref_id).version == version  # not an edit of the reference
    window.undo()
    assert library.get(ref_id).reading_status == "reading"

    window.readers.close_current()
    window.tabs.setCurrentIndex(0)
    tab = open_paper(qtbot, window, ref_id)
    tab.panel.status.setCurrentIndex(2)
    tab.panel.status.activated.emit(2)
    assert library.get(ref_id).reading_status == "read"
    window.readers.close_current()
    open_paper(qtbot, window, ref_id)  # a read paper stays read when opened
    assert library.get(ref_id).reading_status == "read"
    assert library.query_ids(ReferenceQuery(text="status:read")) == [ref_id]


def test_the_status_filter_and_column(
    qtbot: QtBot, open_window: Opener, with_pdf: tuple[Library, int]
) -> None:
    library, _ref_id = with_pdf
    ids = library.query_ids(ReferenceQuery())
    library.set_reading_status(ids[:3], "read")
    window = open_window(library)
    window.focus_search()
    qtbot.keyClicks(window.search, "status:read")
    qtbot.waitUntil(lambda: not window.search.is_pending())
    wait_loaded(qtbot, window)
    assert sorted(window.model.ids) == sorted(ids[:3])
    window.view.select_ids([ids[0]])
    assert window.readers.status_actions["unread"].isEnabled()
    window.readers.status_actions["unread"].trigger()
    qtbot.waitUntil(lambda: ids[0] not in window.model.ids)  # it left the filtered list
    assert library.get(ids[0]).reading_status == "unread"
    window.model.sort(int(Column.STATUS), Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, window)
    assert window.model.query.sort.value == "status"


def test_page_geometry_matches_qpdfview_in_every_zoom_mode(
    qtbot: QtBot, open_window: Opener, with_pdf: tuple[Library, int]
) -> None:
    library, ref_id = with_pdf
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    view = tab.view
    for zoom in ("width", FIT_PAGE, 0.75, 2.0):
        tab.set_zoom(zoom)
        qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
        height = view.viewport().height()
        assert view.document_height() - height == view.verticalScrollBar().maximum()
        wait_painted(qtbot, tab, None)
    tab.set_zoom("width")
    assert view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    fitted = tab.zoom_factor()
    tab.step_zoom(1)
    assert view.zoomMode() == QPdfView.ZoomMode.Custom
    assert view.zoomFactor() == min(s for s in ZOOM_STEPS if s > fitted * 1.01)
    assert tab.zoom_box.currentText() == f"{view.zoomFactor():.0%}"
    tab.step_zoom(-1)
    assert view.zoomFactor() == max(
        s for s in ZOOM_STEPS if s < min(s for s in ZOOM_STEPS if s > fitted * 1.01) * 0.99
    )


def test_find_in_the_document(
    qtbot: QtBot, open_window: Opener, with_pdf: tuple[Library, int]
) -> None:
    library, ref_id = with_pdf
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    window.focus_search()  # Ctrl+F in the reader finds in the paper
    assert tab.find_field.hasFocus() or QApplication.focusWidget() is tab.find_field
    tab.find_text("lazy dog")
    qtbot.waitUntil(lambda: tab.result_count() == 3)
    tab.next_result()
    tab.next_result()
    wait_painted(qtbot, tab, 2)
    assert tab.find_label.text().strip() == "3 of 3"
    tab.find_text("no such words")
    qtbot.waitUntil(lambda: tab.find_label.text().strip() == "not found")


def test_a_pdf_dropped_onto_empty_space_becomes_a_reference(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path, qapp: QApplication
) -> None:
    library.import_files(SEED_FILES[:1])
    window = open_window(library)
    new = write_pdf(
        tmp_path / "in" / "2301.00042.pdf",
        2,
        first_page_lines=("arXiv:2301.00042v1 [cs.LG] 1 Jan 2023",),
    )
    known = write_pdf(
        tmp_path / "in" / "drdg-again.pdf", 1, first_page_lines=(f"arXiv:{ARXIV_ID}",)
    )
    before = library.count()
    below_rows = QPoint(20, window.view.viewport().height() - 4)
    assert window.view.rowAt(below_rows.y()) == -1
    drop_files(window.view, [new, known], below_rows)
    qtbot.waitUntil(lambda: not window.attachments.is_busy(), timeout=10_000)
    assert library.count() == before + 1
    (created,) = library.resolve(["2301.00042"])
    ref = library.get(created)
    assert (ref.title, ref.title_provisional, ref.year) == ("arXiv:2301.00042", True, 2023)
    assert ref.attachments[0].copied
    drdg = library.get(ARXIV_ID)
    assert len(drdg.attachments) == 1
    wait_loaded(qtbot, window)
    assert created in window.model.ids


def test_dropping_onto_a_row_attaches_and_undo_detaches(
    qtbot: QtBot, open_window: Opener, library: Library, paper: Path
) -> None:
    library.import_files(SEED_FILES[:1])
    (ref_id,) = library.resolve([ARXIV_ID])
    window = open_window(library)
    row = window.model.row_of(ref_id)
    assert row is not None
    rect = window.view.visualRect(window.model.index(row, 0))
    drop_files(window.view, [paper], rect.center())
    qtbot.waitUntil(lambda: bool(library.get(ref_id).attachments), timeout=10_000)
    qtbot.waitUntil(lambda: not window.attachments.is_busy())
    assert window.undo_stack.undoText() == "Attach 1 file"
    window.undo()
    assert library.get(ref_id).attachments == []
    window.redo()
    assert len(library.get(ref_id).attachments) == 1


def test_a_missing_file_is_shown_as_missing_not_as_an_error(
    qtbot: QtBot,
    open_window: Opener,
    library: Library,
    paper: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library.import_files(SEED_FILES[:1])
    (ref_id,) = library.resolve([ARXIV_ID])
    library.attach_file(ref_id, paper, copy=False)
    paper.unlink()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    window = open_window(library)
    double_click_row(qtbot, window, ref_id)
    assert window.readers.tab_of(ref_id) is None
    assert "missing" in window.statusBar().currentMessage()
    assert shown == []
    qtbot.waitUntil(lambda: window.detail.selected_ids == [ref_id])
    files = window.detail.files
    assert len(files.rows) == 1
    labels = [label.text() for label in files.rows[0].findChildren(QLabel)]
    assert "missing" in labels


def test_open_with_system_viewer_and_tabs(
    qtbot: QtBot,
    open_window: Opener,
    with_pdf: tuple[Library, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library, ref_id = with_pdf
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = open_window(library)
    tab = open_paper(qtbot, window, ref_id)
    tab.external_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(tab.path)]
    assert opened[0].toLocalFile().endswith(".pdf")
    assert tab.path.parent == library.attachment_folder().resolve()
    window.tabs.setCurrentIndex(0)
    assert not window.readers.close_action.isEnabled()
    window.readers.close_current()  # the library tab never closes
    assert window.tabs.count() == 2
    double_click_row(qtbot, window, ref_id)  # the open tab is shown again
    assert window.tabs.count() == 2
    assert window.tabs.currentWidget() is tab


def test_quotes_join_lines_and_keep_paragraphs() -> None:
    assert quote_for_note("Knowledge distil-\r\nlation is\r\nuseful.", "4") == (
        "> Knowledge distillation is useful. (p. 4)"
    )
    assert quote_for_note("One.\n\nTwo\nlines.", "iv") == "> One.\n>\n> Two lines. (p. iv)"
    assert quote_for_note("  \n ", "1") == ""
