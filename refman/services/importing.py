"""Importing files: read, recognise duplicates, merge, and write in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refman.domain import Reference
from refman.domain.text import title_key
from refman.services.citekeys import KeyAllocator
from refman.services.errors import ImportCancelledError
from refman.services.matching import TitleIndex
from refman.services.reading import open_records
from refman.storage.store import REFERENCE_FIELDS, MatchIndex, Store, UnitOfWork, raw_hash

BATCH_SIZE = 2000
"""Records matched and written together; bounds memory on large files."""

ProgressCallback = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``."""
CancelCheck = Callable[[], bool]

_MERGE_SKIP = frozenset({"citekey", "title", "title_provisional", "arxiv_version", "comments"})


@dataclass(slots=True)
class ImportResult:
    """What an import changed: counts by record, and the ids touched."""

    added: int = 0
    merged: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)
    added_ids: list[int] = field(default_factory=list)
    merged_ids: set[int] = field(default_factory=set)

    @property
    def records(self) -> int:
        """How many records the files held."""
        return self.added + self.merged + self.unchanged

    def summary(self) -> str:
        """One line for the user."""
        return f"added {self.added}, merged {self.merged}, unchanged {self.unchanged}"


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def merge_into(target: Reference, incoming: Reference) -> dict[str, Any]:
    """Changes that bring ``incoming``'s knowledge into ``target`` without losing any of
    ``target``'s: empty fields are filled, a provisional title gives way to a real one,
    comments are unioned line by line, the newer arXiv version wins. ``target`` is updated
    in place; the returned dict holds the changed scalar fields."""
    changes: dict[str, Any] = {}
    for name in REFERENCE_FIELDS:
        if name in _MERGE_SKIP:
            continue
        mine, theirs = getattr(target, name), getattr(incoming, name)
        if _is_empty(mine) and not _is_empty(theirs):
            changes[name] = theirs
    if (
        incoming.title
        and not incoming.title_provisional
        and (target.title_provisional or not target.title)
    ):
        changes["title"] = incoming.title
        changes["title_provisional"] = False
    elif not target.title and incoming.title:
        changes["title"] = incoming.title
        changes["title_provisional"] = incoming.title_provisional
    if incoming.arxiv_version and (target.arxiv_version or 0) < incoming.arxiv_version:
        changes["arxiv_version"] = incoming.arxiv_version
    if incoming.comments:
        have = target.comments.splitlines()
        extra = [line for line in incoming.comments.splitlines() if line not in have]
        if extra:
            changes["comments"] = "\n".join([*have, *extra])
    for name, value in changes.items():
        setattr(target, name, value)
    return changes


@dataclass(slots=True)
class _Pending:
    """An existing reference some records of this import matched."""

    ref_id: int
    records: list[Reference] = field(default_factory=list)


