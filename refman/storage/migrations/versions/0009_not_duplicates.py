"""duplicates: pairs marked "not a duplicate" and the merge marker of merged references

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "not_duplicates",
        sa.Column("reference_a", sa.Integer(), nullable=False),
        sa.Column("reference_b", sa.Integer(), nullable=False),
        sa.CheckConstraint("reference_a < reference_b", name=op.f("ck_not_duplicates_ordered")),
        sa.ForeignKeyConstraint(
            ["reference_a"],
            ["references.id"],
            name=op.f("fk_not_duplicates_reference_a_references"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_b"],
            ["references.id"],
            name=op.f("fk_not_duplicates_reference_b_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_a", "reference_b", name=op.f("pk_not_duplicates")),
    )
    op.create_index(
        op.f("ix_not_duplicates_reference_b"), "not_duplicates", ["reference_b"], unique=False
    )
    op.create_table(
        "merged_references",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("master_id", sa.Integer(), nullable=False),
        sa.Column("merged", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_merged_references_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["master_id"],
            ["references.id"],
            name=op.f("fk_merged_references_master_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_id", name=op.f("pk_merged_references")),
    )
    op.create_index(
        op.f("ix_merged_references_master_id"), "merged_references", ["master_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_merged_references_master_id"), table_name="merged_references")
    op.drop_table("merged_references")
    op.drop_index(op.f("ix_not_duplicates_reference_b"), table_name="not_duplicates")
    op.drop_table("not_duplicates")
