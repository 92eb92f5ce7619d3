"""The store facade: read queries and a unit of work for writes, speaking domain objects."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from refman.domain import (
    Attachment,
    AutoExport,
    Collection,
    Note,
    Person,
    Provenance,
    Reference,
    Tag,
)
from refman.domain.model import REFERENCE_FIELDS, extra_from_json, extra_to_json
from refman.domain.query import ListRow, ReferenceQuery, SortKey
from refman.domain.text import Work, fold, name_key, split_arxiv_version, title_key, work_of
from refman.storage import search_index
from refman.storage.engine import (
    LibraryUnavailableError,
    WriteGuard,
    create_library_engine,
    library_name,
    migrate,
    set_write_guard,
    write_connection,
)
from refman.storage.orm import (
    AttachmentRow,
    AutoExportRow,
    Base,
    CollectionItemRow,
    CollectionRow,
    LibrarySettingRow,
    MergedReferenceRow,
    NotDuplicateRow,
    NoteRow,
    PersonRow,
    ProvenanceRow,
    RawTextRow,
    ReferenceAuthorRow,
    ReferenceRow,
    ReferenceTagRow,
    SearchDirtyRow,
    TagRow,
    utcnow,
)

# Columns copied one-to-one between ReferenceRow and Reference.
_NULLABLE_TEXT = frozenset({"arxiv_id", "doi"})
_CHUNK = 500  # ids per IN (...) clause; below SQLite's variable limit
BULK_CACHE_KIB = -32768
"""SQLite's page cache during a bulk import (``cache_size``: negative means KiB)."""


class NotFoundError(LookupError):
    """A reference, tag or note that does not exist; the message is for the user."""


class ConflictError(RuntimeError):
    """A write lost a race: the row changed since it was read."""


class NoteConflictError(ConflictError):
    """An edit of a note lost a race: someone saved it since ``version`` was read.

    A subclass of :class:`ConflictError` (so whatever reports a lost race reports this
    one too) carrying what a face needs to ask which text to keep: the note's reference
    and its ``text`` and ``version`` in the library now."""

    def __init__(self, note_id: int, reference_id: int, text: str, version: int) -> None:
        super().__init__(f"note {note_id} was changed by someone else")
        self.note_id = note_id
        self.reference_id = reference_id
        self.text = text
        self.version = version


class NoteEdit(NamedTuple):
    """What ``UnitOfWork.edit_note`` wrote: the note's reference and its new version."""

    reference_id: int
    version: int


def raw_hash(raw: str) -> str:
    """Stable fingerprint of a record's raw text (to recognise a re-imported record)."""
    return hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _chunks(items: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@dataclass(slots=True)
class MatchIndex:
    """What the importer needs to recognise records the library already has."""

    by_arxiv: dict[str, int] = field(default_factory=dict)
    by_doi: dict[str, int] = field(default_factory=dict)
    by_title: dict[str, list[tuple[int, Work]]] = field(default_factory=dict)
    citekeys: set[str] = field(default_factory=set)


_ROW_FIELDS: tuple[str, ...] = (
    *(name for name in REFERENCE_FIELDS if name != "citekey"),
    "title_key",
    "sort_author",
)
"""``insert_references``' columns after the citation key."""


def _row_tuple(ref: Reference) -> tuple[Any, ...]:
    """``ref``'s values for ``("citekey", *_ROW_FIELDS)``, as stored."""
    values = _row_values(ref)
    values["date"] = None if ref.date is None else ref.date.isoformat()
    values["sort_author"] = fold(ref.authors[0].family) if ref.authors else ""
    return (ref.citekey, *(values[name] for name in _ROW_FIELDS))


def _row_values(ref: Reference) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(ref, name) for name in REFERENCE_FIELDS}
    for name in _NULLABLE_TEXT:
        values[name] = values[name] or None
    values["title_key"] = title_key(ref.title)
    values["extra"] = extra_to_json(ref.extra)
    return values


def _fetch_ids(conn: Connection, stmt: Select[Any]) -> list[int]:
    """The single integer column of ``stmt``'s rows. On SQLite straight from the driver's
    cursor: for a list of 100,000 ids SQLAlchemy's per-row result processing costs about a
    quarter of the query."""
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        return list(conn.execute(stmt).scalars())
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    cursor = conn.connection.driver_connection.execute(str(compiled), params)  # type: ignore[union-attr]
    return [ref_id for (ref_id,) in cursor.fetchall()]


_LOAD_FIELDS = (
    "entry_type", "title", "title_provisional", "abstract", "year", "date", "venue",
    "journal_ref", "arxiv_id", "arxiv_version", "doi", "url", "code_url", "comments",
    "page_count", "figure_count", "citekey", "volume", "issue", "pages", "publisher", "extra",
    "id", "added", "modified", "version", "reading_status", "last_page",
)  # fmt: skip
"""The columns ``_load_chunk`` reads, in the order of ``Reference``'s constructor (its list
fields, which sit between ``extra`` and ``id``, left out): a row becomes a reference by
position, in less than half the time keyword arguments take."""
_LIST_FIELDS = ("authors", "tags", "notes", "attachments", "provenance")
_CONSTRUCTOR_ORDER = [*_LOAD_FIELDS[:22], *_LIST_FIELDS, *_LOAD_FIELDS[22:]]
assert [f.name for f in dataclasses.fields(Reference)] == _CONSTRUCTOR_ORDER
assert set(_LOAD_FIELDS) >= set(REFERENCE_FIELDS)
_LOAD_COLUMNS = ", ".join(
    f"coalesce({name}, '')" if name in _NULLABLE_TEXT else name for name in _LOAD_FIELDS
)
_LOAD_SQL = {
    "references": f'SELECT {_LOAD_COLUMNS} FROM "references" WHERE id IN ({{marks}})',
    "authors": "SELECT ra.reference_id, p.family, p.given FROM reference_authors ra "
    "JOIN persons p ON p.id = ra.person_id WHERE ra.reference_id IN ({marks}) "
    "ORDER BY ra.reference_id, ra.position",
    "tags": "SELECT rt.reference_id, t.name FROM reference_tags rt "
    "JOIN tags t ON t.id = rt.tag_id WHERE rt.reference_id IN ({marks}) ORDER BY t.name_key",
    "notes": "SELECT id, reference_id, text, created, modified, version FROM notes "
    "WHERE reference_id IN ({marks}) ORDER BY id",
}
"""``_load_chunk``'s queries, written out: run through the driver (``exec_driver_sql``),
they skip SQLAlchemy's compilation and per-row result processing, half the time of
loading 10,000 references for an export. Values come as the database stores them
(``_stored_datetime``)."""


def _stored_datetime(value: str | dt.datetime | None) -> dt.datetime | None:
    """A timestamp as the driver returns it (ISO text on SQLite), timezone-aware."""
    if isinstance(value, str):
        return _parsed_datetime(value)
    return _aware(value)


@lru_cache(maxsize=1024)
def _parsed_datetime(text: str) -> dt.datetime:
    """An SQLite timestamp parsed (cached: an import stamps all its references alike)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _stored_date(value: str | dt.date | None) -> dt.date | None:
    """A date as the driver returns it."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _load_chunk(
    conn: Connection,
    chunk: Sequence[int],
    out: dict[int, Reference],
    *,
    attachments: bool,
    provenance: bool,
) -> None:
    sqlite = conn.dialect.paramstyle == "qmark"
    marks = ", ".join(["?" if sqlite else "%s"] * len(chunk))
    params = tuple(chunk)
    driver = conn.connection.driver_connection if sqlite else None

    def run(name: str) -> Any:
        sql = _LOAD_SQL[name].format(marks=marks)
        if driver is not None:  # the sqlite3 cursor itself: no result wrapping
            return driver.execute(sql, params)
        return conn.exec_driver_sql(sql, params)

    for row in run("references"):
        (
            entry_type, title, provisional, abstract, year, date, venue, journal_ref, arxiv_id,
            arxiv_version, doi, url, code_url, comments, page_count, figure_count, citekey,
            volume, issue, pages, publisher, extra, ref_id, added, modified, version, status,
            last_page,
        ) = row  # (_LOAD_FIELDS)  # fmt: skip
        out[ref_id] = Reference(
            entry_type, title, bool(provisional), abstract, year, _stored_date(date), venue,
            journal_ref, arxiv_id, arxiv_version, doi, url, code_url, comments, page_count,
            figure_count, citekey, volume, issue, pages, publisher, extra_from_json(extra),
            [], [], [], [], [],
            ref_id, _stored_datetime(added), _stored_datetime(modified), version, status, last_page,
        )  # fmt: skip
    for ref_id, family, given in run("authors"):
        out[ref_id].authors.append(Person(family=family, given=given))
    for ref_id, name in run("tags"):
        out[ref_id].tags.append(name)
    for note_id, ref_id, text, created, modified, version in run("notes"):
        out[ref_id].notes.append(
            Note(
                text=text,
                id=note_id,
                created=_stored_datetime(created),
                modified=_stored_datetime(modified),
                version=version,
            )
        )
    if attachments:
        _load_attachments(conn, chunk, out)
    if provenance:
        _load_provenance(conn, chunk, out)


