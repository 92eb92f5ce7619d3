"""Migration 0004: provenance rows of an older library move their raw text to raw_texts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import text

from refman.domain.query import ReferenceQuery
from refman.storage.engine import create_library_engine, migrate, write_connection
from refman.storage.migrating import alembic_config
from refman.storage.store import Store, raw_hash

RAWS = [
    "Face anti-spoofing…\n\naccepted on IJCAI 2021\n\narXiv:2106.16128\nCreated: 2021-06-30",
    "Ünïcödé: 東京 and ﬁnance.\n\narXiv:2106.16064",
    "x" * 70_000,  # longer than a run: a run of its own
]


def make_library_at_0003(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_library_engine(url)
    migrate(engine, "0003")
    now = dt.datetime(2021, 6, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for n, raw in enumerate(RAWS, 1):
            conn.execute(
                text(
                    'INSERT INTO "references" (id, entry_type, citekey, title, title_provisional,'
                    " title_key, abstract, venue, journal_ref, url, code_url, comments,"
                    " added, modified, version, sort_author) VALUES (:id, 'misc', :key, 'T', 0,"
                    " 't', '', '', '', '', '', '', :now, :now, 1, '')"
                ),
                {"id": n, "key": f"k{n}", "now": now},
            )
            for source in ("a.txt", "b.txt"):
                conn.execute(
                    text(
                        "INSERT INTO provenance (reference_id, source, line, format, raw,"
                        " raw_hash, imported) VALUES (:id, :source, :line, 'f', :raw, :hash,"
                        " :now)"
                    ),
                    {
                        "id": n,
                        "source": source,
                        "line": n,
                        "raw": raw + source,
                        "hash": raw_hash(raw + source),
                        "now": now,
                    },
                )
    engine.dispose()
    return url


def raws(store: Store) -> list[list[str]]:
    refs = store.references(store.query_ids(ReferenceQuery()), with_details=True)
    return [[p.raw for p in ref.provenance] for ref in refs]


def test_upgrade_moves_raw_texts_out_and_back(tmp_path: Path) -> None:
    url = make_library_at_0003(tmp_path / "old.sqlite")
    store = Store(url)  # upgrades to head
    expected = [[raw + "a.txt", raw + "b.txt"] for raw in RAWS]
    assert raws(store) == expected
    with store.engine.connect() as conn:
        inline = conn.execute(text("SELECT count(raw) FROM provenance")).scalar()
        runs = conn.execute(text("SELECT count(*) FROM raw_texts")).scalar()
    assert inline == 0
    assert runs == 4  # per source: the two short records in one run, the long one alone
    store.close()

    engine = create_library_engine(url)
    config = alembic_config()
    with write_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT raw FROM provenance ORDER BY reference_id, source"))
        assert [row[0] for row in back] == [r for pair in expected for r in pair]
    engine.dispose()
