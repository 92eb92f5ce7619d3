"""Search beyond the table: the index follows every write, ranking, the first page,
typo tolerance and its vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from refman.domain.query import ReferenceQuery, SortKey
from refman.domain.search_query import QuerySyntaxError
from refman.services import searching
from refman.services.library import Library
from refman.storage import search_index
from refman.storage.search_index import SearchSql, Vocabulary

pytestmark = pytest.mark.both_backends

DRDG = "2106.16128"
GCC = "2110.14439"
DIVIDE = (
    "Divide to Adapt: Mitigating Confirmation Bias for Domain Adaptation of Black-Box Predictors"
)


def find(library: Library, text: str, **query: object) -> list[int]:
    return library.query_ids(ReferenceQuery(text=text, **query))  # type: ignore[arg-type]


def ranked(library: Library, text: str, limit: int | None = None, **query: object) -> list[int]:
    return library.query_ids(
        ReferenceQuery(text=text, sort=SortKey.RELEVANCE, **query),  # type: ignore[arg-type]
        limit=limit,
    )


def titled(library: Library, title: str) -> int:
    (ref_id,) = [r.id for r in library.references() if r.title == title]
    assert ref_id is not None
    return ref_id


def test_index_follows_edits_tags_notes_and_the_trash(seeded: Library) -> None:
    (ref_id,) = seeded.resolve([DRDG])
    version = seeded.get(ref_id).version
    seeded.update_fields(ref_id, {"title": "Dual Réweighting for Spoofing"}, version)
    assert find(seeded, "title:spoofing") == [ref_id]
    assert ref_id not in find(seeded, "title:generalization")
    assert ranked(seeded, "title:reweighting") == [ref_id]

    seeded.add_tags(["queued"], [ref_id])
    assert find(seeded, "tag:queued") == find(seeded, "queued") == [ref_id]
    seeded.rename_tag("queued", "Backlog")
    assert find(seeded, "tag:queued") == []
    assert find(seeded, "tag:backlog") == find(seeded, "backlog") == [ref_id]

    note_id = seeded.add_note(ref_id, "Compare with the zebrafish baseline").count
    assert find(seeded, "note:zebrafish") == find(seeded, "has:note") == [ref_id]
    seeded.edit_note(note_id, "Compare with the salamander baseline")
    assert find(seeded, "zebrafish") == []
    assert find(seeded, "salamander") == [ref_id]
    seeded.delete_note(note_id)
    assert find(seeded, "has:note") == find(seeded, "salamander") == []

    seeded.trash([ref_id])
    assert find(seeded, "spoofing") == ranked(seeded, "spoofing") == []
    assert find(seeded, "spoofing", trashed=True) == [ref_id]
    assert ranked(seeded, "tag:backlog spoofing", trashed=True) == [ref_id]
    seeded.restore([ref_id])
    assert find(seeded, "spoofing") == [ref_id]
    seeded.delete_tag("Backlog")
    assert find(seeded, "tag:backlog") == find(seeded, "has:tag") == []
    seeded.trash([ref_id])
    seeded.empty_trash()
    assert find(seeded, "spoofing", trashed=True) == find(seeded, "spoofing") == []


def test_a_new_import_is_searchable(seeded: Library, tmp_path: Path) -> None:
    dump = tmp_path / "new.txt"
    dump.write_text(
        "We study quokka populations with hyperspectral drones.\n\n"
        "arXiv:2301.00001\nCreated: 2023-01-02\n"
    )
    seeded.import_files([dump])
    (ref_id,) = seeded.resolve(["2301.00001"])
    assert find(seeded, "quokka hyperspectral year:2023") == [ref_id]
    assert seeded.search("quoka").ids == [ref_id]  # typo tolerance sees the new word


def test_rebuilding_the_index_changes_no_result(seeded: Library) -> None:
    queries = ["distillation", "feng -year:2020", '"self distillation"', "venue:cvpr"]
    before = {q: ranked(seeded, q) for q in queries}
    assert seeded.rebuild_search_index() == 79
    assert {q: ranked(seeded, q) for q in queries} == before


def test_malformed_query_text_raises_with_its_position(seeded: Library) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        find(seeded, "distillation year:20x1")
    assert caught.value.position == 18
    result = seeded.search("distillation year:20x1")
    assert result.ids == []
    assert result.error is not None
    assert result.error.column == 19


def test_tag_and_note_hits_count_in_the_ranking(seeded: Library) -> None:
    gcc, divide = seeded.resolve([GCC])[0], titled(seeded, DIVIDE)
    before = ranked(seeded, "distillation")
    assert before.index(gcc) > before.index(divide)  # both: the abstract only
    seeded.add_tags(["distillation"], [gcc])
    after = ranked(seeded, "distillation")
    assert after.index(gcc) < after.index(divide)
    seeded.add_note(divide, "Label smoothing as distillation")
    assert ranked(seeded, "distillation").index(divide) < len(after) - 1


def test_relevance_without_search_text_is_the_added_order(seeded: Library) -> None:
    assert ranked(seeded, "") == find(seeded, "", sort=SortKey.ADDED)
    assert ranked(seeded, "year:2020") == find(seeded, "year:2020", sort=SortKey.ADDED)
    assert ranked(seeded, "feng", descending=True) == ranked(seeded, "feng")[::-1]


@pytest.mark.parametrize(
    "text",
    ["feng", "feng -year:2020", "author:feng year:2020..2022", "network", "learning -domain"],
)
def test_first_page_agrees_with_the_whole_ranking(
    seeded: Library, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    pages: list[list[int] | None] = []
    first_page = SearchSql.first_page

    def spy(self: SearchSql, *args: object, **kwargs: object) -> list[int] | None:
        page = first_page(self, *args, **kwargs)  # type: ignore[arg-type]
        pages.append(page)
        return page

    monkeypatch.setattr(SearchSql, "first_page", spy)
    whole = ranked(seeded, text)
    seeded.trash(whole[1:2])  # a trashed reference in the first tier is skipped
    whole = ranked(seeded, text)
    for limit in (1, 5, 20):
        assert ranked(seeded, text, limit) == whole[:limit]
    assert any(page is not None for page in pages)  # the index answered some alone
    seeded.add_tags(["picked"], whole[::3])
    picked = ranked(seeded, text, tags=("picked",))
    assert picked == [i for i in whole if i in set(whole[::3])]
    assert ranked(seeded, text, 2, tags=("picked",)) == picked[:2]


def test_typo_tolerance_puts_exact_matches_first(seeded: Library) -> None:
    metaformer = titled(seeded, "MetaFormer Is Actually What You Need for Vision")
    result = seeded.search("distilation OR metaformer")
    assert result.expansions == {"distilation": ("distillation",)}
    assert result.ids[0] == metaformer
    assert len(result.ids) == 7
    assert {"distilation", "metaformer", "distillation"} <= set(result.terms)
    assert seeded.search("fneg", limit=3).ids == seeded.search("fneg").ids[:3]


def test_near_misses_skip_words_a_near_miss_starts(seeded: Library) -> None:
    searcher = seeded.searcher
    assert searcher.near_misses("distilation") == ("distillation",)
    near = searcher.near_misses("transfomer")
    assert "transformer" in near
    assert "transformers" not in near  # "transformer" finds it as a prefix
    assert searcher.near_misses("fneg", authors=True) == ("feng",)
    assert searcher.near_misses("qqqqqq") == ()
    assert searching.max_edits("fneg") == 1
    assert searching.max_edits("distilation") == 2


def test_vocabulary_is_cached_until_the_index_changes(
    seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[Vocabulary] = []
    vocabulary = search_index.vocabulary

    def counting(engine: object) -> Vocabulary:
        loaded = vocabulary(engine)  # type: ignore[arg-type]
        loads.append(loaded)
        return loaded

    monkeypatch.setattr(search_index, "vocabulary", counting)
    assert seeded.search("zebrafsh").ids == []
    assert seeded.search("quantizaton").expansions == {"quantizaton": ("quantization",)}
    assert len(loads) == 1
    (ref_id,) = seeded.resolve([DRDG])
    version = seeded.get(ref_id).version
    seeded.update_fields(ref_id, {"title": "Zebrafish Domain Generalization"}, version)
    result = seeded.search("zebrafsh")
    assert result.ids == [ref_id]
    assert result.expansions == {"zebrafsh": ("zebrafish",)}
    assert len(loads) == 2
    assert "zebrafish" in loads[-1].terms


def test_vocabulary_holds_index_words_and_family_names(seeded: Library) -> None:
    vocabulary = search_index.vocabulary(seeded.store.engine)
    assert vocabulary.terms["feng"] == 47
    assert vocabulary.terms["distillation"] == 6
    assert vocabulary.families == frozenset({"feng"})
    assert search_index.vocabulary_stamp(seeded.store.engine) == vocabulary.stamp
