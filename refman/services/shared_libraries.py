"""Shared libraries on a PostgreSQL server: where they are, and checking one before a
window opens it (the password comes from the user or the keyring, see ``credentials``)."""

from __future__ import annotations

from dataclasses import dataclass

from refman.storage.engine import SCHEMA_REVISION
from refman.storage.servers import (
    DEFAULT_PORT,
    ServerLibrary,
    ServerProbe,
    probe_server,
    server_library,
)

__all__ = [
    "DEFAULT_PORT",
    "ConnectionCheck",
    "ServerLibrary",
    "check_connection",
    "server_library",
]


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """The outcome of :func:`check_connection`: ``problem`` (None: it can be opened) and
    whether opening it creates a new library (an empty database)."""

    library: ServerLibrary
    problem: str | None = None
    creates_library: bool = False
    references: int | None = None


def check_connection(library: ServerLibrary, password: str | None) -> ConnectionCheck:
    """Connect to ``library`` and see whether refman can open it: a refman library (not
    newer than this refman), or an empty database to create one in. Changes nothing.
    Raises ``ConnectionLostError`` when the server cannot be reached or refuses the
    login (its message says which)."""
    found: ServerProbe = probe_server(library.url, password)
    if found.revision is None:
        if found.other_tables:
            return ConnectionCheck(
                library,
                f"the database {library.database} holds {found.other_tables} tables of "
                "another program: choose an empty database or a refman library",
            )
        return ConnectionCheck(library, creates_library=True)
    if found.revision > SCHEMA_REVISION:
        return ConnectionCheck(
            library,
            f"the library {library.label} was made by a newer refman (schema "
            f"{found.revision}, this one knows {SCHEMA_REVISION}): update refman",
        )
    return ConnectionCheck(library, references=found.references)
