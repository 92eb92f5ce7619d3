"""Library files: integrity checks, online backups and restores through the driver."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from refman.app import open_library
from refman.services.library import Library
from refman.storage import sqlite_files
from refman.storage.sqlite_files import DatabaseFileError
from tests.conftest import SEED_FILES
from tests.library_state import damage, library_checksum


@pytest.fixture
def seeded_file(tmp_path: Path) -> Path:
    """A closed library file holding the seeds."""
    path = tmp_path / "library.sqlite"
    lib = open_library(str(path))
    lib.import_files(SEED_FILES)
    lib.close()
    return path


def test_a_healthy_library_has_no_problems(seeded_file: Path) -> None:
    assert sqlite_files.integrity_problems(seeded_file) == []
    assert sqlite_files.integrity_problems(seeded_file, full=True) == []


def test_a_damaged_page_is_found_by_the_quick_check(seeded_file: Path) -> None:
    damage(seeded_file)
    problems = sqlite_files.integrity_problems(seeded_file)
    assert problems
    assert any("Page" in p or "malformed" in p for p in problems)


def test_a_file_that_is_no_database_is_one_problem(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all " * 500)
    assert sqlite_files.integrity_problems(junk) == ["file is not a database"]
    assert sqlite_files.integrity_problems(tmp_path / "missing.sqlite") == [
        f"{tmp_path / 'missing.sqlite'}: no such file"
    ]


def test_checking_writes_nothing(seeded_file: Path) -> None:
    before = seeded_file.read_bytes()
    sqlite_files.integrity_problems(seeded_file, full=True)
    assert seeded_file.read_bytes() == before


def test_a_backup_is_one_self_contained_file_with_the_same_rows(
    seeded_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite"
    sqlite_files.backup(seeded_file, copy)
    assert library_checksum(copy) == library_checksum(seeded_file)
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    summary = sqlite_files.summary(copy)
    assert (summary.references, summary.trashed, summary.notes) == (79, 0, 0)
    assert summary.revision is not None


def test_a_backup_sees_committed_writes_still_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    lib = open_library(str(path))
    lib.import_files(SEED_FILES[:1])  # a bulk import: its pages stay in the WAL
    assert Path(f"{path}-wal").stat().st_size > 0
    copy = tmp_path / "copy.sqlite"
    sqlite_files.backup(path, copy)
    assert sqlite_files.summary(copy).references == lib.count() > 0
    lib.close()


def test_a_backup_that_fails_leaves_no_file(seeded_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "copy.sqlite"
    with pytest.raises(DatabaseFileError, match="unable to open"):
        sqlite_files.backup(seeded_file, target)
    assert not target.exists()


def test_restore_replaces_the_content_under_open_connections(
    seeded_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite"
    sqlite_files.backup(seeded_file, copy)
    lib: Library = open_library(str(seeded_file))
    lib.add_tags(["after"], [1])
    assert [t.name for t in lib.tags()] == ["after"]
    sqlite_files.restore(copy, seeded_file)
    assert lib.tags() == []  # the open library reads the restored file
    lib.add_tags(["again"], [2])  # ... and writes to it
    assert [t.name for t in lib.tags()] == ["again"]
    lib.close()
    assert sqlite_files.integrity_problems(seeded_file, full=True) == []


def test_restore_over_a_file_that_is_no_database_replaces_the_file(
    seeded_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite"
    sqlite_files.backup(seeded_file, copy)
    seeded_file.write_bytes(b"\0garbage" * 4096)
    Path(f"{seeded_file}-wal").write_bytes(b"stale")
    sqlite_files.restore(copy, seeded_file)
    assert not Path(f"{seeded_file}-wal").exists()
    assert library_checksum(seeded_file) == library_checksum(copy)
