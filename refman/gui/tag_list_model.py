"""The tag pane's model: All references, Untagged, Trash, the collections (folders, nested,
and saved searches), then every tag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from refman.domain import Collection, Tag
from refman.gui.plain_text import literal
from refman.gui.reference_table_model import REFERENCE_IDS_MIME, decode_ids

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
"""The entry's :class:`EntryKind`."""
NAME_ROLE = Qt.ItemDataRole.UserRole + 2
"""The tag's name (the entry's label for the special entries)."""
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3
"""How many references the entry holds (None when not counted)."""
COLOUR_ROLE = Qt.ItemDataRole.UserRole + 4
"""The tag's colour ``#rrggbb`` or None."""
SHORTCUT_ROLE = Qt.ItemDataRole.UserRole + 5
"""1 to 9 for the first nine coloured tags (their toggle key), else None."""

_Index = QModelIndex | QPersistentModelIndex


class EntryKind(Enum):
    """What a row of the tag pane stands for."""

    ALL = "all"
    UNTAGGED = "untagged"
    TRASH = "trash"
    COLLECTION = "collection"
    SEARCH = "search"
    TAG = "tag"


EXCLUSIVE_KINDS = frozenset(
    {EntryKind.ALL, EntryKind.UNTAGGED, EntryKind.TRASH, EntryKind.COLLECTION, EntryKind.SEARCH}
)
"""Entries that stand alone when selected (only tags combine)."""


@dataclass(frozen=True, slots=True)
class TagEntry:
    """One row of the tag pane."""

    kind: EntryKind
    name: str
    count: int | None = None
    colour: str | None = None
    shortcut: int | None = None
    collection_id: int | None = None
    depth: int = 0
    query: str | None = None


_SPECIAL_LABELS = {
    EntryKind.ALL: "All references",
    EntryKind.UNTAGGED: "Untagged",
    EntryKind.TRASH: "Trash",
}
_SPECIAL_ICONS = {
    EntryKind.ALL: QStyle.StandardPixmap.SP_DirHomeIcon,
    EntryKind.UNTAGGED: QStyle.StandardPixmap.SP_FileIcon,
    EntryKind.TRASH: QStyle.StandardPixmap.SP_TrashIcon,
    EntryKind.COLLECTION: QStyle.StandardPixmap.SP_DirIcon,
    EntryKind.SEARCH: QStyle.StandardPixmap.SP_FileDialogContentsView,
}


def coloured_shortcuts(tags: Sequence[Tag]) -> dict[str, int]:
    """Toggle keys 1-9 for the first nine coloured tags, in the pane's order."""
    coloured = [t.name for t in tags if t.colour]
    return {name: number for number, name in enumerate(coloured[:9], start=1)}


