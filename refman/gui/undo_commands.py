"""Undoable library operations for the window's QUndoStack.

Each ``do_...`` function performs an operation right away (so a validation error reaches
the caller before anything is pushed) and returns the command to push; the command's
first ``redo`` is then a no-op. Undo and redo go through the :class:`LibraryBridge`, so
the panes refresh; a failure (someone else changed the library) is reported and the
command dropped from the stack."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QUndoCommand

from refman.domain import Attachment, Reference
from refman.gui.library_bridge import NOTES, TAGS, LibraryBridge
from refman.services.duplicates import MergeRecord
from refman.services.errors import USER_ERRORS, UserError
from refman.services.library import Changed, Library, validate_field
from refman.services.watching import ConflictError, NotFoundError


def merge_changes(changes: Iterable[Changed]) -> Changed:
    """One ``Changed`` describing all of ``changes``."""
    items = list(changes)
    return Changed(
        reference_ids=frozenset().union(*(c.reference_ids for c in items)),
        tags=any(c.tags for c in items),
        everything=any(c.everything for c in items),
        count=sum(c.count for c in items),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class LibraryCommand(QUndoCommand):
    """Base: ``_undo`` and ``_redo`` return what they changed; ``touched`` says what
    about the references (see ``LibraryBridge.apply``; None: anything)."""

    touched: frozenset[str] | None = None

    def __init__(self, bridge: LibraryBridge, text: str) -> None:
        super().__init__(text)
        self._bridge = bridge
        self._already_done = True

    def redo(self) -> None:
        """Skip the first call (the operation was done before the push)."""
        if self._already_done:
            self._already_done = False
            return
        self._guard(self._redo, "redo")

    def undo(self) -> None:
        """Reverse the operation."""
        self._guard(self._undo, "undo")

    def _guard(self, step: Callable[[], Changed], verb: str) -> None:
        try:
            changed = step()
        except USER_ERRORS as exc:
            self.setObsolete(True)
            self._bridge.report_error(f"Could not {verb} “{self.text()}”: {exc}")
            return
        self._bridge.apply(changed, self.touched)

    def _redo(self) -> Changed:
        raise NotImplementedError

    def _undo(self) -> Changed:
        raise NotImplementedError


# --- tags -------------------------------------------------------------------------------
_TAGS_TOUCHED = frozenset({TAGS})
_NOTES_TOUCHED = frozenset({NOTES})


def _tag_keys(bridge: LibraryBridge, ids: Sequence[int]) -> dict[int, set[str]]:
    """Each reference's tag names, case-folded (from the rows the list and the detail
    pane cached, else one batch query)."""
    return {row.id: {tag.casefold() for tag, _colour in row.tags} for row in bridge.rows(ids)}


def _carriers(bridge: LibraryBridge, name: str, ids: Sequence[int]) -> list[int]:
    key = name.casefold()
    keys = _tag_keys(bridge, ids)
    return [i for i in ids if key in keys.get(i, ())]


class TagCommand(LibraryCommand):
    """Tagging: undo removes exactly the (reference, tag) pairs it added, and deletes a
    tag the tagging created."""

    touched = _TAGS_TOUCHED

    def __init__(
        self,
        bridge: LibraryBridge,
        added: dict[str, list[int]],
        created: set[str],
        text: str,
    ) -> None:
        super().__init__(bridge, text)
        self._added = added
        self._created = created

    def _redo(self) -> Changed:
        library = self._bridge.library
        return merge_changes(
            library.add_tags([name], ids) for name, ids in self._added.items() if ids
        )

    def _undo(self) -> Changed:
        library = self._bridge.library
        changes = []
        for name, ids in self._added.items():
            if name.casefold() in self._created:
                changes.append(library.delete_tag(name))
            elif ids:
                changes.append(library.remove_tag(name, ids))
        return merge_changes(changes)


def do_tag(bridge: LibraryBridge, names: Sequence[str], ids: Sequence[int]) -> TagCommand | None:
    """Add tags to references; None when every reference already had them."""
    library = bridge.library
    known = {t.name.casefold() for t in bridge.tags()}
    keys = _tag_keys(bridge, ids)
    added = {name: [i for i in keys if name.casefold() not in keys[i]] for name in names}
    created = {n.casefold() for n in names if n.casefold() not in known}
    if not any(added.values()):
        return None
    bridge.apply(library.add_tags(list(names), list(ids)), _TAGS_TOUCHED)
    label = ", ".join(f"“{n}”" for n in names)
    count = len({i for refs in added.values() for i in refs})
    return TagCommand(bridge, added, created, f"Tag {_plural(count, 'reference')} {label}")


class UntagCommand(LibraryCommand):
    """Removing a tag: undo puts it back on the references that carried it."""

    touched = _TAGS_TOUCHED

    def __init__(self, bridge: LibraryBridge, name: str, ids: list[int]) -> None:
        super().__init__(bridge, f"Remove “{name}” from {_plural(len(ids), 'reference')}")
        self._name = name
        self._ids = ids

    def _redo(self) -> Changed:
        return self._bridge.library.remove_tag(self._name, self._ids)

    def _undo(self) -> Changed:
        return self._bridge.library.add_tags([self._name], self._ids)


def do_untag(bridge: LibraryBridge, name: str, ids: Sequence[int]) -> UntagCommand | None:
    """Remove a tag from references; None when none carried it."""
    carriers = _carriers(bridge, name, ids)
    if not carriers:
        return None
    bridge.apply(bridge.library.remove_tag(name, carriers), _TAGS_TOUCHED)
    return UntagCommand(bridge, name, carriers)


def do_toggle_tag(
    bridge: LibraryBridge, name: str, ids: Sequence[int]
) -> TagCommand | UntagCommand | None:
    """Remove ``name`` if every reference carries it, else add it to those lacking it."""
    if len(_carriers(bridge, name, ids)) == len(ids):
        return do_untag(bridge, name, ids)
    return do_tag(bridge, [name], ids)


# --- fields -----------------------------------------------------------------------------
class EditFieldCommand(LibraryCommand):
    """A field edit; undo restores the old value."""

    def __init__(
        self, bridge: LibraryBridge, ref_id: int, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        field = next(iter(new))
        super().__init__(bridge, f"Edit {field.replace('_', ' ')}")
        self.touched = frozenset(new)
        self._ref_id = ref_id
        self._old = old
        self._new = new

    def _set(self, values: dict[str, Any], expected: dict[str, Any]) -> Changed:
        """Write ``values`` if the fields still hold ``expected`` (what this command
        left them as): on a shared library someone else may have edited them since,
        and undo must not overwrite that (other fields may have changed: they stay)."""
        library = self._bridge.library
        loaded = library.load([self._ref_id])
        if not loaded:
            raise NotFoundError("the reference was deleted")
        (current,) = loaded
        moved = [n for n, v in expected.items() if not same_field_value(n, getattr(current, n), v)]
        if moved:
            fields = ", ".join(name.replace("_", " ") for name in moved)
            raise ConflictError(f"someone else changed its {fields} since")
        return library.update_fields(self._ref_id, values, expected_version=current.version)

    def _redo(self) -> Changed:
        return self._set(self._new, self._old)

    def _undo(self) -> Changed:
        return self._set(self._old, self._new)


def same_field_value(name: str, a: Any, b: Any) -> bool:
    """Whether two values of field ``name`` are the same once normalised as the library
    stores them (a typed text against a stored value)."""

    def norm(value: Any) -> Any:
        try:
            return validate_field(name, value)
        except UserError:
            return value

    return bool(norm(a) == norm(b))


def do_edit_field(
    bridge: LibraryBridge, ref: Reference, field: str, value: Any
) -> EditFieldCommand | None:
    """Set one field of ``ref`` (validated by the library; its UserError propagates)."""
    assert ref.id is not None
    old = getattr(ref, field)
    if value == old:
        return None
    bridge.apply(
        bridge.library.update_fields(ref.id, {field: value}, expected_version=ref.version),
        {field},
    )
    # Undoing a title edit restores the text but not the provisional flag: the library
    # does not let a face set ``title_provisional`` (see the GUI notes in ARCHITECTURE).
    return EditFieldCommand(bridge, ref.id, {field: old}, {field: value})


# --- notes ------------------------------------------------------------------------------
class NoteHandle:
    """A note's current id: undoing a deletion re-creates the note under a new id, and
    every command about that note must follow it."""

    def __init__(self, note_id: int) -> None:
        self.id = note_id


class NoteHandles:
    """The handle for each note id the undo history knows."""

    def __init__(self) -> None:
        self._by_id: dict[int, NoteHandle] = {}

    def handle(self, note_id: int) -> NoteHandle:
        """The handle of the note now stored as ``note_id``."""
        return self._by_id.setdefault(note_id, NoteHandle(note_id))

    def move(self, handle: NoteHandle, new_id: int) -> None:
        """The note was re-created as ``new_id``."""
        self._by_id.pop(handle.id, None)
        handle.id = new_id
        self._by_id[new_id] = handle

    def clear(self) -> None:
        """Forget every handle (when the undo history is cleared)."""
        self._by_id.clear()


class AddNoteCommand(LibraryCommand):
    """A new note; undo deletes it."""

    touched = _NOTES_TOUCHED

    def __init__(
        self,
        bridge: LibraryBridge,
        handles: NoteHandles,
        ref_id: int,
        handle: NoteHandle,
        text: str,
    ) -> None:
        super().__init__(bridge, "Add note")
        self._handles, self._ref_id, self._handle, self._text = handles, ref_id, handle, text

    def _redo(self) -> Changed:
        changed = self._bridge.library.add_note(self._ref_id, self._text)
        self._handles.move(self._handle, changed.count)
        return changed

    def _undo(self) -> Changed:
        return self._bridge.library.delete_note(self._handle.id)


class EditNoteCommand(LibraryCommand):
    """A note's text changed (one editing session, however many autosaves). Undo and
    redo refuse to overwrite someone else's later edit of the note, as field edits do."""

    touched = _NOTES_TOUCHED

    def __init__(self, bridge: LibraryBridge, handle: NoteHandle, before: str, after: str) -> None:
        super().__init__(bridge, "Edit note")
        self._handle, self._before, self._after = handle, before, after

    def _set(self, text: str, expected: str) -> Changed:
        """Write ``text`` if the note still holds ``expected`` (what this command left it
        as), against the version read with it: a save in between is refused too."""
        library = self._bridge.library
        current = library.note(self._handle.id)
        if current is None:
            raise NotFoundError("the note was deleted")
        if current.text != expected:
            raise ConflictError("someone else changed the note since")
        return library.edit_note(self._handle.id, text, current.version)

    def _redo(self) -> Changed:
        return self._set(self._after, self._before)

    def _undo(self) -> Changed:
        return self._set(self._before, self._after)


