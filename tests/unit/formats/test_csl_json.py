"""CSL-JSON: sniffing, the mapping both ways, errors, schema validity and round trips.

``tests/data/csl-data.schema.json`` is the official CSL-JSON schema, byte-for-byte
``schemas/input/csl-data.json`` of citation-style-language/schema at commit
e3ce254a72c4470a5ed3b9d23b428017d25674e9 (v1.0.2 plus two "type": "object" fixes), MIT.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain import Attachment, Note, Person, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.formats import csl_json, detect, formats
from refman.formats.base import FormatError, WriteOptions, by_name, read_text, write_text
from refman.services.library import Library
from tests.conftest import SEED_FILES
from tests.unit.formats.support import read_seed, seed_text

DATA = Path(__file__).parents[2] / "data"
CORPUS = DATA / "corpus" / "csl-json" / "citationjs_bibtex-csl.json"
SCHEMA = json.loads((DATA / "csl-data.schema.json").read_text(encoding="utf-8"))
LOSSLESS = WriteOptions(notes=True, lossless=True)


def read(text: str, source: str = "test.json") -> list[Reference]:
    return read_text(csl_json.FORMAT, text, source)


def write(refs: list[Reference], options: WriteOptions | None = None) -> str:
    return write_text(csl_json.FORMAT, refs, options or WriteOptions())


def items(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    assert isinstance(data, list)
    return data


def all_seed_records() -> list[Reference]:
    return [ref for prefix in ("000", "001", "002", "003", "004") for ref in read_seed(prefix)]


def broad_reference() -> Reference:
    """A reference using every field refman has, with awkward values."""
    return Reference(
        entry_type="inproceedings",
        citekey="yu2022metaformer",
        title='MetaFormer: "Is" <Actually> What You Need — für Vision & co',
        abstract="Line one.\nLine two with \\LaTeX{} and a tab\there.",
        year=2022,
        date=dt.date(2022, 6, 19),
        venue="CVPR 2022",
        journal_ref="CVPR 2022 (oral)",
        arxiv_id="2111.11418",
        arxiv_version=3,
        doi="10.1109/CVPR52688.2022.01055",
        url="https://openaccess.thecvf.com/x.html",
        code_url="https://github.com/sail-sg/poolformer",
        comments="Oral presentation\n9 pages, 6 figures",
        page_count=9,
        figure_count=6,
        volume="1",
        issue="2",
        pages="10819--10829",
        publisher="IEEE",
        extra={
            "editor": "Coburn, Carol and {IEEE Computer Society}",
            "isbn": "978-1-6654-6946-3",
            "issn": "1063-6919",
            "address": "New Orleans, LA, USA",
            "language": "en",
            "series": "CVPR",
            "number": "7",
            "month": "jun",
            "urldate": "2023-01-05",
            "primaryclass": "cs.CV",
            "note": "A BibTeX note",
        },
        authors=[
            Person("Yu", "Weihao"),
            Person("Luo", "Mi"),
            Person("Sail Research Group"),
            Person("Østergård", "Åsa"),
        ],
        tags=["vision", "to read", "ünïcode"],
        notes=[
            Note(
                "First *note*",
                created=dt.datetime(2024, 1, 2, 3, 4, 5),
                modified=dt.datetime(2024, 2, 3, 4, 5, 6),
            ),
            Note("Second note"),
        ],
        attachments=[Attachment("/papers/yu2022.pdf"), Attachment("https://x.org/p", "url")],
    )


def comparable(ref: Reference) -> dict[str, Any]:
    """What a lossless round trip must keep: every stored field, authors, tags, notes
    (text and times) and attachments."""
    values = {name: getattr(ref, name) for name in REFERENCE_FIELDS}
    values["authors"] = [(p.family, p.given) for p in ref.authors]
    values["tags"] = list(ref.tags)
    values["notes"] = [(n.text, n.created, n.modified) for n in ref.notes]
    values["attachments"] = [(a.location, a.kind) for a in ref.attachments]
    return values


# --- registration and sniffing ---------------------------------------------------------


def test_the_format_is_registered_with_a_reader_and_a_writer() -> None:
    fmt = by_name("csljson")
    assert fmt is csl_json.FORMAT
    assert (fmt.label, fmt.extensions) == ("CSL-JSON", (".json",))
    assert fmt.write is csl_json.write
    assert fmt in formats()


def test_the_corpus_file_is_detected_as_csl_json() -> None:
    head = CORPUS.read_text(encoding="utf-8")[:65536]
    assert detect(head, str(CORPUS)) is csl_json.FORMAT
    assert [fmt.name for fmt in formats() if fmt.sniff(head)] == ["csljson"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_the_seeds_are_not_csl_json(prefix: str) -> None:
    assert not csl_json.sniff(seed_text(prefix)[:65536])


@pytest.mark.parametrize(
    "head",
    [
        "",
        "[]",
        "[1, 2, 3]",
        '{"name": "package.json", "version": "1.0"}',
        '[{"title": "no type"}]',
        '[{"type": "article"}]',
        '[{"type": 3, "id": "x"}]',
        '@article{k, title = {[{"type": "article", "id": "x"}]}}',
        'TY  - JOUR\nTI  - [{"type"\nER  - \n',
        "arXiv:2106.16128\nCreated: 2021-06-30\n",
    ],
)
def test_other_text_is_not_csl_json(head: str) -> None:
    assert not csl_json.sniff(head)


def test_exports_with_bibtex_ris_or_listing_text_inside_are_still_ours() -> None:
    ref = Reference(
        title="@article{trap, and TY  - JOUR",
        abstract="arXiv:2106.16128\nCreated: 2021-06-30\n@book{x,",
    )
    head = write([ref])
    assert [fmt.name for fmt in formats() if fmt.sniff(head)] == ["csljson"]


def test_a_first_item_cut_off_by_the_sample_or_broken_json_is_judged_by_its_keys() -> None:
    text = json.dumps([{"id": "k", "type": "article", "abstract": "x" * 70000}])
    assert csl_json.sniff(text[:65536])
    assert csl_json.sniff('[{"id": "k", "type": "book", "title": "Broken",}]')
    assert csl_json.sniff('\ufeff  {"type": "book", "title": "One item"}')


# --- reading ---------------------------------------------------------------------------


def test_the_citation_js_corpus_reads_field_by_field() -> None:
    refs = read(CORPUS.read_text(encoding="utf-8"), str(CORPUS))
    assert len(refs) == 16
    by_key = {ref.citekey: ref for ref in refs}
    article = by_key["Article"]
    assert article.entry_type == "article"
    assert (article.title, article.venue, article.volume, article.issue) == (
        "Lorem Ipsum",
        "The BibTeX Journal",
        "5",
        "6",
    )
    assert article.pages == "200--210"
    assert (article.year, article.date, article.extra) == (2020, None, {"month": "2"})
    assert article.authors == [Person("Adams", "Alice"), Person("Brody", "Bob")]
    assert article.comments == "This is a note."
    book = by_key["Book"]
    assert book.entry_type == "book"
    assert book.publisher == "BibTeX Publishers"
    assert book.extra == {
        "editor": "Coburn, Carol",
        "month": "2",
        "address": "Goodville",
        "edition": "Second",
        "series": "Good Series",
        "number": "6",
    }
    assert by_key["InBook"].entry_type == "incollection"
    assert by_key["InCollection"].venue == "Dolor Sit Amet"
    assert by_key["InProceedings"].entry_type == "inproceedings"
    assert by_key["Manual"].entry_type == "techreport"
    assert by_key["Misc"].entry_type == "misc"
    assert by_key["Unpublished"].entry_type == "unpublished"
    assert by_key["TechReport"].extra["number"] == "ABC-123"
    assert by_key["TechReport"].extra["type"] == "Recommendation"
    assert by_key["MastersThesis"].entry_type == "mastersthesis"  # "Diploma Thesis"
    assert by_key["MastersThesis2"].entry_type == "mastersthesis"  # "Master's thesis"
    assert "type" not in by_key["MastersThesis2"].extra  # the default kind
    assert by_key["PhdThesis"].entry_type == "phdthesis"  # "Doctoral Thesis"
    assert by_key["PhdThesis"].extra["type"] == "Doctoral Thesis"
    assert by_key["Proceedings"].authors == []
    bees = by_key["loir:B6"]
    assert (bees.date, bees.year, bees.pages, bees.venue) == (
        dt.date(2012, 5, 14),
        2012,
        "1--41",
        "Zootaxa",
    )
    assert [r.provenance[0].line for r in refs][:3] == [2, 31, 68]
    assert all(r.provenance[0].format == "csljson" for r in refs)
    assert json.loads(bees.provenance[0].raw)["id"] == "loir:B6"


def test_the_corpus_imports_through_the_library(library: Library) -> None:
    result = library.import_files([CORPUS])
    # Fifteen records are "Lorem Ipsum" (2020) by the same authors, one per BibTeX type,
    # which CSL folds into fewer types: the paper kinds (article, paper-conference,
    # report, manuscript ...) are one work; books (booklet and manual are CSL books),
    # chapters, master's and PhD theses one each; with loir:B6, 6 references.
    assert (result.records, result.added, result.merged) == (16, 6, 10)
    kinds = sorted(ref.entry_type for ref in library.references() if ref.title == "Lorem Ipsum")
    assert kinds == ["article", "book", "incollection", "mastersthesis", "phdthesis"]
    refs = {ref.title: ref for ref in library.references() if ref.entry_type == "article"}
    assert set(refs) == {
        "Lorem Ipsum",
        "Review and identification of the cuckoo bees of central Europe "
        "(Hymenoptera: Halictidae: Sphecodes)",
    }
    lorem = refs["Lorem Ipsum"]
    assert (lorem.entry_type, lorem.venue, lorem.pages, lorem.year) == (
        "article",
        "The BibTeX Journal",
        "200--210",
        2020,
    )
    assert [a.display_name for a in lorem.authors] == ["Alice Adams", "Bob Brody"]
    bees = refs[next(title for title in refs if title.startswith("Review"))]
    assert (bees.citekey, bees.volume, bees.issue, bees.date) == (
        "loirb6",
        "3311",
        "1",
        dt.date(2012, 5, 14),
    )


def test_a_single_item_object_is_read() -> None:
    (ref,) = read('{"type": "book", "id": "k", "title": "One"}')
    assert (ref.entry_type, ref.citekey, ref.title) == ("book", "k", "One")


def test_an_empty_array_holds_no_references() -> None:
    assert read("[ ]\n") == []


def test_citation_key_wins_and_uris_or_numbers_are_not_keys() -> None:
    refs = read(
        json.dumps(
            [
                {"type": "book", "id": "x", "citation-key": "smith2020", "title": "A"},
                {"type": "book", "id": "http://zotero.org/users/1/items/AB", "title": "B"},
                {"type": "book", "id": 7393, "title": "C"},
                {"type": "book", "id": "7393", "title": "D"},
            ]
        )
    )
    assert [ref.citekey for ref in refs] == ["smith2020", "", "", ""]


def test_names_dates_numbers_and_other_shapes() -> None:
    (ref,) = read(
        json.dumps(
            [
                {
                    "type": "article-journal",
                    "id": "k",
                    "title": " Spaced ",
                    "author": [
                        {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
                        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
                        {"literal": "The CMS Collaboration"},
                        {"given": "Plato"},
                        {},
                    ],
                    "issued": {"date-parts": [["2020", "2", "30"]]},
                    "volume": 12,
                    "page": "e12–e19",
                    "keyword": "b, a , b,,",
                    "annote": "read this",
                    "accessed": {"date-parts": [[2023, 1, 5]]},
                    "editor": [{"family": "Coburn", "given": "Carol"}, {"literal": "IEEE"}],
                }
            ]
        )
    )
    assert ref.title == "Spaced"
    assert ref.authors == [
        Person("van Gogh", "Vincent"),
        Person("King, Jr.", "Martin Luther"),
        Person("The CMS Collaboration"),
        Person("Plato"),
    ]
    assert (ref.year, ref.date, ref.extra["month"]) == (2020, None, "2")  # no 30 February
    assert (ref.volume, ref.pages, ref.tags) == ("12", "e12--e19", ["b", "a"])
    assert [note.text for note in ref.notes] == ["read this"]
    assert ref.extra["urldate"] == "2023-01-05"
    assert ref.extra["editor"] == "Coburn, Carol and {IEEE}"


@pytest.mark.parametrize(
    ("issued", "year", "date", "month"),
    [
        ({"date-parts": [[2021, 6, 30]]}, 2021, dt.date(2021, 6, 30), None),
        ({"date-parts": [[2021, 6]]}, 2021, None, "6"),
        ({"date-parts": [[2021]]}, 2021, None, None),
        ({"date-parts": [[2019, 1], [2020, 3]]}, 2019, None, "1"),
        ({"raw": "2021-06-30"}, 2021, dt.date(2021, 6, 30), None),
        ({"literal": "Spring 1999"}, 1999, None, None),
        ("2018-03", 2018, None, "3"),
        ({"date-parts": [[]], "literal": "circa 1850"}, 1850, None, None),
        ({"season": 1}, None, None, None),
    ],
)
def test_dates(issued: Any, year: int | None, date: dt.date | None, month: str | None) -> None:
    (ref,) = read(json.dumps([{"type": "book", "id": "k", "title": "T", "issued": issued}]))
    assert (ref.year, ref.date, ref.extra.get("month")) == (year, date, month)


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "version"),
    [
        ({"number": "arXiv:2101.00001"}, "2101.00001", None),
        ({"number": "arXiv:2101.00001v2"}, "2101.00001", 2),
        ({"URL": "https://arxiv.org/abs/hep-th/9901001v3"}, "hep-th/9901001", 3),
        ({"URL": "http://arxiv.org/pdf/2106.16128.pdf"}, "2106.16128", None),
        ({"DOI": "10.48550/arXiv.2106.16128"}, "2106.16128", None),
        ({"note": "Accepted at X\narXiv: 2106.16128"}, "2106.16128", None),
        ({"number": "TR-7", "URL": "https://example.org"}, "", None),
    ],
)
def test_the_arxiv_identifier_is_found(
    fields: dict[str, str], arxiv_id: str, version: int | None
) -> None:
    item = {"type": "article", "id": "k", "title": "T", "publisher": "arXiv", **fields}
    (ref,) = read(json.dumps([item]))
    assert (ref.arxiv_id, ref.arxiv_version) == (arxiv_id, version)
    assert ref.publisher == ("" if arxiv_id else "arXiv")  # implied by the identifier
    assert ref.entry_type == "preprint"
    if fields.get("number") == "TR-7":
        assert ref.extra["number"] == "TR-7"


def test_an_item_without_a_title_gets_a_provisional_one() -> None:
    (ref,) = read(
        json.dumps(
            [
                {
                    "type": "article",
                    "id": "k",
                    "number": "arXiv:2106.16128",
                    "abstract": "We propose a novel Dual Reweighting Domain Generalization "
                    "(DRDG) framework.",
                }
            ]
        )
    )
    assert ref.title_provisional
    assert ref.title == "DRDG: Dual Reweighting Domain Generalization"
    (bare,) = read('[{"type": "article", "id": "k", "number": "arXiv:2106.16128"}]')
    assert (bare.title, bare.title_provisional) == ("arXiv:2106.16128", True)


@pytest.mark.parametrize(
    ("csl_type", "genre", "entry_type"),
    [
        ("article", "", "preprint"),
        ("article-journal", "", "article"),
        ("article-magazine", "", "article"),
        ("paper-conference", "", "inproceedings"),
        ("book", "", "book"),
        ("pamphlet", "", "booklet"),
        ("chapter", "", "incollection"),
        ("entry-encyclopedia", "", "incollection"),
        ("thesis", "", "phdthesis"),
        ("thesis", "PhD dissertation", "phdthesis"),
        ("thesis", "MSc thesis", "mastersthesis"),
        ("thesis", "Bachelor thesis", "thesis"),
        ("report", "", "techreport"),
        ("manuscript", "", "unpublished"),
        ("webpage", "", "online"),
        ("post-weblog", "", "online"),
        ("dataset", "", "dataset"),
        ("software", "", "software"),
        ("document", "", "misc"),
        ("speech", "", "misc"),
        ("no-such-type", "", "misc"),
    ],
)
def test_csl_types_read_as_entry_types(csl_type: str, genre: str, entry_type: str) -> None:
    item = {"type": csl_type, "id": "k", "title": "T", "genre": genre}
    assert read(json.dumps([item]))[0].entry_type == entry_type


# --- reader errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[\n  {"type": "book",\n   "title": "T" "x"}\n]', 3, "invalid JSON"),
        ('[\n  {"type": "book", "title": "T"}\n', 3, "array is not closed after item 1"),
        ('[\n  {"type": "book", "title": "T"}\n  {"type": "book"}\n]', 3, "expected ','"),
        ('[{"type": "book", "title": "T"}]\n[]', 2, "after the end"),
        ('"just a string"', 1, "expected a JSON array"),
        ('[\n  {"type": "book", "title": "T"},\n  "oops"\n]', 3, "item 2 is not a JSON object"),
        ('[\n\n  {"title": "T"}\n]', 3, "item 1: 'type' is missing"),
        ('[{"type": "book", "title": ["T"]}]', 1, "item 1: 'title' must be a string"),
        ('[{"type": "book", "author": "Smith, J."}]', 1, "'author' must be a list"),
        ('[{"type": "book", "author": [{"family": 1}]}]', 1, "'author' must be a list"),
        ('[{"type": "book", "author": [{"name": "x"}]}]', 1, "'author' must be a list"),
        ('[{"type": "book", "issued": 2020}]', 1, "'issued' must be a date"),
        ('[{"type": "book", "issued": {"date-parts": [[{"y": 1}]]}}]', 1, "date part"),
        ('[{"type": "book", "issued": {"date-parts": 2020}}]', 1, "'date-parts'"),
        ('[{"type": "book", "id": ["x"]}]', 1, "'id' must be a string or a number"),
        ('[{"type": "book", "custom": {"refman": []}}]', 1, "'custom.refman' must be"),
        ('[{"type": "book", "custom": {"refman": {"year": "2020"}}}]', 1, "custom.refman.year"),
        ('[{"type": "book", "custom": {"refman": {"tags": [1]}}}]', 1, "custom.refman.tags"),
        ('[{"type": "book", "custom": {"refman": {"extra": {"a": 1}}}}]', 1, "refman.extra"),
        ('[{"type": "book", "custom": {"refman": {"notes": [{}]}}}]', 1, "refman.notes"),
        (
            '[{"type": "book", "custom": {"refman": {"notes": [{"text": "t", "created": "x"}]}}}]',
            1,
            "malformed time",
        ),
        ('[{"type": "book", "custom": {"refman": {"attachments": [1]}}}]', 1, "attachments"),
        ("   \n", None, "empty"),
    ],
)
def test_errors_name_the_line_item_and_field(text: str, line: int | None, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        read(text, "bad.json")
    assert caught.value.source == "bad.json"
    assert caught.value.line == line
    assert message in caught.value.message


def test_references_before_an_error_are_yielded_first() -> None:
    refs = csl_json.read(['[{"type": "book", "title": "A"},', " 3]"], "x.json")
    assert next(refs).title == "A"
    with pytest.raises(FormatError, match="item 2"):
        next(refs)


# --- writing ---------------------------------------------------------------------------


def test_the_writer_yields_a_header_one_chunk_per_reference_and_a_footer() -> None:
    refs = [Reference(title="A", citekey="a"), Reference(title="B", citekey="b")]
    chunks = list(csl_json.write(refs, WriteOptions()))
    assert chunks[0] == "[\n"
    assert chunks[-1] == "\n]\n"
    assert len(chunks) == 4
    assert chunks[1].startswith("  {\n")
    assert chunks[2].startswith(",\n  {\n")
    assert [item["id"] for item in items("".join(chunks))] == ["a", "b"]
    assert "".join(csl_json.write([], WriteOptions())) == "[\n]\n"


def test_the_output_is_pretty_printed_utf8_text() -> None:
    text = write([broad_reference()])
    assert "für Vision" in text  # not \\u00fc
    assert '    "title": ' in text
    assert '      {"family": "Yu", "given": "Weihao"},\n' in text
    assert text.count("\n") > 25


def test_missing_and_repeated_citekeys_get_unique_ids() -> None:
    refs = [
        Reference(title="A", citekey="k"),
        Reference(title="B", citekey="k"),
        Reference(title="C"),
        Reference(title="D", citekey="ref-4"),
        Reference(title="E", citekey="ref-4"),
    ]
    ids = [item["id"] for item in items(write(refs))]
    assert ids == ["k", "k-2", "ref-3", "ref-4", "ref-4-5"]
    assert [item.get("citation-key") for item in items(write(refs))] == [
        "k",
        "k",
        None,
        "ref-4",
        "ref-4",
    ]


def test_the_broad_reference_maps_field_by_field() -> None:
    (item,) = items(write([broad_reference()], WriteOptions(notes=True)))
    assert item == {
        "id": "yu2022metaformer",
        "type": "paper-conference",
        "citation-key": "yu2022metaformer",
        "title": 'MetaFormer: "Is" <Actually> What You Need — für Vision & co',
        "author": [
            {"family": "Yu", "given": "Weihao"},
            {"family": "Luo", "given": "Mi"},
            {"literal": "Sail Research Group"},
            {"family": "Østergård", "given": "Åsa"},
        ],
        "editor": [{"family": "Coburn", "given": "Carol"}, {"literal": "IEEE Computer Society"}],
        "issued": {"date-parts": [[2022, 6, 19]]},
        "container-title": "CVPR 2022",
        "volume": "1",
        "issue": "2",
        "page": "10819-10829",
        "publisher": "IEEE",
        "collection-number": "7",
        "ISBN": "978-1-6654-6946-3",
        "ISSN": "1063-6919",
        "publisher-place": "New Orleans, LA, USA",
        "language": "en",
        "collection-title": "CVPR",
        "accessed": {"date-parts": [[2023, 1, 5]]},
        "DOI": "10.1109/CVPR52688.2022.01055",
        "URL": "https://openaccess.thecvf.com/x.html",
        "abstract": "Line one.\nLine two with \\LaTeX{} and a tab\there.",
        "keyword": "vision, to read, ünïcode",
        "note": "Oral presentation\n9 pages, 6 figures\nA BibTeX note",
        "annote": "First *note*\n\nSecond note",
    }


def test_a_listing_preprint_is_a_csl_article_with_its_arxiv_number() -> None:
    ref = next(r for r in read_seed("000") if r.arxiv_id == "2106.16128")
    (item,) = items(write([ref]))
    assert item["type"] == "article"
    assert (item["number"], item["publisher"]) == ("arXiv:2106.16128", "arXiv")
    assert (item["DOI"], item["URL"]) == (
        "10.48550/arXiv.2106.16128",
        "https://arxiv.org/abs/2106.16128",
    )
    assert item["title"] == "DRDG: Dual Reweighting Domain Generalization"
    assert item["issued"] == {"date-parts": [[2021, 6, 30]]}
    assert item["container-title"] == "IJCAI 2021"


def test_a_profile_preprint_on_arxiv_names_the_repository_as_publisher() -> None:
    ref = read_seed("002")[0]
    (item,) = items(write([ref]))
    assert (item["type"], item["publisher"]) == ("article", "arXiv")
    assert "container-title" not in item
    assert item["author"] == [{"family": "Feng", "given": "Jiashi"}]


@pytest.mark.parametrize(
    ("extra", "year", "parts"),
    [
        ({"month": "feb"}, 2020, [2020, 2]),
        ({"month": "February"}, 2020, [2020, 2]),
        ({"month": "11"}, 2020, [2020, 11]),
        ({"month": "Summer"}, 2020, [2020]),
        ({}, 2020, [2020]),
    ],
)
def test_month_only_dates(extra: dict[str, str], year: int, parts: list[int]) -> None:
    (item,) = items(write([Reference(title="T", year=year, extra=extra)]))
    assert item["issued"] == {"date-parts": [parts]}


def test_empty_names_are_left_out() -> None:
    ref = Reference(title="T", authors=[Person(""), Person("Plato")], extra={"editor": " "})
    (item,) = items(write([ref]))
    assert item["author"] == [{"literal": "Plato"}]
    assert "editor" not in item


def test_a_reference_without_a_title_gets_a_provisional_one() -> None:
    refs = [
        Reference(abstract="In this paper, we study sparse attention for long documents."),
        Reference(arxiv_id="2101.00001"),
        Reference(),
    ]
    titles = [item["title"] for item in items(write(refs))]
    assert all(titles)
    assert titles[1:] == ["arXiv:2101.00001", "Untitled"]


def test_options_leave_out_abstracts_and_notes() -> None:
    ref = broad_reference()
    (plain,) = items(write([ref], WriteOptions(abstracts=False)))
    assert "abstract" not in plain
    assert "annote" not in plain
    assert "custom" not in plain


@pytest.mark.parametrize(
    ("entry_type", "csl_type"),
    [
        ("article", "article-journal"),
        ("preprint", "article"),
        ("inproceedings", "paper-conference"),
        ("book", "book"),
        ("incollection", "chapter"),
        ("phdthesis", "thesis"),
        ("mastersthesis", "thesis"),
        ("techreport", "report"),
        ("misc", "document"),
        ("online", "webpage"),
        ("unpublished", "manuscript"),
        ("something-else", "document"),
    ],
)
def test_entry_types_write_as_csl_types(entry_type: str, csl_type: str) -> None:
    (item,) = items(write([Reference(entry_type=entry_type, title="T")]))
    assert item["type"] == csl_type
    if entry_type.endswith("thesis"):
        assert item["genre"] in {"PhD thesis", "Master's thesis"}


# --- schema validity and round trips ---------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [WriteOptions(), LOSSLESS, WriteOptions(abstracts=False)],
    ids=["default", "lossless", "bibliography"],
)
def test_exports_are_valid_against_the_official_schema(options: WriteOptions) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    refs = [*all_seed_records(), broad_reference(), Reference()]
    data = items(write(refs, options))
    errors = [error.message for error in jsonschema.Draft7Validator(SCHEMA).iter_errors(data)]
    assert errors == []
    assert len(data) == len(refs)


def test_every_entry_type_exports_valid_items() -> None:
    refs = [
        dataclasses.replace(broad_reference(), entry_type=entry_type, citekey=entry_type)
        for entry_type in [*csl_json._TO_CSL_TYPE, "unknown"]
    ]
    data = items(write(refs, LOSSLESS))
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(data)) == []


def test_a_lossless_round_trip_keeps_everything() -> None:
    refs = [*all_seed_records(), broad_reference(), Reference(title="Bare")]
    back = read(write(refs, LOSSLESS))
    assert [comparable(ref) for ref in back] == [comparable(ref) for ref in refs]


def test_a_bibliographic_round_trip_keeps_the_bibliographic_fields() -> None:
    fields = ("title", "abstract", "year", "date", "doi", "url", "arxiv_id", "comments")
    refs = all_seed_records()
    back = read(write(refs))
    for ref, again in zip(refs, back, strict=True):
        assert [getattr(again, f) for f in fields] == [getattr(ref, f) for f in fields]
        assert again.authors == ref.authors
        assert again.entry_type == ref.entry_type
    broad = broad_reference()
    (again,) = read(write([broad]))
    same = ("entry_type", "citekey", "title", "volume", "issue", "pages", "publisher", "venue")
    assert [getattr(again, f) for f in same] == [getattr(broad, f) for f in same]
    assert again.tags == broad.tags
    assert {k: again.extra[k] for k in ("isbn", "issn", "address", "editor", "number")} == {
        k: broad.extra[k] for k in ("isbn", "issn", "address", "editor", "number")
    }
    assert again.date == broad.date


def test_lossless_data_lives_in_custom_refman() -> None:
    (item,) = items(write([broad_reference()], LOSSLESS))
    refman = item["custom"]["refman"]
    assert refman["entry_type"] == "inproceedings"
    assert (refman["arxiv_id"], refman["arxiv_version"]) == ("2111.11418", 3)
    assert refman["extra"]["primaryclass"] == "cs.CV"
    assert refman["notes"][0] == {
        "text": "First *note*",
        "created": "2024-01-02T03:04:05",
        "modified": "2024-02-03T04:05:06",
    }
    assert item["note"] == "Oral presentation\n9 pages, 6 figures"  # BibTeX note: custom


def test_a_library_exported_losslessly_imports_as_the_same_library(
    library: Library, tmp_path: Path
) -> None:
    library.import_files(SEED_FILES)
    before = sorted(library.references(), key=lambda ref: ref.citekey)
    export = tmp_path / "library.json"
    export.write_text(write(before, LOSSLESS), encoding="utf-8")
    from refman.app import open_library

    other = open_library(str(tmp_path / "other.sqlite"))
    try:
        result = other.import_files([export])
        after = sorted(other.references(), key=lambda ref: ref.citekey)
    finally:
        other.store.close()
    assert (result.added, result.merged) == (79, 0)
    assert [comparable(ref) for ref in after] == [comparable(ref) for ref in before]


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and " and " not in s
)


@settings(max_examples=80, deadline=None)
@given(
    title=st.text(max_size=40).map(str.strip).filter(bool),
    comments=st.text(max_size=40).map(str.strip),
    tags=st.lists(st.text(min_size=1, max_size=10).map(str.strip).filter(bool), max_size=4),
    authors=st.lists(st.tuples(names, st.one_of(st.just(""), names)), max_size=3),
    year=st.one_of(st.none(), st.integers(1000, 2100)),
)
def test_any_reference_survives_a_lossless_round_trip(
    title: str, comments: str, tags: list[str], authors: list[tuple[str, str]], year: int | None
) -> None:
    ref = Reference(
        title=title,
        comments=comments,
        tags=list(dict.fromkeys(tags)),
        authors=[Person(family, given) for family, given in authors],
        year=year,
    )
    (again,) = read(write([ref], LOSSLESS))
    assert comparable(again) == comparable(ref)
