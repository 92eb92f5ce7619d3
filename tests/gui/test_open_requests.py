"""Files opened from outside the window: raise it, ask, then import (or not)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from refman.gui.main_window import MainWindow
from refman.gui.open_requests import OpenRequests
from refman.gui.single_instance import OpenRequest
from refman.services.importing import ImportResult
from refman.services.library import Library
from tests.conftest import SEED_FILES

Opener = Callable[[Library], MainWindow]


def answer(qtbot: QtBot, requests: OpenRequests, button: str) -> None:
    """Click a button of the open question."""
    box = requests.question
    assert box is not None
    clicked = next(b for b in box.buttons() if b.text().replace("&", "") == button)
    qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)


def close_message_boxes(window: MainWindow) -> None:
    for box in window.findChildren(QMessageBox):
        box.close()


def test_a_request_raises_the_window_and_asks_before_importing(
    qtbot: QtBot, open_window: Opener, library: Library
) -> None:
    window = open_window(library)
    requests = OpenRequests(window)
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    with qtbot.waitSignal(requests.sig_asked, timeout=5000):
        requests.handle(OpenRequest(SEED_FILES[:2], ""))
    assert not window.isMinimized()
    box = requests.question
    assert box is not None
    assert box.isVisible()
    assert box.text() == f"Import 2 files into “{library.store.name}”?"
    assert box.informativeText().split("\n") == [p.name for p in SEED_FILES[:2]]
    assert library.count() == 0  # nothing before the answer

    with qtbot.waitSignal(window.import_worker.sig_finished, timeout=30_000) as finished:
        answer(qtbot, requests, "Import")
    result = finished.args[0]
    assert isinstance(result, ImportResult)
    assert result.files == [str(p) for p in SEED_FILES[:2]]
    assert library.count() == 20 - 8 + 0  # listings 000 and 001 share 8 papers
    assert requests.question is None
    close_message_boxes(window)


def test_declining_imports_nothing(qtbot: QtBot, open_window: Opener, library: Library) -> None:
    window = open_window(library)
    requests = OpenRequests(window)
    requests.ask(SEED_FILES[:1])
    with (
        qtbot.assertNotEmitted(window.import_worker.sig_finished, wait=300),
        qtbot.waitSignal(requests.sig_declined, timeout=5000) as declined,
    ):
        answer(qtbot, requests, "Cancel")
    assert declined.args == [SEED_FILES[:1]]
    assert library.count() == 0


def test_files_arriving_while_asking_join_the_question(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path
) -> None:
    window = open_window(library)
    requests = OpenRequests(window)
    requests.ask(SEED_FILES[:1])
    first = requests.question
    requests.ask([SEED_FILES[0], *SEED_FILES[1:3], tmp_path / "missing.bib", tmp_path])
    assert requests.question is first  # one question, not two
    assert first is not None
    assert first.text().startswith("Import 3 files into")
    lines = first.informativeText().split("\n")
    assert lines[:3] == [p.name for p in SEED_FILES[:3]]
    assert lines[3:] == [
        "",
        "Skipped:",
        f"{tmp_path / 'missing.bib'} (no such file)",
        f"{tmp_path} (a folder, not a file)",
    ]
    with qtbot.waitSignal(window.import_worker.sig_finished, timeout=30_000):
        answer(qtbot, requests, "Import")
    assert library.count() == 10 + 10 - 8 + 47
    close_message_boxes(window)


def test_only_missing_files_are_reported_not_asked_about(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path
) -> None:
    window = open_window(library)
    requests = OpenRequests(window)
    with qtbot.assertNotEmitted(requests.sig_asked):
        requests.ask([tmp_path / "gone.ris"])
    assert requests.question is None
    shown = [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert shown == [f"Nothing to import:\n{tmp_path / 'gone.ris'} (no such file)"]
    close_message_boxes(window)


def test_accepted_files_wait_for_the_running_import(
    qtbot: QtBot, open_window: Opener, library: Library
) -> None:
    window = open_window(library)
    requests = OpenRequests(window)
    results: list[object] = []
    window.import_worker.sig_finished.connect(results.append)
    window.import_paths(SEED_FILES[2:3])  # the profile page, 47 references
    assert window.import_worker.is_running()
    requests.ask(SEED_FILES[:1])
    answer(qtbot, requests, "Import")
    qtbot.waitUntil(lambda: len(results) == 2, timeout=30_000)
    assert [r.files for r in results if isinstance(r, ImportResult)] == [
        [str(SEED_FILES[2])],
        [str(SEED_FILES[0])],
    ]
    assert library.count() == 47 + 10
    close_message_boxes(window)
