"""Format registration and content sniffing over the real seeds."""

from __future__ import annotations

import pytest

import refman.formats
from refman.formats import arxiv_listing, researcher_profile
from refman.formats.base import FormatError, by_name, detect, formats
from tests.unit.formats.support import seed_text

OURS = {arxiv_listing.NAME, researcher_profile.NAME}


def test_importing_the_package_registers_both_readers() -> None:
    assert refman.formats.arxiv_listing is arxiv_listing
    names = [fmt.name for fmt in formats()]
    assert names.index("researcher-profile") < names.index("arxiv-listing")
    assert by_name("arxiv-listing") is arxiv_listing.FORMAT
    assert by_name("researcher-profile") is researcher_profile.FORMAT


@pytest.mark.parametrize(
    ("prefix", "name"),
    [
        ("000", "arxiv-listing"),
        ("001", "arxiv-listing"),
        ("002", "researcher-profile"),
        ("003", "arxiv-listing"),
        ("004", "arxiv-listing"),
    ],
)
def test_each_seed_is_detected_by_exactly_one_of_our_sniffers(prefix: str, name: str) -> None:
    head = seed_text(prefix)[:65536]
    assert detect(head, prefix).name == name
    assert [fmt.name for fmt in formats() if fmt.name in OURS and fmt.sniff(head)] == [name]


@pytest.mark.parametrize(
    "head",
    [
        "@article{k,\n  title = {Researcher profile},\n  eprint = {2106.16128},\n}\n",
        "TY  - JOUR\nTI  - Researcher profile\nER  - \n",
        "Nothing recognisable here.\n",
    ],
)
def test_other_text_is_not_taken_for_ours(head: str) -> None:
    try:
        name = detect(head, "other.txt").name
    except FormatError:
        name = "none"
    assert name not in OURS
