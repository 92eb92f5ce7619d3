"""Changes other programs make to a library, as they happen.

A :class:`ChangeFeed` watches one library on a background thread and queues what it
finds for its owner, waking it through a socket (:meth:`ChangeFeed.fileno`; a window
watches it with a socket notifier and calls :meth:`ChangeFeed.drain` on its own thread).

- PostgreSQL: a dedicated autocommit connection does ``LISTEN refman_changes``, the
  channel migration 0012's triggers notify at every commit (``r:<id>``, ``r:*``,
  ``t``). Notifications sent by this process's own connections (their backend pids are
  known) are dropped: the process has shown its own changes already. When the connection
  fails, the feed reports it lost (:class:`ConnectionStatus`), tries again with backoff
  (1 s doubling to 30 s, or at once on :meth:`ChangeFeed.reconnect_now`) and, once
  back, reports it and asks for a full reload (notifications sent meanwhile are gone).
  Where ``LISTEN`` is refused, it polls a stamp of the tables instead.
- SQLite: ``PRAGMA data_version`` on a dedicated connection, read every half second
  (microseconds, whatever the library's size). It changes when another connection
  commits; this process's own write transactions are recognised by hooks on the engine
  (read before each write and again right after it), so only other programs' writes
  (``refman tag`` in a terminal, another window) are reported, as "reload everything":
  SQLite does not say what changed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from refman.storage.engine import ConnectionLostError, engine_events, library_name
from refman.storage.search_index import CHANGES_CHANNEL

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
"""How often SQLite's ``data_version`` is read."""
SERVER_POLL_SECONDS = 1.5
"""How often a server library that refuses ``LISTEN`` is polled (a stamp query)."""
LISTEN_WAIT_SECONDS = 0.25
"""How long the listener blocks on its socket between checks for ``stop``."""
BATCH_SECONDS = 0.01
"""After a notification, how long the listener gathers the ones following it."""
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
_WRITE_MARK = "refman_feed_write"
_WRITE_VERSION = "refman_feed_write_version"
_STALE_WRITE_SECONDS = 120.0
"""A write transaction not returned to the pool after this long no longer holds the
SQLite poll back (an invalidated connection may never be checked in)."""


@dataclass(frozen=True, slots=True)
class ChangeNotice:
    """What changed: these references (their row, authors, tags, notes or attachments;
    inserted and deleted ones too), tag names or colours, or anything (reload all)."""

    reference_ids: frozenset[int] = field(default_factory=frozenset)
    tags: bool = False
    everything: bool = False

    def __or__(self, other: ChangeNotice) -> ChangeNotice:
        return ChangeNotice(
            self.reference_ids | other.reference_ids,
            self.tags or other.tags,
            self.everything or other.everything,
        )


EVERYTHING = ChangeNotice(everything=True)


def parse_payload(payload: str) -> ChangeNotice | None:
    """A notification's payload (migration 0012) as a notice; None for one we do not
    know (a newer client's), which is ignored."""
    if payload == "t":
        return ChangeNotice(tags=True)
    if not payload.startswith("r:"):
        return None
    body = payload[2:]
    if body == "*":
        return EVERYTHING
    try:
        ids = frozenset(int(part) for part in body.split(",") if part)
    except ValueError:
        return EVERYTHING  # garbled: be safe
    return ChangeNotice(reference_ids=ids) if ids else None


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """The feed's connection to a server library: ``connected``, or lost with the
    reason (``message``) and the seconds until the next attempt (``retry_in``)."""

    connected: bool
    message: str = ""
    retry_in: float | None = None


class _Source:
    """One way of watching a library, used by the feed's thread only."""

    reports_connection = False
    """Whether its failures are connection losses to report (a server library)."""

    def open(self) -> None:
        """Connect (raises on failure)."""

    def wait(self, stop: threading.Event) -> ChangeNotice | None:
        """Block a short while (or until ``stop``); what changed meanwhile."""
        raise NotImplementedError

    def check(self) -> None:
        """Prove the connection alive (raises if not)."""

    def close(self) -> None:
        """Release the connection (never raises); ``open`` may follow."""

    def dispose(self) -> None:
        """Release everything for good (never raises)."""
        self.close()


def _data_version(dbapi_connection: Any) -> int | None:
    """``PRAGMA data_version`` of an SQLite driver connection (None if unreadable)."""
    try:
        row = dbapi_connection.execute("PRAGMA data_version").fetchone()
    except (sqlite3.Error, AttributeError):
        return None
    return int(row[0]) if row else None


