"""Migration 0014: notes get a version, 1 for every existing note. On SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from refman.storage.engine import create_library_engine, migrate, write_connection
from refman.storage.migrating import alembic_config, current_revision, head_revision
from refman.storage.store import Store
from tests import pg_server as pg

pytestmark = pytest.mark.both_backends


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database (no schema at all) on the backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    server: pg.Server = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


def test_a_library_at_0013_gets_version_1_for_its_notes(empty_url: str) -> None:
    engine = create_library_engine(empty_url)
    migrate(engine, "0013")
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("notes")}
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    with write_connection(engine) as conn:
        conn.execute(
            text(
                'INSERT INTO "references" (id, entry_type, citekey, title, title_provisional,'
                " title_key, abstract, venue, journal_ref, url, code_url, comments, added,"
                " modified, version) VALUES (1, 'article', 'k', 'T', false, 't', '', '', '',"
                " '', '', '', :now, :now, 4)"
            ),
            {"now": now},
        )
        for words in ("an old note", "another"):  # (ids from the sequence)
            conn.execute(
                text(
                    "INSERT INTO notes (reference_id, text, created, modified)"
                    " VALUES (1, :words, :now, :now)"
                ),
                {"words": words, "now": now},
            )
    engine.dispose()

    store = Store(empty_url)
    try:
        assert current_revision(store.engine) == head_revision()  # (0014 and later)
        (ref,) = store.references([1])
        assert [(n.text, n.version) for n in ref.notes] == [("an old note", 1), ("another", 1)]
        first = ref.notes[0].id
        assert first is not None
        column = next(
            c for c in inspect(store.engine).get_columns("notes") if c["name"] == "version"
        )
        assert column["nullable"] is False
        with store.unit_of_work() as uow:  # a note added without a version starts at 1
            uow.conn.execute(
                text(
                    "INSERT INTO notes (reference_id, text, created, modified)"
                    " VALUES (1, 'raw', :now, :now)"
                ),
                {"now": now},
            )
            assert uow.edit_note(first, "edited", version=1).version == 2
        (ref,) = store.references([1])
        assert [(n.text, n.version) for n in ref.notes] == [
            ("edited", 2),
            ("another", 1),
            ("raw", 1),
        ]
    finally:
        store.close()


def test_0014_downgrades_cleanly(empty_url: str) -> None:
    engine = create_library_engine(empty_url)
    migrate(engine)
    config = alembic_config()
    with write_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0013")
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("notes")}
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
