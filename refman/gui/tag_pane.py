"""The left pane: All references, Untagged, Trash and the tags, as the list's filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QInputDialog,
    QListView,
    QMenu,
    QMessageBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from refman.domain.query import ReferenceQuery
from refman.gui.library_bridge import LibraryBridge
from refman.gui.plain_text import literal
from refman.gui.tag_colours import PRESETS, chip_colours
from refman.gui.tag_list_model import (
    COLOUR_ROLE,
    COUNT_ROLE,
    KIND_ROLE,
    SHORTCUT_ROLE,
    EntryKind,
    TagEntry,
    TagListModel,
)
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed


@dataclass(frozen=True, slots=True)
class TagFilter:
    """What the tag pane selects: a special entry, or tags (all of them, or any)."""

    tags: tuple[str, ...] = ()
    any_tag: bool = False
    untagged: bool = False
    trashed: bool = False
    collection: int | None = None
    scope_text: str = ""
    label: str = ""
    """The collection's name, for ``describe``."""

    def describe(self) -> str:
        """A few words for the status bar."""
        if self.label:
            return self.label
        if self.trashed:
            return "Trash"
        if self.untagged:
            return "Untagged"
        if self.tags:
            return (" or " if self.any_tag else " and ").join(self.tags)
        return "All references"


def query_with(query: ReferenceQuery, tag_filter: TagFilter) -> ReferenceQuery:
    """``query`` narrowed by ``tag_filter``."""
    return ReferenceQuery(
        text=query.text,
        tags=tag_filter.tags,
        any_tag=tag_filter.any_tag,
        untagged=tag_filter.untagged,
        trashed=tag_filter.trashed,
        collection=tag_filter.collection,
        scope_text=tag_filter.scope_text,
        sort=query.sort,
        descending=query.descending,
    )


_SWATCH = 14


def swatch(colour: str | None, shortcut: int | None) -> QPixmap:
    """A round colour swatch carrying the tag's toggle key (an outline when uncoloured)."""
    ratio = 2.0  # sharp on high-density screens too
    pixmap = QPixmap(int(_SWATCH * ratio), int(_SWATCH * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    circle = QRectF(1, 1, _SWATCH - 2, _SWATCH - 2)
    if colour is None:
        painter.setPen(QPen(QColor("#9a9a9a"), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(circle.adjusted(2, 2, -2, -2))
    else:
        background, foreground = chip_colours(colour, QPalette())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawEllipse(circle)
        if shortcut is not None:
            font = QFont()
            font.setPixelSize(10)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(foreground)
            painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, str(shortcut))
    painter.end()
    return pixmap


def _key(entry: TagEntry) -> str:
    """What finds an entry again after a reload (``TagListModel.row_of``'s ``name``)."""
    if entry.kind in (EntryKind.COLLECTION, EntryKind.SEARCH):
        return str(entry.collection_id)
    return entry.name


class _EntryDelegate(QStyledItemDelegate):
    """Round swatches for tags (with their toggle key) and counts right-aligned."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._swatches: dict[tuple[str | None, int | None], QIcon] = {}

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Tags get a swatch as their icon."""
        super().initStyleOption(option, index)
        if index.data(KIND_ROLE) != EntryKind.TAG:
            return
        key = (index.data(COLOUR_ROLE), index.data(SHORTCUT_ROLE))
        if key not in self._swatches:
            icon = QIcon()
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected):
                icon.addPixmap(swatch(*key), mode)  # no tinting when selected
            self._swatches[key] = icon
        option.icon = self._swatches[key]
        option.decorationSize = QSize(_SWATCH, _SWATCH)
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """A little airier than the default."""
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), option.fontMetrics.height()) + 8)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """The entry as usual (its text shortened for the count), then the count."""
        count = index.data(COUNT_ROLE)
        label = "" if count is None else f"{count:,}"
        rect: QRect = option.rect
        width = option.fontMetrics.horizontalAdvance(label) + 14 if label else 0
        opt = QStyleOptionViewItem(option)
        opt.rect = rect.adjusted(0, 0, -width, 0)
        super().paint(painter, opt, index)
        if not label:
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        colour = (
            palette.highlightedText().color() if selected else palette.placeholderText().color()
        )
        if selected:  # the shortened item left the count's strip unselected: fill it
            painter.fillRect(rect.adjusted(rect.width() - width, 0, 0, 0), palette.highlight())
        painter.setPen(colour)
        painter.drawText(
            rect.adjusted(rect.width() - width, 0, -6, 0),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            label,
        )
        painter.restore()