def _load_attachments(conn: Connection, chunk: Sequence[int], out: dict[int, Reference]) -> None:
    a = AttachmentRow
    for att_id, ref_id, location, kind, copied, mime, size, added in conn.execute(
        select(a.id, a.reference_id, a.location, a.kind, a.copied, a.mime, a.size, a.added)
        .where(a.reference_id.in_(chunk))
        .order_by(a.id)
    ):
        out[ref_id].attachments.append(
            Attachment(
                location=location,
                kind=kind,
                id=att_id,
                copied=bool(copied),
                mime=mime,
                size=size,
                added=_aware(added),
            )
        )


def _load_provenance(conn: Connection, chunk: Sequence[int], out: dict[int, Reference]) -> None:
    length = ProvenanceRow.text_end - ProvenanceRow.text_start
    for ref_id, source, line, fmt, inline, text, imported in conn.execute(
        select(
            ProvenanceRow.reference_id,
            ProvenanceRow.source,
            ProvenanceRow.line,
            ProvenanceRow.format,
            ProvenanceRow.raw,
            func.substr(RawTextRow.data, ProvenanceRow.text_start + 1, length),
            ProvenanceRow.imported,
        )
        .outerjoin(RawTextRow, RawTextRow.id == ProvenanceRow.raw_text_id)
        .where(ProvenanceRow.reference_id.in_(chunk))
        .order_by(ProvenanceRow.id)
    ):
        raw = inline if inline is not None else bytes(text).decode("utf-8")
        out[ref_id].provenance.append(
            Provenance(source=source, line=line, format=fmt, raw=raw, imported=_aware(imported))
        )


def load_references(
    conn: Connection, ids: Sequence[int], *, attachments: bool = False, provenance: bool = False
) -> list[Reference]:
    """References for ``ids`` in that order (missing ids skipped)."""
    out: dict[int, Reference] = {}
    for chunk in _chunks(list(ids)):
        _load_chunk(conn, chunk, out, attachments=attachments, provenance=provenance)
    return [out[i] for i in ids if i in out]


def short_authors(families: Sequence[str]) -> str:
    """ "Feng", "Feng and Yan", "Feng et al." (empty without authors)."""
    if len(families) > 2:
        return f"{families[0]} et al."
    return " and ".join(families)


_SORT_COLUMNS: dict[SortKey, tuple[Any, ...]] = {
    SortKey.TITLE: (ReferenceRow.title_key, ReferenceRow.id),
    SortKey.AUTHORS: (ReferenceRow.sort_author, ReferenceRow.title_key, ReferenceRow.id),
    SortKey.YEAR: (ReferenceRow.year, ReferenceRow.id),
    SortKey.VENUE: (ReferenceRow.venue, ReferenceRow.id),
    SortKey.ADDED: (ReferenceRow.added, ReferenceRow.id),
    SortKey.STATUS: (ReferenceRow.reading_status, ReferenceRow.id),
}


_MERGE_TARGET_COLUMNS = (
    "id, entry_type, title, title_provisional, CASE WHEN abstract = '' THEN '' ELSE '.' END, "
    "year, date, venue, journal_ref, coalesce(arxiv_id, ''), arxiv_version, coalesce(doi, ''), "
    "url, code_url, comments, page_count, figure_count, citekey, "
    "volume, issue, pages, publisher, extra"
)
"""``UnitOfWork.merge_targets``' columns: the id, then ``Reference``'s leading fields in the
order of its constructor (which ``REFERENCE_FIELDS`` names)."""

_PROVENANCE_ENTRY = (
    "source",
    "line",
    "format",
    "raw",
    "raw_hash",
    "raw_text_id",
    "text_start",
    "text_end",
)
"""The provenance columns of an ``add_provenance_rows`` entry, in order."""


DUPLICATE_ABSTRACT_CHARS = 600
"""How much of an abstract ``Store.duplicate_keys`` reads (the finder compares the start)."""


class DuplicateKeys(NamedTuple):
    """What the duplicate finder compares of one live reference."""

    id: int
    arxiv_id: str
    doi: str
    url: str
    title_key: str
    title_provisional: bool
    year: int | None
    first_author: str
    """The first author's folded family name ("" without authors)."""
    entry_type: str
    abstract: str
    """The first ``DUPLICATE_ABSTRACT_CHARS`` characters."""


_DUPLICATE_KEYS_SQL = (
    "SELECT id, coalesce(arxiv_id, ''), coalesce(doi, ''), url, title_key, title_provisional, "
    f"year, sort_author, entry_type, substr(abstract, 1, {DUPLICATE_ABSTRACT_CHARS}) "
    'FROM "references" WHERE trashed IS NULL ORDER BY id'
)

_REASSIGNABLE: dict[str, type[NoteRow] | type[AttachmentRow] | type[ProvenanceRow]] = {
    "notes": NoteRow,
    "attachments": AttachmentRow,
    "provenance": ProvenanceRow,
}
"""Rows ``UnitOfWork.reassign`` moves between references."""


