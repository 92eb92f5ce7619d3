"""Opening a library: engine set-up, SQLite pragmas and migrations on open."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

BUSY_TIMEOUT_MS = 10_000
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
APP_NAME = "refman"
SCHEMA_REVISION = "0015"
"""The newest migration; tests/unit/storage/test_migrations.py checks it is Alembic's head."""


class LibraryOpenError(Exception):
    """A library URL or file that cannot be opened; the message is for the user."""


class LibraryUnavailableError(Exception):
    """The library cannot be read or written now: busy with another program's write,
    read-only, damaged, or its disk full. The message names the library, says what
    happened and what to do; the operation changed nothing."""


class ConnectionLostError(LibraryUnavailableError):
    """A database server (a shared library) cannot be reached: the connection failed or
    was cut. The operation did not happen; it can be tried again once the server is back."""


SERVER_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
"""libpq options of every connection to a PostgreSQL library: a server that has gone
away is noticed in seconds, not when the operating system gives up on the socket."""
_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})  # admin/crash shutdown, starting


_SQLITE_PROBLEMS: dict[int, str] = {
    sqlite3.SQLITE_BUSY: "busy",
    sqlite3.SQLITE_LOCKED: "busy",
    sqlite3.SQLITE_READONLY: "read-only",
    sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_CORRUPT: "damaged",
    sqlite3.SQLITE_NOTADB: "damaged",
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_CANTOPEN: "cannot-open",
}


