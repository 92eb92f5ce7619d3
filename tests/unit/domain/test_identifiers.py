"""Identifiers a user pastes: arXiv ids and DOIs, bare, prefixed or as links."""

from __future__ import annotations

import pytest

from refman.domain.identifiers import (
    Identifier,
    arxiv_doi_id,
    parse_arxiv_id,
    parse_identifier,
    reference_identifier,
)


@pytest.mark.parametrize(
    ("text", "kind", "value", "version"),
    [
        ("2106.16128", "arxiv", "2106.16128", None),
        ("2106.16128v2", "arxiv", "2106.16128", 2),
        ("arXiv:2106.16128v2", "arxiv", "2106.16128", 2),
        ("  arxiv: 1412.6980v10 ", "arxiv", "1412.6980", 10),
        ("hep-th/9901001", "arxiv", "hep-th/9901001", None),
        ("arXiv:math.GT/0309136v1", "arxiv", "math.GT/0309136", 1),
        ("https://arxiv.org/abs/2106.16128v2", "arxiv", "2106.16128", 2),
        ("http://arxiv.org/abs/astro-ph/0601001", "arxiv", "astro-ph/0601001", None),
        ("arxiv.org/pdf/2106.16128.pdf", "arxiv", "2106.16128", None),
        ("https://arxiv.org/pdf/2106.16128v3", "arxiv", "2106.16128", 3),
        ("https://export.arxiv.org/abs/2106.16128?context=cs", "arxiv", "2106.16128", None),
        ("https://www.arxiv.org/html/2106.16128v1#S2", "arxiv", "2106.16128", 1),
        ("<https://arxiv.org/abs/2106.16128>", "arxiv", "2106.16128", None),
        ("10.1038/nature14539", "doi", "10.1038/nature14539", None),
        ("doi:10.1109/CVPR.2016.90", "doi", "10.1109/CVPR.2016.90", None),
        ("DOI: 10.1109/CVPR.2016.90.", "doi", "10.1109/CVPR.2016.90", None),
        (
            "https://doi.org/10.1007/978-3-030-58452-8_13",
            "doi",
            "10.1007/978-3-030-58452-8_13",
            None,
        ),
        ("http://dx.doi.org/10.1002/(SICI)1097-0258", "doi", "10.1002/(SICI)1097-0258", None),
        ("https://doi.org/10.1000%2Fxyz%3B1", "doi", "10.1000/xyz;1", None),
        ("10.48550/arXiv.2106.16128", "arxiv", "2106.16128", None),
        ("https://doi.org/10.48550/ARXIV.2106.16128", "arxiv", "2106.16128", None),
    ],
)
def test_parse_identifier(text: str, kind: str, value: str, version: int | None) -> None:
    expected = Identifier(kind, value, version)  # type: ignore[arg-type]
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0808.05394",  # the malformed id the arXiv API silently drops
        "2113.00001",  # month 13
        "2106.1612",  # too short for 2021
        "hello world",
        "https://example.org/abs/2106.16128",
        "10.12/too-short-prefix",
        "https://doi.org/",
        "arXiv:",
    ],
)
def test_parse_identifier_refuses(text: str) -> None:
    assert parse_identifier(text) is None


def test_identifiers_print_and_compare() -> None:
    arxiv = parse_identifier("arXiv:2106.16128v2")
    doi = parse_identifier("10.1109/CVPR.2016.90")
    assert arxiv is not None
    assert doi is not None
    assert str(arxiv) == "arXiv:2106.16128v2"
    assert str(doi) == "doi:10.1109/CVPR.2016.90"
    assert doi.key == "10.1109/cvpr.2016.90"


def test_arxiv_doi_id() -> None:
    assert arxiv_doi_id("10.48550/arXiv.hep-th/9901001") == "hep-th/9901001"
    assert arxiv_doi_id("10.48550/arXiv.not-an-id") is None
    assert arxiv_doi_id("10.1038/nature14539") is None


def test_reference_identifier_prefers_arxiv_then_doi_then_url() -> None:
    assert reference_identifier("2106.16128", "10.1/x") == Identifier("arxiv", "2106.16128")
    assert reference_identifier("", "10.48550/arXiv.2106.16128") == Identifier(
        "arxiv", "2106.16128"
    )
    assert reference_identifier("", "10.1038/nature14539") == Identifier(
        "doi", "10.1038/nature14539"
    )
    assert reference_identifier("", "", "https://arxiv.org/abs/2106.16128") == Identifier(
        "arxiv", "2106.16128"
    )
    assert reference_identifier("", "", "https://github.com/x/y") is None


def test_the_listing_reader_uses_the_same_parser() -> None:
    from refman.formats import arxiv_listing

    assert arxiv_listing.parse_arxiv_id is parse_arxiv_id
