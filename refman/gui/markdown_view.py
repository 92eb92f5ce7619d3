"""A read-only Markdown view that never loads anything: no images, local or remote."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class InertDocument(QTextDocument):
    """A text document whose resources (images, style sheets) always come back empty."""

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        """Nothing is ever loaded, local or remote."""
        del type, name
        return None


def image_names(document: QTextDocument) -> set[str]:
    """The names (URLs or paths) of every image the document shows."""
    names: set[str] = set()
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            char_format = iterator.fragment().charFormat()
            if char_format.isImageFormat():
                names.add(char_format.toImageFormat().name())
            iterator += 1
        block = block.next()
    return names


def _placeholder() -> QImage:
    """A small grey square standing in for an image that is never loaded."""
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    image.fill(QColor("#c8c8c8"))
    return image


class MarkdownView(QTextBrowser):
    """Shows Markdown rendered by ``QTextDocument.setMarkdown``; links open in the system
    browser (web and mail links only), and resources are never fetched."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(InertDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)

    def set_markdown(self, text: str) -> None:
        """Render ``text`` as GitHub-flavoured Markdown, images replaced by a placeholder.
        HTML in the text is shown as it is written, never interpreted (a note imported
        with a record is text: ``<img src=...>`` must not become an image or a fetch).

        Qt's image handler falls back to reading a local file itself when the document
        yields nothing, so every image name is given a placeholder resource before the
        document is laid out (parsing happens in a fresh document, which has no layout
        yet)."""
        document = InertDocument(self)
        document.setDefaultFont(self.font())
        features = QTextDocument.MarkdownFeature
        document.setMarkdown(text, features.MarkdownDialectGitHub | features.MarkdownNoHTML)
        for name in image_names(document):
            document.addResource(
                QTextDocument.ResourceType.ImageResource, QUrl(name), _placeholder()
            )
        previous = self.document()
        self.setDocument(document)
        if previous is not document and previous.parent() is self:
            previous.deleteLater()

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        """Nothing is ever loaded, local or remote."""
        del type, name
        return None

    @staticmethod
    def _open_link(url: QUrl) -> None:
        if url.scheme().lower() in SAFE_LINK_SCHEMES:
            QDesktopServices.openUrl(url)