class DeleteNoteCommand(AddNoteCommand):
    """A deleted note; undo writes it again."""

    def __init__(
        self,
        bridge: LibraryBridge,
        handles: NoteHandles,
        ref_id: int,
        handle: NoteHandle,
        text: str,
    ) -> None:
        super().__init__(bridge, handles, ref_id, handle, text)
        self.setText("Delete note")

    def _redo(self) -> Changed:
        return super()._undo()

    def _undo(self) -> Changed:
        return super()._redo()


def do_delete_note(
    bridge: LibraryBridge, handles: NoteHandles, ref_id: int, note_id: int, text: str
) -> DeleteNoteCommand:
    """Delete a note."""
    bridge.apply(bridge.library.delete_note(note_id), _NOTES_TOUCHED)
    return DeleteNoteCommand(bridge, handles, ref_id, handles.handle(note_id), text)


# --- trash ------------------------------------------------------------------------------
class TrashCommand(LibraryCommand):
    """Moving references to the Trash (or back): undo does the opposite."""

    def __init__(self, bridge: LibraryBridge, ids: list[int], *, restore: bool) -> None:
        verb = "Restore" if restore else "Move to Trash"
        super().__init__(bridge, f"{verb} {_plural(len(ids), 'reference')}")
        self._ids, self._restore = ids, restore

    def _redo(self) -> Changed:
        library = self._bridge.library
        return library.restore(self._ids) if self._restore else library.trash(self._ids)

    def _undo(self) -> Changed:
        library = self._bridge.library
        return library.trash(self._ids) if self._restore else library.restore(self._ids)


