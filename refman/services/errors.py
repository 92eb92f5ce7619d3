"""Errors a user can act on. Anything else escaping a service is a bug."""

from __future__ import annotations

from refman.domain.search_query import QuerySyntaxError
from refman.formats.base import FormatError
from refman.storage.engine import LibraryOpenError, LibraryUnavailableError
from refman.storage.store import ConflictError, NotFoundError


class UserError(Exception):
    """A problem the user can fix; the message says what and where."""


class ImportCancelledError(UserError):
    """The user cancelled an import; nothing was written."""


USER_ERRORS: tuple[type[Exception], ...] = (
    UserError,
    FormatError,
    NotFoundError,
    ConflictError,
    LibraryOpenError,
    LibraryUnavailableError,
    QuerySyntaxError,
)
"""Exceptions shown to users as a one-line message rather than a traceback."""