class TagPane(QWidget):
    """The tag list with its any/all toggle and context menus.

    Click filters the list by an entry; Ctrl-click selects several tags (references
    carrying all of them, or any with the toggle). Dropping list rows onto a tag tags
    them (the window does that on ``sig_references_dropped``).

    Signals:
        sig_filter_changed(TagFilter): the selection of entries changed.
        sig_references_dropped(str, list[int]): reference ids dropped on a tag.
        sig_restore_all_requested(): the Trash entry's "Restore all".
        sig_empty_trash_requested(): the Trash entry's "Empty Trash" (already confirmed).
        sig_tags_restructured(): a tag was renamed, merged or deleted (undo history that
            names it no longer applies).
    """

    sig_filter_changed = Signal(object)
    sig_references_dropped = Signal(str, list)
    sig_restore_all_requested = Signal()
    sig_empty_trash_requested = Signal()
    sig_tags_restructured = Signal()

    def __init__(self, bridge: LibraryBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.model = TagListModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(_EntryDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.setDropIndicatorShown(True)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(16, 16))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.view.setAccessibleName("Tags")
        self.any_toggle = QCheckBox("Match any selected tag", self)
        self.any_toggle.setToolTip(
            "With several tags selected (Ctrl-click), show references carrying any of "
            "them instead of all of them"
        )
        self.any_toggle.toggled.connect(lambda _on: self._emit_filter())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.any_toggle)
        self.model.sig_references_dropped.connect(self.sig_references_dropped)
        self.model.sig_references_collected.connect(self.collect_references)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        self._remembered: list[tuple[EntryKind, str]] = [(EntryKind.ALL, "")]
        self._adjusting = False
        self._last_filter: TagFilter | None = None
        bridge.sig_tags_changed.connect(self.reload)
        self.reload()
        self.select_all_references()

    # --- loading ----------------------------------------------------------------------
    def reload(self) -> None:
        """Show the library's tags and counts (read once per change, see the bridge)."""
        bridge = self._bridge
        self.model.set_tags(
            bridge.tags(),
            total=bridge.count(),
            trashed=bridge.count_trashed(),
            collections=bridge.collections(),
        )

    # --- the filter -------------------------------------------------------------------
    def tag_filter(self) -> TagFilter:
        """The filter the selected entries stand for."""
        entries = self._selected_entries()
        kinds = {e.kind for e in entries}
        if not entries or EntryKind.ALL in kinds:
            return TagFilter()
        if EntryKind.TRASH in kinds:
            return TagFilter(trashed=True)
        if EntryKind.UNTAGGED in kinds:
            return TagFilter(untagged=True)
        if EntryKind.COLLECTION in kinds:
            folder = next(e for e in entries if e.kind == EntryKind.COLLECTION)
            return TagFilter(collection=folder.collection_id, label=folder.name)
        if EntryKind.SEARCH in kinds:
            search = next(e for e in entries if e.kind == EntryKind.SEARCH)
            return TagFilter(scope_text=search.query or "", label=search.name)
        names = tuple(e.name for e in entries)
        return TagFilter(tags=names, any_tag=self.any_toggle.isChecked() and len(names) > 1)

    def select_all_references(self) -> None:
        """Select the "All references" entry."""
        self._select_rows([0])

    def select_trash(self) -> None:
        """Select the Trash entry."""
        self._select_rows([self.model.row_of(EntryKind.TRASH) or 2])

    def select_tags(self, names: list[str]) -> None:
        """Select these tags (the others and the special entries are deselected)."""
        rows = [self.model.row_of(EntryKind.TAG, n) for n in names]
        self._select_rows([r for r in rows if r is not None] or [0])

    def _select_rows(self, rows: list[int]) -> None:
        selection = QItemSelection()
        for row in rows:
            index = self.model.index(row)
            selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().select(selection, flags)
        self.view.selectionModel().setCurrentIndex(
            self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate
        )

    def _selected_entries(self) -> list[TagEntry]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.entry(r) for r in rows]

    def _on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._adjusting:
            return
        # A special entry stands alone: choosing it drops the others, and choosing a tag
        # drops a selected special entry.
        new_rows = {i.row() for i in selected.indexes()}
        all_rows = {i.row() for i in self.view.selectionModel().selectedIndexes()}
        exclusive = self.model.is_exclusive
        special_new = [r for r in new_rows if exclusive(r)]
        if special_new and len(all_rows) > 1:
            keep = [special_new[0]]
        elif new_rows and any(exclusive(r) for r in all_rows - new_rows):
            keep = sorted(r for r in all_rows if not exclusive(r))
        elif not all_rows:
            keep = [0]
        else:
            keep = []
        if keep:
            self._adjusting = True
            try:
                self._select_rows(keep)
            finally:
                self._adjusting = False
        self._emit_filter()

    def _emit_filter(self) -> None:
        current = self.tag_filter()
        if current != self._last_filter:
            self._last_filter = current
            self.sig_filter_changed.emit(current)

    def _remember_selection(self) -> None:
        self._remembered = [(e.kind, _key(e)) for e in self._selected_entries()]

    def _restore_selection(self) -> None:
        rows = [self.model.row_of(kind, name) for kind, name in self._remembered]
        found = [r for r in rows if r is not None]
        self._adjusting = True
        try:
            self._select_rows(found or [0])
        finally:
            self._adjusting = False
        self._emit_filter()

    # --- operations -------------------------------------------------------------------
    def rename_tag(self, old: str, new: str) -> bool:
        """Rename (or merge) a tag; keeps it selected under its new name."""
        was_selected = [e.name for e in self._selected_entries() if e.kind == EntryKind.TAG]
        if not self._run(lambda: self._bridge.library.rename_tag(old, new)):
            return False
        self.sig_tags_restructured.emit()
        if old in was_selected:
            self.select_tags([new if n == old else n for n in was_selected])
        return True

    def set_tag_colour(self, name: str, colour: str | None) -> bool:
        """Colour a tag (``#rrggbb``) or clear its colour."""
        return self._run(lambda: self._bridge.library.set_tag_colour(name, colour))

    def delete_tag(self, name: str) -> bool:
        """Delete a tag from the library and every reference."""
        if not self._run(lambda: self._bridge.library.delete_tag(name)):
            return False
        self.sig_tags_restructured.emit()
        return True

    def _run(self, operation: Callable[[], Changed]) -> bool:
        try:
            changed = operation()
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))
            return False
        self._bridge.apply(changed)
        return True

    # --- context menu and dialogs -------------------------------------------------------
    def _show_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        entry = self.model.entry(index.row())
        menu = QMenu(self)
        if entry.kind == EntryKind.TAG:
            menu.addAction("Rename…", lambda: self.ask_rename(entry.name))
            menu.addAction("Set Colour…", lambda: self.ask_colour(entry.name))
            if entry.colour:
                menu.addAction("Remove Colour", lambda: self.set_tag_colour(entry.name, None))
            menu.addSeparator()
            menu.addAction("Delete Tag…", lambda: self.ask_delete(entry.name))
        elif entry.kind in (EntryKind.COLLECTION, EntryKind.SEARCH):
            cid = entry.collection_id or 0
            if entry.kind == EntryKind.COLLECTION:
                menu.addAction("New Sub-collection…", lambda: self.ask_new_collection(cid))
            menu.addAction("Rename…", lambda: self.ask_rename_collection(cid, entry.name))
            menu.addSeparator()
            menu.addAction("Delete…", lambda: self.ask_delete_collection(cid, entry.name))
        elif entry.kind == EntryKind.ALL:
            menu.addAction("New Collection…", lambda: self.ask_new_collection(None))
        elif entry.kind == EntryKind.TRASH:
            restore = menu.addAction("Restore All", self.sig_restore_all_requested.emit)
            empty = menu.addAction("Empty Trash…", self.ask_empty_trash)
            restore.setEnabled(bool(entry.count))
            empty.setEnabled(bool(entry.count))
        else:
            return
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def collect_references(self, collection_id: int, ids: list[int]) -> None:
        """References dropped onto a folder go into it."""
        self._run(lambda: self._bridge.library.add_to_collection(collection_id, ids))

    def ask_new_collection(self, parent: int | None) -> None:
        """Ask for a name and create a folder (inside ``parent``)."""
        name, ok = QInputDialog.getText(self, "New Collection", "Name of the new collection:")
        if ok and name.strip():
            library = self._bridge.library
            try:
                library.create_collection(name, parent)
            except USER_ERRORS as exc:
                self._bridge.report_error(str(exc))
                return
            self._bridge.apply(Changed(collections=True))

    def ask_rename_collection(self, collection_id: int, name: str) -> None:
        """Ask for a new name for a collection."""
        new, ok = QInputDialog.getText(self, "Rename Collection", "New name:", text=name)
        if ok and new.strip() and new != name:
            self._run(lambda: self._bridge.library.rename_collection(collection_id, new))

    def ask_delete_collection(self, collection_id: int, name: str) -> None:
        """Delete a collection after asking (its references stay in the library)."""
        answer = QMessageBox.question(
            self,
            "Delete Collection",
            literal(
                f"Delete “{name}” and its sub-collections? Their references stay in the library."
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_collection(collection_id)

    def delete_collection(self, collection_id: int) -> bool:
        """Delete a collection (no question asked)."""
        return self._run(lambda: self._bridge.library.delete_collection(collection_id))

    def select_collection(self, collection_id: int) -> None:
        """Select a collection's entry."""
        for kind in (EntryKind.COLLECTION, EntryKind.SEARCH):
            row = self.model.row_of(kind, str(collection_id))
            if row is not None:
                self._select_rows([row])
                return

    def ask_rename(self, name: str) -> None:
        """Ask for a new name; an existing name merges the two tags."""
        label = literal(f"New name for “{name}” (an existing tag's name merges them):")
        new, ok = QInputDialog.getText(self, "Rename Tag", label, text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_tag(name, new.strip())

    def ask_colour(self, name: str) -> None:
        """Pick a colour for a tag."""
        entry = self.model.entry(self.model.row_of(EntryKind.TAG, name) or 0)
        for number, preset in enumerate(PRESETS):
            QColorDialog.setCustomColor(number, QColor(preset))
        initial = QColor(entry.colour or PRESETS[0])
        colour = QColorDialog.getColor(initial, self, f"Colour for “{name}”")
        if colour.isValid():
            self.set_tag_colour(name, colour.name())

    def ask_delete(self, name: str) -> None:
        """Delete a tag after saying how many references carry it."""
        row = self.model.row_of(EntryKind.TAG, name)
        count = self.model.entry(row).count if row is not None else 0
        carried = "no reference carries it" if not count else (
            "1 reference carries it" if count == 1 else f"{count:,} references carry it"
        )  # fmt: skip
        answer = QMessageBox.question(
            self,
            "Delete Tag",
            literal(
                f"Delete the tag “{name}”? {carried[0].upper()}{carried[1:]}; "
                "the references themselves stay."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_tag(name)

    def ask_empty_trash(self) -> None:
        """Permanently delete what the Trash holds, after asking."""
        row = self.model.row_of(EntryKind.TRASH)
        count = self.model.entry(row).count if row is not None else 0
        answer = QMessageBox.warning(
            self,
            "Empty Trash",
            f"Permanently delete the {count:,} references in the Trash? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.sig_empty_trash_requested.emit()
