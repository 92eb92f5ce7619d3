"""notes carry a version: an edit that lost a race is refused, not silently overwritten

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 09:00:00

References have had a ``version`` since 0001, and every field write is checked against it.
Notes had none: on a shared library two people saving the same note within milliseconds
(before the first save's change notification arrived) kept only the later text. Every
note edit now bumps ``notes.version``, and the editor's save is ``UPDATE ... WHERE id = ?
AND version = ?``. Existing notes start at 1.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default (no batch copy of "notes"): SQLite adds it
    # without rewriting the table, PostgreSQL without rewriting it either (>= 11).
    op.add_column("notes", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite >= 3.35, PostgreSQL), as in 0006 and 0011.
    op.execute("ALTER TABLE notes DROP COLUMN version")
