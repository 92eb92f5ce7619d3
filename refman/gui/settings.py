"""Where the window remembers its layout: one INI-format QSettings per user."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

ORGANISATION = "refman"
APPLICATION = "refman"

GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
SPLITTER = "window/splitter"
DETAIL_SPLITTER = "window/detail_splitter"
HEADER = "list/header"
LAST_SEARCH = "list/last_search"
ANY_TAG = "tags/any"
EXPORT_KIND = "export/kind"
EXPORT_NOTES = "export/notes"
EXPORT_ABSTRACTS = "export/abstracts"
EXPORT_FOLDER = "export/folder"
CITEKEY_PATTERN = "export/citekey_pattern"
CITATION_STYLE = "export/citation_style"
"""The style of Copy Citation, dragged citations and formatted exports."""


def configure_application(app: QCoreApplication) -> None:
    """Name the application so QSettings and QStandardPaths find our folders."""
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)


class Settings:
    """Typed access to the few values the window keeps between runs.

    Always the INI format, so tests can point it at a temporary folder with
    ``QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder)``."""

    def __init__(self) -> None:
        self._qsettings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
        )

    @property
    def path(self) -> str:
        """The file the settings live in."""
        return self._qsettings.fileName()

    def bytes(self, key: str) -> QByteArray | None:
        """A saved state blob (geometry, splitter, header), or None."""
        value = self._qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def text(self, key: str, default: str = "") -> str:
        """A saved string."""
        value = self._qsettings.value(key, default)
        return value if isinstance(value, str) else default

    def flag(self, key: str, *, default: bool = False) -> bool:
        """A saved boolean (INI files store it as text)."""
        value = self._qsettings.value(key, default)
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)

    def set(self, key: str, value: QByteArray | str | bool) -> None:
        """Remember a value."""
        self._qsettings.setValue(key, value)

    def sync(self) -> None:
        """Write pending values to disk."""
        self._qsettings.sync()
