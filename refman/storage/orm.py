"""SQLAlchemy ORM rows. They never leave ``refman.storage``; callers get domain objects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with the project's constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ReferenceRow(Base):
    """One reference. ``version`` is bumped on every write (optimistic concurrency)."""

    __tablename__ = "references"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(32), default="misc")
    citekey: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    title_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    title_key: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(Text, default="")
    journal_ref: Mapped[str] = mapped_column(Text, default="")
    arxiv_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    arxiv_version: Mapped[int | None] = mapped_column(Integer)
    doi: Mapped[str | None] = mapped_column(String(256), index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    code_url: Mapped[str] = mapped_column(Text, default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int | None] = mapped_column(Integer)
    figure_count: Mapped[int | None] = mapped_column(Integer)
    volume: Mapped[str] = mapped_column(Text, default="", server_default="")
    issue: Mapped[str] = mapped_column(Text, default="", server_default="")
    pages: Mapped[str] = mapped_column(Text, default="", server_default="")
    publisher: Mapped[str] = mapped_column(Text, default="", server_default="")
    extra: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Other fields as a JSON object (``Reference.extra``); "" when there are none."""
    added: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    trashed: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sort_author: Mapped[str] = mapped_column(Text, default="", server_default="")
    reading_status: Mapped[str] = mapped_column(
        String(16), default="unread", server_default="unread"
    )
    """``unread``, ``reading`` or ``read`` (``refman.domain.model.READING_STATUSES``)."""
    last_page: Mapped[int | None] = mapped_column(Integer)
    """The page (0-based) the reader last showed."""

    authors: Mapped[list[ReferenceAuthorRow]] = relationship(
        lazy="raise", order_by="ReferenceAuthorRow.position", cascade="all, delete-orphan"
    )
    notes: Mapped[list[NoteRow]] = relationship(lazy="raise", cascade="all, delete-orphan")


class PersonRow(Base):
    """A person, shared by every reference they wrote; ``name_key`` is unique."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(Text)
    given: Mapped[str] = mapped_column(Text, default="")
    name_key: Mapped[str] = mapped_column(Text, unique=True)


class ReferenceAuthorRow(Base):
    """The ordered author list of a reference."""

    __tablename__ = "reference_authors"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="RESTRICT"), index=True
    )

    person: Mapped[PersonRow] = relationship(lazy="raise")


class TagRow(Base):
    """A tag; ``name_key`` (the case-folded name) is unique."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    colour: Mapped[str | None] = mapped_column(String(16))


