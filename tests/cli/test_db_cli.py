"""``refman db check|backup|backups|restore`` through a real subprocess, and the backups
the other commands make."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from refman.app import open_library
from tests.cli.test_cli import as_json, refman
from tests.conftest import ROOT, SEED_FILES
from tests.library_state import damage, library_checksum


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A library holding the seeds (the import made its first backup)."""
    path = tmp_path / "library.sqlite"
    lib = open_library(str(path))  # (as `refman import` does, without a process)
    lib.import_files(SEED_FILES)
    lib.run_pending_backup()
    lib.close()
    return path


def test_an_import_leaves_a_checked_backup(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite"
    refman(db, "import", *map(str, SEED_FILES))
    listed = as_json(refman(db, "db", "backups", "--json"))
    assert len(listed) == 1
    assert listed[0]["reason"] == "import"
    assert listed[0]["references"] == 79
    assert Path(listed[0]["path"]).parent == db.parent / "library.sqlite-backups"


def test_check_passes_and_says_how_long_it_took(db: Path) -> None:
    out = refman(db, "db", "check")
    assert out.stdout.startswith(f"{db}: passed the integrity check (")
    quick = as_json(refman(db, "db", "check", "--quick", "--json"))
    assert quick["ok"] is True
    assert quick["full"] is False
    assert quick["problems"] == []


def test_check_of_a_damaged_library_fails_names_the_backup_and_changes_nothing(db: Path) -> None:
    damage(db)
    before = library_checksum(db)
    out = refman(db, "db", "check", check=False)
    assert out.returncode == 1
    assert out.stdout.startswith(f"{db}: failed the integrity check: ")
    assert "refman: the library is damaged; refman will not write to it; the newest good " in (
        out.stderr
    )
    assert "(79 references, 0 notes): `refman db restore` puts it back" in out.stderr
    tagged = refman(db, "tag", "add", "x", "1", check=False)
    assert tagged.returncode == 1
    assert f"refman: the library {db} failed the " in tagged.stderr
    assert "refman will not write to it (nothing was changed)" in tagged.stderr
    assert library_checksum(db) == before


def test_backup_keeps_the_newest_n(db: Path) -> None:
    for _ in range(3):
        out = refman(db, "db", "backup", "--keep", "2")
        assert out.stdout.startswith(f"backed up to {db.parent / 'library.sqlite-backups'}/")
        assert out.stdout.rstrip().endswith(": 79 references, 0 notes, checked")
    listed = as_json(refman(db, "db", "backups", "--json"))
    assert [b["reason"] for b in listed] == ["manual", "manual"]
    text = refman(db, "db", "backups").stdout.splitlines()
    assert text[0] == f"backups of {db} in {db.parent / 'library.sqlite-backups'}, newest first:"
    assert text[1].startswith("  1  ")
    assert "manual" in text[1]
    assert "79 references, 0 notes" in text[1]


def test_restore_brings_back_a_backup_and_keeps_the_current_library(db: Path) -> None:
    refman(db, "tag", "add", "later", "1")
    out = refman(db, "db", "restore", "--yes")
    assert out.stdout.splitlines()[0].startswith(f"restored {db} from ")
    assert "the library as it was is kept in " in out.stdout
    assert as_json(refman(db, "tag", "list", "--json")) == []
    listed = as_json(refman(db, "db", "backups", "--json"))
    assert listed[0]["reason"] == "before-restore"


def test_restore_restores_a_damaged_library(db: Path) -> None:
    damage(db)
    out = refman(db, "db", "restore", "1", "--yes")
    assert "the damaged library was copied to" in out.stdout
    assert refman(db, "db", "check").returncode == 0
    refman(db, "tag", "add", "writable", "1")


def test_restore_asks_unless_told_not_to(db: Path) -> None:
    before = library_checksum(db)
    out = refman(db, "db", "restore", check=False)
    assert out.returncode == 1
    assert out.stderr == (
        "refman: refman db restore asks for confirmation: add --yes to run it unattended\n"
    )
    assert library_checksum(db) == before


def test_restore_refuses_while_another_refman_has_the_library_open(db: Path) -> None:
    code = """
        import sys
        from refman.app import open_library
        lib = open_library(sys.argv[1])
        print("open", flush=True)
        sys.stdin.readline()
        lib.close()
        """
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as other:
        assert other.stdout is not None
        assert other.stdin is not None
        assert other.stdout.readline().strip() == "open"
        before = library_checksum(db)
        out = refman(db, "db", "restore", "--yes", check=False)
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.wait(timeout=30) == 0
    assert out.returncode == 1
    assert f"open in another refman process (pid {other.pid}): close it first" in out.stderr
    assert library_checksum(db) == before


def test_unknown_backup_and_missing_library(db: Path, tmp_path: Path) -> None:
    out = refman(db, "db", "restore", "nope", "--yes", check=False)
    assert out.stderr == "refman: no backup 'nope': `refman db backups` lists them\n"
    missing = tmp_path / "none.sqlite"
    out = refman(missing, "db", "check", check=False)
    assert out.stderr == f"refman: no library at {missing}\n"
    assert not missing.exists()


@pytest.mark.parametrize(
    ("action", "advice"),
    [
        ("backup", "back up a PostgreSQL library with pg_dump (pg_dump -Fc -f refman.dump"),
        ("check", "PostgreSQL checks its own storage"),
        ("restore", "restore a PostgreSQL library with pg_restore"),
    ],
)
def test_a_postgresql_library_is_pointed_to_its_own_tools(action: str, advice: str) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    out = refman(url, "db", action, *(["--yes"] if action == "restore" else []), check=False)
    assert out.returncode == 1
    assert out.stderr.startswith(f"refman: refman db {action} works on SQLite libraries; ")
    assert advice in out.stderr


def test_db_help_lists_the_actions() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "refman.cli.main", "db", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    for action in ("check", "backup", "backups", "restore"):
        assert action in out.stdout
