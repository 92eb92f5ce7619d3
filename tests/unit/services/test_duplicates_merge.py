"""Merging duplicates: what the master keeps, what moves, and undoing it exactly."""

from __future__ import annotations

from typing import Any

import pytest

from refman.domain import Attachment, Note, Person, Provenance, Reference
from refman.domain.query import ReferenceQuery
from refman.services.duplicates import MergeRecord
from refman.services.errors import UserError
from refman.services.library import Library
from refman.storage.store import ConflictError, NotFoundError
from tests.unit.services.test_duplicates import DRDG_ABSTRACT, add

pytestmark = pytest.mark.both_backends


def snapshot(library: Library, ids: list[int]) -> list[tuple[Any, ...]]:
    """Everything a merge may touch, without versions and timestamps."""
    out = []
    for ref in library.load(ids):
        fields = {
            name: getattr(ref, name)
            for name in Reference.__dataclass_fields__
            if name not in {"modified", "version", "notes", "attachments", "provenance"}
        }
        out.append(
            (
                fields,
                [(n.id, n.text) for n in ref.notes],
                [(a.id, a.location) for a in ref.attachments],
                [(p.source, p.raw) for p in ref.provenance],
                ref.id in library.query_ids(ReferenceQuery(trashed=True)),
                library.merged_into(ref.id or 0),
            )
        )
    return out


def search(library: Library, text: str) -> list[int]:
    return library.query_ids(ReferenceQuery(text=text))


@pytest.fixture
def pair(library: Library) -> tuple[int, int]:
    """A published paper and its arXiv listing record, each with its own tags, notes,
    attachments and provenance."""
    published = add(
        library,
        title="Generalizable Representation Learning for Mixture Domain Face Anti-Spoofing",
        doi="10.1609/aaai.v35i2.16178",
        year=2021,
        venue="AAAI 2021",
        entry_type="inproceedings",
        authors=[Person("Chen", "Zhihong"), Person("Yao", "Taiping")],
        tags=["spoofing", "Reading"],
        notes=[Note("Read the ablations"), Note("Shared note")],
        attachments=[Attachment("/papers/chen2021.pdf")],
        provenance=[Provenance("aaai.bib", 1, "bibtex", "@inproceedings{chen2021, ...}")],
    )
    listing = add(
        library,
        title="D2AM: Domain Dynamic Adjustment Meta-Learning",
        title_provisional=True,
        abstract=DRDG_ABSTRACT,
        arxiv_id="2105.13343",
        arxiv_version=2,
        year=2021,
        entry_type="preprint",
        comments="Accepted by AAAI 2021",
        tags=["reading", "arxiv"],
        notes=[Note("Zebrafish baseline?"), Note("Shared note")],
        attachments=[
            Attachment("https://arxiv.org/pdf/2105.13343", "url"),
            Attachment("/papers/chen2021.pdf"),
        ],
        provenance=[
            Provenance("listing.txt", 7, "arxiv-listing", "record text"),
            Provenance("aaai.bib", 1, "bibtex", "@inproceedings{chen2021, ...}"),
        ],
    )
    return published, listing


def test_merge_unions_everything_into_the_most_complete(
    library: Library, pair: tuple[int, int]
) -> None:
    published, listing = pair
    versions = {r.id: r.version for r in library.load([published, listing])}
    changed, record = library.merge([listing, published])
    assert record.master == published  # more fields filled than the listing record
    assert (record.merged, changed.count) == ((listing,), 1)
    assert changed.reference_ids == {published, listing}
    (master,) = library.load([published])
    assert master.title.startswith("Generalizable")  # a real title beats a provisional one
    assert not master.title_provisional
    assert (master.arxiv_id, master.arxiv_version) == ("2105.13343", 2)  # filled
    assert master.doi == "10.1609/aaai.v35i2.16178"
    assert master.abstract == DRDG_ABSTRACT
    assert master.comments == "Accepted by AAAI 2021"
    assert [a.family for a in master.authors] == ["Chen", "Yao"]
    assert sorted(master.tags, key=str.casefold) == ["arxiv", "Reading", "spoofing"]
    assert [n.text for n in master.notes] == [
        "Read the ablations",
        "Shared note",
        "Zebrafish baseline?",
    ]
    assert [a.location for a in master.attachments] == [
        "/papers/chen2021.pdf",
        "https://arxiv.org/pdf/2105.13343",
    ]
    assert [p.source for p in master.provenance] == ["aaai.bib", "listing.txt"]
    assert master.version == versions[published] + 1
    assert record.versions[published] == master.version
    # the listing record waits in the Trash, marked
    assert library.query_ids(ReferenceQuery(trashed=True)) == [listing]
    assert library.merged_into(listing) == published
    assert library.get(listing).version > versions[listing]
    assert library.resolve(["2105.13343"]) == [published]  # the arXiv id moved over
    # the search index follows: the master is found by what it gained
    assert search(library, "zebrafish") == [published]
    assert search(library, "meta-learning mixture") == [published]
    assert search(library, "generalizable") == [published]
    assert library.duplicates() == []
    # restored by hand, the listing record is a reference of its own again
    library.restore([listing])
    assert library.merged_into(listing) is None