def _sqlite_datetime(value: dt.datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite: naive UTC, microseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


_REFERENCE_TRIGGER_TABLES = ("references", "reference_authors", "reference_tags", "notes")
"""Tables an import writes that carry search-index triggers (``search_*``, migration 0003)."""

_SUSPENDED_TRIGGERS = f"""
SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search!_%' ESCAPE '!'
AND tbl_name IN ({", ".join(f"'{t}'" for t in _REFERENCE_TRIGGER_TABLES)}) ORDER BY rowid
"""


def identifier_owners(
    conn: Connection, arxiv_ids: Sequence[str], dois: Sequence[str]
) -> dict[str, tuple[int, bool]]:
    """The references holding these identifiers, Trash included: ``"arxiv:<id>"`` and
    ``"doi:<DOI in lower case>"`` -> ``(reference id, trashed)`` (DOIs match ignoring case)."""
    out: dict[str, tuple[int, bool]] = {}
    r = ReferenceRow
    for start in range(0, len(arxiv_ids), _CHUNK):
        chunk = list(arxiv_ids[start : start + _CHUNK])
        for ref_id, arxiv_id, trashed in conn.execute(
            select(r.id, r.arxiv_id, r.trashed).where(r.arxiv_id.in_(chunk))
        ):
            out[f"arxiv:{arxiv_id}"] = (ref_id, trashed is not None)
    lowered = sorted({doi.lower() for doi in dois if doi})
    for start in range(0, len(lowered), _CHUNK):
        chunk = lowered[start : start + _CHUNK]
        for ref_id, doi, trashed in conn.execute(
            select(r.id, r.doi, r.trashed).where(func.lower(r.doi).in_(chunk)).order_by(r.id)
        ):
            out.setdefault(f"doi:{(doi or '').lower()}", (ref_id, trashed is not None))
    return out


WRITE_ATTEMPTS = 5
"""How often ``Store.write`` tries a transaction another client's aborted."""
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_T = TypeVar("_T")


def _transient(exc: DBAPIError) -> bool:
    """Whether the database aborted a transaction that may succeed if run again."""
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES


class UnitOfWork:
    """One write transaction. Every method runs on the same connection; nothing is
    committed until the ``Store.unit_of_work`` block ends without an exception."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self._person_ids: dict[str, int] | None = None
        self._tag_ids: dict[str, int] | None = None
        self._suspended: list[tuple[str, str]] = []

    def references(self, ids: Sequence[int], *, attachments: bool = False) -> list[Reference]:
        """References for ``ids`` as this transaction sees them."""
        return load_references(self.conn, ids, attachments=attachments)

    # --- importer support -------------------------------------------------------------
    def _driver(self) -> Any:
        """The DB-API connection under this transaction (SQLite bulk paths use it
        directly: SQLAlchemy's per-statement overhead is most of a small statement's)."""
        return self.conn.connection.driver_connection

    def pause_search_index(self) -> None:
        """Pause the search-index triggers for this transaction (bulk import).

        On SQLite the triggers are also dropped until ``resume_search_index`` puts them
        back, in this same transaction: paused they do nothing, yet SQLite still builds
        their NEW row and evaluates their WHEN clause for every row written, a sixth of
        the cost of inserting a reference. Other connections never see them missing
        (they are back before the commit; a rollback restores them too)."""
        search_index.pause(self.conn)
        if self.sqlite and not self._suspended:
            driver = self._driver()
            self._suspended = [(n, sql) for n, sql in driver.execute(_SUSPENDED_TRIGGERS)]
            for name, _sql in self._suspended:
                driver.execute(f'DROP TRIGGER "{name}"')

    def resume_search_index(self, touched: Sequence[int]) -> None:
        """Resume the triggers; ``touched`` references are rebuilt by ``search_catch_up``."""
        self._restore_triggers()
        if self.sqlite and touched:
            # search_index.mark_dirty, without SQLAlchemy's per-row parameter handling
            self._driver().executemany(
                f"INSERT OR IGNORE INTO {SearchDirtyRow.__tablename__} (reference_id) VALUES (?)",
                [(ref_id,) for ref_id in touched],
            )
        else:
            search_index.mark_dirty(self.conn, touched)
        search_index.resume(self.conn)

    def _restore_triggers(self) -> None:
        """Put back the triggers ``pause_search_index`` dropped (before any commit)."""
        if self._suspended:
            driver = self._driver()
            for _name, sql in self._suspended:
                driver.execute(sql)
            self._suspended = []

    def match_index(self) -> MatchIndex:
        """Identifiers, title keys and citation keys of every reference in the library.

        Each comes from its own query, so SQLite answers all but the titles from small
        covering indexes instead of scanning the (abstract-laden) table."""
        index = MatchIndex()
        run = self.conn.exec_driver_sql
        for ref_id, arxiv_id in run(
            'SELECT id, arxiv_id FROM "references" WHERE arxiv_id IS NOT NULL'
        ):
            if arxiv_id:
                index.by_arxiv[arxiv_id] = ref_id
        for ref_id, doi in run('SELECT id, doi FROM "references" WHERE doi IS NOT NULL'):
            if doi:
                index.by_doi[doi.lower()] = ref_id
        by_title = index.by_title
        for ref_id, key, year, first, entry_type in run(
            'SELECT id, title_key, year, sort_author, entry_type FROM "references" '
            "WHERE NOT title_provisional ORDER BY id"
        ):
            if key:
                work = work_of(year, first, entry_type)
                entries = by_title.get(key)
                if entries is None:
                    by_title[key] = [(ref_id, work)]
                else:
                    entries.append((ref_id, work))
        index.citekeys = {key for (key,) in run('SELECT citekey FROM "references"')}
        return index

    def provenance_hashes(self, ids: Sequence[int]) -> dict[int, set[str]]:
        """The raw-text hashes of the provenance of ``ids`` (to skip a record met before)."""
        hashes: dict[int, set[str]] = defaultdict(set)
        for chunk in _chunks(list(ids)):
            rows: Iterable[Any]
            if self.sqlite:
                marks = ", ".join("?" * len(chunk))
                rows = self._driver().execute(
                    "SELECT reference_id, raw_hash FROM provenance "
                    f"WHERE reference_id IN ({marks})",
                    tuple(chunk),
                )
            else:
                rows = self.conn.execute(
                    select(ProvenanceRow.reference_id, ProvenanceRow.raw_hash).where(
                        ProvenanceRow.reference_id.in_(chunk)
                    )
                )
            for ref_id, digest in rows:
                hashes[ref_id].add(digest)
        return hashes

    def merge_targets(self, ids: Sequence[int], *, extras: bool) -> dict[int, Reference]:
        """References ``ids`` as an import merges into them (see
        ``refman.services.importing.merge_into``): the fields of ``REFERENCE_FIELDS`` and the
        authors; with ``extras`` also tags, notes and attachments (otherwise left empty).
        Ids, timestamps and version are not loaded.

        On SQLite a non-empty abstract comes back as the stand-in ".": a merge only asks
        whether it is empty, and the abstracts are most of the bytes a re-import would
        otherwise read back."""
        if extras or not self.sqlite:
            return {r.id: r for r in self.references(ids, attachments=True) if r.id is not None}
        driver = self._driver()
        out: dict[int, Reference] = {}
        for chunk in _chunks(list(ids)):
            marks = ", ".join("?" * len(chunk))
            params = tuple(chunk)
            for ref_id, *values in driver.execute(
                f'SELECT {_MERGE_TARGET_COLUMNS} FROM "references" WHERE id IN ({marks})',
                params,
            ):
                if values[5] is not None:
                    values[5] = dt.date.fromisoformat(values[5])
                values[-1] = extra_from_json(values[-1])
                ref = Reference(*values)
                ref.title_provisional = bool(ref.title_provisional)
                ref.id = ref_id
                out[ref_id] = ref
            for ref_id, family, given in driver.execute(
                "SELECT ra.reference_id, p.family, p.given FROM reference_authors ra "
                f"JOIN persons p ON p.id = ra.person_id WHERE ra.reference_id IN ({marks}) "
                "ORDER BY ra.reference_id, ra.position",
                params,
            ):
                out[ref_id].authors.append(Person(family=family, given=given))
        return out

    def insert_reference_rows(
        self,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        added: Sequence[dt.datetime | None],
    ) -> list[int]:
        """Insert new references given as tuples of ``columns`` values, stored as given
        (dates as ISO strings; ``citekey`` among the columns); each is added at its
        ``added`` time or now, modified now, at version 1. Returns their ids in order.

        The bulk path of an import: no authors, tags or other rows (see
        ``add_author_rows``, ``add_provenance_rows``)."""
        if not rows:
            return []
        now = utcnow()
        if not self.sqlite:
            ids = self._pg_next_ids(ReferenceRow.__tablename__, len(rows))
            self._pg_copy(
                ReferenceRow.__tablename__,
                ("id", "added", "modified", "version", *columns),
                (
                    (ref_id, when or now, now, 1, *row)
                    for ref_id, row, when in zip(ids, rows, added, strict=True)
                ),
            )
            return ids
        # BEGIN IMMEDIATE holds the write lock, so the next ids are ours; a plain
        # executemany is several times faster than INSERT ... RETURNING row by row.
        driver = self._driver()
        top = driver.execute('SELECT max(id) FROM "references"').fetchone()[0] or 0
        ids = list(range(top + 1, top + 1 + len(rows)))
        stamp = _sqlite_datetime(now)
        names = ", ".join(f'"{name}"' for name in ("id", "added", "modified", "version", *columns))
        marks = ", ".join("?" * (4 + len(columns)))
        driver.executemany(
            f'INSERT INTO "references" ({names}) VALUES ({marks})',
            [
                (ref_id, stamp if when is None else _sqlite_datetime(when), stamp, 1, *row)
                for ref_id, row, when in zip(ids, rows, added, strict=True)
            ],
        )
        return ids

    def insert_raw_texts(self, texts: Sequence[bytes]) -> list[int]:
        """Store runs of imported text (see ``RawTextRow``); returns their ids in order."""
        if not texts:
            return []
        if not self.sqlite:
            ids = self._pg_next_ids(RawTextRow.__tablename__, len(texts))
            self._pg_copy(
                RawTextRow.__tablename__,
                ("id", "data"),
                zip(ids, texts, strict=True),
                binary_types=("int4", "bytea"),  # (text format escapes every byte)
            )
            return ids
        driver = self._driver()
        top = driver.execute("SELECT max(id) FROM raw_texts").fetchone()[0] or 0
        ids = list(range(top + 1, top + 1 + len(texts)))
        driver.executemany(
            "INSERT INTO raw_texts (id, data) VALUES (?, ?)", list(zip(ids, texts, strict=True))
        )
        return ids

    def add_provenance_rows(
        self, items: Sequence[tuple[int, tuple[Any, ...]]], imported: dt.datetime
    ) -> None:
        """Record where references came from: ``(ref_id, (source, line, format, raw,
        raw_hash, raw_text_id, text_start, text_end))`` items (``raw`` None when the text
        is in ``raw_texts``, else the last three None), imported at ``imported``."""
        if not items:
            return
        if not self.sqlite:
            self._pg_copy(
                ProvenanceRow.__tablename__,
                ("reference_id", *_PROVENANCE_ENTRY, "imported"),
                ((ref_id, *entry, imported) for ref_id, entry in items),
            )
            return
        stamp = _sqlite_datetime(imported)
        self._driver().executemany(
            "INSERT INTO provenance (reference_id, source, line, format, raw, raw_hash,"
            " raw_text_id, text_start, text_end, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ref_id, *entry, stamp) for ref_id, entry in items],
        )

    def insert_references(self, refs: Sequence[Reference]) -> list[int]:
        """Insert new references with their authors, tags, notes and provenance."""
        if not refs:
            return []
        columns = ("citekey", *_ROW_FIELDS)
        rows = [_row_tuple(ref) for ref in refs]
        ids = self.insert_reference_rows(columns, rows, [ref.added for ref in refs])
        for ref, ref_id in zip(refs, ids, strict=True):
            ref.id = ref_id
        self.add_author_rows(
            [
                (ref_id, [(p.family, p.given, name_key(p.family, p.given)) for p in ref.authors])
                for ref, ref_id in zip(refs, ids, strict=True)
            ],
            fresh=True,
        )
        now = utcnow()
        for ref, ref_id in zip(refs, ids, strict=True):
            self.add_provenance([(ref_id, p) for p in ref.provenance], default_imported=now)
            if ref.tags:
                self.tag([ref_id], ref.tags)
            for note in ref.notes:
                self.add_note(ref_id, note.text)
            for attachment in ref.attachments:
                self.add_attachment(ref_id, attachment)
        return ids

    def _pg_next_ids(self, table: str, count: int) -> list[int]:
        """``count`` new ids from PostgreSQL's sequence of ``table``, in one query."""
        result = self.conn.execute(
            sql_text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": f'"{table}"', "n": count},
        )
        return sorted(row[0] for row in result)

    def _pg_copy(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        binary_types: Sequence[str] = (),
    ) -> None:
        """Write rows with PostgreSQL's ``COPY`` (the bulk paths of an import: an order
        of magnitude faster than ``INSERT`` statements), in this transaction; in binary
        form when the columns' ``binary_types`` are given."""
        names = ", ".join(f'"{name}"' for name in columns)
        options = " (FORMAT BINARY)" if binary_types else ""
        with (
            self._driver().cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN{options}') as copy,
        ):
            if binary_types:
                copy.set_types(list(binary_types))
            for row in rows:
                copy.write_row(row)

    def _person_ids_by_key(self, persons: Iterable[tuple[str, str, str]]) -> list[int]:
        """Ids of ``(family, given, name_key)`` persons, creating the ones not yet known."""
        if self._person_ids is None:
            self._person_ids = {
                key: pid for pid, key in self.conn.execute(select(PersonRow.id, PersonRow.name_key))
            }
        known = self._person_ids
        persons = list(persons)
        new: dict[str, tuple[str, str]] = {
            key: (family, given) for family, given, key in persons if key not in known
        }
        if new and not self.sqlite:  # one statement for all of them
            families, givens = zip(*new.values(), strict=True)
            known.update(
                (key, pid)
                for pid, key in self.conn.execute(
                    sql_text(
                        "INSERT INTO persons (family, given, name_key) "
                        "SELECT * FROM unnest(CAST(:family AS text[]), CAST(:given AS text[]), "
                        "CAST(:key AS text[])) ON CONFLICT (name_key) DO NOTHING "
                        "RETURNING id, name_key"
                    ),
                    {"family": list(families), "given": list(givens), "key": list(new)},
                )
            )
            missing = [key for key in new if key not in known]  # (another client's)
            for chunk in (missing[i : i + _CHUNK] for i in range(0, len(missing), _CHUNK)):
                known.update(
                    (key, pid)
                    for pid, key in self.conn.execute(
                        select(PersonRow.id, PersonRow.name_key).where(
                            PersonRow.name_key.in_(chunk)
                        )
                    )
                )
        for key, (family, given) in new.items() if self.sqlite else ():
            known[key] = self.conn.execute(
                insert(PersonRow)
                .values(family=family, given=given, name_key=key)
                .returning(PersonRow.id)
            ).scalar_one()
        return [known[key] for _family, _given, key in persons]

    def person_ids(self, persons: Iterable[Person]) -> list[int]:
        """Ids of ``persons``, creating the ones not yet in the library."""
        return self._person_ids_by_key(
            (p.family, p.given, name_key(p.family, p.given)) for p in persons
        )

    def add_authors(self, items: Sequence[tuple[int, Sequence[Person]]]) -> None:
        """Append authors to references (after any they already have)."""
        self.add_author_rows(
            [
                (ref_id, [(p.family, p.given, name_key(p.family, p.given)) for p in persons])
                for ref_id, persons in items
            ]
        )

    def add_author_rows(
        self, items: Sequence[tuple[int, Sequence[tuple[str, str, str]]]], *, fresh: bool = False
    ) -> None:
        """Append ``(family, given, name_key)`` authors to references, after any they
        already have. ``fresh``: the references were just inserted, with their first
        author's sort key, and have no authors yet."""
        items = [(ref_id, persons) for ref_id, persons in items if persons]
        if not items:
            return
        start: dict[int, int] = defaultdict(int)
        if not fresh:
            for chunk in _chunks([ref_id for ref_id, _ in items]):
                for ref_id, top in self.conn.execute(
                    select(ReferenceAuthorRow.reference_id, func.max(ReferenceAuthorRow.position))
                    .where(ReferenceAuthorRow.reference_id.in_(chunk))
                    .group_by(ReferenceAuthorRow.reference_id)
                ):
                    start[ref_id] = top + 1
        rows: list[tuple[int, int, int]] = []
        for ref_id, persons in items:
            first = start[ref_id]
            rows.extend(
                (ref_id, first + offset, pid)
                for offset, pid in enumerate(self._person_ids_by_key(persons))
            )
        if self.sqlite:
            self._driver().executemany(
                "INSERT INTO reference_authors (reference_id, position, person_id) "
                "VALUES (?, ?, ?)",
                rows,
            )
        else:
            self._pg_copy(
                ReferenceAuthorRow.__tablename__, ("reference_id", "position", "person_id"), rows
            )
        if fresh:
            return
        firsts = {ref_id: fold(persons[0][0]) for ref_id, persons in items if start[ref_id] == 0}
        if firsts:
            self.conn.execute(
                update(ReferenceRow)
                .where(ReferenceRow.id == bindparam("ref_id"))
                .values(sort_author=bindparam("key")),
                [{"ref_id": ref_id, "key": key} for ref_id, key in firsts.items()],
            )

    def add_provenance(
        self,
        items: Sequence[tuple[int, Provenance]],
        *,
        default_imported: dt.datetime | None = None,
    ) -> None:
        """Record where references came from (``imported`` defaults to now)."""
        now = default_imported or utcnow()
        by_time: dict[dt.datetime, list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
        for ref_id, p in items:
            by_time[p.imported or now].append(
                (ref_id, (p.source, p.line, p.format, p.raw, raw_hash(p.raw), None, None, None))
            )
        for imported, rows in by_time.items():
            self.add_provenance_rows(rows, imported)

    def update_fields(self, ref_id: int, changes: dict[str, Any]) -> None:
        """Set fields of one reference, bumping its version and modification time."""
        if not changes:
            return
        values = dict(changes)
        for name in _NULLABLE_TEXT & values.keys():
            values[name] = values[name] or None
        if "extra" in values:
            values["extra"] = extra_to_json(values["extra"])
        if "title" in values:
            values["title_key"] = title_key(values["title"])
        values["modified"] = utcnow()
        values["version"] = ReferenceRow.version + 1
        self.conn.execute(update(ReferenceRow).where(ReferenceRow.id == ref_id).values(values))

    def update_checked(self, ref_id: int, expected_version: int, changes: dict[str, Any]) -> int:
        """Like ``update_fields`` but only if the row is still at ``expected_version``."""
        values = dict(changes)
        for name in _NULLABLE_TEXT & values.keys():
            values[name] = values[name] or None  # (unique columns: "" would collide)
        if "extra" in values:
            values["extra"] = extra_to_json(values["extra"])
        if "title" in values:
            values["title_key"] = title_key(values["title"])
        values["modified"] = utcnow()
        values["version"] = expected_version + 1
        result = self.conn.execute(
            update(ReferenceRow)
            .where(and_(ReferenceRow.id == ref_id, ReferenceRow.version == expected_version))
            .values(values)
        )
        if result.rowcount != 1:
            raise ConflictError(f"reference {ref_id} was changed by someone else")
        return expected_version + 1

    # --- tags -----------------------------------------------------------------------
    def _insert_ignoring_duplicates(self, row: type[Base]) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING`` of ``row``'s table: on a shared library
        another client may have written the same row a moment ago."""
        insert_of = sqlite_insert if self.sqlite else pg_insert
        return insert_of(row).on_conflict_do_nothing()

    def tag_id(self, name: str, *, create: bool = True) -> int:
        """The id of tag ``name`` (matched ignoring case), created when missing."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a tag name cannot be empty")
        if self._tag_ids is None:
            self._tag_ids = {
                key: tid for tid, key in self.conn.execute(select(TagRow.id, TagRow.name_key))
            }
        key = name.casefold()
        if key not in self._tag_ids:
            if not create:
                raise NotFoundError(f"no tag named {name!r}")
            created = self.conn.execute(
                self._insert_ignoring_duplicates(TagRow)
                .values(name=name, name_key=key)
                .returning(TagRow.id)
            ).scalar()
            if created is None:  # another client created it first
                created = self.conn.execute(
                    select(TagRow.id).where(TagRow.name_key == key)
                ).scalar_one()
            self._tag_ids[key] = created
        return self._tag_ids[key]

    def tag(self, ref_ids: Sequence[int], names: Iterable[str]) -> int:
        """Add tags to references; returns how many (reference, tag) pairs were new."""
        added = 0
        for name in sorted(names, key=str.casefold):  # one lock order for every client
            tid = self.tag_id(name)
            for chunk in _chunks(sorted(set(ref_ids))):
                have = set(
                    self.conn.execute(
                        select(ReferenceTagRow.reference_id).where(
                            ReferenceTagRow.tag_id == tid, ReferenceTagRow.reference_id.in_(chunk)
                        )
                    ).scalars()
                )
                rows = [{"reference_id": r, "tag_id": tid} for r in chunk if r not in have]
                if rows:
                    self.conn.execute(self._insert_ignoring_duplicates(ReferenceTagRow), rows)
                    added += len(rows)
        return added

    def untag(self, ref_ids: Sequence[int], name: str) -> int:
        """Remove a tag from references; returns how many lost it."""
        tid = self.tag_id(name, create=False)
        removed = 0
        for chunk in _chunks(list(ref_ids)):
            removed += self.conn.execute(
                delete(ReferenceTagRow).where(
                    ReferenceTagRow.tag_id == tid, ReferenceTagRow.reference_id.in_(chunk)
                )
            ).rowcount
        return removed

    def rename_tag(self, old: str, new: str) -> bool:
        """Rename a tag; onto an existing tag (other than itself) it merges. True if merged."""
        old_id = self.tag_id(old, create=False)
        new = " ".join(new.split())
        if not new:
            raise ValueError("a tag name cannot be empty")
        assert self._tag_ids is not None
        target = self._tag_ids.get(new.casefold())
        if target is None or target == old_id:
            self.conn.execute(
                update(TagRow).where(TagRow.id == old_id).values(name=new, name_key=new.casefold())
            )
            self._tag_ids.pop(old.casefold(), None)
            self._tag_ids[new.casefold()] = old_id
            return False
        already = select(ReferenceTagRow.reference_id).where(ReferenceTagRow.tag_id == target)
        self.conn.execute(
            insert(ReferenceTagRow).from_select(
                ["reference_id", "tag_id"],
                select(ReferenceTagRow.reference_id, literal(target, Integer))
                .where(ReferenceTagRow.tag_id == old_id)
                .where(ReferenceTagRow.reference_id.not_in(already)),
            )
        )
        colour = self.conn.execute(select(TagRow.colour).where(TagRow.id == old_id)).scalar()
        if colour:
            self.conn.execute(
                update(TagRow)
                .where(TagRow.id == target, TagRow.colour.is_(None))
                .values(colour=colour)
            )
        self.conn.execute(
            update(AutoExportRow).where(AutoExportRow.tag_id == old_id).values(tag_id=target)
        )
        self.conn.execute(delete(TagRow).where(TagRow.id == old_id))
        self._tag_ids.pop(old.casefold(), None)
        return True

    def set_tag_colour(self, name: str, colour: str | None) -> None:
        """Give a tag a colour (``#rrggbb``) or remove it."""
        tid = self.tag_id(name, create=False)
        self.conn.execute(update(TagRow).where(TagRow.id == tid).values(colour=colour))

    def delete_tag(self, name: str) -> None:
        """Delete a tag and its assignments."""
        tid = self.tag_id(name, create=False)
        self.conn.execute(delete(TagRow).where(TagRow.id == tid))
        assert self._tag_ids is not None
        self._tag_ids.pop(name.casefold(), None)

    def citekeys(self) -> set[str]:
        """Every citation key in the library (trash included: keys stay unique)."""
        return set(self.conn.execute(select(ReferenceRow.citekey)).scalars())

    def citekey_owner(self, key: str) -> int | None:
        """The id of the reference whose citation key is ``key``, if any."""
        return self.conn.execute(
            select(ReferenceRow.id).where(ReferenceRow.citekey == key)
        ).scalar()

    # --- collections ------------------------------------------------------------------
    def create_collection(self, name: str, parent_id: int | None, query: str | None) -> int:
        """A new folder (``query`` None) or saved search; returns its id."""
        return self.conn.execute(
            insert(CollectionRow)
            .values(name=name, parent_id=parent_id, query=query, created=utcnow())
            .returning(CollectionRow.id)
        ).scalar_one()

    def update_collection(self, collection_id: int, **values: Any) -> None:
        """Rename, move (``parent_id``) or change the query of a collection."""
        self.conn.execute(
            update(CollectionRow).where(CollectionRow.id == collection_id).values(values)
        )

    def delete_collection(self, collection_id: int) -> None:
        """Delete a collection with its sub-collections (their references stay)."""
        self.conn.execute(delete(CollectionRow).where(CollectionRow.id == collection_id))

    def add_to_collection(self, collection_id: int, ref_ids: Sequence[int]) -> int:
        """Put references into a folder; returns how many were not in it yet."""
        added = 0
        for chunk in _chunks(list(dict.fromkeys(ref_ids))):
            have = set(
                self.conn.execute(
                    select(CollectionItemRow.reference_id).where(
                        CollectionItemRow.collection_id == collection_id,
                        CollectionItemRow.reference_id.in_(chunk),
                    )
                ).scalars()
            )
            rows = [
                {"collection_id": collection_id, "reference_id": r} for r in chunk if r not in have
            ]
            if rows:
                self.conn.execute(insert(CollectionItemRow), rows)
                added += len(rows)
        return added

    def remove_from_collection(self, collection_id: int, ref_ids: Sequence[int]) -> int:
        """Take references out of a folder; returns how many were in it."""
        removed = 0
        for chunk in _chunks(list(ref_ids)):
            removed += self.conn.execute(
                delete(CollectionItemRow).where(
                    CollectionItemRow.collection_id == collection_id,
                    CollectionItemRow.reference_id.in_(chunk),
                )
            ).rowcount
        return removed

    # --- auto-exports -----------------------------------------------------------------
    def add_auto_export(self, export: AutoExport) -> int:
        """Record a file to keep in sync; returns its id. Its tag must exist."""
        tag_id = None if export.tag is None else self.tag_id(export.tag, create=False)
        return self.conn.execute(
            insert(AutoExportRow)
            .values(
                path=export.path,
                kind=export.kind,
                style=export.style,
                tag_id=tag_id,
                follows_tag=export.tag is not None,
                notes=export.notes,
                created=utcnow(),
            )
            .returning(AutoExportRow.id)
        ).scalar_one()

    def remove_auto_export(self, export_id: int) -> None:
        """Stop keeping a file in sync (the file itself stays)."""
        self.conn.execute(delete(AutoExportRow).where(AutoExportRow.id == export_id))

    def auto_export_written(self, export_id: int) -> None:
        """Note that an auto-export's file was just rewritten."""
        self.conn.execute(
            update(AutoExportRow).where(AutoExportRow.id == export_id).values(last_written=utcnow())
        )

    # --- notes and attachments -------------------------------------------------------
    def add_note(self, ref_id: int, text: str) -> int:
        """Add a Markdown note to a reference; returns its id."""
        now = utcnow()
        return self.conn.execute(
            insert(NoteRow)
            .values(reference_id=ref_id, text=text, created=now, modified=now)
            .returning(NoteRow.id)
        ).scalar_one()

    def add_notes(self, items: Sequence[tuple[int, str]]) -> None:
        """Add many notes at once: ``(reference id, Markdown text)`` pairs."""
        if items:
            now = utcnow()
            self.conn.execute(
                insert(NoteRow),
                [{"reference_id": r, "text": t, "created": now, "modified": now} for r, t in items],
            )

    def edit_note(self, note_id: int, text: str, version: int | None = None) -> NoteEdit:
        """Replace a note's text, bumping its version; returns its reference's id and the
        new version.

        With ``version`` only if the note is still at it (``UPDATE ... WHERE id = ? AND
        version = ?``), else :class:`NoteConflictError` with the library's text and
        version; without (undo and redo, which checked the text already, imports) it
        writes whatever the note holds. A missing note is :class:`NotFoundError`."""
        statement = update(NoteRow).where(NoteRow.id == note_id)
        if version is not None:
            statement = statement.where(NoteRow.version == version)
        row = self.conn.execute(
            statement.values(text=text, modified=utcnow(), version=NoteRow.version + 1).returning(
                NoteRow.reference_id, NoteRow.version
            )
        ).first()
        if row is not None:
            return NoteEdit(int(row[0]), int(row[1]))
        current = self.conn.execute(
            select(NoteRow.reference_id, NoteRow.text, NoteRow.version).where(NoteRow.id == note_id)
        ).first()
        if current is None:
            raise NotFoundError(f"no note {note_id}")
        raise NoteConflictError(note_id, int(current[0]), str(current[1]), int(current[2]))

    def delete_note(self, note_id: int) -> tuple[int, str]:
        """Delete a note; returns its reference's id and its text (for undo)."""
        row = self.conn.execute(
            delete(NoteRow)
            .where(NoteRow.id == note_id)
            .returning(NoteRow.reference_id, NoteRow.text)
        ).first()
        if row is None:
            raise NotFoundError(f"no note {note_id}")
        return int(row[0]), str(row[1])

    def set_trashed(self, ref_ids: Sequence[int], trashed: bool) -> int:
        """Move references into (or out of) the trash; returns how many moved."""
        moved = 0
        when = utcnow() if trashed else None
        for chunk in _chunks(list(ref_ids)):
            condition = (
                ReferenceRow.trashed.is_(None) if trashed else ReferenceRow.trashed.is_not(None)
            )
            moved += self.conn.execute(
                update(ReferenceRow)
                .where(ReferenceRow.id.in_(chunk), condition)
                .values(trashed=when, modified=utcnow(), version=ReferenceRow.version + 1)
            ).rowcount
        return moved

    def empty_trash(self) -> list[int]:
        """Delete every trashed reference for good; returns their ids."""
        ids = list(
            self.conn.execute(
                select(ReferenceRow.id).where(ReferenceRow.trashed.is_not(None))
            ).scalars()
        )
        for chunk in _chunks(ids):
            self.conn.execute(delete(ReferenceRow).where(ReferenceRow.id.in_(chunk)))
        if ids:  # text runs no provenance points at any more
            self.conn.execute(
                delete(RawTextRow).where(
                    RawTextRow.id.not_in(
                        select(ProvenanceRow.raw_text_id).where(
                            ProvenanceRow.raw_text_id.is_not(None)
                        )
                    )
                )
            )
        return ids

    def add_attachment(self, ref_id: int, attachment: Attachment) -> int:
        """Attach a file path or URL to a reference; returns its id."""
        return self.conn.execute(
            insert(AttachmentRow)
            .values(
                reference_id=ref_id,
                location=attachment.location,
                kind=attachment.kind,
                copied=attachment.copied,
                mime=attachment.mime,
                size=attachment.size,
                added=attachment.added or utcnow(),
            )
            .returning(AttachmentRow.id)
        ).scalar_one()

    def remove_attachment(self, attachment_id: int) -> tuple[int, Attachment]:
        """Detach an attachment; returns its reference's id and what it was (for undo)."""
        a = AttachmentRow
        row = self.conn.execute(
            delete(a)
            .where(a.id == attachment_id)
            .returning(a.reference_id, a.location, a.kind, a.copied, a.mime, a.size, a.added)
        ).first()
        if row is None:
            raise NotFoundError(f"no attachment {attachment_id}")
        ref_id, location, kind, copied, mime, size, added = row
        attachment = Attachment(location, kind, None, bool(copied), mime, size, _aware(added))
        return int(ref_id), attachment

    def attachment_locations(self, *, copied: bool, trashed: bool) -> list[str]:
        """Locations of the file attachments of trashed (or live) references that refman
        copied (or links to)."""
        refs = ReferenceRow
        condition = refs.trashed.is_not(None) if trashed else refs.trashed.is_(None)
        return list(
            self.conn.execute(
                select(AttachmentRow.location)
                .join(refs, refs.id == AttachmentRow.reference_id)
                .where(condition, AttachmentRow.kind == "file", AttachmentRow.copied == copied)
            ).scalars()
        )

    def locations_in_use(self, locations: Sequence[str]) -> set[str]:
        """Those of ``locations`` some attachment (of any reference) still points at."""
        used: set[str] = set()
        items = list(dict.fromkeys(locations))
        for start in range(0, len(items), _CHUNK):
            used.update(
                self.conn.execute(
                    select(AttachmentRow.location).where(
                        AttachmentRow.location.in_(items[start : start + _CHUNK])
                    )
                ).scalars()
            )
        return used

    # --- reading ------------------------------------------------------------------------
    def set_reading_status(self, ref_ids: Sequence[int], status: str) -> int:
        """Set the reading status of references; returns how many changed. Not an edit of
        the reference: its version and modification time stay."""
        changed = 0
        for chunk in _chunks(list(ref_ids)):
            changed += self.conn.execute(
                update(ReferenceRow)
                .where(ReferenceRow.id.in_(chunk), ReferenceRow.reading_status != status)
                .values(reading_status=status)
            ).rowcount
        return changed

    def set_last_page(self, ref_id: int, page: int | None) -> None:
        """Remember the page the reader showed last (version untouched)."""
        self.conn.execute(
            update(ReferenceRow).where(ReferenceRow.id == ref_id).values(last_page=page)
        )

    # --- settings -----------------------------------------------------------------------
    def set_setting(self, key: str, value: str | None) -> None:
        """Store a library setting (None removes it)."""
        self.conn.execute(delete(LibrarySettingRow).where(LibrarySettingRow.key == key))
        if value is not None:
            self.conn.execute(insert(LibrarySettingRow).values(key=key, value=value))

    # --- duplicates and merging -------------------------------------------------------
    def reference_states(self, ids: Sequence[int]) -> dict[int, tuple[int, bool]]:
        """``(version, trashed)`` of each of ``ids`` that exists."""
        out: dict[int, tuple[int, bool]] = {}
        for chunk in _chunks(list(ids)):
            for ref_id, version, trashed in self.conn.execute(
                select(ReferenceRow.id, ReferenceRow.version, ReferenceRow.trashed).where(
                    ReferenceRow.id.in_(chunk)
                )
            ):
                out[ref_id] = (version, trashed is not None)
        return out

    def identifier_owners(
        self, arxiv_ids: Sequence[str], dois: Sequence[str]
    ) -> dict[str, tuple[int, bool]]:
        """Who holds these identifiers (see the module's ``identifier_owners``)."""
        return identifier_owners(self.conn, arxiv_ids, dois)

    def provenance_ids(self, ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """``(provenance row id, raw hash)`` of each reference's provenance, oldest first."""
        out: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for chunk in _chunks(list(ids)):
            for row_id, ref_id, digest in self.conn.execute(
                select(ProvenanceRow.id, ProvenanceRow.reference_id, ProvenanceRow.raw_hash)
                .where(ProvenanceRow.reference_id.in_(chunk))
                .order_by(ProvenanceRow.id)
            ):
                out[ref_id].append((row_id, digest))
        return out

    def reassign(self, kind: str, row_ids: Sequence[int], ref_id: int) -> int:
        """Move notes, attachments or provenance rows (``kind``: "notes", "attachments",
        "provenance") to reference ``ref_id``; returns how many moved."""
        row = _REASSIGNABLE[kind]
        moved = 0
        for chunk in _chunks(list(row_ids)):
            moved += self.conn.execute(
                update(row).where(row.id.in_(chunk)).values(reference_id=ref_id)
            ).rowcount
        return moved

    def replace_authors(self, ref_id: int, persons: Sequence[Person]) -> None:
        """Replace a reference's author list (and its first-author sort key)."""
        self.conn.execute(
            delete(ReferenceAuthorRow).where(ReferenceAuthorRow.reference_id == ref_id)
        )
        if persons:
            self.add_authors([(ref_id, persons)])
        else:
            self.conn.execute(
                update(ReferenceRow).where(ReferenceRow.id == ref_id).values(sort_author="")
            )

    def not_duplicate_pairs(self, ids: Sequence[int]) -> set[tuple[int, int]]:
        """Pairs marked "not a duplicate" that involve any of ``ids``."""
        pairs: set[tuple[int, int]] = set()
        nd = NotDuplicateRow
        for chunk in _chunks(list(ids)):
            for column in (nd.reference_a, nd.reference_b):
                pairs.update(
                    (a, b)
                    for a, b in self.conn.execute(
                        select(nd.reference_a, nd.reference_b).where(column.in_(chunk))
                    )
                )
        return pairs

    def add_not_duplicates(self, pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """Remember pairs as "not a duplicate"; returns the new ones, as ``(a, b)`` with
        ``a < b``."""
        wanted = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
        if not wanted:
            return []
        known = self.not_duplicate_pairs(sorted({a for a, _b in wanted}))
        new = sorted(wanted - known)
        if new:
            self.conn.execute(
                insert(NotDuplicateRow), [{"reference_a": a, "reference_b": b} for a, b in new]
            )
        return new

    def remove_not_duplicates(self, pairs: Iterable[tuple[int, int]]) -> int:
        """Forget "not a duplicate" pairs; returns how many there were."""
        removed = 0
        for a, b in {(min(a, b), max(a, b)) for a, b in pairs}:
            removed += self.conn.execute(
                delete(NotDuplicateRow).where(
                    NotDuplicateRow.reference_a == a, NotDuplicateRow.reference_b == b
                )
            ).rowcount
        return removed

    def collection_ids(self, ref_ids: Sequence[int]) -> dict[int, set[int]]:
        """The (folder) collections each of ``ref_ids`` is in."""
        out: dict[int, set[int]] = defaultdict(set)
        item = CollectionItemRow
        for chunk in _chunks(list(ref_ids)):
            for ref_id, collection_id in self.conn.execute(
                select(item.reference_id, item.collection_id).where(item.reference_id.in_(chunk))
            ):
                out[ref_id].add(collection_id)
        return out

    def mark_merged(self, master_id: int, ref_ids: Sequence[int]) -> None:
        """Record that ``ref_ids`` were merged into ``master_id`` (and trashed)."""
        if ref_ids:
            now = utcnow()
            self.conn.execute(
                insert(MergedReferenceRow),
                [{"reference_id": r, "master_id": master_id, "merged": now} for r in ref_ids],
            )

    def unmark_merged(self, ref_ids: Sequence[int]) -> None:
        """Drop the merge marker of ``ref_ids`` (an undone merge)."""
        for chunk in _chunks(list(ref_ids)):
            self.conn.execute(
                delete(MergedReferenceRow).where(MergedReferenceRow.reference_id.in_(chunk))
            )


SQLITE_PAGE_SIZE = 16384
"""Page size of a new SQLite library. SQLite's default, 4 KiB, holds one reference row of
a typical abstract (2 KiB and more) per page, half of it empty, and every page a write
touches is a frame of the write-ahead log: with 16 KiB pages a large import writes a
third fewer bytes and its search-index catch-up takes a third less time. An existing
library keeps its page size."""


def _create_sqlite_file(engine: Engine) -> None:
    """Create a new SQLite library's file with ``SQLITE_PAGE_SIZE`` pages: the size is
    fixed when the first page is written, and the engine's connections switch to WAL
    mode (which fixes it too) as they open."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database.startswith(":memory:"):
        return
    path = Path(database)
    if database.startswith("file:") or (path.exists() and path.stat().st_size > 0):
        return
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error:
        return  # opening the library reports the problem
    try:
        conn.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _search_dirty(engine: Engine) -> bool:
    """Whether an import left search-index entries to rebuild (read without taking the
    write lock, so opening a library writes nothing when there are none)."""
    if engine.dialect.name != "sqlite":
        return True  # (``catch_up`` decides)
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM search_dirty)").scalar())


class Store:
    """A library: an engine, migrated on open, with read queries and units of work."""

    def __init__(
        self, url: str, *, engine: Engine | None = None, write_guard: WriteGuard | None = None
    ) -> None:
        self.url = url
        self.engine = engine or create_library_engine(url)
        # Before anything is written (migrations, the index catch-up): a library whose
        # integrity check fails is never written to (see ``WriteGuard``).
        set_write_guard(self.engine, write_guard)
        _create_sqlite_file(self.engine)
        migrate(self.engine)
        if _search_dirty(self.engine):
            # Finishes an import interrupted before indexing; a read-only library, or one
            # failing its check, stays readable with the index as it is.
            with contextlib.suppress(LibraryUnavailableError):
                search_index.catch_up(self.engine)
        self.commits = 0
        """Write transactions committed through ``unit_of_work`` since opening."""

    @property
    def name(self) -> str:
        """A short name for window titles and messages."""
        return library_name(self.url)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def write(self, work: Callable[[UnitOfWork], _T]) -> _T:
        """``work`` in one write transaction, run again (up to ``WRITE_ATTEMPTS`` times)
        when PostgreSQL aborted it for a deadlock or a serialization failure with another
        client's transaction; ``work`` must touch nothing but the database."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.unit_of_work() as uow:
                    return work(uow)
            except DBAPIError as exc:
                if attempt == WRITE_ATTEMPTS or not _transient(exc):
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # (backoff with jitter)
        raise AssertionError("unreachable")

    @contextmanager
    def unit_of_work(self, *, bulk: bool = False) -> Iterator[UnitOfWork]:
        """One write transaction: committed when the block ends, rolled back on error.

        ``bulk`` (large imports) leaves SQLite's WAL checkpoint out of the commit; the
        next ordinary write transaction, or ``checkpoint``, copies the pages back. It also
        runs with a smaller page cache (``BULK_CACHE_KIB``)."""
        with write_connection(self.engine, bulk=bulk) as conn:
            if not (bulk and conn.dialect.name == "sqlite"):
                uow = UnitOfWork(conn)
                yield uow
                uow._restore_triggers()  # (never commit without them)
            else:
                yield from self._bulk_unit_of_work(conn)
        self.commits += 1

    @staticmethod
    def _bulk_unit_of_work(conn: Connection) -> Iterator[UnitOfWork]:
        """``unit_of_work(bulk=True)`` on SQLite, inside its transaction.

        A large import's memory is mostly SQLite's page cache: a smaller one costs it no
        measurable time (the B-tree pages it writes go to the WAL once either way) and
        keeps the import, reader process included, under its memory target."""
        driver = conn.connection.driver_connection
        assert driver is not None
        size = driver.execute("PRAGMA cache_size").fetchone()[0]
        driver.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
        try:
            uow = UnitOfWork(conn)
            yield uow
            uow._restore_triggers()  # (never commit without them)
        finally:
            driver.execute(f"PRAGMA cache_size={size}")

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the SQLite file (no-op elsewhere)."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    # --- reads ----------------------------------------------------------------------
    def count(self, *, trashed: bool = False) -> int:
        """How many references the library holds (outside or inside the trash).

        The Trash's count is all references less the live ones: two index-only counts,
        where ``trashed IS NOT NULL`` scans the table (1.2 s at 100,000 references on a
        cold cache, at every start of the window)."""
        live = select(func.count()).where(ReferenceRow.trashed.is_(None)).scalar_subquery()
        if not trashed:
            statement = select(live)
        else:
            every = select(func.count()).select_from(ReferenceRow).scalar_subquery()
            statement = select(every - live)
        with self.engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def find_id(self, ref: str) -> int:
        """Resolve a user's REF: a numeric id, a citation key or an arXiv id (any version)."""
        text = ref.strip()
        arxiv_id, _version = split_arxiv_version(text.removeprefix("arXiv:").removeprefix("arxiv:"))
        conditions = [ReferenceRow.citekey == text, ReferenceRow.arxiv_id == arxiv_id]
        if text.isdigit():
            conditions.insert(0, ReferenceRow.id == int(text))
        with self.engine.connect() as conn:
            for condition in conditions:
                found = conn.execute(select(ReferenceRow.id).where(condition)).scalar()
                if found is not None:
                    return int(found)
        raise NotFoundError(f"no reference {ref!r} (give an id, citation key or arXiv id)")

    def find_by_doi(self, doi: str) -> int | None:
        """The reference with this DOI (ignoring case; a live one first), if any."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(ReferenceRow.id)
                .where(func.lower(ReferenceRow.doi) == doi.strip().lower())
                .order_by(ReferenceRow.trashed.is_not(None), ReferenceRow.id)
                .limit(1)
            ).scalar()
        return None if found is None else int(found)

    def query_ids(self, query: ReferenceQuery, *, limit: int | None = None) -> list[int]:
        """Ids matching ``query`` in its order (the first ``limit`` of them); filtering
        and sorting happen in SQL (ranking by relevance: scores read from the search
        index, see ``search_index.SearchSql``)."""
        relevance = query.sort is SortKey.RELEVANCE
        with self.engine.connect() as conn:
            # (a malformed query text raises QuerySyntaxError)
            search = search_index.compile_text(
                conn,
                query.text,
                live=not query.trashed,
                first_page=None if relevance else limit,  # (relevance: tiers, below)
            )
            if relevance and search.ranks:
                if limit is not None:  # the best of the first rank tier, from the index
                    # The candidates are few (the first page's, or a text matching few
                    # references): their filters are tested on their rows, not read as
                    # id sets of every reference the filter keeps.
                    rows = search_index.compile_text(conn, query.text, live=False)
                    keep = self._keeper(
                        conn, query, rows.without_text(), rows if rows.few else None
                    )
                    first = search.first_page(conn, limit, keep)
                    if first is not None:
                        return first
                ids = _fetch_ids(conn, self._select_ids(conn, query, search))
                return search.rank(conn, ids, descending=query.descending)[:limit]
            stmt = self._select_ids(conn, query, search)
            if limit is not None:
                stmt = stmt.limit(limit)
            return _fetch_ids(conn, stmt)

    def _keeper(
        self,
        conn: Connection,
        query: ReferenceQuery,
        search: search_index.SearchSql,
        matches: search_index.SearchSql | None = None,
    ) -> Callable[[Sequence[int]], set[int]]:
        """Which of some ids ``query`` keeps (``search`` stands for its text): a test of
        their rows the first time (most queries keep most of a first page) and always
        when only the trash decides; otherwise, after that, the ids the filters keep,
        listed once (rows scattered over the file cost about 15 µs each to test). With
        ``matches`` (the whole query, its text matching few references) that list is
        of the query's own matches, read from those few (not every reference the
        filters keep)."""
        base = self._select_ids(conn, query, search).order_by(None)
        listed = base if matches is None else self._select_ids(conn, query, matches).order_by(None)
        trash_only = search.condition is None and query == ReferenceQuery(
            text=query.text, sort=query.sort, trashed=query.trashed
        )
        calls = 0
        allowed: set[int] | None = None

        def keep(ids: Sequence[int]) -> set[int]:
            nonlocal calls, allowed
            calls += 1
            if trash_only or (calls == 1 and len(ids) <= 1000):
                return {
                    ref_id
                    for chunk in _chunks(ids)
                    for ref_id in _fetch_ids(conn, base.where(ReferenceRow.id.in_(chunk)))
                }
            if allowed is None:
                allowed = set(_fetch_ids(conn, listed))
            return allowed.intersection(ids)

        return keep

    def _select_ids(
        self,
        conn: Connection,
        query: ReferenceQuery,
        search: search_index.SearchSql | None = None,
    ) -> Select[int]:
        stmt = select(ReferenceRow.id).where(
            ReferenceRow.trashed.is_not(None) if query.trashed else ReferenceRow.trashed.is_(None)
        )
        if query.tags:
            tag_ids = []
            for name in query.tags:
                tid = conn.execute(
                    select(TagRow.id).where(TagRow.name_key == " ".join(name.split()).casefold())
                ).scalar()
                if tid is None:
                    raise NotFoundError(f"no tag named {name!r}")
                tag_ids.append(tid)
            tagged = select(ReferenceTagRow.reference_id)
            if query.any_tag:
                stmt = stmt.where(
                    ReferenceRow.id.in_(tagged.where(ReferenceTagRow.tag_id.in_(tag_ids)))
                )
            else:
                for tid in tag_ids:
                    stmt = stmt.where(
                        ReferenceRow.id.in_(tagged.where(ReferenceTagRow.tag_id == tid))
                    )
        if query.untagged:
            stmt = stmt.where(
                ~select(ReferenceTagRow.reference_id)
                .where(ReferenceTagRow.reference_id == ReferenceRow.id)
                .exists()
            )
        if search is None:  # (a malformed query text raises QuerySyntaxError)
            search = search_index.compile_text(conn, query.text, live=not query.trashed)
        if search.condition is not None:
            stmt = stmt.where(search.condition)
        if query.scope_text:
            scope = search_index.text_condition(conn, query.scope_text)
            if scope is not None:
                stmt = stmt.where(scope)
        if query.collection is not None:
            stmt = stmt.where(
                ReferenceRow.id.in_(
                    select(CollectionItemRow.reference_id).where(
                        CollectionItemRow.collection_id == query.collection
                    )
                )
            )
        if query.ids is not None:
            stmt = stmt.where(ReferenceRow.id.in_(query.ids))
        keys = _SORT_COLUMNS.get(query.sort, _SORT_COLUMNS[SortKey.ADDED])  # RELEVANCE: no text
        if query.descending:
            return stmt.order_by(*(k.desc() for k in keys))
        return stmt.order_by(*keys)

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        """The list's view of ``ids``, in that order, in a few batched queries."""
        found: dict[int, dict[str, Any]] = {}
        authors: dict[int, list[str]] = defaultdict(list)
        tags: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                for row in conn.execute(
                    select(
                        ReferenceRow.id,
                        ReferenceRow.title,
                        ReferenceRow.title_provisional,
                        ReferenceRow.year,
                        ReferenceRow.venue,
                        ReferenceRow.added,
                        ReferenceRow.reading_status,
                    ).where(ReferenceRow.id.in_(chunk))
                ):
                    found[row.id] = row._asdict()
                for ref_id, family in conn.execute(
                    select(ReferenceAuthorRow.reference_id, PersonRow.family)
                    .join(PersonRow, PersonRow.id == ReferenceAuthorRow.person_id)
                    .where(ReferenceAuthorRow.reference_id.in_(chunk))
                    .order_by(ReferenceAuthorRow.reference_id, ReferenceAuthorRow.position)
                ):
                    authors[ref_id].append(family)
                for ref_id, name, colour in conn.execute(
                    select(ReferenceTagRow.reference_id, TagRow.name, TagRow.colour)
                    .join(TagRow, TagRow.id == ReferenceTagRow.tag_id)
                    .where(ReferenceTagRow.reference_id.in_(chunk))
                    .order_by(TagRow.name_key)
                ):
                    tags[ref_id].append((name, colour))
        return [
            ListRow(
                id=i,
                title=found[i]["title"],
                title_provisional=found[i]["title_provisional"],
                authors=short_authors(authors.get(i, [])),
                year=found[i]["year"],
                venue=found[i]["venue"],
                added=_aware(found[i]["added"]) or utcnow(),
                tags=tuple(tags.get(i, ())),
                reading_status=found[i]["reading_status"],
            )
            for i in ids
            if i in found
        ]

    def search_catch_up(self) -> int:
        """Bring the search index up to date after an import; returns entries rebuilt."""
        return search_index.catch_up(self.engine)

    def references(self, ids: Sequence[int], *, with_details: bool = False) -> list[Reference]:
        """Full references for ``ids``, in that order, with authors, tags and notes;
        ``with_details`` adds attachments and provenance."""
        with self.engine.connect() as conn:
            return load_references(conn, ids, attachments=with_details, provenance=with_details)

    def note(self, note_id: int) -> Note | None:
        """One note as the library holds it now (None when it does not exist)."""
        n = NoteRow
        with self.engine.connect() as conn:
            row = conn.execute(
                select(n.text, n.created, n.modified, n.version).where(n.id == note_id)
            ).first()
        if row is None:
            return None
        text, created, modified, version = row
        return Note(text, note_id, _aware(created), _aware(modified), version)

    def collections(self) -> list[Collection]:
        """Every collection (folders with their live-reference counts), by name."""
        with self.engine.connect() as conn:
            counts: dict[int, int] = dict(
                conn.execute(
                    select(CollectionItemRow.collection_id, func.count())
                    .join(ReferenceRow, ReferenceRow.id == CollectionItemRow.reference_id)
                    .where(ReferenceRow.trashed.is_(None))
                    .group_by(CollectionItemRow.collection_id)
                ).all()
            )
            rows = conn.execute(
                select(
                    CollectionRow.id,
                    CollectionRow.name,
                    CollectionRow.parent_id,
                    CollectionRow.query,
                ).order_by(func.lower(CollectionRow.name), CollectionRow.id)
            )
            return [
                Collection(
                    name=name,
                    id=cid,
                    parent_id=parent,
                    query=query,
                    count=None if query is not None else counts.get(cid, 0),
                )
                for cid, name, parent, query in rows
            ]

    def auto_exports(self) -> list[AutoExport]:
        """Every auto-export, oldest first."""
        e = AutoExportRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    e.id,
                    e.path,
                    e.kind,
                    e.style,
                    e.notes,
                    e.follows_tag,
                    e.last_written,
                    TagRow.name,
                )
                .outerjoin(TagRow, TagRow.id == e.tag_id)
                .order_by(e.id)
            )
            return [
                AutoExport(
                    path=path,
                    kind=kind,
                    tag=tag,
                    style=style,
                    notes=notes,
                    tag_lost=follows_tag and tag is None,
                    id=export_id,
                    last_written=_aware(written),
                )
                for export_id, path, kind, style, notes, follows_tag, written, tag in rows
            ]

    def tags(self) -> list[Tag]:
        """Every tag with its colour and how many references (outside the trash) carry it.

        Every tagging is counted from the tag index, and those of trashed references
        (found through their partial index, migration 0015) taken away: neither reads a
        reference row (a join read 20,000 rows' pages of a 100,000-reference library on a
        cold start, 1.7 s) nor lists the live references' ids (27 ms)."""
        taggings = ReferenceTagRow
        every = (
            select(taggings.tag_id, func.count().label("n")).group_by(taggings.tag_id).subquery()
        )
        trashed_ids = select(ReferenceRow.id).where(ReferenceRow.trashed.is_not(None))
        trashed = (
            select(taggings.tag_id, func.count().label("n"))
            .where(taggings.reference_id.in_(trashed_ids))
            .group_by(taggings.tag_id)
            .subquery()
        )
        count = func.coalesce(every.c.n, 0) - func.coalesce(trashed.c.n, 0)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(TagRow.id, TagRow.name, TagRow.colour, count)
                .outerjoin(every, every.c.tag_id == TagRow.id)
                .outerjoin(trashed, trashed.c.tag_id == TagRow.id)
                .order_by(TagRow.name_key)
            )
            return [Tag(name=n, colour=c, count=k, id=i) for i, n, c, k in rows]

    def settings(self) -> dict[str, str]:
        """Every library setting (see ``UnitOfWork.set_setting``)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(LibrarySettingRow.key, LibrarySettingRow.value))
            return dict(rows.all())

    # --- duplicates -------------------------------------------------------------------
    def duplicate_keys(self) -> list[DuplicateKeys]:
        """The duplicate finder's view of every live reference, by id."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(_DUPLICATE_KEYS_SQL).fetchall()
        return [
            DuplicateKeys(i, a, d, u, k, bool(p), y, f, t, ab or "")
            for i, a, d, u, k, p, y, f, t, ab in rows
        ]

    def not_duplicate_pairs(self) -> set[tuple[int, int]]:
        """Every pair marked "not a duplicate", as ``(a, b)`` with ``a < b``."""
        nd = NotDuplicateRow
        with self.engine.connect() as conn:
            return {(a, b) for a, b in conn.execute(select(nd.reference_a, nd.reference_b))}

    def merged_into(self, ids: Sequence[int]) -> dict[int, int]:
        """For those of ``ids`` a merge moved to the Trash: the reference they went into."""
        out: dict[int, int] = {}
        m = MergedReferenceRow
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                out.update(
                    (ref_id, master)
                    for ref_id, master in conn.execute(
                        select(m.reference_id, m.master_id).where(m.reference_id.in_(chunk))
                    )
                )
        return out

    def identifier_owners(
        self, arxiv_ids: Sequence[str], dois: Sequence[str]
    ) -> dict[str, tuple[int, bool]]:
        """The references holding these arXiv ids or DOIs, Trash included:
        ``"arxiv:<id>"`` / ``"doi:<lower-case DOI>"`` -> ``(reference id, trashed)``."""
        with self.engine.connect() as conn:
            return identifier_owners(conn, arxiv_ids, dois)
