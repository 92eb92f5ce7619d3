"""add the full-text search index and the first-author sort column

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# Triggers keep the SQLite FTS5 index in sync on every write, except while an import has
# set search_state.deferred: the importer then lists what it touched in search_dirty and
# the index catches up right after the import commits (see refman/storage/search_index.py).
_LIVE = "WHEN (SELECT deferred FROM search_state) = 0"
_AUTHORS = (
    "(SELECT coalesce(group_concat(p.given || ' ' || p.family, ' '), '') "
    "FROM reference_authors ra JOIN persons p ON p.id = ra.person_id "
    "WHERE ra.reference_id = {ref})"
)
_TAGS = (
    "(SELECT coalesce(group_concat(t.name, ' '), '') FROM reference_tags rt "
    "JOIN tags t ON t.id = rt.tag_id WHERE rt.reference_id = {ref})"
)
_NOTES = (
    "(SELECT coalesce(group_concat(n.text, ' '), '') FROM notes n WHERE n.reference_id = {ref})"
)

SQLITE_TRIGGERS = {
    "search_reference_insert": f"""
        AFTER INSERT ON "references" {_LIVE} BEGIN
          INSERT INTO reference_search(rowid, title, authors, abstract, venue, tags, notes)
          VALUES (new.id, new.title, '', new.abstract, new.venue, '', '');
        END""",
    "search_reference_update": f"""
        AFTER UPDATE OF title, abstract, venue ON "references" {_LIVE} BEGIN
          UPDATE reference_search SET title = new.title, abstract = new.abstract,
                 venue = new.venue WHERE rowid = new.id;
        END""",
    "search_reference_delete": """
        AFTER DELETE ON "references" BEGIN
          DELETE FROM reference_search WHERE rowid = old.id;
        END""",
    "search_author_insert": f"""
        AFTER INSERT ON reference_authors {_LIVE} BEGIN
          UPDATE reference_search SET authors = {_AUTHORS.format(ref="new.reference_id")}
          WHERE rowid = new.reference_id;
        END""",
    "search_author_delete": f"""
        AFTER DELETE ON reference_authors {_LIVE} BEGIN
          UPDATE reference_search SET authors = {_AUTHORS.format(ref="old.reference_id")}
          WHERE rowid = old.reference_id;
        END""",
    "search_tagging_insert": f"""
        AFTER INSERT ON reference_tags {_LIVE} BEGIN
          UPDATE reference_search SET tags = {_TAGS.format(ref="new.reference_id")}
          WHERE rowid = new.reference_id;
        END""",
    "search_tagging_delete": f"""
        AFTER DELETE ON reference_tags {_LIVE} BEGIN
          UPDATE reference_search SET tags = {_TAGS.format(ref="old.reference_id")}
          WHERE rowid = old.reference_id;
        END""",
    "search_tag_rename": f"""
        AFTER UPDATE OF name ON tags {_LIVE} BEGIN
          UPDATE reference_search SET tags = {_TAGS.format(ref="reference_search.rowid")}
          WHERE rowid IN (SELECT reference_id FROM reference_tags WHERE tag_id = new.id);
        END""",
    "search_note_insert": f"""
        AFTER INSERT ON notes {_LIVE} BEGIN
          UPDATE reference_search SET notes = {_NOTES.format(ref="new.reference_id")}
          WHERE rowid = new.reference_id;
        END""",
    "search_note_update": f"""
        AFTER UPDATE OF text ON notes {_LIVE} BEGIN
          UPDATE reference_search SET notes = {_NOTES.format(ref="new.reference_id")}
          WHERE rowid = new.reference_id;
        END""",
    "search_note_delete": f"""
        AFTER DELETE ON notes {_LIVE} BEGIN
          UPDATE reference_search SET notes = {_NOTES.format(ref="old.reference_id")}
          WHERE rowid = old.reference_id;
        END""",
}


def upgrade() -> None:
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_author", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_references_sort_author"), ["sort_author"])
        batch_op.create_index(batch_op.f("ix_references_venue"), ["venue"])
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deferred", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.execute("INSERT INTO search_state (id, deferred) VALUES (1, 0)")
    op.create_table(
        "search_dirty",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("reference_id", name=op.f("pk_search_dirty")),
    )
    op.execute(
        'UPDATE "references" SET sort_author = coalesce((SELECT lower(p.family) '
        "FROM reference_authors ra JOIN persons p ON p.id = ra.person_id "
        "WHERE ra.reference_id = \"references\".id AND ra.position = 0), '')"
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE reference_search USING fts5("
        "title, authors, abstract, venue, tags, notes, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute('INSERT INTO search_dirty (reference_id) SELECT id FROM "references"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS reference_search")
    op.drop_table("search_dirty")
    op.drop_table("search_state")
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_references_venue"))
        batch_op.drop_index(batch_op.f("ix_references_sort_author"))
        batch_op.drop_column("sort_author")
