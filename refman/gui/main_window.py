"""The main window: tag pane | reference list | detail pane, menus, toolbar, status bar."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QPaintEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from refman import __version__
from refman.domain.query import ReferenceQuery
from refman.domain.search_query import highlight_words
from refman.gui import settings as keys
from refman.gui.app_icon import app_icon
from refman.gui.attachment_controller import AttachmentController, split_pdfs
from refman.gui.auto_export_dialog import AutoExportDialog
from refman.gui.detail_pane import DetailPane
from refman.gui.duplicates_dialog import DuplicatesDialog
from refman.gui.export_controller import ExportController
from refman.gui.import_worker import ImportWorker
from refman.gui.library_bridge import LibraryBridge, ReferenceChange
from refman.gui.library_safety import LibrarySafety
from refman.gui.lookup_controller import LookupController
from refman.gui.reader_controller import ReaderController
from refman.gui.reference_table_model import ReferenceTableModel
from refman.gui.reference_view import ReferenceView
from refman.gui.search_field import SearchField
from refman.gui.settings import Settings
from refman.gui.shared_library import SharedLibrary
from refman.gui.tag_list_model import coloured_shortcuts
from refman.gui.tag_pane import TagFilter, TagPane, query_with
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.gui.undo_commands import (
    NoteHandles,
    TrashCommand,
    do_tag,
    do_toggle_tag,
    do_trash,
    do_untag,
)
from refman.gui.welcome_panel import WelcomePanel
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed, Library

DEFAULT_SPLITTER = (200, 830, 370)
WORDS_REPAINT_MS = 250
"""At the latest, new search words are painted on the list this long after the search
changed (normally with the new query's first page)."""


def library_location(url: str) -> str:
    """Where the library lives, for people: a file path, or the URL without password."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)


class MainWindow(QMainWindow):
    """The window over one library.

    Signals:
        sig_ready(): the window has painted once and shows the first query's rows.
    """

    sig_ready = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.settings = Settings()
        self.bridge = LibraryBridge(library, self)
        self.runner = TaskRunner(self)
        self.undo_stack = QUndoStack(self)
        self.note_handles = NoteHandles()
        self._painted = False
        self._ready_sent = False
        self._select_row_after_load: int | None = None
        self._search_text = ""
        self._status_text = ""
        # New search words are painted with the new query's list (one paint, not a
        # repaint of the old rows competing with the query); at the latest after this.
        self._words_repaint = QTimer(self)
        self._words_repaint.setSingleShot(True)
        self._words_repaint.setInterval(WORDS_REPAINT_MS)
        self.setWindowTitle(f"refman — {library.store.name}")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        self.model = ReferenceTableModel(library, self.runner, self, rows=self.bridge.row_cache)
        self.view = ReferenceView(self.model, self)
        self.tag_pane = TagPane(self.bridge, self)
        self.detail = DetailPane(self.bridge, self.undo_stack, self.note_handles, self)
        self.welcome = WelcomePanel(self)
        self.search = SearchField(self)
        self.import_worker = ImportWorker(self.bridge, self.runner, self)
        self.exports = ExportController(
            library,
            self.bridge,
            self.runner,
            settings=self.settings,
            selected_ids=self.view.selected_ids,
            parent=self,
        )
        self.model.citation_texts = self.exports.citation_texts
        self.center = QStackedWidget(self)
        self.center.addWidget(self.view)
        self.center.addWidget(self.welcome)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tag_pane)
        self.splitter.addWidget(self.center)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.safety = LibrarySafety(self)  # (its banner: a damaged or read-only library)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.safety.banner)
        self.shared = SharedLibrary(self)  # live updates; its banner: connection lost
        central_layout.addWidget(self.shared.banner)
        self.tabs = QTabWidget(central)  # the library, then papers open in the reader
        self.tabs.addTab(self.splitter, "Library")
        central_layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.readers = ReaderController(
            self.bridge, self.runner, self.undo_stack, self.note_handles, self.tabs,
            selected_ids=self.view.selected_ids, parent=self,
        )  # fmt: skip
        self.attachments = AttachmentController(
            self.bridge, self.runner, self.undo_stack,
            selected_ids=self.view.selected_ids, parent=self,
        )  # fmt: skip
        self.attachments.connect_box(self.detail.files, self.readers.open_reference)
        self.lookups = LookupController(
            self.bridge, self.runner, self.undo_stack,
            selected_ids=self.view.selected_ids, parent=self,
        )  # fmt: skip
        self._show_after_load: int | None = None
        self.status_counts = QLabel(self)
        self.statusBar().addPermanentWidget(self.lookups.progress)
        self.statusBar().addPermanentWidget(self.status_counts)
        self.statusBar().addPermanentWidget(self.shared.indicator)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._connect()
        self._restore_settings()
        self._update_welcome()
        self._update_actions()
        self.view.setFocus()
        self.safety.start_soon()  # the integrity check, on the runner: writes wait for it
        self.shared.start()  # others' changes (a shared library; another program on SQLite)

    # --- construction -----------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: QStyle.StandardPixmap | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _create_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        self.import_action = self._action(
            "&Import…", self.ask_import, "Ctrl+I", pixmap.SP_DialogOpenButton,
            "Import bibliography files into the library (or drop files onto the window)",
        )  # fmt: skip
        self.seeds_action = self._action(
            "Import Sample &Papers", lambda: self.import_paths(self.welcome.seeds)
        )
        self.seeds_action.setEnabled(bool(self.welcome.seeds))
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self._action(
            "&Undo", self.undo, QKeySequence.StandardKey.Undo, pixmap.SP_ArrowBack
        )
        self.redo_action = self._action(
            "&Redo", self.redo, QKeySequence.StandardKey.Redo, pixmap.SP_ArrowForward
        )
        self.trash_action = self._action(
            "Move to &Trash", self.trash_selection, None, pixmap.SP_TrashIcon,
            "Move the selected references to the Trash (Delete)",
        )  # fmt: skip
        self.trash_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.trash_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.restore_action = self._action(
            "&Restore from Trash", self.restore_selection, None, None,
            "Put the selected references back into the library",
        )  # fmt: skip
        self.find_action = self._action("&Find", self.focus_search, QKeySequence.StandardKey.Find)
        self.duplicates_action = self._action(
            "Find &Duplicates…", self.show_duplicates, None, None,
            "Find references that look like one paper and merge them",
        )  # fmt: skip
        self.save_search_action = self._action(
            "&Save Search…", self.ask_save_search, "Ctrl+Shift+S", None,
            "Keep the quick search as a saved search in the side pane",
        )  # fmt: skip
        self.uncollect_action = self._action(
            "Remove from &Collection", self.remove_selection_from_collection, None, None,
            "Take the selected references out of this folder (they stay in the library)",
        )  # fmt: skip
        self.tag_action = self._action(
            "Add &Tags…", self.focus_tag_field, "Ctrl+T", None,
            "Type tags to add to the selected references",
        )  # fmt: skip
        self.auto_export_action = self._action(
            "&Keep Files Updated…", self.show_auto_exports, None, None,
            "Files refman rewrites after every change (e.g. a .bib file for LaTeX)",
        )  # fmt: skip
        self.backups_action = self._action(
            "Restore from &Backup…", self.safety.show_backups, None, None,
            "The library's automatic backups: restore one, or back up now",
        )  # fmt: skip
        self.backups_action.setEnabled(self.safety.available)
        self.about_action = self._action("&About refman", self.show_about)
        self.about_qt_action = self._action("About &Qt", QApplication.aboutQt)
        for action in (
            self.readers.read_action,
            self.attachments.attach_action,
            self.lookups.fetch_action,
            self.lookups.download_action,
            *self.readers.status_actions.values(),
        ):
            self.view.addAction(action)
        self.view.addAction(self.trash_action)
        self.view.addAction(self.restore_action)
        self.view.addAction(self.uncollect_action)
        self.view.addAction(self.tag_action)
        self.view.addAction(self.exports.copy_citation_action)
        self.view.addAction(self.exports.copy_bibtex_action)
        self.view.addAction(self.exports.export_action)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.lookups.add_action)
        file_menu.addAction(self.seeds_action)
        file_menu.addSeparator()
        file_menu.addAction(self.exports.export_action)
        file_menu.addAction(self.auto_export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.attachments.attach_action)
        file_menu.addAction(self.lookups.download_action)
        file_menu.addAction(self.readers.read_action)
        file_menu.addAction(self.readers.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.backups_action)
        file_menu.addAction(self.shared.connect_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.exports.copy_citation_action)
        edit_menu.addAction(self.exports.copy_bibtex_action)
        edit_menu.addAction(self.exports.regenerate_keys_action)
        styles = edit_menu.addMenu("Citation &Style")
        styles.addActions(self.exports.style_group.actions())
        edit_menu.addSeparator()
        edit_menu.addAction(self.tag_action)
        edit_menu.addAction(self.trash_action)
        edit_menu.addAction(self.restore_action)
        status_menu = edit_menu.addMenu("Reading &Status")
        status_menu.addActions(list(self.readers.status_actions.values()))
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.save_search_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.duplicates_action)
        edit_menu.addAction(self.lookups.fetch_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.attachments.preferences_action)
        edit_menu.addAction(self.lookups.email_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)
        help_menu.addAction(self.about_qt_action)

    def _create_toolbar(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.import_action)
        toolbar.addAction(self.lookups.add_action)
        toolbar.addAction(self.exports.export_action)
        toolbar.addSeparator()
        toolbar.addAction(self.undo_action)
        toolbar.addAction(self.redo_action)
        toolbar.addAction(self.trash_action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.search.setMinimumWidth(280)
        self.search.setMaximumWidth(460)
        toolbar.addWidget(self.search)
        toolbar.addWidget(self.search.error_label)  # a malformed query's message
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _connect(self) -> None:
        self.search.sig_search_changed.connect(self._on_search_changed)
        self.tag_pane.sig_filter_changed.connect(lambda _f: self._apply_filters())
        self.tag_pane.sig_references_dropped.connect(
            lambda name, ids: self.tag_references([name], ids)
        )
        self.tag_pane.sig_restore_all_requested.connect(self.restore_all)
        self.tag_pane.sig_empty_trash_requested.connect(self.empty_trash)
        self.tag_pane.sig_tags_restructured.connect(self._forget_history)
        self.model.sig_first_page_loaded.connect(self._update_status)
        self._words_repaint.timeout.connect(lambda: self.view.viewport().update())
        for signal in (
            self.model.sig_first_page_loaded,
            self.model.sig_ids_loaded,
            self.model.sig_query_failed,
        ):
            signal.connect(self._repaint_words)
        self.model.sig_ids_loaded.connect(self._on_ids_loaded)
        self.model.sig_query_failed.connect(self._on_query_failed)
        self.view.sig_selection_changed.connect(self._on_selection_changed)
        self.view.sig_number_pressed.connect(self.toggle_coloured_tag)
        self.view.sig_delete_pressed.connect(self.trash_selection)
        self.view.activated.connect(
            lambda index: self.readers.open_reference(self.model.id_at(index.row()))
        )
        self.view.sig_files_dropped.connect(self.drop_files)
        self.readers.sig_reported.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.attachments.sig_reported.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.lookups.sig_reported.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.lookups.sig_reference_added.connect(self.show_reference)
        self.tabs.currentChanged.connect(lambda _index: self._update_actions())
        self.addActions([self.readers.next_tab_action, self.readers.previous_tab_action])
        self.detail.sig_tags_entered.connect(self.tag_references)
        self.detail.sig_tag_removal_requested.connect(self.untag_selection)
        self.bridge.sig_references_changed.connect(self._on_references_changed)
        self.bridge.sig_everything_changed.connect(self.model.invalidate_all)
        self.bridge.sig_everything_changed.connect(self._update_welcome)
        self.bridge.sig_error_raised.connect(self.show_error)
        self.welcome.sig_import_seeds_requested.connect(self.import_paths)
        self.welcome.sig_import_files_requested.connect(self.ask_import)
        self.import_worker.sig_reported.connect(lambda text: self.statusBar().showMessage(text))
        self.exports.sig_reported.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.exports.sig_error_raised.connect(self.show_error)
        self.undo_stack.indexChanged.connect(self._on_undo_index_changed)
        self.undo_stack.cleanChanged.connect(self._on_undo_index_changed)

    # --- settings -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = self.settings
        geometry = settings.bytes(keys.GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)
        state = settings.bytes(keys.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)
        splitter = settings.bytes(keys.SPLITTER)
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes(list(DEFAULT_SPLITTER))
        detail_splitter = settings.bytes(keys.DETAIL_SPLITTER)
        if detail_splitter is not None:
            self.detail.splitter.restoreState(detail_splitter)
        header = settings.bytes(keys.HEADER)
        if header is not None and not self.view.horizontalHeader().restoreState(header):
            self.view.reset_columns()
        self.tag_pane.any_toggle.setChecked(settings.flag(keys.ANY_TAG))
        search = settings.text(keys.LAST_SEARCH)
        self.search.blockSignals(True)
        self.search.setText(search)
        self.search.blockSignals(False)
        well_formed = self.search.flush_silently()  # (else shows why; lists everything)
        self._search_text = " ".join(search.split()) if well_formed else ""
        self.view.apply_sort_indicator()
        self._apply_filters(force=True)

    def save_settings(self) -> None:
        """Remember geometry, panes, columns and the search."""
        settings = self.settings
        settings.set(keys.GEOMETRY, self.saveGeometry())
        settings.set(keys.WINDOW_STATE, self.saveState())
        settings.set(keys.SPLITTER, self.splitter.saveState())
        settings.set(keys.DETAIL_SPLITTER, self.detail.splitter.saveState())
        settings.set(keys.HEADER, self.view.horizontalHeader().saveState())
        settings.set(keys.LAST_SEARCH, self.search.text())
        settings.set(keys.ANY_TAG, self.tag_pane.any_toggle.isChecked())
        settings.sync()

    # --- filtering ----------------------------------------------------------------------
    def _on_search_changed(self, text: str) -> None:
        self._search_text = text
        words = highlight_words(text)
        self.view.highlighter.words = words
        self.detail.set_highlight_words(words)
        if self.current_query() != self.model.query:
            self._words_repaint.start()  # the new list's first paint shows them
        else:
            self.view.viewport().update()
        self._apply_filters()

    def _repaint_words(self, *_args: object) -> None:
        """Repaint the list for new search words once the new query answered (or
        ``WORDS_REPAINT_MS`` passed)."""
        if self._words_repaint.isActive():
            self._words_repaint.stop()
            self.view.viewport().update()

    def current_query(self) -> ReferenceQuery:
        """The query the search field, the tag pane and the sort order describe."""
        base = self.model.query
        query = ReferenceQuery(text=self._search_text, sort=base.sort, descending=base.descending)
        return query_with(query, self.tag_pane.tag_filter())

    def _apply_filters(self, *, force: bool = False) -> None:
        query = self.current_query()
        if force or query != self.model.query:
            self.model.set_query(query)
        self._update_actions()

    def _on_ids_loaded(self) -> None:
        if self._select_row_after_load is not None:
            row, self._select_row_after_load = self._select_row_after_load, None
            self.view.select_row(row)
        shown = self._show_after_load
        if shown is not None and self.model.row_of(shown) is not None:
            self._show_after_load = None
            self.view.select_ids([shown])
        self._update_status()
        self._maybe_ready()

    def show_reference(self, ref_id: int) -> None:
        """Select ``ref_id`` in the list, now or once the list's next query lists it (a
        reference the current filter hides stays hidden)."""
        if self.model.row_of(ref_id) is not None and not self.model.is_loading():
            self.view.select_ids([ref_id])
        else:
            self._show_after_load = ref_id

    def _on_references_changed(self, change: ReferenceChange) -> None:
        self.model.invalidate(change.ids, change.touched)

    def _on_query_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)
        self.tag_pane.select_all_references()

    # --- status -------------------------------------------------------------------------
    def _update_status(self) -> None:
        """Shown, selected and total counts (the total is cached by the bridge until a
        change that can alter it)."""
        shown = f"{self.model.rowCount():,}{'+' if self.model.is_partial() else ''}"
        selected = len(self.detail.selected_ids)
        total = self.bridge.count()
        tag_filter: TagFilter = self.tag_pane.tag_filter()
        place = "in the Trash" if tag_filter.trashed else "shown"
        text = f"{shown} {place}  ·  {selected:,} selected  ·  {total:,} in library"
        if text != self._status_text:
            self._status_text = text
            self.status_counts.setText(text)

    def _update_welcome(self) -> None:
        empty = self.bridge.count() == 0 and self.bridge.count_trashed() == 0
        self.center.setCurrentWidget(self.welcome if empty else self.view)
        self.seeds_action.setVisible(bool(self.welcome.seeds) and empty)

    def _update_actions(self) -> None:
        selected = bool(self.detail.selected_ids)
        in_trash = self.model.query.trashed
        self.trash_action.setEnabled(selected and not in_trash)
        self.restore_action.setEnabled(selected and in_trash)
        self.restore_action.setVisible(in_trash)
        self.tag_action.setEnabled(selected)
        in_folder = self.model.query.collection is not None
        self.uncollect_action.setVisible(in_folder)
        self.uncollect_action.setEnabled(selected and in_folder)
        self.save_search_action.setEnabled(bool(self.search.text().strip()))
        self.attachments.attach_action.setEnabled(len(self.detail.selected_ids) == 1)
        self.lookups.update_actions(has_selection=selected)
        self.readers.read_action.setEnabled(selected)
        for action in self.readers.status_actions.values():
            action.setEnabled(selected)
        for action in (
            self.exports.export_action,
            self.exports.copy_citation_action,
            self.exports.copy_bibtex_action,
            self.exports.regenerate_keys_action,
        ):
            action.setEnabled(selected)
        stack = self.undo_stack
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setText(f"&Undo {stack.undoText()}".strip())
        self.redo_action.setText(f"&Redo {stack.redoText()}".strip())
        self.undo_action.setIconText("Undo")  # the toolbar keeps it short
        self.redo_action.setIconText("Redo")
        self.undo_action.setToolTip(self.undo_action.text().replace("&", ""))
        self.redo_action.setToolTip(self.redo_action.text().replace("&", ""))

    def _on_undo_index_changed(self, *_args: object) -> None:
        if isValid(self.undo_stack):  # not while the window is being destroyed
            self._update_actions()

    def _on_selection_changed(self, ids: list[int]) -> None:
        self.detail.set_selection(ids)
        self._update_status()
        self._update_actions()

    def show_error(self, message: str) -> None:
        """Tell the user an operation failed (non-blocking)."""
        self.statusBar().showMessage(message, 10_000)
        if self.shared.lost:  # the banner says why already
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning, "refman", message, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- readiness (benchmarks, end-to-end test) -----------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        """The first paint, together with the first rows, makes the window ready."""
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self._maybe_ready)

    def _maybe_ready(self) -> None:
        loaded = self.model.loaded_once or self.center.currentWidget() is self.welcome
        if self._painted and loaded and not self._ready_sent:
            self._ready_sent = True
            # After the layouts that the first rows asked for (status bar, columns).
            QTimer.singleShot(0, self, self.sig_ready.emit)

    # --- operations -----------------------------------------------------------------------
    def _push(self, command: QUndoCommand | None) -> None:
        if command is not None:
            self.undo_stack.push(command)

    def undo(self) -> None:
        """Undo the last operation (after saving what is being typed)."""
        self.detail.flush()
        self.undo_stack.undo()

    def redo(self) -> None:
        """Redo the last undone operation."""
        self.detail.flush()
        self.undo_stack.redo()

    def _forget_history(self) -> None:
        self.undo_stack.clear()
        self.note_handles.clear()

    def restored_backup(self, changed: Changed) -> None:
        """A backup replaced the library: show it, forget the history (its steps refer to
        the library as it was)."""
        self._forget_history()
        self.bridge.apply(changed)
        self._update_welcome()
        self.detail.reload()

    def tag_references(self, names: Sequence[str], ids: Sequence[int] | None = None) -> None:
        """Add tags to ``ids`` (default: the selection), undoably."""
        ids = list(self.view.selected_ids() if ids is None else ids)
        if not ids:
            self.statusBar().showMessage("Select the references to tag first.", 5000)
            return
        try:
            command = do_tag(self.bridge, list(names), ids)
        except USER_ERRORS as exc:
            self.show_error(str(exc))
            return
        if command is None:
            self.statusBar().showMessage("They already carry those tags.", 5000)
            return
        self._push(command)
        self.statusBar().showMessage(command.text(), 5000)

    def untag_selection(self, name: str) -> None:
        """Remove a tag from the selected references, undoably."""
        ids = self.detail.selected_ids
        try:
            self._push(do_untag(self.bridge, name, ids))
        except USER_ERRORS as exc:
            self.show_error(str(exc))

    def toggle_coloured_tag(self, number: int) -> None:
        """Keys 1-9: toggle the n-th coloured tag on the selection."""
        ids = self.view.selected_ids()
        shortcuts = {n: name for name, n in coloured_shortcuts(self.bridge.tags()).items()}
        name = shortcuts.get(number)
        if name is None:
            self.statusBar().showMessage(f"No coloured tag has the key {number}.", 5000)
            return
        if not ids:
            return
        try:
            command = do_toggle_tag(self.bridge, name, ids)
        except USER_ERRORS as exc:
            self.show_error(str(exc))
            return
        self._push(command)
        if command is not None:
            self.statusBar().showMessage(command.text(), 5000)

    def trash_selection(self) -> None:
        """Move the selected references to the Trash (undoable)."""
        ids = self.view.selected_ids()
        if not ids:
            return
        if self.model.query.trashed:
            self.statusBar().showMessage(
                "Already in the Trash: use Restore, or right-click the Trash to empty it.", 6000
            )
            return
        self._select_row_after_load = self.model.row_of(ids[0])
        self.detail.flush()
        self._push(do_trash(self.bridge, ids))

    def restore_selection(self) -> None:
        """Bring the selected references back from the Trash (undoable)."""
        ids = self.view.selected_ids()
        if ids and self.model.query.trashed:
            self._select_row_after_load = self.model.row_of(ids[0])
            self._push(do_trash(self.bridge, ids, restore=True))

    def restore_all(self) -> None:
        """Bring everything in the Trash back (on the runner; undoable)."""
        library = self.library

        def job(_control: TaskControl) -> tuple[list[int], Changed]:
            ids = library.query_ids(ReferenceQuery(trashed=True))
            return ids, library.restore(ids)

        def done(result: tuple[list[int], Changed]) -> None:
            ids, changed = result
            self.bridge.apply(changed)
            if ids:
                self._push(TrashCommand(self.bridge, ids, restore=True))

        self.runner.run(job, succeeded=done, failed=self._on_task_failed)

    def empty_trash(self) -> None:
        """Delete the Trash's references for good (on the runner; not undoable, so the
        history is cleared)."""
        self.detail.flush()
        library = self.library

        def done(changed: Changed) -> None:
            self.bridge.apply(changed)
            self._forget_history()
            noun = "reference" if changed.count == 1 else "references"
            self.statusBar().showMessage(f"Deleted {changed.count:,} {noun} for good.", 6000)

        self.runner.run(lambda _control: library.empty_trash(), succeeded=done,
                        failed=self._on_task_failed)  # fmt: skip

    def _on_task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, USER_ERRORS):
            self.show_error(str(exc))
            return
        raise exc

    # --- import -----------------------------------------------------------------------
    def ask_import(self) -> None:
        """Choose files to import."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Import", "", "Bibliography files (*.txt *.bib *.ris);;All files (*)"
        )
        self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: Sequence[Path]) -> None:
        """Import files in the background with a progress dialog."""
        if self.import_worker.is_running():
            self.statusBar().showMessage("An import is already running.", 5000)
            return
        self.import_worker.start([Path(p) for p in paths])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept local files (to import them)."""
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Import dropped files; PDFs dropped onto a reader tab or the detail pane are
        attached to its paper, elsewhere they become references."""
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        target = self.childAt(event.position().toPoint())
        reader = self.readers.current()
        ref_id = 0
        if reader is not None and target is not None and reader.isAncestorOf(target):
            ref_id = reader.ref_id
        elif target is not None and self.detail.isAncestorOf(target):
            selected = self.detail.selected_ids
            ref_id = selected[0] if len(selected) == 1 else 0
        self.drop_files(paths, ref_id)

    def drop_files(self, paths: Sequence[Path], ref_id: int = 0) -> None:
        """Dropped files: PDFs attached to ``ref_id`` (0: each becomes a reference, or
        joins the one its arXiv id or DOI names); the other files imported."""
        pdfs, others = split_pdfs(paths)
        if pdfs and ref_id:
            self.attachments.attach_files(ref_id, pdfs)
        elif pdfs:
            self.attachments.add_pdfs(pdfs)
        if others:
            self.import_paths(others)

    # --- small actions ---------------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: type a search (in the reader: find in the paper)."""
        reader = self.readers.current()
        if reader is not None:
            reader.focus_find()
            return
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def focus_tag_field(self) -> None:
        """Ctrl+T: type tags for the selection."""
        if not self.detail.selected_ids:
            self.statusBar().showMessage("Select the references to tag first.", 5000)
            return
        self.detail.focus_tag_field()

    def show_duplicates(self) -> None:
        """Open Find Duplicates (merges are undoable from the window's Edit menu)."""
        dialog = DuplicatesDialog(self.bridge, self.runner, self._push, self)
        dialog.sig_reported.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.duplicates_dialog = dialog
        dialog.open()

    def ask_save_search(self) -> None:
        """Keep the quick search as a saved search (asks for its name)."""
        text = self.search.text().strip()
        if not text:
            return
        name, ok = QInputDialog.getText(self, "Save Search", f"Name for “{text}”:", text=text)
        if ok and name.strip():
            self.save_search(name, text)

    def save_search(self, name: str, text: str) -> None:
        """Create a saved search running ``text`` and show it (the quick search clears)."""
        try:
            saved = self.library.create_collection(name, query=text)
        except USER_ERRORS as exc:
            self.show_error(str(exc))
            return
        self.bridge.apply(Changed(collections=True))
        self.search.clear()  # (clearing searches at once)
        self.tag_pane.select_collection(saved.id or 0)

    def remove_selection_from_collection(self) -> None:
        """Take the selected references out of the folder the list shows."""
        folder = self.model.query.collection
        ids = self.view.selected_ids()
        if folder is None or not ids:
            return
        try:
            changed = self.library.remove_from_collection(folder, ids)
        except USER_ERRORS as exc:
            self.show_error(str(exc))
            return
        self.bridge.apply(changed)

    def show_auto_exports(self) -> None:
        """Open Keep Files Updated (auto-export)."""
        dialog = AutoExportDialog(self.library, self.runner, self)
        dialog.sig_exports_changed.connect(self.exports.set_auto_export_count)
        self.auto_export_dialog = dialog
        dialog.open()

    def show_about(self) -> None:
        """Help > About: version and library location."""
        QMessageBox.about(
            self,
            "About refman",
            f"<b>refman {__version__}</b><br>A reference manager for researchers.<br><br>"
            f"Library: {_escape(library_location(self.library.store.url))}<br><br>"
            "Citation styles from the <a href='https://citationstyles.org/'>Citation Style "
            "Language</a> project (CC BY-SA 3.0).",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save what is being typed and the layout; stop background work."""
        self.detail.flush()
        if not self.shared.confirm_close():  # (edits kept for want of a connection)
            event.ignore()
            return
        self.shared.stop()
        self.readers.close_all()
        self.save_settings()
        if self.import_worker.is_running():
            self.import_worker.cancel()
        self.lookups.shutdown()
        self.runner.shutdown()
        self.exports.flush_auto_exports()
        super().closeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
