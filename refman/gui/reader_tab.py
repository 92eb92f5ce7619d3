"""A paper open in the reader: the PDF with page navigation, zoom, find, thumbnails and
outline, beside the paper's status, tags and notes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtPdf import QPdfBookmarkModel, QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from refman.gui.library_bridge import LibraryBridge
from refman.gui.pdf_thumbnails import THUMBNAIL_WIDTH, ThumbnailModel
from refman.gui.pdf_view import PdfView
from refman.gui.reader_panel import ReaderPanel
from refman.gui.undo_commands import NoteHandles

FIND_DELAY_MS = 250
THUMBNAIL_FOLLOW_MS = 250
"""The thumbnails follow the page this long after the last page change: their renders
would otherwise compete with the page's (pdfium renders one thing at a time)."""
ZOOM_STEPS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
FIT_WIDTH = "width"
FIT_PAGE = "page"
_LOAD_ERRORS = {
    QPdfDocument.Error.FileNotFound: "the file is not there",
    QPdfDocument.Error.InvalidFileFormat: "it is not a PDF, or it is damaged",
    QPdfDocument.Error.IncorrectPassword: "it is protected by a password",
    QPdfDocument.Error.UnsupportedSecurityScheme: "its encryption is not supported",
    QPdfDocument.Error.DataNotYetAvailable: "it could not be read",
    QPdfDocument.Error.Unknown: "it could not be read",
}


