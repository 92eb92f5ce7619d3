"""Opening a library: engine set-up, SQLite pragmas and migrations on open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000
APP_NAME = "refman"


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
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
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


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the library at ``engine`` is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed on success and rolled back on error."""
    with engine.connect() as plain:
        conn = plain.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction."""
    config = alembic_config()
    with write_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
