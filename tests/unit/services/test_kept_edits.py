"""Edits kept for want of a connection, on disk: written whole, read back, never in the
way (a file library has none; a file that cannot be read is an error and is left alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refman.services import kept_edits
from refman.services.errors import UserError
from refman.services.kept_edits import KeptEdits, KeptNote

URL = "postgresql+psycopg://alice@labserver:5433/lab"


def test_kept_edits_round_trip(kept_edits_folder: Path) -> None:
    kept = KeptEdits(
        fields={12: {"title": ("Typed offline — ünïcode", "Old title"), "year": ("2021", 2020)}},
        notes=[KeptNote(12, None, "A new note\n\n- item"), KeptNote(12, 7, "Edited", 3, "Before")],
    )
    kept_edits.save(URL, kept)
    path = kept_edits.journal_path(URL)
    assert path is not None
    assert path.parent == kept_edits_folder
    assert [p.name for p in kept_edits_folder.iterdir()] == [path.name]  # no temporary left
    assert "alice" not in path.name  # (a hash of the library, not its address)
    assert kept_edits.load(URL) == kept
    assert kept_edits.load("postgresql+psycopg://bob@labserver:5433/lab").count() == 0
    assert kept.count() == 4

    kept_edits.save(URL, KeptEdits())  # all saved: the file goes
    assert not path.exists()
    kept_edits.save(URL, KeptEdits())  # (and again: nothing to remove)


def test_a_password_in_the_url_is_not_written(kept_edits_folder: Path) -> None:
    with_secret = "postgresql+psycopg://alice:s3cret@labserver:5433/lab"
    kept_edits.save(with_secret, KeptEdits(notes=[KeptNote(1, None, "note")]))
    path = kept_edits.journal_path(with_secret)
    assert path == kept_edits.journal_path(URL)  # the same library
    assert path is not None
    assert "s3cret" not in path.read_text(encoding="utf-8")
    assert kept_edits.load(URL).notes == [KeptNote(1, None, "note")]
    assert kept_edits_folder.exists()


def test_a_file_library_keeps_nothing(kept_edits_folder: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lib.sqlite'}"
    assert kept_edits.journal_path(url) is None
    kept_edits.save(url, KeptEdits(notes=[KeptNote(1, None, "x")]))
    assert not kept_edits_folder.exists()
    assert kept_edits.load(url).count() == 0


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"format": 99, "fields": {}}', '{"format": 1, "notes": [{"text": 1}]}',
     '{"format": 1, "fields": {"x": {"title": ["a", "b"]}}}',
     '{"format": 1, "fields": {"1": {"title": [["a"], "b"]}}}'],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_an_error_and_stays(
    kept_edits_folder: Path, content: str
) -> None:
    path = kept_edits.journal_path(URL)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(kept_edits.UnreadableKeptEditsError, match=path.name):
        kept_edits.load(URL)
    assert path.read_text(encoding="utf-8") == content  # left for the user to look at


def test_an_unwritable_folder_is_a_clear_error(kept_edits_folder: Path) -> None:
    kept_edits_folder.parent.mkdir(parents=True, exist_ok=True)
    kept_edits_folder.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(UserError, match="kept-edits"):
        kept_edits.save(URL, KeptEdits(notes=[KeptNote(1, None, "x")]))
