"""The researcher profile reader: the real seed page, crafted pages and errors."""

from __future__ import annotations

from collections import Counter

import pytest

from refman.domain import Person, Reference
from refman.formats import researcher_profile
from refman.formats.base import FormatError
from refman.formats.researcher_profile import sniff
from tests.unit.formats.support import profile, read_seed, seed_text

FENG = Person(family="Feng", given="Jiashi")


@pytest.fixture(scope="module")
def works() -> list[Reference]:
    return read_seed("002")


def test_profile_seed_holds_47_works_by_its_researcher(works: list[Reference]) -> None:
    assert len(works) == 47
    assert len({work.title for work in works}) == 47
    assert all(work.authors == [FENG] for work in works)
    assert all(work.title and not work.title_provisional for work in works)
    assert all(work.abstract for work in works)


def test_metaformer(works: list[Reference]) -> None:
    (work,) = [w for w in works if w.title == "MetaFormer Is Actually What You Need for Vision"]
    assert work.year == 2022
    assert work.authors == [FENG]
    assert work.authors[0].display_name == "Jiashi Feng"
    assert work.entry_type == "preprint"
    assert work.venue == "arXiv"
    assert work.abstract.startswith("Transformers have shown great potential")
    assert work.code_url == "https://github.com/sail-sg/poolformer"
    assert work.arxiv_id == ""
    provenance = work.provenance[0]
    assert (provenance.line, provenance.format) == (127, "researcher-profile")
    assert provenance.raw.startswith(
        "preprint2022arXiv\n\nMetaFormer Is Actually What You Need for Vision\n\nTransformers"
    )


def test_years_and_first_work(works: list[Reference]) -> None:
    assert Counter(work.year for work in works) == {
        2023: 3,
        2022: 17,
        2021: 5,
        2020: 20,
        2019: 2,
    }
    assert works[0].title == "CMAE-V: Contrastive Masked Autoencoders for Video Action Recognition"
    assert works[0].provenance[0].line == 55
    assert works[-1].title == "RC-DARTS: Resource Constrained Differentiable Architecture Search"


def test_page_chrome_is_skipped(works: list[Reference]) -> None:
    chrome = ("Trust snapshot", "published item", "Follow researcher", "Log in to claim")
    for work in works:
        for text in chrome:
            assert text not in work.title
            assert text not in work.abstract
        assert "preprint20" not in work.abstract


def test_authors_are_separate_objects(works: list[Reference]) -> None:
    works[0].authors[0].given = "changed"
    assert works[1].authors == [FENG]


PAGE = """Researcher profile

Ada Example

Some chrome about the researcher.

3 published item(s)

article2021Nature

A Great Result

It was great. Code: https://github.com/ada/great.

conference2020CVPR

A Fine Method
That Spans Two Lines

It was fine.

Second abstract paragraph.

thesis2019

My Thesis
"""


def test_crafted_page_types_venues_and_paragraphs() -> None:
    works = profile(PAGE)
    assert [(w.entry_type, w.year, w.venue) for w in works] == [
        ("article", 2021, "Nature"),
        ("inproceedings", 2020, "CVPR 2020"),
        ("phdthesis", 2019, ""),
    ]
    assert [w.title for w in works] == [
        "A Great Result",
        "A Fine Method That Spans Two Lines",
        "My Thesis",
    ]
    assert works[0].code_url == "https://github.com/ada/great"
    assert works[1].abstract == "It was fine.\n\nSecond abstract paragraph."
    assert works[2].abstract == ""
    assert all(w.authors == [Person("Example", "Ada")] for w in works)
    assert [w.provenance[0].line for w in works] == [9, 15, 24]
    assert works[1].provenance[0].raw == (
        "conference2020CVPR\n\nA Fine Method\nThat Spans Two Lines\n\nIt was fine.\n\n"
        "Second abstract paragraph."
    )


def test_crlf_page() -> None:
    works = list(researcher_profile.read(PAGE.replace("\n", "\r\n").splitlines(True), "p.txt"))
    assert works[0].title == "A Great Result"
    assert "\r" not in works[1].provenance[0].raw.replace("\r\n", "")


def test_unknown_type_word_is_misc() -> None:
    (work,) = profile("Researcher profile\n\nAda Example\n\ndataset2022Zenodo\n\nData\n")
    assert (work.entry_type, work.venue) == ("misc", "Zenodo")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Profile of someone\n\nAda\n", 1, "does not start with"),
        ("Researcher profile\n\n12345\n\npreprint2020arXiv\n\nT\n", 3, "researcher's name"),
        ("Researcher profile\n", 1, "researcher's name"),
        ("Researcher profile\n\nAda Example\n\nNo works here.\n", None, "lists no works"),
        ("Researcher profile\n\nAda Example\n\npreprint2020arXiv\n", 5, "has no title"),
        (
            "Researcher profile\n\nAda Example\n\npreprint2020arXiv\n\npreprint2021arXiv\n\nT\n",
            5,
            "has no title",
        ),
        ("", None, "empty"),
        ("\n \n", None, "empty"),
    ],
)
def test_errors_name_source_and_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(FormatError, match=message) as caught:
        profile(text, "page.txt")
    assert (caught.value.source, caught.value.line) == ("page.txt", line)


def test_sniff() -> None:
    assert sniff(seed_text("002")[:65536])
    assert sniff("\n  researcher PROFILE\n\nAda\n")
    for prefix in ("000", "001", "003", "004"):
        assert not sniff(seed_text(prefix)[:65536])
    assert not sniff("A paper about a Researcher profile.\n")