def describe_database_error(exc: BaseException, where: str) -> str | None:
    """A message for users about an SQLite error that is no bug but the library's state
    (``where`` names the library), or None for any other exception."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(original, sqlite3.Error):
        return None
    code = getattr(original, "sqlite_errorcode", None)
    kind = None if code is None else _SQLITE_PROBLEMS.get(code & 0xFF)
    detail = str(original)
    match kind:
        case "busy":
            seconds = f"{BUSY_TIMEOUT_MS / 1000:g}"
            return (
                f"the library {where} is busy: another program (another refman window or "
                f"command?) kept it locked for {seconds} s; nothing was changed, try again "
                "when it has finished"
            )
        case "read-only":
            return (
                f"the library {where} is read-only (no permission to write the file or its "
                "folder, or a read-only disk); nothing was changed"
            )
        case "full":
            return (
                f"the disk holding the library {where} is full; nothing was changed: free "
                "some space and try again"
            )
        case "damaged":
            return (
                f"the library {where} is damaged ({detail}); nothing was changed. Run "
                "`refman db check`, and restore a backup (`refman db restore`, or File > "
                "Restore from Backup)"
            )
        case "io":
            return f"cannot read or write the library {where}: {detail}; nothing was changed"
        case "cannot-open":
            return f"cannot open the library {where}: {detail}"
    return None


class WriteGuard:
    """Holds writes to a library until it is known to be safe to write: its integrity
    check passed (``allow``). A failed check or a read-only file ``refuse``-s writes with
    a message. ``check`` (optional) is run by the first writer that finds the question
    open; it returns the refusal message, or None to allow. ``run`` decides at once (on a
    worker thread, say). Every write goes through ``write_connection``, which calls
    ``wait``."""

    WAIT_SECONDS = 600.0
    """How long a writer waits for a check in progress (a full check of a large
    library on a cold disk takes a minute)."""

    def __init__(self, check: Callable[[], str | None] | None = None) -> None:
        self._check = check
        self._lock = threading.Lock()
        self._decided = threading.Event()
        self._running = False
        self._refusal: str | None = None
        if check is None:
            self._decided.set()

    @property
    def decided(self) -> bool:
        """Whether writes are known to be allowed or refused."""
        return self._decided.is_set()

    @property
    def refusal(self) -> str | None:
        """Why writes are refused (None: allowed, or not decided yet)."""
        return self._refusal

    def allow(self) -> None:
        """Writes may go ahead."""
        with self._lock:
            self._refusal = None
            self._decided.set()

    def refuse(self, message: str) -> None:
        """Writes fail with ``message``."""
        with self._lock:
            self._refusal = message
            self._decided.set()

    def run(self, check: Callable[[], str | None] | None = None) -> None:
        """Decide now, in this thread, with ``check`` (default: the guard's own); writers
        wait meanwhile. When a check is already running elsewhere, wait for it instead."""
        with self._lock:
            if check is not None:
                self._check = check
            elsewhere = self._running
            if not elsewhere:
                self._running = True
                self._decided.clear()
        if elsewhere:
            self._decided.wait(self.WAIT_SECONDS)
        else:
            self._run()

    def _run(self) -> None:
        check = self._check
        try:
            refusal = check() if check is not None else None
        except BaseException as exc:  # a bug in the check must not unlock writes
            refusal = f"the library could not be checked ({type(exc).__name__}: {exc})"
        with self._lock:
            self._refusal = refusal
            self._running = False
            self._decided.set()

    def wait(self) -> None:
        """Return when writes are allowed; raise ``LibraryUnavailableError`` when they
        are refused. Runs the check here when nobody has started it."""
        run_here = False
        with self._lock:
            if not self._decided.is_set() and not self._running:
                self._running = run_here = True
        if run_here:
            self._run()
        elif not self._decided.wait(self.WAIT_SECONDS):
            raise LibraryUnavailableError(
                "the library's integrity check has not finished; nothing was changed"
            )
        if self._refusal is not None:
            raise LibraryUnavailableError(self._refusal)


_GUARDS: weakref.WeakKeyDictionary[Engine, WriteGuard] = weakref.WeakKeyDictionary()


def set_write_guard(engine: Engine, guard: WriteGuard | None) -> None:
    """Make every write through ``engine`` wait for ``guard`` (None: no guard)."""
    if guard is None:
        _GUARDS.pop(engine, None)
    else:
        _GUARDS[engine] = guard


def write_guard(engine: Engine) -> WriteGuard | None:
    """The guard writes through ``engine`` wait for."""
    return _GUARDS.get(engine)


RELAYED_EVENTS = ("begin", "checkout", "checkin", "close", "close_detached")
"""The engine and pool events that :class:`EngineEvents` relays."""


class EngineEvents:
    """An engine's transaction and pool events, relayed to observers that may be added
    and removed at any time, from any thread.

    SQLAlchemy's own listener lists must not change while another thread dispatches
    through them (a worker beginning a transaction while the window added a listener
    failed with "deque mutated during iteration"), so each engine gets one relaying
    listener per event when it is created, and observers come and go here instead."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._observers: dict[str, tuple[Callable[..., None], ...]] = dict.fromkeys(
            RELAYED_EVENTS, ()
        )
        for name in RELAYED_EVENTS:
            event.listen(engine, name, self._relay(name))

    def _relay(self, name: str) -> Callable[..., None]:
        def relay(*args: Any) -> None:
            for observer in self._observers[name]:  # (a tuple, replaced whole: no lock)
                observer(*args)

        return relay

    def add(self, name: str, observer: Callable[..., None]) -> None:
        """Call ``observer`` with the event's arguments from now on."""
        with self._lock:
            self._observers[name] = (*self._observers[name], observer)

    def remove(self, name: str, observer: Callable[..., None]) -> None:
        """Stop calling ``observer`` (no error if it was not added)."""
        with self._lock:
            self._observers[name] = tuple(o for o in self._observers[name] if o is not observer)


_EVENTS: weakref.WeakKeyDictionary[Engine, EngineEvents] = weakref.WeakKeyDictionary()
_EVENTS_LOCK = threading.Lock()


def engine_events(engine: Engine) -> EngineEvents:
    """The relay of ``engine``'s events, installed by :func:`create_library_engine`
    before any thread used it (for another engine, now)."""
    with _EVENTS_LOCK:
        events = _EVENTS.get(engine)
        if events is None:
            events = _EVENTS[engine] = EngineEvents(engine)
        return events


