"""Migration 0011: reading status, last page, attachment kinds and library settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from refman.domain.query import ReferenceQuery
from refman.storage.engine import create_library_engine, migrate, write_connection
from refman.storage.migrating import alembic_config, current_revision, head_revision
from refman.storage.store import Store


def test_a_library_at_0010_keeps_its_attachments_and_starts_unread(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_library_engine(url)
    migrate(engine, "0010")
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "references" (id, entry_type, citekey, title, title_provisional,'
                " title_key, abstract, venue, journal_ref, url, code_url, comments, added,"
                " modified, version) VALUES (1, 'article', 'k', 'T', 0, 't', '', '', '', '',"
                " '', '', :now, :now, 1)"
            ),
            {"now": now},
        )
        for location, kind in (("/papers/k.PDF", "file"), ("https://x.org/k.pdf", "url")):
            conn.execute(
                text(
                    "INSERT INTO attachments (reference_id, location, kind, added)"
                    " VALUES (1, :location, :kind, :now)"
                ),
                {"location": location, "kind": kind, "now": now},
            )
    engine.dispose()

    store = Store(url)
    assert current_revision(store.engine) == head_revision()
    (ref,) = store.references([1], with_details=True)
    assert (ref.reading_status, ref.last_page) == ("unread", None)
    assert [(a.location, a.copied, a.mime) for a in ref.attachments] == [
        ("/papers/k.PDF", False, "application/pdf"),
        ("https://x.org/k.pdf", False, ""),
    ]
    assert store.query_ids(ReferenceQuery(text="has:pdf status:unread")) == [1]
    assert store.settings() == {}
    with store.engine.connect() as conn:  # (SQLAlchemy cannot reflect expression indexes)
        indexes = set(
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'references'"
            ).scalars()
        )
    assert "ix_references_live_status" in indexes
    store.close()


def test_0011_downgrades_cleanly(tmp_path: Path) -> None:
    engine = create_library_engine(f"sqlite:///{tmp_path / 'down.sqlite'}")
    migrate(engine)
    config = alembic_config()
    with write_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
    columns = {c["name"] for c in inspect(engine).get_columns("references")}
    assert not {"reading_status", "last_page"} & columns
    assert "copied" not in {c["name"] for c in inspect(engine).get_columns("attachments")}
    assert "library_settings" not in inspect(engine).get_table_names()
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
