"""The GUI's one route to the library's writes: results become Qt signals.

The bridge also caches what several panes read after every change (the tags with their
counts, the library's size, the list's rows), so each is fetched once per change and
shared instead of once per pane."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from refman.domain import Collection, Tag
from refman.domain.query import ListRow
from refman.services.library import Changed, Library
from refman.services.watching import ConnectionLostError

TAGS = "tags"
"""In :attr:`ReferenceChange.touched`: the references' tags changed."""
NOTES = "notes"
"""In :attr:`ReferenceChange.touched`: the references' notes changed."""


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """What ``sig_references_changed`` announces.

    ``touched`` names what changed: field names (``"title"``, ``"year"``, ...),
    :data:`TAGS` or :data:`NOTES`; None when unknown (anything may have changed)."""

    ids: frozenset[int]
    touched: frozenset[str] | None = None


class RowCache:
    """The list's rows (:class:`ListRow`) by reference id, fetched from the library in
    batches and kept until a change forgets them. Shared by the reference list and the
    detail pane, so rows one of them fetched serve the other."""

    def __init__(self, library: Library, max_size: int = 20_000) -> None:
        self._library = library
        self._rows: dict[int, ListRow] = {}
        self.max_size = max_size
        self.epoch = 0
        """Counts the changes that dropped rows (see :meth:`add`)."""
        self.on_connection_lost: Callable[[ConnectionLostError], None] | None = None
        """Told when rows could not be fetched because a server library is unreachable
        (the rows are then missing: a list paints them empty until the next change)."""

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, ref_id: object) -> bool:
        return ref_id in self._rows

    def get(self, ref_id: int) -> ListRow | None:
        """The cached row of ``ref_id`` (None if it is not cached)."""
        return self._rows.get(ref_id)

    def fetch(self, ids: Iterable[int]) -> None:
        """Fetch the rows of those ``ids`` not cached yet (in one batch)."""
        ids = list(ids)
        wanted = [i for i in ids if i not in self._rows]
        if not wanted:
            return
        if len(self._rows) + len(wanted) > self.max_size:
            self._rows.clear()
            wanted = list(dict.fromkeys(ids))
        try:
            rows = self._library.rows(wanted)
        except ConnectionLostError as exc:
            if self.on_connection_lost is None:
                raise
            self.on_connection_lost(exc)
            return
        for row in rows:
            self._rows[row.id] = row

    def add(self, rows: Sequence[ListRow], epoch: int) -> None:
        """Cache rows read elsewhere (e.g. on a worker thread) when the cache was at
        ``epoch``; they are dropped if a change came since, as they may predate it."""
        if epoch != self.epoch or not rows:
            return
        if len(self._rows) + len(rows) > self.max_size:
            self._rows.clear()
        for row in rows:
            self._rows[row.id] = row

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        """The rows of ``ids`` in that order (those still in the library), fetching the
        missing ones."""
        if len(ids) > self.max_size:  # more than the cache holds: read them directly
            return self._library.rows(ids)
        self.fetch(ids)
        found = self._rows
        return [found[i] for i in ids if i in found]

    def forget(self, ids: Iterable[int]) -> None:
        """Drop the rows of changed references."""
        self.epoch += 1
        rows = self._rows
        for ref_id in ids:
            rows.pop(ref_id, None)

    def clear(self) -> None:
        """Drop every row."""
        self.epoch += 1
        self._rows.clear()


class LibraryBridge(QObject):
    """Holds the :class:`Library` and turns each ``Changed`` into signals, so models and
    panes refresh only what an operation touched.

    Signals:
        sig_references_changed(ReferenceChange): these references' fields, tags or notes
            changed (and membership of the current list may have changed).
        sig_tags_changed(): tag names, colours or counts changed.
        sig_everything_changed(): reload everything (an import, a tag rename, ...).
        sig_error_raised(str): an operation the user started failed with this message.
        sig_connection_lost(str): a server library could not be reached (the message
            says why); the window shows it and retries (see ``live_updates``).
    """

    sig_references_changed = Signal(object)
    sig_tags_changed = Signal()
    sig_everything_changed = Signal()
    sig_error_raised = Signal(str)
    sig_connection_lost = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.row_cache = RowCache(library)
        self.row_cache.on_connection_lost = self.connection_lost
        self._tags: tuple[Tag, ...] | None = None
        self._collections: tuple[Collection, ...] | None = None
        self._count: int | None = None
        self._count_trashed: int | None = None

    # --- cached reads -----------------------------------------------------------------
    def tags(self) -> tuple[Tag, ...]:
        """Every tag with its count (fetched once per change of the tags)."""
        if self._tags is None:
            self._tags = tuple(self.library.tags())
        return self._tags

    def collections(self) -> tuple[Collection, ...]:
        """Every folder and saved search (fetched once per change of them)."""
        if self._collections is None:
            self._collections = tuple(self.library.collections())
        return self._collections

    def count(self) -> int:
        """References outside the trash (fetched once per change that can alter it)."""
        if self._count is None:
            self._count = self.library.count()
        return self._count

    def count_trashed(self) -> int:
        """References in the trash (fetched once per change that can alter it)."""
        if self._count_trashed is None:
            self._count_trashed = self.library.count_trashed()
        return self._count_trashed

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        """What the list shows for ``ids``, in that order (cached, see :class:`RowCache`)."""
        return self.row_cache.rows(ids)

    def forget_cached(self) -> None:
        """Drop every cached read (the next ones go to the library)."""
        self._tags = self._collections = self._count = self._count_trashed = None
        self.row_cache.clear()

    # --- changes ----------------------------------------------------------------------
    def apply(self, changed: Changed, touched: Iterable[str] | None = None) -> Changed:
        """Announce what ``changed`` describes; returns it for chaining.

        ``touched`` says what the operation changed about its references (field names,
        :data:`TAGS`, :data:`NOTES`), so the list re-queries only when that can move
        rows in, out or around; None means anything."""
        if changed.everything:
            self.forget_cached()
        else:
            self.row_cache.forget(changed.reference_ids)
            if changed.tags:
                self._tags = None
            if changed.collections or changed.reference_ids:  # folder counts may move
                self._collections = None
        if changed.everything:
            self.sig_everything_changed.emit()
        elif changed.reference_ids:
            what = None if touched is None else frozenset(touched)
            self.sig_references_changed.emit(ReferenceChange(changed.reference_ids, what))
        if changed.tags or changed.collections or changed.everything:
            self.sig_tags_changed.emit()
        return changed

    def apply_remote(self, changed: Changed) -> Changed:
        """Announce a change another program made (see ``live_updates``): like
        :meth:`apply`, with the library's counts read again (references may have been
        added or deleted) and nothing known about what was touched."""
        self._count = self._count_trashed = None
        return self.apply(changed)

    def connection_lost(self, exc: BaseException) -> None:
        """An operation found the server library unreachable."""
        self.sig_connection_lost.emit(str(exc))

    def report_error(self, message: str) -> None:
        """Tell the window that something the user asked for failed."""
        self.sig_error_raised.emit(message)
