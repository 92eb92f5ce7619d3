"""Copy a whole library between databases (``refman db copy``): SQLite to PostgreSQL and
back, or between two of either.

The target must be empty (no references, tags, notes or collections): its schema comes
from the same migrations, at the same revision as the source's. Every table of the ORM
metadata is copied in dependency order, in chunks, with its ids, inside one transaction
on the target; row counts are compared in that transaction before it commits, so a
copy either arrives whole and verified or not at all. The search index is not copied but
rebuilt on the target (FTS5 on SQLite, ``tsvector`` on PostgreSQL), and PostgreSQL's id
sequences are moved past the copied ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlalchemy.types import DateTime

from refman.storage import search_index
from refman.storage.engine import write_connection
from refman.storage.orm import Base, ReferenceRow, SearchDirtyRow, SearchStateRow

CHUNK_ROWS = 5_000
"""Rows read and written per statement."""
_NOT_COPIED = {SearchDirtyRow.__tablename__, SearchStateRow.__tablename__}
"""Bookkeeping of the search index, which the target rebuilds instead."""
_MUST_BE_EMPTY = ("references", "tags", "notes", "collections")


class CopyError(Exception):
    """The copy cannot start or did not verify; the message is for the user."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows copied per table (source order), verified equal on both sides."""

    counts: dict[str, int]

    @property
    def references(self) -> int:
        return self.counts.get(ReferenceRow.__tablename__, 0)


def copied_tables() -> list[Table]:
    """The tables a copy carries, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in _NOT_COPIED]


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _time_converter(source: Engine, target: Engine) -> Callable[[Any], Any]:
    """Datetimes as the target stores them: SQLite keeps naive UTC, PostgreSQL aware."""
    to_sqlite = target.dialect.name == "sqlite"

    def convert(value: Any) -> Any:
        if not isinstance(value, dt.datetime):
            return value
        if to_sqlite:
            return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    return convert if source.dialect.name != target.dialect.name else (lambda value: value)


def _rows(conn: Connection, table: Table) -> Iterator[Sequence[dict[str, Any]]]:
    """The table's rows in chunks, in primary-key order."""
    order = list(table.primary_key.columns)
    result = conn.execution_options(yield_per=CHUNK_ROWS).execute(select(table).order_by(*order))
    for chunk in result.mappings().partitions(CHUNK_ROWS):
        yield [dict(row) for row in chunk]


def _self_references(table: Table) -> list[str]:
    """Columns of ``table`` referring to its own rows (a folder's parent folder): a child
    may have a smaller id than its parent, so they are filled in after the rows."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _check_empty(conn: Connection) -> None:
    tables = Base.metadata.tables
    for name in _MUST_BE_EMPTY:
        if _count(conn, tables[name]):
            raise CopyError(f"the target library is not empty: it has {name}")


def _advance_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """Move PostgreSQL's id sequences past the copied ids."""
    for table in tables:
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'}
        ).scalar()
        if sequence:
            highest = f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1'
            conn.execute(text(f"SELECT setval(:seq, {highest}, false)"), {"seq": sequence})


def copy_library(
    source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy everything from ``source`` into the empty library ``target`` (both migrated
    to the same revision); ``progress(table, rows so far)`` after each chunk."""
    tables = copied_tables()
    datetimes = {
        t.name: [c.name for c in t.columns if isinstance(c.type, DateTime)] for t in tables
    }
    convert = _time_converter(source, target)
    self_parents = {t.name: _self_references(t) for t in tables}
    counts: dict[str, int] = {}
    with source.connect() as reading, write_connection(target) as writing:
        _check_empty(writing)
        search_index.pause(writing)  # (index triggers skip; rebuilt below)
        for table in tables:
            writing.execute(table.delete())  # (rows a migration put there: settings)
            copied = 0
            parents: list[dict[str, Any]] = []
            for chunk in _rows(reading, table):
                for row in chunk:
                    for name in datetimes[table.name]:
                        row[name] = convert(row[name])
                    for name in self_parents[table.name]:  # (set once every row exists)
                        if row[name] is not None:
                            parents.append({"_id": row["id"], "_parent": row[name], "_col": name})
                            row[name] = None
                writing.execute(insert(table), chunk)
                copied += len(chunk)
                if progress:
                    progress(table.name, copied)
            counts[table.name] = copied
            for link in parents:
                writing.execute(
                    table.update()
                    .where(table.c.id == link["_id"])
                    .values({link["_col"]: link["_parent"]})
                )
        for table in tables:
            found = _count(writing, table)
            if found != counts[table.name]:
                raise CopyError(
                    f"{table.name}: copied {counts[table.name]} rows but the target holds {found}"
                )
        ids = [row_id for (row_id,) in writing.execute(select(ReferenceRow.id))]
        search_index.mark_dirty(writing, ids)
        search_index.resume(writing)
        if target.dialect.name == "postgresql":
            _advance_sequences(writing, tables)
    search_index.catch_up(target)
    return CopyReport(counts)
