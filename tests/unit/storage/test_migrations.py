"""Migrations: a new library is at head, an old one upgrades in place, ORM and migrations agree."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import SAWarning

from refman.domain.query import ReferenceQuery
from refman.storage.engine import SCHEMA_REVISION, create_library_engine, migrate
from refman.storage.migrating import current_revision, head_revision
from refman.storage.migrations.env_filters import include_name
from refman.storage.orm import Base
from refman.storage.store import Store

FIRST_REVISION = "0001"


def test_schema_revision_constant_is_alembics_head() -> None:
    assert head_revision() == SCHEMA_REVISION


def test_opening_an_up_to_date_library_does_not_load_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    Store(f"sqlite:///{tmp_path / 'fast.sqlite'}").close()
    probe = (
        "import sys; from refman.app import open_library; "
        f"open_library({str(tmp_path / 'fast.sqlite')!r}); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_new_library_is_created_at_head(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert current_revision(store.engine) == head_revision()
    assert head_revision() != FIRST_REVISION
    store.close()


def test_library_from_first_revision_upgrades_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_library_engine(url)
    migrate(engine, FIRST_REVISION)
    assert "trashed" not in {c["name"] for c in inspect(engine).get_columns("references")}
    now = dt.datetime(2021, 6, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "references" (entry_type, citekey, title, title_provisional,'
                " title_key, abstract, venue, journal_ref, arxiv_id, url, code_url, comments,"
                " added, modified, version) VALUES ('preprint', 'anon2021drdg', 'DRDG', 1,"
                " 'drdg', 'An abstract.', 'IJCAI 2021', '', '2106.16128', '', '', '',"
                " :now, :now, 1)"
            ),
            {"now": now},
        )
    engine.dispose()

    store = Store(url)
    assert current_revision(store.engine) == head_revision()
    (ref,) = store.references(store.query_ids(ReferenceQuery()))
    assert (ref.citekey, ref.arxiv_id, ref.venue) == ("anon2021drdg", "2106.16128", "IJCAI 2021")
    assert store.count(trashed=True) == 0
    store.close()


def test_migrations_match_the_orm(tmp_path: Path) -> None:
    engine = create_library_engine(f"sqlite:///{tmp_path / 'drift.sqlite'}")
    migrate(engine)
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLAlchemy cannot reflect an expression index (lower(entry_type)); the migrated
        # file's own definition of it is checked below instead.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
        expression_index = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_references_live_type'"
        ).scalar()
    assert diff == []
    assert expression_index == (
        'CREATE INDEX ix_references_live_type ON "references" (lower(entry_type)) '
        "WHERE trashed IS NULL"
    )


def test_sqlite_library_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'pragmas.sqlite'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    store.close()
