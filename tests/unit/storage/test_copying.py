"""``refman db copy``: a whole library from SQLite to PostgreSQL and back, verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from refman.app import open_library
from refman.domain import Attachment
from refman.domain.query import ReferenceQuery
from refman.services.errors import UserError
from refman.services.library import Library
from refman.services.library_copy import copy_between
from tests.conftest import SEED_FILES, fresh_library_url

pytestmark = pytest.mark.postgres


def _snapshot(library: Library) -> dict[str, object]:
    """Everything a user could tell apart, by id."""
    refs = library.references()
    return {
        "references": sorted(
            (
                r.id,
                r.citekey,
                r.title,
                r.title_provisional,
                tuple((p.family, p.given) for p in r.authors),
                tuple(sorted(r.tags)),
                tuple(sorted((n.text, n.version) for n in r.notes)),
                r.year,
                r.venue,
                r.abstract,
                r.arxiv_id,
                r.doi,
                r.added,
                r.version,
            )
            for r in refs
        ),
        "attachments": sorted(
            (r.id, a.location) for r in library.load([r.id for r in refs]) for a in r.attachments
        ),
        "provenance": sorted(
            (r.id, p.source, p.line, p.raw)
            for r in library.load([r.id for r in refs])
            for p in r.provenance
        ),
        "tags": sorted((t.name, t.colour, t.count) for t in library.tags()),
        "collections": sorted((c.name, c.query or "") for c in library.collections()),
        "search": library.query_ids(ReferenceQuery(text="distillation")),
    }


@pytest.fixture
def rich(library_path: Path) -> Library:
    """An SQLite library with every kind of row: seeds, tags with colours, notes,
    nested folders (the child created first: a smaller id than its parent's), a saved
    search, an attachment."""
    lib = open_library(str(library_path))
    lib.import_files(SEED_FILES)
    ids = lib.query_ids(ReferenceQuery())
    lib.add_tags(["reading", "to read"], ids[:10])
    lib.set_tag_colour("reading", "#ff0000")
    note = lib.add_note(ids[0], "# Ideas").count
    lib.edit_note(note, "# Ideas\nlots of them", version=1)  # (version 2 is copied)
    child = lib.create_collection("child")
    parent = lib.create_collection("parent")
    lib.add_to_collection(child.id or 0, ids[:3])
    lib.rename_collection(parent.id or 0, "parent folder")
    with lib.store.unit_of_work() as uow:
        uow.update_collection(child.id or 0, parent_id=parent.id)
        uow.add_attachment(ids[1], Attachment(location="/papers/one.pdf"))
    lib.create_collection("distilled", query="distillation")
    return lib


def test_sqlite_to_postgresql_and_back(
    rich: Library, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    before = _snapshot(rich)
    source = str(rich.store.url)
    with fresh_library_url("postgresql", tmp_path / "x", request) as pg_url:
        report = copy_between(source, pg_url)
        assert report.references == 79
        on_pg = open_library(pg_url)
        try:
            assert _snapshot(on_pg) == before
            parent = on_pg.collection("parent folder")
            assert [c.name for c in on_pg.collections() if c.parent_id == parent.id] == ["child"]
            new = on_pg.add_note(before["search"][0], "written after the copy")  # type: ignore[index]
            assert new.count is not None  # (the sequences moved past the copied ids)
            expected = _snapshot(on_pg)
        finally:
            on_pg.store.close()
        back = tmp_path / "back.sqlite"
        copy_between(pg_url, str(back))
    again = open_library(str(back))
    try:
        assert _snapshot(again) == expected
    finally:
        again.store.close()


def test_a_library_that_is_not_empty_is_refused_and_unchanged(
    rich: Library, tmp_path: Path
) -> None:
    target = open_library(str(tmp_path / "other.sqlite"))
    target.import_files(SEED_FILES[:1])
    before = _snapshot(target)
    target.store.close()
    with pytest.raises(UserError, match="not empty: it has references"):
        copy_between(str(rich.store.url), str(tmp_path / "other.sqlite"))
    target = open_library(str(tmp_path / "other.sqlite"))
    assert _snapshot(target) == before
    target.store.close()