class _SqliteSource(_Source):
    """``PRAGMA data_version`` polling, with this process's writes recognised."""

    def __init__(self, engine: Engine, path: str, interval: float) -> None:
        self._engine = engine
        self._path = path
        self._interval = interval
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._baseline: int | None = None
        self._external = False
        self._writes: dict[int, float] = {}  # id(pool record's info) -> start time
        self._events = engine_events(engine)
        self._on_begin = self._begin_hook  # (one object, for remove)
        self._on_checkin = self._checkin_hook
        self._events.add("begin", self._on_begin)
        self._events.add("checkin", self._on_checkin)

    def open(self) -> None:
        conn = sqlite3.connect(self._path, timeout=0.2, check_same_thread=False)
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = conn
            self._baseline = self._version()

    def _version(self) -> int | None:
        """The file's data version (lock held); None if unreadable."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return None
        return int(row[0])

    def _begin_hook(self, conn: Connection) -> None:
        """A write transaction began (its lock is held: nobody else can commit). A
        change seen now is another program's; the one this transaction makes is not."""
        if conn.get_execution_options().get("sqlite_begin") != "IMMEDIATE":
            return
        with self._lock:
            version = self._version()
            if version != self._baseline:
                self._external = True
            self._baseline = version
            self._writes[id(conn.info)] = time.monotonic()  # (the pool record's info)
        conn.info[_WRITE_MARK] = True
        # The writer's own data_version changes only when another connection commits:
        # compared again at check-in, it tells whether someone else committed right after
        # this transaction (before the check-in, which resets the baseline).
        conn.info[_WRITE_VERSION] = _data_version(conn.connection.driver_connection)

    def _checkin_hook(self, dbapi_connection: Any, record: Any) -> None:
        """A connection went back to the pool, after its commit or rollback."""
        if record is None:
            return
        if not record.info.pop(_WRITE_MARK, False):
            if id(record.info) in self._writes:  # (its mark gone: never hold the poll back)
                with self._lock:
                    self._writes.pop(id(record.info), None)
            return
        before = record.info.pop(_WRITE_VERSION, None)
        after = _data_version(dbapi_connection)
        with self._lock:
            self._writes.pop(id(record.info), None)
            if before is None or after is None or after != before:
                self._external = True  # (another program committed after this write)
            self._baseline = self._version()

    def poll(self) -> bool:
        """Whether another program committed since the last poll (False while this
        process writes: asked again next time)."""
        with self._lock:
            now = time.monotonic()
            for key, started in list(self._writes.items()):
                if now - started > _STALE_WRITE_SECONDS:
                    del self._writes[key]
            if self._writes:
                return False
            version = self._version()
            changed = self._external or (version is not None and version != self._baseline)
            self._baseline = version
            self._external = False
            return changed

    def wait(self, stop: threading.Event) -> ChangeNotice | None:
        stop.wait(self._interval)
        return EVERYTHING if not stop.is_set() and self.poll() else None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def dispose(self) -> None:
        self._events.remove("begin", self._on_begin)
        self._events.remove("checkin", self._on_checkin)
        self.close()


class _OwnConnections:
    """The backend pids of this process's pooled connections to a server library: the
    notifications they cause are this process's own changes."""

    def __init__(self, engine: Engine) -> None:
        self._events = engine_events(engine)
        self.pids: set[int] = set()
        self._on_checkout = self._checkout_hook
        self._on_close = self._close_hook
        self._on_detached_close = self._close_detached_hook
        self._events.add("checkout", self._on_checkout)
        self._events.add("close", self._on_close)
        self._events.add("close_detached", self._on_detached_close)

    @staticmethod
    def _pid(dbapi_connection: Any) -> int | None:
        info = getattr(dbapi_connection, "info", None)
        pid = getattr(info, "backend_pid", None)
        return pid if isinstance(pid, int) and pid else None

    def _checkout_hook(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        pid = self._pid(dbapi_connection)
        if pid is not None:
            self.pids.add(pid)

    def _close_hook(self, dbapi_connection: Any, _record: Any) -> None:
        self._close_detached_hook(dbapi_connection)

    def _close_detached_hook(self, dbapi_connection: Any) -> None:
        pid = self._pid(dbapi_connection)
        if pid is not None:
            self.pids.discard(pid)

    def close(self) -> None:
        self._events.remove("checkout", self._on_checkout)
        self._events.remove("close", self._on_close)
        self._events.remove("close_detached", self._on_detached_close)


class _ListenSource(_Source):
    """``LISTEN`` on a dedicated autocommit connection (made by the engine, so with its
    connect arguments and password), detached from the pool."""

    reports_connection = True

    def __init__(self, engine: Engine, own: _OwnConnections) -> None:
        self._engine = engine
        self._own = own
        self._conn: Any = None

    def open(self) -> None:
        proxied = self._engine.raw_connection()
        conn: Any = proxied.driver_connection
        try:
            proxied.detach()
            self._own.pids.discard(conn.info.backend_pid)
            conn.rollback()  # (the pool's connections start idle in a transaction)
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANGES_CHANNEL}")
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        _tune_keepalive(conn)
        self._conn = conn

    def wait(self, stop: threading.Event) -> ChangeNotice | None:
        conn = self._conn
        batch = list(conn.notifies(timeout=LISTEN_WAIT_SECONDS, stop_after=1))
        if not batch:
            return None
        # With it, those sent at the same commit (one per statement), then report.
        batch += conn.notifies(timeout=BATCH_SECONDS)
        notice: ChangeNotice | None = None
        own = self._own.pids
        for notify in batch:
            if notify.pid in own:
                continue
            parsed = parse_payload(notify.payload)
            if parsed is not None:
                notice = parsed if notice is None else notice | parsed
        return notice

    def check(self) -> None:
        self._conn.execute("SELECT 1")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


