"""Backups of an SQLite library: made with SQLite's online backup API, checked, rotated,
listed and restored.

They live beside the library, in a folder named after its file (``library.sqlite`` ->
``library.sqlite-backups/``): they travel with the library when it is moved or synced,
two libraries never share one, and a user finds them next to the file. A backup is
``<stem>-<UTC time>-<reason>.sqlite``, a complete SQLite database in rollback-journal
mode that any SQLite tool opens. Each is written under a temporary name, checked
(``PRAGMA integrity_check``) and only then renamed into place, so a crash or a full disk
leaves the earlier backups as they were; the newest ``keep`` are kept.

When: at the app's start when the newest is over a day old (``DAILY``), after large
operations (an import, a merge, a tag rename) unless one was made in the last
``AFTER_OPERATION`` minutes, by ``refman db backup``, and before a restore."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from refman.services.errors import UserError
from refman.storage import sqlite_files
from refman.storage.sqlite_files import DatabaseFileError, DatabaseSummary

DEFAULT_KEEP = 5
KEEP_ENV = "REFMAN_BACKUP_KEEP"
"""Environment variable: how many backups to keep (default ``DEFAULT_KEEP``)."""
AUTOMATIC_ENV = "REFMAN_AUTO_BACKUP"
"""Environment variable: ``off`` stops the automatic backups (daily, after large
operations); ``refman db backup`` and Back Up Now still work."""
DAILY = dt.timedelta(days=1)
AFTER_OPERATION = dt.timedelta(minutes=10)

DAMAGED = "damaged"
"""The reason of a damaged library's copy, kept aside before a restore replaced it: not
a backup to restore, never rotated away."""
_PARTIAL = ".partial"
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}\.\d{6}Z)-(?P<reason>[a-z-]+)\.sqlite$")


class BackupError(UserError):
    """A backup could not be made, read or restored; the message says why and what was
    left as it was."""


def backup_folder(library: Path) -> Path:
    """Where the backups of the library file ``library`` live."""
    return library.parent / f"{library.name}-backups"


def automatic_from_environment() -> bool:
    """Whether ``REFMAN_AUTO_BACKUP`` leaves automatic backups on (anything but ``off``,
    ``0``, ``no``, ``false``)."""
    return os.environ.get(AUTOMATIC_ENV, "").strip().lower() not in {"off", "0", "no", "false"}


def keep_from_environment(default: int = DEFAULT_KEEP) -> int:
    """``REFMAN_BACKUP_KEEP`` as a number of backups to keep (at least 1)."""
    value = os.environ.get(KEEP_ENV, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise UserError(f"{KEEP_ENV}={value!r}: give a whole number of backups to keep, 1 or more")
    return int(value)


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup file: when and why it was made, its size and what it holds (None when
    the file cannot be read)."""

    path: Path
    created: dt.datetime
    reason: str
    size: int
    contents: DatabaseSummary | None

    def describe(self) -> str:
        """One line for people: local time, reason, counts, size."""
        when = f"{self.created.astimezone():%Y-%m-%d %H:%M:%S}"
        return f"{when}  {self.reason:<14} {self.counts()}  ({self.size / 1e6:,.1f} MB)"

    def counts(self) -> str:
        """What it holds, in words."""
        held = self.contents
        if held is None or held.references is None:
            return "unreadable"
        parts = [f"{held.references:,} references"]
        if held.trashed:
            parts.append(f"{held.trashed:,} in the Trash")
        if held.notes is not None:
            parts.append(f"{held.notes:,} notes")
        return ", ".join(parts)


