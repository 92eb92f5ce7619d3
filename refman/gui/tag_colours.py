"""Colours for tag chips and swatches."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

PRESETS: tuple[str, ...] = (
    "#e5484d",
    "#f76b15",
    "#ffc53d",
    "#46a758",
    "#12a594",
    "#0090ff",
    "#6e56cf",
    "#d6409f",
    "#8d8d8d",
)
"""Offered first in the colour dialog (distinct at a glance, like Zotero's)."""


def chip_colours(colour: str | None, palette: QPalette) -> tuple[QColor, QColor]:
    """Background and text colour of a chip for a tag of ``colour`` (None: uncoloured)."""
    if colour is None:
        background = palette.color(QPalette.ColorRole.Midlight)
        return background, palette.color(QPalette.ColorRole.Text)
    background = QColor(colour)
    # Perceived luminance decides between black and white text.
    luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return background, QColor("#000000" if luminance > 150 else "#ffffff")
