"""The reader's tabs in the main window: opening papers, remembering the page read,
reading status, tags from the reader's panel, and Ctrl+W."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QTabWidget, QWidget

from refman.domain.model import READING_STATUSES
from refman.gui.library_bridge import LibraryBridge, ReferenceChange
from refman.gui.reader_tab import ReaderTab
from refman.gui.reference_table_model import STATUS_LABELS
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.gui.undo_commands import (
    READING_TOUCHED,
    NoteHandles,
    do_set_reading_status,
    do_tag,
    do_untag,
)
from refman.services.errors import USER_ERRORS
from refman.services.library import Changed

PAGE_SAVE_DELAY_MS = 1000
"""The page read is written this long after the last page change (and on closing)."""
TAB_TITLE_CHARS = 28


def short_title(title: str) -> str:
    """A tab's title: the paper's, cut to ``TAB_TITLE_CHARS``."""
    title = " ".join(title.split())
    if len(title) <= TAB_TITLE_CHARS:
        return title
    return title[: TAB_TITLE_CHARS - 1].rstrip() + "…"


def open_externally(path: Path) -> bool:
    """Open a file in the application the system chose for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ReaderController(QObject):
    """Reader tabs after the first tab of ``tabs`` (the library, never closed).

    The page shown is remembered per paper: written on the runner a second after the
    last page change and when a tab closes, and kept in memory meanwhile, so a tab
    reopened at once starts where the last one was. Opening a paper marks it as being
    read when it was unread (a paper marked read stays read).

    Signals:
        sig_reported(str): a one-line message for the status bar.
        sig_opened(int): a paper's reader tab was opened (the reference's id).
    """

    sig_reported = Signal(str)
    sig_opened = Signal(int)

    def __init__(
        self,
        bridge: LibraryBridge,
        runner: TaskRunner,
        undo_stack: QUndoStack,
        handles: NoteHandles,
        tabs: QTabWidget,
        *,
        selected_ids: Callable[[], list[int]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._selected_ids = selected_ids
        self._bridge = bridge
        self._runner = runner
        self._undo_stack = undo_stack
        self._handles = handles
        self.tabs = tabs
        self._pages: dict[int, int] = {}  # pages read not yet written
        self._known_pages: dict[int, int] = {}  # latest page of each paper this session
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PAGE_SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_pages)
        self._writes = 0
        tabs.setTabsClosable(True)
        tabs.setMovable(True)
        tabs.setDocumentMode(True)
        tabs.setTabBarAutoHide(True)  # no tab bar until a paper is open
        tabs.tabCloseRequested.connect(self.close_tab)
        tabs.currentChanged.connect(lambda _index: self._update_actions())
        tabs.tabBar().tabMoved.connect(self._keep_library_first)
        self._hide_close_button(0)

        self.close_action = QAction("&Close Tab", self)
        self.close_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        self.close_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.close_action.setStatusTip("Close the paper open in the reader (Ctrl+W)")
        self.close_action.triggered.connect(self.close_current)
        self.next_tab_action = QAction("Next Tab", self)
        self.next_tab_action.setShortcut(QKeySequence("Ctrl+Tab"))
        self.next_tab_action.triggered.connect(lambda: self._cycle(1))
        self.previous_tab_action = QAction("Previous Tab", self)
        self.previous_tab_action.setShortcut(QKeySequence("Ctrl+Shift+Tab"))
        self.previous_tab_action.triggered.connect(lambda: self._cycle(-1))
        self.read_action = QAction("&Read PDF", self)
        self.read_action.setStatusTip("Open the selected reference's PDF in the reader")
        self.read_action.triggered.connect(self.read_selection)
        self.status_actions: dict[str, QAction] = {}
        for status in READING_STATUSES:
            action = QAction(f"Mark as {STATUS_LABELS[status]}", self)
            action.setStatusTip(f"Set the selected references' reading status to {status}")
            action.triggered.connect(lambda _checked=False, s=status: self.set_selection_status(s))
            self.status_actions[status] = action
        bridge.sig_references_changed.connect(self._on_references_changed)
        bridge.sig_everything_changed.connect(self._close_deleted)
        self._update_actions()

    # --- tabs ---------------------------------------------------------------------------
    def _hide_close_button(self, index: int) -> None:
        bar = self.tabs.tabBar()
        for side in (bar.ButtonPosition.RightSide, bar.ButtonPosition.LeftSide):
            bar.setTabButton(index, side, None)

    def _keep_library_first(self, _from: int, _to: int) -> None:
        library = next(
            (i for i in range(self.tabs.count()) if not isinstance(self.tabs.widget(i), ReaderTab)),
            0,
        )
        if library != 0:
            self.tabs.tabBar().moveTab(library, 0)

    def readers(self) -> list[ReaderTab]:
        """The open reader tabs, left to right."""
        return [
            w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), ReaderTab)
        ]

    def current(self) -> ReaderTab | None:
        """The reader tab shown, if one is."""
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ReaderTab) else None

    def tab_of(self, ref_id: int) -> ReaderTab | None:
        """The tab reading reference ``ref_id``, if open."""
        return next((t for t in self.readers() if t.ref_id == ref_id), None)

    def open_reference(self, ref_id: int) -> ReaderTab | None:
        """Read the reference's PDF in a tab (the tab already open, if any). A reference
        without a PDF, or whose PDF is missing, gets a message in the status bar."""
        tab = self.tab_of(ref_id)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            return tab
        library = self._bridge.library
        found = library.load([ref_id])
        if not found:
            self.sig_reported.emit(f"No reference {ref_id}.")
            return None
        ref = found[0]
        pdfs = [a for a in ref.attachments if a.is_pdf]
        path = library.pdf_file(ref_id) if pdfs else None
        if path is None:
            if pdfs:
                self.sig_reported.emit(
                    f"The PDF of “{short_title(ref.title)}” is missing: {pdfs[0].location}"
                )
            else:
                self.sig_reported.emit(
                    f"“{short_title(ref.title)}” has no PDF: drop one onto it, or use Attach File."
                )
            return None
        page = self._known_pages.get(ref_id, ref.last_page)
        tab = ReaderTab(
            self._bridge, self._undo_stack, self._handles, ref_id, path, page=page,
            parent=self.tabs,
        )  # fmt: skip
        tab.sig_page_changed.connect(lambda p, t=tab: self._on_page_changed(t.ref_id, p))
        tab.sig_status_chosen.connect(lambda s, t=tab: self.set_status([t.ref_id], s))
        tab.sig_tags_entered.connect(lambda names, t=tab: self._tag(t.ref_id, names))
        tab.sig_tag_removal_requested.connect(lambda name, t=tab: self._untag(t.ref_id, name))
        tab.sig_open_externally_requested.connect(lambda t=tab: self.open_externally(t.path))
        index = self.tabs.addTab(tab, short_title(ref.title or path.name))
        self.tabs.setTabToolTip(index, f"{ref.title}\n{path}")
        self.tabs.setCurrentIndex(index)
        if ref.reading_status == "unread":
            self._mark_reading(ref_id)
        self._update_actions()
        self.sig_opened.emit(ref_id)
        return tab

    def read_selection(self) -> None:
        """Read the first selected reference's PDF."""
        ids = self._selected_ids()
        if ids:
            self.open_reference(ids[0])

    def set_selection_status(self, status: str) -> None:
        """Set the reading status of the selected references (undoable)."""
        ids = self._selected_ids()
        if ids:
            self.set_status(ids, status)

    def close_tab(self, index: int) -> None:
        """Close the reader tab at ``index`` (the library tab stays)."""
        tab = self.tabs.widget(index)
        if not isinstance(tab, ReaderTab):
            return
        tab.flush()
        tab.blockSignals(True)  # (what it does while being destroyed is not reading)
        self.save_pages()
        self.tabs.removeTab(index)
        tab.deleteLater()
        self._update_actions()

    def close_current(self) -> None:
        """Ctrl+W: close the reader tab shown."""
        tab = self.current()
        if tab is not None:
            self.close_tab(self.tabs.indexOf(tab))

    def close_all(self) -> None:
        """Save what each tab holds (the window closes)."""
        for tab in self.readers():
            tab.flush()
            tab.blockSignals(True)
        self.save_pages(wait=True)

    def _cycle(self, step: int) -> None:
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)

    def _update_actions(self) -> None:
        self.close_action.setEnabled(self.current() is not None)
        many = self.tabs.count() > 1
        self.next_tab_action.setEnabled(many)
        self.previous_tab_action.setEnabled(many)

    def _on_references_changed(self, change: ReferenceChange) -> None:
        for tab in self.readers():
            if tab.ref_id in change.ids:
                self.tabs.setTabText(self.tabs.indexOf(tab), short_title(tab.title()))

    def _close_deleted(self) -> None:
        """Close the tabs of references deleted for good (emptied from the Trash)."""
        for tab in self.readers():
            if not self._bridge.library.load([tab.ref_id]):
                self.close_tab(self.tabs.indexOf(tab))

    # --- the page read ------------------------------------------------------------------
    def _on_page_changed(self, ref_id: int, page: int) -> None:
        self._known_pages[ref_id] = page
        self._pages[ref_id] = page
        self._timer.start()

    def save_pages(self, *, wait: bool = False) -> None:
        """Write the pages read (on the runner; ``wait``: here, now)."""
        self._timer.stop()
        pages, self._pages = self._pages, {}
        if not pages:
            return
        library = self._bridge.library

        def job(_control: TaskControl | None) -> None:
            for ref_id, page in pages.items():
                library.set_last_page(ref_id, page)

        if wait or self._runner.closed:
            try:
                job(None)
            except USER_ERRORS as exc:
                self.sig_reported.emit(f"The page read was not saved: {exc}")
            return
        self._writes += 1
        self._runner.run(job, succeeded=self._page_written, failed=self._page_not_written)

    def _page_written(self, _result: object) -> None:
        self._writes -= 1

    def _page_not_written(self, exc: BaseException) -> None:
        self._writes -= 1
        if not isinstance(exc, USER_ERRORS):
            raise exc
        self.sig_reported.emit(f"The page read was not saved: {exc}")

    def is_saving(self) -> bool:
        """Whether pages read wait to be written (or are being written)."""
        return bool(self._pages) or self._writes > 0

    # --- status, tags, viewer -------------------------------------------------------------
    def _mark_reading(self, ref_id: int) -> None:
        library = self._bridge.library

        def done(changed: Changed) -> None:
            self._bridge.apply(changed, READING_TOUCHED)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, USER_ERRORS):
                raise exc

        self._runner.run(
            lambda _control: library.set_reading_status([ref_id], "reading"),
            succeeded=done,
            failed=failed,
        )

    def _push(self, command: QUndoCommand | None) -> None:
        if command is not None:
            self._undo_stack.push(command)
            self.sig_reported.emit(command.text())

    def set_status(self, ids: list[int], status: str) -> None:
        """Set the reading status of references (undoable)."""
        try:
            self._push(do_set_reading_status(self._bridge, ids, status))
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))

    def _tag(self, ref_id: int, names: list[str]) -> None:
        try:
            self._push(do_tag(self._bridge, names, [ref_id]))
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))

    def _untag(self, ref_id: int, name: str) -> None:
        try:
            self._push(do_untag(self._bridge, name, [ref_id]))
        except USER_ERRORS as exc:
            self._bridge.report_error(str(exc))

    def open_externally(self, path: Path) -> None:
        """Open the PDF in the system's viewer."""
        if not open_externally(path):
            self.sig_reported.emit(f"No application opened {path}")
