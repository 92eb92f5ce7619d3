"""Helpers for tests that must show a library unchanged, or damage one on purpose."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path


def library_checksum(path: Path) -> str:
    """A digest of every row of every table (order-independent within a table), read
    through a read-only connection (so taking it writes nothing)."""
    digest = hashlib.sha256()
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(tables):
            rows = sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"')))
            digest.update(json.dumps([table, rows]).encode())
    finally:
        conn.close()
    return digest.hexdigest()


def damage(path: Path, table: str = "notes") -> None:
    """Overwrite the header of ``table``'s root page: ``PRAGMA quick_check`` fails, while
    the library still opens and its other tables read. The library is checkpointed
    first, so the damage is in the file itself."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        (page,) = root.fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(b"\x0d\x00\x00\x00\x09\xff\xff" + b"\xee" * 100)