def do_trash(bridge: LibraryBridge, ids: Sequence[int], *, restore: bool = False) -> TrashCommand:
    """Move references to the Trash, or restore them from it."""
    library = bridge.library
    bridge.apply(library.restore(list(ids)) if restore else library.trash(list(ids)))
    return TrashCommand(bridge, list(ids), restore=restore)


# --- merging duplicates ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MergePlan:
    """One merge as the user chose it: the references, the master (None: the default)
    and the per-field choices."""

    ids: tuple[int, ...]
    master: int | None = None
    choices: tuple[tuple[str, int], ...] = ()


def merge_plans(library: Library, plans: Sequence[MergePlan]) -> list[MergeRecord]:
    """Merge each plan (any thread); the records undo them (``Library.unmerge``)."""
    return [library.merge(plan.ids, plan.master, dict(plan.choices))[1] for plan in plans]


class MergeCommand(LibraryCommand):
    """Merging clusters of duplicates: undo restores the merged-away references and the
    masters' fields (``Library.unmerge``); redo merges the same plans again."""

    def __init__(
        self, bridge: LibraryBridge, plans: Sequence[MergePlan], records: list[MergeRecord]
    ) -> None:
        noun = "duplicate" if len(plans) == 1 else "duplicates"
        super().__init__(bridge, f"Merge {len(plans):,} {noun}")
        self._plans = list(plans)
        self._records = records

    def _redo(self) -> Changed:
        self._records = merge_plans(self._bridge.library, self._plans)
        return Changed(tags=True, collections=True, everything=True)

    def _undo(self) -> Changed:
        self._bridge.library.unmerge(self._records)
        return Changed(tags=True, collections=True, everything=True)