_STAMP_SQL = text(
    'SELECT (SELECT count(*) FROM "references"), (SELECT max(modified) FROM "references"),'
    " (SELECT count(*) FROM reference_tags),"
    " (SELECT coalesce(sum(reference_id * 7919 + tag_id), 0) FROM reference_tags),"
    " (SELECT count(*) FROM notes), (SELECT max(modified) FROM notes),"
    " (SELECT count(*) FROM attachments),"
    " (SELECT string_agg(name || ':' || coalesce(colour, ''), ',') FROM tags)"
)


class _StampSource(_Source):
    """Polling a server library that refuses ``LISTEN`` (a connection pooler in
    transaction mode, say): a stamp of the tables, read through the engine's pool. Own
    changes cannot be told apart here: they are reported too (a reload, harmless)."""

    reports_connection = True

    def __init__(self, engine: Engine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._stamp: tuple[Any, ...] | None = None

    def _read(self) -> tuple[Any, ...]:
        with self._engine.connect() as conn:
            row = conn.execute(_STAMP_SQL).one()
        return tuple(row)

    def open(self) -> None:
        self._stamp = self._read()

    def wait(self, stop: threading.Event) -> ChangeNotice | None:
        if stop.wait(self._interval):
            return None
        stamp = self._read()
        changed, self._stamp = stamp != self._stamp, stamp
        return EVERYTHING if changed else None

    def check(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))


def _tune_keepalive(conn: Any) -> None:
    """Notice a dead network in seconds on the listener's socket (Linux options; best
    effort elsewhere)."""
    try:
        sock = socket.socket(fileno=socket.dup(conn.pgconn.socket))
    except (OSError, AttributeError):
        return
    with sock:
        options = (
            (socket.SOL_SOCKET, "SO_KEEPALIVE", 1),
            (socket.IPPROTO_TCP, "TCP_KEEPIDLE", 5),
            (socket.IPPROTO_TCP, "TCP_KEEPINTVL", 2),
            (socket.IPPROTO_TCP, "TCP_KEEPCNT", 3),
            (socket.IPPROTO_TCP, "TCP_USER_TIMEOUT", 10_000),
        )
        for level, name, value in options:
            option = getattr(socket, name, None)
            if option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(level, option, value)


def _connection_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionLostError, OSError, sqlite3.Error]
    with contextlib.suppress(ImportError):
        import psycopg  # noqa: PLC0415 (only for server libraries)

        errors.append(psycopg.Error)
    with contextlib.suppress(ImportError):
        from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

        errors.append(DBAPIError)
    return tuple(errors)


