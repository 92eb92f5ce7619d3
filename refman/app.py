"""The one place that wires objects together."""

from __future__ import annotations

from refman.services import credentials
from refman.services.backups import (
    Backups,
    automatic_from_environment,
    keep_from_environment,
)
from refman.services.health import LibraryHealth
from refman.services.library import Library
from refman.storage.engine import (
    LibraryUnavailableError,
    create_library_engine,
    read_only_url,
    resolve_url,
)
from refman.storage.sqlite_files import sqlite_file
from refman.storage.store import Store


def library_url(db: str | None = None) -> str:
    """The URL of the library ``open_library(db)`` opens."""
    return resolve_url(db)


def library_health(db: str | None = None) -> LibraryHealth | None:
    """The health (integrity checks, backups) of the SQLite library at ``db``, without
    opening it (``refman db``); None for a PostgreSQL or in-memory library."""
    path = sqlite_file(resolve_url(db))
    if path is None:
        return None
    return LibraryHealth(path, Backups(path, keep=keep_from_environment()))


def open_library(db: str | None = None, *, password: str | None = None) -> Library:
    """Open (creating and migrating as needed) the library at ``db``, ``REFMAN_DB`` or the
    default location. An SQLite library gets its backups and its health: writes wait for
    its integrity check (see ``refman.services.health``). A server library connects with
    ``password``, else the one the keyring remembers for it (see ``credentials``)."""
    url = resolve_url(db)
    path = sqlite_file(url)
    if path is None:
        secret = password if password is not None else credentials.password_for(url)
        return Library(Store(url, engine=create_library_engine(url, password=secret)))
    backups = Backups(path, keep=keep_from_environment(), automatic=automatic_from_environment())
    health = LibraryHealth(path, backups)
    health.begin()
    try:
        engine = create_library_engine(read_only_url(path)) if health.read_only else None
        store = Store(url, engine=engine, write_guard=health.guard)
    except LibraryUnavailableError as exc:
        health.end()
        if not health.read_only:
            raise
        raise LibraryUnavailableError(
            f"the library {path} is read-only and was written by an older refman: this "
            "version must upgrade it, which writes to it; open it once where it can be "
            "written (nothing was changed)"
        ) from exc
    except BaseException:
        health.end()
        raise
    return Library(store, backups=backups, health=health)
