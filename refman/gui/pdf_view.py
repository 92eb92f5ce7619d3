"""QtPdf's page view with what a reader needs on top: page geometry, text selection by
mouse, and a signal when a page's rendered image has been painted."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtPdf import (
    QPdfDocument,
    QPdfDocumentRenderOptions,
    QPdfLink,
    QPdfLinkModel,
    QPdfPageRenderer,
    QPdfSearchModel,
    QPdfSelection,
)
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QMenu, QWidget

SELECTION_COLOUR = QColor(66, 133, 244, 90)
MATCH_COLOUR = QColor(255, 200, 0, 110)
CURRENT_MATCH_COLOUR = QColor(230, 110, 0)
DRAG_THRESHOLD = 3
"""Pixels the mouse must move with the button down before it selects text."""


def _round(value: float) -> int:
    """Qt's ``qRound`` (half away from zero)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _to_size(size: QSizeF) -> QSize:
    return QSize(_round(size.width()), _round(size.height()))


@dataclass(frozen=True, slots=True)
class PagePoint:
    """A point on a page: its index and the position in points from the page's top left."""

    page: int
    point: QPointF


def line_boxes(rects: list[QRectF]) -> list[QRectF]:
    """Character boxes (in text order) merged into one box per run of a line."""
    boxes: list[QRectF] = []
    for rect in rects:
        if boxes:
            last = boxes[-1]
            top, bottom = max(last.top(), rect.top()), min(last.bottom(), rect.bottom())
            same_line = bottom - top > 0.4 * min(last.height(), rect.height())
            close = -last.height() < rect.left() - last.right() < 1.5 * max(last.height(), 4)
            if same_line and close:
                boxes[-1] = last.united(rect)
                continue
        boxes.append(QRectF(rect))
    return boxes


