"""Every Qt model passes Qt's model tester, and the list fetches rows in pages."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.library_bridge import NOTES, TAGS, RowCache
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
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.invalidate_all()  # no row cached (a new query's first rows may come with it)
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


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    """A task runner whose workers are stopped after the test."""
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(timeout=10)


class PagedLibrary(Library):
    """A library whose ``query_ids`` takes ``limit``, as the storage side's does; whole
    lists can be held back (``hold``) to look at the first page meanwhile."""

    def __init__(self, library: Library) -> None:
        super().__init__(library.store)
        self.calls: list[tuple[ReferenceQuery, int | None]] = []
        self.hold = threading.Event()
        self.hold.set()

    def query_ids(self, query: ReferenceQuery, *, limit: int | None = None) -> list[int]:
        self.calls.append((query, limit))
        if limit is not None:
            return super().query_ids(query)[:limit]
        self.hold.wait(10)
        return super().query_ids(query)


def test_a_new_query_shows_its_first_page_then_the_whole_list(
    qtbot: QtBot, qtmodeltester: ModelTester, seeded: Library, monkeypatch: Any, runner: TaskRunner
) -> None:
    library = PagedLibrary(seeded)
    model = ReferenceTableModel(library, runner)
    model.first_page = 10
    qtmodeltester.check(model, force_py=True)  # and it keeps checking every change
    inserted: list[tuple[int, int]] = []
    resets: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: resets.append(model.rowCount()))

    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.set_query(ReferenceQuery())
    everything = seeded.query_ids(ReferenceQuery())
    assert list(model.ids) == everything[:10]
    assert model.is_partial()
    assert model.is_loading()
    assert not model.is_first_page_pending()
    gui_reads: list[int] = []
    real_rows = library.rows

    def rows(ids: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            gui_reads.append(len(ids))
        return real_rows(ids)

    monkeypatch.setattr(library, "rows", rows)
    assert model.data(model.index(9, Column.TITLE))  # its rows are there to paint:
    assert gui_reads == []  # they came with the first page
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert list(model.ids) == everything
    assert not model.is_partial()
    assert not model.is_loading()
    assert model.data(model.index(20, Column.TITLE))
    assert gui_reads == [79 - 10]  # the rest of the page, when first shown
    assert resets == [10]
    assert inserted == [(10, 78)]

    # A re-sort is a new query: its own first page (a reset), then the rest below it.
    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    by_title = seeded.query_ids(ReferenceQuery(sort=model.query.sort, descending=True))
    assert list(model.ids) == by_title[:10]
    assert resets == [10, 10]
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert list(model.ids) == by_title
    assert inserted == [(10, 78), (10, 78)]

    # Fewer matches than a page: the first page is all of it, one query.
    library.calls.clear()
    few = ReferenceQuery(ids=tuple(everything[:6]))
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.set_query(few)
    assert library.calls == [(few, 10)]
    assert model.rowCount() == 6
    assert not model.is_partial()
    assert resets == [10, 10, 6]

    # A search has a first page too (the search index's prefix indexes make it cheap);
    # six matches fit in it, so it is all of them, one query.
    library.calls.clear()
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.set_query(ReferenceQuery(text="distillation"))
    assert library.calls == [(ReferenceQuery(text="distillation"), 10)]
    assert model.rowCount() == 6

    # Re-running the same query (a change that may move rows) fetches no first page,
    # so the list is never cut down to it.
    library.calls.clear()
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.invalidate([model.id_at(0)])
    assert [limit for _query, limit in library.calls] == [None]


def test_a_first_page_the_list_already_starts_with_changes_nothing(
    qtbot: QtBot, qtmodeltester: ModelTester, seeded: Library, runner: TaskRunner
) -> None:
    library = PagedLibrary(seeded)
    model = ReferenceTableModel(library, runner)
    model.first_page = 10
    qtmodeltester.check(model, force_py=True)
    with qtbot.waitSignal(model.sig_ids_loaded):
        model.set_query(ReferenceQuery())
    everything = list(model.ids)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))

    # Another query listing the same references: its first page is what the list
    # starts with, so the list stays (no reset, no flicker), and so it does after.
    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.set_query(ReferenceQuery(any_tag=True))
    assert list(model.ids) == everything
    assert not model.is_partial()
    assert model.is_loading()
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert list(model.ids) == everything
    assert resets == []

    # A query with the same head but fewer rows: the old list stays until the new one
    # is complete, then one reset.
    library.hold.clear()
    with qtbot.waitSignal(model.sig_first_page_loaded):
        model.set_query(ReferenceQuery(ids=tuple(everything[:50])))
    assert model.rowCount() == 79
    assert resets == []
    with qtbot.waitSignal(model.sig_ids_loaded):
        library.hold.set()
    assert list(model.ids) == everything[:50]
    assert resets == [50]


def test_changes_requery_only_when_they_can_move_rows(qtbot: QtBot, seeded: Library) -> None:
    model = loaded_model(qtbot, seeded, ReferenceQuery())
    tags, notes = frozenset({TAGS}), frozenset({NOTES})
    assert model.can_move_rows(None)  # unknown: anything
    assert not model.can_move_rows(tags)
    assert not model.can_move_rows(notes)
    assert not model.can_move_rows(frozenset({"year", "title"}))  # sorted by date added
    assert not model.is_loading()
    model.invalidate([model.id_at(0)], tags)
    assert not model.is_loading()  # no re-query
    model.invalidate([model.id_at(0)], None)
    assert model.is_loading()
    qtbot.waitUntil(lambda: not model.is_loading())

    model.sort(Column.YEAR)
    qtbot.waitUntil(lambda: not model.is_loading())
    assert model.can_move_rows(frozenset({"year"}))  # reorders
    assert not model.can_move_rows(frozenset({"venue"}))
    model.set_query(dataclasses.replace(model.query, untagged=True))
    assert model.can_move_rows(tags)
    assert not model.can_move_rows(notes)
    model.set_query(dataclasses.replace(model.query, untagged=False, tags=("x",)))
    assert model.can_move_rows(tags)
    assert not model.can_move_rows(notes)
    model.set_query(ReferenceQuery(text="zebra"))  # the search looks at everything
    assert model.can_move_rows(tags)
    assert model.can_move_rows(notes)
    assert model.can_move_rows(frozenset({"comments"}))


def test_row_cache_drops_rows_read_before_a_change(seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())[:3]
    cache = RowCache(seeded, max_size=5)
    epoch = cache.epoch
    read_elsewhere = seeded.rows(ids[:1])
    cache.forget(ids[2:])  # a change came meanwhile: what was read may predate it
    cache.add(read_elsewhere, epoch)
    assert ids[0] not in cache
    cache.add(read_elsewhere, cache.epoch)
    assert cache.get(ids[0]) == read_elsewhere[0]
    assert [r.id for r in cache.rows(ids)] == ids
    assert len(cache) == 3
    everything = seeded.query_ids(ReferenceQuery())
    assert [r.id for r in cache.rows(everything[:5])] == everything[:5]
    assert len(cache) == 5
    assert [r.id for r in cache.rows(everything[:9])] == everything[:9]  # more than it holds
