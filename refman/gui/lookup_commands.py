"""Undo steps of the online lookup: a whole fetch's accepted changes, references added by
identifier, PDFs downloaded (see ``undo_commands`` for the pattern: the operation is done
before the push, so the first ``redo`` is a no-op)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from refman.gui.library_bridge import LibraryBridge
from refman.gui.undo_commands import LibraryCommand
from refman.services.library import Changed
from refman.services.metadata import EXTRA, MetadataUpdate


def touched_fields(updates: Sequence[MetadataUpdate]) -> frozenset[str]:
    """The field names ``updates`` write, as ``LibraryBridge.apply`` wants them."""
    names = {name for u in updates for name in u.values}
    return frozenset("extra" if n.startswith(EXTRA) else n for n in names)


class FetchMetadataCommand(LibraryCommand):
    """A fetch's accepted changes to any number of references, as one step: undo writes
    the old values back (provisional titles become provisional again), redo the fetched
    ones. Neither checks versions (the undo history orders the steps)."""

    def __init__(
        self,
        bridge: LibraryBridge,
        forward: Sequence[MetadataUpdate],
        backward: Sequence[MetadataUpdate],
    ) -> None:
        count = len(forward)
        noun = "reference" if count == 1 else "references"
        super().__init__(bridge, f"Fetch metadata for {count:,} {noun}")
        self.touched = touched_fields(forward)
        self._forward = [replace(u, version=None) for u in forward]
        self._backward = list(backward)

    def _redo(self) -> Changed:
        return self._bridge.library.apply_metadata(self._forward)

    def _undo(self) -> Changed:
        return self._bridge.library.apply_metadata(self._backward)


class AddReferencesCommand(LibraryCommand):
    """References added by identifier: undo moves them to the Trash (where deleted
    references go), redo brings them back."""

    def __init__(self, bridge: LibraryBridge, ids: Sequence[int], title: str) -> None:
        super().__init__(bridge, title)
        self._ids = list(ids)

    def _redo(self) -> Changed:
        return self._bridge.library.restore(self._ids)

    def _undo(self) -> Changed:
        return self._bridge.library.trash(self._ids)