# --- reading status and attachments ------------------------------------------------------
READING_TOUCHED = frozenset({"reading_status"})
"""In ``ReferenceChange.touched``: the references' reading status changed."""
ATTACHMENTS_TOUCHED = frozenset({"attachments"})
"""In ``ReferenceChange.touched``: the references' attachments changed."""


class ReadingStatusCommand(LibraryCommand):
    """Setting the reading status: undo gives each reference its status back."""

    touched = READING_TOUCHED

    def __init__(self, bridge: LibraryBridge, before: dict[int, str], status: str) -> None:
        super().__init__(bridge, f"Mark {_plural(len(before), 'reference')} {status}")
        self._before, self._status = before, status

    def _redo(self) -> Changed:
        return self._bridge.library.set_reading_status(list(self._before), self._status)

    def _undo(self) -> Changed:
        library = self._bridge.library
        by_status: dict[str, list[int]] = {}
        for ref_id, status in self._before.items():
            by_status.setdefault(status, []).append(ref_id)
        return merge_changes(library.set_reading_status(ids, s) for s, ids in by_status.items())


def do_set_reading_status(
    bridge: LibraryBridge, ids: Sequence[int], status: str
) -> ReadingStatusCommand | None:
    """Set the reading status of references; None when they all had it."""
    before = {
        row.id: row.reading_status for row in bridge.rows(ids) if row.reading_status != status
    }
    if not before:
        return None
    bridge.apply(bridge.library.set_reading_status(list(before), status), READING_TOUCHED)
    return ReadingStatusCommand(bridge, before, status)


class AttachCommand(LibraryCommand):
    """Files attached to a reference: undo detaches them (a copy stays on disk, so that
    redo finds it)."""

    touched = ATTACHMENTS_TOUCHED

    def __init__(self, bridge: LibraryBridge, ref_id: int, attachment_ids: list[int]) -> None:
        super().__init__(bridge, f"Attach {_plural(len(attachment_ids), 'file')}")
        self._ref_id = ref_id
        self._ids = attachment_ids
        self._removed: list[Attachment] = []

    def _undo(self) -> Changed:
        library = self._bridge.library
        self._removed = [library.remove_attachment(i)[2] for i in self._ids]
        return Changed(reference_ids=frozenset({self._ref_id}))

    def _redo(self) -> Changed:
        library = self._bridge.library
        self._ids = [
            library.restore_attachment(self._ref_id, attachment).count
            for attachment in self._removed
        ]
        return Changed(reference_ids=frozenset({self._ref_id}))


class RemoveAttachmentCommand(LibraryCommand):
    """A detached file: undo attaches it again."""

    touched = ATTACHMENTS_TOUCHED

    def __init__(self, bridge: LibraryBridge, ref_id: int, attachment: Attachment) -> None:
        super().__init__(bridge, f"Remove attachment {attachment.name}")
        self._ref_id = ref_id
        self._attachment = attachment

    def _undo(self) -> Changed:
        changed = self._bridge.library.restore_attachment(self._ref_id, self._attachment)
        self._attachment.id = changed.count
        return changed

    def _redo(self) -> Changed:
        assert self._attachment.id is not None
        return self._bridge.library.remove_attachment(self._attachment.id)[0]


def do_remove_attachment(bridge: LibraryBridge, attachment_id: int) -> RemoveAttachmentCommand:
    """Detach an attachment (its file stays where it is)."""
    changed, ref_id, attachment = bridge.library.remove_attachment(attachment_id)
    bridge.apply(changed, ATTACHMENTS_TOUCHED)
    return RemoveAttachmentCommand(bridge, ref_id, attachment)
