"""The window's side of "nothing lost": the integrity check at start, the read-only
banner, backups after large operations, and restoring a backup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QWidget,
)
from shiboken6 import isValid

from refman.gui.backups_dialog import BackupsDialog
from refman.services.backups import Backup
from refman.services.errors import USER_ERRORS
from refman.services.health import CheckReport
from refman.services.library import Changed

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

CHECK_FALLBACK_MS = 3000
"""The start-up check begins when the window is ready, or after this long at the latest."""
DAILY_BACKUP_DELAY_MS = 60_000
"""The daily backup waits this long after a passing start-up check: copying a large
library (1.5 GB for 100,000 references) competes with the first minute's work."""


class SafetyBanner(QFrame):
    """A strip above the panes saying the library is read-only, and why.

    Signals:
        sig_restore_requested(): the user asked to see the backups.
    """

    sig_restore_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safetyBanner")
        self.setStyleSheet(
            "#safetyBanner { background: #fff4ce; border-bottom: 1px solid #e0c060; }"
            "#safetyBanner QLabel { color: #3d2e00; }"
        )
        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(warning.pixmap(size, size))
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Restore from Backup…", self)
        self.button.clicked.connect(self.sig_restore_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_message(self, text: str, *, restore: bool) -> None:
        """Show ``text``, with the restore button when a backup may help."""
        self.label.setText(text)
        self.button.setVisible(restore)
        self.show()


class LibrarySafety(QObject):
    """Checks the library when the window opens (on the runner: writes wait for it),
    switches the window to read-only when it fails and offers the newest good backup,
    backs up after large operations, and restores backups.

    Signals:
        sig_checked(object): the start-up check's ``CheckReport``.
        sig_restored(): a backup was restored (the window shows it).
    """

    sig_checked = Signal(object)
    sig_restored = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.library
        self.runner = window.runner
        self.banner = SafetyBanner(window)
        self.banner.sig_restore_requested.connect(self.show_backups)
        self.report: CheckReport | None = None
        self.dialog: BackupsDialog | None = None
        self.problem_box: QMessageBox | None = None
        self._backing_up = False
        self._started = False
        self._checking = ""
        self.last_backup: Backup | None = None
        """The newest backup this window made."""
        window.bridge.sig_everything_changed.connect(self.back_up_if_asked)

    @property
    def available(self) -> bool:
        """Whether the library has backups (an SQLite library)."""
        return self.library.backups is not None

    # --- the check at start -----------------------------------------------------------
    def start_soon(self) -> None:
        """``start`` once the window shows its first rows (a check running meanwhile
        delayed that by a third on a 100,000-reference library), or after
        ``CHECK_FALLBACK_MS`` if they never come (a library too damaged to list)."""
        self.window.sig_ready.connect(self.start)
        QTimer.singleShot(CHECK_FALLBACK_MS, self, self.start)

    def start(self) -> None:
        """Check the library on the runner (quick, or full after an unclean shutdown)."""
        health = self.library.health
        if health is None or self._started or self.runner.closed:
            return
        self._started = True
        if health.read_only:
            self._show_read_only(
                "This library is read-only (no permission to write the file or its folder, "
                "or a read-only disk): refman shows it but cannot change it."
            )
            return
        self._checking = (
            "Checking the library after an unclean shutdown…"
            if health.unclean
            else "Checking the library…"
        )
        self.window.statusBar().showMessage(self._checking)

        def job(_control: object) -> tuple[CheckReport, Backup | None]:
            report = health.check()
            newest = None if report.ok else health.backups.newest_good()
            return report, newest

        self.runner.run(job, succeeded=self._on_checked, failed=self._on_failed)

    def _on_checked(self, result: tuple[CheckReport, Backup | None]) -> None:
        report, newest = result
        self.report = report
        if self.window.statusBar().currentMessage() == self._checking:
            self.window.statusBar().clearMessage()  # (a routine success says nothing)
        if report.ok:
            QTimer.singleShot(DAILY_BACKUP_DELAY_MS, self, self.daily_backup)
        else:
            self._show_failure(report, newest)
        self.sig_checked.emit(report)

    def _show_failure(self, report: CheckReport, newest: Backup | None) -> None:
        self.window.setWindowTitle(f"{self.window.windowTitle()} [read-only]")
        self.banner.show_message(
            "This library failed its integrity check, so refman opened it read-only: "
            "nothing will be written to it. "
            + (
                f"The newest good backup is of {newest.created.astimezone():%Y-%m-%d %H:%M}."
                if newest is not None
                else "No good backup was found."
            ),
            restore=True,
        )
        box = QMessageBox(
            QMessageBox.Icon.Critical, "The library is damaged", "", parent=self.window
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"The library {report.path} failed its integrity check. refman opened it "
            "read-only: nothing will be written to it."
        )
        box.setDetailedText("\n".join(report.problems))
        cancel = box.addButton("Keep Read-Only", QMessageBox.ButtonRole.RejectRole)
        choose = box.addButton("Choose a Backup…", QMessageBox.ButtonRole.ActionRole)
        restore = None
        if newest is not None:
            box.setInformativeText(
                f"The newest good backup is of {newest.created.astimezone():%Y-%m-%d %H:%M} "
                f"({newest.counts()}). Restoring it first keeps a copy of the damaged library "
                "in the backups folder."
            )
            restore = box.addButton("Restore Newest Backup", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(restore)
        else:
            box.setInformativeText(
                "No good backup was found. Copy the library file somewhere safe before "
                "trying to repair it."
            )
            box.setDefaultButton(cancel)

        def clicked(button: object) -> None:
            if button is restore and newest is not None:
                self.restore(newest, confirm=False)
            elif button is choose:
                self.show_backups()

        box.buttonClicked.connect(clicked)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.problem_box = box
        box.open()

    def _show_read_only(self, message: str) -> None:
        self.window.setWindowTitle(f"{self.window.windowTitle()} [read-only]")
        self.banner.show_message(message, restore=False)

    def _on_failed(self, exc: BaseException) -> None:
        self._backing_up = False
        if isinstance(exc, USER_ERRORS):
            self.window.statusBar().showMessage(str(exc), 10_000)
            return
        raise exc

    # --- backups ----------------------------------------------------------------------
    def daily_backup(self) -> None:
        """The backup made when the newest is over a day old (on the runner)."""
        library = self.library
        self._run_backup(lambda _control: library.run_daily_backup())

    def back_up_if_asked(self) -> None:
        """After a change: the backup a large operation asked for (on the runner)."""
        if self.library.backup_reason is not None and not self._backing_up:
            library = self.library
            self._run_backup(lambda _control: library.run_pending_backup())

    def _run_backup(self, job: object) -> None:
        if self.runner.closed or self._backing_up:
            return
        self._backing_up = True

        def done(made: Backup | None) -> None:
            self._backing_up = False
            self.last_backup = made or self.last_backup  # (silent: the dialog lists it)
            if self.library.backup_reason is not None:  # (asked again meanwhile)
                self.back_up_if_asked()

        self.runner.run(job, succeeded=done, failed=self._backup_failed)  # type: ignore[arg-type]

    def _backup_failed(self, exc: BaseException) -> None:
        self._backing_up = False
        if isinstance(exc, USER_ERRORS):
            self.window.show_error(f"The backup failed: {exc}")
            return
        raise exc

    # --- restoring --------------------------------------------------------------------
    def show_backups(self) -> None:
        """File > Restore from Backup: the list of backups."""
        backups = self.library.backups
        if backups is None:
            self.window.show_error(
                "Backups are kept for SQLite libraries; back up a PostgreSQL library with pg_dump."
            )
            return
        dialog = BackupsDialog(backups, self.runner, self.window)
        dialog.sig_restore_requested.connect(self.restore)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def restore(self, backup: Backup, *, confirm: bool = True) -> None:
        """Replace the library with ``backup`` (after asking), on the runner."""
        health = self.library.health
        others = health.other_sessions() if health is not None else []
        if others:
            self.window.show_error(
                "The library is open in another refman process "
                f"(pid {', '.join(map(str, others))}): close it first; nothing was changed."
            )
            return
        when = f"{backup.created.astimezone():%Y-%m-%d %H:%M}"
        if confirm:
            answer = QMessageBox.question(
                self.window,
                "Restore from Backup",
                f"Replace the library with the backup of {when} ({backup.counts()})?\n\n"
                "The library as it is now is kept first (as a backup, or, if damaged, as a "
                "copy in the backups folder).",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.window.detail.flush()
        library = self.library
        self.window.statusBar().showMessage(f"Restoring the backup of {when}…")

        def done(result: tuple[Changed, Backup | None]) -> None:
            changed, saved = result
            self.window.restored_backup(changed)
            kept = f"; the library as it was is kept in {saved.path.name}" if saved else ""
            self.window.statusBar().showMessage(f"Restored the backup of {when}{kept}.", 10_000)
            report = library.health.report if library.health is not None else None
            if report is None or report.ok:
                self.banner.hide()
                title = self.window.windowTitle().removesuffix(" [read-only]")
                self.window.setWindowTitle(title)
            if self.dialog is not None and isValid(self.dialog):
                self.dialog.close()
            self.sig_restored.emit()

        def failed(exc: BaseException) -> None:
            self.window.statusBar().clearMessage()
            if isinstance(exc, USER_ERRORS):
                self.window.show_error(f"The backup was not restored: {exc}")
                return
            raise exc

        self.runner.run(lambda _control: library.restore_backup(backup), succeeded=done,
                        failed=failed)  # fmt: skip
