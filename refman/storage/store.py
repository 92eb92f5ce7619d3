"""The store facade: read queries and a unit of work for writes, speaking domain objects."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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

from refman.domain import Attachment, Note, Person, Provenance, Reference, Tag
from refman.domain.query import ListRow, ReferenceQuery, SortKey
from refman.domain.text import fold, name_key, split_arxiv_version, title_key
from refman.storage import search_index
from refman.storage.engine import (
    create_library_engine,
    library_name,
    migrate,
    write_connection,
)
from refman.storage.orm import (
    AttachmentRow,
    NoteRow,
    PersonRow,
    ProvenanceRow,
    ReferenceAuthorRow,
    ReferenceRow,
    ReferenceTagRow,
    TagRow,
    utcnow,
)

# Columns copied one-to-one between ReferenceRow and Reference.
REFERENCE_FIELDS: tuple[str, ...] = (
    "entry_type",
    "citekey",
    "title",
    "title_provisional",
    "abstract",
    "year",
    "date",
    "venue",
    "journal_ref",
    "arxiv_id",
    "arxiv_version",
    "doi",
    "url",
    "code_url",
    "comments",
    "page_count",
    "figure_count",
)
_NULLABLE_TEXT = frozenset({"arxiv_id", "doi"})
_CHUNK = 500  # ids per IN (...) clause; below SQLite's variable limit


class NotFoundError(LookupError):
    """A reference, tag or note that does not exist; the message is for the user."""


class ConflictError(RuntimeError):
    """A write lost a race: the row changed since it was read."""


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
    by_title: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    citekeys: set[str] = field(default_factory=set)
    provenance_hashes: dict[int, set[str]] = field(default_factory=dict)


def _row_values(ref: Reference) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(ref, name) for name in REFERENCE_FIELDS}
    for name in _NULLABLE_TEXT:
        values[name] = values[name] or None
    values["title_key"] = title_key(ref.title)
    return values


def _load_chunk(
    conn: Connection,
    chunk: Sequence[int],
    out: dict[int, Reference],
    *,
    attachments: bool,
    provenance: bool,
) -> None:
    columns = [getattr(ReferenceRow, name) for name in REFERENCE_FIELDS]
    rows = conn.execute(
        select(
            ReferenceRow.id,
            ReferenceRow.added,
            ReferenceRow.modified,
            ReferenceRow.version,
            *columns,
        ).where(ReferenceRow.id.in_(chunk))
    )
    for row in rows:
        ref_id, added, modified, version, *values = row
        ref = Reference(id=ref_id, added=_aware(added), modified=_aware(modified))
        ref.version = version
        for name, value in zip(REFERENCE_FIELDS, values, strict=True):
            setattr(ref, name, "" if value is None and name in _NULLABLE_TEXT else value)
        out[ref_id] = ref
    for ref_id, family, given in conn.execute(
        select(ReferenceAuthorRow.reference_id, PersonRow.family, PersonRow.given)
        .join(PersonRow, PersonRow.id == ReferenceAuthorRow.person_id)
        .where(ReferenceAuthorRow.reference_id.in_(chunk))
        .order_by(ReferenceAuthorRow.reference_id, ReferenceAuthorRow.position)
    ):
        out[ref_id].authors.append(Person(family=family, given=given))
    for ref_id, name in conn.execute(
        select(ReferenceTagRow.reference_id, TagRow.name)
        .join(TagRow, TagRow.id == ReferenceTagRow.tag_id)
        .where(ReferenceTagRow.reference_id.in_(chunk))
        .order_by(TagRow.name_key)
    ):
        out[ref_id].tags.append(name)
    for note_id, ref_id, text, created, modified in conn.execute(
        select(NoteRow.id, NoteRow.reference_id, NoteRow.text, NoteRow.created, NoteRow.modified)
        .where(NoteRow.reference_id.in_(chunk))
        .order_by(NoteRow.id)
    ):
        out[ref_id].notes.append(
            Note(text=text, id=note_id, created=_aware(created), modified=_aware(modified))
        )
    if attachments:
        _load_attachments(conn, chunk, out)
    if provenance:
        _load_provenance(conn, chunk, out)


def _load_attachments(conn: Connection, chunk: Sequence[int], out: dict[int, Reference]) -> None:
    for att_id, ref_id, location, kind in conn.execute(
        select(
            AttachmentRow.id, AttachmentRow.reference_id, AttachmentRow.location, AttachmentRow.kind
        )
        .where(AttachmentRow.reference_id.in_(chunk))
        .order_by(AttachmentRow.id)
    ):
        out[ref_id].attachments.append(Attachment(location=location, kind=kind, id=att_id))


def _load_provenance(conn: Connection, chunk: Sequence[int], out: dict[int, Reference]) -> None:
    for ref_id, source, line, fmt, raw, imported in conn.execute(
        select(
            ProvenanceRow.reference_id,
            ProvenanceRow.source,
            ProvenanceRow.line,
            ProvenanceRow.format,
            ProvenanceRow.raw,
            ProvenanceRow.imported,
        )
        .where(ProvenanceRow.reference_id.in_(chunk))
        .order_by(ProvenanceRow.id)
    ):
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
}


class UnitOfWork:
    """One write transaction. Every method runs on the same connection; nothing is
    committed until the ``Store.unit_of_work`` block ends without an exception."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._person_ids: dict[str, int] | None = None
        self._tag_ids: dict[str, int] | None = None

    def references(self, ids: Sequence[int], *, attachments: bool = False) -> list[Reference]:
        """References for ``ids`` as this transaction sees them."""
        return load_references(self.conn, ids, attachments=attachments)

    # --- importer support -------------------------------------------------------------
    def pause_search_index(self) -> None:
        """Pause the search-index triggers for this transaction (bulk import)."""
        search_index.pause(self.conn)

    def resume_search_index(self, touched: Sequence[int]) -> None:
        """Resume the triggers; ``touched`` references are rebuilt by ``search_catch_up``."""
        search_index.mark_dirty(self.conn, touched)
        search_index.resume(self.conn)

    def match_index(self) -> MatchIndex:
        """Identifiers, title keys and citation keys of every reference in the library."""
        index = MatchIndex()
        rows = self.conn.execute(
            select(
                ReferenceRow.id,
                ReferenceRow.arxiv_id,
                ReferenceRow.doi,
                ReferenceRow.title_key,
                ReferenceRow.title_provisional,
                ReferenceRow.year,
                ReferenceRow.citekey,
            )
        )
        for ref_id, arxiv_id, doi, key, provisional, year, citekey in rows:
            if arxiv_id:
                index.by_arxiv[arxiv_id] = ref_id
            if doi:
                index.by_doi[doi.lower()] = ref_id
            if key and not provisional:
                index.by_title.setdefault(key, []).append((ref_id, year))
            index.citekeys.add(citekey)
        for ref_id, digest in self.conn.execute(
            select(ProvenanceRow.reference_id, ProvenanceRow.raw_hash)
        ):
            index.provenance_hashes.setdefault(ref_id, set()).add(digest)
        return index

    def insert_references(self, refs: Sequence[Reference]) -> list[int]:
        """Insert new references with their authors, tags, notes and provenance."""
        if not refs:
            return []
        now = utcnow()
        rows = []
        for ref in refs:
            values = _row_values(ref)
            values["added"] = ref.added or now
            values["modified"] = now
            values["version"] = 1
            rows.append(values)
        if self.conn.dialect.name == "sqlite":
            # BEGIN IMMEDIATE holds the write lock, so the next ids are ours; a plain
            # executemany is several times faster than INSERT ... RETURNING row by row.
            top = self.conn.execute(select(func.max(ReferenceRow.id))).scalar() or 0
            ids = list(range(top + 1, top + 1 + len(rows)))
            for values, ref_id in zip(rows, ids, strict=True):
                values["id"] = ref_id
            self.conn.execute(insert(ReferenceRow), rows)
        else:
            result = self.conn.execute(
                insert(ReferenceRow).returning(ReferenceRow.id, sort_by_parameter_order=True),
                rows,
            )
            ids = [row[0] for row in result]
        for ref, ref_id in zip(refs, ids, strict=True):
            ref.id = ref_id
        self.add_authors([(ref_id, ref.authors) for ref, ref_id in zip(refs, ids, strict=True)])
        self.add_provenance(
            [(ref_id, p) for ref, ref_id in zip(refs, ids, strict=True) for p in ref.provenance]
        )
        for ref, ref_id in zip(refs, ids, strict=True):
            if ref.tags:
                self.tag([ref_id], ref.tags)
            for note in ref.notes:
                self.add_note(ref_id, note.text)
            for attachment in ref.attachments:
                self.add_attachment(ref_id, attachment)
        return ids

    def person_ids(self, persons: Iterable[Person]) -> list[int]:
        """Ids of ``persons``, creating the ones not yet in the library."""
        if self._person_ids is None:
            self._person_ids = {
                key: pid for pid, key in self.conn.execute(select(PersonRow.id, PersonRow.name_key))
            }
        known = self._person_ids
        ids = []
        for person in persons:
            key = name_key(person.family, person.given)
            if key not in known:
                known[key] = self.conn.execute(
                    insert(PersonRow)
                    .values(family=person.family, given=person.given, name_key=key)
                    .returning(PersonRow.id)
                ).scalar_one()
            ids.append(known[key])
        return ids

    def add_authors(self, items: Sequence[tuple[int, Sequence[Person]]]) -> None:
        """Append authors to references (after any they already have)."""
        items = [(ref_id, persons) for ref_id, persons in items if persons]
        if not items:
            return
        start: dict[int, int] = defaultdict(int)
        for chunk in _chunks([ref_id for ref_id, _ in items]):
            for ref_id, top in self.conn.execute(
                select(ReferenceAuthorRow.reference_id, func.max(ReferenceAuthorRow.position))
                .where(ReferenceAuthorRow.reference_id.in_(chunk))
                .group_by(ReferenceAuthorRow.reference_id)
            ):
                start[ref_id] = top + 1
        rows = []
        for ref_id, persons in items:
            for offset, pid in enumerate(self.person_ids(persons)):
                rows.append(
                    {"reference_id": ref_id, "position": start[ref_id] + offset, "person_id": pid}
                )
        self.conn.execute(insert(ReferenceAuthorRow), rows)
        firsts = {
            ref_id: fold(persons[0].family) for ref_id, persons in items if start[ref_id] == 0
        }
        if firsts:
            self.conn.execute(
                update(ReferenceRow)
                .where(ReferenceRow.id == bindparam("ref_id"))
                .values(sort_author=bindparam("key")),
                [{"ref_id": ref_id, "key": key} for ref_id, key in firsts.items()],
            )

    def add_provenance(self, items: Sequence[tuple[int, Provenance]]) -> None:
        """Record where references came from."""
        if not items:
            return
        now = utcnow()
        self.conn.execute(
            insert(ProvenanceRow),
            [
                {
                    "reference_id": ref_id,
                    "source": p.source,
                    "line": p.line,
                    "format": p.format,
                    "raw": p.raw,
                    "raw_hash": raw_hash(p.raw),
                    "imported": p.imported or now,
                }
                for ref_id, p in items
            ],
        )

    def update_fields(self, ref_id: int, changes: dict[str, Any]) -> None:
        """Set fields of one reference, bumping its version and modification time."""
        if not changes:
            return
        values = dict(changes)
        for name in _NULLABLE_TEXT & values.keys():
            values[name] = values[name] or None
        if "title" in values:
            values["title_key"] = title_key(values["title"])
        values["modified"] = utcnow()
        values["version"] = ReferenceRow.version + 1
        self.conn.execute(update(ReferenceRow).where(ReferenceRow.id == ref_id).values(values))

    def update_checked(self, ref_id: int, expected_version: int, changes: dict[str, Any]) -> int:
        """Like ``update_fields`` but only if the row is still at ``expected_version``."""
        values = dict(changes)
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
            self._tag_ids[key] = self.conn.execute(
                insert(TagRow).values(name=name, name_key=key).returning(TagRow.id)
            ).scalar_one()
        return self._tag_ids[key]

    def tag(self, ref_ids: Sequence[int], names: Iterable[str]) -> int:
        """Add tags to references; returns how many (reference, tag) pairs were new."""
        added = 0
        for name in names:
            tid = self.tag_id(name)
            for chunk in _chunks(list(ref_ids)):
                have = set(
                    self.conn.execute(
                        select(ReferenceTagRow.reference_id).where(
                            ReferenceTagRow.tag_id == tid, ReferenceTagRow.reference_id.in_(chunk)
                        )
                    ).scalars()
                )
                rows = [{"reference_id": r, "tag_id": tid} for r in chunk if r not in have]
                if rows:
                    self.conn.execute(insert(ReferenceTagRow), rows)
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

    # --- notes and attachments -------------------------------------------------------
    def add_note(self, ref_id: int, text: str) -> int:
        """Add a Markdown note to a reference; returns its id."""
        now = utcnow()
        return self.conn.execute(
            insert(NoteRow)
            .values(reference_id=ref_id, text=text, created=now, modified=now)
            .returning(NoteRow.id)
        ).scalar_one()

    def edit_note(self, note_id: int, text: str) -> int:
        """Replace a note's text; returns its reference's id."""
        ref_id = self.conn.execute(
            update(NoteRow)
            .where(NoteRow.id == note_id)
            .values(text=text, modified=utcnow())
            .returning(NoteRow.reference_id)
        ).scalar()
        if ref_id is None:
            raise NotFoundError(f"no note {note_id}")
        return int(ref_id)

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
        return ids

    def add_attachment(self, ref_id: int, attachment: Attachment) -> int:
        """Attach a file path or URL to a reference; returns its id."""
        return self.conn.execute(
            insert(AttachmentRow)
            .values(reference_id=ref_id, location=attachment.location, kind=attachment.kind)
            .returning(AttachmentRow.id)
        ).scalar_one()


