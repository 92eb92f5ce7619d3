"""Everyday library operations: listing, looking up, tagging and notes."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from refman.domain import Attachment, AutoExport, Collection, Note, Reference, Tag
from refman.domain.model import READING_STATUSES
from refman.domain.query import ListRow, ReferenceQuery
from refman.domain.search_query import QuerySyntaxError, parse_query
from refman.formats.pdf_identifiers import PdfClues
from refman.services import attachments, auto_export, metadata
from refman.services.attachments import AttachmentPreferences
from refman.services.auto_export import AutoExportOutcome
from refman.services.backups import AFTER_OPERATION, DAILY, Backup, Backups
from refman.services.citekeys import DEFAULT_PATTERN, KeyAllocator, check_pattern, pattern_key
from refman.services.duplicates import (
    Cluster,
    MergeRecord,
    find_duplicates,
    merge_references,
    unmerge_references,
)
from refman.services.errors import UserError
from refman.services.exporting import ExportRequest, ExportResult, export_to_file, render
from refman.services.health import LibraryHealth
from refman.services.importing import ImportResult, import_files
from refman.services.lookup import LookupClient, LookupSettings, Progress
from refman.services.metadata import AddOutcome, DownloadOutcome, FetchOutcome, MetadataUpdate
from refman.services.searching import Searcher, SearchResult
from refman.storage import search_index
from refman.storage.engine import migrate
from refman.storage.store import Store, UnitOfWork

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Changed:
    """What an operation changed, so a face refreshes only that.

    ``count`` is the operation's own measure (tags added, notes written, ...)."""

    reference_ids: frozenset[int] = field(default_factory=frozenset)
    tags: bool = False
    collections: bool = False
    everything: bool = False
    count: int = 0


