"""Collections in the side pane: folders that take dropped rows, saved searches."""

from __future__ import annotations

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from refman.gui.reference_table_model import Column
from refman.gui.tag_list_model import EntryKind
from refman.services.library import Library
from tests.gui.conftest import wait_loaded
from tests.gui.test_main_window import DISTILLATION_PAPERS, Opener, click_tag_entry, search


def test_folders_take_dropped_rows_filter_the_list_and_give_them_back(
    qtbot: QtBot, open_window: Opener, seeded: Library, qtmodeltester: ModelTester
) -> None:
    thesis = seeded.create_collection("Thesis")
    chapter = seeded.create_collection("Chapter 2", parent="Thesis")
    window = open_window(seeded)
    pane = window.tag_pane
    qtmodeltester.check(pane.model, force_py=True)
    rows = {pane.model.entry(r).name: r for r in range(pane.model.rowCount())}
    assert rows["Thesis"] == 3  # after All references, Untagged and Trash
    assert rows["Chapter 2"] == 4  # under its parent
    assert pane.model.index(rows["Chapter 2"]).data().startswith("    ")  # nested: indented

    model = window.model
    dragged = model.mimeData([model.index(r, int(Column.TITLE)) for r in (0, 1, 2)])
    target = pane.model.index(rows["Chapter 2"])
    assert pane.model.dropMimeData(dragged, model.supportedDragActions(), -1, -1, target)
    qtbot.waitUntil(lambda: pane.model.entry(rows["Chapter 2"]).count == 3)

    click_tag_entry(qtbot, window, EntryKind.COLLECTION, str(chapter.id))
    assert model.rowCount() == 3
    assert window.uncollect_action.isVisible()
    window.view.selectRow(0)
    window.uncollect_action.trigger()
    wait_loaded(qtbot, window)
    assert model.rowCount() == 2
    click_tag_entry(qtbot, window, EntryKind.COLLECTION, str(thesis.id))
    assert model.rowCount() == 0  # a folder lists its own references
    assert not window.uncollect_action.isEnabled()


def test_saving_the_quick_search_makes_a_saved_search_entry(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    search(qtbot, window, "distillation")
    assert window.save_search_action.isEnabled()
    window.save_search("Distillation papers", window.search.text())
    wait_loaded(qtbot, window)
    (saved,) = seeded.collections()
    assert (saved.name, saved.query) == ("Distillation papers", "distillation")
    assert window.search.text() == ""
    entries = window.tag_pane._selected_entries()
    assert [(e.kind, e.name) for e in entries] == [(EntryKind.SEARCH, "Distillation papers")]
    assert window.model.rowCount() == DISTILLATION_PAPERS
    search(qtbot, window, "contrastive")  # the quick search narrows the saved one
    assert 0 < window.model.rowCount() < DISTILLATION_PAPERS
