"""Screenshots of the main states, kept in tests/artifacts/ for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.main_window import MainWindow
from refman.gui.tag_list_model import EntryKind
from refman.services.library import Library
from tests.conftest import ROOT
from tests.gui.conftest import wait_loaded

ARTIFACTS = ROOT / "tests" / "artifacts"
Opener = Callable[[Library], MainWindow]


def save(window: MainWindow, name: str) -> Path:
    """Grab the window into ``tests/artifacts/name`` and check it is not blank."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert window.grab().save(str(path), "PNG")
    image = QImage(str(path))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    }
    assert len(colours) > 20
    return path


def laid_out(editor: QWidget) -> bool:
    """Whether the field grew to show several lines and its row followed (after the
    posted layout requests ran)."""
    cell = editor.parentWidget()
    return editor.height() > 5 * editor.fontMetrics().lineSpacing() and (
        cell is not None and cell.height() >= editor.height()
    )


def decorate(library: Library) -> None:
    """Coloured tags and a note, as a reader would have after a while."""
    ids = library.query_ids(ReferenceQuery())
    library.add_tags(["to-read"], ids[:12])
    library.add_tags(["distillation"], library.query_ids(ReferenceQuery(text="distillation")))
    library.add_tags(["important"], ids[2:5])
    library.add_tags(["domain adaptation"], library.query_ids(ReferenceQuery(text="domain")))
    library.add_tags(["survey"], ids[40:43])
    library.set_tag_colour("to-read", "#0090ff")
    library.set_tag_colour("important", "#e5484d")
    library.set_tag_colour("distillation", "#46a758")


def test_screenshots(qtbot: QtBot, open_window: Opener, seeded: Library) -> None:
    decorate(seeded)
    window = open_window(seeded)
    window.resize(1500, 900)

    (metaformer,) = seeded.query_ids(ReferenceQuery(text="metaformer"))
    window.bridge.apply(seeded.add_tags(["important", "architecture"], [metaformer]))
    window.view.select_ids([metaformer])
    abstract = window.detail.editors["abstract"]
    qtbot.waitUntil(lambda: laid_out(abstract))
    save(window, "main_window_selected.png")

    window.tag_pane.select_tags(["important", "to-read"])
    window.tag_pane.any_toggle.setChecked(True)
    wait_loaded(qtbot, window)
    assert window.model.rowCount() > 0
    window.view.select_ids(list(window.model.ids[:3]))
    scroll = window.detail.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: scroll.maximum() == 0)  # the short multi-selection page settled
    save(window, "tag_pane_coloured.png")

    window.tag_pane.select_all_references()
    wait_loaded(qtbot, window)
    (drdg,) = seeded.query_ids(ReferenceQuery(text="DRDG"))
    window.view.select_ids([drdg])
    notes = window.detail.notes
    notes.new_note()
    qtbot.keyClicks(notes.editor, "## Reading notes")
    qtbot.keyClick(notes.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(notes.editor, "- reweights samples to remove **spurious** correlations")
    qtbot.keyClick(notes.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(notes.editor, "- compare with *StableNet*")
    qtbot.waitUntil(lambda: not notes.has_pending_edits())
    qtbot.waitUntil(lambda: laid_out(abstract))
    save(window, "note_editing.png")
    notes.tabs.setCurrentWidget(notes.preview)
    save(window, "note_preview.png")
    assert "spurious" in notes.preview.toPlainText()
    assert window.tag_pane.model.row_of(EntryKind.TAG, "important") is not None
