"""Notes carry a version: an edit against the version read bumps it, one that lost a race
is refused with what the library holds and changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from refman.app import open_library
from refman.domain import Reference
from refman.services.library import Library
from refman.storage.store import ConflictError, NoteConflictError, NotFoundError

pytestmark = pytest.mark.both_backends


@pytest.fixture
def note(library: Library) -> tuple[int, int]:
    """A reference with one note: (reference id, note id)."""
    with library.store.unit_of_work() as uow:
        (ref_id,) = uow.insert_references([Reference(title="A paper", citekey="paper2024")])
    note_id = library.add_note(ref_id, "first words").count
    return ref_id, note_id


def test_a_new_note_starts_at_version_1(library: Library, note: tuple[int, int]) -> None:
    ref_id, note_id = note
    (loaded,) = library.get(ref_id).notes
    assert (loaded.id, loaded.text, loaded.version) == (note_id, "first words", 1)
    current = library.note(note_id)
    assert current is not None
    assert (current.text, current.version) == ("first words", 1)


def test_an_edit_with_the_right_version_bumps_it(library: Library, note: tuple[int, int]) -> None:
    ref_id, note_id = note
    changed = library.edit_note(note_id, "second words", version=1)
    assert changed.reference_ids == {ref_id}
    assert changed.count == 2  # the new version
    assert library.edit_note(note_id, "third words", version=2).count == 3
    (loaded,) = library.get(ref_id).notes
    assert (loaded.text, loaded.version) == ("third words", 3)


def test_an_edit_with_a_stale_version_is_refused_and_changes_nothing(
    library: Library, note: tuple[int, int]
) -> None:
    ref_id, note_id = note
    library.edit_note(note_id, "their words", version=1)  # someone else saved first
    before = library.get(ref_id).notes[0]
    with pytest.raises(NoteConflictError) as lost:
        library.edit_note(note_id, "my words", version=1)
    assert isinstance(lost.value, ConflictError)  # (reported like any lost race)
    assert (lost.value.note_id, lost.value.reference_id) == (note_id, ref_id)
    assert (lost.value.text, lost.value.version) == ("their words", 2)
    after = library.get(ref_id).notes[0]
    assert (after.text, after.version, after.modified) == (
        "their words",
        2,
        before.modified,
    )


def test_an_edit_without_a_version_overwrites_but_still_bumps_it(
    library: Library, note: tuple[int, int]
) -> None:
    ref_id, note_id = note
    library.edit_note(note_id, "their words", version=1)
    assert library.edit_note(note_id, "undone").count == 3
    assert library.get(ref_id).notes[0].text == "undone"


def test_a_missing_note_is_not_found(library: Library, note: tuple[int, int]) -> None:
    _ref_id, note_id = note
    library.delete_note(note_id)
    for version in (1, None):
        with pytest.raises(NotFoundError):
            library.edit_note(note_id, "into the void", version=version)
    assert library.note(note_id) is None


def test_two_writers_with_the_same_version_keep_exactly_one(
    library: Library, library_url: str, note: tuple[int, int]
) -> None:
    """Two clients read version 1 and both save: the second is refused, not lost."""
    ref_id, note_id = note
    other = open_library(library_url)
    try:
        read_here, read_there = library.note(note_id), other.note(note_id)
        assert read_here is not None
        assert read_there is not None
        other.edit_note(note_id, "theirs", version=read_there.version)
        with pytest.raises(NoteConflictError) as lost:
            library.edit_note(note_id, "mine", version=read_here.version)
        assert lost.value.text == "theirs"
        assert library.edit_note(note_id, "merged", version=lost.value.version).count == 3
    finally:
        other.close()
    assert [(n.text, n.version) for n in library.get(ref_id).notes] == [("merged", 3)]
