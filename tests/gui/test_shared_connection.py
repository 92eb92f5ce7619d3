"""Connecting to a shared library (the password in the keyring, never in the settings),
reopening the window on it, and losing the connection without losing anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from refman.app import open_library
from refman.domain.query import ReferenceQuery
from refman.gui import app as gui_app
from refman.gui.connect_dialog import ConnectDialog, LibraryLogin, recent_libraries
from refman.gui.detail_pane import PENDING_MESSAGE
from refman.gui.main_window import MainWindow
from refman.gui.settings import Settings
from refman.gui.single_instance import InstanceLock, instance_key
from refman.services import kept_edits
from refman.services.library import Library
from tests import pg_server as pg
from tests.conftest import SEED_FILES
from tests.pg_restartable import RestartableServer

Opener = Callable[[Library], MainWindow]
SECRET = "s3cret-Passw0rd"


class MemoryKeyring(KeyringBackend):
    """A keyring in memory (the system's is never touched by tests)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def shared_db(pg_server: pg.Server, pg_template: str) -> Iterator[str]:
    """A refman library on the test server (its database name)."""
    name = pg_server.create_database(template=pg_template)
    yield name
    pg_server.drop_database(name)


def fill(dialog: ConnectDialog, server: pg.Server, database: str, password: str = "") -> None:
    dialog.host.setText(server.host)
    dialog.port.setValue(server.port)
    dialog.database.setText(database)
    dialog.user.setText(server.user)
    dialog.password.setText(password)


def open_dialog(qtbot: QtBot, window: MainWindow) -> ConnectDialog:
    window.shared.ask_connect()
    dialog = window.shared.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.keyring_available is not None)
    return dialog


def settings_text(folder: Path) -> str:
    return "".join(f.read_text(errors="replace") for f in folder.rglob("*") if f.is_file())


# --- the connect dialog -------------------------------------------------------------------
@pytest.fixture
def connecting(
    open_window: Opener, library: Library, pg_server: pg.Server, shared_db: str
) -> tuple[MainWindow, pg.Server, str]:
    """A window on an SQLite library, and a shared library on the test server to
    connect to (the server, its database's name)."""
    return open_window(library), pg_server, shared_db


@pytest.mark.postgres
@pytest.mark.usefixtures("memory_keyring")
def test_password_goes_to_the_keyring_never_to_the_settings(
    qtbot: QtBot,
    open_window: Opener,
    library: Library,
    connecting: tuple[MainWindow, pg.Server, str],
    settings_folder: Path,
) -> None:
    window, pg_server, shared_db = connecting
    memory_keyring = keyring.get_keyring()
    assert isinstance(memory_keyring, MemoryKeyring)
    dialog = open_dialog(qtbot, window)
    assert dialog.remember.isEnabled()
    assert dialog.remember.isChecked()
    fill(dialog, pg_server, shared_db, SECRET)
    with qtbot.waitSignal(window.shared.sig_switch_requested, timeout=15_000) as switched:
        dialog.connect_button.click()
    login: LibraryLogin = switched.args[0]
    assert login.password == SECRET
    assert SECRET not in login.url
    assert SECRET not in repr(login)
    assert (
        login.url
        == f"postgresql+psycopg://{pg_server.user}@{pg_server.host}:{pg_server.port}/{shared_db}"
    )
    assert not window.isVisible()  # closed, to reopen on the shared library
    key = f"{pg_server.user}@{pg_server.host}:{pg_server.port}/{shared_db}"
    assert memory_keyring.passwords == {("refman", key): SECRET}
    Settings().sync()
    text = settings_text(settings_folder)
    assert shared_db in text  # the recent library is remembered...
    assert SECRET not in text  # ...without its password

    # Next session: the recent library is offered; the keyring gives the password.
    second = open_window(library)
    dialog = open_dialog(qtbot, second)
    assert dialog.database.text() == shared_db
    assert dialog.password.text() == ""
    assert dialog.remember.isChecked()
    with qtbot.waitSignal(dialog.sig_connected, timeout=15_000) as connected:
        dialog.connect_button.click()
    assert connected.args[0].password == SECRET
    (recent,) = recent_libraries(Settings())
    assert (recent.library.database, recent.remember) == (shared_db, True)


