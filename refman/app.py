"""The one place that wires objects together."""

from __future__ import annotations

from refman.services.library import Library
from refman.storage.engine import resolve_url
from refman.storage.store import Store


def open_library(db: str | None = None) -> Library:
    """Open (creating and migrating as needed) the library at ``db``, ``REFMAN_DB`` or the
    default location."""
    return Library(Store(resolve_url(db)))
