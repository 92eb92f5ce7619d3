"""Fetch Metadata, Add by Identifier and Download PDF in the real window, over replayed
responses: the review dialog and its undo, the window staying responsive while a lookup
blocks, offline messages, the add dialog, PDFs attached and undone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from refman.gui.fetch_dialog import FIELD_ROLE, REF_ROLE, FetchDialog
from refman.gui.main_window import MainWindow
from refman.services.library import Library
from refman.services.lookup import LookupClient, LookupSettings
from tests.gui.test_main_window import Opener
from tests.lookup_fakes import ARXIV_API, PDF_BYTES, FakeWeb, by_id_list, entry

SPMM = "2301.00001"
OTHER = "2301.00002"
TITLE = "Efficient Sparse Matrix Kernels based on Adaptive Workload-Balancing"
LISTING = f"""Sparse matrix kernels on GPUs need their workload balanced; we show how to combine \
segment reduction with SIMD shuffles and when each principle pays off.
arXiv:{SPMM}
Created: 2023-01-02

Novelty detection asks whether an example differs from the training distribution; a \
decoder-encoder framework learns to compare through mutual information.
arXiv:{OTHER}
Created: 2023-01-03
"""


def replay(web: FakeWeb) -> Callable[[LookupSettings, Callable[[], bool]], LookupClient]:
    """A client factory for the window's lookups that talks to ``web``."""
    return lambda settings, cancelled: web.client(settings, cancelled=cancelled)


def arxiv_web() -> FakeWeb:
    return FakeWeb().on(
        ARXIV_API,
        by_id_list(
            {
                SPMM: entry(SPMM, TITLE, ("Guyue Huang", "Guohao Dai")),
                OTHER: entry(OTHER, "Learning to Compare for Novelty Detection", ("Chen Li",)),
            }
        ),
    )


@pytest.fixture
def listed(library: Library, tmp_path: Path) -> Library:
    (tmp_path / "listing.txt").write_text(LISTING, encoding="utf-8")
    library.import_files([tmp_path / "listing.txt"])
    return library


