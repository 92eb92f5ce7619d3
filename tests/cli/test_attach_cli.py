"""``refman attach`` and the attachments ``show --json`` lists."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import as_json, refman
from tests.conftest import SEED_FILES

PDF = b"%PDF-1.4\n%%EOF\n"


def test_attach_copies_or_links_and_show_lists_the_files(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite"
    refman(db, "import", str(SEED_FILES[0]))
    paper = tmp_path / "Downloads" / "2106.16128v2.pdf"
    paper.parent.mkdir()
    paper.write_bytes(PDF)

    out = refman(db, "attach", "2106.16128", str(paper))
    key = as_json(refman(db, "show", "2106.16128", "--json"))["citekey"]
    copy = tmp_path / "library-attachments" / f"{key}.pdf"
    assert out.stdout.strip() == f"attached to 2106.16128: copied to {copy}"
    assert copy.read_bytes() == PDF

    again = refman(db, "attach", "2106.16128", str(paper))
    assert again.stdout.startswith("2106.16128 already has this file")
    linked = refman(db, "attach", "2106.16128", str(paper), "--link")
    assert linked.stdout.strip() == f"attached to 2106.16128: linked {paper}"

    paper.unlink()
    shown = as_json(refman(db, "show", "2106.16128", "--json"))
    assert [(a["location"], a["copied"], a["missing"]) for a in shown["attachments"]] == [
        (str(copy), True, False),
        (str(paper), False, True),
    ]
    assert shown["attachments"][0]["mime"] == "application/pdf"
    assert shown["reading_status"] == "unread"
    text = refman(db, "show", "2106.16128").stdout
    assert f"{paper} [link] (missing)" in text

    hits = as_json(refman(db, "search", "has:pdf", "--json"))
    assert [h["arxiv_id"] for h in hits] == ["2106.16128"]


def test_attach_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite"
    refman(db, "import", str(SEED_FILES[0]))
    missing = refman(db, "attach", "2106.16128", str(tmp_path / "nope.pdf"), check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"refman: attach: {tmp_path / 'nope.pdf'} is not a file"
    (tmp_path / "p.pdf").write_bytes(PDF)
    unknown = refman(db, "attach", "nosuchkey", str(tmp_path / "p.pdf"), check=False)
    assert unknown.returncode == 1
    assert "no reference 'nosuchkey'" in unknown.stderr
    both = refman(db, "attach", "1", str(tmp_path / "p.pdf"), "--link", "--copy", check=False)
    assert both.returncode == 2