class Store:
    """A library: an engine, migrated on open, with read queries and units of work."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_library_engine(url)
        migrate(self.engine)
        search_index.catch_up(self.engine)  # finishes an import interrupted before indexing

    @property
    def name(self) -> str:
        """A short name for window titles and messages."""
        return library_name(self.url)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One write transaction: committed when the block ends, rolled back on error."""
        with write_connection(self.engine) as conn:
            yield UnitOfWork(conn)

    # --- reads ----------------------------------------------------------------------
    def count(self, *, trashed: bool = False) -> int:
        """How many references the library holds (outside or inside the trash)."""
        condition = ReferenceRow.trashed.is_not(None) if trashed else ReferenceRow.trashed.is_(None)
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).where(condition)).scalar_one()

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

    def query_ids(self, query: ReferenceQuery) -> list[int]:
        """Ids matching ``query`` in its order; filtering and sorting happen in SQL."""
        with self.engine.connect() as conn:
            return list(conn.execute(self._select_ids(conn, query)).scalars())

    def _select_ids(self, conn: Connection, query: ReferenceQuery) -> Select[int]:
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
        condition = search_index.text_condition(conn, query.text)
        if condition is not None:
            stmt = stmt.where(condition)
        if query.ids is not None:
            stmt = stmt.where(ReferenceRow.id.in_(query.ids))
        keys = _SORT_COLUMNS[query.sort]
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

    def tags(self) -> list[Tag]:
        """Every tag with its colour and how many references (outside the trash) carry it."""
        live = (
            select(ReferenceTagRow.tag_id, func.count().label("n"))
            .join(ReferenceRow, ReferenceRow.id == ReferenceTagRow.reference_id)
            .where(ReferenceRow.trashed.is_(None))
            .group_by(ReferenceTagRow.tag_id)
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(TagRow.id, TagRow.name, TagRow.colour, func.coalesce(live.c.n, 0))
                .outerjoin(live, live.c.tag_id == TagRow.id)
                .order_by(TagRow.name_key)
            )
            return [Tag(name=n, colour=c, count=k, id=i) for i, n, c, k in rows]