class _Batch:
    """Matches a stream of records against the library and itself, then writes."""

    def __init__(self, uow: UnitOfWork, index: MatchIndex, result: ImportResult) -> None:
        self.uow = uow
        self.index = index
        self.result = result
        self.titles: TitleIndex[int | Reference] = TitleIndex()
        for key, entries in index.by_title.items():
            for ref_id, year in entries:
                self.titles.add(key, year, ref_id)
        self.by_arxiv: dict[str, int | Reference] = dict(index.by_arxiv)
        self.by_doi: dict[str, int | Reference] = dict(index.by_doi)
        self.new: list[Reference] = []
        self.pending: dict[int, _Pending] = {}
        self.keys = KeyAllocator(index.citekeys)

    def _find(self, ref: Reference) -> int | Reference | None:
        if ref.arxiv_id and ref.arxiv_id in self.by_arxiv:
            return self.by_arxiv[ref.arxiv_id]
        if ref.doi and ref.doi.lower() in self.by_doi:
            return self.by_doi[ref.doi.lower()]
        if ref.title and not ref.title_provisional:
            return self.titles.find(title_key(ref.title), ref.year)
        return None

    def _remember(self, ref: Reference, target: int | Reference) -> None:
        if ref.arxiv_id:
            self.by_arxiv.setdefault(ref.arxiv_id, target)
        if ref.doi:
            self.by_doi.setdefault(ref.doi.lower(), target)
        if ref.title and not ref.title_provisional:
            self.titles.add(title_key(ref.title), ref.year, target)

    def add(self, ref: Reference) -> None:
        """Match one record; new references and merges are queued until ``flush``."""
        target = self._find(ref)
        if target is None:
            self.new.append(ref)
            self._remember(ref, ref)
        elif isinstance(target, Reference):
            _merge_new(target, ref)
            self._remember(ref, target)
            self.result.merged += 1
        else:
            self.pending.setdefault(target, _Pending(target)).records.append(ref)
            self._remember(ref, target)

    def flush(self) -> None:
        """Write queued new references and merges into existing ones."""
        for ref in self.new:
            self.keys.assign(ref)
        ids = self.uow.insert_references(self.new)
        for ref, ref_id in zip(self.new, ids, strict=True):
            self.index.provenance_hashes[ref_id] = {raw_hash(p.raw) for p in ref.provenance}
            self._retarget(ref, ref_id)
        self.result.added += len(ids)
        self.result.added_ids.extend(ids)
        self.new = []
        self._flush_pending()

    def _retarget(self, ref: Reference, ref_id: int) -> None:
        """Later batches see a written reference by id, not as a pending object."""
        if ref.arxiv_id:
            self.by_arxiv[ref.arxiv_id] = ref_id
        if ref.doi:
            self.by_doi[ref.doi.lower()] = ref_id
        if ref.title and not ref.title_provisional:
            self.titles.add(title_key(ref.title), ref.year, ref_id)

    def _flush_pending(self) -> None:
        if not self.pending:
            return
        existing = {r.id: r for r in self.uow.references(list(self.pending), attachments=True)}
        for pending in self.pending.values():
            target = existing[pending.ref_id]
            known = self.index.provenance_hashes.setdefault(pending.ref_id, set())
            for record in pending.records:
                changes = merge_into(target, record)
                new_provenance = [p for p in record.provenance if raw_hash(p.raw) not in known]
                changed = self._write_merge(target, record, changes, new_provenance)
                known.update(raw_hash(p.raw) for p in new_provenance)
                if changed:
                    self.result.merged += 1
                    self.result.merged_ids.add(pending.ref_id)
                else:
                    self.result.unchanged += 1
        self.pending = {}

    def _write_merge(
        self,
        target: Reference,
        record: Reference,
        changes: dict[str, Any],
        new_provenance: Sequence[Any],
    ) -> bool:
        assert target.id is not None
        ref_id = target.id
        self.uow.update_fields(ref_id, changes)
        changed = bool(changes) or bool(new_provenance)
        if record.authors and not target.authors:
            self.uow.add_authors([(ref_id, record.authors)])
            target.authors = list(record.authors)
            changed = True
        new_tags = [
            t for t in record.tags if t.casefold() not in {x.casefold() for x in target.tags}
        ]
        if new_tags:
            self.uow.tag([ref_id], new_tags)
            target.tags.extend(new_tags)
            changed = True
        for note in record.notes:
            if note.text not in {n.text for n in target.notes}:
                self.uow.add_note(ref_id, note.text)
                target.notes.append(note)
                changed = True
        for attachment in record.attachments:
            if attachment.location not in {a.location for a in target.attachments}:
                self.uow.add_attachment(ref_id, attachment)
                target.attachments.append(attachment)
                changed = True
        self.uow.add_provenance([(ref_id, p) for p in new_provenance])
        return changed


def _merge_new(target: Reference, record: Reference) -> None:
    """Fold a duplicate into a reference not yet written (both come from this import)."""
    merge_into(target, record)
    if record.authors and not target.authors:
        target.authors = list(record.authors)
    folded = {t.casefold() for t in target.tags}
    target.tags.extend(t for t in record.tags if t.casefold() not in folded)
    texts = {n.text for n in target.notes}
    target.notes.extend(n for n in record.notes if n.text not in texts)
    locations = {a.location for a in target.attachments}
    target.attachments.extend(a for a in record.attachments if a.location not in locations)
    hashes = {raw_hash(p.raw) for p in target.provenance}
    target.provenance.extend(p for p in record.provenance if raw_hash(p.raw) not in hashes)


def import_files(
    store: Store,
    paths: Iterable[Path],
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> ImportResult:
    """Import every file in one transaction: all of them land, or (on a parse error, a
    cancel or any failure) none does and the library is unchanged."""
    paths = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in paths if p.is_file())
    result = ImportResult(files=[str(p) for p in paths])
    now = dt.datetime.now(dt.UTC)
    with store.unit_of_work() as uow:
        uow.pause_search_index()
        batch = _Batch(uow, uow.match_index(), result)
        done_before = 0
        for path in paths:
            opened = open_records(path)
            for count, ref in enumerate(opened.records, start=1):
                for p in ref.provenance:
                    p.imported = now
                batch.add(ref)
                if count % BATCH_SIZE == 0:
                    batch.flush()
                    if cancelled is not None and cancelled():
                        raise ImportCancelledError("import cancelled; the library is unchanged")
                    if progress is not None:
                        progress(done_before + opened.bytes_read(), total)
            done_before += opened.size
        batch.flush()
        if cancelled is not None and cancelled():
            raise ImportCancelledError("import cancelled; the library is unchanged")
        uow.resume_search_index([*result.added_ids, *result.merged_ids])
    if progress is not None:
        progress(total, total)
    return result