class Reports:
    """What the lookups reported, with what the status bar showed at that moment (other
    parts of the window, backups for one, write there too, later)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.shown: list[str] = []
        window.lookups.sig_reported.connect(self._record)  # after the window's own slot

    def _record(self, text: str) -> None:
        assert self.window.statusBar().currentMessage() == text
        self.shown.append(text)

    @property
    def last(self) -> str:
        return self.shown[-1] if self.shown else ""


def open_fetch_dialog(qtbot: QtBot, window: MainWindow, ids: list[int]) -> FetchDialog:
    window.view.select_ids(ids)
    window.lookups.fetch_action.trigger()
    qtbot.waitUntil(lambda: window.lookups.fetch_dialog is not None, timeout=10_000)
    dialog = window.lookups.fetch_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_fetch_review_apply_undo_redo(qtbot: QtBot, open_window: Opener, listed: Library) -> None:
    ids = listed.resolve([SPMM, OTHER])
    window = open_window(listed)
    said = Reports(window)
    web = arxiv_web()
    window.lookups.client_factory = replay(web)
    dialog = open_fetch_dialog(qtbot, window, ids)
    assert web.arxiv_id_lists() == [f"{SPMM},{OTHER}"]
    assert dialog.summary.text() == "2 references: 2 with changes."
    assert dialog.apply_button.text() == "&Apply 14 Changes"  # 7 fields each
    # Keep the second paper's provisional title: untick it.
    (title_item,) = [
        item
        for item in dialog.field_items()
        if item.data(0, FIELD_ROLE) == "title" and item.parent().data(0, REF_ROLE) == ids[1]
    ]
    title_item.setCheckState(0, Qt.CheckState.Unchecked)
    assert dialog.apply_button.text() == "&Apply 13 Changes"
    first_title = next(i for i in dialog.field_items() if i.data(0, FIELD_ROLE) == "title")
    assert first_title.text(1).endswith("(provisional)")
    assert first_title.text(2) == TITLE
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: window.undo_stack.count() == 1, timeout=10_000)
    assert window.undo_stack.undoText() == "Fetch metadata for 2 references"
    first, second = listed.load(ids)
    assert (first.title, first.title_provisional) == (TITLE, False)
    assert second.title_provisional
    assert [p.family for p in second.authors] == ["Li"]
    assert said.last == "Updated 2 references."
    qtbot.waitUntil(lambda: window.model.list_row(window.model.row_of(ids[0]) or 0) is not None)

    window.undo()
    first, second = listed.load(ids)
    assert first.title_provisional
    assert first.authors == []
    assert second.authors == []
    window.redo()
    assert listed.load(ids)[0].title == TITLE


def test_the_window_stays_responsive_while_a_lookup_blocks(
    qtbot: QtBot, open_window: Opener, listed: Library
) -> None:
    ids = listed.resolve([SPMM])
    window = open_window(listed)
    release = threading.Event()
    asked = threading.Event()
    answer = by_id_list({SPMM: entry(SPMM, TITLE)})

    def slow(request: httpx.Request) -> httpx.Response:
        asked.set()
        assert release.wait(20), "the test never released the request"
        return answer(request)

    web = FakeWeb().on(ARXIV_API, slow)
    window.lookups.client_factory = replay(web)
    window.view.select_ids(ids)
    window.lookups.fetch_action.trigger()
    qtbot.waitUntil(asked.is_set, timeout=5000)
    # The request hangs on a worker; the UI thread goes on handling events.
    ticks: list[int] = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2000)
    timer.stop()
    assert window.lookups.progress.isVisible()
    assert window.lookups.progress.label.text() == "Fetching metadata for 1 reference…"
    assert not window.lookups.fetch_action.isEnabled()  # one fetch at a time
    qtbot.keyClicks(window.search, "sparse")
    qtbot.waitUntil(lambda: window.search.text() == "sparse")
    assert window.lookups.fetch_dialog is None  # the answer is still held back
    release.set()
    qtbot.waitUntil(lambda: window.lookups.fetch_dialog is not None, timeout=10_000)
    assert not window.lookups.progress.isVisible()


def test_cancel_while_blocked_changes_nothing(
    qtbot: QtBot, open_window: Opener, listed: Library
) -> None:
    ids = listed.resolve([SPMM])
    window = open_window(listed)
    said = Reports(window)
    release = threading.Event()
    answer = by_id_list({SPMM: entry(SPMM, TITLE)})

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(20)
        return answer(request)

    window.lookups.client_factory = replay(FakeWeb().on(ARXIV_API, slow))
    window.view.select_ids(ids)
    window.lookups.fetch_action.trigger()
    qtbot.waitUntil(window.lookups.progress.isVisible)
    window.lookups.progress.cancel.click()
    release.set()
    qtbot.waitUntil(lambda: window.lookups.batch is None, timeout=10_000)
    assert said.last == "Fetch Metadata: cancelled; nothing was changed."
    assert window.lookups.fetch_dialog is None
    assert listed.load(ids)[0].title_provisional


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
            "Fetch Metadata: cannot reach export.arxiv.org (temporary failure in name "
            "resolution). Nothing was changed.",
        ),
        (
            (503, b"", {"Retry-After": "3600"}),
            "Fetch Metadata: export.arxiv.org is busy (HTTP 503) and asks to wait 3600 s; "
            "try again later. Nothing was changed.",
        ),
    ],
)
def test_offline_or_busy_is_a_status_bar_message(
    qtbot: QtBot,
    open_window: Opener,
    listed: Library,
    failure: Exception | tuple[int, bytes, dict[str, str]],
    message: str,
) -> None:
    ids = listed.resolve([SPMM, OTHER])
    window = open_window(listed)
    said = Reports(window)
    window.lookups.client_factory = replay(FakeWeb().on(ARXIV_API, failure))
    window.view.select_ids(ids)
    window.lookups.fetch_action.trigger()
    qtbot.waitUntil(lambda: said.last == message, timeout=10_000)
    assert window.lookups.fetch_dialog is None
    assert window.undo_stack.count() == 0
    assert window.lookups.fetch_action.isEnabled()


def test_nothing_to_change_says_so(qtbot: QtBot, open_window: Opener, listed: Library) -> None:
    ids = listed.resolve([SPMM])
    window = open_window(listed)
    said = Reports(window)
    window.lookups.client_factory = replay(FakeWeb().on(ARXIV_API, by_id_list({})))
    window.view.select_ids(ids)
    window.lookups.fetch_action.trigger()
    expected = f"Fetch Metadata: {listed.get(ids[0]).citekey}: arXiv has no paper {SPMM}."
    qtbot.waitUntil(lambda: said.last == expected, timeout=10_000)


def test_add_by_identifier(qtbot: QtBot, open_window: Opener, listed: Library) -> None:
    window = open_window(listed)
    said = Reports(window)
    web = FakeWeb().on(ARXIV_API, by_id_list({"2106.16128": entry("2106.16128", TITLE)}))
    window.lookups.client_factory = replay(web)
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    clipboard.setText("https://arxiv.org/abs/2106.16128v2")
    dialog = window.lookups.show_add_dialog()
    assert dialog.field.text() == "https://arxiv.org/abs/2106.16128v2"  # from the clipboard
    assert dialog.feedback.text() == "arXiv 2106.16128 (v2)"
    dialog.field.setText("2106.16128 nonsense")
    assert not dialog.add_button.isEnabled()
    assert dialog.feedback.text() == "Not an arXiv id, DOI or link: “nonsense”"
    dialog.field.setText("arXiv:2106.16128")
    assert dialog.add_button.isEnabled()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert said.last == f"Added “{TITLE}”."
    (new_id,) = listed.resolve(["2106.16128"])
    qtbot.waitUntil(lambda: window.view.selected_ids() == [new_id], timeout=10_000)
    assert window.undo_stack.undoText() == f"Add “{TITLE[:40]}”"
    count = listed.count()
    window.undo()
    assert listed.count() == count - 1  # in the Trash
    window.redo()
    assert listed.count() == count

    again = window.lookups.show_add_dialog()
    again.field.setText(SPMM)
    again.add_button.click()
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=10_000)
    assert said.last == f"Already in the library: {SPMM}."


def test_add_by_identifier_keeps_the_dialog_for_what_failed(
    qtbot: QtBot, open_window: Opener, listed: Library
) -> None:
    window = open_window(listed)
    said = Reports(window)
    web = FakeWeb().on(ARXIV_API, httpx.ConnectError("[Errno 101] Network is unreachable"))
    window.lookups.client_factory = replay(web)
    dialog = window.lookups.show_add_dialog()
    dialog.field.setText("2106.16128")
    dialog.add_button.click()
    expected = "Cannot reach export.arxiv.org (network is unreachable). Nothing was added."
    qtbot.waitUntil(lambda: dialog.feedback.text() == expected, timeout=10_000)
    assert said.last == "Add by Identifier: " + expected[:1].lower() + expected[1:]
    assert dialog.isVisible()
    assert dialog.add_button.isEnabled()
    assert not dialog.field.isReadOnly()

    window.lookups.client_factory = replay(arxiv_web())
    dialog.field.setText("2301.99999")
    dialog.add_button.click()
    expected = "2301.99999: arXiv has no paper 2301.99999"
    qtbot.waitUntil(lambda: dialog.feedback.text() == expected, timeout=10_000)
    assert dialog.field.text() == "2301.99999"
    dialog.reject()


def test_download_pdf_attaches_and_undo_detaches(
    qtbot: QtBot, open_window: Opener, listed: Library
) -> None:
    ids = listed.resolve([SPMM])
    window = open_window(listed)
    said = Reports(window)
    web = FakeWeb().on(f"arxiv.org/pdf/{SPMM}", (200, PDF_BYTES, {"Content-Length": "2000"}))
    window.lookups.client_factory = replay(web)
    window.view.select_ids(ids)
    window.lookups.download_action.trigger()
    qtbot.waitUntil(lambda: window.undo_stack.count() == 1, timeout=10_000)
    assert said.last == "Downloaded 1 PDF."
    assert window.undo_stack.undoText() == "Download PDF"
    pdf = listed.pdf_file(ids[0])
    assert pdf is not None
    assert pdf.read_bytes() == PDF_BYTES
    window.undo()
    assert listed.get(ids[0]).attachments == []
    window.redo()
    assert listed.pdf_file(ids[0]) == pdf


def test_contact_email_setting(qtbot: QtBot, open_window: Opener, listed: Library) -> None:
    window = open_window(listed)
    said = Reports(window)
    dialog = window.lookups.ask_contact_email()
    dialog.setTextValue("me@lab.example")
    dialog.accept()
    assert listed.lookup_settings().contact_email == "me@lab.example"
    assert said.last == "Lookups now send me@lab.example as contact."


def test_actions_in_menus_context_menu_and_toolbar(open_window: Opener, listed: Library) -> None:
    window = open_window(listed)
    lookups = window.lookups
    menu_actions = {
        action.text(): action.menu().actions() if action.menu() else []
        for action in window.menuBar().actions()
    }
    assert lookups.add_action in menu_actions["&File"]
    assert lookups.download_action in menu_actions["&File"]
    assert lookups.fetch_action in menu_actions["&Edit"]
    assert lookups.email_action in menu_actions["&Edit"]
    assert {lookups.fetch_action, lookups.download_action} <= set(window.view.actions())
    assert lookups.add_action in window.toolbar.actions()
    assert lookups.add_action.shortcut().toString() == "Ctrl+Shift+N"
    window.view.select_ids([])
    assert not lookups.fetch_action.isEnabled()
    window.view.select_ids(listed.resolve([SPMM]))
    assert lookups.fetch_action.isEnabled()
    assert lookups.download_action.isEnabled()
