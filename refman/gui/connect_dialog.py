"""File > Connect to Shared Library…: a lab's library on a PostgreSQL server.

The password never reaches the settings file: "Remember password" keeps it in the
system keyring when there is one (see ``services.credentials``), otherwise it is asked
for in each session. Recent libraries are remembered without it. The connection is
tested on the task runner; the window then reopens on the library."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from refman.gui.settings import Settings
from refman.gui.task_runner import TaskControl, TaskRunner
from refman.services import credentials
from refman.services.errors import USER_ERRORS
from refman.services.shared_libraries import (
    DEFAULT_PORT,
    ConnectionCheck,
    ServerLibrary,
    check_connection,
    server_library,
)

RECENT_KEY = "shared/recent"
"""QSettings: JSON list of ``{"url": password-free URL, "remember": bool}``."""
RECENT_MAX = 8


@dataclass(frozen=True, slots=True)
class RecentLibrary:
    """A shared library connected to before, and whether its password is remembered."""

    library: ServerLibrary
    remember: bool = False


def recent_libraries(settings: Settings) -> list[RecentLibrary]:
    """The shared libraries connected to, newest first."""
    try:
        items = json.loads(settings.text(RECENT_KEY, "[]"))
    except ValueError:
        return []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        library = server_library(str(item.get("url", "")))
        if library is not None:
            out.append(RecentLibrary(library, bool(item.get("remember", False))))
    return out


def remember_recent(settings: Settings, recent: RecentLibrary) -> None:
    """Put ``recent`` first in the list (its URL holds no password)."""
    kept = [r for r in recent_libraries(settings) if r.library != recent.library]
    items = [{"url": r.library.url, "remember": r.remember} for r in [recent, *kept][:RECENT_MAX]]
    settings.set(RECENT_KEY, json.dumps(items))
    settings.sync()


@dataclass(frozen=True, slots=True)
class LibraryLogin:
    """What the window reopens on: the library's URL (no password in it) and the
    password to connect with (None: the keyring's, or the driver's own sources)."""

    url: str
    password: str | None = None

    def __repr__(self) -> str:  # never print a password by accident
        return f"LibraryLogin(url={self.url!r}, password={'***' if self.password else None})"


class ConnectDialog(QDialog):
    """Host, port, database, user, password and "remember password"; Connect tests the
    connection off the UI thread and accepts once the library can be opened.

    Signals:
        sig_connected(object): the :class:`LibraryLogin` to open.
        sig_failed(str): the test failed (the message is also shown in the dialog).
    """

    sig_connected = Signal(object)
    sig_failed = Signal(str)

    def __init__(self, runner: TaskRunner, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Connect to Shared Library")
        self._runner = runner
        self._settings = settings
        self._attempt = 0
        self.login: LibraryLogin | None = None
        self.keyring_available: bool | None = None

        self.recent = QComboBox(self)
        self.recent.setAccessibleName("Recent shared libraries")
        self._recent = recent_libraries(settings)
        self.recent.addItem("New connection")
        for item in self._recent:
            self.recent.addItem(f"{item.library.label} ({item.library.user})")
        self.recent.currentIndexChanged.connect(self._on_recent_chosen)
        self.host = QLineEdit(self)
        self.host.setPlaceholderText("db.lab.example.org")
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit(self)
        self.database.setPlaceholderText("refman")
        self.user = QLineEdit(self)
        self.user.setText(_login_name())
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("asked for each session unless remembered")
        self.remember = QCheckBox("Remember the password in the system keyring", self)
        self.remember.setChecked(True)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()

        form = QFormLayout()
        if self._recent:
            form.addRow("Recent", self.recent)
        else:
            self.recent.hide()
        form.addRow("&Host", self.host)
        form.addRow("&Port", self.port)
        form.addRow("&Database", self.database)
        form.addRow("&User", self.user)
        form.addRow("Pass&word", self.password)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(self)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel(
            "A library on a PostgreSQL server that everyone in the lab opens: changes "
            "made by others appear as they happen.",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        for edit in (self.host, self.database, self.user):
            edit.textChanged.connect(self._update_enabled)
        if self._recent:
            self.recent.setCurrentIndex(1)
        self._update_enabled()
        self.setMinimumWidth(460)
        self._runner.run(
            lambda _control: credentials.keyring_available(), succeeded=self._on_keyring_known
        )

    # --- form -----------------------------------------------------------------------
    def preset(self, library: ServerLibrary, problem: str) -> None:
        """Fill in ``library`` (a start on it failed: ``problem`` says why) and wait for
        its password, or for a corrected field."""
        self.host.setText(library.host)
        self.port.setValue(library.port)
        self.database.setText(library.database)
        self.user.setText(library.user)
        self.password.clear()
        if "no password supplied" in problem:  # (libpq's words for it)
            problem = f"The server asks for {library.user}'s password for {library.label}."
        self.show_status(problem[:1].upper() + problem[1:], error=True)
        self.password.setFocus()

    def _on_recent_chosen(self, index: int) -> None:
        if not 1 <= index <= len(self._recent):
            return
        item = self._recent[index - 1]
        self.host.setText(item.library.host)
        self.port.setValue(item.library.port)
        self.database.setText(item.library.database)
        self.user.setText(item.library.user)
        self.password.clear()
        if self.keyring_available is not False:
            self.remember.setChecked(item.remember)

    def _on_keyring_known(self, available: object) -> None:
        self.keyring_available = bool(available)
        if not self.keyring_available:
            self.remember.setChecked(False)
            self.remember.setEnabled(False)
            self.remember.setToolTip(
                "No system keyring is available: the password is asked for in each session."
            )
            self.remember.setText("Remember the password (no system keyring available)")

    def chosen_library(self) -> ServerLibrary | None:
        """The library the fields describe (None until host, database and user are set)."""
        host, database, user = (e.text().strip() for e in (self.host, self.database, self.user))
        if not (host and database and user):
            return None
        return ServerLibrary(host=host, database=database, user=user, port=self.port.value())

    def _update_enabled(self) -> None:
        self.connect_button.setEnabled(self.chosen_library() is not None)

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.recent,
            self.host,
            self.port,
            self.database,
            self.user,
            self.password,
            self.remember,
        ):
            widget.setEnabled(not busy)
        if not busy and self.keyring_available is False:
            self.remember.setEnabled(False)
        self.connect_button.setEnabled(not busy and self.chosen_library() is not None)

    def show_status(self, message: str, *, error: bool = False) -> None:
        """A line under the fields: progress, or why the connection failed."""
        self.status.setStyleSheet("color: #c62828;" if error else "")
        self.status.setText(message)
        self.status.setVisible(bool(message))

    # --- connecting --------------------------------------------------------------------
    def try_connect(self) -> None:
        """Test the connection on the task runner; the outcome arrives later."""
        library = self.chosen_library()
        if library is None:
            return
        typed = self.password.text() or None
        remember = self.remember.isChecked() and self.keyring_available is not False
        self._attempt += 1
        attempt = self._attempt
        self._set_busy(True)
        self.show_status(f"Connecting to {library.label}…")

        def job(_control: TaskControl) -> tuple[ConnectionCheck, str | None]:
            password = typed
            if password is None and remember:
                password = credentials.stored_password(library)
            return check_connection(library, password), password

        def done(result: tuple[ConnectionCheck, str | None]) -> None:
            if attempt == self._attempt:
                self._on_checked(*result, typed=typed, remember=remember)

        def failed(exc: BaseException) -> None:
            if attempt != self._attempt:
                return
            if not isinstance(exc, USER_ERRORS):
                raise exc
            self._set_busy(False)
            message = str(exc)
            if "password" in message.lower():
                self.password.setFocus()
                self.password.selectAll()
            self.show_status(message[:1].upper() + message[1:], error=True)
            self.sig_failed.emit(message)

        self._runner.run(job, succeeded=done, failed=failed)

    def _on_checked(
        self, check: ConnectionCheck, password: str | None, *, typed: str | None, remember: bool
    ) -> None:
        library = check.library
        if check.problem is not None:
            self._set_busy(False)
            message = check.problem[:1].upper() + check.problem[1:]
            self.show_status(message, error=True)
            self.sig_failed.emit(check.problem)
            return
        if check.creates_library and not self._confirm_new_library(library):
            self._set_busy(False)
            self.show_status("")
            return
        if remember and typed is not None:
            self._runner.run(lambda _control: credentials.store_password(library, typed))
        elif not remember and self.keyring_available:
            self._runner.run(lambda _control: credentials.forget_password(library))
        remember_recent(self._settings, RecentLibrary(library, remember))
        self.login = LibraryLogin(library.url, password)
        self.show_status(f"Connected: opening {library.label}…")
        self.sig_connected.emit(self.login)
        self.accept()

    def _confirm_new_library(self, library: ServerLibrary) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Create Shared Library",
            f"The database “{library.database}” on {library.host} is empty.\n\n"
            "Create a new refman library in it? Everyone who connects to it will share it.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        create = box.addButton("Create Library", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is create


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
