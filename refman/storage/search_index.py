"""The full-text search index: SQLite FTS5 kept in sync by triggers (migration 0003).

An import pauses the triggers (``pause``), lists the references it touched in
``search_dirty`` and resumes them before committing; ``catch_up`` then rebuilds just
those entries in a transaction of its own. A crash between the two leaves the dirty list,
so the next ``catch_up`` (run when a library opens) finishes the work. On PostgreSQL
there is no FTS5 table; search falls back to ``ILIKE`` (see ``text_condition``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    and_,
    column,
    delete,
    or_,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from refman.domain.text import fold
from refman.storage.engine import write_connection
from refman.storage.orm import SEARCH_TABLE, ReferenceRow, SearchDirtyRow, SearchStateRow

_WORD = re.compile(r"\w+")

_REBUILD = f"""
INSERT INTO {SEARCH_TABLE}(rowid, title, authors, abstract, venue, tags, notes)
SELECT r.id, r.title, coalesce(a.names, ''), r.abstract, r.venue,
       coalesce(t.names, ''), coalesce(n.texts, '')
FROM "references" r
LEFT JOIN (SELECT ra.reference_id AS id, group_concat(p.given || ' ' || p.family, ' ') AS names
           FROM reference_authors ra JOIN persons p ON p.id = ra.person_id
           WHERE ra.reference_id IN (SELECT reference_id FROM search_dirty)
           GROUP BY ra.reference_id) a ON a.id = r.id
LEFT JOIN (SELECT rt.reference_id AS id, group_concat(tg.name, ' ') AS names
           FROM reference_tags rt JOIN tags tg ON tg.id = rt.tag_id
           WHERE rt.reference_id IN (SELECT reference_id FROM search_dirty)
           GROUP BY rt.reference_id) t ON t.id = r.id
LEFT JOIN (SELECT reference_id AS id, group_concat(text, ' ') AS texts FROM notes
           WHERE reference_id IN (SELECT reference_id FROM search_dirty)
           GROUP BY reference_id) n ON n.id = r.id
WHERE r.id IN (SELECT reference_id FROM search_dirty)
"""


def has_fts(conn: Connection) -> bool:
    """Whether this library has the FTS5 index (SQLite libraries do)."""
    return conn.dialect.name == "sqlite"


def pause(conn: Connection) -> None:
    """Stop the triggers for the rest of this transaction (an import is running)."""
    if has_fts(conn):
        conn.execute(update(SearchStateRow).values(deferred=1))


def resume(conn: Connection) -> None:
    """Turn the triggers back on (before the import's transaction commits)."""
    if has_fts(conn):
        conn.execute(update(SearchStateRow).values(deferred=0))


def mark_dirty(conn: Connection, ids: Sequence[int]) -> None:
    """Remember that these references' index entries must be rebuilt."""
    if ids and has_fts(conn):
        conn.execute(
            sqlite_insert(SearchDirtyRow).on_conflict_do_nothing(),
            [{"reference_id": ref_id} for ref_id in ids],
        )


def catch_up(engine: Engine) -> int:
    """Rebuild the index entries of every dirty reference; returns how many."""
    if engine.dialect.name != "sqlite":
        return 0
    with write_connection(engine) as conn:
        dirty = conn.execute(text("SELECT count(*) FROM search_dirty")).scalar_one()
        if not dirty:
            return 0
        conn.execute(
            text(
                f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN (SELECT reference_id FROM search_dirty)"
            )
        )
        conn.execute(text(_REBUILD))
        conn.execute(delete(SearchDirtyRow))
        return int(dirty)


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression: every word of ``query`` as a quoted prefix, all required."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(fold(query)))


def text_condition(conn: Connection, query: str) -> ColumnElement[bool] | None:
    """The SQL condition for the quick search ``query`` (None when it has no words)."""
    words = _WORD.findall(fold(query))
    if not words:
        return None
    if has_fts(conn):
        return ReferenceRow.id.in_(
            text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
            .bindparams(match=match_expression(query))
            .columns(column("rowid", Integer))
        )
    return and_(
        *(
            or_(
                ReferenceRow.title.ilike(f"%{word}%"),
                ReferenceRow.abstract.ilike(f"%{word}%"),
                ReferenceRow.venue.ilike(f"%{word}%"),
            )
            for word in words
        )
    )
