"""Listing, quick search, sorting, editing and the trash through the Library service."""

from __future__ import annotations

import re

import pytest

from refman.domain.query import ReferenceQuery, SortKey
from refman.services.errors import UserError
from refman.services.library import Library, validate_field
from refman.storage.store import ConflictError

pytestmark = pytest.mark.both_backends


def ids_for(library: Library, **query: object) -> list[int]:
    return library.query_ids(ReferenceQuery(**query))  # type: ignore[arg-type]


def test_quick_search_matches_prefixes_across_fields(seeded: Library) -> None:
    distillation = ids_for(seeded, text="distillation")
    titles = {r.title for r in seeded.load(distillation)}
    assert "CSD: Contrastive Self-Distillation" in titles
    by_regex = [
        r.id
        for r in seeded.load(ids_for(seeded))
        if re.search(r"(?<![a-z0-9])distillation", f"{r.title} {r.abstract}".lower())
    ]
    assert distillation == by_regex
    assert len(distillation) == 6
    assert ids_for(seeded, text="DISTILL") == ids_for(seeded, text="distill")
    assert set(ids_for(seeded, text="distil contrastive")) < set(distillation)
    assert len(ids_for(seeded, text="feng")) == 47  # the profile's author
    assert ids_for(seeded, text="ijcai") != []  # venue
    assert ids_for(seeded, text="  ,;  ") == ids_for(seeded)  # no words: everything


def test_search_index_follows_tags_notes_and_edits(seeded: Library) -> None:
    (ref_id,) = seeded.resolve(["2106.16128"])
    seeded.add_tags(["toread"], [ref_id])
    assert ids_for(seeded, text="toread") == [ref_id]
    seeded.rename_tag("toread", "queued")
    assert ids_for(seeded, text="toread") == []
    assert ids_for(seeded, text="queued") == [ref_id]
    seeded.add_note(ref_id, "Compare with the zebrafish baseline")
    assert ids_for(seeded, text="zebrafish") == [ref_id]
    version = seeded.get(ref_id).version
    seeded.update_fields(ref_id, {"title": "Dual Réweighting for Spoofing"}, version)
    assert ids_for(seeded, text="reweighting spoofing") == [ref_id]
    seeded.trash([ref_id])
    assert ids_for(seeded, text="zebrafish") == []
    assert ids_for(seeded, text="zebrafish", trashed=True) == [ref_id]
    seeded.empty_trash()
    assert ids_for(seeded, text="zebrafish", trashed=True) == []


def test_tag_filters_all_any_and_untagged(seeded: Library) -> None:
    a, b, c = seeded.resolve(["2106.16128", "2106.16064", "2106.09958"])
    seeded.add_tags(["x"], [a, b])
    seeded.add_tags(["y"], [b, c])
    assert ids_for(seeded, tags=("x", "y")) == [b]
    assert sorted(ids_for(seeded, tags=("x", "y"), any_tag=True)) == sorted([a, b, c])
    assert len(ids_for(seeded, untagged=True)) == 79 - 3


@pytest.mark.parametrize("sort", list(SortKey))
def test_sorting_happens_in_sql(seeded: Library, sort: SortKey) -> None:
    ids = ids_for(seeded, sort=sort)
    rows = seeded.rows(ids)
    assert len(rows) == 79
    reverse = ids_for(seeded, sort=sort, descending=True)
    assert reverse == ids[::-1]
    if sort is SortKey.YEAR:
        years = [r.year for r in rows]
        assert years == sorted(years, key=lambda y: (y is not None, y))
    if sort is SortKey.AUTHORS:
        assert rows[-1].authors == "Feng"


def test_rows_are_what_the_list_shows(seeded: Library) -> None:
    (ref_id,) = seeded.resolve(["2106.16128"])
    seeded.add_tags(["b-tag", "a-tag"], [ref_id])
    seeded.set_tag_colour("a-tag", "#ff0000")
    (row,) = seeded.rows([ref_id])
    assert row.title == "DRDG: Dual Reweighting Domain Generalization"
    assert row.title_provisional
    assert (row.year, row.venue, row.authors) == (2021, "IJCAI 2021", "")
    assert row.tags == (("a-tag", "#ff0000"), ("b-tag", None))


def test_update_fields_validates_and_detects_conflicts(seeded: Library) -> None:
    (ref_id,) = seeded.resolve(["2106.16128"])
    version = seeded.get(ref_id).version
    with pytest.raises(UserError, match="year"):
        seeded.update_fields(ref_id, {"year": "twenty"}, version)
    with pytest.raises(UserError, match="doi"):
        seeded.update_fields(ref_id, {"doi": "not a doi"}, version)
    changed = seeded.update_fields(ref_id, {"title": "A real title", "year": "2022"}, version)
    ref = seeded.get(ref_id)
    assert (ref.title, ref.title_provisional, ref.year, ref.version) == (
        "A real title",
        False,
        2022,
        changed.count,
    )
    with pytest.raises(ConflictError):
        seeded.update_fields(ref_id, {"venue": "stale"}, version)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("doi", "https://doi.org/10.1000/xyz123", "10.1000/xyz123"),
        ("doi", "", ""),
        ("year", " 2021 ", 2021),
        ("year", "", None),
        ("title", "  Spaced   out  ", "Spaced out"),
    ],
)
def test_validate_field_normalises(name: str, value: str, expected: object) -> None:
    assert validate_field(name, value) == expected


def test_notes_edit_and_delete(seeded: Library) -> None:
    (ref_id,) = seeded.resolve(["2106.16128"])
    note_id = seeded.add_note(ref_id, "first").count
    seeded.edit_note(note_id, "second")
    assert [n.text for n in seeded.get(ref_id).notes] == ["second"]
    seeded.delete_note(note_id)
    assert seeded.get(ref_id).notes == []


def test_trash_and_restore(seeded: Library) -> None:
    a, b = seeded.resolve(["2106.16128", "2106.16064"])
    assert seeded.trash([a, b]).count == 2
    assert seeded.count() == 77
    assert seeded.count_trashed() == 2
    assert seeded.restore([a]).count == 1
    assert seeded.count() == 78
    assert seeded.empty_trash().count == 1
    assert seeded.count() + seeded.count_trashed() == 78
