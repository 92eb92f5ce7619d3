"""``refman db copy``: moving a library to PostgreSQL and back from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import as_json, refman
from tests.conftest import SEED_FILES, fresh_library_url


@pytest.mark.postgres
def test_copy_to_postgresql_and_back(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    source = tmp_path / "library.sqlite"
    refman(source, "import", *map(str, SEED_FILES))
    refman(source, "tag", "add", "reading", "1", "2")
    with fresh_library_url("postgresql", tmp_path / "unused", request) as pg_url:
        done = refman(source, "db", "copy", str(source), pg_url)
        assert "copied 79 references" in done.stdout
        assert "row count verified" in done.stdout
        listed = as_json(refman(pg_url, "list", "--json", "--tag", "reading"))
        assert sorted(r["id"] for r in listed) == [1, 2]
        back = tmp_path / "back.sqlite"
        counts = as_json(refman(pg_url, "db", "copy", pg_url, str(back), "--json"))
        assert counts["references"] == 79
        assert counts["reference_tags"] == 2
    assert len(as_json(refman(back, "list", "--json"))) == 79


def test_copy_into_a_library_that_is_not_empty_says_so(tmp_path: Path) -> None:
    source, target = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    refman(source, "import", str(SEED_FILES[0]))
    refman(target, "import", str(SEED_FILES[1]))
    before = target.read_bytes()
    failed = refman(source, "db", "copy", str(source), str(target), check=False)
    assert failed.returncode == 1
    assert "the target library is not empty: it has references" in failed.stderr
    assert target.read_bytes() == before
