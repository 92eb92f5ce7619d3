"""partial indexes for the type:, has:code and has:abstract search filters

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 06:20:00

``type:preprint``, ``has:code`` and ``has:abstract`` tested every row of a 100,000-reference
library (wide rows: about 170 ms when they keep few). Partial indexes over live references
give the search compiler their id sets, as the year and date-added filters have (for
``has:abstract``, the few references without one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

LIVE = "trashed IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_references_live_type",
        "references",
        [sa.text("lower(entry_type)")],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    for name, test in (("code", "code_url != ''"), ("no_abstract", "abstract = ''")):
        where = sa.text(f"{LIVE} AND {test}")
        op.create_index(
            f"ix_references_live_{name}",
            "references",
            ["id"],
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for name in ("type", "code", "no_abstract"):
        op.drop_index(f"ix_references_live_{name}", table_name="references")
