"""Tag chips with a remove button, as the detail pane shows a reference's tags."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from refman.gui.flow_layout import FlowLayout
from refman.gui.plain_text import literal
from refman.gui.tag_colours import chip_colours


class TagChip(QWidget):
    """One tag: its name on its colour and a × that asks to remove it.

    Signals:
        sig_remove_requested(str): the × was clicked.
    """

    sig_remove_requested = Signal(str)

    def __init__(
        self, name: str, colour: str | None, label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        background, foreground = chip_colours(colour, self.palette())
        self.setObjectName("tagChip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#tagChip {{ background: {background.name()}; border-radius: 9px; }}"
            f"#tagChip QLabel, #tagChip QToolButton {{ color: {foreground.name()};"
            " background: transparent; border: none; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 2, 1)
        layout.setSpacing(2)
        self.label = QLabel(label, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("×")
        self.remove_button.setToolTip(literal(f"Remove the tag “{name}”"))
        self.remove_button.setAccessibleName(f"Remove tag {name}")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.sig_remove_requested.emit(self.name))
        layout.addWidget(self.label)
        layout.addWidget(self.remove_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


class TagChipBox(QWidget):
    """A wrapping row of :class:`TagChip`.

    Signals:
        sig_remove_requested(str): a chip's × was clicked.
    """

    sig_remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = FlowLayout(self)
        self.chips: list[TagChip] = []
        self._shown: list[tuple[str, str | None, str]] = []
        self.hide()  # until there are tags

    def set_tags(self, tags: list[tuple[str, str | None, str]]) -> None:
        """Show chips for ``(name, colour, label)``; unchanged tags keep their widgets."""
        if tags == self._shown:
            return
        self._shown = list(tags)
        for chip in self.chips:
            self._layout.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for name, colour, label in tags:
            chip = TagChip(name, colour, label, self)
            chip.sig_remove_requested.connect(self.sig_remove_requested)
            self._layout.addWidget(chip)
            chip.show()
            self.chips.append(chip)
        self.setVisible(bool(tags))
        self.updateGeometry()
