"""Everyday library operations: listing, looking up, tagging and notes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refman.domain import AutoExport, Reference, Tag
from refman.domain.query import ListRow, ReferenceQuery
from refman.services import auto_export
from refman.services.auto_export import AutoExportOutcome
from refman.services.citekeys import DEFAULT_PATTERN, KeyAllocator, check_pattern, pattern_key
from refman.services.errors import UserError
from refman.services.exporting import ExportRequest, ExportResult, export_to_file, render
from refman.services.importing import ImportResult, import_files
from refman.storage.store import Store

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Changed:
    """What an operation changed, so a face refreshes only that.

    ``count`` is the operation's own measure (tags added, notes written, ...)."""

    reference_ids: frozenset[int] = field(default_factory=frozenset)
    tags: bool = False
    everything: bool = False
    count: int = 0


class Library:
    """The operations both faces use, over one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading ----------------------------------------------------------------------
    def resolve(self, refs: Iterable[str]) -> list[int]:
        """Ids for user-given REFs (id, citation key or arXiv id); unknown ones raise."""
        return [self.store.find_id(ref) for ref in refs]

    def references(self, tags: Sequence[str] = ()) -> list[Reference]:
        """References outside the trash carrying every tag in ``tags``, oldest first."""
        ids = self.store.query_ids(ReferenceQuery(tags=tuple(tags)))
        return self.store.references(ids)

    def get(self, ref: str | int) -> Reference:
        """One reference with attachments and provenance."""
        ref_id = ref if isinstance(ref, int) else self.store.find_id(ref)
        return self.store.references([ref_id], with_details=True)[0]

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
        """Full references (with attachments and provenance) for ``ids``, in that order."""
        return self.store.references(ids, with_details=True)

    def search_index_catch_up(self) -> int:
        """Index what the last import added (it commits first, indexes after)."""
        return self.store.search_catch_up()

    # --- writing ----------------------------------------------------------------------
    def import_files(self, paths: Iterable[Path]) -> ImportResult:
        """Import files in one transaction (see ``refman.services.importing``), then bring
        the search index up to date."""
        result = import_files(self.store, paths)
        self.search_index_catch_up()
        return result

    def update_fields(self, ref_id: int, changes: dict[str, Any], expected_version: int) -> Changed:
        """Edit fields of one reference if nobody changed it since ``expected_version``.

        Values are validated and normalised (see ``validate_field``); editing the title
        makes it no longer provisional. ``count`` is the new version."""
        clean = {name: validate_field(name, value) for name, value in changes.items()}
        if "title" in clean:
            clean["title_provisional"] = False
        with self.store.unit_of_work() as uow:
            if "citekey" in clean and uow.citekey_owner(clean["citekey"]) not in (None, ref_id):
                raise UserError(f"citekey: {clean['citekey']} is already another reference's key")
            version = uow.update_checked(ref_id, expected_version, clean)
        return Changed(reference_ids=frozenset({ref_id}), count=version)

    def edit_note(self, note_id: int, text: str) -> Changed:
        """Replace a note's Markdown text."""
        with self.store.unit_of_work() as uow:
            ref_id = uow.edit_note(note_id, text)
        return Changed(reference_ids=frozenset({ref_id}), count=note_id)

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
        return Changed(reference_ids=frozenset(ref_ids), tags=True, everything=True, count=moved)

    def empty_trash(self) -> Changed:
        """Delete trashed references for good; ``count`` is how many."""
        with self.store.unit_of_work() as uow:
            ids = uow.empty_trash()
        return Changed(reference_ids=frozenset(ids), tags=True, everything=True, count=len(ids))

    def add_tags(self, names: Sequence[str], ref_ids: Sequence[int]) -> Changed:
        """Tag references; ``count`` is how many new (reference, tag) pairs there are."""
        names = _clean_tag_names(names)
        with self.store.unit_of_work() as uow:
            added = uow.tag(ref_ids, names)
        return Changed(reference_ids=frozenset(ref_ids), tags=True, count=added)

    def remove_tag(self, name: str, ref_ids: Sequence[int]) -> Changed:
        """Untag references; ``count`` is how many carried the tag."""
        with self.store.unit_of_work() as uow:
            removed = uow.untag(ref_ids, name)
        return Changed(reference_ids=frozenset(ref_ids), tags=True, count=removed)

    def rename_tag(self, old: str, new: str) -> Changed:
        """Rename a tag; renaming onto an existing tag merges the two (``count`` = 1)."""
        (new,) = _clean_tag_names([new])
        with self.store.unit_of_work() as uow:
            merged = uow.rename_tag(old, new)
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
                uow.update_fields(ref_id, {"citekey": f"\x00{ref_id}"})
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

    def add_note(self, ref_id: int, text: str) -> Changed:
        """Add a Markdown note; ``count`` is the new note's id."""
        if not text.strip():
            raise UserError("a note cannot be empty")
        with self.store.unit_of_work() as uow:
            note_id = uow.add_note(ref_id, text)
        return Changed(reference_ids=frozenset({ref_id}), count=note_id)


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


def _clean_tag_names(names: Sequence[str]) -> list[str]:
    cleaned = [" ".join(n.split()) for n in names]
    if not cleaned or any(not n for n in cleaned):
        raise UserError("a tag name cannot be empty")
    return cleaned
