"""What Alembic's schema comparison leaves alone."""

from __future__ import annotations

from refman.storage.orm import SEARCH_TABLE


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Leave the FTS5 search table and its shadow tables out of autogenerate."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))
