"""SQLite library files as files: integrity checks, online backups and restores.

Everything here goes through the driver (``sqlite3``) on connections of its own, never
through the library's engine: a check or a backup must work on a file the engine refuses
to open (damaged, or at a schema revision this version does not know), and must never
write to the file it reads (checks and backups open it read-only)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from refman.storage.engine import BUSY_TIMEOUT_MS

MAX_PROBLEMS = 20
"""How many findings a check reports at most (SQLite stops there)."""


class DatabaseFileError(Exception):
    """A library or backup file that cannot be read, copied or replaced; the message
    names the file and the reason."""


@dataclass(frozen=True, slots=True)
class DatabaseSummary:
    """What a library file holds, for listing backups: counts and schema revision
    (None where the file lacks the table)."""

    references: int | None
    trashed: int | None
    notes: int | None
    tags: int | None
    revision: str | None


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite library URL; None for PostgreSQL, in-memory databases and
    ``file:`` URIs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path`` (which must exist: a read-only open would not
    create it, but ``sqlite3`` would report the reason less clearly)."""
    if not path.is_file():
        raise DatabaseFileError(f"{path}: no such file")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"cannot open {path}: {exc}") from exc


def integrity_problems(path: Path, *, full: bool = False) -> list[str]:
    """SQLite's findings about ``path``: ``PRAGMA quick_check`` (every page and record
    well formed), or with ``full`` ``PRAGMA integrity_check`` (indexes agree with their
    tables, too: about twice as long). Empty when healthy. A file that is not an SQLite
    database, or that cannot be read, gives one finding saying so."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        conn = _read_only(path)
    except DatabaseFileError as exc:
        return [str(exc)]
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        if full and not problems:
            problems = [
                f"table {row[0]}: row {row[1]} refers to a missing row of {row[2]}"
                for row in conn.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS)
            ]
        return problems
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()


def summary(path: Path) -> DatabaseSummary:
    """Counts of what the library file ``path`` holds (read-only)."""
    conn = _read_only(path)
    try:

        def value(sql: str) -> int | str | None:
            try:
                row = conn.execute(sql).fetchone()
            except sqlite3.Error:  # no such table (an old or foreign file)
                return None
            return None if row is None else row[0]

        def count(sql: str) -> int | None:
            found = value(sql)
            return found if isinstance(found, int) else None

        revision = value("SELECT version_num FROM alembic_version")
        return DatabaseSummary(
            references=count('SELECT count(*) FROM "references" WHERE trashed IS NULL'),
            trashed=count('SELECT count(*) FROM "references" WHERE trashed IS NOT NULL'),
            notes=count("SELECT count(*) FROM notes"),
            tags=count("SELECT count(*) FROM tags"),
            revision=revision if isinstance(revision, str) else None,
        )
    finally:
        conn.close()


def backup(source: Path, target: Path) -> None:
    """Copy the library ``source`` into the new file ``target`` with SQLite's online
    backup API: one consistent snapshot, taken in a single step under a read transaction
    (in WAL mode writers go on meanwhile). The copy is in rollback-journal mode (one
    self-contained file) and flushed to disk. A failure removes ``target`` and raises
    ``DatabaseFileError`` with SQLite's or the system's reason."""
    src = _read_only(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        sync_file(target)
    except (sqlite3.Error, OSError) as exc:
        for leftover in (target, Path(f"{target}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise DatabaseFileError(_reason(exc)) from exc
    finally:
        src.close()


def restore(backup_file: Path, target: Path) -> None:
    """Replace the content of the library ``target`` with ``backup_file``'s, through the
    backup API: the pages are written in one transaction of ``target`` (other
    connections, in this process or another, see the restored library from their next
    transaction; a writer holding the library makes this wait, up to the busy timeout),
    so a failure leaves ``target`` as it was.

    A ``target`` that is no longer an SQLite database at all (its header destroyed) is
    replaced as a file instead: a copy beside it, flushed, renamed over it, its stale
    write-ahead log removed. Raises ``DatabaseFileError``."""
    src = _read_only(backup_file)
    try:
        try:
            dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                src.backup(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_NOTADB:
                raise
            _replace_file(src, target)
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseFileError(_reason(exc)) from exc
    finally:
        src.close()


def copy_files(library: Path, target: Path) -> list[Path]:
    """Copy a library file as it is, with its write-ahead log if any, to ``target`` (and
    ``target``-wal): a damaged library kept aside before a restore replaces it. Returns
    the files written; raises ``DatabaseFileError``."""
    written = []
    try:
        for suffix in ("", "-wal"):
            source = Path(f"{library}{suffix}")
            if source.exists():
                copy = Path(f"{target}{suffix}")
                shutil.copyfile(source, copy)
                sync_file(copy)
                written.append(copy)
    except OSError as exc:
        raise DatabaseFileError(_reason(exc)) from exc
    return written


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc)


def _replace_file(src: sqlite3.Connection, target: Path) -> None:
    """Write ``src`` to a new file beside ``target`` and rename it over ``target``."""
    temp = target.with_name(f".{target.name}.restoring")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    dst = sqlite3.connect(temp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
    sync_file(temp)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    os.replace(temp, target)
    sync_folder(target.parent)


def sync_file(path: Path) -> None:
    """Flush ``path``'s data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX; a no-op where folders cannot be
    opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
