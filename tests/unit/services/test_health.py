"""Is it safe to write? Checks on open, unclean shutdowns, damaged and read-only
libraries, two processes, a full disk: every refusal names the library and says what to
do, and the library is unchanged."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from refman.app import open_library
from refman.services import health as health_module
from refman.services.library import Library
from refman.storage import engine as engine_module
from refman.storage import sqlite_files
from refman.storage.engine import LibraryUnavailableError
from tests.conftest import ROOT, SEED_FILES
from tests.full_disk import fill, read_only_view, small_filesystem
from tests.library_state import damage, library_checksum


def _python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture
def seeded_path(library_path: Path) -> Path:
    """A closed library holding the seeds, with one backup."""
    lib = open_library(str(library_path))
    lib.import_files(SEED_FILES)
    lib.run_pending_backup()
    lib.close()
    return library_path


@pytest.fixture
def reopened(seeded_path: Path) -> Iterator[Library]:
    """The seeded library, opened again."""
    lib = open_library(str(seeded_path))
    yield lib
    lib.close()


def test_the_first_write_waits_for_the_check(reopened: Library, seeded_path: Path) -> None:
    health = reopened.health
    assert health is not None
    assert not health.unclean
    assert not health.guard.decided  # opening and reading check nothing
    assert reopened.count() == 79
    assert not health.guard.decided
    (health.state / "last-check.json").unlink(missing_ok=True)
    reopened.add_tags(["checked"], [1])
    assert health.guard.decided
    assert health.report is not None
    assert health.report.ok
    assert not health.report.full


def test_a_recent_check_is_not_repeated(reopened: Library, seeded_path: Path) -> None:
    health = reopened.health
    assert health is not None
    assert health.check().ok  # (as the window's start-up check)
    again = open_library(str(seeded_path))
    assert again.health is not None
    again.add_tags(["quick"], [1])
    assert again.health.report is None  # passed within CHECK_INTERVAL: not run again
    again.close()


def test_a_killed_process_leaves_an_unclean_shutdown_and_a_full_check(seeded_path: Path) -> None:
    done = _python(
        """
        import os, sys
        from refman.app import open_library
        lib = open_library(sys.argv[1])
        lib.add_tags(["before the crash"], [1])
        os._exit(0)  # no clean close: as a crash or a kill
        """,
        str(seeded_path),
    )
    assert done.returncode == 0, done.stderr
    lib = open_library(str(seeded_path))
    assert lib.health is not None
    assert lib.health.unclean
    lib.add_tags(["after"], [2])
    report = lib.health.report
    assert report is not None
    assert report.full
    assert report.ok
    assert {t.name for t in lib.tags()} == {"before the crash", "after"}
    lib.close()
    again = open_library(str(seeded_path))
    assert again.health is not None
    assert not again.health.unclean
    again.close()


def test_a_clean_exit_without_close_is_no_unclean_shutdown(seeded_path: Path) -> None:
    done = _python(
        "import sys; from refman.app import open_library; open_library(sys.argv[1])",
        str(seeded_path),
    )
    assert done.returncode == 0, done.stderr
    lib = open_library(str(seeded_path))
    assert lib.health is not None
    assert not lib.health.unclean
    lib.close()


def test_a_damaged_library_is_read_but_never_written(seeded_path: Path) -> None:
    damage(seeded_path)
    before = library_checksum(seeded_path)
    lib = open_library(str(seeded_path))
    assert lib.count() == 79  # what is still readable is shown
    with pytest.raises(LibraryUnavailableError) as info:
        lib.add_tags(["never"], [1])
    message = str(info.value)
    assert f"the library {seeded_path} failed the quick check" in message
    assert "refman will not write to it (nothing was changed)" in message
    assert "restore the newest good backup, of " in message
    assert "(79 references" in message
    with pytest.raises(LibraryUnavailableError):
        lib.rename_tag("a", "b")  # refused again, without checking again
    assert lib.run_daily_backup() is None  # never backed up over the good backups
    lib.close()
    assert library_checksum(seeded_path) == before


def test_a_library_that_is_no_database_cannot_be_opened_and_is_left_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "library.sqlite"
    path.write_bytes(b"This is not a database: a text file saved over the library.\n" * 100)
    before = path.read_bytes()
    with pytest.raises(LibraryUnavailableError) as info:
        open_library(str(path))
    message = str(info.value)
    assert f"the library {path} is damaged (file is not a database)" in message
    assert "restore a backup (`refman db restore`, or File > Restore from Backup)" in message
    assert path.read_bytes() == before


def test_a_read_only_library_is_read_and_writes_are_refused(
    seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only_view(seeded_path.parent, tmp_path / "view") as view:
        if view is not None:
            path = view / seeded_path.name
        elif os.geteuid() != 0:  # permissions bind everyone but root
            path = seeded_path
            path.chmod(0o444)
        else:  # root without the right to mount: the permission check, injected
            path = seeded_path
            real = os.access
            monkeypatch.setattr(
                health_module.os,
                "access",
                lambda p, mode: False if mode == os.W_OK else real(p, mode),
            )
        before = library_checksum(seeded_path)
        lib = open_library(str(path))
        assert lib.health is not None
        assert lib.health.read_only
        assert lib.count() == 79
        with pytest.raises(LibraryUnavailableError) as info:
            lib.add_tags(["never"], [1])
        assert f"the library {path} is read-only" in str(info.value)
        assert "nothing was changed" in str(info.value)
        lib.close()
        assert library_checksum(seeded_path) == before


def test_a_writer_waits_for_another_process_to_finish(reopened: Library) -> None:
    health = reopened.health
    assert health is not None
    reopened.add_tags(["first"], [1])  # (checked)
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sqlite3, sys, time
                conn = sqlite3.connect(sys.argv[1], isolation_level=None)
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO tags (name, name_key) VALUES ('theirs', 'theirs')")
                print("locked", flush=True)
                time.sleep(1.0)
                conn.execute("COMMIT")
                """
            ),
            str(health.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        reopened.add_tags(["ours"], [2])  # waits for the lock, then writes
        assert holder.wait(timeout=30) == 0
    assert {"first", "ours", "theirs"} <= {t.name for t in reopened.tags()}


def test_a_writer_locked_out_past_the_timeout_gets_a_clear_message(
    seeded_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    lib = open_library(str(seeded_path))
    lib.add_tags(["first"], [1])
    before = library_checksum(seeded_path)
    other = sqlite3.connect(seeded_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(LibraryUnavailableError) as info:
            lib.add_tags(["second"], [2])
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = str(info.value)
    assert f"the library {seeded_path} is busy" in message
    assert "kept it locked for 0.2 s; nothing was changed" in message
    assert library_checksum(seeded_path) == before
    lib.close()


def test_two_processes_writing_at_once_lose_nothing(seeded_path: Path) -> None:
    code = """
        import sys
        from refman.app import open_library
        lib = open_library(sys.argv[1])
        for n in range(25):
            lib.add_tags([f"{sys.argv[2]}-{n}"], [1 + n % 10])
        lib.close()
        """
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(seeded_path), name],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    lib = open_library(str(seeded_path))
    names = {t.name for t in lib.tags()}
    assert {f"{w}-{n}" for w in "ab" for n in range(25)} <= names
    lib.close()
    assert sqlite_files.integrity_problems(seeded_path, full=True) == []


def test_a_full_disk_fails_an_import_cleanly(tmp_path: Path) -> None:
    listing = tmp_path / "big.txt"
    with listing.open("w") as out:
        for n in range(3000):
            out.write(
                f"Abstract number {n} " * 60 + f"\n\narXiv:2301.{n:05d}\nCreated: 2023-01-01\n\n"
            )
    with small_filesystem(tmp_path / "disk", 6144) as disk:
        folder = disk or tmp_path / "disk"
        path = folder / "library.sqlite"
        lib = open_library(str(path))
        lib.import_files(SEED_FILES[:2])
        lib.backup_reason = None
        lib.add_tags(["checked"], [1])
        lib.store.checkpoint()
        before = library_checksum(path)
        count = lib.count()
        if disk is not None:
            fill(disk, 256 * 1024)
        else:  # no tmpfs here: the database may not grow (SQLite's own "full" error)
            size = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
            from sqlalchemy import event

            event.listen(
                lib.store.engine,
                "connect",
                lambda conn, _rec: conn.execute(f"PRAGMA max_page_count={size + 2}"),
            )
            lib.store.engine.dispose()
        with pytest.raises(LibraryUnavailableError) as info:
            lib.import_files([listing])
        assert str(info.value) == (
            f"the disk holding the library {path} is full; nothing was changed: free some "
            "space and try again"
        )
        assert library_checksum(path) == before
        assert lib.count() == count
        lib.close()
        assert sqlite_files.integrity_problems(path, full=True) == []


def test_the_guard_check_runs_once_for_writers_on_several_threads(seeded_path: Path) -> None:
    lib = open_library(str(seeded_path))
    health = lib.health
    assert health is not None
    (health.state / "last-check.json").unlink(missing_ok=True)
    calls: list[int] = []
    original = health._run_check

    def counted(full: bool) -> health_module.CheckReport:
        calls.append(1)
        return original(full)

    health._run_check = counted  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            lib.add_tags([f"t{n}"], [1 + n])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert calls == [1]
    lib.close()
