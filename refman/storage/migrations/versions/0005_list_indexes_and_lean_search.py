"""index the live list for each sort order; search tags and notes without FTS

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:40:00

Sorting 100,000 references through single-column indexes made SQLite visit every wide row
to test ``trashed``; partial indexes over live references (``WHERE trashed IS NULL``) give
each sort order an index-only scan. Tags and notes leave the FTS5 table: a tag added to
1,000 references used to rewrite 1,000 full index entries, abstracts included; they are
short and few, so plain SQL finds them (see refman/storage/search_index.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

LIVE = sa.text("trashed IS NULL")
OLD_INDEXES = ("added", "year", "venue", "sort_author", "trashed", "title_key")
LIST_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_references_live_added": ("added",),
    "ix_references_live_title": ("title_key",),
    "ix_references_live_author": ("sort_author", "title_key"),
    "ix_references_live_year": ("year",),
    "ix_references_live_venue": ("venue",),
}
DROPPED_TRIGGERS = (
    "search_tagging_insert",
    "search_tagging_delete",
    "search_tag_rename",
    "search_note_insert",
    "search_note_update",
    "search_note_delete",
    "search_reference_insert",
)
_LIVE_STATE = "WHEN (SELECT deferred FROM search_state) = 0"


def upgrade() -> None:
    with op.batch_alter_table("references", schema=None) as batch_op:
        for column in OLD_INDEXES:
            batch_op.drop_index(f"ix_references_{column}")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "references", list(columns), sqlite_where=LIVE, postgresql_where=LIVE)
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in DROPPED_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE reference_search")
    op.execute(
        "CREATE VIRTUAL TABLE reference_search USING fts5("
        "title, authors, abstract, venue, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"""CREATE TRIGGER search_reference_insert AFTER INSERT ON "references" {_LIVE_STATE}
        BEGIN
          INSERT INTO reference_search(rowid, title, authors, abstract, venue)
          VALUES (new.id, new.title, '', new.abstract, new.venue);
        END"""
    )
    op.execute('INSERT OR IGNORE INTO search_dirty (reference_id) SELECT id FROM "references"')


def _revision_0003() -> ModuleType:
    """Migration 0003's module, whose trigger definitions the downgrade restores."""
    path = Path(__file__).with_name("0003_search_index_and_sort_columns.py")
    spec = importlib.util.spec_from_file_location("refman_migration_0003", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="references")
    with op.batch_alter_table("references", schema=None) as batch_op:
        for column in OLD_INDEXES:
            batch_op.create_index(f"ix_references_{column}", [column])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS search_reference_insert")
    op.execute("DROP TABLE reference_search")
    op.execute(
        "CREATE VIRTUAL TABLE reference_search USING fts5("
        "title, authors, abstract, venue, tags, notes, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for name, body in _revision_0003().SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute('INSERT OR IGNORE INTO search_dirty (reference_id) SELECT id FROM "references"')
