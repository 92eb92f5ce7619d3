"""Collections: nested folders of references and saved searches."""

from __future__ import annotations

import pytest

from refman.domain.query import ReferenceQuery
from refman.services.errors import UserError
from refman.services.library import Library

pytestmark = pytest.mark.both_backends


def test_folders_nest_hold_references_and_filter_the_list(seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    thesis = seeded.create_collection("Thesis")
    chapter = seeded.create_collection("Chapter 2", parent="Thesis")
    assert chapter.parent_id == thesis.id
    assert seeded.collection("thesis/chapter 2").id == chapter.id  # paths ignore case
    assert seeded.add_to_collection("Thesis/Chapter 2", ids[:3]).count == 3
    assert seeded.add_to_collection(chapter.id or 0, ids[:4]).count == 1  # one was new
    in_chapter = seeded.query_ids(seeded.collection_query("Thesis/Chapter 2"))
    assert sorted(in_chapter) == sorted(ids[:4])
    assert seeded.query_ids(seeded.collection_query("Thesis")) == []  # its own items only
    counts = {c.name: c.count for c in seeded.collections()}
    assert counts == {"Thesis": 0, "Chapter 2": 4}
    seeded.trash(ids[:1])  # trashed references leave the count and the list
    assert {c.name: c.count for c in seeded.collections()}["Chapter 2"] == 3
    assert seeded.remove_from_collection("Thesis/Chapter 2", ids[1:2]).count == 1
    seeded.delete_collection("Thesis")  # and its sub-collection; references stay
    assert seeded.collections() == []
    assert seeded.count() == len(ids) - 1


def test_saved_search_runs_its_query_with_the_quick_search(seeded: Library) -> None:
    search = seeded.create_collection("Distillation", query="distillation")
    assert search.is_saved_search
    assert search.count is None
    found = seeded.query_ids(seeded.collection_query("Distillation"))
    assert found == seeded.query_ids(ReferenceQuery(text="distillation"))
    narrowed = seeded.query_ids(
        seeded.collection_query("Distillation", ReferenceQuery(text="contrastive"))
    )
    assert narrowed
    assert set(narrowed) < set(found)
    with pytest.raises(UserError, match="saved search"):
        seeded.add_to_collection("Distillation", found[:1])
    with pytest.raises(UserError, match="cannot hold"):
        seeded.create_collection("Inner", parent="Distillation")


def test_bad_names_and_unknown_paths_are_refused(library: Library) -> None:
    library.create_collection("Reading")
    with pytest.raises(UserError, match="exists already"):
        library.create_collection("reading")
    with pytest.raises(UserError, match="without '/'"):
        library.create_collection("a/b")
    with pytest.raises(UserError, match="no collection 'Nope/Deeper'"):
        library.collection("Nope/Deeper")
    library.rename_collection("Reading", "To read")
    assert [c.name for c in library.collections()] == ["To read"]


def test_a_malformed_saved_search_is_refused_before_it_is_saved(library: Library) -> None:
    with pytest.raises(UserError, match="saved search: year"):
        library.create_collection("Broken", query="year:20x1")
    assert library.collections() == []