class ReaderTab(QWidget):
    """One paper in the reader.

    Signals:
        sig_page_changed(int): the page shown (0-based) changed.
        sig_status_chosen(str): a reading status was chosen (panel or Mark as Read).
        sig_tags_entered(list[str]): tags typed in the panel.
        sig_tag_removal_requested(str): a tag chip's × was clicked.
        sig_open_externally_requested(): Open with System Viewer.
    """

    sig_page_changed = Signal(int)
    sig_status_chosen = Signal(str)
    sig_tags_entered = Signal(list)
    sig_tag_removal_requested = Signal(str)
    sig_open_externally_requested = Signal()

    def __init__(
        self,
        bridge: LibraryBridge,
        undo_stack: QUndoStack,
        handles: NoteHandles,
        ref_id: int,
        path: Path,
        *,
        page: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ref_id = ref_id
        self.path = Path(path)
        self._pending_page = page
        self.document = QPdfDocument(self)
        self.view = PdfView(self)
        self.view.setAccessibleName("PDF")
        self.panel = ReaderPanel(bridge, undo_stack, handles, ref_id, self)
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.view)
        self.pages.addWidget(self.message)

        self.thumbnails = QListView(self)
        self.thumbnails.setAccessibleName("Pages")
        self.thumbnails.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnails.setFlow(QListView.Flow.TopToBottom)
        self.thumbnails.setWrapping(False)
        self.thumbnails.setMovement(QListView.Movement.Static)
        self.thumbnails.setIconSize(QSize(THUMBNAIL_WIDTH, int(THUMBNAIL_WIDTH * 1.5)))
        self.thumbnails.setUniformItemSizes(True)
        self.thumbnails.setSpacing(4)
        self.thumbnails.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.thumbnails.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.outline = QTreeView(self)
        self.outline.setAccessibleName("Contents")
        self.outline.setHeaderHidden(True)
        self.outline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.bookmarks = QPdfBookmarkModel(self)
        self.bookmarks.setDocument(self.document)
        self.outline.setModel(self.bookmarks)
        self.sidebar = QTabWidget(self)
        self.sidebar.setDocumentMode(True)
        self.sidebar.addTab(self.thumbnails, "Pages")
        self.sidebar.addTab(self.outline, "Contents")
        self.sidebar.setMinimumWidth(THUMBNAIL_WIDTH + 40)

        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.document)
        self.view.set_search_model(self.search_model)
        self._find_timer = QTimer(self)
        self._find_timer.setSingleShot(True)
        self._find_timer.setInterval(FIND_DELAY_MS)
        self._find_timer.timeout.connect(self._start_find)
        self._result = -1
        self._want_result = False
        self.thumbnail_model: ThumbnailModel | None = None
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(THUMBNAIL_FOLLOW_MS)
        self._follow_timer.timeout.connect(self._follow_in_thumbnails)

        self.toolbar = self._build_toolbar()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([THUMBNAIL_WIDTH + 60, 900, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

        self.view.pageNavigator().currentPageChanged.connect(self._on_page_changed)
        self.view.sig_selection_changed.connect(self._on_selection_changed)
        self.view.sig_quote_requested.connect(self.add_selection_to_note)
        self.view.sig_resized.connect(self._jump_to_pending_page)
        self.view.sig_page_painted.connect(self._show_thumbnails)
        self.thumbnails.clicked.connect(lambda index: self.view.go_to_page(index.row()))
        self.outline.clicked.connect(self._on_outline_clicked)
        self.search_model.countChanged.connect(self._on_results_changed)
        self.panel.sig_tags_entered.connect(self.sig_tags_entered)
        self.panel.sig_tag_removal_requested.connect(self.sig_tag_removal_requested)
        self.panel.sig_status_chosen.connect(self.sig_status_chosen)
        self.load(self.path)

    # --- construction -------------------------------------------------------------------
    def _tool(self, text: str, slot: object, shortcut: str = "", tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip or text} ({shortcut})" if shortcut else tip or text)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_toolbar(self) -> QToolBar:
        bar = QToolBar(self)
        bar.setIconSize(QSize(16, 16))
        style = self.style()
        self.sidebar_action = self._tool("Sidebar", self.toggle_sidebar, "F9", "Pages and contents")
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.setChecked(True)
        self.previous_action = self._tool("Previous", self.previous_page, "", "Previous page")
        self.previous_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp))
        self.next_action = self._tool("Next", self.next_page, "", "Next page")
        self.next_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown))
        self.page_box = QSpinBox(self)
        self.page_box.setAccessibleName("Page")
        self.page_box.setKeyboardTracking(False)
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(lambda n: self.view.go_to_page(n - 1))
        self.page_count = QLabel(self)
        self.zoom_box = QComboBox(self)
        self.zoom_box.setAccessibleName("Zoom")
        self.zoom_box.addItem("Fit Width", FIT_WIDTH)
        self.zoom_box.addItem("Fit Page", FIT_PAGE)
        for step in ZOOM_STEPS:
            self.zoom_box.addItem(f"{step:.0%}", step)
        self.zoom_box.activated.connect(lambda i: self.set_zoom(self.zoom_box.itemData(i)))
        self.zoom_in_action = self._tool("Zoom In", lambda: self.step_zoom(1), "Ctrl++")
        self.zoom_out_action = self._tool("Zoom Out", lambda: self.step_zoom(-1), "Ctrl+-")
        self.fit_action = self._tool("Fit Width", lambda: self.set_zoom(FIT_WIDTH), "Ctrl+0")
        self.find_field = QLineEdit(self)
        self.find_field.setPlaceholderText("Find in document")
        self.find_field.setAccessibleName("Find in document")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setMaximumWidth(220)
        self.find_field.textEdited.connect(lambda _text: self._find_timer.start())
        self.find_field.returnPressed.connect(self.next_result)
        self.find_previous_action = self._tool(
            "▲", self.previous_result, "Shift+F3", "Previous match"
        )
        self.find_next_action = self._tool("▼", self.next_result, "F3", "Next match")
        self.find_label = QLabel(self)
        self.quote_action = self._tool(
            "Add to Note", self.add_selection_to_note, "Ctrl+Shift+Q",
            "Quote the selected text in the note, with its page",
        )  # fmt: skip
        self.quote_action.setEnabled(False)
        self.external_action = self._tool(
            "Open with System Viewer", self.sig_open_externally_requested.emit, "",
            "Open the PDF in the PDF viewer of your system",
        )  # fmt: skip
        self.read_action = self._tool(
            "Mark as Read", lambda: self.sig_status_chosen.emit("read"), "",
            "Set this paper's reading status to read",
        )  # fmt: skip
        bar.addAction(self.sidebar_action)
        bar.addSeparator()
        bar.addAction(self.previous_action)
        bar.addAction(self.next_action)
        bar.addWidget(self.page_box)
        bar.addWidget(self.page_count)
        bar.addSeparator()
        bar.addWidget(self.zoom_box)
        bar.addAction(self.zoom_out_action)
        bar.addAction(self.zoom_in_action)
        bar.addSeparator()
        bar.addWidget(self.find_field)
        bar.addAction(self.find_previous_action)
        bar.addAction(self.find_next_action)
        bar.addWidget(self.find_label)
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.quote_action)
        bar.addAction(self.read_action)
        bar.addAction(self.external_action)
        return bar

    # --- the document -------------------------------------------------------------------
    def load(self, path: Path) -> bool:
        """Open ``path``; a file that cannot be shown says why in place of the pages."""
        self.path = Path(path)
        error = self.document.load(str(self.path))
        if error != QPdfDocument.Error.None_:
            reason = _LOAD_ERRORS.get(error, "it could not be read")
            self.message.setText(f"{self.path.name} cannot be shown: {reason}.")
            self.pages.setCurrentWidget(self.message)
            return False
        self.view.setDocument(self.document)
        count = self.document.pageCount()
        self.page_box.setMaximum(max(count, 1))
        self.page_count.setText(f" of {count} ")
        self.sidebar.setTabVisible(1, self.bookmarks.rowCount() > 0)
        self.pages.setCurrentWidget(self.view)
        self._jump_to_pending_page()
        return True

    def _show_thumbnails(self) -> None:
        """Give the side bar its thumbnails once the first page is painted (so that
        their renders do not delay it)."""
        if self.thumbnail_model is None and self.loaded:
            self.thumbnail_model = ThumbnailModel(self.document, self)
            self.thumbnails.setModel(self.thumbnail_model)
            self._follow_in_thumbnails()

    def _follow_in_thumbnails(self) -> None:
        if self.thumbnail_model is None or not self.sidebar.isVisible():
            return
        index = self.thumbnail_model.index(self.current_page(), 0)
        self.thumbnails.setCurrentIndex(index)
        self.thumbnails.scrollTo(index)

    @property
    def loaded(self) -> bool:
        """Whether the PDF is shown."""
        return self.document.status() == QPdfDocument.Status.Ready

    def _jump_to_pending_page(self) -> None:
        """Go to the remembered page once the view has its size (before, QPdfView lays
        the pages out for an empty viewport)."""
        if self._pending_page is None or not self.loaded or not self.view.isVisible():
            return
        if self.view.viewport().width() < 50:
            return
        page, self._pending_page = self._pending_page, None
        self.view.go_to_page(min(max(page, 0), self.document.pageCount() - 1))

    def current_page(self) -> int:
        """The page shown (0-based)."""
        return self.view.current_page()

    def page_label(self, page: int) -> str:
        """The page's printed label, else its number."""
        return self.document.pageLabel(page) or str(page + 1)

    def _on_page_changed(self, page: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.previous_action.setEnabled(page > 0)
        self.next_action.setEnabled(page < self.document.pageCount() - 1)
        self._follow_timer.start()
        self.sig_page_changed.emit(page)

    def previous_page(self) -> None:
        """Show the page before."""
        self.view.go_to_page(self.current_page() - 1)

    def next_page(self) -> None:
        """Show the page after."""
        self.view.go_to_page(self.current_page() + 1)

    def toggle_sidebar(self) -> None:
        """Show or hide the pages and contents."""
        self.sidebar.setVisible(not self.sidebar.isVisible())
        self.sidebar_action.setChecked(self.sidebar.isVisible())

    def _on_outline_clicked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        page = index.data(QPdfBookmarkModel.Role.Page.value)
        location = index.data(QPdfBookmarkModel.Role.Location.value)
        if isinstance(page, int):
            self.view.go_to_page(page, location.y() if location is not None else None)

    # --- zoom ---------------------------------------------------------------------------
    def set_zoom(self, zoom: str | float) -> None:
        """Fit the width (``FIT_WIDTH``), the whole page (``FIT_PAGE``) or a factor
        (1.0 is the paper's size)."""
        page = self.current_page()
        if zoom == FIT_WIDTH:
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        elif zoom == FIT_PAGE:
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        else:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(float(zoom))
        index = self.zoom_box.findData(zoom)
        if index < 0:
            self.zoom_box.addItem(f"{float(zoom):.0%}", zoom)
            index = self.zoom_box.count() - 1
        self.zoom_box.setCurrentIndex(index)
        self.view.go_to_page(page)

    def zoom_factor(self) -> float:
        """The current magnification (1.0: the paper's size), whatever the zoom mode."""
        resolution = self.view.page_scale(self.current_page())
        screen = self.screen()
        dpi = screen.logicalDotsPerInch() / 72.0 if screen is not None else 1.0
        return resolution / dpi

    def step_zoom(self, direction: int) -> None:
        """Zoom in (1) or out (-1) to the next step."""
        now = self.zoom_factor()
        if direction > 0:
            bigger = [s for s in ZOOM_STEPS if s > now * 1.01]
            self.set_zoom(bigger[0] if bigger else ZOOM_STEPS[-1])
        else:
            smaller = [s for s in ZOOM_STEPS if s < now * 0.99]
            self.set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])

    # --- find ---------------------------------------------------------------------------
    def find_text(self, text: str) -> None:
        """Search the document for ``text`` and show the first match."""
        self.find_field.setText(text)
        self._start_find()

    def _start_find(self) -> None:
        self._find_timer.stop()
        text = self.find_field.text().strip()
        self._result = -1
        self._want_result = bool(text)
        self.search_model.setSearchString(text)
        self._on_results_changed()

    def _on_results_changed(self, *_args: object) -> None:
        count = self.search_model.rowCount(QModelIndex())
        if self._want_result and count and self._result < 0:
            self._want_result = False
            self.show_result(0)
        text = self.find_field.text().strip()
        if not text:
            self.find_label.setText("")
        elif count:
            self.find_label.setText(f" {max(self._result, 0) + 1} of {count} ")
        else:
            self.find_label.setText(" not found ")

    def result_count(self) -> int:
        """How many matches the find found (so far: pages are searched in turn)."""
        return self.search_model.rowCount(QModelIndex())

    def show_result(self, index: int) -> None:
        """Show match ``index`` (wrapping around) and frame it."""
        count = self.result_count()
        if not count:
            return
        self._result = index % count
        link = self.search_model.resultAtIndex(self._result)
        self.view.set_current_result(self._result)
        rects = link.rectangles()
        self.view.go_to_page(link.page(), rects[0].top() if rects else None)
        self.find_label.setText(f" {self._result + 1} of {count} ")

    def next_result(self) -> None:
        """The next match (Enter, F3)."""
        if self.find_field.text().strip() != self.search_model.searchString():
            self._start_find()
            return
        self.show_result(self._result + 1)

    def previous_result(self) -> None:
        """The match before (Shift+F3)."""
        self.show_result(self._result - 1)

    def focus_find(self) -> None:
        """Put the cursor in the find field (Ctrl+F)."""
        self.find_field.setFocus()
        self.find_field.selectAll()

    # --- notes --------------------------------------------------------------------------
    def _on_selection_changed(self, text: str) -> None:
        self.quote_action.setEnabled(bool(text.strip()))

    def add_selection_to_note(self) -> bool:
        """Quote the selected text, with its page, in the note."""
        text = self.view.selected_text()
        if not text.strip():
            return False
        return self.panel.add_quote(text, self.page_label(self.view.selection_page))

    def flush(self) -> None:
        """Save the note being typed."""
        self.panel.flush()

    def title(self) -> str:
        """The paper's title."""
        ref = self.panel.reference
        return ref.title if ref is not None and ref.title else self.path.name
