"""Backups: made with the online backup API, checked, rotated, listed and restored; a
failure leaves the earlier backups and the library as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from refman.app import open_library
from refman.services import backups as backups_module
from refman.services.backups import (
    Backup,
    BackupError,
    Backups,
    backup_folder,
    keep_from_environment,
)
from refman.services.errors import UserError
from refman.services.library import Library
from refman.storage import sqlite_files
from refman.storage.sqlite_files import DatabaseFileError
from tests.conftest import SEED_FILES
from tests.full_disk import fill, small_filesystem
from tests.library_state import damage, library_checksum


@pytest.fixture
def lib(library_path: Path) -> Library:
    """A library holding the seeds (closed by the test's end)."""
    library = open_library(str(library_path))
    library.import_files(SEED_FILES)
    library.backup_reason = None
    return library


def _age(backup: Backup, days: float) -> Path:
    """Rename ``backup`` as if made ``days`` ago."""
    created = backup.created - dt.timedelta(days=days)
    name = backup.path.name.replace(
        backup.created.strftime(backups_module._STAMP), created.strftime(backups_module._STAMP)
    )
    return backup.path.rename(backup.path.with_name(name))


def test_backups_live_beside_the_library(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    made = lib.backups.create("manual")
    assert (
        made.path.parent
        == backup_folder(library_path)
        == library_path.parent / ("library.sqlite-backups")
    )
    assert made.path.name.startswith("library-")
    assert made.path.name.endswith("-manual.sqlite")
    assert made.contents is not None
    assert made.contents.references == 79
    assert sqlite_files.integrity_problems(made.path, full=True) == []
    assert not [p for p in made.path.parent.iterdir() if p.name.endswith(".partial")]
    lib.close()


def test_the_newest_are_kept(lib: Library, library_path: Path) -> None:
    backups = Backups(library_path, keep=3)
    made = [backups.create("manual") for _ in range(5)]
    kept = backups.available()
    assert [b.path for b in kept] == [b.path for b in reversed(made[-3:])]
    assert not made[0].path.exists()
    assert not made[1].path.exists()
    lib.close()


def test_the_number_kept_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFMAN_BACKUP_KEEP", "12")
    assert keep_from_environment() == 12
    monkeypatch.setenv("REFMAN_BACKUP_KEEP", "none")
    with pytest.raises(UserError, match=r"REFMAN_BACKUP_KEEP='none': give a whole number"):
        keep_from_environment()
    with pytest.raises(UserError, match="keep at least one"):
        Backups(Path("x.sqlite"), keep=0)


def test_a_daily_backup_is_made_when_the_newest_is_a_day_old(lib: Library) -> None:
    assert lib.backups is not None
    first = lib.run_daily_backup()
    assert first is not None
    assert first.reason == "daily"
    assert lib.run_daily_backup() is None  # one made just now
    _age(first, 1.5)
    second = lib.run_daily_backup()
    assert second is not None
    assert len(lib.backups.available()) == 2
    lib.close()


def test_large_operations_ask_for_a_backup(lib: Library, tmp_path: Path) -> None:
    assert lib.backups is not None
    assert lib.run_pending_backup() is None  # nothing asked
    lib.add_tags(["vision"], [1, 2])
    assert lib.backup_reason is None  # tagging is no large operation
    lib.rename_tag("vision", "computer vision")
    assert lib.backup_reason == "tag-rename"
    made = lib.run_pending_backup()
    assert made is not None
    assert made.reason == "tag-rename"
    assert made.contents is not None
    assert made.contents.tags == 1
    listing = tmp_path / "new.txt"
    listing.write_text("A new abstract.\n\narXiv:2301.00001\nCreated: 2023-01-01\n")
    lib.import_files([listing])
    assert lib.backup_reason == "import"
    assert lib.run_pending_backup() is None  # one was made minutes ago
    assert lib.backup_reason is None
    _age(made, 1 / 24)
    lib.merge([1, 2])
    assert lib.backup_reason == "merge"
    merged = lib.run_pending_backup()
    assert merged is not None
    assert merged.contents is not None
    assert merged.contents.trashed == 1
    lib.close()


def test_a_failing_library_is_never_backed_up_over_the_good_backups(
    lib: Library, library_path: Path
) -> None:
    assert lib.backups is not None
    good = lib.backups.create("manual")
    lib.close()
    damage(library_path)
    backups = Backups(library_path)
    with pytest.raises(BackupError) as info:
        backups.create("daily")
    message = str(info.value)
    assert str(library_path) in message
    assert "the earlier backups are kept" in message
    assert [b.path for b in backups.available()] == [good.path]
    assert not [p for p in backups.folder.iterdir() if p.name.endswith(".partial")]


def test_newest_good_skips_a_damaged_backup(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    older = lib.backups.create("manual")
    _age(older, 2)
    newer = lib.backups.create("manual")
    lib.close()
    damage(newer.path)
    good = Backups(library_path).newest_good()
    assert good is not None
    assert good.created == older.created - dt.timedelta(days=2)


def test_a_full_disk_fails_the_backup_and_keeps_the_earlier_ones(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "disk", 4096) as disk:
        folder = disk or tmp_path / "disk"
        path = folder / "library.sqlite"
        lib = open_library(str(path))
        lib.import_files(SEED_FILES[:2])
        lib.backup_reason = None
        assert lib.backups is not None
        earlier = lib.backups.create("manual")
        lib.store.checkpoint()
        before = library_checksum(path)
        if disk is not None:
            fill(disk, 64 * 1024)  # less room than one more backup needs
            context = None
        else:  # no tmpfs here: SQLite's own "disk full" error, injected
            context = pytest.MonkeyPatch()

            def full(_source: Path, _target: Path) -> None:
                raise DatabaseFileError("database or disk is full")

            context.setattr(backups_module.sqlite_files, "backup", full)
        try:
            with pytest.raises(BackupError) as info:
                lib.backups.create("manual")
        finally:
            if context is not None:
                context.undo()
        message = str(info.value)
        assert "database or disk is full" in message
        assert "the earlier backups are kept" in message
        assert [b.path for b in lib.backups.available()] == [earlier.path]
        assert not [p for p in lib.backups.folder.iterdir() if p.name.endswith(".partial")]
        assert library_checksum(path) == before
        lib.close()


def test_restore_keeps_the_library_as_it_was_first(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    chosen = lib.backups.create("manual")
    lib.add_tags(["later"], [1])
    changed, saved = lib.restore_backup(chosen)
    assert changed.everything
    assert lib.tags() == []
    assert saved is not None
    assert saved.reason == "before-restore"
    assert saved.contents is not None
    assert saved.contents.tags == 1
    lib.add_tags(["writable"], [1])  # the restored library passed its check
    lib.close()


def test_restoring_over_a_damaged_library_copies_it_aside(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    chosen = lib.backups.create("manual")
    lib.close()
    damage(library_path)
    backups = Backups(library_path)
    assert backups.restore(chosen) is None
    assert sqlite_files.integrity_problems(library_path, full=True) == []
    kept = [p for p in backups.folder.iterdir() if p.name.endswith("-damaged.sqlite")]
    assert len(kept) == 1
    assert sqlite_files.integrity_problems(kept[0])  # the damaged one, as it was
    assert [b.reason for b in backups.available()] == ["manual"]  # not offered


def test_a_damaged_backup_is_refused_and_changes_nothing(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    chosen = lib.backups.create("manual")
    lib.close()
    damage(chosen.path)
    before = library_checksum(library_path)
    with pytest.raises(BackupError) as info:
        Backups(library_path).restore(chosen)
    assert str(chosen.path) in str(info.value)
    assert "the library was not changed" in str(info.value)
    assert library_checksum(library_path) == before


def test_a_backup_is_found_by_number_name_or_path(lib: Library, library_path: Path) -> None:
    assert lib.backups is not None
    made = lib.backups.create("manual")
    assert lib.backups.find("1").path == made.path
    assert lib.backups.find(made.path.name).path == made.path
    assert lib.backups.find(str(made.path)).path == made.path
    with pytest.raises(BackupError, match="no backup 'nope'"):
        lib.backups.find("nope")
    lib.close()


def test_automatic_backups_can_be_turned_off(
    library_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFMAN_AUTO_BACKUP", "off")
    library = open_library(str(library_path))
    library.import_files(SEED_FILES[:1])
    assert library.run_pending_backup() is None
    assert library.run_daily_backup() is None
    assert library.backups is not None
    assert library.backups.available() == []
    assert library.backups.create("manual").reason == "manual"  # by hand, still
    library.close()