class PdfView(QPdfView):
    """All pages one below the other (``MultiPage``), fitting the width by default.

    QPdfView keeps its page layout private; :meth:`page_rects` computes the same layout
    (``QPdfViewPrivate::calculateDocumentLayout``: page sizes from the point size, the
    screen's logical dots per inch and the zoom; ``documentMargins`` around,
    ``pageSpacing`` between, each page centred), which the tests check against the
    scroll range the view itself sets.

    Dragging over a page selects its text (within that page); Ctrl+C copies it, the
    context menu offers Copy and Add to Note.

    Signals:
        sig_selection_changed(str): the selected text ("" when nothing is selected).
        sig_quote_requested(): the user asked to add the selection to the note.
        sig_page_painted(int): this page was painted with its rendered image for the
            first time since it was rendered (at the current size).
        sig_resized(): the view changed size (and laid the pages out again).

    Find results are painted here too (``set_search_model``), from the page geometry
    above: QPdfView's own highlighting scales by ``zoomFactor``, which the fitting zoom
    modes leave at 1.
    """

    sig_selection_changed = Signal(str)
    sig_quote_requested = Signal()
    sig_page_painted = Signal(int)
    sig_resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]  # (None is fine)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        screen = QGuiApplication.primaryScreen()
        self._resolution = screen.logicalDotsPerInch() / 72.0 if screen is not None else 1.0
        self._layout_key: tuple[object, ...] | None = None
        self._rects: list[QRect] = []
        self._rendered: dict[int, QSize] = {}  # page -> size of its latest rendered image
        self._announced: set[int] = set()
        self._press: PagePoint | None = None
        self._press_pos = QPoint()
        self._selecting = False
        self.selection: QPdfSelection | None = None
        self.selection_page = -1
        self._search: QPdfSearchModel | None = None
        self._current_result = -1
        self.paints = 0
        """Paint events so far (benchmarks wait for a paint after a page turn)."""
        self._links = QPdfLinkModel(self)
        self._sizes: list[QSizeF] = []  # each page's size in points
        renderer = self.findChild(QPdfPageRenderer)
        if renderer is not None:
            renderer.pageRendered.connect(self._on_page_rendered)
        self.zoomModeChanged.connect(self._forget_rendered)
        self.zoomFactorChanged.connect(self._forget_rendered)
        self.documentChanged.connect(self._on_document_changed)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # --- layout -------------------------------------------------------------------------
    def page_rects(self) -> list[QRect]:
        """Each page's rectangle in document coordinates (scrolled by the scroll bars)."""
        doc = self.document()
        if doc is None or doc.status() != QPdfDocument.Status.Ready:
            return []
        viewport = self.viewport().size()
        key = (
            id(doc),
            doc.pageCount(),
            viewport.width(),
            viewport.height(),
            self.zoomMode(),
            self.zoomFactor(),
            self.pageSpacing(),
            self.documentMargins(),
        )
        if key != self._layout_key:
            self._rects = self._layout(doc, viewport)
            self._layout_key = key
        return self._rects

    def _layout(self, doc: QPdfDocument, viewport: QSize) -> list[QRect]:
        margins, spacing, mode = self.documentMargins(), self.pageSpacing(), self.zoomMode()
        sizes = []
        for page in range(doc.pageCount()):
            natural = _to_size(self.point_size(page) * self._resolution)
            if mode == QPdfView.ZoomMode.FitToWidth:
                width = viewport.width() - margins.left() - margins.right()
                factor = width / natural.width() if natural.width() else 1.0
                size = QSize(_round(natural.width() * factor), _round(natural.height() * factor))
            elif mode == QPdfView.ZoomMode.FitInView:
                room = QSize(
                    viewport.width() - margins.left() - margins.right(),
                    viewport.height() - spacing,
                )
                size = natural.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
            else:
                size = _to_size(self.point_size(page) * self._resolution * self.zoomFactor())
            sizes.append(size)
        total = max((s.width() for s in sizes), default=0) + margins.left() + margins.right()
        rects = []
        y = margins.top()
        for size in sizes:
            x = (max(total, viewport.width()) - size.width()) // 2
            rects.append(QRect(QPoint(x, y), size))
            y += size.height() + spacing
        return rects

    def point_size(self, page: int) -> QSizeF:
        """A page's size in points (read from the document once: while a page renders,
        pdfium answers nothing else)."""
        doc = self.document()
        if doc is None:
            return QSizeF()
        if len(self._sizes) != doc.pageCount():
            self._sizes = [doc.pagePointSize(n) for n in range(doc.pageCount())]
        return self._sizes[page] if 0 <= page < len(self._sizes) else QSizeF()

    def document_height(self) -> int:
        """The height of all pages with their margins and spacing."""
        rects = self.page_rects()
        if not rects:
            return 0
        return rects[-1].bottom() + 1 + self.pageSpacing() + self.documentMargins().bottom()

    def scroll_offset(self) -> QPoint:
        """Where the viewport's top left is in document coordinates."""
        return QPoint(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def page_scale(self, page: int) -> float:
        """Pixels per point on ``page`` at the current zoom."""
        rects = self.page_rects()
        if not 0 <= page < len(rects):
            return 1.0
        width = self.point_size(page).width()
        return rects[page].width() / width if width else 1.0

    def page_point_at(self, pos: QPoint, *, clamp_to: int | None = None) -> PagePoint | None:
        """The page and point under viewport position ``pos`` (None between pages);
        with ``clamp_to`` the nearest point of that page."""
        rects = self.page_rects()
        where = pos + self.scroll_offset()
        if clamp_to is not None:
            if not 0 <= clamp_to < len(rects):
                return None
            rect = rects[clamp_to]
            x = min(max(where.x(), rect.left()), rect.right())
            y = min(max(where.y(), rect.top()), rect.bottom())
            return self._page_point(clamp_to, QPoint(x, y))
        for page, rect in enumerate(rects):
            if rect.contains(where):
                return self._page_point(page, where)
            if rect.top() > where.y():
                break
        return None

    def _page_point(self, page: int, where: QPoint) -> PagePoint:
        rect = self.page_rects()[page]
        scale = self.page_scale(page)
        return PagePoint(page, QPointF(where - rect.topLeft()) / scale)

    def view_rect(self, page: int, rect: QRectF) -> QRectF:
        """A rectangle in points on ``page`` in viewport coordinates."""
        scale = self.page_scale(page)
        origin = QPointF(self.page_rects()[page].topLeft() - self.scroll_offset())
        return QRectF(rect.topLeft() * scale + origin, rect.size() * scale)

    def visible_pages(self) -> list[int]:
        """The pages the viewport shows (some of them)."""
        area = QRect(self.scroll_offset(), self.viewport().size())
        return [page for page, rect in enumerate(self.page_rects()) if rect.intersects(area)]

    def current_page(self) -> int:
        """The page QPdfView counts as current (the one crossing 40% of the height)."""
        return self.pageNavigator().currentPage()

    def go_to_page(self, page: int, y: float | None = None) -> None:
        """Show ``page`` (from its top, or with the point ``y`` a third down the view)."""
        doc = self.document()
        if doc is None or not 0 <= page < doc.pageCount():
            return
        self.pageNavigator().jump(page, QPointF(0, y or 0))
        if y is not None:
            rect = self.page_rects()[page]
            target = rect.top() + _round(y * self.page_scale(page)) - self.viewport().height() // 3
            self.verticalScrollBar().setValue(max(target, rect.top()))

    # --- painting -----------------------------------------------------------------------
    def _on_page_rendered(
        self,
        page: int,
        size: QSize,
        _image: QImage,
        _options: QPdfDocumentRenderOptions,
        _request: int,
    ) -> None:
        self._rendered[page] = QSize(size)
        self._announced.discard(page)

    def _forget_rendered(self, *_args: object) -> None:
        self._rendered.clear()
        self._announced.clear()

    def _on_document_changed(self, *_args: object) -> None:
        self._forget_rendered()
        self.clear_selection()
        self._sizes = []
        doc = self.document()
        if doc is not None:
            doc.statusChanged.connect(self._on_status_changed)
            self._on_status_changed()

    def _on_status_changed(self, *_args: object) -> None:
        """Read the page sizes now, before the first page is asked to render."""
        self._forget_rendered()
        self._sizes = []
        doc = self.document()
        if doc is not None and doc.status() == QPdfDocument.Status.Ready:
            self.point_size(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new width re-renders the pages in the fitting zoom modes."""
        if self.zoomMode() != QPdfView.ZoomMode.Custom:
            self._forget_rendered()
        anchor = self._anchor(event.oldSize())
        super().resizeEvent(event)
        if anchor is not None:  # keep the line read at the top (the pages got taller)
            page, fraction = anchor
            rects = self.page_rects()
            if page < len(rects):
                top = rects[page].top() + _round(fraction * rects[page].height())
                self.verticalScrollBar().setValue(top)
        self.sig_resized.emit()

    def _anchor(self, old_size: QSize) -> tuple[int, float] | None:
        """Where the viewport's top was in the layout for ``old_size``: a page and how
        far down it (a resize lays the pages out again: the reader stays there)."""
        doc = self.document()
        if doc is None or doc.status() != QPdfDocument.Status.Ready or old_size.width() < 50:
            return None
        y = self.verticalScrollBar().value()
        for page, rect in enumerate(self._layout(doc, old_size)):
            if rect.bottom() >= y:
                return page, max(y - rect.top(), 0) / max(rect.height(), 1)
        return None

    def set_search_model(self, model: QPdfSearchModel | None) -> None:
        """Highlight ``model``'s matches on the pages."""
        self._search = model
        self._current_result = -1
        if model is not None:
            model.countChanged.connect(self.viewport().update)
        self.viewport().update()

    def set_current_result(self, index: int) -> None:
        """Frame match ``index`` of the search model (-1: none)."""
        self._current_result = index
        self.viewport().update()

    def has_image(self, page: int) -> bool:
        """Whether ``page`` has a rendered image at its current size (so it is painted
        as the page rather than a blank sheet)."""
        rects = self.page_rects()
        size = self._rendered.get(page)
        if size is None or not 0 <= page < len(rects):
            return False
        return size == rects[page].size() * self.devicePixelRatioF()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Pages as QPdfView paints them, then the selection; announce freshly
        rendered pages that were just painted."""
        super().paintEvent(event)
        if self._search is not None and self._search.searchString():
            self._paint_matches()
        if self.selection is not None and self.selection_page >= 0:
            painter = QPainter(self.viewport())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(SELECTION_COLOUR)
            rects = [polygon.boundingRect() for polygon in self.selection.bounds()]
            for box in line_boxes(rects):
                painter.drawRect(self.view_rect(self.selection_page, box.adjusted(-1, -1, 1, 1)))
            painter.end()
        self.paints += 1
        for page in self.visible_pages():
            if page not in self._announced and self.has_image(page):
                self._announced.add(page)
                self.sig_page_painted.emit(page)

    def _paint_matches(self) -> None:
        assert self._search is not None
        painter = QPainter(self.viewport())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(MATCH_COLOUR)
        for page in self.visible_pages():
            for link in self._search.resultsOnPage(page):
                for rect in link.rectangles():
                    painter.drawRect(self.view_rect(page, rect))
        if 0 <= self._current_result < self._search.rowCount(QModelIndex()):
            current = self._search.resultAtIndex(self._current_result)
            if current.page() in self.visible_pages():
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(CURRENT_MATCH_COLOUR, 2))
                for rect in current.rectangles():
                    painter.drawRect(self.view_rect(current.page(), rect).adjusted(-1, -1, 1, 1))
        painter.end()

    # --- selection ----------------------------------------------------------------------
    def selected_text(self) -> str:
        """The selected text ("" without a selection)."""
        return self.selection.text() if self.selection is not None else ""

    def clear_selection(self) -> None:
        """Select nothing."""
        if self.selection is not None:
            self.selection = None
            self.selection_page = -1
            self.viewport().update()
            self.sig_selection_changed.emit("")

    def select(self, start: PagePoint, end: PagePoint) -> str:
        """Select the text of ``start.page`` from ``start`` to ``end``; returns it."""
        doc = self.document()
        if doc is None:
            return ""
        selection = doc.getSelection(start.page, start.point, end.point)
        if not selection.isValid() or not selection.text().strip():
            self.clear_selection()
            return ""
        self.selection, self.selection_page = selection, start.page
        self.viewport().update()
        return selection.text()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """The left button starts a selection on a page."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self.page_point_at(event.position().toPoint())
            self._press_pos = event.position().toPoint()
            self._selecting = False
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        event.accept()

    def link_at(self, pos: QPoint) -> QPdfLink | None:
        """The link under viewport position ``pos`` (a page in the document or a URL)."""
        where = self.page_point_at(pos)
        if where is None:
            return None
        if self._links.document() is not self.document():
            self._links.setDocument(self.document())
        if self._links.page() != where.page:
            self._links.setPage(where.page)
        link = self._links.linkAt(where.point)
        return link if link.isValid() else None

    def follow_link(self, link: QPdfLink) -> None:
        """Go where a link points: a place in the document, or a web page (browser)."""
        if link.page() >= 0:
            self.go_to_page(link.page(), link.location().y() or None)
        elif link.url().isValid() and not link.url().isEmpty():
            QDesktopServices.openUrl(link.url())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Dragging extends the selection (within the page it started on); a link under
        the pointer shows a hand."""
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            link = self.link_at(event.position().toPoint())
            shape = Qt.CursorShape.PointingHandCursor if link else Qt.CursorShape.IBeamCursor
            if self.viewport().cursor().shape() != shape:
                self.viewport().setCursor(shape)
            return
        pos = event.position().toPoint()
        if not self._selecting and (pos - self._press_pos).manhattanLength() < DRAG_THRESHOLD:
            return
        self._selecting = True
        end = self.page_point_at(pos, clamp_to=self._press.page)
        if end is not None:
            self.select(self._press, end)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """The end of a drag announces the selection; a click clears it and follows a
        link. (QPdfView's own link handling takes the viewport's position for the
        document's, so it is not used.)"""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._selecting:
            self.sig_selection_changed.emit(self.selected_text())
        else:
            self.clear_selection()
            link = self.link_at(event.position().toPoint())
            if link is not None:
                self.follow_link(link)
        self._press = None
        self._selecting = False

    def copy_selection(self) -> bool:
        """Put the selected text on the clipboard; False when nothing is selected."""
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return bool(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+C copies the selection; Escape clears it."""
        if event.matches(QKeySequence.StandardKey.Copy) and self.copy_selection():
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.selection is not None:
            self.clear_selection()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Copy and Add to Note for the selection."""
        menu = QMenu(self)
        has_text = bool(self.selected_text())
        copy = menu.addAction("&Copy", self.copy_selection)
        copy.setEnabled(has_text)
        quote = menu.addAction("&Add to Note", self.sig_quote_requested.emit)
        quote.setEnabled(has_text)
        menu.exec(event.globalPos())
