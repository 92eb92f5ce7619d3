"""Search: the query language (``refman.domain.search_query``) compiled to SQL and ranked.

The index is SQLite FTS5 over title, authors, abstract and venue. Triggers keep it in sync
on every write (migrations 0003 and 0005), except while an import has set
``search_state.deferred``: the importer then lists what it touched in ``search_dirty`` and
``catch_up`` rebuilds just those entries after the import commits. A crash between the two
leaves the dirty list, so the next ``catch_up`` (run when a library opens) finishes the
work. Tags and notes are short and few, so they are matched with plain SQL instead:
tagging 1,000 references then rewrites no index entry.

Compiling a query: each word or phrase becomes an FTS5 expression (``"word"*``, a phrase
``"a b"``, a field ``{title}: ...``) plus, for words not tied to a field, the tag and note
sets it starts a word of; filters (tag, year, type, has, added, identifiers) become column
conditions or id sets. FTS5 expressions of one AND or OR are merged into one MATCH, so two
words cost one posting-list merge in C instead of two id sets. Every set is probed as
``+id IN (...)`` while SQLite walks the sort order's partial index (the first page of a
search costs a few ms of index walking); a set found empty settles its part of the query
at once (a word found nowhere answers without walking anything). A first page alone
(``first_page``) tests short words found almost everywhere row by row during that walk
instead of listing them (``DENSE_SHARE``), and walks for a text found in a few thousand
references too (``WALK_FIRST_PAGE_MAX``).

Ranking (``SortKey.RELEVANCE``): FTS5's bm25 over the positive terms with column weights
``RANK_WEIGHTS`` (title and authors above venue above abstract), minus ``TAG_BONUS`` /
``NOTE_BONUS`` for each word found in a tag or note.

PostgreSQL has its own full-text search instead of FTS5 (``PgSyntax``, migration 0012):
``search_documents`` holds one ``tsvector`` per reference, its fields weighted A (title),
B (authors), C (venue) and D (abstract), of the text folded like ``fold`` in SQL
(``refman_fold``), under a GIN index; triggers and the same pause / dirty list /
``catch_up`` keep it in sync. Queries are ``tsquery`` strings (``'word':*`` prefixes,
``<->`` phrases, weight labels for fields) ranked by ``ts_rank`` with ``RANK_WEIGHTS``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from refman.domain.search_query import (
    AddedWithin,
    AllOf,
    AnyOf,
    Has,
    IdentifierIs,
    Node,
    Not,
    StatusIs,
    TagIs,
    Term,
    TypeIs,
    YearIn,
    parse_query,
)
from refman.domain.text import fold, split_arxiv_version
from refman.storage.engine import write_connection
from refman.storage.orm import (
    PG_SEARCH_TABLE,
    SEARCH_TABLE,
    AttachmentRow,
    NoteRow,
    PersonRow,
    ReferenceAuthorRow,
    ReferenceRow,
    ReferenceTagRow,
    SearchDirtyRow,
    SearchStateRow,
    TagRow,
    utcnow,
)

FTS_COLUMNS = ("title", "authors", "abstract", "venue")
"""The FTS5 table's columns, in its order."""
RANK_WEIGHTS: dict[str, float] = {"title": 10.0, "authors": 10.0, "abstract": 1.0, "venue": 3.0}
"""bm25 weight of a hit in each column."""
TAG_BONUS = 4.0
"""Added to a reference's score for each searched word one of its tags starts with (a
title hit of a word found in a few percent of the library scores about 5 to 10)."""
NOTE_BONUS = 2.0
"""Added to a reference's score for each searched word found in one of its notes."""

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


PG_REBUILD = f"""
INSERT INTO {PG_SEARCH_TABLE} (reference_id, document)
SELECT r.id, refman_search_document(r.title, coalesce(a.names, ''), r.venue, r.abstract)
FROM "references" r JOIN search_dirty d ON d.reference_id = r.id
LEFT JOIN (SELECT ra.reference_id AS id,
                  string_agg(p.given || ' ' || p.family, ' ' ORDER BY ra.position) AS names
           FROM reference_authors ra JOIN persons p ON p.id = ra.person_id
           WHERE ra.reference_id IN (SELECT reference_id FROM search_dirty)
           GROUP BY ra.reference_id) a ON a.id = r.id
ON CONFLICT (reference_id) DO UPDATE SET document = EXCLUDED.document
"""
"""Rebuilds PostgreSQL's index entries of the dirty references (``catch_up``)."""
PG_ANALYZE_AFTER = 10_000
"""A catch-up of more references than this (an import) first refreshes the planner's
statistics of the tables it joins, which autovacuum would refresh only later."""


def has_fts(conn: Connection) -> bool:
    """Whether this library has a full-text index: FTS5 on SQLite, ``tsvector`` on
    PostgreSQL."""
    return conn.dialect.name in ("sqlite", "postgresql")


PG_BULK_SETTING = "refman.bulk"
"""PostgreSQL's triggers do nothing in a transaction that set this to ``on``
(migration 0012)."""


