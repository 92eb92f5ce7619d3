"""a partial index of the references in the trash

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 09:30:00

The tag pane's counts (references outside the trash carrying each tag) listed every live
reference's id first: 27 ms on 100,000 references, on the window's thread, after every
tagging and every change a colleague made to a shared library. Counting every tagging
from ``reference_tags``' tag index and taking away those of trashed references (usually
few, found through this index) takes under a millisecond.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

TRASHED = "trashed IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_references_trashed",
        "references",
        ["id"],
        sqlite_where=sa.text(TRASHED),
        postgresql_where=sa.text(TRASHED),
    )


def downgrade() -> None:
    op.drop_index("ix_references_trashed", table_name="references")
