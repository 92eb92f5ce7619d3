"""Identifiers and titles read out of a PDF's text and metadata."""

from __future__ import annotations

import pytest

from refman.formats.pdf_identifiers import (
    PdfClues,
    find_arxiv_id,
    find_clues,
    find_doi,
    title_from_file_name,
    usable_title,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2106.16128v2 [cs.CV] 30 Jun 2021", ("2106.16128", 2)),
        ("see arxiv.org/abs/1706.03762 for details", ("1706.03762", None)),
        ("https://arxiv.org/pdf/2301.00001v11.pdf", ("2301.00001", 11)),
        ("arXiv 1412.6980", ("1412.6980", None)),
        ("ARXIV: 0704.0001v1", ("0704.0001", 1)),
        ("arXiv:hep-th/9901001v3 1 Jan 1999", ("hep-th/9901001", 3)),
        ("arXiv:math.GT/0309136", ("math.GT/0309136", None)),
        ("arXiv:2113.00001 is no id: month 13", None),
        ("2106.16128 alone may be any number", None),
        ("arXiv:2106.161289 has too many digits", None),
        ("", None),
    ],
)
def test_arxiv_ids(text: str, expected: tuple[str, int | None] | None) -> None:
    assert find_arxiv_id(text) == expected


def test_the_margin_stamp_wins_over_a_cited_id() -> None:
    text = (
        "Building on arXiv:1706.03762 we propose ...\n"
        "arXiv:2106.16128v2  [cs.CV]  30 Jun 2021\n"
        "and compare with arXiv:1512.03385."
    )
    assert find_arxiv_id(text) == ("2106.16128", 2)
    assert find_arxiv_id("Building on arXiv:1706.03762 and arXiv:1512.03385") == (
        "1706.03762",
        None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOI: 10.1109/CVPR.2016.90.", "10.1109/CVPR.2016.90"),
        ("(https://doi.org/10.1145/3292500.3330701)", "10.1145/3292500.3330701"),
        ("(doi:10.1002/(SICI)1097-4571(199806)49:8)", "10.1002/(SICI)1097-4571(199806)49:8"),
        ("cited 10.1000/xyz123, then doi 10.5555/real.one", "10.5555/real.one"),
        ("Proc. 10.5 of the manual", None),
        ("nothing here", None),
    ],
)
def test_dois(text: str, expected: str | None) -> None:
    assert find_doi(text) == expected


@pytest.mark.parametrize(
    ("title", "usable"),
    [
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("  Deep   Residual Learning ", "Deep Residual Learning"),
        ("Microsoft Word - draft3.docx", ""),
        ("untitled", ""),
        ("paper.pdf", ""),
        ("main.dvi", ""),
        ("1234", ""),
        ("", ""),
    ],
)
def test_titles_from_metadata(title: str, usable: str) -> None:
    assert usable_title(title) == usable


def test_titles_from_file_names() -> None:
    assert title_from_file_name("attention_is-all.you+need") == "attention is all you need"
    assert title_from_file_name("___") == ""


def test_clues_prefer_metadata_then_the_first_pages() -> None:
    pages = ["Title\narXiv:2106.16128v2 [cs.CV] 30 Jun 2021\nDOI 10.1234/abc", "more"]
    assert find_clues(pages, {"title": "Paper.pdf"}) == PdfClues("2106.16128", 2, "10.1234/abc", "")
    assert find_clues(["nothing"], {"subject": "doi:10.48550/arXiv.2106.16128v1"}) == PdfClues(
        "2106.16128", 1, "", ""
    )
    clues = find_clues(["no ids"], {"title": "A Real Title"})
    assert clues == PdfClues(title="A Real Title")
    assert clues.year is None
    assert PdfClues("hep-th/9901001").year == 1999
    assert PdfClues("2106.16128").year == 2021
