"""The reference list's model: ordered ids of the current query, rows fetched in pages."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from refman.domain.query import ListRow, ReferenceQuery, SortKey
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.services.errors import USER_ERRORS
from refman.services.library import Library

REFERENCE_IDS_MIME = "application/x-refman-reference-ids"
"""Drag payload: a JSON list of reference ids."""

ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The reference id of a row (any column)."""
TAGS_ROLE = Qt.ItemDataRole.UserRole + 2
"""``((name, colour or None), ...)`` of a row (any column)."""

_Index = QModelIndex | QPersistentModelIndex
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


class Column(IntEnum):
    """The list's columns, in their default order."""

    TITLE = 0
    AUTHORS = 1
    YEAR = 2
    VENUE = 3
    ADDED = 4
    TAGS = 5


HEADERS: dict[Column, str] = {
    Column.TITLE: "Title",
    Column.AUTHORS: "Authors",
    Column.YEAR: "Year",
    Column.VENUE: "Venue",
    Column.ADDED: "Added",
    Column.TAGS: "Tags",
}
SORT_KEYS: dict[Column, SortKey] = {
    Column.TITLE: SortKey.TITLE,
    Column.AUTHORS: SortKey.AUTHORS,
    Column.YEAR: SortKey.YEAR,
    Column.VENUE: SortKey.VENUE,
    Column.ADDED: SortKey.ADDED,
}
"""Sortable columns; the tags column is not."""


def encode_ids(ids: Iterable[int]) -> QMimeData:
    """Drag data carrying reference ids."""
    mime = QMimeData()
    mime.setData(REFERENCE_IDS_MIME, json.dumps(list(ids)).encode())
    return mime


def decode_ids(mime: QMimeData) -> list[int]:
    """Reference ids from drag data (empty if it carries none)."""
    if not mime.hasFormat(REFERENCE_IDS_MIME):
        return []
    try:
        ids = json.loads(bytes(mime.data(REFERENCE_IDS_MIME).data()).decode())
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


