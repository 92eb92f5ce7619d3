"""Everyday library operations: listing, looking up, tagging and notes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from refman.domain import Reference, Tag
from refman.services.errors import UserError
from refman.services.importing import ImportResult, import_files
from refman.storage.store import ReferenceQuery, Store

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

    # --- writing ----------------------------------------------------------------------
    def import_files(self, paths: Iterable[Path]) -> ImportResult:
        """Import files in one transaction (see ``refman.services.importing``)."""
        return import_files(self.store, paths)

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

    def add_note(self, ref_id: int, text: str) -> Changed:
        """Add a Markdown note; ``count`` is the new note's id."""
        if not text.strip():
            raise UserError("a note cannot be empty")
        with self.store.unit_of_work() as uow:
            note_id = uow.add_note(ref_id, text)
        return Changed(reference_ids=frozenset({ref_id}), count=note_id)


def _clean_tag_names(names: Sequence[str]) -> list[str]:
    cleaned = [" ".join(n.split()) for n in names]
    if not cleaned or any(not n for n in cleaned):
        raise UserError("a tag name cannot be empty")
    return cleaned
