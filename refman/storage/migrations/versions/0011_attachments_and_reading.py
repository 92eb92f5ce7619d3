"""attachments and reading: copied or linked files, reading status, last page, settings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:00:00

References get a reading status (``unread``, ``reading``, ``read``; a partial index over
live references serves both the ``status:`` filter and the status sort order) and the
page the reader last showed. Attachments say whether refman copied the file into the
library's attachment folder or links to it where it is, its media type and its size.
``library_settings`` holds library-wide preferences (copy or link by default, the
attachment folder), so that the window and the command line agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

LIVE = sa.text("trashed IS NULL")


def upgrade() -> None:
    # Plain ADD COLUMN with constant defaults (no batch copy of "references": SQLite adds
    # such a column without rewriting the table, and a batch copy would cascade-delete
    # the authors and notes with foreign keys on).
    op.add_column(
        "references",
        sa.Column("reading_status", sa.String(16), nullable=False, server_default="unread"),
    )
    op.add_column("references", sa.Column("last_page", sa.Integer(), nullable=True))
    op.create_index(
        "ix_references_live_status",
        "references",
        ["reading_status"],
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.add_column(
        "attachments",
        sa.Column("copied", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "attachments", sa.Column("mime", sa.String(128), nullable=False, server_default="")
    )
    op.add_column("attachments", sa.Column("size", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE attachments SET mime = 'application/pdf' "
        "WHERE kind = 'file' AND lower(location) LIKE '%.pdf'"
    )
    op.create_table(
        "library_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_library_settings")),
    )


def downgrade() -> None:
    op.drop_table("library_settings")
    # Native DROP COLUMN (SQLite >= 3.35, PostgreSQL), as in 0006.
    for name in ("size", "mime", "copied"):
        op.execute(f"ALTER TABLE attachments DROP COLUMN {name}")
    op.drop_index("ix_references_live_status", table_name="references")
    for name in ("last_page", "reading_status"):
        op.execute(f'ALTER TABLE "references" DROP COLUMN {name}')
