"""``refman --smoke-test``'s checks on the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from refman.gui.app_icon import app_icon
from refman.gui.main_window import MainWindow
from refman.gui.smoke_test import SmokeTest
from refman.resources import icon_path
from refman.services.library import Library


def test_a_window_that_paints_passes_and_reports(
    qtbot: QtBot, qapp: QApplication, seeded: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    qapp.setWindowIcon(app_icon())
    window = MainWindow(seeded)
    qtbot.addWidget(window)
    smoke = SmokeTest(window)
    smoke.start()
    with qtbot.waitSignal(smoke.sig_finished, timeout=30_000) as finished:
        window.show()
    out, err = capsys.readouterr()
    assert finished.args == [0], err
    assert out.splitlines()[0] == "refman smoke test"
    assert "(79 references)" in out
    assert "79 rows listed" in out
    assert "single instance: listening" in out
    assert "citation styles: apa, chicago-author-date" in out
    assert "sample papers: 5 files (79 references)" in out
    assert out.splitlines()[-1] == "ok"
    assert not window.isVisible()  # closed, as a user would


def test_missing_icon_sizes_and_an_unreachable_instance_fail(
    qtbot: QtBot, qapp: QApplication, library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    only_small = QIcon()
    only_small.addFile(str(icon_path(16)), QSize(16, 16))
    qapp.setWindowIcon(only_small)
    window = MainWindow(library)
    qtbot.addWidget(window)
    smoke = SmokeTest(window, instance="cannot listen: address in use")
    smoke.start()
    with qtbot.waitSignal(smoke.sig_finished, timeout=30_000) as finished:
        window.show()
    assert finished.args == [1]
    err = capsys.readouterr().err
    assert "refman: smoke test failed: single instance: cannot listen: address in use" in err
    assert "refman: smoke test failed: icon: no image for 24, 32, 48, 64, 128, 256, 512 px" in err
    qapp.setWindowIcon(app_icon())


def test_a_window_that_never_paints_in_time_fails(
    qtbot: QtBot, library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    window = MainWindow(library)
    qtbot.addWidget(window)
    smoke = SmokeTest(window, timeout_s=0.05)
    with qtbot.waitSignal(smoke.sig_finished, timeout=5_000) as finished:
        smoke.start()  # (never shown)
    assert finished.args == [1]
    assert "the window did not paint within 0.05 s" in capsys.readouterr().err
