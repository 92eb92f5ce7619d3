"""Search words highlighted in the reference list's text columns."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QPainter, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from refman.domain.search_query import highlight_spans

HIGHLIGHT = "#ffe58a"
"""The background of a matched word (readable on white and on the selection's blue)."""


def highlighted_html(text: str, words: Sequence[str]) -> str | None:
    """``text`` as HTML with the words the search matched marked, or None when none is."""
    spans = highlight_spans(text, words)
    if not spans:
        return None
    parts, pos = [], 0
    for start, end in spans:
        parts.append(html.escape(text[pos:start]))
        parts.append(
            f'<span style="background-color:{HIGHLIGHT}; color:#000">'
            f"{html.escape(text[start:end])}</span>"
        )
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


class HighlightDelegate(QStyledItemDelegate):
    """Paints a cell as usual, its text with the current search's words highlighted.
    ``words`` is set by the window whenever the quick search changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words: tuple[str, ...] = ()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Highlighted text when the search matched words of this cell, else as usual."""
        text = index.data(Qt.ItemDataRole.DisplayRole)
        marked = highlighted_html(text, self.words) if self.words and text else None
        if marked is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        document = QTextDocument()
        document.setDocumentMargin(0)
        font = index.data(Qt.ItemDataRole.FontRole)
        document.setDefaultFont(font if isinstance(font, QFont) else opt.font)
        document.setHtml(f'<span style="white-space:pre">{marked}</span>')
        rect = opt.rect.adjusted(4, 0, -4, 0)
        painter.save()
        painter.setClipRect(rect)
        top = rect.top() + (rect.height() - document.size().height()) / 2
        painter.translate(rect.left(), top)
        context = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:
            context.palette.setColor(
                context.palette.ColorRole.Text, opt.palette.highlightedText().color()
            )
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()
