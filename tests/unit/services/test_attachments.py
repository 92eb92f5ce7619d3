"""Attached files: copied or linked, named readably, never overwritten, missing shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from refman.domain.query import ReferenceQuery, SortKey
from refman.formats.pdf_identifiers import PdfClues
from refman.services.attachments import AttachmentPreferences
from refman.services.errors import UserError
from refman.services.library import Library
from refman.storage.engine import default_attachment_folder, default_library_path
from refman.storage.store import NotFoundError, UnitOfWork

pytestmark = pytest.mark.both_backends

PDF = b"%PDF-1.4\n% a stand-in: only the signature matters here\n%%EOF\n"


@pytest.fixture
def folder(library: Library, tmp_path: Path) -> Path:
    """The library's attachment folder, in the test's own directory."""
    path = tmp_path / "attachments"
    library.set_attachment_preferences(AttachmentPreferences(copy=True, folder=str(path)))
    return path


def make_pdf(path: Path, body: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF + body)
    return path


def first_id(library: Library) -> int:
    return library.query_ids(ReferenceQuery())[0]


def test_a_copy_is_named_after_the_citekey_and_never_overwrites(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    ref_id = first_id(seeded)
    key = seeded.get(ref_id).citekey
    (folder).mkdir()
    squatter = make_pdf(folder / f"{key}.pdf", b"someone else's file")
    source = make_pdf(tmp_path / "downloads" / "2106.16128v2.pdf", b"the paper")

    attachment = seeded.attach_file(ref_id, source)

    assert attachment.copied
    assert attachment.mime == "application/pdf"
    assert Path(attachment.location) == folder / f"{key}-2.pdf"
    assert Path(attachment.location).read_bytes() == source.read_bytes()
    assert squatter.read_bytes() == PDF + b"someone else's file"  # untouched
    assert source.exists()  # a copy, not a move
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp file
    (shown,) = seeded.get(ref_id).attachments
    assert (shown.location, shown.copied, shown.size, shown.missing) == (
        attachment.location,
        True,
        len(PDF) + len(b"the paper"),
        False,
    )
    assert seeded.query_ids(ReferenceQuery(text="has:pdf")) == [ref_id]


def test_attaching_the_same_file_again_changes_nothing(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    ref_id = first_id(seeded)
    source = make_pdf(tmp_path / "paper.pdf")
    changed, [(first, new)] = seeded.attach_files(ref_id, [source])
    assert changed.count == 1
    assert new
    again, [(second, new)] = seeded.attach_files(ref_id, [source])
    assert again.count == 0
    assert not new
    assert second.id == first.id
    assert len(list(folder.glob("*.pdf"))) == 1
    linked, [(third, _new)] = seeded.attach_files(ref_id, [source], copy=False)
    assert linked.count == 1  # a link to the original is another attachment
    assert third.location == str(source.resolve())
    assert not third.copied


def test_linking_leaves_the_file_where_it_is_and_a_missing_file_is_a_state(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    seeded.set_attachment_preferences(AttachmentPreferences(copy=False, folder=str(folder)))
    ref_id = first_id(seeded)
    source = make_pdf(tmp_path / "mine" / "paper.pdf")
    attachment = seeded.attach_file(ref_id, source)
    assert (attachment.copied, attachment.location) == (False, str(source.resolve()))
    assert not folder.exists()
    assert seeded.pdf_file(ref_id) == source.resolve()

    source.unlink()
    (shown,) = seeded.get(ref_id).attachments
    assert shown.missing
    assert seeded.pdf_file(ref_id) is None
    assert seeded.query_ids(ReferenceQuery(text="has:pdf")) == [ref_id]  # still attached


def test_refusals_name_the_problem(seeded: Library, folder: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a file"):
        seeded.attach_file(first_id(seeded), tmp_path / "nowhere.pdf")
    with pytest.raises(NotFoundError):
        seeded.attach_file(999_999, make_pdf(tmp_path / "p.pdf"))
    with pytest.raises(UserError, match="absolute"):
        seeded.set_attachment_preferences(AttachmentPreferences(folder="relative/folder"))
    assert not folder.exists()


def test_a_failed_write_leaves_no_copy(
    seeded: Library, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_pdf(tmp_path / "p.pdf")

    def fail(*_args: object) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(UnitOfWork, "add_attachment", fail)
    with pytest.raises(RuntimeError):
        seeded.attach_file(first_id(seeded), source)
    with pytest.raises(RuntimeError):
        seeded.add_reference_from_pdf(source, PdfClues("2301.00002"))
    assert list(folder.iterdir()) == []
    assert seeded.query_ids(ReferenceQuery(text="arxiv:2301.00002")) == []


def test_emptying_the_trash_deletes_copies_not_linked_files(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    keep, drop = seeded.query_ids(ReferenceQuery())[:2]
    copy = Path(seeded.attach_file(drop, make_pdf(tmp_path / "a.pdf")).location)
    linked = make_pdf(tmp_path / "b.pdf")
    seeded.attach_file(drop, linked, copy=False)
    kept_copy = Path(seeded.attach_file(keep, make_pdf(tmp_path / "c.pdf", b"c")).location)
    seeded.trash([drop])
    assert copy.exists()  # the Trash can be restored
    seeded.empty_trash()
    assert not copy.exists()
    assert linked.exists()
    assert kept_copy.exists()


def test_removing_an_attachment_can_be_undone(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    ref_id = first_id(seeded)
    attachment = seeded.attach_file(ref_id, make_pdf(tmp_path / "a.pdf"))
    assert attachment.id is not None
    changed, owner, removed = seeded.remove_attachment(attachment.id)
    assert owner == ref_id
    assert changed.reference_ids == {ref_id}
    assert seeded.get(ref_id).attachments == []
    assert Path(removed.location).exists()  # kept: the removal may be undone
    seeded.restore_attachment(ref_id, removed)
    (back,) = seeded.get(ref_id).attachments
    assert (back.location, back.copied, back.mime) == (
        removed.location,
        removed.copied,
        removed.mime,
    )
    assert back.id is not None
    seeded.remove_attachment(back.id, delete_file=True)
    assert not Path(removed.location).exists()


def test_a_pdf_with_an_arxiv_id_creates_a_reference_or_joins_its_own(
    seeded: Library, folder: Path, tmp_path: Path
) -> None:
    before = seeded.count()
    new = make_pdf(tmp_path / "x.pdf", b"new")
    changed, ref_id = seeded.add_reference_from_pdf(new, PdfClues("2301.00001", 3))
    assert changed.count == 1
    assert seeded.count() == before + 1
    ref = seeded.get(ref_id)
    assert (ref.arxiv_id, ref.arxiv_version, ref.year, ref.entry_type) == (
        "2301.00001",
        3,
        2023,
        "preprint",
    )
    assert ref.title == "arXiv:2301.00001"
    assert ref.title_provisional
    assert Path(ref.attachments[0].location).name == f"{ref.citekey}.pdf"

    known = make_pdf(tmp_path / "drdg.pdf", b"drdg")
    changed, ref_id = seeded.add_reference_from_pdf(known, PdfClues("2106.16128"))
    assert changed.count == 0
    assert seeded.count() == before + 1
    assert seeded.get(ref_id).arxiv_id == "2106.16128"
    assert len(seeded.get(ref_id).attachments) == 1


def test_a_pdf_without_identifiers_is_titled_by_its_metadata_or_name(
    library: Library, folder: Path, tmp_path: Path
) -> None:
    _changed, titled = library.add_reference_from_pdf(
        make_pdf(tmp_path / "scan001.pdf"), PdfClues(title="Deep Residual Learning")
    )
    _changed, named = library.add_reference_from_pdf(
        make_pdf(tmp_path / "attention_is_all-you-need.pdf", b"2"), PdfClues()
    )
    _changed, by_doi = library.add_reference_from_pdf(
        make_pdf(tmp_path / "d.pdf", b"3"), PdfClues(doi="10.1109/CVPR.2016.90")
    )
    assert library.get(titled).title == "Deep Residual Learning"
    assert library.get(named).title == "attention is all you need"
    doi_ref = library.get(by_doi)
    assert (doi_ref.doi, doi_ref.entry_type, doi_ref.title) == (
        "10.1109/CVPR.2016.90",
        "article",
        "doi:10.1109/CVPR.2016.90",
    )
    assert all(library.get(i).title_provisional for i in (titled, named, by_doi))
    again, same = library.add_reference_from_pdf(
        make_pdf(tmp_path / "d2.pdf", b"4"), PdfClues(doi="10.1109/cvpr.2016.90")
    )
    assert (again.count, same) == (0, by_doi)


def test_reading_status_is_stored_filtered_and_sorted(seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    version = seeded.get(ids[0]).version
    assert seeded.set_reading_status(ids[:2], "reading").count == 2
    assert seeded.set_reading_status(ids[1:3], "read").count == 2
    assert seeded.set_reading_status(ids[2:3], "read").count == 0
    assert seeded.get(ids[0]).version == version  # reading is not an edit
    assert seeded.query_ids(ReferenceQuery(text="status:reading")) == ids[:1]
    assert seeded.query_ids(ReferenceQuery(text="status:read")) == ids[1:3]
    assert len(seeded.query_ids(ReferenceQuery(text="status:unread"))) == len(ids) - 3
    assert seeded.query_ids(ReferenceQuery(text="-status:unread")) == ids[:3]
    in_order = seeded.query_ids(ReferenceQuery(sort=SortKey.STATUS))
    assert in_order[:3] == [ids[1], ids[2], ids[0]]  # read, read, reading, then unread
    assert [r.reading_status for r in seeded.rows(ids[:4])] == [
        "reading",
        "read",
        "read",
        "unread",
    ]
    with pytest.raises(UserError, match="status"):
        seeded.set_reading_status(ids[:1], "skimmed")


def test_the_last_page_read_is_remembered(seeded: Library) -> None:
    ref_id = first_id(seeded)
    assert seeded.get(ref_id).last_page is None
    seeded.set_last_page(ref_id, 41)
    assert seeded.get(ref_id).last_page == 41


def test_default_folders(tmp_path: Path) -> None:
    assert default_attachment_folder(f"sqlite:///{tmp_path / 'lab.sqlite'}") == (
        tmp_path / "lab-attachments"
    )
    default = default_library_path()
    assert default_attachment_folder(f"sqlite:///{default}") == default.parent / "attachments"
    server = default_attachment_folder("postgresql+psycopg://u:p@db.example.org/lab")
    assert server.name == "lab@db.example.org"
    assert os.sep not in server.name