class Library:
    """The operations both faces use, over one :class:`Store`.

    An SQLite library also has ``backups`` and ``health`` (its integrity checks and
    session; see ``refman.services.health``); both are None for PostgreSQL."""

    def __init__(
        self,
        store: Store,
        *,
        backups: Backups | None = None,
        health: LibraryHealth | None = None,
    ) -> None:
        self.store = store
        self.backups = backups
        self.health = health
        self.backup_reason: str | None = None
        """Set by a large operation (import, merge, tag rename): a backup is due after it
        (``run_pending_backup``, called by the faces once the operation is shown)."""

    def close(self) -> None:
        """Close the library: its connections, and its session (a clean shutdown)."""
        self.store.close()
        if self.health is not None:
            self.health.end()

    # --- backups ----------------------------------------------------------------------
    def request_backup(self, reason: str) -> None:
        """Note that a large operation finished (``reason``: import, merge, tag-rename)."""
        if self.backups is not None:
            self.backup_reason = reason

    def run_pending_backup(self) -> Backup | None:
        """The backup a large operation asked for, unless one was made in the last
        ``AFTER_OPERATION`` minutes; raises ``BackupError`` (the library is unaffected)."""
        reason, self.backup_reason = self.backup_reason, None
        if reason is None or self.backups is None or not self._writable():
            return None
        return self.backups.create_if_due(reason, AFTER_OPERATION)

    def run_daily_backup(self) -> Backup | None:
        """A backup when the newest is over a day old (at start, once the check passed)."""
        if self.backups is None or not self._writable():
            return None
        return self.backups.create_if_due("daily", DAILY)

    def restore_backup(self, backup: Backup) -> tuple[Changed, Backup | None]:
        """Make the library what ``backup`` holds (see ``Backups.restore``: the library
        as it was is kept first, returned when it was backed up), check it again (writes
        are allowed once it passes) and bring its schema up to date."""
        if self.backups is None:
            raise UserError("backups are kept for SQLite libraries only")
        self.store.close()  # (pooled connections; new ones read the restored file)
        saved = self.backups.restore(backup)
        if self.health is not None:
            self.health.check()
        migrate(self.store.engine)
        self.store.search_catch_up()
        return Changed(tags=True, collections=True, everything=True), saved

    def _writable(self) -> bool:
        """Whether automatic backups are on and the library passed its check (never back
        up a failing library over the good backups)."""
        if self.backups is None or not self.backups.automatic:
            return False
        return self.health is None or (
            self.health.guard.decided and self.health.guard.refusal is None
        )

    # --- reading ----------------------------------------------------------------------
    def resolve(self, refs: Iterable[str]) -> list[int]:
        """Ids for user-given REFs (id, citation key or arXiv id); unknown ones raise."""
        return [self.store.find_id(ref) for ref in refs]

    def references(self, tags: Sequence[str] = ()) -> list[Reference]:
        """References outside the trash carrying every tag in ``tags``, oldest first."""
        ids = self.store.query_ids(ReferenceQuery(tags=tuple(tags)))
        return self.store.references(ids)

    def get(self, ref: str | int) -> Reference:
        """One reference with attachments (missing files marked) and provenance."""
        ref_id = ref if isinstance(ref, int) else self.store.find_id(ref)
        found = self.store.references([ref_id], with_details=True)
        attachments.check_files(found, self.attachment_folder())
        return found[0]

    def tags(self) -> list[Tag]:
        """Every tag with its count."""
        return self.store.tags()

    def count(self) -> int:
        """References outside the trash."""
        return self.store.count()

    def count_trashed(self) -> int:
        """References in the trash."""
        return self.store.count(trashed=True)

    def query_ids(self, query: ReferenceQuery, *, limit: int | None = None) -> list[int]:
        """Ids matching ``query``, filtered and sorted in SQL (the first ``limit``)."""
        return self.store.query_ids(query, limit=limit)

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        """What the reference list shows for ``ids``, in that order."""
        return self.store.rows(ids)

    def load(self, ids: Sequence[int]) -> list[Reference]:
        """Full references (with attachments, missing files marked, and provenance) for
        ``ids``, in that order."""
        found = self.store.references(ids, with_details=True)
        attachments.check_files(found, self.attachment_folder())
        return found

    def search_index_catch_up(self) -> int:
        """Index what the last import added (it commits first, indexes after)."""
        return self.store.search_catch_up()

    # --- writing ----------------------------------------------------------------------
    def import_files(self, paths: Iterable[Path]) -> ImportResult:
        """Import files in one transaction (see ``refman.services.importing``), then bring
        the search index up to date."""
        result = import_files(self.store, paths)
        self.search_index_catch_up()
        self.request_backup("import")
        return result

    def update_fields(self, ref_id: int, changes: dict[str, Any], expected_version: int) -> Changed:
        """Edit fields of one reference if nobody changed it since ``expected_version``.

        Values are validated and normalised (see ``validate_field``); editing the title
        makes it no longer provisional. ``count`` is the new version."""
        clean = {name: validate_field(name, value) for name, value in changes.items()}
        if "title" in clean:
            clean["title_provisional"] = False

        def edit(uow: UnitOfWork) -> int:
            if "citekey" in clean and uow.citekey_owner(clean["citekey"]) not in (None, ref_id):
                raise UserError(f"citekey: {clean['citekey']} is already another reference's key")
            return uow.update_checked(ref_id, expected_version, clean)

        version = self.store.write(edit)
        return Changed(reference_ids=frozenset({ref_id}), count=version)

    def edit_note(self, note_id: int, text: str, version: int | None = None) -> Changed:
        """Replace a note's Markdown text; ``count`` is the note's new version (as
        ``update_fields``' is the reference's), to send with the next edit.

        With ``version``, only if nobody saved the note since: a lost race raises
        ``NoteConflictError`` (a ``ConflictError``) with the note's text and version in
        the library now, and writes nothing. Without, the edit is unconditional (undo
        and redo, which compare the text first)."""
        edit = self.store.write(lambda uow: uow.edit_note(note_id, text, version))
        return Changed(reference_ids=frozenset({edit.reference_id}), count=edit.version)

    def note(self, note_id: int) -> Note | None:
        """A note as the library holds it now, with its version; None when deleted."""
        return self.store.note(note_id)

    def delete_note(self, note_id: int) -> Changed:
        """Delete a note."""
        with self.store.unit_of_work() as uow:
            ref_id, _text = uow.delete_note(note_id)
        return Changed(reference_ids=frozenset({ref_id}), count=note_id)

    def trash(self, ref_ids: Sequence[int]) -> Changed:
        """Move references to the trash (restorable); ``count`` is how many moved."""
        with self.store.unit_of_work() as uow:
            moved = uow.set_trashed(ref_ids, True)
        return Changed(reference_ids=frozenset(ref_ids), tags=True, everything=True, count=moved)

    def restore(self, ref_ids: Sequence[int]) -> Changed:
        """Bring references back from the trash."""
        with self.store.unit_of_work() as uow:
            moved = uow.set_trashed(ref_ids, False)
            uow.unmark_merged(ref_ids)  # restored by hand: no longer merged away
        return Changed(reference_ids=frozenset(ref_ids), tags=True, everything=True, count=moved)

    def empty_trash(self) -> Changed:
        """Delete trashed references for good, with the copies of their files in the
        attachment folder; ``count`` is how many references."""
        with self.store.unit_of_work() as uow:
            copies = uow.attachment_locations(copied=True, trashed=True)
            ids = uow.empty_trash()
        attachments.delete_unused_copies(self.store, copies)
        return Changed(reference_ids=frozenset(ids), tags=True, everything=True, count=len(ids))

    def add_tags(self, names: Sequence[str], ref_ids: Sequence[int]) -> Changed:
        """Tag references; ``count`` is how many new (reference, tag) pairs there are."""
        names = _clean_tag_names(names)
        added = self.store.write(lambda uow: uow.tag(ref_ids, names))
        return Changed(reference_ids=frozenset(ref_ids), tags=True, count=added)

    def remove_tag(self, name: str, ref_ids: Sequence[int]) -> Changed:
        """Untag references; ``count`` is how many carried the tag."""
        removed = self.store.write(lambda uow: uow.untag(ref_ids, name))
        return Changed(reference_ids=frozenset(ref_ids), tags=True, count=removed)

    def rename_tag(self, old: str, new: str) -> Changed:
        """Rename a tag; renaming onto an existing tag merges the two (``count`` = 1)."""
        (new,) = _clean_tag_names([new])
        with self.store.unit_of_work() as uow:
            merged = uow.rename_tag(old, new)
        self.request_backup("tag-rename")
        return Changed(tags=True, everything=True, count=int(merged))

    def set_tag_colour(self, name: str, colour: str | None) -> Changed:
        """Colour a tag (``#rrggbb``) or clear its colour with None."""
        if colour is not None and not _COLOUR.match(colour):
            raise UserError(f"colour {colour!r} is not of the form #rrggbb")
        with self.store.unit_of_work() as uow:
            uow.set_tag_colour(name, colour)
        return Changed(tags=True, everything=True)

    def delete_tag(self, name: str) -> Changed:
        """Delete a tag from the library and from every reference."""
        with self.store.unit_of_work() as uow:
            uow.delete_tag(name)
        return Changed(tags=True, everything=True)

    def regenerate_citekeys(
        self, ref_ids: Sequence[int], pattern: str = DEFAULT_PATTERN
    ) -> Changed:
        """Give references new citation keys from ``pattern`` (``{author}{year}{title}``
        and the other ``PATTERN_FIELDS``), unique across the library with a, b, c
        suffixes. Keys are otherwise stable: nothing else ever changes them."""
        try:
            check_pattern(pattern)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        refs = self.store.references(list(dict.fromkeys(ref_ids)))
        with self.store.unit_of_work() as uow:
            allocator = KeyAllocator(uow.citekeys() - {ref.citekey for ref in refs})
            new = {ref.id: allocator.allocate(pattern_key(ref, pattern)) for ref in refs}
            changed = {r.id: new[r.id] for r in refs if r.id is not None and new[r.id] != r.citekey}
            # Through temporary keys: a new key may be one another of these still holds.
            for ref_id in changed:
                uow.update_fields(ref_id, {"citekey": f"#regenerating-{ref_id}"})
            for ref_id, key in changed.items():
                uow.update_fields(ref_id, {"citekey": key})
        return Changed(reference_ids=frozenset(changed), count=len(changed))

    # --- export -----------------------------------------------------------------------
    def export(self, ids: Sequence[int], request: ExportRequest, path: Path) -> ExportResult:
        """Write references ``ids`` to ``path`` atomically (see ``refman.services.exporting``)."""
        return export_to_file(self.store.references, ids, request, path)

    def render(self, ids: Sequence[int], request: ExportRequest) -> str:
        """The text of an export of ``ids`` (preview, clipboard, standard output)."""
        return render(self.store.references(ids), request)

    def auto_exports(self) -> list[AutoExport]:
        """The files kept in sync with the library or a tag."""
        return self.store.auto_exports()

    def add_auto_export(self, export: AutoExport) -> AutoExport:
        """Keep a file in sync from now on (it is written at once)."""
        return auto_export.add(self.store, export)

    def remove_auto_export(self, export_id: int) -> None:
        """Stop keeping a file in sync."""
        auto_export.remove(self.store, export_id)

    def run_auto_exports(self) -> list[AutoExportOutcome]:
        """Bring every auto-exported file up to date (after a change)."""
        return auto_export.run_all(self.store)

    # --- collections ------------------------------------------------------------------
    def collections(self) -> list[Collection]:
        """Every folder and saved search, by name (``parent_id`` gives the tree)."""
        return self.store.collections()

    def collection(self, ref: str | int) -> Collection:
        """A collection by id or by path ("Thesis/Chapter 2"; names ignore case)."""
        collections = self.store.collections()
        if isinstance(ref, int) or ref.isdigit():
            found = [c for c in collections if c.id == int(ref)]
        else:
            parent: int | None = None
            found = []
            for part in (p.strip() for p in ref.split("/")):
                found = [
                    c
                    for c in collections
                    if c.parent_id == parent and c.name.casefold() == part.casefold()
                ]
                if not found:
                    break
                parent = found[0].id
        if not found:
            raise UserError(f"no collection {ref!r}")
        return found[0]

    def collection_query(
        self, ref: str | int, base: ReferenceQuery | None = None
    ) -> ReferenceQuery:
        """``base`` (default: the whole library) narrowed to a collection: a folder's
        references, or what a saved search finds."""
        collection = self.collection(ref)
        base = base or ReferenceQuery()
        if collection.query is not None:
            return replace(base, scope_text=collection.query)
        return replace(base, collection=collection.id)

    def create_collection(
        self, name: str, parent: str | int | None = None, query: str | None = None
    ) -> Collection:
        """A new folder (in ``parent``) or, with ``query``, a saved search."""
        name = _collection_name(name)
        if query is not None:
            try:
                parse_query(query)
            except QuerySyntaxError as exc:
                raise UserError(f"saved search: {exc}") from None
        parent_id = None
        if parent is not None:
            holder = self.collection(parent)
            if holder.query is not None:
                raise UserError("collection: a saved search cannot hold collections")
            parent_id = holder.id
        siblings = [c for c in self.store.collections() if c.parent_id == parent_id]
        if any(c.name.casefold() == name.casefold() for c in siblings):
            raise UserError(f"collection: {name!r} exists already there")
        with self.store.unit_of_work() as uow:
            new_id = uow.create_collection(name, parent_id, query)
        return Collection(name, new_id, parent_id, query, None if query is not None else 0)

    def rename_collection(self, ref: str | int, name: str) -> Changed:
        """Rename a folder or saved search."""
        name = _collection_name(name)
        collection = self.collection(ref)
        with self.store.unit_of_work() as uow:
            uow.update_collection(collection.id or 0, name=name)
        return Changed(collections=True)

    def delete_collection(self, ref: str | int) -> Changed:
        """Delete a collection and its sub-collections; their references stay."""
        collection = self.collection(ref)
        with self.store.unit_of_work() as uow:
            uow.delete_collection(collection.id or 0)
        return Changed(collections=True)

    def add_to_collection(self, ref: str | int, ref_ids: Sequence[int]) -> Changed:
        """Put references into a folder (dragging rows onto it)."""
        collection = self.collection(ref)
        if collection.query is not None:
            raise UserError(f"{collection.name!r} is a saved search: it finds its references")
        with self.store.unit_of_work() as uow:
            added = uow.add_to_collection(collection.id or 0, ref_ids)
        return Changed(reference_ids=frozenset(ref_ids), collections=True, count=added)

    def remove_from_collection(self, ref: str | int, ref_ids: Sequence[int]) -> Changed:
        """Take references out of a folder (they stay in the library)."""
        collection = self.collection(ref)
        with self.store.unit_of_work() as uow:
            removed = uow.remove_from_collection(collection.id or 0, ref_ids)
        return Changed(reference_ids=frozenset(ref_ids), collections=True, count=removed)

    def add_note(self, ref_id: int, text: str) -> Changed:
        """Add a Markdown note; ``count`` is the new note's id."""
        if not text.strip():
            raise UserError("a note cannot be empty")
        note_id = self.store.write(lambda uow: uow.add_note(ref_id, text))
        return Changed(reference_ids=frozenset({ref_id}), count=note_id)

    # --- attachments and reading ----------------------------------------------------------
    def attachment_folder(self) -> Path:
        """Where the library copies attached files (see ``refman.services.attachments``)."""
        return attachments.attachment_folder(self.store)

    def attachment_preferences(self) -> AttachmentPreferences:
        """Whether new files are copied (else linked), and the attachment folder."""
        return attachments.preferences(self.store)

    def set_attachment_preferences(self, prefs: AttachmentPreferences) -> None:
        """Change the library's attachment settings (copies made stay where they are)."""
        attachments.set_preferences(self.store, prefs)

    def attach_file(
        self, reference_id: int, source: Path, *, copy: bool | None = None
    ) -> Attachment:
        """Attach a file to a reference: copied atomically into the attachment folder as
        ``<citekey>.pdf`` (``-2`` ... on a clash, never overwriting) or, ``copy`` False,
        linked where it is; ``copy`` None follows the library's setting. A file the
        reference already has is not attached twice (its attachment is returned)."""
        return attachments.attach_file(self.store, reference_id, source, copy=copy)[0]

    def attach_files(
        self, reference_id: int, sources: Sequence[Path], *, copy: bool | None = None
    ) -> tuple[Changed, list[tuple[Attachment, bool]]]:
        """``attach_file`` for each of ``sources``: each attachment with whether it is
        new (False: the reference had that file); ``count``: how many are new."""
        results = [
            attachments.attach_file(self.store, reference_id, source, copy=copy)
            for source in sources
        ]
        added = sum(new for _attachment, new in results)
        return Changed(reference_ids=frozenset({reference_id}), count=added), results

    def remove_attachment(
        self, attachment_id: int, *, delete_file: bool = False
    ) -> tuple[Changed, int, Attachment]:
        """Detach an attachment; with ``delete_file`` a copy in the attachment folder is
        deleted too (never a linked file). Returns what changed, the reference's id and
        the attachment as it was (``restore_attachment`` puts it back)."""
        with self.store.unit_of_work() as uow:
            ref_id, attachment = uow.remove_attachment(attachment_id)
        if delete_file and attachment.copied:
            attachments.delete_unused_copies(self.store, [attachment.location])
        return Changed(reference_ids=frozenset({ref_id})), ref_id, attachment

    def restore_attachment(self, reference_id: int, attachment: Attachment) -> Changed:
        """Attach again what ``remove_attachment`` detached; ``count`` is its new id."""
        with self.store.unit_of_work() as uow:
            new_id = uow.add_attachment(reference_id, attachment)
        return Changed(reference_ids=frozenset({reference_id}), count=new_id)

    def pdf_file(self, reference_id: int) -> Path | None:
        """The reference's first PDF file that exists (None: none, or all missing)."""
        (ref,) = self.store.references([reference_id], with_details=True)
        return attachments.pdf_file(ref, self.attachment_folder())

    def add_reference_from_pdf(
        self, source: Path, clues: PdfClues, *, copy: bool | None = None
    ) -> tuple[Changed, int]:
        """A reference for the PDF ``source``, which says ``clues`` about itself (see
        ``refman.formats.pdf_identifiers``): the library's reference with that arXiv id
        or DOI (restored from the Trash if need be) gets the file; otherwise a new one
        with a provisional title is created with it. Returns what changed (``count``: 1
        if a reference was created) and the reference's id."""
        ref_id = attachments.existing_reference(self.store, clues)
        if ref_id is None:
            new = attachments.reference_from_clues(clues, Path(source))
            ref_id, _attachment = attachments.add_reference_with_file(
                self.store, new, source, copy=copy
            )
            return Changed(reference_ids=frozenset({ref_id}), everything=True, count=1), ref_id
        restored = self.restore([ref_id]).count
        attachments.attach_file(self.store, ref_id, source, copy=copy)
        return Changed(reference_ids=frozenset({ref_id}), everything=bool(restored)), ref_id

    def set_reading_status(self, ref_ids: Sequence[int], status: str) -> Changed:
        """Mark references unread, reading or read (not an edit: versions stay);
        ``count`` is how many changed."""
        if status not in READING_STATUSES:
            raise UserError(f"status: {status!r} is not one of {', '.join(READING_STATUSES)}")
        with self.store.unit_of_work() as uow:
            changed = uow.set_reading_status(ref_ids, status)
        return Changed(reference_ids=frozenset(ref_ids), count=changed)

    def set_last_page(self, reference_id: int, page: int | None) -> Changed:
        """Remember the page (0-based) the reader last showed of a reference."""
        with self.store.unit_of_work() as uow:
            uow.set_last_page(reference_id, page)
        return Changed(reference_ids=frozenset({reference_id}))

    # --- duplicates -------------------------------------------------------------------
    def duplicates(self, min_confidence: float = 0.0) -> list[Cluster]:
        """Clusters of live references that look like one paper (see
        ``refman.services.duplicates``), surest first, at ``min_confidence`` or above."""
        clusters = find_duplicates(self.store.duplicate_keys(), self.store.not_duplicate_pairs())
        return [c for c in clusters if c.confidence >= min_confidence]

    def merge(
        self,
        ref_ids: Sequence[int],
        master: int | None = None,
        choices: dict[str, int] | None = None,
        *,
        versions: dict[int, int] | None = None,
    ) -> tuple[Changed, MergeRecord]:
        """Merge references into ``master`` (default: the most complete, then the oldest);
        ``choices`` maps a field (or ``authors``) to the reference whose value wins. Tags,
        notes, attachments and provenance are unioned; the others go to the Trash, marked
        as merged. ``versions``: the versions the caller showed (a reference changed
        since raises ``ConflictError``). The record undoes it (``unmerge``)."""
        with self.store.unit_of_work() as uow:
            record = merge_references(uow, ref_ids, master, choices, versions)
        self.request_backup("merge")
        return _merge_changed([record]), record

    def merge_clusters(
        self, clusters: Sequence[Cluster] | float
    ) -> tuple[Changed, list[MergeRecord]]:
        """Merge each cluster into its default master, all in one transaction; a number
        merges every cluster at that confidence or above."""
        chosen = self.duplicates(clusters) if isinstance(clusters, int | float) else clusters
        with self.store.unit_of_work() as uow:
            records = [merge_references(uow, cluster.ids) for cluster in chosen]
        self.request_backup("merge")
        return _merge_changed(records), records

    def unmerge(self, records: MergeRecord | Sequence[MergeRecord]) -> Changed:
        """Undo merges (a batch's records, undone last first, in one transaction)."""
        items = [records] if isinstance(records, MergeRecord) else list(records)
        with self.store.unit_of_work() as uow:
            for record in reversed(items):
                unmerge_references(uow, record)
        return _merge_changed(items)

    def mark_not_duplicates(self, ref_ids: Sequence[int]) -> Changed:
        """Remember that these references are not duplicates of each other (the finder
        never clusters any two of them); ``count`` is how many new pairs."""
        ids = list(dict.fromkeys(ref_ids))
        if len(ids) < 2:
            raise UserError("give at least two references")
        with self.store.unit_of_work() as uow:
            _check_exist(uow.reference_states(ids), ids)
            added = uow.add_not_duplicates(itertools.combinations(ids, 2))
        return Changed(reference_ids=frozenset(ids), count=len(added))

    def unmark_not_duplicates(self, ref_ids: Sequence[int]) -> Changed:
        """Forget "not a duplicate" between these references; ``count``: pairs forgotten."""
        ids = list(dict.fromkeys(ref_ids))
        with self.store.unit_of_work() as uow:
            removed = uow.remove_not_duplicates(itertools.combinations(ids, 2))
        return Changed(reference_ids=frozenset(ids), count=removed)

    def merged_into(self, ref_id: int) -> int | None:
        """The reference a merge folded ``ref_id`` into (it is then in the Trash)."""
        return self.store.merged_into([ref_id]).get(ref_id)

    # --- online lookup ------------------------------------------------------------------
    def lookup_settings(self) -> LookupSettings:
        """Where lookups go and the contact e-mail they carry (the environment's
        ``REFMAN_CONTACT_EMAIL``, else the library's setting)."""
        return metadata.lookup_settings(self.store)

    def set_contact_email(self, email: str) -> None:
        """Remember the contact e-mail sent with lookups ("" forgets it)."""
        metadata.set_contact_email(self.store, email)

    def fetch_metadata(
        self, ref_ids: Sequence[int], client: LookupClient, progress: Progress | None = None
    ) -> list[FetchOutcome]:
        """Look references up on arXiv or Crossref and list the changes each would get
        (see ``refman.services.metadata``); nothing is written."""
        return metadata.fetch_metadata(self.store, client, ref_ids, progress)

    def apply_metadata(self, updates: Sequence[MetadataUpdate]) -> Changed:
        """Write fetched values (``metadata.updates_for``) in one transaction; a
        reference changed since its fetch raises ``ConflictError``. ``count``: how many
        references changed."""
        if not updates:
            return Changed()
        with self.store.unit_of_work() as uow:
            ids = metadata.write_updates(uow, updates)
        return Changed(reference_ids=frozenset(ids), count=len(ids))

    def add_by_identifier(
        self, texts: Sequence[str], client: LookupClient, progress: Progress | None = None
    ) -> tuple[Changed, list[AddOutcome]]:
        """New references for arXiv ids, DOIs or links, read online, unless the library
        has them already; ``count``: how many were created."""
        outcomes = metadata.add_by_identifier(self.store, client, texts, progress)
        created = frozenset(o.reference_id for o in outcomes if o.created and o.reference_id)
        changed = Changed(reference_ids=created, everything=bool(created), count=len(created))
        return changed, outcomes

    def download_pdfs(
        self,
        ref_ids: Sequence[int],
        client: LookupClient,
        progress: Progress | None = None,
        status: Callable[[str], None] | None = None,
    ) -> tuple[Changed, list[DownloadOutcome]]:
        """Download arXiv PDFs into the attachment folder and attach them; ``count``:
        how many files were attached."""
        outcomes = metadata.download_pdfs(self.store, client, ref_ids, progress, status)
        attached = frozenset(o.reference_id for o in outcomes if o.new)
        return Changed(reference_ids=attached, count=len(attached)), outcomes

    # --- search -----------------------------------------------------------------------
    @functools.cached_property
    def searcher(self) -> Searcher:
        """Ranked search with typo tolerance (keeps the index's vocabulary)."""
        return Searcher(self.store)

    def search(self, query_text: str, limit: int | None = None) -> SearchResult:
        """References matching ``query_text`` (the query language of
        ``refman.domain.search_query``) best first, widened to near misses when the
        query finds few; a malformed query gives ``SearchResult.error``."""
        return self.searcher.search(query_text, limit=limit)

    def rebuild_search_index(self) -> int:
        """Rebuild the whole search index (a repair); returns how many entries."""
        return search_index.rebuild(self.store.engine)