def default_library_path() -> Path:
    """The default SQLite library in platformdirs' user data dir."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library.sqlite"


def resolve_url(db: str | None) -> str:
    """Turn ``--db`` / ``REFMAN_DB`` (a URL or a plain file path) into a SQLAlchemy URL."""
    value = db or os.environ.get("REFMAN_DB") or str(default_library_path())
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def default_attachment_folder(url: str) -> Path:
    """Where a library keeps the files it copies (its "attachment folder", unless the
    library's settings name another): ``attachments`` beside the default library, in
    platformdirs' user data dir; ``<name>-attachments`` beside any other SQLite file; for a
    server library, a folder per database in the user data dir."""
    parsed = make_url(url)
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return data / "attachments"
        path = Path(database).expanduser().resolve()
        if path == default_library_path().expanduser().resolve():
            return path.parent / "attachments"
        return path.with_name(f"{path.stem}-attachments")
    name = f"{parsed.database or 'library'}@{parsed.host or 'localhost'}"
    return data / "attachments" / "".join(c if c.isalnum() or c in "@.-_" else "_" for c in name)


def read_only_url(path: Path) -> str:
    """A URL opening the SQLite file ``path`` for reading only: ``mode=ro``, and
    ``immutable`` where SQLite could not create its shared-memory index beside the file
    either (a read-only folder or disk, where no one else can write the file)."""
    params = "mode=ro"
    if not Path(f"{path}-shm").exists() and not os.access(path.parent, os.W_OK):
        params += "&immutable=1"
    return f"sqlite:///{path.resolve().as_uri()}?{params}&uri=true"


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
    with contextlib.suppress(sqlite3.OperationalError):  # a read-only file keeps its mode
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


def create_library_engine(url: str, *, password: str | None = None) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout. A
    server's ``password`` goes to the driver only (never into the URL, which is shown
    and remembered); its lost connections raise ``ConnectionLostError``."""
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
        where = database or url
        event.listen(engine, "handle_error", lambda ctx: _translate_error(ctx, where))
        engine_events(engine)  # (after BEGIN IMMEDIATE: its observers see the lock held)
        return engine
    server = parsed.get_backend_name() == "postgresql"
    connect_args = dict(SERVER_CONNECT_ARGS) if server else {}
    if password is not None:
        connect_args["password"] = password
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except Exception as exc:  # missing driver, bad URL parts
        raise LibraryOpenError(f"cannot open {url}: {exc}") from exc
    if server:
        name = library_name(url)
        event.listen(engine, "handle_error", lambda ctx: _translate_server_error(ctx, name))
    engine_events(engine)
    return engine


def _translate_error(context: ExceptionContext, where: str) -> BaseException | None:
    """SQLAlchemy's ``handle_error`` hook: a busy, read-only, damaged or full library
    becomes ``LibraryUnavailableError`` with a message for the user."""
    message = describe_database_error(context.original_exception, where)
    return None if message is None else LibraryUnavailableError(message)


def _translate_server_error(context: ExceptionContext, name: str) -> BaseException | None:
    """``handle_error`` for a server library: a connection that failed or was cut becomes
    ``ConnectionLostError`` (a dead pooled connection found by the pre-ping is replaced
    silently by SQLAlchemy; a serialization failure stays a ``DBAPIError`` for
    ``Store.write`` to retry)."""
    if context.is_pre_ping:
        return None
    original = context.original_exception
    state = getattr(original, "sqlstate", None)
    failed = (
        context.is_disconnect
        or (state is None and type(original).__name__ == "OperationalError")
        or (state is not None and (state.startswith("08") or state in _CONNECTION_SQLSTATES))
    )
    if not failed:
        return None
    lines = str(original).strip().splitlines()
    detail = lines[0].removeprefix("connection failed: ") if lines else type(original).__name__
    return ConnectionLostError(f"no connection to the library {name}: {detail}")


@contextmanager
def write_connection(engine: Engine, *, bulk: bool = False) -> Iterator[Connection]:
    """A connection in a write transaction, committed on success and rolled back on error.

    It waits for the engine's ``WriteGuard`` first (a library whose check failed is never
    written to). SQLite errors that describe the library's state (busy past the timeout,
    read-only, damaged, disk full), raised by the driver directly too, become
    ``LibraryUnavailableError``.

    With ``bulk`` on SQLite the commit skips the automatic WAL checkpoint, which for a
    large import costs as much as the import's own writes; it runs at the next commit."""
    guard = _GUARDS.get(engine)
    if guard is not None:
        guard.wait()
    sqlite = engine.dialect.name == "sqlite"
    try:
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
    except (sqlite3.Error, DBAPIError) as exc:
        message = describe_database_error(exc, engine.url.database or str(engine.url))
        if message is None:
            raise
        raise LibraryUnavailableError(message) from exc


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
