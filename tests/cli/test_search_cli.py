"""``refman search`` through a real subprocess on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import LIST_KEYS, as_json, refman
from tests.conftest import SEED_FILES


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("search-cli") / "library.sqlite"
    refman(db, "import", *map(str, SEED_FILES))
    return db


def test_search_json_is_list_objects_best_first(seeded_db: Path) -> None:
    out = refman(seeded_db, "search", "distillation", "--json")
    refs = as_json(out)
    assert len(refs) == 6
    assert all(ref.keys() >= LIST_KEYS for ref in refs)
    assert refs[0]["title"] == "CSD: Contrastive Self-Distillation"
    title_hits = {r["title"] for r in refs[:4]}
    assert all("distillation" in t.lower() for t in title_hits)
    assert out.stderr == ""


def test_search_words_are_joined_and_limited(seeded_db: Path) -> None:
    refs = as_json(refman(seeded_db, "search", "author:feng", "year:2020..2021", "--json"))
    assert len(refs) == 25
    assert all(r["year"] in (2020, 2021) and r["authors"] == ["Jiashi Feng"] for r in refs)
    limited = as_json(
        refman(seeded_db, "search", "author:feng", "year:2020..2021", "--limit", "3", "--json")
    )
    assert limited == refs[:3]


def test_search_widens_typos_and_says_so(seeded_db: Path) -> None:
    out = refman(seeded_db, "search", "contrastiv distilation")
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    assert "CSD: Contrastive Self-Distillation" in lines[0]
    assert "distilation -> distillation" in out.stderr


def test_search_plain_lines(seeded_db: Path) -> None:
    out = refman(seeded_db, "search", "--", "-author:feng", "venue:cvpr")
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    assert all(" 2021 ~" in line for line in lines)  # provisional titles are marked


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year:20x1", "refman: query: year: '20x1' is not a year"),
        ('tag:"to read', "refman: query: unbalanced quote (at column 5)"),
        ("has:nothing", "(at column 5)"),
    ],
)
def test_malformed_query_exits_1_with_the_column(seeded_db: Path, query: str, message: str) -> None:
    out = refman(seeded_db, "search", query, check=False)
    assert out.returncode == 1
    assert out.stdout == ""
    assert message in out.stderr
    assert out.stderr.startswith("refman: query: ")


def test_search_usage_errors(seeded_db: Path) -> None:
    assert refman(seeded_db, "search", check=False).returncode == 2
    assert refman(seeded_db, "search", "x", "--limit", "0", check=False).returncode == 2