def pause(conn: Connection) -> None:
    """Stop the triggers for the rest of this transaction (an import is running): on
    SQLite through ``search_state.deferred``, on PostgreSQL a transaction-local setting
    (no row another client's import would wait on)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PG_BULK_SETTING})
    elif has_fts(conn):
        conn.execute(update(SearchStateRow).values(deferred=1))


CHANGES_CHANNEL = "refman_changes"
"""PostgreSQL's ``NOTIFY`` channel of changes to a shared library (migration 0012):
payloads ``r:<id>`` (one per reference changed), ``r:*`` (reload everything: an import
or a copy ended) and ``t`` (tags)."""


def resume(conn: Connection) -> None:
    """Turn the triggers back on (before the import's transaction commits); on
    PostgreSQL tell the other clients to reload, once, at the commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": PG_BULK_SETTING})
        conn.execute(text("SELECT pg_notify(:channel, 'r:*')"), {"channel": CHANGES_CHANNEL})
    elif has_fts(conn):
        conn.execute(update(SearchStateRow).values(deferred=0))


def mark_dirty(conn: Connection, ids: Sequence[int]) -> None:
    """Remember that these references' index entries must be rebuilt."""
    if ids and has_fts(conn):
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            insert(SearchDirtyRow).on_conflict_do_nothing(),
            [{"reference_id": ref_id} for ref_id in ids],
        )


def catch_up(engine: Engine) -> int:
    """Rebuild the index entries of every dirty reference; returns how many."""
    if engine.dialect.name not in ("sqlite", "postgresql"):
        return 0
    with write_connection(engine) as conn:
        dirty = conn.execute(text("SELECT count(*) FROM search_dirty")).scalar_one()
        if not dirty:
            return 0
        if engine.dialect.name == "postgresql":
            if dirty > PG_ANALYZE_AFTER:
                conn.execute(text('ANALYZE search_dirty, "references", reference_authors, persons'))
            conn.execute(text(PG_REBUILD))
            conn.execute(delete(SearchDirtyRow))
            return int(dirty)
        conn.execute(
            text(
                f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN (SELECT reference_id FROM search_dirty)"
            )
        )
        conn.execute(text(_REBUILD))
        conn.execute(delete(SearchDirtyRow))
        return int(dirty)


_BULK_HASHSIZE = 64 * 1024 * 1024
_DEFAULT_HASHSIZE = 1024 * 1024
_DEFAULT_AUTOMERGE = 4


def _configure(conn: Connection, *, hashsize: int, automerge: int) -> None:
    """Set FTS5's ``hashsize`` (pending terms held in memory before a segment is
    written) and ``automerge`` (segments merged as they accumulate) for the index."""
    for name, value in (("hashsize", hashsize), ("automerge", automerge)):
        conn.execute(
            text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES (:name, :value)"),
            {"name": name, "value": value},
        )


def rebuild(engine: Engine) -> int:
    """Rebuild the whole index from the library (a repair; the benchmark's "indexing");
    returns how many references it holds. The table is dropped and created again from its
    own definition (deleting 100,000 entries one by one costs as much as writing them),
    filled in one statement with 64 MiB of pending terms in memory and no merging (a
    third less time) and merged into one segment at the end. Like an import it commits
    without the WAL checkpoint (``Store.checkpoint`` or the next write copies the
    pages)."""
    if engine.dialect.name == "postgresql":
        with write_connection(engine) as conn:
            conn.execute(text(f"TRUNCATE {PG_SEARCH_TABLE}"))
            conn.execute(delete(SearchDirtyRow))
            conn.execute(
                text('INSERT INTO search_dirty (reference_id) SELECT id FROM "references"')
            )
            conn.execute(text(PG_REBUILD))
            return int(conn.execute(delete(SearchDirtyRow)).rowcount)
    if engine.dialect.name != "sqlite":
        return 0
    with write_connection(engine, bulk=True) as conn:  # (the next write checkpoints)
        definition = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": SEARCH_TABLE},
        ).scalar_one()
        # Debian's SQLite overwrites freed pages (secure_delete): 300 MB of zeros for the
        # old index, whose text the library holds anyway. FAST zeroes only what costs no
        # extra writes.
        secure_delete = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
        conn.exec_driver_sql("PRAGMA secure_delete=FAST")
        try:
            conn.execute(text(f"DROP TABLE {SEARCH_TABLE}"))
        finally:
            conn.exec_driver_sql(f"PRAGMA secure_delete={int(secure_delete or 0)}")
        conn.execute(text(definition))
        _configure(conn, hashsize=_BULK_HASHSIZE, automerge=0)
        conn.execute(delete(SearchDirtyRow))
        conn.execute(text('INSERT INTO search_dirty (reference_id) SELECT id FROM "references"'))
        conn.execute(text(_REBUILD))
        conn.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"))
        _configure(conn, hashsize=_DEFAULT_HASHSIZE, automerge=_DEFAULT_AUTOMERGE)
        count = conn.execute(delete(SearchDirtyRow)).rowcount
        return int(count)


