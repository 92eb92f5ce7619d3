"""bibliographic fields: volume, issue, pages, publisher and the other fields as JSON

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ("volume", "issue", "pages", "publisher", "extra")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite adds a column with a constant default
    # without rewriting the table, which matters on a library of 100,000 references.
    for name in _COLUMNS:
        op.add_column("references", sa.Column(name, sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch copy of "references" would
    # drop the old table and, with foreign keys on, cascade-delete its authors and notes.
    for name in reversed(_COLUMNS):
        op.execute(f'ALTER TABLE "references" DROP COLUMN {name}')