@pytest.mark.postgres
@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_password_is_asked_each_session(
    qtbot: QtBot, connecting: tuple[MainWindow, pg.Server, str], settings_folder: Path
) -> None:
    window, pg_server, shared_db = connecting
    dialog = open_dialog(qtbot, window)
    assert not dialog.remember.isEnabled()
    assert not dialog.remember.isChecked()
    assert "no system keyring" in dialog.remember.toolTip().lower()
    fill(dialog, pg_server, shared_db, SECRET)
    with qtbot.waitSignal(dialog.sig_connected, timeout=15_000) as connected:
        dialog.connect_button.click()
    assert connected.args[0].password == SECRET
    assert SECRET not in settings_text(settings_folder)
    (recent,) = recent_libraries(Settings())
    assert not recent.remember


@pytest.mark.postgres
def test_connection_problems_are_shown_in_the_dialog(
    qtbot: QtBot,
    connecting: tuple[MainWindow, pg.Server, str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, pg_server, _shared_db = connecting
    dialog = open_dialog(qtbot, window)
    fill(dialog, pg_server, "no_such_database", SECRET)
    with qtbot.waitSignal(dialog.sig_failed, timeout=15_000) as failed:
        dialog.connect_button.click()
    assert "no_such_database" in failed.args[0]
    assert "does not exist" in dialog.status.text()
    assert SECRET not in dialog.status.text()
    assert dialog.isVisible()
    assert dialog.connect_button.isEnabled()  # try again
    assert not memory_keyring.passwords  # nothing remembered for a failed login

    # An empty database: asked before a library is created in it.
    empty = pg_server.create_database()
    try:
        asked: list[str] = []
        monkeypatch.setattr(
            ConnectDialog, "_confirm_new_library", lambda _self, lib: asked.append(lib.database)
        )  # (returns None: declined)
        fill(dialog, pg_server, empty)
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: bool(asked), timeout=15_000)
        assert asked == [empty]
        assert dialog.isVisible()
    finally:
        pg_server.drop_database(empty)


@pytest.mark.postgres
def test_the_window_reopens_on_the_shared_library(
    qtbot: QtBot, library_path: Path, pg_server: pg.Server, shared_db: str
) -> None:
    """``launch``: File > Connect to Shared Library… closes the window and the app
    starts over on the shared library (its own single-instance lock and all)."""
    windows: list[str] = []
    shared_url = pg_server.url(shared_db)

    def on_window() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                      and w.isVisible())  # fmt: skip
        windows.append(window.library.store.url)
        if len(windows) == 1:
            window.shared.switch(LibraryLogin(shared_url, "any password"))
        else:
            assert window.shared.live.server
            window.close()

    opened: list[tuple[str, str | None]] = []

    def opener(url: str, *, password: str | None = None) -> Library:
        opened.append((url, password))
        return open_library(url, password=password)

    original = MainWindow.__init__

    def init(self: MainWindow, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.sig_ready.connect(lambda: QTimer.singleShot(0, on_window))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MainWindow, "__init__", init)
        status = gui_app.launch(f"sqlite:///{library_path}", opener)
    assert status == 0
    assert windows == [f"sqlite:///{library_path}", shared_url]
    assert opened[1] == (shared_url, "any password")