class ReferenceTableModel(QAbstractTableModel):
    """Rows are the ordered ids of ``query`` (filtered and sorted in SQL, on the task
    runner); the shown fields come from ``Library.rows`` in pages of ``PAGE`` ids and
    are cached by id, so a cell never costs a query of its own.

    Signals:
        sig_ids_loaded(): a query's ids arrived and the rows are in place.
        sig_query_failed(str): the query could not run (e.g. its tag was deleted).
    """

    sig_ids_loaded = Signal()
    sig_query_failed = Signal(str)

    PAGE = 200
    MAX_CACHED = 20_000

    def __init__(self, library: Library, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._runner = runner
        self._query = ReferenceQuery()
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None
        self._cache: dict[int, ListRow] = {}
        self._generation = 0
        self._applied_generation = 0
        self._refresh_scheduled = False
        self._pending_changed: set[int] = set()
        self._loaded_once = False
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- the query ------------------------------------------------------------------
    @property
    def query(self) -> ReferenceQuery:
        """The query whose ids the rows are (or are about to be)."""
        return self._query

    @property
    def loaded_once(self) -> bool:
        """Whether any query's ids have arrived yet."""
        return self._loaded_once

    def is_loading(self) -> bool:
        """Whether a query is on its way."""
        return self._generation != self._applied_generation

    def set_query(self, query: ReferenceQuery) -> None:
        """Show ``query``'s references (the ids arrive asynchronously)."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Re-run the current query (after a change that may alter membership). Calls in
        one turn of the event loop share one query."""
        self._generation += 1
        if not self._refresh_scheduled:
            self._refresh_scheduled = True
            QTimer.singleShot(0, self, self._start_query)

    def _start_query(self) -> None:
        self._refresh_scheduled = False
        if self._runner.closed:  # the window is closing
            return
        generation, query, library = self._generation, self._query, self._library

        def job(_control: TaskControl) -> list[int]:
            return library.query_ids(query)

        self._runner.run(
            job,
            succeeded=lambda ids: self._apply_ids(generation, ids),
            failed=lambda exc: self._query_failed(generation, exc),
        )

    def _query_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._applied_generation = generation
        if isinstance(exc, USER_ERRORS):
            self.sig_query_failed.emit(str(exc))
            return
        raise exc

    def _apply_ids(self, generation: int, ids: list[int]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        self._applied_generation = generation
        changed, self._pending_changed = self._pending_changed, set()
        if ids == self._ids:
            self._emit_rows_changed(changed)
        else:
            self.beginResetModel()
            self._ids = ids
            self._row_of = None
            self.endResetModel()
        self._loaded_once = True
        self.sig_ids_loaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-sort in SQL by a sortable column (others are ignored)."""
        key = SORT_KEYS.get(Column(column)) if 0 <= column < len(Column) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._query.sort, self._query.descending):
            self.set_query(dataclasses.replace(self._query, sort=key, descending=descending))

    # --- changes --------------------------------------------------------------------
    def invalidate(self, ref_ids: Iterable[int]) -> None:
        """Drop cached rows of changed references, repaint them, and re-query (their
        change may move them in or out of the list)."""
        ids = set(ref_ids)
        for ref_id in ids:
            self._cache.pop(ref_id, None)
        self._pending_changed |= ids
        self._emit_rows_changed(ids)
        self.refresh()

    def invalidate_all(self) -> None:
        """Forget every cached row, repaint, and re-query."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(Column) - 1))
        self.refresh()

    def _emit_rows_changed(self, ref_ids: Iterable[int]) -> None:
        rows = [r for r in (self.row_of(i) for i in ref_ids) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(Column) - 1))

    # --- lookups --------------------------------------------------------------------
    @property
    def ids(self) -> Sequence[int]:
        """The ordered ids (read-only view)."""
        return self._ids

    def id_at(self, row: int) -> int:
        """The reference id shown in ``row``."""
        return self._ids[row]

    def row_of(self, ref_id: int) -> int | None:
        """The row showing ``ref_id``, if it is in the list."""
        if self._row_of is None:
            self._row_of = {ref_id: row for row, ref_id in enumerate(self._ids)}
        return self._row_of.get(ref_id)

    def list_row(self, row: int) -> ListRow | None:
        """The fields shown in ``row`` (fetching its page when not cached)."""
        ref_id = self._ids[row]
        cached = self._cache.get(ref_id)
        if cached is None:
            self._fetch_page(row)
            cached = self._cache.get(ref_id)
        return cached

    def _fetch_page(self, row: int) -> None:
        start = row - row % self.PAGE
        wanted = [i for i in self._ids[start : start + self.PAGE] if i not in self._cache]
        if len(self._cache) + len(wanted) > self.MAX_CACHED:
            self._cache.clear()
        for list_row in self._library.rows(wanted):
            self._cache[list_row.id] = list_row

    # --- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Rows: the query's ids (none under a valid parent: this is a table)."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """The fixed columns."""
        return 0 if parent.isValid() else len(Column)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell data; the row's page is fetched on first use."""
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        list_row = self.list_row(index.row())
        if list_row is None:
            return None
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _display(list_row, column, tooltip=role == Qt.ItemDataRole.ToolTipRole)
        if role == TAGS_ROLE:
            return list_row.tags
        if role == Qt.ItemDataRole.FontRole and column == Column.TITLE:
            return self._italic if list_row.title_provisional else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.YEAR, Column.ADDED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[Column(section)]
            if role == Qt.ItemDataRole.ToolTipRole and Column(section) == Column.TITLE:
                return "Italic titles are provisional: derived from the abstract"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Rows can be selected and dragged (onto a tag)."""
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS  # hot: no enum arithmetic

    def mimeTypes(self) -> list[str]:
        """Drags carry reference ids."""
        return [REFERENCE_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged rows' reference ids, in row order."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return encode_ids(self._ids[r] for r in rows)

    def supportedDragActions(self) -> Qt.DropAction:
        """Dragging tags references; it never moves them."""
        return Qt.DropAction.CopyAction


def _display(row: ListRow, column: Column, *, tooltip: bool) -> str | None:
    match column:
        case Column.TITLE:
            if tooltip and row.title_provisional:
                return f"{row.title}\n(provisional title, derived from the abstract)"
            return row.title
        case Column.AUTHORS:
            return row.authors
        case Column.YEAR:
            return "" if row.year is None else str(row.year)
        case Column.VENUE:
            return row.venue
        case Column.ADDED:
            return row.added.astimezone().strftime("%Y-%m-%d")
        case Column.TAGS:
            return ", ".join(name for name, _colour in row.tags)
    return None
