"""GUI fixtures: settings in a temporary folder, and the real main window on a library."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from refman.app import open_library
from refman.gui.main_window import MainWindow
from refman.gui.settings import configure_application
from refman.services.library import Library
from tests.conftest import SEED_FILES

WindowFactory = Callable[[], MainWindow]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A Qt warning fails a GUI test (the offscreen platform's own chatter aside)."""
    for item in items:
        if "tests/gui/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))


@pytest.fixture(autouse=True)
def settings_folder(tmp_path: Path, qapp: QApplication) -> Path:
    """QSettings of each test live in its own folder, never in the user's."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QStandardPaths.setTestModeEnabled(True)
    configure_application(qapp)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


def wait_loaded(qtbot: QtBot, window: MainWindow) -> None:
    """Until the list shows the current query's ids."""
    qtbot.waitUntil(lambda: window.model.loaded_once and not window.model.is_loading())


def select(qtbot: QtBot, window: MainWindow, ref_id: int) -> None:
    """Select one reference in the list and wait for the detail pane."""
    row = window.model.row_of(ref_id)
    assert row is not None
    window.view.select_row(row)
    qtbot.waitUntil(lambda: window.detail.reference is not None
                    and window.detail.reference.id == ref_id)  # fmt: skip


@pytest.fixture
def other(library_url: str, library: Library) -> Iterator[Library]:
    """A second client on the same library (another lab member, another program); the
    library holds two seed dumps."""
    library.import_files(SEED_FILES[:2])
    second = open_library(library_url)
    yield second
    second.close()


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[Library], MainWindow]]:
    """Opens the real main window on a library, shown and ready; closed at the end."""
    windows: list[MainWindow] = []

    def opener(library: Library) -> MainWindow:
        window = MainWindow(library)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.sig_ready, timeout=10_000):
            window.show()
        wait_loaded(qtbot, window)
        windows.append(window)
        return window

    yield opener
    for window in windows:
        if window.isVisible():
            window.close()
