"""How a new SQLite library is laid out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from refman.storage.store import SQLITE_PAGE_SIZE, Store


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


def test_new_library_gets_large_pages_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite"
    Store(f"sqlite:///{path}").close()
    assert page_size(path) == SQLITE_PAGE_SIZE
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_existing_library_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("CREATE TABLE t (x)")
    Store(f"sqlite:///{path}").close()
    assert page_size(path) == 4096
