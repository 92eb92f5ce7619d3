"""``refman export``, ``refman keys`` and ``refman auto-export`` through a real subprocess."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pybtex.database import parse_string

from tests.cli.test_cli import as_json, refman
from tests.conftest import SEED_FILES

pytestmark = pytest.mark.both_backends


@pytest.fixture
def db(library_url: str) -> str:
    """The seeds in a library on each backend (``refman`` takes any ``--db``)."""
    refman(library_url, "import", *map(str, SEED_FILES))
    return library_url


def test_export_bibtex_to_stdout_and_to_a_file(db: str, tmp_path: Path) -> None:
    printed = refman(db, "export", "--format", "bibtex").stdout
    entries = parse_string(printed, "bibtex").entries
    assert len(entries) == 79
    out = tmp_path / "refs.bib"
    done = refman(db, "export", "--format", "bibtex", "-o", str(out))
    assert out.read_text(encoding="utf-8") == printed
    assert "exported 79 references" in done.stderr
    assert "with a provisional title" in done.stderr  # the listing papers


def test_export_selected_refs_in_order_and_tagged(db: str) -> None:
    refs = as_json(refman(db, "list", "--json"))
    first, second = refs[5]["citekey"], refs[2]["citekey"]
    ris = refman(db, "export", "--format", "ris", "--ref", first, "--ref", second).stdout
    assert [line[6:] for line in ris.splitlines() if line.startswith("ID  - ")] == [first, second]
    refman(db, "tag", "add", "reading", first)
    csl = refman(db, "export", "--format", "csljson", "--tag", "reading").stdout
    assert f'"id": "{first}"' in csl
    assert second not in csl


def test_export_formatted_bibliography(db: str) -> None:
    refs = as_json(refman(db, "list", "--json"))
    key = next(r["citekey"] for r in refs if not r["title_provisional"] and r["authors"])
    text = refman(db, "export", "--format", "text", "--style", "ieee", "--ref", key).stdout
    assert text.startswith("[1] ")
    bad = refman(db, "export", "--format", "text", "--style", "nope", check=False)
    assert bad.returncode == 1
    assert "nope" in bad.stderr


def test_export_to_a_missing_folder_fails_cleanly(db: str, tmp_path: Path) -> None:
    out = refman(db, "export", "--format", "bibtex", "-o", str(tmp_path / "no" / "r.bib"),
                 check=False)  # fmt: skip
    assert out.returncode == 1
    assert "does not exist" in out.stderr
    assert not (tmp_path / "no").exists()


def test_regenerating_keys(db: str) -> None:
    refs = as_json(refman(db, "list", "--json"))
    key = refs[0]["citekey"]
    out = refman(db, "keys", "regenerate", key, "--pattern", "{Author}{year}")
    assert out.stdout.startswith("1 of 1")
    after = as_json(refman(db, "show", str(refs[0]["id"]), "--json"))
    assert after["citekey"][0].isupper()


def test_auto_export_follows_a_tag_and_rewrites_only_on_change(db: str, tmp_path: Path) -> None:
    refs = as_json(refman(db, "list", "--json"))
    a, b = refs[0]["citekey"], refs[1]["citekey"]
    refman(db, "tag", "add", "paper", a)
    target = tmp_path / "paper.bib"
    refman(db, "auto-export", "add", str(target), "--tag", "paper")
    assert list(parse_string(target.read_text(encoding="utf-8"), "bibtex").entries) == [a]
    refman(db, "tag", "add", "paper", b)  # any change rewrites the file
    assert set(parse_string(target.read_text(encoding="utf-8"), "bibtex").entries) == {a, b}
    mtime = target.stat().st_mtime_ns
    # A change to a reference the file does not hold leaves the file alone.
    refman(db, "tag", "add", "elsewhere", refs[2]["citekey"])
    assert target.stat().st_mtime_ns == mtime
    listed = as_json(refman(db, "auto-export", "list", "--json"))
    assert [(e["path"], e["tag"], e["format"]) for e in listed] == [
        (str(target.resolve()), "paper", "bibtex")
    ]
    refman(db, "tag", "rename", "paper", "thesis")  # the export follows the tag
    assert as_json(refman(db, "auto-export", "list", "--json"))[0]["tag"] == "thesis"
    refman(db, "auto-export", "remove", str(listed[0]["id"]))
    assert as_json(refman(db, "auto-export", "list", "--json")) == []
    assert target.exists()


def test_auto_export_failure_is_reported_and_the_change_stands(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    refman(db, "auto-export", "add", str(folder / "all.bib"))
    shutil.rmtree(folder)
    refs = as_json(refman(db, "list", "--json"))
    out = refman(db, "tag", "add", "x", refs[0]["citekey"])
    assert "auto-export" in out.stderr
    assert "does not exist" in out.stderr
    assert as_json(refman(db, "show", str(refs[0]["id"]), "--json"))["tags"] == ["x"]


def test_collections_on_the_command_line_and_export_of_one(db: str) -> None:
    refs = as_json(refman(db, "list", "--json"))
    keys = [r["citekey"] for r in refs[:3]]
    refman(db, "collection", "add", "Thesis")
    refman(db, "collection", "add", "Chapter 2", "--parent", "Thesis")
    out = refman(db, "collection", "put", "Thesis/Chapter 2", *keys)
    assert out.stdout.startswith("put 3 reference(s)")
    listed = as_json(refman(db, "collection", "list", "--json"))
    assert {(c["path"], c["count"]) for c in listed} == {("Thesis", 0), ("Thesis/Chapter 2", 3)}
    bib = refman(db, "export", "--format", "bibtex", "--collection", "Thesis/Chapter 2").stdout
    assert set(parse_string(bib, "bibtex").entries) == set(keys)
    refman(db, "collection", "add", "Distilled", "--query", "distillation")
    csl = refman(db, "export", "--format", "csljson", "--collection", "Distilled").stdout
    assert csl.count('"id":') == 6  # the six distillation papers of the seeds
    bad = refman(db, "export", "--format", "ris", "--collection", "Nope", check=False)
    assert bad.returncode == 1
    assert "no collection 'Nope'" in bad.stderr