class ChangeFeed:
    """Watches a library on a background thread (see the module's notes).

    The owner calls :meth:`start`, watches :meth:`fileno` (readable when something is
    queued), calls :meth:`drain` on its own thread, and :meth:`stop` at the end."""

    def __init__(
        self,
        engine: Engine,
        *,
        listen: bool = True,
        poll_seconds: float = POLL_SECONDS,
        server_poll_seconds: float = SERVER_POLL_SECONDS,
    ) -> None:
        self._engine = engine
        self.name = library_name(engine.url.render_as_string())
        self._queue: queue.SimpleQueue[ChangeNotice | ConnectionStatus] = queue.SimpleQueue()
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._stop = threading.Event()
        self._retry = threading.Event()
        self._check = threading.Event()
        self._thread: threading.Thread | None = None
        self._own: _OwnConnections | None = None
        self._server_poll_seconds = server_poll_seconds
        self.server = engine.dialect.name != "sqlite"
        """Whether the library is on a database server (its connection can be lost)."""
        self.kind = "none"
        """``listen`` (PostgreSQL notifications), ``poll`` (SQLite's data version, or a
        server's table stamp) or ``none`` (an in-memory library: nobody else sees it)."""
        source: _Source | None = None
        if engine.dialect.name == "sqlite":
            database = engine.url.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                source = _SqliteSource(engine, database, poll_seconds)
                self.kind = "poll"
        elif engine.dialect.name == "postgresql":
            if listen:
                self._own = _OwnConnections(engine)
                source = _ListenSource(engine, self._own)
                self.kind = "listen"
            else:
                source = _StampSource(engine, server_poll_seconds)
                self.kind = "poll"
        self._source = source

    # --- the owner's side ---------------------------------------------------------------
    def start(self) -> None:
        """Start watching (a no-op for a library nobody else can see)."""
        if self._source is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="refman-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop watching and release the connection; True if the thread ended in time."""
        self._stop.set()
        self._retry.set()
        thread, self._thread = self._thread, None
        stopped = True
        if thread is not None:
            thread.join(timeout)
            stopped = not thread.is_alive()
        if stopped:
            if self._source is not None:
                self._source.dispose()
            if self._own is not None:
                self._own.close()
            for sock in (self._reader, self._writer):
                sock.close()
        return stopped

    @property
    def running(self) -> bool:
        """Whether the thread watches."""
        return self._thread is not None and self._thread.is_alive()

    def fileno(self) -> int:
        """A socket that becomes readable when :meth:`drain` has something."""
        return self._reader.fileno()

    def drain(self) -> tuple[ChangeNotice | None, list[ConnectionStatus]]:
        """Everything queued: the changes merged into one notice (None: none), and the
        connection statuses in order."""
        with contextlib.suppress(OSError):
            while self._reader.recv(4096):
                pass
        notice: ChangeNotice | None = None
        statuses: list[ConnectionStatus] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return notice, statuses
            if isinstance(item, ConnectionStatus):
                statuses.append(item)
            else:
                notice = item if notice is None else notice | item

    def reconnect_now(self) -> None:
        """Try to reconnect at once instead of waiting for the next attempt."""
        self._retry.set()

    def check_now(self) -> None:
        """Verify the connection soon (an operation failed: is the server gone?); a
        dead one is reported lost and retried."""
        self._check.set()
        self._retry.set()

    # --- the thread -------------------------------------------------------------------------
    def _post(self, item: ChangeNotice | ConnectionStatus) -> None:
        self._queue.put(item)
        with contextlib.suppress(OSError):  # buffer full (a wake-up is pending) or closed
            self._writer.send(b"\0")

    def _run(self) -> None:
        try:
            self._loop()
        except Exception:
            # A bug here must not take the app down: stop watching (the window goes on,
            # without live updates).
            log.exception("watching the library for changes failed")
            if self._source is not None:
                self._source.close()

    def _loop(self) -> None:
        source = self._source
        assert source is not None
        errors = _connection_errors()
        delay = RETRY_FIRST_SECONDS
        lost = False  # reported lost (a reconnection then asks for a full reload)
        failures = 0
        while not self._stop.is_set():
            try:
                source.open()
            except errors as exc:
                failures += 1
                if failures == 1:
                    continue  # the first failure: try again at once, unannounced
                if source.reports_connection:
                    self._post(ConnectionStatus(False, _reason(exc), delay))
                    lost = True
                else:
                    log.warning("cannot watch the library for changes: %s", exc)
                self._retry.clear()
                self._retry.wait(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            if lost:
                self._post(ConnectionStatus(True))
                self._post(EVERYTHING)  # what was sent meanwhile is gone
            elif failures:
                self._post(EVERYTHING)  # a silent reconnection: notifications may be gone
            lost, failures, delay = False, 0, RETRY_FIRST_SECONDS
            try:
                self._watch(source)
            except errors as exc:
                log.info("lost the watch on the library: %s", exc)
                failures = 1  # the next failure is reported
                source.close()

    def _watch(self, source: _Source) -> None:
        while not self._stop.is_set():
            notice = source.wait(self._stop)
            if notice is not None and not self._stop.is_set():
                self._post(notice)
            if self._check.is_set():
                self._check.clear()
                self._retry.clear()
                source.check()
                self._post(ConnectionStatus(True))  # (the owner asked: it is alive)


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].removeprefix("connection failed: ") if lines else type(exc).__name__


def measure_poll(engine: Engine, rounds: int = 1000) -> float:
    """Milliseconds one SQLite poll costs (for benchmarks and the docs)."""
    database = engine.url.database or ""
    source = _SqliteSource(engine, database, POLL_SECONDS)
    try:
        source.open()
        started = time.perf_counter()
        for _ in range(rounds):
            source.poll()
        return (time.perf_counter() - started) * 1000 / rounds
    finally:
        source.dispose()
