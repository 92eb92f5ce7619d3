"""The reference list's view: a table whose selection survives re-queries."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from refman.gui.highlight_delegate import HighlightDelegate
from refman.gui.reference_table_model import HEADERS, SORT_KEYS, Column, ReferenceTableModel
from refman.gui.tag_chip_delegate import TagChipDelegate

DEFAULT_WIDTHS: dict[Column, int] = {
    Column.TITLE: 330,
    Column.AUTHORS: 110,
    Column.YEAR: 48,
    Column.VENUE: 100,
    Column.ADDED: 84,
    Column.STATUS: 64,
    Column.TAGS: 140,
}
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class ReferenceView(QTableView):
    """Rows select whole references; sorting asks the model to re-query in SQL; the
    header's context menu shows and hides columns; rows drag onto tags.

    Signals:
        sig_selection_changed(list[int]): the selected reference ids, in list order.
        sig_number_pressed(int): a key 1-9 was pressed (toggle a coloured tag).
        sig_delete_pressed(): Delete or Backspace was pressed.
        sig_files_dropped(list[Path], int): files were dropped onto the row of this
            reference (0: onto empty space).
    """

    sig_selection_changed = Signal(list)
    sig_number_pressed = Signal(int)
    sig_delete_pressed = Signal()
    sig_files_dropped = Signal(list, int)

    def __init__(self, model: ReferenceTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setModel(model)
        # The header would ask "is this whole column selected?" on every paint, which
        # walks every row of a 100,000-row selection; it shows no selection anyway.
        self._header_selection = QItemSelectionModel(model, self)
        self.horizontalHeader().setSelectionModel(self._header_selection)
        self.setItemDelegateForColumn(Column.TAGS, TagChipDelegate(self))
        self.highlighter = HighlightDelegate(self)
        for column in (Column.TITLE, Column.AUTHORS, Column.VENUE):
            self.setItemDelegateForColumn(column, self.highlighter)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDragEnabled(True)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("References")
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        self.reset_columns()
        header.setSortIndicator(Column.ADDED, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        self._sorted_by = (int(Column.ADDED), Qt.SortOrder.AscendingOrder)

        self._kept_ids: list[int] = []
        self._kept_current: int | None = None
        self._restore_pending = False
        model.modelAboutToBeReset.connect(self._keep_selection)
        model.modelReset.connect(self._restore_selection)
        model.sig_ids_loaded.connect(self._finish_restoring)
        self.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self._drop_row = -1

    # --- columns ------------------------------------------------------------------------
    def reset_columns(self) -> None:
        """Default order, widths and visibility."""
        header = self.horizontalHeader()
        for column in Column:
            visual = header.visualIndex(column)
            if visual != column:
                header.moveSection(visual, column)
            header.setSectionHidden(column, False)
            header.resizeSection(column, DEFAULT_WIDTHS[column])

    def _show_header_menu(self, pos: QPoint) -> None:
        self.header_menu().exec(self.horizontalHeader().mapToGlobal(pos))

    def header_menu(self) -> QMenu:
        """Checkable column entries (the title always stays) and a reset."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        for column in Column:
            action = QAction(HEADERS[column], menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(column != Column.TITLE)
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, visible=on))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Reset Columns", self.reset_columns)
        return menu

    def set_column_visible(self, column: Column, *, visible: bool) -> None:
        """Show or hide a column (never the title)."""
        if column != Column.TITLE:
            self.horizontalHeader().setSectionHidden(column, not visible)

    def _on_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        if Column(section) not in SORT_KEYS:  # tags: not sortable, put the arrow back
            header = self.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*self._sorted_by)
            header.blockSignals(False)
            return
        self._sorted_by = (section, order)

    def apply_sort_indicator(self) -> None:
        """Sort the model as the header shows (after its state was restored)."""
        header = self.horizontalHeader()
        section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if not 0 <= section < len(Column) or Column(section) not in SORT_KEYS:
            section, order = int(Column.ADDED), Qt.SortOrder.AscendingOrder
            header.setSortIndicator(section, order)
        self._sorted_by = (section, order)
        self._model.sort(section, order)

    # --- selection ----------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """Selected reference ids in list order (by ranges: fast for huge selections)."""
        rows: set[int] = set()
        selection = self.selectionModel().selection()
        for selection_range in (selection.at(i) for i in range(selection.size())):
            rows.update(range(selection_range.top(), selection_range.bottom() + 1))
        ids = self._model.ids
        return [ids[r] for r in sorted(rows) if r < len(ids)]

    def select_ids(self, ids: list[int], current: int | None = None) -> None:
        """Select the rows showing ``ids`` (those still listed)."""
        rows = sorted(r for r in (self._model.row_of(i) for i in ids) if r is not None)
        ranges: list[list[int]] = []
        for row in rows:
            if ranges and row == ranges[-1][1] + 1:
                ranges[-1][1] = row
            else:
                ranges.append([row, row])
        selection = QItemSelection()
        last_column = self._model.columnCount() - 1
        for top, bottom in ranges:
            selection.select(self._model.index(top, 0), self._model.index(bottom, last_column))
        model = self.selectionModel()
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        current_row = self._model.row_of(current) if current is not None else None
        if current_row is None and rows:
            current_row = rows[0]
        if current_row is not None:
            model.setCurrentIndex(
                self._model.index(current_row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.scrollTo(self._model.index(current_row, 0))

    def select_row(self, row: int) -> None:
        """Select one row (clamped to the list), e.g. the next one after a deletion."""
        count = self._model.rowCount()
        if count:
            self.select_ids([self._model.id_at(max(0, min(row, count - 1)))])

    def _keep_selection(self) -> None:
        if self._restore_pending:
            return  # still restoring what was selected before the list's first page
        self._kept_ids = self.selected_ids()
        current = self.currentIndex()
        self._kept_current = self._model.id_at(current.row()) if current.isValid() else None

    def _restore_selection(self) -> None:
        """After a reset: select the kept references again. When the list is only its
        first page and lacks some of them, the rest of the list may hold them: the
        selection is announced once the whole list is in place (unless the user
        selects something else meanwhile)."""
        # Lay the rows out now rather than on the reset's delayed layout, which would
        # repaint the whole list a second time right after the first paint.
        self.doItemsLayout()
        self._reselect()
        model = self._model
        found = len(self.selected_ids()) == len(set(self._kept_ids)) and (
            self._kept_current is None or model.row_of(self._kept_current) is not None
        )
        self._restore_pending = model.is_partial() and not found
        if not self._kept_ids and model.is_partial():
            self.scrollToTop()  # a new list: its first rows
        if not self._restore_pending:
            self._emit_selection()

    def _finish_restoring(self) -> None:
        if self._restore_pending:
            self._restore_pending = False
            self._reselect()
            self.viewport().update()  # the selection changed without signals
            self._emit_selection()

    def _reselect(self) -> None:
        self.selectionModel().blockSignals(True)
        try:
            self.select_ids(self._kept_ids, self._kept_current)
        finally:
            self.selectionModel().blockSignals(False)

    def _on_selection_changed(self) -> None:
        self._restore_pending = False  # the user chose: nothing left to restore
        self._emit_selection()

    def _emit_selection(self) -> None:
        self.sig_selection_changed.emit(self.selected_ids())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Resize; a new query's first page is then a screenful of this height."""
        super().resizeEvent(event)
        row_height = max(1, self.verticalHeader().defaultSectionSize())
        self._model.fit_first_page(-(-self.viewport().height() // row_height))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint; then tell the model, whose whole list may wait for its first page's
        paint."""
        super().paintEvent(event)
        self._paint_drop_row()
        if self._model.is_partial():
            self._model.first_page_painted()

    # --- dropped files ------------------------------------------------------------------
    def _dropped_files(self, event: QDropEvent) -> list[Path]:
        urls = event.mimeData().urls()
        if not urls or not all(url.isLocalFile() for url in urls):
            return []
        return [Path(url.toLocalFile()) for url in urls]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Files may be dropped (onto a row: attached; elsewhere: added or imported)."""
        if self._dropped_files(event):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Mark the row that dropped files would be attached to."""
        if not self._dropped_files(event):
            super().dragMoveEvent(event)
            return
        event.acceptProposedAction()
        row = self.rowAt(event.position().toPoint().y())
        if row != self._drop_row:
            self._drop_row = row
            self.viewport().update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """Forget the marked row."""
        self._drop_row = -1
        self.viewport().update()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Announce dropped files with the reference they were dropped on (0: none)."""
        paths = self._dropped_files(event)
        if not paths:
            super().dropEvent(event)
            return
        row = self.rowAt(event.position().toPoint().y())
        self._drop_row = -1
        self.viewport().update()
        event.acceptProposedAction()
        ref_id = self._model.id_at(row) if 0 <= row < self._model.rowCount() else 0
        self.sig_files_dropped.emit(paths, ref_id)

    def _paint_drop_row(self) -> None:
        if self._drop_row < 0:
            return
        rect = self.visualRect(self._model.index(self._drop_row, 0))
        rect.setLeft(0)
        rect.setRight(self.viewport().width() - 1)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().highlight().color(), 2))
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()

    # --- keys ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1-9 toggle coloured tags, Delete trashes; the rest is table navigation."""
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and event.key() in _DIGITS:
            self.sig_number_pressed.emit(_DIGITS[Qt.Key(event.key())])
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Delete) or (
            plain and event.key() == Qt.Key.Key_Backspace
        ):
            self.sig_delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)
