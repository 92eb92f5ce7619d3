"""The import pipeline: reading in a child process, batches, raw texts stored once."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from refman.app import open_library
from refman.formats.base import FormatError
from refman.services import importing
from refman.services.errors import ImportCancelledError
from refman.services.importing import import_files
from refman.services.library import Library
from tests.conftest import SEED_FILES, SEEDS
from tests.unit.services.test_importing import library_checksum


def snapshot(library: Library) -> list[dict[str, Any]]:
    """Every reference with its details, without timestamps."""
    refs = library.load(library.query_ids(importing_query()))
    out = []
    for ref in refs:
        data = dataclasses.asdict(ref)
        for key in ("added", "modified"):
            data.pop(key)
        for p in data["provenance"]:
            p.pop("imported")
        out.append(data)
    return out


def importing_query() -> Any:
    from refman.domain.query import ReferenceQuery

    return ReferenceQuery()


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every import in a child process, in small batches."""
    monkeypatch.setattr(importing, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importing, "BATCH_SIZE", 7)


@pytest.mark.parametrize("batch_size", [7, 1000])
def test_child_reader_gives_the_same_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    monkeypatch.setattr(importing, "BATCH_SIZE", batch_size)
    libraries, results = [], []
    for name, threshold in (("child", 0), ("here", 1 << 40)):
        monkeypatch.setattr(importing, "PARALLEL_MIN_BYTES", threshold)
        library = open_library(str(tmp_path / f"{name}.sqlite"))
        first, again = library.import_files(SEED_FILES), library.import_files(SEED_FILES)
        results.append([(r.added, r.merged, r.unchanged) for r in (first, again)])
        libraries.append(library)
    assert results[0] == results[1]
    if batch_size == 1000:  # (smaller batches write the first copy of a duplicate sooner,
        # and a later copy bringing nothing new then counts as unchanged, not merged)
        assert results[0] == [(79, 8, 0), (0, 0, 87)]
    assert snapshot(libraries[0]) == snapshot(libraries[1])
    for library in libraries:
        library.store.close()


