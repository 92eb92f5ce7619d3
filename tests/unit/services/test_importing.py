"""Importing the seeds into a real SQLite library: counts, idempotence, merges, atomicity."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from refman.domain import Note, Person, Provenance, Reference
from refman.formats.base import FormatError
from refman.services.importing import merge_into
from refman.services.library import Library
from tests.conftest import SEED_FILES, SEEDS

pytestmark = pytest.mark.both_backends


def library_checksum(path: Path) -> str:
    """A digest of every row of every table (order-independent within a table)."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(tables):
            rows = sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"')))
            digest.update(json.dumps([table, rows]).encode())
    return digest.hexdigest()


def test_five_seeds_give_79_references(library: Library) -> None:
    result = library.import_files(SEED_FILES)
    assert (result.added, result.merged, result.unchanged) == (79, 8, 0)
    refs = library.references()
    assert len(refs) == 79
    assert sum(1 for r in refs if r.arxiv_id) == 32
    assert sum(1 for r in refs if r.authors) == 47
    assert all(r.title for r in refs)
    assert len({r.citekey for r in refs}) == 79


def test_importing_again_adds_nothing(seeded: Library) -> None:
    again = seeded.import_files(SEED_FILES)
    assert (again.added, again.merged, again.unchanged) == (0, 0, 87)
    assert seeded.count() == 79


def test_overlapping_listing_keeps_both_provenances(library: Library) -> None:
    library.import_files([SEEDS / "000_9ae25896bb0d60b4.txt"])
    result = library.import_files([SEEDS / "001_c8982096e7fe2597.txt"])
    assert (result.added, result.merged + result.unchanged) == (2, 8)
    assert library.count() == 12
    ref = library.get("2106.09958")
    assert {Path(p.source).name for p in ref.provenance} >= {"000_9ae25896bb0d60b4.txt"}
    assert ref.provenance[0].raw.strip().startswith(ref.abstract[:40])


def test_version_suffix_is_the_same_paper(library: Library, tmp_path: Path) -> None:
    first = tmp_path / "a.txt"
    first.write_text("An abstract about pruning.\n\narXiv:2106.16128\nCreated: 2021-06-30\n")
    second = tmp_path / "b.txt"
    second.write_text(
        "An abstract about pruning, revised.\n\n9 pages, 6 figures\n\narXiv:2106.16128v2\n"
        "Created: 2021-07-02\n"
    )
    library.import_files([first])
    result = library.import_files([second])
    assert (result.added, result.merged) == (0, 1)
    (ref,) = library.references()
    assert ref.arxiv_version == 2
    assert ref.page_count == 9
    assert ref.abstract == "An abstract about pruning."


def test_merge_never_loses_what_only_one_side_had(seeded: Library, tmp_path: Path) -> None:
    (ref_id,) = seeded.resolve(["2106.16128"])
    seeded.add_tags(["reading"], [ref_id])
    seeded.add_note(ref_id, "Check the DRDG ablation.")
    dump = tmp_path / "again.txt"
    dump.write_text(
        "Face anti-spoofing approaches, a revised abstract.\n\nCode: https://github.com/x/drdg\n\n"
        "arXiv:2106.16128v3\nCreated: 2021-07-30\n"
    )
    result = seeded.import_files([dump])
    assert result.merged == 1
    ref = seeded.get(ref_id)
    assert ref.tags == ["reading"]
    assert [n.text for n in ref.notes] == ["Check the DRDG ablation."]
    assert ref.venue == "IJCAI 2021"
    assert ref.code_url == "https://github.com/x/drdg"
    assert ref.arxiv_version == 3
    assert len(ref.provenance) == 2


def test_merge_into_fills_gaps_and_replaces_provisional_title() -> None:
    target = Reference(title="DRDG", title_provisional=True, venue="IJCAI 2021", comments="a")
    incoming = Reference(
        title="Dual Reweighting Domain Generalization for Face Presentation Attack Detection",
        year=2021,
        venue="other",
        comments="a\nb",
        authors=[Person("Liu", "Shubao")],
        notes=[Note("n")],
        provenance=[Provenance("x", 1, "f", "raw")],
    )
    changes = merge_into(target, incoming)
    assert changes == {
        "year": 2021,
        "title": incoming.title,
        "title_provisional": False,
        "comments": "a\nb",
    }
    assert target.venue == "IJCAI 2021"


def test_profile_duplicates_matched_by_similar_title(library: Library, tmp_path: Path) -> None:
    profile = (SEEDS / "002_3a61578cb107992b.txt").read_text()
    variant = profile.replace(
        "MetaFormer Is Actually What You Need for Vision",
        "Metaformer is actualy what you need for vision",
    )
    (tmp_path / "variant.txt").write_text(variant)
    library.import_files([SEEDS / "002_3a61578cb107992b.txt"])
    result = library.import_files([tmp_path / "variant.txt"])
    assert result.added == 0
    assert library.count() == 47


def test_parse_error_changes_nothing(seeded: Library, library_path: Path, tmp_path: Path) -> None:
    before = library_checksum(library_path)
    good = tmp_path / "good.txt"
    good.write_text("A new paper's abstract.\n\narXiv:2301.00001\nCreated: 2023-01-01\n")
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"A new paper's abstract.\n\x00\x01\x02\x03 binary junk\x00\n")
    with pytest.raises(FormatError) as info:
        seeded.import_files([good, binary])
    assert str(binary) in str(info.value)
    assert library_checksum(library_path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ],
)
def test_unreadable_files_are_refused(
    library: Library, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        library.import_files([path])
    assert library.count() == 0


def test_missing_file_is_refused(library: Library, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no such file"):
        library.import_files([tmp_path / "nope.txt"])


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_legacy_and_bom_encodings_are_decoded(
    library: Library, tmp_path: Path, encoding: str
) -> None:
    text = (
        "Réseaux « profonds » pour la vision — an abstract.\r\n\r\n"
        "arXiv:2106.16128\r\nCreated: 2021-06-30\r\n"
    )
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    library.import_files([path])
    (ref,) = library.references()
    assert ref.abstract == "Réseaux « profonds » pour la vision — an abstract."


def test_cancel_leaves_library_unchanged(seeded: Library, library_path: Path) -> None:
    from refman.services.errors import ImportCancelledError
    from refman.services.importing import import_files

    before = library_checksum(library_path)
    with pytest.raises(ImportCancelledError):
        import_files(seeded.store, [SEEDS / "002_3a61578cb107992b.txt"], cancelled=lambda: True)
    assert library_checksum(library_path) == before


def test_search_index_catches_up_after_an_interrupted_import(library_path: Path) -> None:
    from refman.app import open_library
    from refman.domain.query import ReferenceQuery
    from refman.services.importing import import_files

    first = open_library(str(library_path))
    import_files(first.store, [SEEDS / "003_0d5942242b4dab14.txt"])  # commits, no indexing
    assert first.query_ids(ReferenceQuery(text="distillation")) == []
    assert first.count() == 10
    first.store.close()  # as if the process died before indexing
    reopened = open_library(str(library_path))
    assert len(reopened.query_ids(ReferenceQuery(text="distillation"))) == 1
    reopened.store.close()
