"""A new query's first page (``query_ids(..., limit=n)``) is the head of its whole list,
whichever way the SQL finds it: short words in many references tested row by row, a
text matching few references probed during a short walk of the sort order, or a rare
one driving the query."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import sqlite

from refman.domain.query import ReferenceQuery, SortKey
from refman.services.library import Library
from refman.storage import search_index

QUERIES = (
    "a", "t", "de", "th", "a t", "th -de", "title:a", "a OR zq", "tr", "gra", "tag:x a",
    "learning", "distillation", "adapt", "self distillation", '"domain adaptation"',
    "year:2021 a", "-a", "a -zzz", "zq", "has:abstract t",
)  # fmt: skip


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds for 79 references (the seeds) instead of 100,000: up to 10 matches are
    few, 11 and more in short words are dense, and a walk to fill a page is short when
    it visits at most 100 index entries per match needed."""
    monkeypatch.setattr(search_index, "FEW_MATCHES", 10)
    monkeypatch.setattr(search_index, "WALK_FIRST_PAGE_MAX", 100)


pytestmark = pytest.mark.usefixtures("small_thresholds")


@pytest.mark.both_backends
@pytest.mark.parametrize("sort", [SortKey.ADDED, SortKey.TITLE, SortKey.YEAR])
@pytest.mark.parametrize("descending", [False, True])
def test_the_first_page_is_the_head_of_the_whole_list(
    seeded: Library, sort: SortKey, descending: bool
) -> None:
    seeded.add_tags(["x"], seeded.query_ids(ReferenceQuery())[::3])
    for text in QUERIES:
        query = ReferenceQuery(text=text, sort=sort, descending=descending)
        everything = seeded.query_ids(query)
        for limit in (1, 3, 7, 40):
            assert seeded.query_ids(query, limit=limit) == everything[:limit], (text, limit)


def first_page_sql(library: Library, text: str, limit: int = 3) -> str:
    with library.store.engine.connect() as conn:
        search = search_index.compile_text(conn, text, first_page=limit)
        assert search.condition is not None
        return str(search.condition.compile(dialect=sqlite.dialect()))


def test_how_a_first_page_finds_its_rows(seeded: Library) -> None:
    size = max(seeded.query_ids(ReferenceQuery()))
    dense = max(search_index.FEW_MATCHES + 1, size // search_index.DENSE_SHARE)
    assert len(seeded.query_ids(ReferenceQuery(text="a"))) >= dense
    assert "EXISTS" in first_page_sql(seeded, "a")  # short, in most references: by row
    assert "EXISTS" in first_page_sql(seeded, "a t")
    assert "EXISTS" not in first_page_sql(seeded, "learning")  # long: a prefix to expand
    assert "EXISTS" not in first_page_sql(seeded, "-a")  # (a walk that skips most rows)

    matches = len(seeded.query_ids(ReferenceQuery(text="distillation")))
    assert matches <= search_index.FEW_MATCHES
    walked = 3 * size <= search_index.WALK_FIRST_PAGE_MAX * matches
    sql = first_page_sql(seeded, "distillation")
    assert ('+"references".id IN' in sql) == walked
    assert walked  # few, but enough to fill three rows in a short walk
    rare = first_page_sql(seeded, "divide")  # one reference: it drives the query
    assert '+"references".id IN' not in rare
    assert '"references".id IN' in rare
    with seeded.store.engine.connect() as conn:  # the whole list: sets, as before
        whole = search_index.compile_text(conn, "a").condition
        assert whole is not None
        assert "EXISTS" not in str(whole.compile(dialect=sqlite.dialect()))
