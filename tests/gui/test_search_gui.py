"""The quick-search field speaks the query language; a malformed query shows its error
beside the field and the list keeps its last good result."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.gui.main_window import MainWindow
from refman.services.library import Library
from tests.gui.conftest import wait_loaded
from tests.gui.test_main_window import search

Opener = Callable[[Library], MainWindow]


def test_query_language_in_the_search_field(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    search(qtbot, window, 'author:feng year:2019..2020 -"few shot"')
    expected = seeded.query_ids(ReferenceQuery(text='author:feng year:2019..2020 -"few shot"'))
    assert len(expected) == 18  # 22 works of 2019-2020, four of them on few-shot tasks
    assert list(window.model.ids) == expected
    assert window.search.error is None
    assert window.search.error_label.text() == ""


def test_malformed_query_shows_its_error_and_keeps_the_list(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    search(qtbot, window, "author:feng year:2019")
    good = list(window.model.ids)
    assert len(good) == 2

    search(qtbot, window, "author:feng year:20x1")
    assert list(window.model.ids) == good
    assert window.model.query.text == "author:feng year:2019"
    error = window.search.error
    assert error is not None
    assert error.position == 17
    label = window.search.error_label
    assert label.isVisible()
    assert label.text().startswith("year: '20x1' is not a year")
    assert label.toolTip().endswith("(column 18)")
    assert "(column 18)" in window.search.toolTip()
    assert "border" in window.search.styleSheet()

    search(qtbot, window, '"self distillation')  # an unclosed quote while typing
    assert list(window.model.ids) == good
    assert window.search.error is not None
    assert "unbalanced quote" in label.toolTip()

    qtbot.keyClick(window.search, Qt.Key.Key_QuoteDbl)  # closing it searches
    qtbot.waitUntil(lambda: not window.search.is_pending())
    wait_loaded(qtbot, window)
    assert list(window.model.ids) == seeded.query_ids(ReferenceQuery(text='"self distillation"'))
    assert len(window.model.ids) == 2
    assert window.search.error is None
    assert label.text() == ""
    assert window.search.styleSheet() == ""


def test_a_malformed_remembered_search_lists_everything(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    search(qtbot, window, "has:nothing")
    window.close()
    again = open_window(seeded)
    assert again.search.text() == "has:nothing"
    assert again.search.error is not None
    assert again.model.rowCount() == 79
