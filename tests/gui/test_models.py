"""Every Qt model passes Qt's model tester, and the list fetches rows in pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.reference_table_model import (
    ID_ROLE,
    TAGS_ROLE,
    Column,
    ReferenceTableModel,
    decode_ids,
)
from refman.gui.tag_list_model import COUNT_ROLE, KIND_ROLE, EntryKind, TagListModel
from refman.gui.task_runner import TaskRunner
from refman.services.library import Library


def loaded_model(qtbot: QtBot, library: Library, query: ReferenceQuery) -> ReferenceTableModel:
    model = ReferenceTableModel(library, TaskRunner())
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.set_query(query)
    return model


def test_reference_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, seeded: Library
) -> None:
    seeded.add_tags(["a", "b"], seeded.query_ids(ReferenceQuery())[:4])
    seeded.set_tag_colour("a", "#ff0000")
    model = loaded_model(qtbot, seeded, ReferenceQuery())
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 79
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.set_query(ReferenceQuery(text="distillation"))
    qtmodeltester.check(model, force_py=True)


def test_reference_model_shows_rows(qtbot: QtBot, seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    seeded.add_tags(["a"], ids[:1])
    seeded.set_tag_colour("a", "#ff0000")
    model = loaded_model(qtbot, seeded, ReferenceQuery())
    first = model.index(0, Column.TITLE)
    assert model.data(first, ID_ROLE) == ids[0]
    assert model.data(model.index(0, Column.TAGS), TAGS_ROLE) == (("a", "#ff0000"),)
    assert model.data(model.index(0, Column.TAGS)) == "a"
    assert model.data(first, Qt.ItemDataRole.FontRole).italic()  # a provisional title
    profile_row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 1)))
    assert model.data(model.index(profile_row, Column.AUTHORS)).startswith("Feng")
    assert model.headerData(Column.YEAR, Qt.Orientation.Horizontal) == "Year"
    assert decode_ids(model.mimeData([model.index(2, 0), model.index(2, 3)])) == [ids[2]]


def test_rows_are_fetched_in_pages(qtbot: QtBot, seeded: Library, monkeypatch: Any) -> None:
    model = loaded_model(qtbot, seeded, ReferenceQuery())
    model.PAGE = 10
    calls: list[int] = []
    real_rows = seeded.rows

    def counting_rows(ids: Any) -> Any:
        calls.append(len(ids))
        return real_rows(ids)

    monkeypatch.setattr(seeded, "rows", counting_rows)
    for row in range(25):
        for column in Column:
            model.data(model.index(row, column))
    assert calls == [10, 10, 10]  # three pages, no query per cell
    model.invalidate([model.id_at(3)])
    model.data(model.index(3, 0))
    assert calls[-1] == 1  # only the changed row is fetched again


def test_sorting_happens_in_sql(qtbot: QtBot, seeded: Library) -> None:
    model = loaded_model(qtbot, seeded, ReferenceQuery())
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    titles = [model.data(model.index(r, Column.TITLE)) for r in range(model.rowCount())]
    assert list(model.ids) == seeded.query_ids(
        ReferenceQuery(sort=model.query.sort, descending=True)
    )
    assert titles[0].casefold() >= titles[-1].casefold()
    model.sort(Column.TAGS)  # not sortable: ignored
    assert not model.is_loading()


def test_tag_model_passes_the_model_tester(qtmodeltester: ModelTester, seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    seeded.add_tags(["b", "a"], ids[:3])
    seeded.set_tag_colour("b", "#00ff00")
    model = TagListModel()
    qtmodeltester.check(model, force_py=True)
    model.set_tags(seeded.tags(), total=seeded.count(), trashed=0)
    qtmodeltester.check(model, force_py=True)
    assert [model.index(r).data() for r in range(model.rowCount())] == [
        "All references",
        "Untagged",
        "Trash",
        "a",
        "b",
    ]
    assert model.index(0).data(COUNT_ROLE) == 79
    assert model.index(4).data(KIND_ROLE) == EntryKind.TAG
    assert model.index(4).data(Qt.ItemDataRole.DecorationRole).name() == "#00ff00"
    assert model.entry(4).shortcut == 1
    assert model.entry(3).shortcut is None
