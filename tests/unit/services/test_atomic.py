"""Files written whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from refman.services.atomic import write_atomically
from refman.services.errors import UserError


def test_writes_the_chunks_and_keeps_the_old_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    assert write_atomically(target, ["@misc{a,\n", "  title = {Ü}\n}\n"])
    assert target.read_text(encoding="utf-8") == "@misc{a,\n  title = {Ü}\n}\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def test_unchanged_content_is_not_rewritten_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    write_atomically(target, ["same"])
    os.utime(target, (1_000_000, 1_000_000))
    inode = target.stat().st_ino
    assert not write_atomically(target, ["sa", "me"], only_if_changed=True)
    assert target.stat().st_mtime == 1_000_000
    assert target.stat().st_ino == inode
    assert write_atomically(target, ["different"], only_if_changed=True)
    assert target.read_text(encoding="utf-8") == "different"


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("the old, good file", encoding="utf-8")

    def chunks() -> Iterator[str]:
        yield "half of a new "
        raise RuntimeError("the writer broke")

    with pytest.raises(RuntimeError, match="the writer broke"):
        write_atomically(target, chunks())
    assert target.read_text(encoding="utf-8") == "the old, good file"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_a_missing_folder_or_a_folder_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"the folder .*nowhere does not exist"):
        write_atomically(tmp_path / "nowhere" / "refs.bib", ["x"])
    (tmp_path / "refs.bib").mkdir()
    with pytest.raises(UserError, match=r"cannot write .*refs\.bib"):
        write_atomically(tmp_path / "refs.bib", ["x"])
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]
    assert (tmp_path / "refs.bib").is_dir()
