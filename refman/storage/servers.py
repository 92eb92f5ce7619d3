"""Libraries on a database server (a lab's shared library on PostgreSQL): their URLs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from refman.storage.engine import create_library_engine
from refman.storage.orm import Base

DEFAULT_PORT = 5432
SERVER_DRIVER = "postgresql+psycopg"


@dataclass(frozen=True, slots=True)
class ServerLibrary:
    """Where a shared library lives. Never holds a password: the URL it gives is safe
    to show and to remember."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT

    @property
    def url(self) -> str:
        """The SQLAlchemy URL (psycopg 3), without any password."""
        return URL.create(
            SERVER_DRIVER,
            username=self.user or None,
            host=self.host or None,
            port=self.port,
            database=self.database,
        ).render_as_string()

    @property
    def key(self) -> str:
        """``user@host:port/database``: the name its password is kept under."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def label(self) -> str:
        """A short human name: ``database on host`` (with the port when not 5432)."""
        port = "" if self.port == DEFAULT_PORT else f":{self.port}"
        return f"{self.database} on {self.host}{port}"


def server_library(url: str) -> ServerLibrary | None:
    """The server library ``url`` names (its password, if any, left out); None for an
    SQLite file or a URL that is not one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return None
    return ServerLibrary(
        host=parsed.host or "localhost",
        database=parsed.database,
        user=parsed.username or "",
        port=parsed.port or DEFAULT_PORT,
    )


def url_password(url: str) -> str | None:
    """The password written into ``url`` (``user:secret@host``), if any."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return None if password is None else str(password)


@dataclass(frozen=True, slots=True)
class ServerProbe:
    """What a connection test found in a server's database."""

    revision: str | None
    """The refman schema revision stored there (None: no refman library yet)."""
    other_tables: int
    """Tables that are not refman's (a database used for something else)."""
    references: int | None
    """References in the library (None when there is none)."""


def probe_server(url: str, password: str | None) -> ServerProbe:
    """Connect to the server library at ``url`` and look inside, changing nothing.
    Raises ``ConnectionLostError`` (unreachable server, refused login, no such
    database) or ``LibraryOpenError``."""
    engine = create_library_engine(url, password=password)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            references = None
            if revision is not None and "references" in tables:
                references = conn.execute(text('SELECT count(*) FROM "references"')).scalar()
        ours = {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
        return ServerProbe(
            revision=None if revision is None else str(revision),
            other_tables=len(tables - ours - {"search_documents", "search_state", "search_dirty"}),
            references=None if references is None else int(references),
        )
    finally:
        engine.dispose()
