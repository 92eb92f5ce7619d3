"""create the library schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:08:40.499807
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.Text(), nullable=False),
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("name_key", name=op.f("uq_persons_name_key")),
    )
    op.create_table(
        "references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_type", sa.String(length=32), nullable=False),
        sa.Column("citekey", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_provisional", sa.Boolean(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("journal_ref", sa.Text(), nullable=False),
        sa.Column("arxiv_id", sa.String(length=64), nullable=True),
        sa.Column("arxiv_version", sa.Integer(), nullable=True),
        sa.Column("doi", sa.String(length=256), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("code_url", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("figure_count", sa.Integer(), nullable=True),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_references")),
        sa.UniqueConstraint("arxiv_id", name=op.f("uq_references_arxiv_id")),
        sa.UniqueConstraint("citekey", name=op.f("uq_references_citekey")),
    )
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.create_index("ix_references_added", ["added"], unique=False)
        batch_op.create_index(batch_op.f("ix_references_doi"), ["doi"], unique=False)
        batch_op.create_index(batch_op.f("ix_references_title_key"), ["title_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_references_year"), ["year"], unique=False)

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("colour", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name_key", name=op.f("uq_tags_name_key")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_attachments_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_reference_id"), ["reference_id"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_notes_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_reference_id"), ["reference_id"], unique=False)

    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("raw_hash", sa.String(length=40), nullable=False),
        sa.Column("imported", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_provenance_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance")),
        sa.UniqueConstraint("reference_id", "raw_hash", name=op.f("uq_provenance_reference_id")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_raw_hash"), ["raw_hash"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_provenance_reference_id"), ["reference_id"], unique=False
        )

    op.create_table(
        "reference_authors",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_reference_authors_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_reference_authors_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reference_id", "position", name=op.f("pk_reference_authors")),
    )
    with op.batch_alter_table("reference_authors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reference_authors_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "reference_tags",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["references.id"],
            name=op.f("fk_reference_tags_reference_id_references"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_reference_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("reference_id", "tag_id", name=op.f("pk_reference_tags")),
    )
    with op.batch_alter_table("reference_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reference_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_tags_tag_id"))

    op.drop_table("reference_tags")
    with op.batch_alter_table("reference_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_authors_person_id"))

    op.drop_table("reference_authors")
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_reference_id"))
        batch_op.drop_index(batch_op.f("ix_provenance_raw_hash"))

    op.drop_table("provenance")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_reference_id"))

    op.drop_table("notes")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_reference_id"))

    op.drop_table("attachments")
    op.drop_table("tags")
    with op.batch_alter_table("references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_references_year"))
        batch_op.drop_index(batch_op.f("ix_references_title_key"))
        batch_op.drop_index(batch_op.f("ix_references_doi"))
        batch_op.drop_index("ix_references_added")

    op.drop_table("references")
    op.drop_table("persons")