# --- vocabulary (typo tolerance) ------------------------------------------------------
_VOCABULARY_TABLE = "temp.search_vocab"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The index's words with the number of references holding each, and the folded
    words of authors' family names (``stamp`` tells whether it is still current)."""

    terms: dict[str, int]
    families: frozenset[str]
    stamp: object


def vocabulary_stamp(engine: Engine) -> object:
    """Something that changes whenever the index's words may have changed: on SQLite the
    FTS5 structure record (rewritten, with a new cookie, by every write to the index)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return conn.execute(
                text(f"SELECT block FROM {SEARCH_TABLE}_data WHERE id = 10")
            ).scalar()
        references = conn.execute(select(func.count(), func.max(ReferenceRow.modified))).one()
        return (*references, conn.execute(select(func.max(PersonRow.id))).scalar())


def vocabulary(engine: Engine) -> Vocabulary:
    """The current vocabulary: the index's own words. On SQLite through a temporary
    ``fts5vocab`` table on the connection (it reads the whole index: 0.25 s for 100,000
    references), on PostgreSQL through ``ts_stat``."""
    stamp = vocabulary_stamp(engine)
    terms: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            stat = f"SELECT word, ndoc FROM ts_stat('SELECT document FROM {PG_SEARCH_TABLE}')"
            terms.update((str(word), int(docs)) for word, docs in conn.execute(text(stat)))
        elif has_fts(conn):
            conn.execute(
                text(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCABULARY_TABLE} "
                    f"USING fts5vocab(main, {SEARCH_TABLE}, row)"
                )
            )
            vocab = conn.exec_driver_sql(f"SELECT term, doc FROM {_VOCABULARY_TABLE}")
            terms.update((term, docs) for term, docs in vocab)
        families = frozenset(
            word
            for (family,) in conn.execute(
                select(PersonRow.family).where(
                    PersonRow.id.in_(select(ReferenceAuthorRow.person_id))
                )
            )
            for word in _WORD.findall(fold(family))
        )
    return Vocabulary(terms=terms, families=families, stamp=stamp)


# --- compiling queries ----------------------------------------------------------------
_WORD = re.compile(r"\w+")
_UNINDEXED_ID = literal_column('+"references".id', Integer)
FEW_MATCHES = 5_000
"""A text matching at most this many references drives its query from their ids (a
few thousand rows read by id beat walking 100,000 index entries); see ``SearchSql.few``."""
INDEXED_PREFIX_CHARS = 3
"""Prefixes up to this long have their own FTS5 prefix index (migration 0007): testing
one row against such a word costs a few microseconds, without expanding the prefix."""
DENSE_SHARE = 8
"""For a first page, a set of such words holding at least one reference in this many
(and more than ``FEW_MATCHES``) is tested row by row while the sort order is walked,
instead of being listed whole first (listing 99,000 ids for ``t`` costs 10 ms; the
first screenful of rows tested one by one, well under one)."""
WALK_FIRST_PAGE_MAX = 20_000
"""For a first page, a text matching few references is probed while the sort order's
index is walked when about this many index entries at most must be walked to fill the
page (its rows read by id and sorted would each cost a read of a cold page)."""
PROBE_TAGS_ABOVE = 1_500
"""A tag on more references than this is probed while the sort order's index is walked
(its references are dense enough to fill a page soon); a rarer tag's references are
looked up by id and sorted."""


class _Const(enum.Enum):
    EVERYTHING = "everything"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class _Fts:
    """References an FTS5 expression matches (or, ``negated``, does not). ``strong`` is
    the same expression with its terms restricted to the title, authors and venue (None:
    it cannot match there), which ranking's first tier uses."""

    expr: str
    strong: str | None
    negated: bool = False
    short: bool = False
    """Every word is a prefix of at most ``INDEXED_PREFIX_CHARS`` letters (no phrase):
    one row is tested against the expression in microseconds."""


@dataclass(frozen=True, slots=True)
class _Sql:
    condition: ColumnElement[bool]


_Part = _Fts | _Sql | _Const


def fts_expression(term: Term) -> str:
    """The FTS5 query of one term: ``"word"*``, ``"a phrase"``, ``{title}: ...``."""
    words = " ".join(term.words).replace('"', "")
    phrase = f'"{words}"' if term.phrase else f'"{words}"*'
    return f"{{{term.field}}}: {phrase}" if term.field else phrase


def _starts(term: Term) -> list[str]:
    """LIKE patterns for text in which ``term`` starts a word."""
    value = term.text
    return [f"{value}%", f"% {value}%", f"%-{value}%"]


def _tag_ids(term: Term) -> Select[int]:
    """References with a tag in which the term starts a word."""
    tags = select(TagRow.id).where(or_(*(TagRow.name_key.like(p) for p in _starts(term))))
    return select(ReferenceTagRow.reference_id).where(ReferenceTagRow.tag_id.in_(tags))


def _note_ids(term: Term) -> Select[int]:
    """References with a note in which the term starts a word."""
    patterns = [*_starts(term), f"%\n{term.text}%"]
    return select(NoteRow.reference_id).where(or_(*(NoteRow.text.ilike(p) for p in patterns)))


