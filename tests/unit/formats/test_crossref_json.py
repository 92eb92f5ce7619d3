"""The Crossref API (JSON) reader: the fixtures written from the documented format,
markup in titles and abstracts, partial dates, errors and malformed responses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from refman.domain import Person
from refman.formats import crossref_json
from refman.formats.base import FormatError, by_name, detect
from refman.formats.crossref_json import read_work, read_works
from refman.services.library import Library

FIXTURES = Path(__file__).parents[2] / "data" / "crossref"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def envelope(**work: object) -> str:
    message = {"DOI": "10.1234/abc", "type": "journal-article", "title": ["T"], **work}
    return json.dumps({"status": "ok", "message-type": "work", "message": message})


def test_journal_article() -> None:
    ref = read_work(fixture("work_journal-article_nature.json"), "nature.json")
    assert ref.entry_type == "article"
    assert ref.title == "Deep learning"
    assert not ref.title_provisional
    assert ref.authors == [
        Person("LeCun", "Yann"),
        Person("Bengio", "Yoshua"),
        Person("Hinton", "Geoffrey"),
    ]
    assert (ref.year, ref.date) == (2015, dt.date(2015, 5, 27))
    assert (ref.venue, ref.volume, ref.issue, ref.pages) == ("Nature", "521", "7553", "436-444")
    assert ref.publisher == "Springer Science and Business Media LLC"
    assert ref.doi == "10.1038/nature14539"
    assert ref.url == "https://doi.org/10.1038/nature14539"
    assert ref.extra == {"issn": "0028-0836, 1476-4687"}
    # The JATS heading is dropped, paragraphs kept apart, tags gone.
    assert ref.abstract.startswith("Deep learning allows computational models")
    assert "\n\nThese methods have dramatically improved" in ref.abstract
    assert "<" not in ref.abstract
    assert "Abstract" not in ref.abstract
    # The provenance keeps the work, but not its hundreds of cited references.
    (provenance,) = ref.provenance
    assert provenance.format == crossref_json.NAME
    kept = json.loads(provenance.raw)
    assert kept["DOI"] == "10.1038/nature14539"
    assert "reference" not in kept


def test_proceedings_paper_at_a_known_conference() -> None:
    ref = read_work(fixture("work_proceedings-article_cvpr.json"), "cvpr.json")
    assert ref.entry_type == "inproceedings"
    assert ref.venue == "CVPR 2016"
    assert (ref.year, ref.date) == (2016, None)  # year and month: no full date
    assert ref.doi == "10.1109/cvpr.2016.90"
    assert ref.pages == "770-778"


def test_book_chapter_takes_the_book_not_the_series() -> None:
    ref = read_work(fixture("work_book-chapter_eccv.json"), "eccv.json")
    assert ref.entry_type == "incollection"
    assert ref.title == "End-to-End Object Detection with Transformers"  # no-break space
    assert ref.venue == "ECCV 2020"
    assert ref.year == 2020
    assert ref.extra == {"issn": "0302-9743, 1611-3349", "isbn": "9783030584511, 9783030584528"}


def test_unknown_book_title_is_the_last_container_title() -> None:
    text = envelope(type="book-chapter", **{"container-title": ["A Series", "The Book"]})
    assert read_work(text, "x").venue == "The Book"


def test_work_list_markup_entities_subtitles_organisations() -> None:
    first, second = read_works(fixture("work-list_query.json"), "list.json")
    assert first.title == "A Caenorhabditis elegans model of H2O stress: a case study"
    assert first.authors[0] == Person("The C. elegans Consortium")
    assert first.pages == "e12"  # the article number, without pages
    assert (first.year, first.date) == (2020, None)
    assert second.entry_type == "preprint"
    assert second.title == "A preprint & its title"
    assert second.date == dt.date(2020, 3, 3)


@pytest.mark.parametrize(
    ("work", "expected"),
    [
        ({"issued": {"date-parts": [[None]]}, "created": {"date-parts": [[2019, 1, 2]]}}, 2019),
        ({"issued": {"date-parts": [["2018", "7"]]}}, 2018),
        ({"issued": {"date-parts": [[12]]}}, None),
        ({}, None),
    ],
)
def test_partial_and_missing_dates(work: dict[str, object], expected: int | None) -> None:
    assert read_work(envelope(**work), "x").year == expected


def test_a_subtitle_already_in_the_title_is_not_repeated() -> None:
    text = envelope(title=["Attention: a survey"], subtitle=["A survey"])
    assert read_work(text, "x").title == "Attention: a survey"


def test_untitled_work_gets_a_provisional_title() -> None:
    ref = read_work(envelope(title=[]), "x")
    assert ref.title == "doi:10.1234/abc"
    assert ref.title_provisional


def test_mathml_annotations_are_dropped() -> None:
    title = (
        "Bounds for <mml:math><mml:semantics><mml:mi>x</mml:mi>"
        '<mml:annotation encoding="TeX">x</mml:annotation></mml:semantics></mml:math> here'
    )
    assert read_work(envelope(title=[title]), "x").title == "Bounds for x here"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (fixture("truncated_journal-article.json"), "malformed JSON"),
        (fixture("error_bad-filter_status-failed.json"), "Filter frobnicate specified"),
        ("[1, 2]", "not a Crossref API response"),
        ('{"status": "ok", "message-type": "member", "message": {}}', "'member'"),
        ('{"status": "ok", "message-type": "work", "message": {"title": ["x"]}}', "without a DOI"),
        ('{"status": "ok", "message-type": "work", "message": [1]}', "not a Crossref work"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message.replace("(", r"\(")):
        read_works(text, "response.json")


def test_read_work_wants_exactly_one() -> None:
    with pytest.raises(FormatError, match="expected one work"):
        read_work(fixture("work-list_query.json"), "list.json")


def test_registered_and_sniffed_before_csl_json() -> None:
    assert by_name(crossref_json.NAME) is crossref_json.FORMAT
    for name in FIXTURES.glob("work*.json"):
        assert detect(name.read_text("utf-8")[:65536], name.name).name == crossref_json.NAME
    csl = '[{"id": "a", "type": "article-journal", "title": "T"}]'
    assert not crossref_json.sniff(csl)
    assert detect(csl, "x.json").name == "csljson"


def test_a_saved_response_imports(library: Library) -> None:
    result = library.import_files([FIXTURES / "work_journal-article_nature.json"])
    assert result.added == 1
    (ref,) = library.references()
    assert ref.title == "Deep learning"
    assert ref.citekey == "lecun2015deep"
