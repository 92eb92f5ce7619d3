"""``refman duplicates`` and ``refman merge`` through a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import LIST_KEYS, as_json, refman
from tests.conftest import SEED_FILES


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The seeds plus the published version of listing paper 2106.16128 (real title,
    authors, its own DOI): the import cannot tell they are one paper, the finder can."""
    db = tmp_path / "library.sqlite"
    refman(db, "import", *map(str, SEED_FILES))
    listing = as_json(refman(db, "show", "2106.16128", "--json"))
    published = {
        "id": "liu2021drdg",
        "type": "paper-conference",
        "title": "Dual Reweighting Domain Generalization for Face Presentation Attack Detection",
        "author": [{"family": "Liu", "given": "Shubao"}, {"family": "Zhang", "given": "Ke-Yue"}],
        "issued": {"date-parts": [[2021]]},
        "DOI": "10.24963/ijcai.2021/120",
        "abstract": listing["abstract"],
    }
    csl = tmp_path / "published.json"
    csl.write_text(json.dumps([published]), encoding="utf-8")
    out = refman(db, "import", str(csl))
    assert out.stdout.strip() == "added 1, merged 0, unchanged 0"
    return db


def test_duplicates_lists_clusters_and_merge_merges(db: Path) -> None:
    (cluster,) = as_json(refman(db, "duplicates", "--json"))
    assert cluster["reason"] == "abstract"
    assert 0.8 < cluster["confidence"] <= 1.0
    listing, published = cluster["references"]
    assert all(ref.keys() >= LIST_KEYS for ref in cluster["references"])
    assert (listing["arxiv_id"], listing["title_provisional"]) == ("2106.16128", True)
    assert published["authors"] == ["Shubao Liu", "Ke-Yue Zhang"]
    plain = refman(db, "duplicates").stdout
    assert "[1] abstract, confidence" in plain
    assert "~" in plain  # the provisional title's marker
    assert as_json(refman(db, "duplicates", "--json", "--min-confidence", "1")) == []

    key = published["citekey"]
    out = refman(db, "merge", "2106.16128", key, "--master", key, "--use", "year=2106.16128")
    assert f"merged {listing['id']} into {published['id']}" in out.stdout
    master = as_json(refman(db, "show", str(published["id"]), "--json"))
    assert master["title"].startswith("Dual Reweighting")
    assert (master["arxiv_id"], master["venue"]) == ("2106.16128", "IJCAI 2021")
    assert master["doi"] == "10.24963/ijcai.2021/120"
    assert as_json(refman(db, "duplicates", "--json")) == []
    assert len(as_json(refman(db, "list", "--json"))) == 79


def test_not_a_duplicate_is_remembered(db: Path) -> None:
    (cluster,) = as_json(refman(db, "duplicates", "--json"))
    ids = [str(ref["id"]) for ref in cluster["references"]]
    out = refman(db, "duplicates", "--not", *ids)
    assert "not duplicates (1 new pair(s))" in out.stdout
    assert as_json(refman(db, "duplicates", "--json")) == []
    assert refman(db, "duplicates").stdout.strip() == "no duplicates found"


def test_merge_every_cluster_above_a_confidence(db: Path) -> None:
    (merged,) = as_json(refman(db, "merge", "--min-confidence", "0.8", "--json"))
    # the listing record has more fields filled: it is the master, with the real title
    assert merged["master"]["arxiv_id"] == "2106.16128"
    assert merged["master"]["title"].startswith("Dual Reweighting")
    assert merged["master"]["title_provisional"] is False
    assert merged["master"]["authors"] == ["Shubao Liu", "Ke-Yue Zhang"]
    assert len(merged["merged"]) == 1
    assert as_json(refman(db, "merge", "--min-confidence", "0.8", "--json")) == []


def test_usage_errors(db: Path) -> None:
    out = refman(db, "merge", "2106.16128", check=False)
    assert (out.returncode, out.stderr.strip()) == (
        1,
        "refman: merge: give at least two references (or --min-confidence X)",
    )
    out = refman(db, "merge", "2106.16128", "1", "--use", "colour=1", check=False)
    assert out.returncode == 1
    assert "expected FIELD=REF" in out.stderr
    out = refman(db, "duplicates", "--min-confidence", "2", check=False)
    assert out.returncode == 2
    assert "not between 0 and 1" in out.stderr
    out = refman(db, "duplicates", "--not", "2106.16128", check=False)
    assert (out.returncode, "at least two" in out.stderr) == (1, True)