_STRONG = "{title authors venue}"
"""The columns whose hits put a reference in the first rank tier."""
_BM25 = f"bm25({SEARCH_TABLE}, {', '.join(str(RANK_WEIGHTS[c]) for c in FTS_COLUMNS)})"


class IndexSyntax:
    """One full-text index's query language: SQLite FTS5 (this class) or PostgreSQL's
    ``tsquery`` (``PgSyntax``). Expressions are strings of that language; ``scores``
    are lower-is-better (bm25's sign)."""

    def term(self, term: Term) -> str:
        """The expression of one term anywhere it may match."""
        return fts_expression(term)

    def strong(self, term: Term) -> str:
        """``term`` in the title, authors or venue (a term of one field, the abstract's
        too, stays in it)."""
        expr = self.term(term)
        return expr if term.field else f"{_STRONG}: {expr}"

    def any_of(self, exprs: Sequence[str]) -> str:
        return " OR ".join(f"({e})" for e in exprs)

    def all_of(self, positive: Sequence[str], negative: Sequence[str]) -> str:
        return " AND ".join(f"({e})" for e in positive) + "".join(f" NOT ({e})" for e in negative)

    def row_matches(self, expr: str) -> ColumnElement[bool] | None:
        """Whether the reference of the row at hand matches ``expr``, tested on its own
        index entry (None: the index cannot be probed by row)."""
        return exists(
            select(literal_column("1"))
            .select_from(table(SEARCH_TABLE))
            .where(
                text(f"{SEARCH_TABLE} MATCH :match").bindparams(
                    bindparam("match", expr, unique=True)
                ),
                literal_column("rowid", Integer) == ReferenceRow.id,
            )
        )

    def ids(self, expr: str) -> Select[int]:
        """References whose index entry matches ``expr``."""
        return (
            select(literal_column("rowid", Integer))
            .select_from(table(SEARCH_TABLE))
            .where(
                text(f"{SEARCH_TABLE} MATCH :match").bindparams(
                    bindparam("match", expr, unique=True)  # one per expression
                )
            )
        )

    def scores(
        self, conn: Connection, expr: str, *, limit: int | bool | None = False
    ) -> list[tuple[int, float]]:
        """(id, score) of the references ``expr`` matches, straight from the driver;
        best first (ties by id) unless ``limit`` is False, the first ``limit`` of them
        unless it is None."""
        driver: Any = conn.connection.driver_connection
        sql = f"SELECT rowid, {_BM25} FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
        if limit is False:
            return list(driver.execute(sql, (expr,)))
        if limit is None:
            return list(driver.execute(f"{sql} ORDER BY 2, 1", (expr,)))
        return list(driver.execute(f"{sql} ORDER BY 2, 1 LIMIT ?", (expr, limit)))


PG_WEIGHTS = {"title": "A", "authors": "B", "venue": "C", "abstract": "D"}
"""The ``tsvector`` weight label of each indexed field (migration 0012)."""
_PG_RANK_WEIGHTS = (
    "{"
    + ", ".join(
        str(RANK_WEIGHTS[f] / RANK_WEIGHTS["title"])
        for f in ("abstract", "venue", "authors", "title")
    )
    + "}"
)
"""``ts_rank``'s weights, in its D, C, B, A order: ``RANK_WEIGHTS`` scaled to 1."""
_PG_STRONG = "ABC"


class PgSyntax(IndexSyntax):
    """PostgreSQL full-text search: ``tsquery`` over ``search_documents.document``, a
    weighted ``tsvector`` (``PG_WEIGHTS``) kept by triggers (migration 0012)."""

    def row_matches(self, expr: str) -> ColumnElement[bool] | None:
        """None: PostgreSQL's planner chooses how to combine its GIN index itself."""
        del expr
        return None

    @staticmethod
    def _lexemes(term: Term, labels: str) -> str:
        words = [w for w in term.words if w]
        if term.phrase:
            return " <-> ".join(f"'{w}'{':' + labels if labels else ''}" for w in words)
        return (
            f"'{words[-1]}':*{labels}"
            if len(words) == 1
            else " & ".join(f"'{w}':*{labels}" for w in words)
        )

    def term(self, term: Term) -> str:
        return self._lexemes(term, PG_WEIGHTS.get(term.field or "", ""))

    def strong(self, term: Term) -> str:
        return self.term(term) if term.field else self._lexemes(term, _PG_STRONG)

    def any_of(self, exprs: Sequence[str]) -> str:
        return " | ".join(f"({e})" for e in exprs)

    def all_of(self, positive: Sequence[str], negative: Sequence[str]) -> str:
        return " & ".join(f"({e})" for e in positive) + "".join(f" & !({e})" for e in negative)

    def ids(self, expr: str) -> Select[int]:
        return (
            select(literal_column("reference_id", Integer))
            .select_from(table(PG_SEARCH_TABLE))
            .where(
                text("document @@ to_tsquery('simple', :match)").bindparams(
                    bindparam("match", expr, unique=True)
                )
            )
        )

    def scores(
        self, conn: Connection, expr: str, *, limit: int | bool | None = False
    ) -> list[tuple[int, float]]:
        sql = (
            f"SELECT reference_id, -ts_rank('{_PG_RANK_WEIGHTS}', document, q) "
            f"FROM {PG_SEARCH_TABLE}, to_tsquery('simple', :match) q WHERE document @@ q"
        )
        params: dict[str, Any] = {"match": expr}
        if limit is not False:
            sql += " ORDER BY 2, 1"
        if limit not in (False, None):
            sql += " LIMIT :limit"
            params["limit"] = limit
        return [(int(i), float(s)) for i, s in conn.execute(text(sql), params)]