@pytest.mark.postgres
@pytest.mark.usefixtures("no_keyring")
def test_a_start_without_the_password_asks_for_it(
    qtbot: QtBot, pg_server: pg.Server, shared_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``refman --db URL`` for a server that wants a password no keyring keeps: the
    connect dialog, filled in, asks for it (again after a wrong one); the window then
    opens on the library. Cancelling ends the start, with the reason."""
    user = pg_server.password_role(SECRET)
    url = f"postgresql+psycopg://{user}@{pg_server.host}:{pg_server.port}/{shared_db}"
    seen: list[str] = []
    windows: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConnectDialog) or not dialog.connect_button.isEnabled():
            return
        status = dialog.status.text()
        if status in seen:
            return  # (still showing what was answered)
        seen.append(status)
        probe = InstanceLock(instance_key(url))  # another start meanwhile is not stuck
        assert probe.try_acquire()
        probe.release()
        assert (dialog.user.text(), dialog.database.text()) == (user, shared_db)
        assert dialog.password.hasFocus()
        dialog.password.setText("wrong" if len(seen) == 1 else SECRET)
        dialog.connect_button.click()

    def on_window() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                      and w.isVisible())  # fmt: skip
        windows.append(window.library.store.url)
        window.close()

    original = MainWindow.__init__

    def init(self: MainWindow, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.sig_ready.connect(lambda: QTimer.singleShot(0, on_window))

    clicker = QTimer()
    clicker.timeout.connect(answer)
    clicker.start(50)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MainWindow, "__init__", init)
        status = gui_app.launch(url, open_library, ask_login=gui_app.ask_login_at_start)
    clicker.stop()
    assert status == 0
    assert windows == [url]
    assert len(seen) == 2
    assert "password" in seen[0].lower()  # why the dialog came up: no password given
    assert "password authentication failed" in seen[1]  # then the wrong one

    # Cancelled: the start ends, saying why.
    status = gui_app.launch(url, open_library, ask_login=lambda _url, _problem: None)
    assert status == 1
    assert "Cannot open the library" in capsys.readouterr().err


# --- losing the connection ------------------------------------------------------------------
@pytest.fixture
def server_library(restartable: RestartableServer) -> Iterator[tuple[Library, str]]:
    name = restartable.server.create_database()
    lib = open_library(restartable.server.url(name))
    lib.import_files(SEED_FILES[:1])
    yield lib, name
    lib.close()


@pytest.mark.postgres
def test_connection_lost_keeps_typing_and_saves_it_when_back(
    qtbot: QtBot,
    open_window: Opener,
    restartable: RestartableServer,
    server_library: tuple[Library, str],
) -> None:
    library, name = server_library
    window = open_window(library)
    banner = window.shared.banner
    first, second = library.query_ids(ReferenceQuery())[:2]
    window.view.select_row(window.model.row_of(first) or 0)
    qtbot.waitUntil(lambda: window.detail.reference is not None)
    ref_id = window.detail.reference.id  # type: ignore[union-attr]
    try:
        restartable.stop()
        qtbot.waitUntil(lambda: banner.lost, timeout=15_000)
        assert f"Connection to {name}@127.0.0.1 lost" in banner.text.text()
        assert "127.0.0.1" in banner.toolTip()  # the driver's reason
        assert window.shared.indicator.text() == "● Offline"

        # A field and a note typed meanwhile stay, marked as not saved yet.
        assert window.detail.commit_field("title", "Typed without a connection")
        assert window.detail.errors["title"].text() == PENDING_MESSAGE
        notes = window.detail.notes
        notes.new_note()
        qtbot.keyClicks(notes.editor, "A note typed without a connection")
        notes.flush()
        assert window.shared.kept_count() == 2
        assert "2 unsaved edits kept" in banner.text.text()
        # Another reference can't be loaded now; coming back shows the kept text.
        window.view.select_row(window.model.row_of(second) or 1)
        qtbot.waitUntil(lambda: "Cannot show this reference now" in window.detail.empty.text())
        window.view.select_row(window.model.row_of(ref_id) or 0)
        qtbot.waitUntil(lambda: window.detail.editors["title"].toPlainText()
                        == "Typed without a connection")  # fmt: skip
        assert window.detail.notes.editor.toPlainText() == "A note typed without a connection"

        restartable.start()
        qtbot.mouseClick(banner.reconnect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.shared.lost, timeout=15_000)
        qtbot.waitUntil(lambda: window.shared.kept_count() == 0, timeout=5_000)
        assert "Reconnected" in banner.text.text()
        assert window.detail.errors["title"].text() == ""
    finally:
        window.detail._pending.clear()
        window.detail.notes._pending.clear()
    check = open_library(library.store.url)
    try:
        saved = check.load([ref_id])[0]
        assert saved.title == "Typed without a connection"
        assert [n.text for n in saved.notes] == ["A note typed without a connection"]
    finally:
        check.close()


@pytest.mark.postgres
def test_edits_kept_offline_survive_closing_the_window(
    qtbot: QtBot,
    open_window: Opener,
    restartable: RestartableServer,
    server_library: tuple[Library, str],
    kept_edits_folder: Path,
) -> None:
    """Closed before the server came back: the kept edits wait on disk, and the next
    window on the library saves them (asking where someone changed the same field)."""
    library, _name = server_library
    first, second = library.query_ids(ReferenceQuery())[:2]
    window = open_window(library)
    window.view.select_row(window.model.row_of(first) or 0)
    qtbot.waitUntil(lambda: window.detail.reference is not None)
    try:
        restartable.stop()
        qtbot.waitUntil(lambda: window.shared.lost, timeout=15_000)
        assert window.detail.commit_field("venue", "Venue typed offline")
        assert window.detail.commit_field("title", "Title typed offline")
        notes = window.detail.notes
        notes.new_note()
        qtbot.keyClicks(notes.editor, "A note typed offline")
        qtbot.keyClicks(window.detail.editors["year"], "")  # (focus elsewhere)

        asked: list[str] = []

        def answer_close() -> None:
            box = window.shared.close_question
            if box is None:
                QTimer.singleShot(20, answer_close)
                return
            asked.append(box.text())
            close = next(b for b in box.buttons() if b.text() == "Close")
            close.click()

        QTimer.singleShot(0, answer_close)
        assert window.close()  # the note's last words are flushed, then kept on disk
        assert "kept on this computer" in asked[0]
        assert "3 edits" in asked[0]
        (journal,) = kept_edits_folder.iterdir()
        text = journal.read_text(encoding="utf-8")
        assert "Title typed offline" in text
        assert "A note typed offline" in text
    finally:
        restartable.start()

    # Meanwhile a colleague changed the title (not the venue).
    other = open_library(library.store.url)
    try:
        ref = other.load([first])[0]
        other.update_fields(first, {"title": "Their title"}, ref.version)
    finally:
        other.close()

    again = open_library(library.store.url)
    try:
        reopened = open_window(again)  # (it takes the kept edits back as it starts)
        conflicts = reopened.detail.conflicts
        qtbot.waitUntil(lambda: conflicts.dialog is not None, timeout=10_000)
        dialog = conflicts.dialog
        assert dialog is not None
        assert list(dialog.rows) == ["title"]  # the venue is not asked about
        (journal,) = kept_edits_folder.iterdir()  # both wait for the answer, on disk
        waiting = journal.read_text(encoding="utf-8")
        assert "Title typed offline" in waiting
        assert "Venue typed offline" in waiting
        assert "A note typed offline" not in waiting  # (added: needed no answer)
        dialog.rows["title"].choose("mine")
        with qtbot.waitSignal(conflicts.sig_finished):
            dialog.save_button.click()
        saved = again.load([first])[0]
        assert (saved.title, saved.venue) == ("Title typed offline", "Venue typed offline")
        assert [n.text for n in saved.notes] == ["A note typed offline"]
        assert again.load([second])[0].notes == []
        qtbot.waitUntil(lambda: not any(kept_edits_folder.iterdir()))  # all saved: gone
        assert reopened.shared.kept_count() == 0
        reopened.close()  # (before its library: a window still painting would reconnect)
    finally:
        again.close()


@pytest.mark.postgres
def test_a_kept_note_someone_changed_meanwhile_asks_and_leaves_the_disk_once_answered(
    qtbot: QtBot, open_window: Opener, pg_server: pg.Server, shared_db: str
) -> None:
    """A note typed offline in an earlier session over "Our words" (version 1); since, a
    colleague saved "Their words". The window asks; the file keeps the note until the
    user has answered, then goes."""
    url = pg_server.url(shared_db)
    library = open_library(url)
    try:
        library.import_files(SEED_FILES[:1])
        ref_id = library.query_ids(ReferenceQuery())[0]
        note_id = library.add_note(ref_id, "Our words").count
        library.edit_note(note_id, "Their words", version=1)
        kept = kept_edits.KeptEdits(
            notes=[kept_edits.KeptNote(ref_id, note_id, "Our words, typed offline", 1, "Our words")]
        )
        kept_edits.save(url, kept)
        path = kept_edits.journal_path(url)
        assert path is not None

        window = open_window(library)
        notes = window.detail.notes
        qtbot.waitUntil(lambda: notes.conflict_dialog is not None, timeout=10_000)
        dialog = notes.conflict_dialog
        assert dialog is not None
        assert dialog.rows["note"].theirs_view.toPlainText() == "Their words"  # type: ignore[union-attr]
        assert "typed offline" in path.read_text(encoding="utf-8")  # not answered yet: kept
        dialog.rows["note"].choose("mine")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not path.exists(), timeout=5_000)
        (saved,) = library.load([ref_id])[0].notes
        assert (saved.text, saved.version) == ("Our words, typed offline", 3)
        window.close()
    finally:
        library.close()


@pytest.mark.postgres
def test_a_file_of_kept_edits_that_cannot_be_read_is_left_alone(
    qtbot: QtBot, open_window: Opener, pg_server: pg.Server, shared_db: str
) -> None:
    """Written by a newer refman, or damaged: the window says so and never overwrites
    or removes it (its own kept edits then live in the window only, and closing asks)."""
    url = pg_server.url(shared_db)
    path = kept_edits.journal_path(url)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 2, "what": "a newer refman"}', encoding="utf-8")
    library = open_library(url)
    try:
        window = open_window(library)
        assert "cannot be read" in window.shared.journal_blocked
        window.shared.write_journal()  # (as after any kept edit, or a reconnection)
        assert path.read_text(encoding="utf-8") == '{"format": 2, "what": "a newer refman"}'
        assert window.shared.journal_problem  # closing with kept edits would warn
        window.close()
    finally:
        library.close()


@pytest.mark.postgres
def test_killed_sessions_reconnect_without_a_fuss(
    qtbot: QtBot,
    open_window: Opener,
    restartable: RestartableServer,
    server_library: tuple[Library, str],
) -> None:
    library, name = server_library
    window = open_window(library)
    other = open_library(library.store.url)
    try:
        ids = library.query_ids(ReferenceQuery())
        applied: list[object] = []
        window.shared.live.sig_applied.connect(applied.append)
        restartable.terminate_sessions(name)
        qtbot.waitUntil(lambda: bool(applied), timeout=10_000)  # caught up after reconnecting
        assert not window.shared.banner.lost
        window.view.select_row(0)
        qtbot.waitUntil(lambda: window.detail.reference is not None)
        assert window.detail.commit_field("venue", "Written after the blip")
        ref = other.load([ids[1]])[0]
        other.update_fields(ids[1], {"title": "Seen after the blip"}, ref.version)
        qtbot.waitUntil(
            lambda: (
                window.model.index(window.model.row_of(ids[1]) or 0, 0).data()
                == "Seen after the blip"
            ),
            timeout=2_000,
        )
    finally:
        other.close()
