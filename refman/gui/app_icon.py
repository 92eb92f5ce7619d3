"""The application icon, from the PNGs in ``resources/icons`` (no SVG plugin needed)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from refman.resources import ICON_SIZES, icon_path


def app_icon() -> QIcon:
    """refman's icon at every size it is drawn in (a null icon if the files are missing)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_path(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
