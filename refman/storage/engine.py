"""Opening a library: engine set-up, SQLite pragmas and migrations on open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

BUSY_TIMEOUT_MS = 10_000
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
APP_NAME = "refman"
SCHEMA_REVISION = "0010"
"""The newest migration; tests/unit/storage/test_migrations.py checks it is Alembic's head."""


class LibraryOpenError(Exception):
    """A library URL or file that cannot be opened; the message is for the user."""


def default_library_path() -> Path:
    """The default SQLite library in platformdirs' user data dir."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library.sqlite"


def resolve_url(db: str | None) -> str:
    """Turn ``--db`` / ``REFMAN_DB`` (a URL or a plain file path) into a SQLAlchemy URL."""
    value = db or os.environ.get("REFMAN_DB") or str(default_library_path())
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def library_name(url: str) -> str:
    """A short human name for the library at ``url`` (file stem or database name)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "memory").stem
    return f"{parsed.database}@{parsed.host or 'localhost'}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB page cache: index inserts of a large import stay in memory instead of
    # spilling and re-reading B-tree pages (the default cache is 2 MiB).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Writers ask for BEGIN IMMEDIATE (see ``write_connection``): they take the write lock
    # up front and wait on the busy timeout, instead of failing half-way on lock upgrade.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_library_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LibraryOpenError(f"not a database URL: {url}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryOpenError(f"cannot create {path.parent}: {exc.strerror}") from exc
        # LIFO: the connection used last (whose SQLite page cache holds what the last
        # query read) serves the next query, instead of a rotation through the pool in
        # which every quick-search keystroke met a cold cache.
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, pool_use_lifo=True
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        # pysqlite's own transaction handling is replaced by explicit BEGIN IMMEDIATE.
        event.listen(
            engine,
            "connect",
            lambda dbapi_conn, _rec: setattr(dbapi_conn, "isolation_level", None),
        )
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad URL parts
        raise LibraryOpenError(f"cannot open {url}: {exc}") from exc


@contextmanager
def write_connection(engine: Engine, *, bulk: bool = False) -> Iterator[Connection]:
    """A connection in a write transaction, committed on success and rolled back on error.

    With ``bulk`` on SQLite the commit skips the automatic WAL checkpoint, which for a
    large import costs as much as the import's own writes; it runs at the next commit."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as plain:
        driver: Any = plain.connection.driver_connection  # pragmas outside any transaction
        if bulk and sqlite:
            driver.execute("PRAGMA wal_autocheckpoint=0")
        try:
            conn = plain.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
        finally:
            if bulk and sqlite:
                driver.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")


def stored_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the library (None for a new, empty database)."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no alembic_version table yet
            return None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction.

    A library already at ``SCHEMA_REVISION`` is left alone without importing Alembic,
    which would add a quarter of a second to every start of the app."""
    if revision == "head" and stored_revision(engine) == SCHEMA_REVISION:
        return
    from refman.storage import migrating  # noqa: PLC0415 (Alembic only when needed)

    migrating.upgrade(engine, revision)
