"""The table of queries in ``tests/data/search_cases.toml`` run against the seeds, each
also compared with the Python statement of the semantics (``search_oracle``)."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refman.app import open_library
from refman.domain import Attachment, Reference
from refman.domain.query import ReferenceQuery, SortKey
from refman.domain.search_query import parse_query
from refman.services.library import Library
from tests.conftest import BACKENDS, ROOT, SEED_FILES, fresh_library_url
from tests.unit.services.search_oracle import matches

CASES: dict[str, Any] = tomllib.loads((ROOT / "tests/data/search_cases.toml").read_text())


def _case_id(case: dict[str, Any]) -> str:
    return str(case["query"])


@pytest.fixture(scope="module", params=BACKENDS)
def library(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Library]:
    """The seeds with the table's tags, notes and attachments, on SQLite and on
    PostgreSQL (shared by the module: the cases only read)."""
    path = tmp_path_factory.mktemp("search") / "library.sqlite"
    with fresh_library_url(request.param, path, request) as url:
        lib = open_library(url)
        yield from _filled(lib)


def _filled(lib: Library) -> Iterator[Library]:
    lib.import_files(SEED_FILES)
    setup = CASES["setup"]
    for tag, refs in setup["tags"].items():
        lib.add_tags([tag], resolve(lib, refs))
    for ref, text in setup["notes"].items():
        lib.add_note(resolve(lib, [ref])[0], text)
    for ref, locations in setup["attachments"].items():
        with lib.store.unit_of_work() as uow:
            for location in locations:
                uow.add_attachment(resolve(lib, [ref])[0], Attachment(location=location))
    yield lib
    lib.store.close()


def resolve(library: Library, names: list[str]) -> list[int]:
    """Ids of references named by arXiv id or exact title."""
    titles = {r.title: r.id for r in library.references()}
    ids = []
    for name in names:
        if name[:4].isdigit():
            ids.extend(library.resolve([name]))
        else:
            assert name in titles, f"no seed titled {name!r}"
            ids.append(titles[name])
    return ids


def everything(library: Library) -> list[Reference]:
    return library.load(library.query_ids(ReferenceQuery()))


@pytest.mark.parametrize("case", CASES["case"], ids=_case_id)
def test_query_finds_what_the_table_says(library: Library, case: dict[str, Any]) -> None:
    found = library.query_ids(ReferenceQuery(text=case["query"], sort=SortKey.RELEVANCE))
    assert len(found) == len(set(found))
    if "expect" in case:
        assert set(found) == set(resolve(library, case["expect"]))
    if "count" in case:
        assert len(found) == case["count"]
    if "top" in case:
        assert set(found[: len(case["top"])]) == set(resolve(library, case["top"]))
    if "first" in case:
        assert found[0] == resolve(library, [case["first"]])[0]
    # The list's own order (the GUI's column sorts) finds the same references.
    assert sorted(library.query_ids(ReferenceQuery(text=case["query"]))) == sorted(found)


@pytest.mark.parametrize("case", CASES["case"], ids=_case_id)
def test_query_matches_the_statement_of_its_semantics(
    library: Library, case: dict[str, Any]
) -> None:
    node = parse_query(case["query"])
    now = dt.datetime.now(dt.UTC)
    expected = {r.id for r in everything(library) if matches(r, node, now)}
    assert set(library.query_ids(ReferenceQuery(text=case["query"]))) == expected


@pytest.mark.parametrize("case", CASES["fuzzy"], ids=_case_id)
def test_typo_tolerant_search(library: Library, case: dict[str, Any]) -> None:
    result = library.search(case["query"])
    assert result.error is None
    assert {w: list(alts) for w, alts in result.expansions.items()} == case["expansions"]
    if "include" in case:
        assert set(resolve(library, case["include"])) <= set(result.ids)
    if "count" in case:
        assert len(result.ids) == case["count"]


def test_the_table_covers_every_filter() -> None:
    text = " ".join(case["query"] for case in CASES["case"])
    for piece in [
        "author:", "title:", "tag:", "-tag:", "venue:", "year:", "..", "type:", "has:note",
        "has:pdf", "has:code", "added:", "arxiv:", "doi:", " OR ", " -", '"', "note:",
    ]:  # fmt: skip
        assert piece in text, piece


def test_seed_files_are_the_five_dumps() -> None:
    assert [Path(p).name[:3] for p in SEED_FILES] == ["000", "001", "002", "003", "004"]