def index_syntax(conn: Connection) -> IndexSyntax:
    """The full-text index syntax of ``conn``'s database."""
    return PgSyntax() if conn.dialect.name == "postgresql" else IndexSyntax()


@dataclass(slots=True)
class SearchSql:
    """A query compiled for one connection: its condition and how to rank it.

    Ranking (``rank``): first the references the query matches within the title,
    authors and venue alone (``first_tier``: every word there), or through a tag or note,
    by bm25 of that match; then the others by bm25 of the query's words anywhere
    (``required_fts``, or any of its words; ``RANK_WEIGHTS``: a title hit still counts
    ten abstract hits); ties by id. A tag or
    note hit subtracts ``TAG_BONUS`` / ``NOTE_BONUS`` from the score. The tiers let the
    first page rank only the first tier (``first_page``) instead of every reference
    holding a common word."""

    condition: ColumnElement[bool] | None = None
    """None: the query keeps everything."""
    required_fts: str | None = None
    """The FTS5 expression every result matches (the query's words and phrases that
    must all match), when there is one; ``rest`` is the remaining condition."""
    rest: ColumnElement[bool] | None = None
    first_tier: str | None = None
    """``required_fts`` within the title, authors and venue (None: no such tier)."""
    few: bool = False
    """``required_fts`` matches at most ``FEW_MATCHES`` references: the query is driven
    from that set (its rows looked up by id) and ranked whole, no first page needed."""
    fts_terms: list[Term] = field(default_factory=list)
    """Positive terms the FTS5 index scores (bm25)."""
    tag_terms: list[Term] = field(default_factory=list)
    """Positive terms found in some tag (a bonus each)."""
    note_terms: list[Term] = field(default_factory=list)
    """Positive terms found in some note (a bonus each)."""
    syntax: IndexSyntax = field(default_factory=IndexSyntax)
    """The index's query language (FTS5 or PostgreSQL's ``tsquery``)."""
    nothing: bool = False
    """The query can match nothing (a word found nowhere): its condition is False."""

    @property
    def ranks(self) -> bool:
        """Whether there is anything to rank by (search text, not just filters)."""
        return bool(self.fts_terms or self.tag_terms or self.note_terms)

    def rank(self, conn: Connection, ids: Sequence[int], *, descending: bool = False) -> list[int]:
        """``ids`` (the query's matches) best first (worst first if ``descending``); see
        the class doc. Scores come from the index in two queries and the sort runs in
        Python: a join of 100,000 scores to their rows costs SQLite far more."""
        if not ids:
            return []
        syntax = self.syntax
        first: dict[int, float] = {}
        if self.first_tier is not None:
            first = dict(syntax.scores(conn, self.first_tier))
        every: dict[int, float] = {}
        if self.required_fts is not None:
            every = dict(syntax.scores(conn, self.required_fts))
        elif self.fts_terms:
            every = dict(
                syntax.scores(conn, syntax.any_of([syntax.term(t) for t in self.fts_terms]))
            )
        bonus: dict[int, float] = {}
        for select_ids, weight in (
            *((_tag_ids(t), TAG_BONUS) for t in self.tag_terms),
            *((_note_ids(t), NOTE_BONUS) for t in self.note_terms),
        ):
            for ref_id in set(conn.execute(select_ids).scalars()):
                bonus[ref_id] = bonus.get(ref_id, 0.0) + weight

        def key(ref_id: int) -> tuple[int, float, int]:
            if ref_id in first or ref_id in bonus:
                return 0, first.get(ref_id, 0.0) - bonus.get(ref_id, 0.0), ref_id
            return 1, every.get(ref_id, 0.0), ref_id

        return sorted(ids, key=key, reverse=descending)

    def without_text(self) -> SearchSql:
        """This query without ``required_fts`` in its condition (``first_page``'s
        candidates match it already)."""
        return dataclasses.replace(self, condition=self.rest)

    def first_page(
        self, conn: Connection, limit: int, keep: Callable[[Sequence[int]], set[int]]
    ) -> list[int] | None:
        """The first ``limit`` ids of ``rank`` without listing every match first: each
        tier straight from the index, best first (the best ``limit`` + 64 of the first
        tier, then the rest; then the second tier), passed through ``keep``, which
        returns those of them the rest of the query keeps (the trash, filters, tags).
        None for a query without words or phrases that must all match, or with tag or
        note hits (they join the first tier): ``rank`` decides."""
        first, required = self.first_tier, self.required_fts
        if first is None or required is None or self.tag_terms or self.note_terms:
            return None
        ids: list[int] = []
        in_first: set[int] = set()
        for tier, batches in ((first, (limit + 64, None)), (required, (None,))):
            checked = 0
            for wanted in batches:
                candidates = [
                    ref_id
                    for ref_id, _score in self.syntax.scores(conn, tier, limit=wanted)
                    if ref_id not in in_first
                ]
                while checked < len(candidates):  # (a little more than is missing)
                    chunk = candidates[checked : checked + limit - len(ids) + 64]
                    checked += len(chunk)
                    kept = keep(chunk)
                    ids.extend(ref_id for ref_id in chunk if ref_id in kept)
                    if len(ids) >= limit:
                        return ids[:limit]
                if wanted is not None and len(candidates) < wanted:
                    break
            if tier is first:
                in_first = set(candidates)  # (the whole first tier by now)
        return ids


