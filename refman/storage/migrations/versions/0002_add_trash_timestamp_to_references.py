"""add trash timestamp to references

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:08:40.974556
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trashed", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_references_trashed"), ["trashed"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_references_trashed"))
        batch_op.drop_column("trashed")