class Backups:
    """The backups of one SQLite library file."""

    def __init__(self, library: Path, *, keep: int = DEFAULT_KEEP, automatic: bool = True) -> None:
        if keep < 1:
            raise UserError("keep at least one backup")
        self.library = library
        self.folder = backup_folder(library)
        self.keep = keep
        self.automatic = automatic
        """Whether the daily and after-operation backups are made."""

    # --- listing ----------------------------------------------------------------------
    def _files(self) -> list[tuple[dt.datetime, str, Path]]:
        """(created, reason, path) of every backup file, newest first."""
        found = []
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return []
        for path in entries:
            match = _NAME.match(path.name)
            if match is None or match["stem"] != self.library.stem:
                continue
            created = dt.datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=dt.UTC)
            found.append((created, match["reason"], path))
        found.sort(reverse=True)
        return found

    def available(self) -> list[Backup]:
        """The backups to restore from, newest first, with what each holds."""
        backups = []
        for created, reason, path in self._files():
            if reason == DAMAGED:
                continue
            try:
                contents: DatabaseSummary | None = sqlite_files.summary(path)
                size = path.stat().st_size
            except (DatabaseFileError, OSError):
                contents, size = None, 0
            backups.append(Backup(path, created, reason, size, contents))
        return backups

    def newest_time(self) -> dt.datetime | None:
        """When the newest backup was made (from the names: no file is opened)."""
        times = [created for created, reason, _path in self._files() if reason != DAMAGED]
        return times[0] if times else None

    def due(self, age: dt.timedelta) -> bool:
        """Whether the newest backup is older than ``age`` (or there is none)."""
        newest = self.newest_time()
        return newest is None or dt.datetime.now(dt.UTC) - newest > age

    def newest_good(self) -> Backup | None:
        """The newest backup that passes ``PRAGMA quick_check``."""
        for backup in self.available():
            if backup.contents is not None and not sqlite_files.integrity_problems(backup.path):
                return backup
        return None

    def find(self, name: str) -> Backup:
        """A backup by its position in ``available`` (1 = newest), file name or path."""
        backups = self.available()
        if name.isdigit() and 1 <= int(name) <= len(backups):
            return backups[int(name) - 1]
        for backup in backups:
            if name in (backup.path.name, str(backup.path)):
                return backup
        path = Path(name).expanduser()
        if path.is_file():
            return _outside_backup(path)
        raise BackupError(f"no backup {name!r}: `refman db backups` lists them")

    # --- making -----------------------------------------------------------------------
    def create(self, reason: str, *, protect: Collection[Path] = ()) -> Backup:
        """Back up the library now, check the copy, keep the newest ``keep`` (and the
        files in ``protect``). Raises ``BackupError``, leaving the earlier backups."""
        where = f"cannot back up {self.library} into {self.folder}"
        if not self.library.is_file():
            raise BackupError(f"{where}: the library file does not exist")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupError(f"{where}: {exc.strerror or exc}") from exc
        self._remove_partial()
        created = dt.datetime.now(dt.UTC)
        final = self.folder / f"{self.library.stem}-{created.strftime(_STAMP)}-{reason}.sqlite"
        temp = final.with_name(f".{final.name}{_PARTIAL}")
        try:
            sqlite_files.backup(self.library, temp)
        except DatabaseFileError as exc:
            raise BackupError(f"{where}: {exc}; the earlier backups are kept") from exc
        problems = sqlite_files.integrity_problems(temp, full=True)
        if problems:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise BackupError(
                f"{where}: the copy failed its check ({problems[0]}), so it was deleted; the "
                "library itself may be damaged (`refman db check`); the earlier backups are kept"
            )
        contents = sqlite_files.summary(temp)
        try:
            os.replace(temp, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise BackupError(f"{where}: {exc.strerror or exc}") from exc
        sqlite_files.sync_folder(self.folder)
        self._rotate(protect={final, *protect})
        return Backup(final, created, reason, final.stat().st_size, contents)

    def create_if_due(self, reason: str, age: dt.timedelta) -> Backup | None:
        """``create`` when the newest backup is older than ``age``."""
        return self.create(reason) if self.due(age) else None

    def _remove_partial(self) -> None:
        """Temporary files of a backup interrupted by a crash."""
        for path in self.folder.glob(f".*{_PARTIAL}*"):
            with contextlib.suppress(OSError):
                path.unlink()

    def _rotate(self, protect: Collection[Path]) -> None:
        kept = 0
        for _created, reason, path in self._files():
            if reason == DAMAGED:
                continue
            kept += 1
            if kept > self.keep and path not in protect:
                with contextlib.suppress(OSError):
                    path.unlink()

    # --- restoring --------------------------------------------------------------------
    def restore(self, chosen: Backup) -> Backup | None:
        """Make the library what ``chosen`` holds. First the library as it is now is
        kept: backed up (reason ``before-restore``) when it passes its check, else copied
        aside as it is (reason ``damaged``, never rotated away). Returns that backup (None
        for a damaged library's copy or a library that did not exist).

        Raises ``BackupError`` (the library unchanged) when ``chosen`` fails its check or
        cannot be read, or when the current library cannot be kept first."""
        problems = sqlite_files.integrity_problems(chosen.path)
        if problems:
            raise BackupError(
                f"the backup {chosen.path} is damaged ({problems[0]}); the library was not "
                "changed: choose another backup"
            )
        saved: Backup | None = None
        if self.library.exists():
            if sqlite_files.integrity_problems(self.library):
                self._keep_damaged()
            else:
                saved = self.create("before-restore", protect={chosen.path})
        try:
            sqlite_files.restore(chosen.path, self.library)
        except DatabaseFileError as exc:
            raise BackupError(
                f"cannot restore {chosen.path} into {self.library}: {exc}; the library was "
                "not changed"
            ) from exc
        problems = sqlite_files.integrity_problems(self.library)
        if problems:  # (the copy passed its check: the disk under the library is failing?)
            raise BackupError(
                f"{self.library} was restored from {chosen.path} but fails its check "
                f"({problems[0]}): the disk may be failing"
            )
        return saved

    def _keep_damaged(self) -> list[Path]:
        """Copy the damaged library (and its write-ahead log) aside before a restore."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
            target = self.folder / f"{self.library.stem}-{stamp}-{DAMAGED}.sqlite"
            return sqlite_files.copy_files(self.library, target)
        except (OSError, DatabaseFileError) as exc:
            raise BackupError(
                f"cannot keep a copy of the damaged library {self.library} before restoring: "
                f"{exc}; the library was not changed"
            ) from exc


def _outside_backup(path: Path) -> Backup:
    """A library file from elsewhere (given by path), to restore from."""
    try:
        contents: DatabaseSummary | None = sqlite_files.summary(path)
    except DatabaseFileError:
        contents = None
    stat = path.stat()
    created = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return Backup(path, created, "file", stat.st_size, contents)
