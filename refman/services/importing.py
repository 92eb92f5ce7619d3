"""Importing files: read, recognise duplicates, merge, and write in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refman.domain import Attachment, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.services.citekeys import KeyAllocator
from refman.services.errors import ImportCancelledError
from refman.services.reading import (
    ROW_COLUMNS,
    W_ADDED,
    W_AUTHORS,
    W_EXTRAS,
    W_KEY_BASE,
    W_PROVENANCE,
    W_ROW,
    W_SORT_AUTHOR,
    W_TARGET,
    W_TITLE_KEY,
    Read,
    RecordReader,
    Wire,
    decode,
    encode,
    finish,
    raw_hash,
)
from refman.storage.store import Store, UnitOfWork

BATCH_SIZE = 1000
"""Records matched and written together; bounds memory on large files (a batch is a few
megabytes, and two processes each hold about three of them)."""

ProgressCallback = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``."""
CancelCheck = Callable[[], bool]

_MERGE_SKIP = frozenset(
    {"citekey", "title", "title_provisional", "arxiv_version", "comments", "extra"}
)
_MERGE_FILLED = tuple(name for name in REFERENCE_FIELDS if name not in _MERGE_SKIP)
"""Fields a merge fills, when empty (None or ""), from the incoming record."""


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


def merge_into(target: Reference, incoming: Reference) -> dict[str, Any]:
    """Changes that bring ``incoming``'s knowledge into ``target`` without losing any of
    ``target``'s: empty fields are filled, a provisional title gives way to a real one,
    comments are unioned line by line, the newer arXiv version wins. ``target`` is updated
    in place; the returned dict holds the changed scalar fields."""
    changes: dict[str, Any] = {}
    for name in _MERGE_FILLED:
        mine = getattr(target, name)
        if mine is None or mine == "":
            theirs = getattr(incoming, name)
            if theirs is not None and theirs != "":
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
    missing_extra = {k: v for k, v in incoming.extra.items() if v and not target.extra.get(k)}
    if missing_extra:
        changes["extra"] = {**target.extra, **missing_extra}
    if incoming.comments:
        have = target.comments.splitlines()
        extra = [line for line in incoming.comments.splitlines() if line not in have]
        if extra:
            changes["comments"] = "\n".join([*have, *extra])
    for name, value in changes.items():
        setattr(target, name, value)
    return changes


