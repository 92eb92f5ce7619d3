"""Quick search: SQLite FTS5 over title, authors, abstract and venue; tags and notes in SQL.

Triggers keep the FTS5 table in sync on every write (migrations 0003 and 0005), except
while an import has set ``search_state.deferred``: the importer then lists what it touched
in ``search_dirty`` and ``catch_up`` rebuilds just those entries after the import commits.
A crash between the two leaves the dirty list, so the next ``catch_up`` (run when a library
opens) finishes the work. Tags and notes are short and few, so they are matched with plain
SQL instead: tagging 1,000 references then rewrites no index entry. On PostgreSQL there is
no FTS5 table; titles, abstracts and venues fall back to ``ILIKE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    false,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from refman.domain.text import fold
from refman.storage.engine import write_connection
from refman.storage.orm import (
    SEARCH_TABLE,
    NoteRow,
    ReferenceRow,
    ReferenceTagRow,
    SearchDirtyRow,
    SearchStateRow,
    TagRow,
)

_WORD = re.compile(r"\w+")

_REBUILD = f"""
INSERT INTO {SEARCH_TABLE}(rowid, title, authors, abstract, venue)
SELECT r.id, r.title, coalesce(a.names, ''), r.abstract, r.venue
FROM "references" r
LEFT JOIN (SELECT ra.reference_id AS id, group_concat(p.given || ' ' || p.family, ' ') AS names
           FROM reference_authors ra JOIN persons p ON p.id = ra.person_id
           WHERE ra.reference_id IN (SELECT reference_id FROM search_dirty)
           GROUP BY ra.reference_id) a ON a.id = r.id
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


def query_words(query: str) -> list[str]:
    """The words of a quick search, folded (lower case, no accents)."""
    return _WORD.findall(fold(query))


_UNINDEXED_ID = literal_column('+"references".id', Integer)


def _fts_ids(word: str) -> Select[int]:
    """References whose title, authors, abstract or venue hold a word starting with it."""
    return (
        select(literal_column("rowid", Integer))
        .select_from(table(SEARCH_TABLE))
        .where(
            text(f"{SEARCH_TABLE} MATCH :match").bindparams(
                bindparam("match", f'"{word}"*', unique=True)  # one per word
            )
        )
    )


def _tag_and_note_ids(word: str) -> list[Select[int]]:
    """References whose tags or notes hold a word starting with ``word``."""
    starts = [f"{word}%", f"% {word}%", f"%-{word}%"]
    # The few matching tags first, then their references through the tag_id index
    # (a join would scan every tagging).
    tag_ids = select(TagRow.id).where(or_(*(TagRow.name_key.like(p) for p in starts)))
    tagged = select(ReferenceTagRow.reference_id).where(ReferenceTagRow.tag_id.in_(tag_ids))
    noted = select(NoteRow.reference_id).where(
        or_(*(NoteRow.text.ilike(p) for p in [*starts, f"%\n{word}%"]))
    )
    return [tagged, noted]


def text_condition(conn: Connection, query: str) -> ColumnElement[bool] | None:
    """The SQL condition for the quick search ``query`` (None when it has no words):
    every word must start a word of the title, authors, abstract, venue, a tag or a note."""
    words = query_words(query)
    if not words:
        return None
    conditions: list[ColumnElement[bool]] = []
    for word in words:
        if has_fts(conn):
            sources = (_fts_ids(word), *_tag_and_note_ids(word))
            if not any(conn.execute(s.limit(1)).first() for s in sources):
                # A word found nowhere: say so at once rather than probe every row.
                return false()
            # "+id" keeps SQLite walking the sort order's index and probing these sets,
            # instead of fetching the matches first and sorting them afterwards. Three
            # sets rather than their UNION: most rows are settled by the first, and a
            # UNION of 100,000 ids costs a de-duplicating pass before the first row.
            conditions.append(or_(*(_UNINDEXED_ID.in_(s) for s in sources)))
        else:
            pattern = f"%{word}%"
            conditions.append(
                or_(
                    ReferenceRow.title.ilike(pattern),
                    ReferenceRow.abstract.ilike(pattern),
                    ReferenceRow.venue.ilike(pattern),
                    ReferenceRow.id.in_(union(*_tag_and_note_ids(word))),
                )
            )
    return and_(*conditions)