def test_parse_error_in_the_child_names_file_and_line(
    seeded: Library, library_path: Path, tmp_path: Path, in_child: None
) -> None:
    before = library_checksum(library_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("An abstract.\n\narXiv:2301.00001\nCreated: 2023-13-01\n")
    with pytest.raises(FormatError) as info:
        seeded.import_files([SEEDS / "003_0d5942242b4dab14.txt", bad])
    assert (info.value.source, info.value.line) == (str(bad), 4)
    assert library_checksum(library_path) == before


def test_cancel_with_the_child_leaves_library_unchanged(
    seeded: Library, library_path: Path, in_child: None
) -> None:
    before = library_checksum(library_path)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(ImportCancelledError):
        import_files(seeded.store, [SEEDS / "002_3a61578cb107992b.txt"], cancelled=cancelled)
    assert library_checksum(library_path) == before


def test_progress_reaches_the_total(library: Library, in_child: None) -> None:
    seen: list[tuple[int, int]] = []
    import_files(library.store, SEED_FILES, progress=lambda done, total: seen.append((done, total)))
    total = sum(p.stat().st_size for p in SEED_FILES)
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(seen) > 5


def test_duplicate_title_in_a_later_batch_merges(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record matching (by title) a reference written by an earlier batch of the same
    import merges into it in the library (it used to go into a stale in-memory copy)."""
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    works = "".join(
        f"preprint2021arXiv\n\nA Study of Topic Number {n}\n\nAbstract {n}.\n\n" for n in range(5)
    )
    again = (
        "preprint2021arXiv\n\nA study of topic number 0\n\n"
        "Abstract 0, with code at https://github.com/ada/topic0.\n"
    )
    path = tmp_path / "profile.txt"
    path.write_text(f"Researcher profile\n\nAda Lovelace\n\n{works}{again}")
    result = library.import_files([path])
    assert (result.added, result.merged) == (5, 1)
    (ref,) = [r for r in library.references() if r.title == "A Study of Topic Number 0"]
    assert ref.code_url == "https://github.com/ada/topic0"
    assert len(library.get(ref.id or 0).provenance) == 2


def test_raw_texts_are_stored_once_and_read_back(library: Library, library_path: Path) -> None:
    library.import_files(SEED_FILES)
    with sqlite3.connect(library_path) as conn:
        inline, total = conn.execute("SELECT count(raw), count(*) FROM provenance").fetchone()
        stored = conn.execute("SELECT sum(length(data)) FROM raw_texts").fetchone()[0]
    assert (inline, total) == (0, 79)
    seed_bytes = sum(p.stat().st_size for p in SEED_FILES)
    assert stored < seed_bytes  # each record's text once (page chrome and gaps left out)
    for path in SEED_FILES:
        text = path.read_text(encoding="utf-8")
        for ref in library.references():
            for p in library.get(ref.id or 0).provenance:
                if p.source == str(path):
                    assert p.raw in text
                    assert p.raw == p.raw.rstrip()


def test_raw_text_offsets_survive_crlf_and_non_ascii(library: Library, tmp_path: Path) -> None:
    records = [
        "Réseaux « profonds » — un résumé.\r\n\r\narXiv:2106.16128\r\nCreated: 2021-06-30",
        "Ünïcödé everywhere: 東京 and ﬁnance.\r\n\r\n9 pages\r\n\r\narXiv:2106.16064\r\n"
        "Created: 2021-06-30",
        "A third one.\r\n\r\narXiv:2106.09958 - IJCAI2021\r\nCreated: 2021-06-18",
    ]
    path = tmp_path / "crlf.txt"
    path.write_bytes("\r\n\r\n".join(records).encode("utf-8"))
    library.import_files([path])
    raws = {
        ref.arxiv_id: library.get(ref.id or 0).provenance[0].raw for ref in library.references()
    }
    assert raws == {
        "2106.16128": records[0].replace("\r\n", "\n"),
        "2106.16064": records[1].replace("\r\n", "\n"),
        "2106.09958": records[2].replace("\r\n", "\n"),
    }


def test_reimport_stores_no_new_text_and_trash_releases_it(
    seeded: Library, library_path: Path
) -> None:
    def texts() -> int:
        with sqlite3.connect(library_path) as conn:
            return int(conn.execute("SELECT count(*) FROM raw_texts").fetchone()[0])

    before = texts()
    seeded.import_files(SEED_FILES)
    assert texts() == before
    seeded.trash(seeded.query_ids(importing_query()))
    seeded.empty_trash()
    assert texts() == 0


def test_reader_that_cannot_start_falls_back_to_this_process(
    library: Library, monkeypatch: pytest.MonkeyPatch, in_child: None
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    result = library.import_files(SEED_FILES)
    assert (result.added, result.merged, result.unchanged) == (79, 2, 6)  # (batches of 7)


def test_reader_that_dies_fails_the_import_and_changes_nothing(
    seeded: Library, library_path: Path, monkeypatch: pytest.MonkeyPatch, in_child: None
) -> None:
    from refman.services import reading

    before = library_checksum(library_path)
    monkeypatch.setattr(reading, "_CHILD_CODE", "import sys; sys.exit(3)")
    with pytest.raises(RuntimeError, match="exit code 3"):
        seeded.import_files(SEED_FILES)
    assert library_checksum(library_path) == before


def test_search_triggers_survive_an_import(library: Library, library_path: Path) -> None:
    def triggers() -> list[tuple[str, str]]:
        with sqlite3.connect(library_path) as conn:
            return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))

    before = triggers()
    assert len(before) == 5  # references x3, authors x2 (migrations 0003, 0005)
    library.import_files(SEED_FILES)
    assert triggers() == before
    with library.store.unit_of_work(bulk=True) as uow:
        uow.pause_search_index()  # (no resume: the unit of work restores them)
    assert triggers() == before
