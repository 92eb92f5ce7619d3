"""The window keeps nothing-lost promises: a damaged library opens read-only and offers
the newest good backup; File > Restore from Backup; notes autosave while typing; text
from records is shown as text, never loaded as HTML."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from refman.app import open_library
from refman.gui.backups_dialog import BackupsDialog
from refman.gui.main_window import MainWindow
from refman.gui.notes_editor import AUTOSAVE_MAX_MS
from refman.gui.reference_table_model import Column
from refman.gui.tag_list_model import EntryKind
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.gui.conftest import wait_loaded
from tests.library_state import damage, library_checksum

Opener = Callable[[Library], MainWindow]


def wait_checked(qtbot: QtBot, window: MainWindow) -> None:
    """Until the start-up integrity check has reported."""
    qtbot.waitUntil(lambda: window.safety.report is not None, timeout=20_000)


@pytest.fixture
def damaged(library_path: Path) -> Iterator[Library]:
    """A seeded library with one good backup, then damaged, opened again."""
    lib = open_library(str(library_path))
    lib.import_files(SEED_FILES)
    lib.run_pending_backup()
    lib.close()
    damage(library_path)
    reopened = open_library(str(library_path))
    yield reopened
    reopened.close()


def test_a_damaged_library_opens_read_only_and_the_newest_backup_restores_it(
    qtbot: QtBot, open_window: Opener, damaged: Library, library_path: Path
) -> None:
    before = library_checksum(library_path)
    window = open_window(damaged)
    wait_checked(qtbot, window)
    assert window.safety.report is not None
    assert not window.safety.report.ok
    assert window.safety.banner.isVisible()
    assert "failed its integrity check" in window.safety.banner.label.text()
    assert window.windowTitle().endswith("[read-only]")
    assert window.model.rowCount() == 79  # what is readable is shown
    box = window.safety.problem_box
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=20_000)
    assert "failed its integrity check" in box.text()
    assert "The newest good backup is of " in box.informativeText()

    errors: list[str] = []
    window.show_error = errors.append  # type: ignore[method-assign]
    window.tag_references(["never"], [1])
    assert len(errors) == 1
    assert "refman will not write to it (nothing was changed)" in errors[0]
    assert library_checksum(library_path) == before

    restore = next(b for b in box.buttons() if b.text() == "Restore Newest Backup")
    with qtbot.waitSignal(window.safety.sig_restored, timeout=20_000):
        restore.click()
    wait_loaded(qtbot, window)
    assert not window.safety.banner.isVisible()
    assert not window.windowTitle().endswith("[read-only]")
    assert window.model.rowCount() == 79
    window.tag_references(["restored"], [1])
    assert errors == [errors[0]]  # no new error: writable again
    assert [t.name for t in damaged.tags()] == ["restored"]
    assert any(p.name.endswith("-damaged.sqlite") for p in damaged.backups.folder.iterdir())  # type: ignore[union-attr]


def test_the_backups_dialog_lists_backs_up_and_restores(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(seeded)
    wait_checked(qtbot, window)
    seeded.backup_reason = None
    window.safety.daily_backup()  # (the window makes it a minute after a passing check)
    qtbot.waitUntil(lambda: window.safety.last_backup is not None, timeout=20_000)
    assert window.safety.last_backup is not None
    assert window.safety.last_backup.reason == "daily"
    seeded.add_tags(["later"], [1])
    window.safety.show_backups()
    dialog = window.safety.dialog
    assert isinstance(dialog, BackupsDialog)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() > 0)
    first = dialog.list.topLevelItem(0)
    assert first is not None
    assert first.text(2) == "79"  # references
    count = dialog.list.topLevelItemCount()
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == count + 1, timeout=20_000)
    newest = dialog.list.topLevelItem(0)
    assert newest is not None
    assert newest.text(1) == "Backed up by hand"
    # Restore the oldest (before "later" was added), confirming the question.
    asked: list[str] = []

    def yes(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    last = dialog.list.topLevelItem(dialog.list.topLevelItemCount() - 1)
    assert last is not None
    dialog.list.setCurrentItem(last)
    with qtbot.waitSignal(window.safety.sig_restored, timeout=20_000):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert "Replace the library with the backup of" in asked[0]
    assert seeded.tags() == []
    assert "Restored the backup of" in window.statusBar().currentMessage()


def test_an_import_in_the_window_is_backed_up(
    qtbot: QtBot, open_window: Opener, library: Library
) -> None:
    window = open_window(library)
    window.import_worker._show = lambda *_args: None  # type: ignore[method-assign]
    window.import_paths(SEED_FILES)
    qtbot.waitUntil(lambda: window.safety.last_backup is not None, timeout=30_000)
    made = window.safety.last_backup
    assert made is not None
    assert made.reason == "import"
    assert made.contents is not None
    assert made.contents.references == 79


def test_a_read_only_library_shows_why_without_offering_a_restore(
    qtbot: QtBot, open_window: Opener, seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert seeded.health is not None
    path = seeded.health.path
    seeded.close()
    from refman.services import health as health_module

    real = health_module.os.access
    monkeypatch.setattr(
        health_module.os, "access", lambda p, mode: False if mode == 2 else real(p, mode)
    )
    lib = open_library(str(path))
    try:
        window = open_window(lib)
        assert window.safety.banner.isVisible()
        assert "is read-only" in window.safety.banner.label.text()
        assert not window.safety.banner.button.isVisible()
        assert window.safety.problem_box is None
    finally:
        lib.close()


def test_a_note_typed_without_pause_is_saved_every_second(
    qtbot: QtBot, open_window: Opener, seeded: Library
) -> None:
    window = open_window(seeded)
    window.view.select_ids([1])
    notes = window.detail.notes
    notes.new_note()
    typist = QTimer(notes)  # a key every 100 ms: never the pause autosave otherwise waits for
    typist.setInterval(100)
    typist.timeout.connect(lambda: qtbot.keyClick(notes.editor, "x"))

    def saved() -> str:
        found = seeded.load([1])[0].notes
        return found[0].text if found else ""

    started = time.perf_counter()
    typist.start()
    try:
        qtbot.waitUntil(lambda: bool(saved()), timeout=3 * AUTOSAVE_MAX_MS)
        assert time.perf_counter() - started < AUTOSAVE_MAX_MS / 1000 + 1.0  # (a busy machine)
        first = saved()
        qtbot.waitUntil(lambda: len(saved()) > len(first), timeout=3 * AUTOSAVE_MAX_MS)
        assert typist.isActive()  # both saved while the typing went on
        behind = len(notes.editor.toPlainText()) - len(saved())
        assert behind <= AUTOSAVE_MAX_MS // 100 + 3  # about a second of typing at most
    finally:
        typist.stop()
    notes.flush()
    assert saved() == notes.editor.toPlainText()


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (one server per test)

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def tracker() -> Iterator[str]:
    """A local web server that counts requests; yields its address."""
    _Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_html_in_imported_records_is_shown_as_text_and_nothing_is_fetched(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path, tracker: str
) -> None:
    img = f'<img src="{tracker}/pixel.png">'
    title = f"Tracked {img} <b>bold</b> title"
    source = tmp_path / "hostile.bib"
    source.write_text(
        "@article{hostile,\n"
        f"  title = {{{title}}},\n"
        f"  abstract = {{An abstract with {img} and <script>alert(1)</script>.}},\n"
        f"  annote = {{A note {img} <i>here</i>}},\n"
        f"  keywords = {{<b>tag</b> {img}}},\n"
        f"  url = {{{tracker}/<img src=x>}},\n"
        "  year = 2024\n}\n",
        encoding="utf-8",
    )
    result = library.import_files([source])
    (ref_id,) = result.added_ids
    ref = library.get(ref_id)
    assert ref.title == title  # stored as the file wrote it
    window = open_window(library)
    window.view.select_ids([ref_id])
    detail = window.detail
    assert detail.heading.text() == title
    assert detail.heading.textFormat() == Qt.TextFormat.PlainText
    assert detail.editors["abstract"].toPlainText() == ref.abstract
    row = window.model.row_of(ref_id)
    assert row is not None
    cell = window.model.index(row, int(Column.TITLE)).data()
    assert cell == title
    notes = detail.notes
    notes.tabs.setCurrentWidget(notes.preview)
    assert img in notes.preview.toPlainText()  # the HTML as written, not an image
    assert "<i>here</i>" in notes.preview.toPlainText()
    tag = f"<b>tag</b> {img}"
    tag_row = window.tag_pane.model.row_of(EntryKind.TAG, tag)
    assert tag_row is not None
    tooltip = window.tag_pane.model.index(tag_row).data(Qt.ItemDataRole.ToolTipRole)
    shown = QTextDocument()
    shown.setHtml(tooltip)
    assert shown.toPlainText().startswith(f"{tag}: 1 references")  # literal, escaped
    link = next(b for b in detail._link_buttons if isinstance(b, QPushButton))
    shown.setHtml(link.toolTip())
    assert "<img src=x>" in shown.toPlainText()
    # Paint everything, with the search highlighting the title's words.
    window.search.setText("tracked")
    qtbot.waitUntil(lambda: not window.search.is_pending())
    wait_loaded(qtbot, window)
    window.grab()  # (painting is synchronous: a fetch would have been sent by now)
    notes.preview.grab()
    window.tag_pane.grab()
    urllib.request.urlopen(f"{tracker}/sentinel", timeout=10).close()
    qtbot.waitUntil(lambda: "/sentinel" in _Counter.hits)  # the server has caught up
    assert _Counter.hits == ["/sentinel"]