def _merge_changed(records: Sequence[MergeRecord]) -> Changed:
    """What merges (or their undo) changed: the references, tag counts, the list."""
    ids = frozenset().union(*(r.reference_ids for r in records))
    count = sum(len(r.merged) for r in records)
    return Changed(reference_ids=ids, tags=True, everything=True, count=count)


def _check_exist(states: dict[int, tuple[int, bool]], ids: Sequence[int]) -> None:
    missing = [i for i in ids if i not in states]
    if missing:
        raise UserError(f"no reference {missing[0]}")


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_TEXT_FIELDS = frozenset(
    "entry_type citekey title abstract venue journal_ref url code_url comments "
    "volume issue pages publisher".split()
)
_INT_FIELDS = frozenset({"year", "page_count", "figure_count", "arxiv_version"})
EDITABLE_FIELDS = _TEXT_FIELDS | _INT_FIELDS | {"doi", "date", "arxiv_id"}


def validate_field(name: str, value: Any) -> Any:
    """``value`` checked and normalised for field ``name``; raises ``UserError`` naming the
    field when it is not acceptable (a year must be a number, a DOI look like 10.x/y)."""
    if name not in EDITABLE_FIELDS:
        raise UserError(f"{name}: not an editable field")
    if name in _INT_FIELDS:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            raise UserError(f"{name}: {value!r} is not a whole number") from None
        if name == "year" and not 1000 <= number <= 2999:
            raise UserError(f"year: {number} is not a plausible year")
        if number < 0:
            raise UserError(f"{name}: cannot be negative")
        return number
    if name == "date":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise UserError(f"date: {value!r} is not a date like 2021-06-30") from None
    text = " ".join(str(value or "").split()) if name != "abstract" else str(value or "").strip()
    if name == "doi" and text:
        text = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", text, flags=re.I)
        if not _DOI.match(text):
            raise UserError(f"doi: {value!r} does not look like a DOI (10.1234/...)")
    if name == "title" and not text:
        raise UserError("title: cannot be empty")
    if name == "citekey" and not re.fullmatch(r"[A-Za-z0-9_:.\-]+", text):
        raise UserError("citekey: use letters, digits and _ : . - only")
    return text


def _collection_name(name: str) -> str:
    """A collection's name with its spaces tidied; refused when empty or holding "/" (the
    path separator)."""
    name = " ".join(name.split())
    if not name or "/" in name:
        raise UserError("collection: a name is needed, without '/'")
    return name


def _clean_tag_names(names: Sequence[str]) -> list[str]:
    cleaned = [" ".join(n.split()) for n in names]
    if not cleaned or any(not n for n in cleaned):
        raise UserError("a tag name cannot be empty")
    return cleaned
