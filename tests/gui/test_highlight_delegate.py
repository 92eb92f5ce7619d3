"""Search words drawn on a highlight in the list's text cells, without rich text."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from refman.gui.highlight_delegate import (
    HIGHLIGHT,
    HighlightDelegate,
    right_to_left,
    segments,
    visible_spans,
)

WIDTH = 300


def table(qtbot: QtBot, titles: list[str], words: tuple[str, ...]) -> QTableView:
    model = QStandardItemModel(len(titles), 1)
    for row, title in enumerate(titles):
        model.setItem(row, 0, QStandardItem(title))
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(False)
    view.horizontalHeader().hide()
    view.setColumnWidth(0, WIDTH)
    delegate = HighlightDelegate(view)
    delegate.words = words
    view.setItemDelegateForColumn(0, delegate)
    view.resize(WIDTH + 40, 200)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def highlighted_columns(view: QTableView, row: int) -> list[int]:
    """The x positions of the row's title cell where the highlight colour shows."""
    image: QImage = view.viewport().grab().toImage()
    rect = view.visualRect(view.model().index(row, 0))
    wanted = QColor(HIGHLIGHT).rgb()
    y_range = range(rect.top() + 2, rect.bottom() - 1)
    return [x for x in range(rect.left(), rect.right()) if any(
        image.pixel(x, y) == wanted for y in y_range)]  # fmt: skip


def test_runs_cut_text_at_the_matches() -> None:
    text = "Self-Distillation of Graphs"
    assert segments(text, [(5, 17)]) == [
        ("Self-", False), ("Distillation", True), (" of Graphs", False)
    ]  # fmt: skip
    assert segments("abc", []) == [("abc", False)]
    assert visible_spans([(0, 4), (5, 17), (21, 27)], 10) == [(0, 4), (5, 10)]


def test_matched_words_are_highlighted_and_nothing_else(qtbot: QtBot) -> None:
    view = table(qtbot, ["Self-Distillation of Graphs", "Nothing to see", "Graphs"], ("distil",))
    marked = highlighted_columns(view, 0)
    assert marked  # "Distillation" sits on the highlight ...
    assert min(marked) > 20  # ... after "Self-", not from the cell's start
    assert max(marked) - min(marked) < WIDTH / 2  # and not under " of Graphs"
    assert highlighted_columns(view, 1) == []
    assert highlighted_columns(view, 2) == []


def test_selected_rows_keep_their_highlight(qtbot: QtBot) -> None:
    view = table(qtbot, ["Self-Distillation of Graphs"], ("self",))
    view.selectRow(0)
    assert highlighted_columns(view, 0)


def test_a_match_past_the_cells_edge_is_elided_not_drawn(qtbot: QtBot) -> None:
    long_title = "Words " * 40 + "distillation"
    view = table(qtbot, [long_title], ("distillation",))
    assert highlighted_columns(view, 0) == []
    view.setColumnWidth(0, 4000)  # now it fits
    view.resize(4040, 200)
    assert highlighted_columns(view, 0)


def test_no_words_paint_as_usual(qtbot: QtBot) -> None:
    view = table(qtbot, ["Self-Distillation of Graphs"], ())
    assert highlighted_columns(view, 0) == []


def test_right_to_left_text_is_painted_in_reading_order_without_highlights(
    qtbot: QtBot,
) -> None:
    hebrew = "למידה עמוקה distillation"  # (a match, in a right-to-left title)
    assert right_to_left(hebrew)
    assert not right_to_left("Self-Distillation of Graphs")
    assert not right_to_left("Fëng and Müller")
    view = table(qtbot, [hebrew], ("distillation",))
    assert highlighted_columns(view, 0) == []  # drawn by the style, as any cell
    image = view.viewport().grab().toImage()
    rect = view.visualRect(view.model().index(0, 0))
    background = image.pixel(rect.right() - 1, rect.center().y())
    inked = [x for x in range(rect.left(), rect.right())
             if image.pixel(x, rect.center().y()) != background]  # fmt: skip
    assert inked  # the text is there
