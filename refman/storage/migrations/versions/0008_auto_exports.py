"""auto-exports: files kept in sync with the library or a tag

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "auto_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("style", sa.String(length=64), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=True),
        sa.Column("follows_tag", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_written", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_auto_exports_tag_id_tags"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_exports")),
        sa.UniqueConstraint("path", name=op.f("uq_auto_exports_path")),
    )


def downgrade() -> None:
    op.drop_table("auto_exports")
