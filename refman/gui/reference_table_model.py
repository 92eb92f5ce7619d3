"""The reference list's model: ordered ids of the current query, rows fetched in pages."""

from __future__ import annotations

import dataclasses
import inspect
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
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
from refman.gui.library_bridge import TAGS, RowCache
from refman.gui.task_runner import Task, TaskControl, TaskRunner
from refman.services.errors import USER_ERRORS
from refman.services.library import Library
from refman.services.watching import ConnectionLostError

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
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_DATA_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FONT, _ALIGNMENT, int(ID_ROLE), int(TAGS_ROLE)})
"""The roles ``data`` answers (the others are None)."""
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class Column(IntEnum):
    """The list's columns, in their default order."""

    TITLE = 0
    AUTHORS = 1
    YEAR = 2
    VENUE = 3
    ADDED = 4
    STATUS = 5
    TAGS = 6


_TITLE = int(Column.TITLE)
_RIGHT_ALIGNED = frozenset({int(Column.YEAR), int(Column.ADDED)})

HEADERS: dict[Column, str] = {
    Column.TITLE: "Title",
    Column.AUTHORS: "Authors",
    Column.YEAR: "Year",
    Column.VENUE: "Venue",
    Column.ADDED: "Added",
    Column.STATUS: "Status",
    Column.TAGS: "Tags",
}
STATUS_LABELS = {"unread": "Unread", "reading": "Reading", "read": "Read"}
"""How each reading status is shown."""
SORT_KEYS: dict[Column, SortKey] = {
    Column.TITLE: SortKey.TITLE,
    Column.AUTHORS: SortKey.AUTHORS,
    Column.YEAR: SortKey.YEAR,
    Column.VENUE: SortKey.VENUE,
    Column.ADDED: SortKey.ADDED,
    Column.STATUS: SortKey.STATUS,
}
"""Sortable columns; the tags column is not."""
SORT_FIELDS: dict[SortKey, frozenset[str]] = {
    SortKey.TITLE: frozenset({"title"}),
    SortKey.AUTHORS: frozenset({"authors", "title"}),
    SortKey.YEAR: frozenset({"year"}),
    SortKey.VENUE: frozenset({"venue"}),
    SortKey.ADDED: frozenset({"added"}),
    SortKey.STATUS: frozenset({"reading_status"}),
}
"""The fields each sort order reads (a change of another field cannot reorder the list)."""

LimitedQuery = Callable[[ReferenceQuery, int], list[int]]
Answer = tuple[list[int], list[ListRow]]
"""What a query job hands over: ids, and the rows of the first of them (perhaps none)."""


def limited_query(library: Library) -> LimitedQuery | None:
    """``library.query_ids(query, limit=n)``, or None while the library's ``query_ids``
    takes no ``limit`` (the first page is then not fetched on its own)."""
    query_ids: Callable[..., list[int]] = library.query_ids
    if "limit" not in inspect.signature(query_ids).parameters:
        return None
    return lambda query, limit: query_ids(query, limit=limit)


