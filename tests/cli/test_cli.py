"""The command line through a real subprocess on a temporary library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED_FILES, SEEDS

LIST_KEYS = {
    "id", "citekey", "type", "title", "title_provisional", "authors", "year", "date", "venue",
    "journal_ref", "arxiv_id", "doi", "url", "code_url", "abstract", "comments", "tags", "notes",
}  # fmt: skip


def refman(
    db: Path | str, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m refman.cli.main --db DB ARGS``."""
    cmd = [sys.executable, "-m", "refman.cli.main", "--db", str(db), *args]
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(cmd, capture_output=True, text=True, env=full_env, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"{cmd} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "library.sqlite"
    out = refman(db, "import", *map(str, SEED_FILES))
    assert out.stdout.strip() == "added 79, merged 8, unchanged 0"
    return db


def test_reimport_adds_none(seeded_db: Path) -> None:
    out = refman(seeded_db, "import", *map(str, SEED_FILES))
    assert out.stdout.strip() == "added 0, merged 0, unchanged 87"


def test_list_json_objects(seeded_db: Path) -> None:
    refs = as_json(refman(seeded_db, "list", "--json"))
    assert len(refs) == 79
    assert all(ref.keys() >= LIST_KEYS for ref in refs)
    by_arxiv = {r["arxiv_id"]: r for r in refs if r["arxiv_id"]}
    assert len(by_arxiv) == 32
    drdg = by_arxiv["2106.16128"]
    assert drdg["venue"] == "IJCAI 2021"
    assert drdg["title_provisional"] is True
    assert drdg["doi"] == "10.48550/arXiv.2106.16128"
    assert (drdg["year"], drdg["date"]) == (2021, "2021-06-30")
    gcc = by_arxiv["2110.14439"]
    assert (gcc["venue"], gcc["code_url"]) == ("NeurIPS 2021", "https://github.com/SJLeo/GCC")
    assert "Pattern Analysis and Machine Intelligence" in by_arxiv["2201.03801"]["journal_ref"]
    (metaformer,) = [
        r for r in refs if r["title"] == "MetaFormer Is Actually What You Need for Vision"
    ]
    assert (metaformer["year"], metaformer["authors"]) == (2022, ["Jiashi Feng"])
    assert metaformer["title_provisional"] is False


def test_show_by_arxiv_id_and_citekey(seeded_db: Path) -> None:
    shown = as_json(refman(seeded_db, "show", "2106.16128v1", "--json"))
    assert shown["arxiv_id"] == "2106.16128"
    assert {"attachments", "provenance"} <= shown.keys()
    assert shown["provenance"][0]["source"].endswith("000_9ae25896bb0d60b4.txt")
    again = as_json(refman(seeded_db, "show", shown["citekey"], "--json"))
    assert again["id"] == shown["id"]
    plain = refman(seeded_db, "show", str(shown["id"])).stdout
    assert "IJCAI 2021" in plain


def test_tags_and_notes(tmp_path: Path) -> None:
    db = tmp_path / "tags.sqlite"
    refman(db, "import", str(SEEDS / "000_9ae25896bb0d60b4.txt"))
    refman(db, "tag", "add", "reading", "2106.16128", "2106.16064")
    refman(db, "tag", "add", "Reading", "2106.09958")  # same tag, other case
    refman(db, "tag", "add", "fas", "2106.16128")
    assert as_json(refman(db, "tag", "list", "--json")) == [
        {"name": "fas", "count": 1, "colour": None},
        {"name": "reading", "count": 3, "colour": None},
    ]
    tagged = as_json(refman(db, "list", "--tag", "reading", "--tag", "fas", "--json"))
    assert [r["arxiv_id"] for r in tagged] == ["2106.16128"]
    refman(db, "tag", "remove", "reading", "2106.16064")
    refman(db, "tag", "rename", "fas", "reading")  # onto an existing tag: merge
    assert as_json(refman(db, "tag", "list", "--json")) == [
        {"name": "reading", "count": 2, "colour": None}
    ]
    refman(db, "note", "add", "2106.16128", "**Key idea**: reweighting.")
    shown = as_json(refman(db, "show", "2106.16128", "--json"))
    assert shown["notes"] == ["**Key idea**: reweighting."]
    assert shown["tags"] == ["reading"]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("show", "9999.99999"), 1, "no reference"),
        (("list", "--tag", "nope"), 1, "no tag named 'nope'"),
        (("tag", "remove", "nope", "2106.16128"), 1, "no tag named 'nope'"),
        (("frobnicate",), 2, "invalid choice"),
        (("tag", "add", "x"), 2, "required"),
    ],
)
def test_errors_are_one_line_without_traceback(
    seeded_db: Path, args: tuple[str, ...], status: int, message: str
) -> None:
    out = refman(seeded_db, *args, check=False)
    assert out.returncode == status
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_parse_error_names_file_and_line(tmp_path: Path) -> None:
    db = tmp_path / "bad.sqlite"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(
        b"An abstract.\n\narXiv:2106.16128\nCreated: 2021-06-30\n\n\xff\xfe\x00\x00junk\n"
    )
    out = refman(db, "import", str(SEEDS / "000_9ae25896bb0d60b4.txt"), str(bad), check=False)
    assert out.returncode == 1
    assert f"{bad}:" in out.stderr
    assert "Traceback" not in out.stderr
    assert as_json(refman(db, "list", "--json")) == []


def test_every_subcommand_has_help(tmp_path: Path) -> None:
    db = tmp_path / "help.sqlite"
    for args in (
        ("--help",), ("import", "--help"), ("list", "--help"), ("show", "--help"),
        ("tag", "--help"), ("tag", "add", "--help"), ("tag", "list", "--help"),
        ("tag", "rename", "--help"), ("tag", "remove", "--help"), ("note", "add", "--help"),
    ):  # fmt: skip
        out = refman(db, *args)
        assert out.stdout.startswith("usage: refman")


def test_version_and_env_selected_library(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "refman.cli.main", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("refman ")
    db = tmp_path / "env.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "refman.cli.main",
        "import",
        str(SEEDS / "003_0d5942242b4dab14.txt"),
    ]
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "REFMAN_DB": str(db)})
    assert len(as_json(refman(db, "list", "--json"))) == 10
