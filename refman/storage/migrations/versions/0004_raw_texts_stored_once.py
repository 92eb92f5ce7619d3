"""records' raw texts in runs (raw_texts) rather than in provenance rows; drop redundant indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:00:00

A provenance row used to carry its record's whole raw text, about 2 KB for an arXiv
record: a large import wrote one mostly empty page per row. Imports now concatenate the
raw texts they write into runs of up to 64 KiB (``raw_texts``, UTF-8, joined by blank
lines), and a provenance row points at its record's bytes there (``raw_text_id``,
``text_start``, ``text_end``); ``raw`` stays for rows written one by one
(``UnitOfWork.add_provenance``).

Existing rows are converted the same way: the raw texts of one import of one file (same
source and import time), in line order, are packed into runs joined by blank lines.

``ix_provenance_reference_id`` duplicated the leading column of the unique
(reference_id, raw_hash) index, and nothing looks provenance up by ``raw_hash`` alone.
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

RUN_BYTES = 65536
SEPARATOR = b"\n\n"

_provenance = sa.table(
    "provenance",
    sa.column("id", sa.Integer),
    sa.column("source", sa.Text),
    sa.column("imported", sa.DateTime),
    sa.column("line", sa.Integer),
    sa.column("raw", sa.Text),
    sa.column("raw_text_id", sa.Integer),
    sa.column("text_start", sa.Integer),
    sa.column("text_end", sa.Integer),
)
_raw_texts = sa.table("raw_texts", sa.column("id", sa.Integer), sa.column("data", sa.LargeBinary))


def upgrade() -> None:
    op.create_table(
        "raw_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_texts")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_text_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("text_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("text_end", sa.Integer(), nullable=True))
        batch_op.alter_column("raw", existing_type=sa.Text(), nullable=True)
        batch_op.drop_index(batch_op.f("ix_provenance_raw_hash"))
        batch_op.drop_index(batch_op.f("ix_provenance_reference_id"))
        batch_op.create_index(batch_op.f("ix_provenance_raw_text_id"), ["raw_text_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_provenance_raw_text_id_raw_texts"), "raw_texts", ["raw_text_id"], ["id"]
        )
    _move_raw_texts_out()


def _move_raw_texts_out() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            _provenance.c.id,
            _provenance.c.source,
            _provenance.c.imported,
            _provenance.c.line,
            _provenance.c.raw,
        )
        .where(_provenance.c.raw.is_not(None))
        .order_by(
            _provenance.c.source, _provenance.c.imported, _provenance.c.line, _provenance.c.id
        )
    ).all()
    for _key, group in groupby(rows, key=lambda row: (row.source, row.imported)):
        run: list[bytes] = []
        size = 0
        members: list[tuple[int, int, int]] = []  # (provenance id, start, end) in the run
        for row in group:
            data = row.raw.encode("utf-8")
            if run and size + len(SEPARATOR) + len(data) > RUN_BYTES:
                _write_run(run, members)
                run, size, members = [], 0, []
            if run:
                run.append(SEPARATOR)
                size += len(SEPARATOR)
            members.append((row.id, size, size + len(data)))
            run.append(data)
            size += len(data)
        if run:
            _write_run(run, members)


def _write_run(run: list[bytes], members: list[tuple[int, int, int]]) -> None:
    conn = op.get_bind()
    text_id = conn.execute(
        sa.insert(_raw_texts).values(data=b"".join(run)).returning(_raw_texts.c.id)
    ).scalar_one()
    conn.execute(
        sa.update(_provenance)
        .where(_provenance.c.id == sa.bindparam("row_id"))
        .values(
            raw=None,
            raw_text_id=text_id,
            text_start=sa.bindparam("start"),
            text_end=sa.bindparam("end"),
        ),
        [{"row_id": row_id, "start": start, "end": end} for row_id, start, end in members],
    )


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            _provenance.c.id,
            _provenance.c.text_start,
            _provenance.c.text_end,
            _raw_texts.c.data,
        )
        .join(_raw_texts, _raw_texts.c.id == _provenance.c.raw_text_id)
        .where(_provenance.c.raw.is_(None))
    ).all()
    if rows:
        conn.execute(
            sa.update(_provenance)
            .where(_provenance.c.id == sa.bindparam("row_id"))
            .values(raw=sa.bindparam("text")),
            [
                {"row_id": row.id, "text": row.data[row.text_start : row.text_end].decode()}
                for row in rows
            ],
        )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_provenance_raw_text_id_raw_texts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_provenance_raw_text_id"))
        batch_op.create_index(
            batch_op.f("ix_provenance_reference_id"), ["reference_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_provenance_raw_hash"), ["raw_hash"], unique=False)
        batch_op.alter_column("raw", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("text_end")
        batch_op.drop_column("text_start")
        batch_op.drop_column("raw_text_id")
    op.drop_table("raw_texts")