class ReferenceTagRow(Base):
    """Which reference carries which tag."""

    __tablename__ = "reference_tags"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NoteRow(Base):
    """A Markdown note; a reference may have several. ``version`` is bumped on every edit."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """Bumped by every edit of ``text`` (optimistic concurrency, as ``ReferenceRow``'s)."""


class AttachmentRow(Base):
    """A file path or URL attached to a reference. ``copied``: a file refman copied into
    the library's attachment folder (else a link to the file where it is)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), index=True
    )
    location: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8), default="file")
    added: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    copied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mime: Mapped[str] = mapped_column(String(128), default="", server_default="")
    size: Mapped[int | None] = mapped_column(BigInteger)


class LibrarySettingRow(Base):
    """A library-wide preference (e.g. whether attached files are copied), shared by every
    face and every machine that opens the library."""

    __tablename__ = "library_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RawTextRow(Base):
    """A run of records' raw texts (UTF-8, one after another, up to 64 KiB), written by
    an import; each provenance row points at its record's bytes here."""

    __tablename__ = "raw_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ProvenanceRow(Base):
    """Which file and record a reference came from, with the raw text to re-read later.

    The raw text is the bytes ``text_start:text_end`` of ``raw_texts`` ``raw_text_id``
    (as imports store it) or, with those empty, ``raw`` itself (``UnitOfWork.add_provenance``).
    ``reference_id`` lookups use the unique (reference_id, raw_hash) index."""

    __tablename__ = "provenance"
    __table_args__ = (UniqueConstraint("reference_id", "raw_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("references.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(32))
    raw: Mapped[str | None] = mapped_column(Text)
    raw_hash: Mapped[str] = mapped_column(String(40))
    imported: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    raw_text_id: Mapped[int | None] = mapped_column(ForeignKey("raw_texts.id"), index=True)
    text_start: Mapped[int | None] = mapped_column(Integer)
    text_end: Mapped[int | None] = mapped_column(Integer)


class AutoExportRow(Base):
    """A file kept in sync with the library or one tag (``refman.services.auto_export``).
    ``follows_tag`` tells the two apart: a deleted tag leaves ``tag_id`` None, and such
    a file is then left alone rather than turned into a whole-library export."""

    __tablename__ = "auto_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    style: Mapped[str] = mapped_column(String(64), default="")
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="SET NULL"))
    follows_tag: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_written: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NotDuplicateRow(Base):
    """Two references the user said are not duplicates (``reference_a < reference_b``):
    the duplicate finder never puts them in one cluster."""

    __tablename__ = "not_duplicates"
    __table_args__ = (CheckConstraint("reference_a < reference_b", name="ordered"),)

    reference_a: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    reference_b: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MergedReferenceRow(Base):
    """A reference merged into ``master_id`` and moved to the Trash by a merge (the marker
    that tells it from a reference the user trashed)."""

    __tablename__ = "merged_references"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True
    )
    master_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), index=True
    )
    merged: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchStateRow(Base):
    """One row: whether the search-index triggers are paused by a running import."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deferred: Mapped[int] = mapped_column(Integer, default=0)


class SearchDirtyRow(Base):
    """References whose search-index entry must be rebuilt (written during an import)."""

    __tablename__ = "search_dirty"

    reference_id: Mapped[int] = mapped_column(Integer, primary_key=True)


SEARCH_TABLE = "reference_search"
"""The SQLite FTS5 table (created by migration 0003, not part of the ORM metadata)."""
PG_SEARCH_TABLE = "search_documents"
"""PostgreSQL's search index: one weighted ``tsvector`` per reference (migration 0012,
not part of the ORM metadata)."""

_LIVE = ReferenceRow.trashed.is_(None)
# One index per sort order of the live list (migration 0005): index-only ordered scans.
for _name, _columns in {
    "ix_references_live_added": (ReferenceRow.added,),
    "ix_references_live_title": (ReferenceRow.title_key,),
    "ix_references_live_author": (ReferenceRow.sort_author, ReferenceRow.title_key),
    "ix_references_live_year": (ReferenceRow.year,),
    "ix_references_live_venue": (ReferenceRow.venue,),
    "ix_references_live_status": (ReferenceRow.reading_status,),
}.items():
    Index(_name, *_columns, sqlite_where=_LIVE, postgresql_where=_LIVE)
# The search filters ``type:``, ``has:code`` and ``has:abstract`` (migration 0013).
Index(
    "ix_references_live_type",
    func.lower(ReferenceRow.entry_type),
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)
for _name, _where in {
    "ix_references_live_code": and_(_LIVE, ReferenceRow.code_url != ""),
    "ix_references_live_no_abstract": and_(_LIVE, ReferenceRow.abstract == ""),
}.items():
    Index(_name, ReferenceRow.id, sqlite_where=_where, postgresql_where=_where)
# The few references in the trash (migration 0015): tag counts subtract their taggings.
_TRASHED = ReferenceRow.trashed.is_not(None)
Index("ix_references_trashed", ReferenceRow.id, sqlite_where=_TRASHED, postgresql_where=_TRASHED)


class CollectionRow(Base):
    """A collection: a folder of references (``query`` None) or a saved search (``query``
    the quick-search text it runs); folders nest through ``parent_id``."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    query: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CollectionItemRow(Base):
    """Which reference is in which (folder) collection."""

    __tablename__ = "collection_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("references.id", ondelete="CASCADE"), primary_key=True, index=True
    )
