"""Page thumbnails for the reader's side bar, rendered on demand off the UI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions, QPdfPageRenderer
from shiboken6 import isValid

THUMBNAIL_WIDTH = 110
_Index = QModelIndex | QPersistentModelIndex


def on_white(image: QImage) -> QPixmap:
    """A rendered page (transparent where the PDF paints nothing) on white paper."""
    pixmap = QPixmap(image.size())
    pixmap.setDevicePixelRatio(image.devicePixelRatio())
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.drawImage(0, 0, image)
    painter.end()
    return pixmap


class ThumbnailModel(QAbstractListModel):
    """One row per page: its label and, once rendered, a thumbnail. A page is rendered
    the first time a view asks for its picture (QPdfPageRenderer's own thread); until
    then it is a blank sheet of the page's shape."""

    def __init__(self, document: QPdfDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._pixmaps: dict[int, QPixmap] = {}
        self._requested: set[int] = set()
        self._blank: dict[tuple[int, int], QPixmap] = {}
        self._renderer = QPdfPageRenderer(self)
        self._renderer.setRenderMode(QPdfPageRenderer.RenderMode.MultiThreaded)
        self._renderer.setDocument(document)
        self._renderer.pageRendered.connect(self._on_rendered)
        self._count = document.pageCount()
        document.pageCountChanged.connect(self._reset)

    def _reset(self, *_args: object) -> None:
        if not isValid(self._document):  # (the document is being destroyed)
            return
        self.beginResetModel()
        self._pixmaps.clear()
        self._requested.clear()
        self._count = self._document.pageCount()
        self.endResetModel()

    def thumbnail_size(self, page: int) -> QSize:
        """The thumbnail's size: ``THUMBNAIL_WIDTH`` wide, the page's proportions."""
        size = self._document.pagePointSize(page)
        if size.width() <= 0:
            return QSize(THUMBNAIL_WIDTH, int(THUMBNAIL_WIDTH * 1.414))
        return QSize(THUMBNAIL_WIDTH, round(THUMBNAIL_WIDTH * size.height() / size.width()))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """One row per page."""
        return 0 if parent.isValid() else self._count

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The page label, and its thumbnail (asked to be rendered on first use)."""
        if not index.isValid():
            return None
        page = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._document.pageLabel(page) or str(page + 1)
        if role == Qt.ItemDataRole.DecorationRole:
            pixmap = self._pixmaps.get(page)
            if pixmap is not None:
                return pixmap
            if page not in self._requested:
                self._requested.add(page)
                self._renderer.requestPage(page, self.thumbnail_size(page))
            return self._blank_sheet(self.thumbnail_size(page))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Page {self._document.pageLabel(page) or page + 1}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def _blank_sheet(self, size: QSize) -> QPixmap:
        key = (size.width(), size.height())
        if key not in self._blank:
            pixmap = QPixmap(size)
            pixmap.fill(QColor("white"))
            self._blank[key] = pixmap
        return self._blank[key]

    def _on_rendered(
        self,
        page: int,
        _size: QSize,
        image: QImage,
        _options: QPdfDocumentRenderOptions,
        _request: int,
    ) -> None:
        if 0 <= page < self._count:
            self._pixmaps[page] = on_white(image)
            index = self.index(page)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
