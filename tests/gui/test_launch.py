"""``gui.app.launch`` in this process: ``refman FILE...`` shows the window, then asks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from refman.app import library_url, open_library
from refman.gui.app import launch
from refman.gui.main_window import MainWindow
from refman.gui.open_requests import OpenRequests
from tests.conftest import SEED_FILES

GIVE_UP_MS = 30_000


@pytest.fixture(autouse=True)
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="refman-run-") as folder:
        monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
        yield Path(folder)


def main_window() -> MainWindow | None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    return next((w for w in windows if w.isVisible()), None)


def test_files_given_at_start_are_asked_about_once_the_window_shows(
    qtbot: QtBot, tmp_path: Path
) -> None:
    seen: dict[str, object] = {}

    def answer_then_close() -> None:
        window = main_window()
        requests = window.findChild(OpenRequests) if window is not None else None
        box = requests.question if requests is not None else None
        if window is None or box is None or not box.isVisible():
            QTimer.singleShot(20, answer_then_close)  # (not yet: look again shortly)
            return
        seen["text"] = box.text()
        seen["files"] = box.informativeText()
        box.button(QMessageBox.StandardButton.Cancel).click()
        window.close()

    def give_up() -> None:
        for widget in QApplication.topLevelWidgets():
            widget.close()

    QTimer.singleShot(0, answer_then_close)
    QTimer.singleShot(GIVE_UP_MS, give_up)
    db = tmp_path / "library.sqlite"
    status = launch(library_url(str(db)), open_library, files=SEED_FILES[:2], argv=["refman"])
    assert status == 0
    assert seen == {
        "text": "Import 2 files into “library”?",
        "files": "\n".join(p.name for p in SEED_FILES[:2]),
    }
    library = open_library(str(db))
    try:
        assert library.count() == 0  # declined
    finally:
        library.close()
