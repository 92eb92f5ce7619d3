"""Watching a library for changes other programs make (see ``refman.storage.changes``):
a feed of what changed, as the ``Changed`` a face applies, and of the connection's
state for a library on a server."""

from __future__ import annotations

from refman.services.library import Changed, Library
from refman.storage.changes import ChangeFeed, ChangeNotice, ConnectionStatus, measure_poll
from refman.storage.engine import ConnectionLostError
from refman.storage.store import ConflictError, NoteConflictError, NotFoundError

__all__ = [
    "ChangeFeed",
    "ChangeNotice",
    "ConflictError",
    "ConnectionLostError",
    "ConnectionStatus",
    "NotFoundError",
    "NoteConflictError",
    "as_changed",
    "measure_poll",
    "watch",
]


def watch(library: Library, *, listen: bool = True) -> ChangeFeed:
    """A feed (not started) of ``library``'s changes made elsewhere: notifications on
    PostgreSQL (``listen=False``: polling), polling on SQLite."""
    return ChangeFeed(library.store.engine, listen=listen)


def as_changed(notice: ChangeNotice) -> Changed:
    """What a face refreshes for ``notice``. Someone else's change of references may
    have tagged or untagged them, or added or deleted some: the tag counts and the
    library's counts are read again too."""
    if notice.everything:
        return Changed(tags=True, collections=True, everything=True)
    return Changed(
        reference_ids=notice.reference_ids,
        tags=notice.tags or bool(notice.reference_ids),
        collections=bool(notice.reference_ids),
    )