DRAG_CITATIONS_MAX = 20
"""Dragging more rows than this carries their ids only: Qt asks for the drag's data on
the UI thread, and a citation costs a few milliseconds to format."""


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
    are cached by id (in ``rows``, which the window shares with the detail pane), so a
    cell never costs a query of its own.

    A new query (sort order, tag filter, cleared search; see
    :meth:`fetches_first_page`) first fetches its first ``first_page`` ids, enough for
    the screen, with their rows, and shows them (``is_partial()``); the whole list then
    replaces them, by appending rows when it starts with them. A change of references
    re-queries only when it can move rows in, out or around (:meth:`can_move_rows`);
    otherwise only the changed rows are fetched again.

    Signals:
        sig_first_page_loaded(): the current query's first rows are in place (the rest
            may still be on its way); also emitted, just before ``sig_ids_loaded``, when
            the whole list came at once.
        sig_ids_loaded(): a query's ids arrived and the rows are in place.
        sig_query_failed(str): the query could not run (e.g. its tag was deleted).
    """

    sig_first_page_loaded = Signal()
    citation_texts: Callable[[Sequence[int]], tuple[str, str]] | None = None
    """Set by the window: the citations (text, HTML) that dragged rows carry."""
    sig_ids_loaded = Signal()
    sig_query_failed = Signal(str)

    PAGE = 200
    FIRST_PAGE = 200
    """The first page's size until a view says how many rows it shows
    (:meth:`fit_first_page`)."""
    FIRST_PAGE_MIN = 40
    FIRST_PAGE_SPARE = 12
    """Rows fetched with the first page beyond the screenful (a scroll, a taller window)."""
    MAX_CACHED = 20_000
    PAINT_WAIT_S = 0.1
    """How long the whole list's query waits for the first page's paint at most."""

    def __init__(
        self,
        library: Library,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        rows: RowCache | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._limited_query = limited_query(library)
        self._runner = runner
        self._query = ReferenceQuery()
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None
        self._owns_rows = rows is None
        self._rows = RowCache(library, self.MAX_CACHED) if rows is None else rows
        self._generation = 0
        self._applied_generation = 0
        self._shown_generation = 0
        self._refresh_scheduled = False
        self._want_first_page = False
        self._partial = False
        self._task: weakref.ref[Task] | None = None  # no cycle through its callbacks
        self._painted: threading.Event | None = None
        self._pending_changed: set[int] = set()
        self._loaded_once = False
        self.first_page = self.FIRST_PAGE
        """How many ids (with their rows) a new query fetches first (see the class doc)."""
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
        """Whether a query is on its way (or the rest of its list)."""
        return self._generation != self._applied_generation

    def is_first_page_pending(self) -> bool:
        """Whether the current query's first rows are not shown yet."""
        return self._generation != self._shown_generation

    def is_partial(self) -> bool:
        """Whether the rows are only the first page of the current query's list (the
        whole list is on its way)."""
        return self._partial

    def set_query(self, query: ReferenceQuery) -> None:
        """Show ``query``'s references (the ids arrive asynchronously: a new query's
        first page first, when the library can fetch it on its own)."""
        if query != self._query or not self._loaded_once:
            self._want_first_page = True
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Re-run the current query (after a change that may alter membership). Calls in
        one turn of the event loop share one query."""
        self._generation += 1
        if not self._refresh_scheduled:
            self._refresh_scheduled = True
            QTimer.singleShot(0, self, self._start_query)

    def fetches_first_page(self, query: ReferenceQuery) -> bool:
        """Whether a new ``query``'s first page is fetched (and shown) before its whole
        list: when the library can limit a query. An index serves a plain list's first
        page in a millisecond or two; a search's, through the search index's prefix
        indexes, in 10-40 ms on 100,000 references, against 60-120 ms for its whole list."""
        del query  # every query qualifies since the search index has prefix indexes
        return self._limited_query is not None

    def _start_query(self) -> None:
        """Run the current query on the task runner. When :meth:`fetches_first_page`,
        the job hands over the first page, with its rows (so its paint asks the
        database for nothing), before querying the whole list, whose SQL then runs
        while the first page is painted."""
        self._refresh_scheduled = False
        if self._runner.closed:  # the window is closing
            return
        generation, query, library = self._generation, self._query, self._library
        first_page, self._want_first_page = self._want_first_page, False
        limited = self._limited_query if first_page and self.fetches_first_page(query) else None
        page, epoch, wait = self.first_page, self._rows.epoch, self.PAINT_WAIT_S
        painted = threading.Event()

        def job(control: TaskControl) -> Answer | None:
            if control.is_cancelled():  # a newer query replaced this one: skip it
                return None
            if limited is not None:
                head = limited(query, page)
                head_rows = library.rows(head)
                if len(head) < page:
                    return head, head_rows  # that is all of it
                control.partial((head, head_rows))
                # Python threads share one lock: reading 100,000 ids while the first
                # page is painted would slow both down several times over.
                painted.wait(wait)
                if control.is_cancelled():
                    return None
            return library.query_ids(query), []

        previous = self._task() if self._task is not None else None
        if previous is not None:
            previous.cancel()  # not started yet: skipped; running: its result is dropped
        if self._painted is not None:
            self._painted.set()  # a job waiting for a paint: let it end
        self._painted = painted
        task = self._runner.create(job)
        self._task = weakref.ref(task)
        task.sig_partial.connect(lambda answer: self._apply_first_page(generation, answer, epoch))
        task.sig_succeeded.connect(lambda answer: self._apply_answer(generation, answer, epoch))
        task.sig_failed.connect(lambda exc: self._query_failed(generation, exc))
        self._runner.start(task)

    def fit_first_page(self, visible_rows: int) -> None:
        """Size the first page to a view showing ``visible_rows`` rows: a one-letter search
        fetches and lays out a screenful (and a few more), not ``FIRST_PAGE`` rows."""
        self.first_page = max(self.FIRST_PAGE_MIN, visible_rows + self.FIRST_PAGE_SPARE)

    def _query_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        self._applied_generation = self._shown_generation = generation
        lost = self._rows.on_connection_lost
        if isinstance(exc, ConnectionLostError) and lost is not None:
            lost(exc)  # the list stays as it was; it is queried again once reconnected
            return
        if isinstance(exc, USER_ERRORS):
            self.sig_query_failed.emit(str(exc))
            return
        raise exc

    def _apply_first_page(self, generation: int, answer: Answer, epoch: int) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        head, rows = answer
        self._rows.add(rows, epoch)
        self._shown_generation = generation
        if self._ids[: len(head)] != head:
            self.beginResetModel()
            self._ids = head
            self._row_of = None
            self._partial = True
            self.endResetModel()
        else:
            # The list already starts with these rows: it stays until the whole list
            # arrives (no reset, no flicker, nothing to paint).
            self.first_page_painted()
        self.sig_first_page_loaded.emit()

    def first_page_painted(self) -> None:
        """A view painted the rows: the whole list's query, waiting for that (up to
        ``PAINT_WAIT_S``) so as not to slow the paint down, may go on."""
        if self._painted is not None:
            self._painted.set()

    def _apply_answer(self, generation: int, answer: Answer | None, epoch: int) -> None:
        if generation != self._generation or answer is None:
            return  # a newer query is on its way
        ids, rows = answer
        self._rows.add(rows, epoch)
        self._apply_ids(generation, ids)

    def _apply_ids(self, generation: int, ids: list[int]) -> None:
        first_page_shown = self._shown_generation == generation
        self._applied_generation = self._shown_generation = generation
        changed, self._pending_changed = self._pending_changed, set()
        current = self._ids
        if ids == current:
            self._partial = False
            self._emit_rows_changed(changed)
        elif self._partial and len(ids) > len(current) and ids[: len(current)] == current:
            # The first page is shown: the rest goes below it, so the scroll position,
            # the selection and the current row stay as they are.
            self.beginInsertRows(QModelIndex(), len(current), len(ids) - 1)
            self._ids = ids
            self._row_of = None
            self._partial = False
            self.endInsertRows()
            self._emit_rows_changed(changed)
        else:
            self.beginResetModel()
            self._ids = ids
            self._row_of = None
            self._partial = False
            self.endResetModel()
        self._loaded_once = True
        if not first_page_shown:
            self.sig_first_page_loaded.emit()
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
    def can_move_rows(self, touched: frozenset[str] | None) -> bool:
        """Whether changing ``touched`` (field names, ``TAGS``, ``NOTES``; None:
        anything) of some references can move rows in, out of or around the current
        query's list."""
        if touched is None:
            return True
        query = self._query
        if query.text or query.scope_text:  # the search looks at fields, tags and notes
            return True
        if TAGS in touched and (query.tags or query.untagged):
            return True
        return not touched.isdisjoint(SORT_FIELDS[query.sort])

    def invalidate(self, ref_ids: Iterable[int], touched: frozenset[str] | None = None) -> None:
        """Drop cached rows of changed references (unless the cache's owner did), repaint
        them, and re-query when their change can move rows in, out or around (see
        :meth:`can_move_rows`)."""
        ids = set(ref_ids)
        if self._owns_rows:
            self._rows.forget(ids)
        self._emit_rows_changed(ids)
        if self.can_move_rows(touched):
            self._pending_changed |= ids
            self.refresh()

    def invalidate_all(self) -> None:
        """Forget every cached row (unless the cache's owner did), repaint, and
        re-query."""
        if self._owns_rows:
            self._rows.clear()
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
        cached = self._rows.get(ref_id)
        if cached is None:
            start = row - row % self.PAGE
            self._rows.fetch(self._ids[start : start + self.PAGE])
            cached = self._rows.get(ref_id)
        return cached

    # --- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Rows: the query's ids (none under a valid parent: this is a table)."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """The fixed columns."""
        return 0 if parent.isValid() else len(Column)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell data; the row's page is fetched on first use. (Hot: a paint asks for
        seven roles of every visible cell, so roles without data return first.)"""
        if role not in _DATA_ROLES or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._ids):
            return None
        if role == ID_ROLE:
            return self._ids[row]
        column = index.column()
        if role == _ALIGNMENT:
            return _RIGHT if column in _RIGHT_ALIGNED else None
        list_row = self.list_row(row)
        if list_row is None:
            return None
        if role == _FONT:
            return self._italic if column == _TITLE and list_row.title_provisional else None
        if role == TAGS_ROLE:
            return list_row.tags
        return _display(list_row, Column(column), tooltip=role == _TOOLTIP)

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
            if role == Qt.ItemDataRole.ToolTipRole and Column(section) == Column.STATUS:
                return "Reading status: Reading, Read, or blank for unread (status:read)"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Rows can be selected and dragged (onto a tag)."""
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS  # hot: no enum arithmetic

    def mimeTypes(self) -> list[str]:
        """Drags carry reference ids."""
        return [REFERENCE_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged rows' reference ids, in row order, and (when ``citation_texts`` is
        set, for up to ``DRAG_CITATIONS_MAX`` rows) their citations as text and HTML, which
        another application receives when they are dropped there."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = [self._ids[r] for r in rows]
        mime = encode_ids(ids)
        if self.citation_texts is not None and 0 < len(ids) <= DRAG_CITATIONS_MAX:
            text, html = self.citation_texts(ids)
            mime.setText(text)
            mime.setHtml(html)
        return mime

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
        case Column.STATUS:
            if row.reading_status == "unread" and not tooltip:
                return ""  # most papers: a quiet column, read and reading stand out
            return STATUS_LABELS.get(row.reading_status, row.reading_status)
        case Column.TAGS:
            return ", ".join(name for name, _colour in row.tags)
    return None