class TagListModel(QAbstractListModel):
    """The entries of the tag pane. It does no I/O: the pane hands it tags and counts.

    Signals:
        sig_references_dropped(str, list[int]): reference rows were dropped on a tag.
        sig_references_collected(int, list[int]): ... on a folder (its collection id).
    """

    sig_references_dropped = Signal(str, list)
    sig_references_collected = Signal(int, list)

    SPECIAL_ROWS = 3

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[TagEntry] = [
            TagEntry(kind, label) for kind, label in _SPECIAL_LABELS.items()
        ]
        self._icons: dict[EntryKind, QIcon] = {}

    def set_tags(
        self,
        tags: Sequence[Tag],
        *,
        total: int,
        trashed: int,
        collections: Sequence[Collection] = (),
    ) -> None:
        """Replace the entries; a reset only when the names changed."""
        keys = coloured_shortcuts(tags)
        entries = [
            TagEntry(EntryKind.ALL, _SPECIAL_LABELS[EntryKind.ALL], total),
            TagEntry(EntryKind.UNTAGGED, _SPECIAL_LABELS[EntryKind.UNTAGGED]),
            TagEntry(EntryKind.TRASH, _SPECIAL_LABELS[EntryKind.TRASH], trashed),
            *_collection_entries(collections),
            *(TagEntry(EntryKind.TAG, t.name, t.count, t.colour, keys.get(t.name)) for t in tags),
        ]
        if [(e.kind, e.name) for e in entries] == [(e.kind, e.name) for e in self._entries]:
            self._entries = entries
            self.dataChanged.emit(self.index(0), self.index(len(entries) - 1))
        else:
            self.beginResetModel()
            self._entries = entries
            self.endResetModel()

    def entry(self, row: int) -> TagEntry:
        """The entry at ``row``."""
        return self._entries[row]

    def tags(self) -> list[TagEntry]:
        """The tag entries (without the special ones and the collections)."""
        return [e for e in self._entries if e.kind == EntryKind.TAG]

    def row_of(self, kind: EntryKind, name: str = "") -> int | None:
        """The row of a special entry, of tag ``name`` (ignoring case), or of a collection
        (``name`` its id as text)."""
        for row, entry in enumerate(self._entries):
            if entry.kind != kind:
                continue
            if kind == EntryKind.TAG and entry.name.casefold() != name.casefold():
                continue
            if (
                kind in (EntryKind.COLLECTION, EntryKind.SEARCH)
                and str(entry.collection_id) != name
            ):
                continue
            return row
        return None

    def is_exclusive(self, row: int) -> bool:
        """Whether the entry at ``row`` stands alone when selected."""
        return self._entries[row].kind in EXCLUSIVE_KINDS

    # --- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Three special entries plus one per tag."""
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Label, count, colour swatch and kind of an entry."""
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "    " * entry.depth + entry.name
        if role in (Qt.ItemDataRole.EditRole, NAME_ROLE):
            return entry.name
        if role == Qt.ItemDataRole.DecorationRole:
            if entry.kind == EntryKind.TAG:
                return QColor(entry.colour) if entry.colour else QColor(Qt.GlobalColor.transparent)
            return self._icon(entry.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal(_tooltip(entry))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return entry.name if entry.count is None else f"{entry.name}, {entry.count}"
        custom = {
            KIND_ROLE: entry.kind,
            COUNT_ROLE: entry.count,
            COLOUR_ROLE: entry.colour,
            SHORTCUT_ROLE: entry.shortcut,
        }
        return custom.get(role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Every entry is selectable; tags accept dropped references."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
        if self._entries[index.row()].kind in (EntryKind.TAG, EntryKind.COLLECTION):
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        """Reference ids dragged from the list."""
        return [REFERENCE_IDS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        """Dropping tags (copies); it never moves anything."""
        return Qt.DropAction.CopyAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        """Only reference ids, only onto a tag or a folder."""
        del action, row, column
        return (
            parent.isValid()
            and self._entries[parent.row()].kind in (EntryKind.TAG, EntryKind.COLLECTION)
            and bool(decode_ids(data))
        )

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        """Announce that references were dropped onto a tag (the window tags them) or a
        folder (the window puts them in)."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        entry = self._entries[parent.row()]
        if entry.kind == EntryKind.COLLECTION:
            self.sig_references_collected.emit(entry.collection_id, decode_ids(data))
        else:
            self.sig_references_dropped.emit(entry.name, decode_ids(data))
        return True

    def _icon(self, kind: EntryKind) -> QIcon:
        if kind not in self._icons:
            self._icons[kind] = QApplication.style().standardIcon(_SPECIAL_ICONS[kind])
        return self._icons[kind]


def _collection_entries(collections: Sequence[Collection]) -> list[TagEntry]:
    """Folders and saved searches depth-first, each level by name."""
    children: dict[int | None, list[Collection]] = {}
    for c in collections:
        children.setdefault(c.parent_id, []).append(c)
    entries: list[TagEntry] = []

    def visit(parent: int | None, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: c.name.casefold()):
            kind = EntryKind.SEARCH if c.query is not None else EntryKind.COLLECTION
            entries.append(
                TagEntry(kind, c.name, c.count, collection_id=c.id, depth=depth, query=c.query)
            )
            if depth < 16:  # nesting is a tree; the bound guards against a cycle
                visit(c.id, depth + 1)

    visit(None, 0)
    return entries


def _tooltip(entry: TagEntry) -> str:
    match entry.kind:
        case EntryKind.COLLECTION:
            return f"Folder “{entry.name}”: {entry.count} references; drop references here"
        case EntryKind.SEARCH:
            return f"Saved search: {entry.query}"
        case EntryKind.ALL:
            return f"Every reference outside the Trash ({entry.count})"
        case EntryKind.UNTAGGED:
            return "References without any tag"
        case EntryKind.TRASH:
            return f"Deleted references ({entry.count}); right-click to restore or empty"
    text = f"{entry.name}: {entry.count} references"
    if entry.shortcut is not None:
        text += f"\nPress {entry.shortcut} in the list to toggle it on the selection"
    return text
