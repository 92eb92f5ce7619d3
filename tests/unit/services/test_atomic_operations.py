"""Merges and tag renames are atomic: a failure at any of their writes (a crash, a full
disk, a bug) leaves the library exactly as it was. Each operation is run once to count
its write statements, then again from the same library with a failure injected at the
first, the second, ... the last of them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from refman.app import open_library
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.library_state import library_checksum

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class InjectedError(RuntimeError):
    """The failure a test plants at one write statement."""


OPERATIONS: dict[str, Callable[[Library], Any]] = {
    "merge": lambda lib: lib.merge([2, 3, 4]),
    "tag rename": lambda lib: lib.rename_tag("reading", "to read"),
    "tag rename onto another tag": lambda lib: lib.rename_tag("reading", "vision"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed library: the seeds, tags, notes and duplicates to merge."""
    path = tmp_path_factory.mktemp("atomic") / "library.sqlite"
    lib = open_library(str(path))
    lib.import_files(SEED_FILES)
    lib.add_tags(["reading"], [1, 2, 3, 5])
    lib.add_tags(["vision"], [3, 4])
    lib.add_note(3, "a note that a merge moves")
    lib.set_tag_colour("reading", "#aa0000")
    lib.close()
    return path


def _writes(lib: Library, fail_at: int | None) -> list[str]:
    """Count write statements from now on; raise ``InjectedError`` at number
    ``fail_at``."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(_WRITES):
            seen.append(statement)
            if len(seen) == fail_at:
                raise InjectedError(statement)

    event.listen(lib.store.engine, "before_cursor_execute", before)
    return seen


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_a_failure_at_any_write_changes_nothing(name: str, pristine: Path, tmp_path: Path) -> None:
    operation = OPERATIONS[name]
    expected = library_checksum(pristine)
    counted = tmp_path / "count.sqlite"
    shutil.copyfile(pristine, counted)
    lib = open_library(str(counted))
    assert lib.health is not None
    lib.health.check()  # (decided before the count: writes no longer wait for it)
    statements = _writes(lib, None)
    operation(lib)
    lib.close()
    assert library_checksum(counted) != expected  # the operation does change things
    assert statements
    for number in range(1, len(statements) + 1):
        copy = tmp_path / f"fail-{number}.sqlite"
        shutil.copyfile(pristine, copy)
        lib = open_library(str(copy))
        assert lib.health is not None
        lib.health.check()
        _writes(lib, number)
        with pytest.raises(InjectedError):
            operation(lib)
        lib.close()
        assert library_checksum(copy) == expected, f"{name}: failure at write {number}"
