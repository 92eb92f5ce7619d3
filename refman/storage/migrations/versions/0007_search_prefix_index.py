"""give the search index prefix indexes for one- to three-letter prefixes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 03:40:00

The quick search matches every word as a prefix while the user types. Without a prefix
index FTS5 answers "t"* by merging the posting lists of every indexed word starting with
"t" (tens of milliseconds on 100,000 references); with ``prefix='1 2 3'`` one list holds
them. The table is recreated empty and every reference marked dirty: the catch-up that runs
when the library opens fills it.
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = "title, authors, abstract, venue, tokenize = 'unicode61 remove_diacritics 2'"


def _recreate(options: str) -> None:
    op.execute("DROP TABLE reference_search")
    op.execute(f"CREATE VIRTUAL TABLE reference_search USING fts5({_COLUMNS}{options})")
    op.execute('INSERT OR IGNORE INTO search_dirty (reference_id) SELECT id FROM "references"')


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(", prefix = '1 2 3'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate("")
