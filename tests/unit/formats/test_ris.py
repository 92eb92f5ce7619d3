"""The RIS reader and writer: real exports, each reading rule, errors, golden files and
round trips through real libraries."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import rispy

from refman.app import open_library
from refman.domain import Note, Person, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.domain.query import ReferenceQuery
from refman.formats import ris
from refman.formats.base import FormatError, WriteOptions, by_name, detect, write_text
from refman.services.library import Library
from tests.unit.formats.support import SOURCE, lines, seed_text

CORPUS = Path(__file__).parents[2] / "data" / "corpus" / "ris"
GOLDEN = Path(__file__).parents[2] / "data" / "golden" / "ris"
UPDATE_GOLDEN = os.environ.get("REFMAN_UPDATE_GOLDEN") == "1"
"""Set to rewrite the golden files (then inspect the diff by eye)."""


def read(text: str, source: str = SOURCE) -> list[Reference]:
    return list(ris.read(lines(text), source))


def one(text: str) -> Reference:
    (ref,) = read(text)
    return ref


def record(*tag_lines: str, ty: str = "JOUR") -> str:
    return "\n".join([f"TY  - {ty}", *tag_lines, "ER  - ", ""])


def by_key(library: Library) -> dict[str, Reference]:
    return {ref.citekey: ref for ref in library.references()}


# ---------------------------------------------------------------------- registration


def test_registered_as_ris_with_a_writer() -> None:
    fmt = by_name("ris")
    assert fmt is ris.FORMAT
    assert (fmt.label, fmt.extensions) == ("RIS", (".ris",))
    assert fmt.write is not None


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.ris")), ids=lambda p: p.name)
def test_every_corpus_file_is_detected_as_ris(path: Path) -> None:
    head = path.read_bytes().decode("utf-8-sig")[:65536]
    assert detect(head, path.name).name == "ris"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_the_seeds_are_not_taken_for_ris(prefix: str) -> None:
    assert not ris.sniff(seed_text(prefix)[:65536])


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("TY  - JOUR\nER  - \n", True),
        ("\n\nTY  - BOOK\n", True),
        ("Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\n\nTY  - JOUR\n", True),
        ("TY  -\nER  -\n", False),  # no type
        ("AU  - Smith, J.\nTY  - JOUR\n", False),  # a record starts with TY
        ("@article{k,\n  title = {TY  - JOUR},\n}\n", False),
        ("% Encoding: UTF-8\nTY  - JOUR\n", False),
        ("An abstract.\n\narXiv:2106.16128\nTY  - JOUR\n", False),
        ("TY - JOUR\n", False),  # one space: not RIS's tag layout
    ],
)
def test_sniffer(head: str, expected: bool) -> None:
    assert ris.sniff(head) is expected


# ------------------------------------------------------------ the corpus, imported


def test_scopus_export(library: Library) -> None:
    result = library.import_files([CORPUS / "jabref_RisImporterTestScopus.ris"])
    assert result.added == 1
    (ref,) = library.references()
    assert ref.entry_type == "article"
    assert ref.title.startswith("A transversely isotropic composite with a statistical")
    assert ref.venue == "Journal of the Mechanics and Physics of Solids"  # T2
    assert (ref.volume, ref.issue, ref.pages, ref.year) == ("52", "10", "2309--2327", 2004)
    assert ref.doi == "10.1016/j.jmps.2004.03.010"
    assert ref.url.startswith("http://www.scopus.com/inward/record.url?eid=2-s2.0-4544289390")
    assert ref.authors == [Person("Federico", "S."), Person("Grillo", "A."), Person("Herzog", "W.")]
    affiliations = ref.extra["affiliation"].split("; ")  # three AD lines
    assert len(affiliations) == 3
    assert affiliations[0].startswith("Dipto. di Ingegneria Industriale, Facoltà di Ingegneria")
    assert "University of Calgary" in affiliations[1]
    assert ref.extra["type"] == "Article"  # M3
    assert sorted(ref.tags) == [
        "Composite",
        "Inclusions",
        "Statistical distribution",
        "Transverse isotropy",
    ]
    assert sorted(note.text for note in ref.notes) == ["Cited By :44", "Export Date: 1 April 2016"]


def test_cas_export(library: Library) -> None:
    library.import_files([CORPUS / "jabref_RisImporterTest5a.ris"])
    (ref,) = library.references()
    assert ref.entry_type == "article"
    assert ref.title == (
        "Release profile of ibuprofen in β-cyclodextrin complexes from two different solid "
        "dosage forms."
    )  # T1
    assert (ref.year, ref.date) == (2012, None)  # PY  - 2012///
    assert "month" not in ref.extra
    assert ref.abstract.startswith("The objective of this work")  # N2
    assert ref.abstract.endswith("[on SciFinder(R)]")
    assert ref.venue == "Powder Technology"  # JF before JA
    assert ref.extra["shortjournal"] == "Powder Technol."
    assert ref.extra["issn"] == "0032-5910"
    assert "type" not in ref.extra  # M3 repeats the DOI
    assert (ref.volume, ref.pages, ref.publisher) == ("221", "245--251", "Elsevier B.V.")
    assert ref.doi == "10.1016/j.powtec.2012.01.008"
    assert [a.family for a in ref.authors] == [
        "Salustio",
        "Feio",
        "Figueirinhas",
        "Cabral-Marques",
        "Costa",
        "Pinto",
    ]
    assert ref.authors[0] == Person("Salustio", "P. J.")
    assert ref.tags == ["ibuprofen beta cyclodextrin inclusion complex tablet"]
    assert [n.text for n in ref.notes] == ["CAPLUS AN 2012:446586(Journal; Online Computer File)"]


def test_multiline_values(library: Library) -> None:
    result = library.import_files([CORPUS / "rispy_example_multiline.ris"])
    assert result.records == 3
    refs = library.references()
    assert len(refs) == 3  # no identifiers nor real titles: nothing to match them by
    for ref in refs:
        # one line; wrapped over indented lines; wrapped with a line starting "ER"
        assert ref.abstract == "first line, ER then second line and at the end the last line"
        assert [n.text for n in ref.notes] == ["first line\n* second line\n* last line"]
        assert ref.title_provisional
        assert ref.title.startswith("first line, ER then second line")


def test_utf8_with_bom_and_cyrillic(library: Library) -> None:
    path = CORPUS / "rispy_example_utf_chars.ris"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = library.import_files([path])
    assert result.added == 1
    (ref,) = library.references()
    assert ref.entry_type == "article"  # "TY  - Journal Article"
    assert ref.title.startswith("Состояние рецепторного аппарата эндометрия")  # ST
    assert not ref.title_provisional
    assert ref.abstract.endswith("endometrial hyperplasia in the late reproductive period")
    assert ref.authors[0] == Person("Dobrokhotova", "Yu E.")
    assert len(ref.authors) == 5
    assert ref.venue == "Gynecology, Obstetrics and Perinatology"
    assert (ref.volume, ref.issue, ref.pages, ref.year) == ("8", "3", "52--57", 2009)
    assert [n.text for n in ref.notes] == ["Ä,Ö,Ü,ä,ö,ü,ß"]


def test_bom_and_crlf_through_the_importer(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "endnote.ris"
    text = record("TI  - Über Größen", "AU  - Müller, Jürgen", "PY  - 2020")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert library.import_files([path]).added == 1
    (ref,) = library.references()
    assert (ref.title, ref.authors, ref.year) == ("Über Größen", [Person("Müller", "Jürgen")], 2020)


def test_importing_the_whole_corpus_at_once(library: Library) -> None:
    result = library.import_files(sorted(CORPUS.glob("*.ris")))
    assert (result.added, result.merged, result.unchanged) == (6, 0, 0)


# ---------------------------------------------------------------------- reading rules


def test_continuation_lines_and_paragraphs() -> None:
    ref = one(
        record(
            "TI  - A title",
            "      wrapped",
            "AB  - First paragraph",
            "continues here.",
            "",
            "Second paragraph.",
            "N1  - # Heading",
            "",
            "      - item",
            "          - nested item",
            "ER then a note line",
            "",
        )
    )
    assert ref.title == "A title wrapped"
    assert ref.abstract == "First paragraph continues here.\n\nSecond paragraph."
    assert [n.text for n in ref.notes] == [
        "# Heading\n\n- item\n    - nested item\nER then a note line"
    ]


@pytest.mark.parametrize(
    ("ty", "entry_type"),
    [
        ("JOUR", "article"),
        ("EJOUR", "article"),
        ("CONF", "inproceedings"),
        ("CPAPER", "inproceedings"),
        ("BOOK", "book"),
        ("CHAP", "incollection"),
        ("THES", "phdthesis"),
        ("RPRT", "techreport"),
        ("UNPB", "unpublished"),
        ("GEN", "misc"),
        ("ELEC", "misc"),
        ("PAT", "misc"),
        ("jour", "article"),
        ("Journal Article", "article"),
        ("Book chapter", "incollection"),
        ("Something else", "misc"),
    ],
)
def test_reference_types(ty: str, entry_type: str) -> None:
    assert one(record("TI  - T", ty=ty)).entry_type == entry_type


def test_masters_thesis_by_its_m3() -> None:
    assert one(record("TI  - T", "M3  - Master's thesis", ty="THES")).entry_type == (
        "mastersthesis"
    )


@pytest.mark.parametrize(
    ("tag_lines", "year", "date", "month"),
    [
        (["PY  - 2012///"], 2012, None, None),
        (["PY  - 2004"], 2004, None, None),
        (["PY  - 2009/05/12/"], 2009, dt.date(2009, 5, 12), None),
        (["Y1  - 1999/12/31/Winter"], 1999, dt.date(1999, 12, 31), None),
        (["PY  - 2021", "DA  - 2021/06/30"], 2021, dt.date(2021, 6, 30), None),
        (["PY  - 2021", "DA  - 2021-06-30"], 2021, dt.date(2021, 6, 30), None),
        (["PY  - 2021", "DA  - 2021/06"], 2021, None, "6"),
        (["DA  - 2009"], 2009, None, None),
        (["DA  - May 2009"], 2009, None, "5"),
        (["PY  - 2021", "DA  - 2021/02/30"], 2021, None, "2"),  # no such day
        (["PY  - n.d."], None, None, None),
    ],
)
def test_years_and_dates(
    tag_lines: list[str], year: int | None, date: dt.date | None, month: str | None
) -> None:
    ref = one(record("TI  - T", *tag_lines))
    assert (ref.year, ref.date, ref.extra.get("month")) == (year, date, month)


def test_titles_in_order_of_preference() -> None:
    assert one(record("T1  - Primary", "TI  - Title")).title == "Title"
    assert one(record("T1  - Primary", "ST  - Short")).title == "Primary"
    assert one(record("T1  - Primary", "ST  - Short")).extra["shorttitle"] == "Short"
    assert one(record("BT  - Book title", ty="BOOK")).title == "Book title"
    untitled = one(record("AB  - We propose a novel Dual Reweighting Framework (DRF)."))
    assert untitled.title_provisional
    assert untitled.title.startswith("DRF")
    assert one(record("PY  - 2020")).title == "Untitled"


def test_people() -> None:
    ref = one(
        record(
            "AU  - Smith, John",
            "A1  - Jane Doe",
            "AU  - Plato",
            "A2  - Editor, Ed",
            "ED  - Second, Editor",
        )
    )
    assert ref.authors == [Person("Smith", "John"), Person("Plato"), Person("Doe", "Jane")]
    assert ref.extra["editor"] == "Editor, Ed and Second, Editor"


def test_venues_pages_and_numbers() -> None:
    ref = one(record("JO  - J. Stuff", "T2  - Series", "SP  - e1234", "SN  - 978-3-16-148410-0"))
    assert (ref.venue, ref.pages, ref.extra["isbn"]) == ("J. Stuff", "e1234", "978-3-16-148410-0")
    chapter = one(record("BT  - The Book", "SP  - 12", "EP  - 19", "SN  - 12345", ty="CHAP"))
    assert (chapter.venue, chapter.pages, chapter.extra["isbn"]) == ("The Book", "12--19", "12345")
    serial = one(record("JA  - Abbr.", "SN  - 1234-567X", "SN  - 2345-6789"))
    assert (serial.venue, serial.extra["issn"]) == ("Abbr.", "1234-567X; 2345-6789")
    assert "shortjournal" not in serial.extra


def test_other_fields() -> None:
    ref = one(
        record(
            "ID  - smith2020key",
            "VL  - 3",
            "IS  - 2",
            "PB  - ACM",
            "CY  - New York",
            "LA  - English",
            "ET  - 2nd",
            "T3  - Lecture Notes",
            "NV  - 4",
            "Y2  - 2024/01/02",
            "DO  - https://doi.org/10.1145/12345.678",
            "UR  - https://example.org/paper",
            "UR  - https://example.org/second",
            "KW  - deep  learning",
            "KW  - Deep learning",
            "KW  - vision",
            "M1  - ignored",
        )
    )
    assert (ref.citekey, ref.volume, ref.issue, ref.publisher) == ("smith2020key", "3", "2", "ACM")
    assert ref.extra == {
        "address": "New York",
        "language": "English",
        "edition": "2nd",
        "series": "Lecture Notes",
        "volumes": "4",
        "urldate": "2024/01/02",
    }
    assert ref.doi == "10.1145/12345.678"
    assert ref.url == "https://example.org/paper"
    assert ref.tags == ["deep learning", "vision"]


@pytest.mark.parametrize(
    ("tag_lines", "arxiv_id", "version"),
    [
        (["AN  - arXiv:2106.16128v2"], "2106.16128", 2),
        (["AN  - arXiv:hep-th/9901001"], "hep-th/9901001", None),
        (["UR  - https://arxiv.org/abs/2106.16128v3"], "2106.16128", 3),
        (["DO  - 10.48550/arXiv.2106.16128"], "2106.16128", None),
        (["AN  - WOS:000123", "UR  - https://example.org"], "", None),
    ],
)
def test_arxiv_identifiers(tag_lines: list[str], arxiv_id: str, version: int | None) -> None:
    ref = one(record("TI  - T", *tag_lines))
    assert (ref.arxiv_id, ref.arxiv_version) == (arxiv_id, version)


def test_header_lines_before_the_first_record_and_provenance() -> None:
    text = "Provider: JSTOR\nContent: text/plain; charset=UTF-8\n\n" + record("TI  - A")
    text += "\n" + record("TI  - B")
    refs = read(text)
    assert [r.title for r in refs] == ["A", "B"]
    assert [r.provenance[0].line for r in refs] == [4, 8]
    assert refs[1].provenance[0].raw == "TY  - JOUR\nTI  - B\nER  -"
    assert refs[1].provenance[0].format == "ris"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("TY  - JOUR\nTI  - Unclosed\n", 1, "not closed by an 'ER  -' line"),
        ("TY  - JOUR\nTI  - A\nER  -\n\nTY  - JOUR\nTI  - B\n", 5, "not closed"),
        ("TY  - JOUR\nTI  - A\nTY  - JOUR\nER  -\n", 3, "before the record at line 1 is closed"),
        ("TY  - JOUR\nER  -\nstray text\n", 3, "not an RIS tag line: 'stray text'"),
        ("Some text\nTY  - JOUR\nER  -\n", 1, "not an RIS tag line"),
        ("TY  - JOUR\nER  -\nAU  - Smith, J.\nER  -\n", 3, "a AU line outside a record"),
        ("TY  -\nER  -\n", 1, "a TY line without a reference type"),
        ("TY  - JOUR\nC8  - refman.year: soon\nER  -\n", 2, "malformed value for refman.year"),
        ("TY  - JOUR\nC8  - refman.authors: [1\nER  -\n", 2, "malformed value"),
        ("TY  - JOUR\nC8  - refman.title\nER  -\n", 2, "malformed refman field"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FormatError, match=message) as info:
        read(text, "broken.ris")
    assert (info.value.source, info.value.line) == ("broken.ris", line)


def test_no_records_at_all() -> None:
    with pytest.raises(FormatError, match="no RIS records") as info:
        read("Provider: nobody\n\n")
    assert info.value.line is None


def test_an_error_changes_nothing(seeded: Library, tmp_path: Path) -> None:
    good = tmp_path / "good.ris"
    good.write_text(record("TI  - A good record", "DO  - 10.1000/good"))
    broken = tmp_path / "broken.ris"
    broken.write_text(record("TI  - Fine") + "TY  - JOUR\nTI  - Never closed\n")
    before = seeded.count()
    with pytest.raises(FormatError) as info:
        seeded.import_files([good, broken])
    assert (info.value.source, info.value.line) == (str(broken), 4)
    assert str(broken) in str(info.value)
    assert seeded.count() == before


# ---------------------------------------------------------------------------- writing

GOLDEN_KEYS = ("anon2021novelty", "anon2022results", "anon2022optg", "feng2022metaformer")
"""Seed papers for the golden files: an inproceedings and an article with journal
references, a preprint with counts and a code URL, a profile work with its author."""


def golden_refs(library: Library) -> list[Reference]:
    refs = by_key(library)
    return [refs[key] for key in GOLDEN_KEYS]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


def test_golden_bibliography(seeded: Library) -> None:
    text = write_text(ris.FORMAT, golden_refs(seeded), WriteOptions())
    check_golden("seeds.ris", text)
    assert "C8  -" not in text
    assert "N1  -" not in text


def test_golden_lossless_with_tags_and_notes(seeded: Library) -> None:
    refs = golden_refs(seeded)
    refs[0].tags = ["to-read", "anomaly detection"]
    refs[0].notes = [Note("Read **section 3**.\n\n- strong baseline\n    - but small data")]
    text = write_text(ris.FORMAT, refs, WriteOptions(notes=True, lossless=True))
    check_golden("seeds-lossless.ris", text)


def test_written_text_reads_in_rispy(seeded: Library) -> None:
    refs = golden_refs(seeded)
    entries = rispy.loads(write_text(ris.FORMAT, refs, WriteOptions(lossless=True)))
    assert [e["title"] for e in entries] == [r.title for r in refs]
    assert entries[3]["authors"] == ["Feng, Jiashi"]
    assert entries[0]["type_of_reference"] == "CPAPER"


def test_writer_layout() -> None:
    ref = Reference(
        entry_type="article",
        title="A  spaced\ntitle",
        abstract="Abstract\n\nin two paragraphs.",
        year=2021,
        date=dt.date(2021, 6, 3),
        venue="Journal",
        pages="12-19",
        authors=[Person("Smith", "John"), Person("Jiashi Feng")],
        tags=["b", "a"],
        notes=[Note("note")],
        citekey="smith2021",
    )
    text = write_text(ris.FORMAT, [ref])
    assert text == (
        "TY  - JOUR\n"
        "ID  - smith2021\n"
        "TI  - A spaced title\n"
        "AU  - Smith, John\n"
        "AU  - Jiashi Feng,\n"
        "PY  - 2021\n"
        "DA  - 2021/06/03\n"
        "AB  - Abstract in two paragraphs.\n"
        "JO  - Journal\n"
        "SP  - 12\n"
        "EP  - 19\n"
        "KW  - b\n"
        "KW  - a\n"
        "ER  - \n"
        "\n"
    )
    assert "AB  -" not in write_text(ris.FORMAT, [ref], WriteOptions(abstracts=False))
    assert "N1  - note\n" in write_text(ris.FORMAT, [ref], WriteOptions(notes=True))
    assert one(text).authors == ref.authors


def test_a_title_is_never_empty() -> None:
    provisional = Reference(title="Provisional…", title_provisional=True)
    assert "TI  - Provisional…\n" in write_text(ris.FORMAT, [provisional])
    empty = Reference(arxiv_id="2106.16128")
    assert "TI  - arXiv:2106.16128\n" in write_text(ris.FORMAT, [empty])
    assert "TI  - Untitled\n" in write_text(ris.FORMAT, [Reference()])


def test_arxiv_fields() -> None:
    ref = Reference(entry_type="preprint", title="T", arxiv_id="2106.16128", arxiv_version=2)
    text = write_text(ris.FORMAT, [ref])
    assert "TY  - UNPB\n" in text
    assert "UR  - https://arxiv.org/abs/2106.16128\n" in text
    assert "AN  - arXiv:2106.16128v2\n" in text
    back = one(text)
    assert (back.arxiv_id, back.arxiv_version, back.entry_type) == ("2106.16128", 2, "unpublished")


def rich_reference() -> Reference:
    return Reference(
        entry_type="preprint",
        title="GCC: Generator-Discriminator Cooperative Compression",
        title_provisional=True,
        abstract="An abstract.\nWith a line break and  double  spaces.",
        year=2021,
        date=dt.date(2021, 10, 27),
        venue="NeurIPS 2021",
        journal_ref="NeurIPS 2021",
        arxiv_id="2110.14439",
        arxiv_version=3,
        doi="10.48550/arXiv.2110.14439",
        url="",
        code_url="https://github.com/SJLeo/GCC",
        comments='Accepted by NeurIPS2021\n9 pages, 6 figures\n"quoted"',
        page_count=9,
        figure_count=6,
        citekey="li2021gcc",
        volume="34",
        issue="",
        pages="12-19",
        publisher="Curran",
        extra={
            "editor": "Ranzato, M. and Beygelzimer, A.",
            "month": "oct",
            "primaryclass": "cs.CV",
            "isbn": "9781713845393",
            "note": "  leading spaces",
        },
        authors=[
            Person("Li", "Shaojie"),
            Person("Lin, Jr.", "Mingbao"),  # a comma in the family name
            Person("Google Research"),  # an organisation
        ],
        tags=["pruning", "GAN"],
        notes=[
            Note("# Summary\n\nER  - looks like a tag\n    indented code\n"),
            Note("second note  "),
        ],
    )


def assert_same(ref: Reference, back: Reference, *, notes: bool = True) -> None:
    for name in REFERENCE_FIELDS:
        assert getattr(back, name) == getattr(ref, name), name
    assert back.authors == ref.authors
    assert back.tags == ref.tags
    if notes:
        assert [n.text for n in back.notes] == [n.text for n in ref.notes]


def test_lossless_round_trip_of_every_field() -> None:
    ref = rich_reference()
    text = write_text(ris.FORMAT, [ref], WriteOptions(notes=True, lossless=True))
    assert_same(ref, one(text))
    assert "C8  - refman.title_provisional: true\n" in text
    assert "C8  - refman.code_url: https://github.com/SJLeo/GCC\n" in text
    assert 'C8  - refman.comments: "Accepted by NeurIPS2021\\n9 pages' in text


def test_without_lossless_other_tools_fields_survive() -> None:
    ref = rich_reference()
    back = one(write_text(ris.FORMAT, [ref], WriteOptions(notes=True)))
    assert (back.title, back.year, back.date, back.venue) == (
        ref.title,
        ref.year,
        ref.date,
        ref.venue,
    )
    assert (back.arxiv_id, back.arxiv_version, back.doi) == ("2110.14439", 3, ref.doi)
    assert (back.volume, back.pages, back.publisher) == ("34", "12--19", "Curran")
    assert back.extra["editor"] == ref.extra["editor"]
    assert back.extra["isbn"] == "9781713845393"
    assert "month" not in back.extra  # the date carries it
    assert back.tags == ref.tags
    assert [n.text for n in back.notes] == [
        "# Summary\n\nER  - looks like a tag\n    indented code",
        "second note",
    ]
    assert not back.title_provisional
    assert back.code_url == ""


def test_round_trip_through_two_libraries(seeded: Library, tmp_path: Path) -> None:
    ids = {ref.citekey: ref.id for ref in seeded.references() if ref.id is not None}
    first = ids["anon2021novelty"]
    seeded.add_tags(["to-read", "vision"], [first, ids["feng2022metaformer"]])
    seeded.add_tags(["Pruning"], [ids["anon2022optg"]])
    seeded.add_note(first, "Check the *ablation*.\n\n- table 2\n- table 3")
    seeded.add_note(first, "A second note.")
    exported = seeded.load(seeded.query_ids(ReferenceQuery()))
    path = tmp_path / "library.ris"
    path.write_text(
        write_text(ris.FORMAT, exported, WriteOptions(notes=True, lossless=True)),
        encoding="utf-8",
    )

    other = open_library(str(tmp_path / "b.sqlite"))
    try:
        result = other.import_files([path])
        assert (result.added, result.merged, result.unchanged) == (79, 0, 0)
        imported = by_key(other)
    finally:
        other.store.close()
    assert imported.keys() == {ref.citekey for ref in exported}
    for ref in exported:
        assert_same(ref, imported[ref.citekey])
    assert imported["anon2021novelty"].tags == ["to-read", "vision"]
    assert len(imported["anon2021novelty"].notes) == 2

    # into the library it came from: every record matches its reference, and changes
    # nothing but its provenance (no duplicate notes or tags)
    again = seeded.import_files([path])
    assert (again.added, again.records) == (0, 79)
    after = by_key(seeded)
    for ref in exported:
        assert_same(ref, after[ref.citekey])