class _Writer:
    """Writes an import's matched records (see ``reading.Wire``) batch by batch: new
    references in bulk, duplicates merged into what they matched."""

    def __init__(self, uow: UnitOfWork, citekeys: set[str], result: ImportResult) -> None:
        self.uow = uow
        self.result = result
        self.now = dt.datetime.now(dt.UTC)
        self.keys = KeyAllocator(citekeys)
        self.written: list[int] = []  # the id of this import's n-th new reference
        self.new: list[Wire] = []  # new references not yet written, in order
        self.merged_new: dict[int, Reference] = {}  # ... those a later record merged into
        self.merged_provenance: dict[int, list[tuple[Any, ...]]] = {}
        self.pending: dict[int, list[Wire]] = {}  # written references: records to merge
        self.finished = False  # whether the batch being added holds Wire tuples

    def add(self, read: Read) -> None:
        """Queue one record: a new reference, or a duplicate of a reference written
        before (merged at ``flush``) or of a new one still queued (merged now)."""
        wire = read if self.finished else finish(read)
        target = wire[W_TARGET]
        if target is None:
            self.new.append(wire)
            return
        if target < 0:
            position = -target - 1 - len(self.written)
            if position >= 0:
                merged = self.merged_new.get(position)
                if merged is None:
                    merged = self.merged_new[position] = decode(self.new[position])
                _merge_new(merged, decode(wire))
                # the provenance entries as read (encoded and hashed already)
                entries = self.merged_provenance.setdefault(
                    position, list(self.new[position][W_PROVENANCE])
                )
                known = {entry[4] for entry in entries}
                entries.extend(e for e in wire[W_PROVENANCE] if e[4] not in known)
                self.result.merged += 1
                return
            target = self.written[-target - 1]
        self.pending.setdefault(target, []).append(wire)

    def start_batch(self, *, finished: bool) -> None:
        """``finished``: the records added next are ``Wire`` tuples, not ``Read`` ones."""
        self.finished = finished

    def flush(self) -> None:
        """Write queued new references and merges into existing ones."""
        if self.new:
            self._write_new()
        if self.pending:
            self._flush_pending()

    def _provenance_rows(
        self, items: list[tuple[int, tuple[Any, ...]]]
    ) -> list[tuple[int, tuple[Any, ...]]]:
        """``(ref_id, wire provenance)`` as ``add_provenance_rows`` items: the raw texts
        go, one after another, into runs of up to ``RUN_BYTES`` written first, and each
        row points at its bytes there."""
        placed = []
        runs: list[bytes] = []
        pieces: list[bytes] = []
        size = 0
        for ref_id, (source, line, fmt, data, digest) in items:
            if pieces and size + len(RUN_SEPARATOR) + len(data) > RUN_BYTES:
                runs.append(b"".join(pieces))
                pieces, size = [], 0
            if pieces:
                pieces.append(RUN_SEPARATOR)
                size += len(RUN_SEPARATOR)
            pieces.append(data)
            placed.append((ref_id, source, line, fmt, digest, len(runs), size, size + len(data)))
            size += len(data)
        if pieces:
            runs.append(b"".join(pieces))
        ids = self.uow.insert_raw_texts(runs)
        return [
            (ref_id, (source, line, fmt, None, digest, ids[run], start, end))
            for ref_id, source, line, fmt, digest, run, start, end in placed
        ]

    def _write_new(self) -> None:
        for position, ref in self.merged_new.items():
            wire = finish(encode(ref, None))
            entries = tuple(self.merged_provenance[position])
            self.new[position] = (*wire[:W_PROVENANCE], entries, *wire[W_PROVENANCE + 1 :])
        wires, self.new, self.merged_new, self.merged_provenance = self.new, [], {}, {}
        allocate = self.keys.allocate
        rows = [
            (allocate(w[W_KEY_BASE]), *w[W_ROW], w[W_TITLE_KEY], w[W_SORT_AUTHOR]) for w in wires
        ]
        uow = self.uow
        ids = uow.insert_reference_rows(_INSERT_COLUMNS, rows, [w[W_ADDED] for w in wires])
        uow.add_author_rows(
            [(i, w[W_AUTHORS]) for i, w in zip(ids, wires, strict=True) if w[W_AUTHORS]],
            fresh=True,
        )
        uow.add_provenance_rows(
            self._provenance_rows(
                [(i, p) for i, w in zip(ids, wires, strict=True) for p in w[W_PROVENANCE]]
            ),
            self.now,
        )
        # Tags and notes in bulk: one statement per tag, one for all notes (per reference,
        # a BibTeX or RIS import with keywords spent most of its time here).
        tagged: dict[str, list[int]] = defaultdict(list)
        notes: list[tuple[int, str]] = []
        for ref_id, wire in zip(ids, wires, strict=True):
            if wire[W_EXTRAS] is not None:
                tags, texts, attachments = wire[W_EXTRAS]
                for name in tags:
                    tagged[name].append(ref_id)
                notes.extend((ref_id, text) for text in texts)
                for location, kind in attachments:
                    uow.add_attachment(ref_id, Attachment(location, kind))
        for name, tag_ids in tagged.items():
            uow.tag(tag_ids, [name])
        uow.add_notes(notes)
        self.written.extend(ids)
        self.result.added += len(ids)
        self.result.added_ids.extend(ids)

    def _flush_pending(self) -> None:
        pending, self.pending = self.pending, {}
        ids = list(pending)
        extras = any(w[W_EXTRAS] is not None for wires in pending.values() for w in wires)
        targets = self.uow.merge_targets(ids, extras=extras)
        known = self.uow.provenance_hashes(ids)
        for ref_id, wires in pending.items():
            target = targets[ref_id]
            hashes = known[ref_id]
            for wire in wires:
                record = decode(wire, provenance=False)
                changes = merge_into(target, record)
                new_provenance = [p for p in wire[W_PROVENANCE] if p[4] not in hashes]
                hashes.update(p[4] for p in new_provenance)
                if self._write_merge(ref_id, target, record, changes, new_provenance):
                    self.result.merged += 1
                    self.result.merged_ids.add(ref_id)
                else:
                    self.result.unchanged += 1

    def _write_merge(
        self,
        ref_id: int,
        target: Reference,
        record: Reference,
        changes: dict[str, Any],
        new_provenance: list[tuple[Any, ...]],
    ) -> bool:
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
        if new_provenance:
            self.uow.add_provenance_rows(
                self._provenance_rows([(ref_id, p) for p in new_provenance]), self.now
            )
        return changed


_INSERT_COLUMNS = ("citekey", *ROW_COLUMNS, "title_key", "sort_author")


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


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A large import allocates millions of short-lived tuples (a batch's records and rows,
    alive until the batch is written): with the default threshold the cyclic garbage
    collector walks each of them several times as it survives into older generations,
    for no cycle ever found. A higher first threshold lets a batch die young."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], _GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


_GC_THRESHOLD = 200_000


RUN_BYTES = 65536
"""A run of raw texts (``raw_texts``) closes before it would pass this size: reading one
record's raw text back reads its run."""
RUN_SEPARATOR = b"\n\n"
"""Between two raw texts in a run (as between two records in most files)."""

PARALLEL_MIN_BYTES = 8 << 20
"""From this much input on, records are read in a child process while this one writes:
starting it costs 0.1-0.2 s, won back from about 10 MB (5,000 listing records) on."""


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
    in_child = total >= PARALLEL_MIN_BYTES
    with (
        _fewer_collections() if in_child else contextlib.nullcontext(),
        RecordReader(paths, batch_size=BATCH_SIZE, in_child=in_child) as reader,
        store.unit_of_work(bulk=True) as uow,
    ):
        uow.pause_search_index()
        index = uow.match_index()
        reader.start((index.by_arxiv, index.by_doi, index.by_title))
        writer = _Writer(uow, index.citekeys, result)
        del index  # the reader has the rest
        for batch in reader:
            writer.start_batch(finished=batch.finished)
            for wire in batch.wires:
                writer.add(wire)
            writer.flush()
            if cancelled is not None and cancelled():
                raise ImportCancelledError("import cancelled; the library is unchanged")
            if progress is not None and not batch.last:
                progress(batch.done, total)
        uow.resume_search_index([*result.added_ids, *result.merged_ids])
    if progress is not None:
        progress(total, total)
    return result