def test_fields_chosen_per_field(library: Library, pair: tuple[int, int]) -> None:
    published, listing = pair
    listing_key = library.get(listing).citekey
    _changed, record = library.merge(
        [published, listing],
        master=published,
        choices={"title": listing, "year": listing, "citekey": listing, "authors": listing},
    )
    master = library.get(published)
    assert (master.title, master.title_provisional) == (
        "D2AM: Domain Dynamic Adjustment Meta-Learning",
        True,
    )
    assert master.citekey == listing_key
    assert master.authors == []  # the listing record has none: chosen is chosen
    assert search(library, "d2am") == [published]
    assert record.authors_before is not None


def test_unmerge_restores_everything(library: Library, pair: tuple[int, int]) -> None:
    published, listing = pair
    before = snapshot(library, [published, listing])
    _changed, record = library.merge(
        [published, listing], choices={"citekey": listing, "authors": listing}
    )
    assert snapshot(library, [published, listing]) != before
    changed = library.unmerge(record)
    assert changed.reference_ids == {published, listing}
    assert snapshot(library, [published, listing]) == before
    assert library.resolve(["2105.13343"]) == [listing]
    assert search(library, "zebrafish") == [listing]
    assert search(library, "chen") == [published]
    assert library.count() == 2
    # and the merge can be done again (an undo stack's redo)
    _changed, again = library.merge([published, listing])
    assert again.master == published


def test_unmerge_refuses_after_a_later_change(library: Library, pair: tuple[int, int]) -> None:
    published, listing = pair
    _changed, record = library.merge([published, listing])
    library.update_fields(published, {"venue": "AAAI"}, library.get(published).version)
    with pytest.raises(ConflictError, match="changed after the merge"):
        library.unmerge(record)
    library.empty_trash()
    with pytest.raises(NotFoundError, match="Trash was emptied"):
        library.unmerge(replace_versions(record, library))


def replace_versions(record: MergeRecord, library: Library) -> MergeRecord:
    versions = {r.id: r.version for r in library.load([record.master]) if r.id is not None}
    return MergeRecord(record.master, record.merged, versions=versions)


def test_a_stale_or_trashed_merge_changes_nothing(library: Library, pair: tuple[int, int]) -> None:
    published, listing = pair
    before = snapshot(library, [published, listing])
    stale = {published: library.get(published).version - 1}
    with pytest.raises(ConflictError):
        library.merge([published, listing], versions=stale)
    with pytest.raises(UserError, match="not a field"):
        library.merge([published, listing], choices={"colour": listing})
    with pytest.raises(UserError, match="at least two"):
        library.merge([published])
    library.trash([listing])
    with pytest.raises(UserError, match="Trash"):
        library.merge([published, listing])
    library.restore([listing])
    assert [s[:4] for s in snapshot(library, [published, listing])] == [s[:4] for s in before]


def test_not_duplicate_marks_pass_to_the_master(library: Library, pair: tuple[int, int]) -> None:
    published, listing = pair
    other = add(library, title="Someone Else's Paper", abstract=DRDG_ABSTRACT, year=2021)
    library.mark_not_duplicates([listing, other])
    _changed, record = library.merge([published, listing])
    assert record.not_duplicates_added == ((published, other),)
    # the master now holds the listing's abstract, as does "other": still not clustered
    assert library.duplicates() == []
    library.unmerge(record)
    assert library.store.not_duplicate_pairs() == {(listing, other)}


def test_batch_merge_and_its_undo(library: Library) -> None:
    a = add(library, title="Strip Pooling", doi="10.1109/X.1", tags=["a"])
    b = add(library, title="Strip Pooling", doi="10.1109/x.1", tags=["b"])
    c = add(library, title="Coordinate Attention", arxiv_id="2103.02907", notes=[Note("c")])
    d = add(library, title="Coordinate attention", arxiv_id="2103.02907v2")
    e = add(library, title="MetaFormer Is Actually What You Need", year=2022)
    f = add(library, title="MetaFormer is actualy what you need", year=2021)
    clusters = library.duplicates()
    assert len(clusters) == 3
    changed, records = library.merge_clusters(0.95)  # the two identifier clusters
    assert (changed.count, len(records)) == (2, 2)
    assert library.count() == 4
    assert len(library.duplicates()) == 1
    assert sorted(library.get(a).tags) == ["a", "b"]
    assert [n.text for n in library.get(c).notes] == ["c"]
    library.unmerge(records)
    assert library.count() == 6
    assert [c.ids for c in library.duplicates()] == [(a, b), (c, d), (e, f)]
    _changed, records = library.merge_clusters(clusters)
    assert library.count() == 3


def test_merge_keeps_collections_and_undo_takes_them_back(
    library: Library, pair: tuple[int, int]
) -> None:
    published, listing = pair
    library.create_collection("Thesis")
    library.create_collection("Spoofing")
    library.add_to_collection("Thesis", [listing])
    library.add_to_collection("Spoofing", [published, listing])

    def members(name: str) -> list[int]:
        return library.query_ids(library.collection_query(name))

    _changed, record = library.merge([published, listing], master=published)
    assert (members("Thesis"), members("Spoofing")) == ([published], [published])
    assert len(record.collections_added) == 1
    library.unmerge(record)
    assert members("Thesis") == [listing]
    assert sorted(members("Spoofing")) == [published, listing]
