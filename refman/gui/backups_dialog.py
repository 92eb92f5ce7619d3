"""File > Restore from Backup: the library's backups with dates and counts; Back Up Now,
Restore."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refman.gui.task_runner import TaskRunner
from refman.services.backups import Backup, Backups
from refman.services.errors import USER_ERRORS

REASONS = {
    "daily": "Daily",
    "import": "After an import",
    "merge": "After a merge",
    "tag-rename": "After a tag rename",
    "manual": "Backed up by hand",
    "before-restore": "Before a restore",
}
"""How each backup's reason reads in the list."""
HEADERS = ("Made", "Why", "References", "Notes", "Size")


class BackupsDialog(QDialog):
    """The backups of one library, newest first; reading them and backing up run on the
    task runner.

    Signals:
        sig_restore_requested(object): restore this ``Backup`` (the window asks and
            restores).
    """

    sig_restore_requested = Signal(object)

    def __init__(self, backups: Backups, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from Backup")
        self.resize(720, 380)
        self._backups = backups
        self._runner = runner
        self.shown: list[Backup] = []
        intro = QLabel(
            f"refman backs up this library when it starts (once a day) and after imports, "
            f"merges and tag renames, and keeps the {backups.keep} newest backups in "
            f"{backups.folder}. Restoring one keeps the library as it is now as a backup first.",
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.list = QTreeWidget(self)
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(list(HEADERS))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAccessibleName("Backups")
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda *_args: self.request_restore())
        self.status = QLabel("Reading the backups…", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.backup_button = QPushButton("Back Up Now", self)
        self.restore_button = QPushButton("Restore…", self)
        self.buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button.clicked.connect(self.request_restore)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._busy = False
        self._update_buttons()
        self.reload()

    def reload(self) -> None:
        """Read the list of backups again (on the runner)."""
        self._set_busy(True)
        backups = self._backups
        self._runner.run(
            lambda _control: backups.available(), succeeded=self._show, failed=self._failed
        )

    def _show(self, found: list[Backup]) -> None:
        self._set_busy(False)
        self.shown = found
        self.list.clear()
        for backup in found:
            held = backup.contents
            references = "unreadable" if held is None or held.references is None else (
                f"{held.references:,}" + (f" (+{held.trashed:,} in Trash)" if held.trashed else "")
            )  # fmt: skip
            notes = "" if held is None or held.notes is None else f"{held.notes:,}"
            item = QTreeWidgetItem(
                [
                    f"{backup.created.astimezone():%Y-%m-%d %H:%M:%S}",
                    REASONS.get(backup.reason, backup.reason),
                    references,
                    notes,
                    f"{backup.size / 1e6:,.1f} MB",
                ]
            )
            item.setToolTip(0, str(backup.path))
            for column in (2, 3, 4):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            self.list.addTopLevelItem(item)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
            self.status.setText(f"{len(found)} backup(s), the newest first.")
        else:
            self.status.setText("No backups yet: Back Up Now makes one.")
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, USER_ERRORS):
            raise exc
        self.status.setText(str(exc))

    def back_up_now(self) -> None:
        """Make a backup now, then list again."""
        self._set_busy(True)
        self.status.setText("Backing up…")
        backups = self._backups

        def done(made: Backup) -> None:
            self._set_busy(False)
            self.reload()
            self.status.setText(f"Backed up: {made.counts()}.")

        self._runner.run(lambda _control: backups.create("manual"), succeeded=done,
                         failed=self._failed)  # fmt: skip

    def selected(self) -> Backup | None:
        """The backup chosen in the list."""
        item = self.list.currentItem()
        if item is None or not item.isSelected():
            return None
        row = self.list.indexOfTopLevelItem(item)
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def request_restore(self) -> None:
        """Ask the window to restore the chosen backup."""
        chosen = self.selected()
        if chosen is not None and not self._busy:
            self.sig_restore_requested.emit(chosen)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.backup_button.setEnabled(not self._busy)
        self.restore_button.setEnabled(not self._busy and self.selected() is not None)
