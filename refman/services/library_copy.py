"""Moving a whole library to another database (``refman db copy``)."""

from __future__ import annotations

from collections.abc import Callable

from refman.services.errors import UserError
from refman.storage.copying import CopyError, CopyReport, copy_library
from refman.storage.engine import resolve_url
from refman.storage.store import Store


def copy_between(
    source_db: str, target_db: str, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy the library at ``source_db`` into the empty library at ``target_db``
    (created and migrated as needed), verified by row counts. Bad input is a
    ``UserError`` and leaves the target as it was."""
    source_url, target_url = resolve_url(source_db), resolve_url(target_db)
    if source_url == target_url:
        raise UserError("the source and the target are the same library")
    source = Store(source_url)
    try:
        target = Store(target_url)
        try:
            return copy_library(source.engine, target.engine, progress)
        except CopyError as exc:
            raise UserError(f"cannot copy into {target.name}: {exc}") from exc
        finally:
            target.close()
    finally:
        source.close()