class _Compiler:
    """Turns a query tree into SQL on one connection, probing sets as it goes."""

    def __init__(
        self, conn: Connection, now: dt.datetime, *, live: bool, first_page: int | None = None
    ) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.syntax = index_syntax(conn)
        self.now = now
        self.live = live
        self.first_page = first_page if self.sqlite else None
        self.search = SearchSql(syntax=self.syntax)
        self._tags: list[tuple[int, str]] | None = None
        self._size: int | None = None

    # --- helpers ---
    def ids_in(self, ids: Select[int], *, probe: bool = True) -> ColumnElement[bool]:
        """``id IN (ids)``; with ``probe`` on SQLite as ``+id``: a set probed, not an
        index SQLite may drive the query from (see the module doc)."""
        column = _UNINDEXED_ID if probe and self.sqlite else ReferenceRow.id
        return column.in_(ids)

    def exists(self, ids: Select[int]) -> bool:
        return self.conn.execute(ids.limit(1)).first() is not None

    def count(self, ids: Select[int], *, up_to: int) -> int:
        """How many ids ``ids`` lists, counting no further than ``up_to``."""
        found = self.conn.execute(select(func.count()).select_from(ids.limit(up_to).subquery()))
        return int(found.scalar_one())

    def size(self) -> int:
        """About how many references the library holds (its highest id)."""
        if self._size is None:
            self._size = int(self.conn.execute(select(func.max(ReferenceRow.id))).scalar() or 0)
        return self._size

    def row_probe(self, part: _Fts) -> ColumnElement[bool] | None:
        """For a first page: ``part`` tested row by row while the sort order is walked,
        when that is cheap (short words, see ``DENSE_SHARE``) and the walk ends soon
        (the words are in many references); else None."""
        if self.first_page is None or part.negated or not part.short:
            return None
        dense = max(FEW_MATCHES + 1, self.size() // DENSE_SHARE)
        if self.count(self.syntax.ids(part.expr), up_to=dense) < dense:
            return None
        return self.syntax.row_matches(part.expr)

    def walks_first_page(self, matches: int) -> bool:
        """For a first page: whether ``matches`` references (a few) fill it after a short
        walk of the sort order's index (``WALK_FIRST_PAGE_MAX``)."""
        if self.first_page is None or not matches:
            return False
        return self.first_page * self.size() <= WALK_FIRST_PAGE_MAX * matches

    def settle(self, part: _Part) -> _Sql | _Const:
        """An FTS5 part as a condition (probed: an empty set settles it)."""
        if not isinstance(part, _Fts):
            return part
        ids = self.syntax.ids(part.expr)
        if not self.exists(ids):
            return _Const.EVERYTHING if part.negated else _Const.NOTHING
        by_row = self.row_probe(part)
        if by_row is not None:
            return _Sql(by_row)
        condition = self.ids_in(ids)
        return _Sql(not_(condition) if part.negated else condition)

    # --- nodes ---
    def node(self, node: Node, *, positive: bool = True) -> _Part:
        if isinstance(node, Term):
            return self.term(node, positive=positive)
        if isinstance(node, Not):
            return self.negate(self.node(node.node, positive=False))
        if isinstance(node, AllOf):
            parts = self.parts(node, positive=positive)
            return _Const.NOTHING if parts is None else self.all_of(parts)
        if isinstance(node, AnyOf):
            return self.any_of([self.node(child, positive=positive) for child in node.nodes])
        return self.filter(node)

    def parts(self, node: AllOf, *, positive: bool = True) -> list[_Part] | None:
        """The parts of ``node``'s children (None as soon as one matches nothing)."""
        parts: list[_Part] = []
        for child in node.nodes:
            part = self.node(child, positive=positive)
            if part is _Const.NOTHING:
                return None
            parts.append(part)
        return parts

    @staticmethod
    def negate(part: _Part) -> _Part:
        if part is _Const.EVERYTHING:
            return _Const.NOTHING
        if part is _Const.NOTHING:
            return _Const.EVERYTHING
        if isinstance(part, _Fts):
            return _Fts(part.expr, part.strong, negated=not part.negated, short=part.short)
        assert isinstance(part, _Sql)
        return _Sql(not_(part.condition))

    def split(self, parts: Sequence[_Part]) -> tuple[_Fts | None, list[ColumnElement[bool]]]:
        """The parts of an AND as one FTS5 expression (its positive FTS5 parts, negated
        ones subtracted: ``(a) AND (b) NOT (c)``) and the other conditions."""
        positive = [p for p in parts if isinstance(p, _Fts) and not p.negated]
        negated = [p for p in parts if isinstance(p, _Fts) and p.negated]
        negative = [p.expr for p in negated]
        conditions = [p.condition for p in parts if isinstance(p, _Sql)]
        if positive:
            strong = [p.strong for p in positive if p.strong is not None]
            merged = _Fts(
                self.syntax.all_of([p.expr for p in positive], negative),
                self.syntax.all_of(strong, negative) if len(strong) == len(positive) else None,
                short=all(p.short for p in (*positive, *negated)),
            )  # (a negated part is excluded from both)
            return merged, conditions
        for expr in negative:
            settled = self.settle(_Fts(expr, None, negated=True))
            if isinstance(settled, _Sql):
                conditions.append(settled.condition)
        return None, conditions

    def all_of(self, parts: Sequence[_Part]) -> _Part:
        merged, conditions = self.split(parts)
        if merged is not None:
            if not conditions:
                return merged
            settled = self.settle(merged)
            if not isinstance(settled, _Sql):
                return settled
            conditions.insert(0, settled.condition)
        return _Sql(and_(*conditions)) if conditions else _Const.EVERYTHING

    def any_of(self, parts: Sequence[_Part]) -> _Part:
        if _Const.EVERYTHING in parts:
            return _Const.EVERYTHING
        parts = [p for p in parts if p is not _Const.NOTHING]
        if not parts:
            return _Const.NOTHING
        fts = [p for p in parts if isinstance(p, _Fts) and not p.negated]
        if len(fts) == len(parts):
            strong = [p.strong for p in fts if p.strong is not None]
            return _Fts(
                self.syntax.any_of([p.expr for p in fts]),
                self.syntax.any_of(strong) if strong else None,
                short=all(p.short for p in fts),
            )
        conditions = []
        for part in parts:
            settled = self.settle(part)
            if settled is _Const.EVERYTHING:
                return settled
            if isinstance(settled, _Sql):
                conditions.append(settled.condition)
        return _Sql(or_(*conditions)) if conditions else _Const.NOTHING

    def term(self, term: Term, *, positive: bool) -> _Part:
        searches_fts = term.field is None or term.field in FTS_COLUMNS
        others: list[tuple[Select[int], list[Term]]] = []
        if term.field is None:
            others.append((_tag_ids(term), self.search.tag_terms))
        if term.field in (None, "notes"):
            others.append((_note_ids(term), self.search.note_terms))
        found = [(ids, ranked) for ids, ranked in others if self.exists(ids)]
        if positive:
            if searches_fts and term not in self.search.fts_terms:
                self.search.fts_terms.append(term)
            for _ids, ranked in found:
                if term not in ranked:
                    ranked.append(term)
        syntax = self.syntax
        short = not term.phrase and all(len(w) <= INDEXED_PREFIX_CHARS for w in term.words)
        fts = (
            _Fts(syntax.term(term), syntax.strong(term), short=short and len(term.words) == 1)
            if searches_fts
            else None
        )
        if not found:
            return fts if fts is not None else _Const.NOTHING
        conditions = [self.ids_in(ids) for ids, _ranked in found]
        if fts is not None:
            settled = self.settle(fts)
            if isinstance(settled, _Sql):
                conditions.insert(0, settled.condition)
        return _Sql(or_(*conditions))

    def filter(self, node: Node) -> _Part:
        refs = ReferenceRow
        if isinstance(node, TagIs):
            tag_ids = self.tag_ids_named(node.name)
            if not tag_ids:
                return _Const.NOTHING
            tagged = select(ReferenceTagRow.reference_id).where(ReferenceTagRow.tag_id.in_(tag_ids))
            count = self.conn.execute(select(func.count()).select_from(tagged.subquery()))
            return _Sql(self.ids_in(tagged, probe=count.scalar_one() > PROBE_TAGS_ABOVE))
        if isinstance(node, YearIn):
            bounds: list[ColumnElement[bool]] = [refs.year.is_not(None)]
            if node.start is not None:
                bounds.append(refs.year >= node.start)
            if node.end is not None:
                bounds.append(refs.year <= node.end)
            return self.column_condition(and_(*bounds))
        if isinstance(node, TypeIs):  # (these three: partial indexes of migration 0013)
            return self.column_condition(func.lower(refs.entry_type) == node.name)
        if isinstance(node, Has):
            return self.has(node.what)
        if isinstance(node, AddedWithin):
            cutoff = self.now - node.span
            if self.sqlite:  # stored as naive UTC text
                cutoff = cutoff.astimezone(dt.UTC).replace(tzinfo=None)
            return self.column_condition(refs.added >= cutoff)
        if isinstance(node, StatusIs):
            return self.column_condition(refs.reading_status == node.status)
        assert isinstance(node, IdentifierIs)
        if node.kind == "arxiv":
            prefix, _version = split_arxiv_version(node.value)
            ids = select(refs.id).where(refs.arxiv_id >= prefix, refs.arxiv_id < prefix + "\uffff")
        else:
            ids = select(refs.id).where(
                func.lower(refs.doi).startswith(node.value.lower(), autoescape=True)
            )
        return _Sql(self.ids_in(ids, probe=False))

    def column_condition(self, condition: ColumnElement[bool]) -> _Part:
        """A condition on an indexed column of ``references``: for the live library a
        set read from the partial index of that sort order (a row test would read every
        row the walk passes), for the trash a row test."""
        if not self.live:
            return _Sql(condition)
        ids = select(ReferenceRow.id).where(ReferenceRow.trashed.is_(None), condition)
        if not self.exists(ids):
            return _Const.NOTHING
        return _Sql(self.ids_in(ids))

    def has(self, what: str) -> _Part:
        refs = ReferenceRow
        sets: dict[str, Select[int]] = {
            "note": select(NoteRow.reference_id),
            "attachment": select(AttachmentRow.reference_id),
            "pdf": select(AttachmentRow.reference_id).where(
                AttachmentRow.kind == "file",
                or_(
                    AttachmentRow.mime == "application/pdf",
                    func.lower(AttachmentRow.location).endswith(".pdf"),
                ),
            ),
            "tag": select(ReferenceTagRow.reference_id),
            "doi": select(refs.id).where(refs.doi.is_not(None), refs.doi != ""),
            "arxiv": select(refs.id).where(refs.arxiv_id.is_not(None), refs.arxiv_id != ""),
        }
        if what in sets:
            return _Sql(self.ids_in(sets[what], probe=False))
        # (the empty string inline, as in the partial indexes' WHERE, for SQLite to use them)
        if what == "code":
            return self.column_condition(refs.code_url != literal_column("''"))
        # Most references have an abstract: the set is of those without one.
        return self.negate(self.column_condition(refs.abstract == literal_column("''")))

    def tag_ids_named(self, name: str) -> list[int]:
        if self._tags is None:
            self._tags = [(i, n) for i, n in self.conn.execute(select(TagRow.id, TagRow.name))]
        wanted = fold(" ".join(name.split()))
        return [tag_id for tag_id, tag in self._tags if fold(" ".join(tag.split())) == wanted]


def compile_query(
    conn: Connection,
    query: Node,
    *,
    now: dt.datetime | None = None,
    live: bool = True,
    first_page: int | None = None,
) -> SearchSql:
    """The SQL of ``query`` on ``conn`` (for the live library or, not ``live``, the
    trash, or to test a few rows): its condition (False when a set it needs is empty:
    nothing can match), the FTS5 expression all results match, and what ranks it.

    With ``first_page`` (on SQLite) the condition serves the first that many ids in a
    sort order and no more: sets of short words in many references are tested row by
    row (``DENSE_SHARE``), and a text matching few references is probed during a short
    walk of the sort order (``WALK_FIRST_PAGE_MAX``) instead of driving the query."""
    compiler = _Compiler(conn, now or utcnow(), live=live, first_page=first_page)
    search = compiler.search
    root = query if isinstance(query, AllOf) else AllOf((query,))
    parts = compiler.parts(root)
    if parts is None:
        search.nothing, search.condition = True, false()
        return search
    merged, conditions = compiler.split(parts)
    rest = and_(*conditions) if conditions else None
    if merged is None:
        search.condition = rest
    else:
        ids = compiler.syntax.ids(merged.expr)
        matches = compiler.count(ids, up_to=FEW_MATCHES + 1)
        if not matches:
            search.nothing, search.condition = True, false()
            return search
        search.required_fts, search.rest, search.first_tier = merged.expr, rest, merged.strong
        search.few = matches <= FEW_MATCHES
        by_row = None if search.few else compiler.row_probe(merged)
        if by_row is not None:
            text_condition = by_row
        else:
            walk = not search.few or compiler.walks_first_page(matches)
            text_condition = compiler.ids_in(ids, probe=walk)
        search.condition = and_(text_condition, *conditions)
    return search


def compile_text(
    conn: Connection,
    query_text: str,
    *,
    now: dt.datetime | None = None,
    live: bool = True,
    first_page: int | None = None,
) -> SearchSql:
    """``compile_query`` of the quick-search text ``query_text``; a malformed query raises
    ``QuerySyntaxError``."""
    return compile_query(conn, parse_query(query_text), now=now, live=live, first_page=first_page)


def text_condition(
    conn: Connection, query_text: str, *, live: bool = False
) -> ColumnElement[bool] | None:
    """The SQL condition of the search text ``query_text`` (None: everything), right for
    any list; ``live`` (a list of the live library only) reads year and added filters
    from the live list's partial indexes."""
    return compile_text(conn, query_text, live=live).condition
