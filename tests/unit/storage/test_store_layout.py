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


def test_insert_references_round_trip(tmp_path: Path) -> None:
    import datetime as dt

    from refman.domain import Attachment, Note, Person, Provenance, Reference

    store = Store(f"sqlite:///{tmp_path / 'lib.sqlite'}")
    ref = Reference(
        entry_type="article",
        citekey="feng2022metaformer",
        title="MetaFormer Is Actually What You Need for Vision",
        year=2022,
        date=dt.date(2022, 6, 1),
        doi="10.1/x",
        authors=[Person("Feng", "Jiashi"), Person("Yan", "Shuicheng")],
        tags=["vision"],
        notes=[Note("A note.")],
        attachments=[Attachment("https://x.org/p.pdf", "url")],
        provenance=[Provenance("p.txt", 7, "researcher-profile", "raw\ntext")],
    )
    with store.unit_of_work() as uow:
        (ref_id,) = uow.insert_references([ref])
    (back,) = store.references([ref_id], with_details=True)
    assert (back.citekey, back.title, back.year, back.date, back.doi) == (
        ref.citekey,
        ref.title,
        2022,
        dt.date(2022, 6, 1),
        "10.1/x",
    )
    assert back.authors == ref.authors
    assert back.tags == ["vision"]
    assert [n.text for n in back.notes] == ["A note."]
    assert [a.location for a in back.attachments] == ["https://x.org/p.pdf"]
    assert [(p.source, p.line, p.raw) for p in back.provenance] == [("p.txt", 7, "raw\ntext")]
    assert back.added is not None
    store.close()
