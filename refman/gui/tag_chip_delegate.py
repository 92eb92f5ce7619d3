"""Paints a row's tags as small coloured chips in the list's tags column."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from refman.gui.reference_table_model import TAGS_ROLE
from refman.gui.tag_colours import chip_colours

_GAP = 4
_PAD = 6


class TagChipDelegate(QStyledItemDelegate):
    """Draws ``TAGS_ROLE`` as rounded chips, eliding with "…" when they do not fit."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Background and selection as usual, then one chip per tag."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        tags = index.data(TAGS_ROLE) or ()
        if not tags:
            return
        rect = opt.rect
        font = opt.font
        font.setPointSizeF(font.pointSizeF() * 0.9)
        metrics = QFontMetrics(font)
        height = min(metrics.height() + 2, rect.height() - 2)
        top = rect.top() + (rect.height() - height) / 2
        x = float(rect.left() + _GAP)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        for number, (name, colour) in enumerate(tags):
            width = metrics.horizontalAdvance(name) + 2 * _PAD
            remaining = len(tags) - number - 1
            if x + width > rect.right() - (_GAP if not remaining else 20):
                painter.setPen(opt.palette.text().color())
                painter.drawText(
                    QRectF(x, top, rect.right() - x, height),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    "…",
                )
                break
            background, foreground = chip_colours(colour, opt.palette)
            chip = QRectF(x, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(chip, height / 2, height / 2)
            painter.setPen(foreground)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, name)
            x += width + _GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Wide enough for every chip."""
        base = super().sizeHint(option, index)
        tags = index.data(TAGS_ROLE) or ()
        metrics = QFontMetrics(option.font)
        width = sum(metrics.horizontalAdvance(name) + 2 * _PAD + _GAP for name, _c in tags)
        return QSize(max(base.width(), width + _GAP), base.height())
