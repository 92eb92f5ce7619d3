"""Search words highlighted in the reference list's text columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from refman.domain.search_query import highlight_spans

HIGHLIGHT = "#ffe58a"
"""The background of a matched word (readable on white and on the selection's blue)."""
HIGHLIGHTED_TEXT = "#000000"
"""The colour of a matched word's letters."""
SPANS_CACHED = 4_000
"""How many cells' matched spans are kept for repaints (forgotten when the words change)."""

Spans = tuple[tuple[int, int], ...]


_RIGHT_TO_LEFT = frozenset({"R", "AL"})


def right_to_left(text: str) -> bool:
    """Whether ``text`` holds right-to-left letters (Hebrew, Arabic ...): its words are
    not laid out in reading order, and it is painted without highlights."""
    return not text.isascii() and any(
        unicodedata.bidirectional(ch) in _RIGHT_TO_LEFT for ch in text
    )


def visible_spans(spans: Sequence[tuple[int, int]], shown: int) -> list[tuple[int, int]]:
    """``spans`` cut to the first ``shown`` characters (the rest is elided)."""
    return [(start, min(end, shown)) for start, end in spans if start < shown]


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, matched)`` runs at the spans' edges."""
    runs: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            runs.append((text[pos:start], False))
        runs.append((text[start:end], True))
        pos = end
    if pos < len(text):
        runs.append((text[pos:], False))
    return runs


class HighlightDelegate(QStyledItemDelegate):
    """Paints a cell as usual, its text with the current search's words on a highlight.
    ``words`` is set by the window whenever the quick search changes.

    A highlighted cell is drawn with the painter directly (the style draws the
    background, selection and focus; the text is drawn in runs, matched words on
    ``HIGHLIGHT``), elided like any other cell. A paint asks for no rich text and
    lays out no document: a one-letter search highlights most visible cells, and the
    list must repaint within the keystroke's budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self._spans: dict[str, Spans] = {}
        self._highlight = QColor(HIGHLIGHT)
        self._highlighted_text = QColor(HIGHLIGHTED_TEXT)

    @property
    def words(self) -> tuple[str, ...]:
        """The folded words the search looks for (none: nothing is highlighted)."""
        return self._words

    @words.setter
    def words(self, words: tuple[str, ...]) -> None:
        if words != self._words:
            self._words = words
            self._spans.clear()

    def spans(self, text: str) -> Spans:
        """Where the current words match in ``text`` (cached per text; none in
        right-to-left text, see :func:`right_to_left`)."""
        found = self._spans.get(text)
        if found is None:
            if len(self._spans) >= SPANS_CACHED:
                self._spans.clear()
            matches = () if right_to_left(text) else tuple(highlight_spans(text, self._words))
            found = self._spans[text] = matches
        return found

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Highlighted text when the search matched words of this cell, else as usual."""
        data = index.data(Qt.ItemDataRole.DisplayRole) if self._words else None
        text = data if isinstance(data, str) else ""
        spans = self.spans(text) if text else ()
        if option.direction == Qt.LayoutDirection.RightToLeft:
            spans = ()  # (runs drawn one after another would be out of reading order)
        if not spans:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            super().paint(painter, option, index)
            return
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        self._draw_runs(painter, opt, text_rect.adjusted(margin, 0, -margin, 0), text, spans)

    def _draw_runs(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        rect: QRect,
        text: str,
        spans: Spans,
    ) -> None:
        """Draw ``text`` elided into ``rect``, the ``spans`` on the highlight colour."""
        metrics = QFontMetricsF(opt.font)
        shown = metrics.elidedText(text, opt.textElideMode, rect.width())
        if shown != text:  # elided at the right: the matches before the ellipsis
            kept = len(shown) - 1 if shown.endswith("…") else len(shown)
            runs = segments(shown, visible_spans(spans, kept))
        else:
            runs = segments(text, spans)
        state = opt.state
        if not state & QStyle.StateFlag.State_Enabled:
            group = QPalette.ColorGroup.Disabled
        elif not state & QStyle.StateFlag.State_Active:
            group = QPalette.ColorGroup.Inactive  # (as the style draws a cell's text)
        else:
            group = QPalette.ColorGroup.Normal
        role = (
            QPalette.ColorRole.HighlightedText
            if state & QStyle.StateFlag.State_Selected
            else QPalette.ColorRole.Text
        )
        plain = opt.palette.color(group, role)
        height = metrics.height()
        top = rect.top() + (rect.height() - height) / 2
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.save()
        painter.setClipRect(rect)
        painter.setFont(opt.font)
        x = float(rect.left())
        right = rect.right() + 1
        for piece, matched in runs:
            width = metrics.horizontalAdvance(piece)
            box = QRectF(x, rect.top(), width, rect.height())
            if matched:
                painter.fillRect(QRectF(x, top, width, height), self._highlight)
                painter.setPen(self._highlighted_text)
            else:
                painter.setPen(plain)
            painter.drawText(box, flags, piece)
            x += width
            if x >= right:
                break
        painter.restore()
