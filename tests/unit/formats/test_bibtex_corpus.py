"""Every real-world BibTeX file of the corpus through the real import pipeline
(``Library.import_files``: decoding, sniffing, reading, matching, one transaction).

The importer merges records it takes for the same work (same DOI, or same title and
year), so a file's record count and the library's reference count can differ; both are
checked. Per-entry details the merging would blur (crossref'd children merge into their
look-alike siblings in xampl.bib) are checked on the reader's own output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from refman.domain import Reference
from refman.formats import bibtex
from refman.formats.base import FormatError, detect, read_text
from refman.formats.text_decoding import decode
from refman.services.library import Library

CORPUS = Path(__file__).parents[2] / "data" / "corpus" / "bibtex"


def imported(library: Library, name: str, records: int, references: int) -> dict[str, Reference]:
    """Import corpus file ``name``; check its record and reference counts; the library's
    references by citekey."""
    result = library.import_files([CORPUS / name])
    assert result.records == records
    assert library.count() == references == result.added
    return {ref.citekey: ref for ref in library.references()}


def read_list(name: str) -> list[Reference]:
    """The reader's references for corpus file ``name``."""
    path = CORPUS / name
    return read_text(bibtex.FORMAT, decode(path.read_bytes(), str(path)), str(path))


def read_corpus(name: str) -> dict[str, Reference]:
    """The reader's references for corpus file ``name`` by citekey (the last of a key)."""
    return {ref.citekey: ref for ref in read_list(name)}


def people(ref: Reference) -> list[tuple[str, str]]:
    return [(p.family, p.given) for p in ref.authors]


def test_every_corpus_file_is_detected_as_bibtex() -> None:
    for path in sorted(CORPUS.glob("*.bib")):
        head = decode(path.read_bytes(), str(path))[:65536]
        assert detect(head, str(path)).name == "bibtex", path.name


def test_xampl_macros_months_and_crossref(library: Library) -> None:
    refs = imported(library, "pybtex_xampl.bib", records=36, references=18)
    # @string concatenation (STOC has a leading space) and month macros
    paper = refs["inproceedingsminimal"]
    assert paper.venue == "Proc. Fifteenth Annual ACM Symposium on the Theory of Computing"
    assert paper.extra["month"] == "3"  # merged in from inproceedings-full (month = mar)
    # each "-full" entry merged into its "-minimal" look-alike, filling its empty fields
    assert refs["manualminimal"].extra["month"] == "April-May"
    assert refs["unpublishedminimal"].extra["month"] == "November, December"
    assert refs["bookletminimal"].extra["month"] == "2"
    assert people(refs["mastersthesisminimal"]) == [("Masterly", "Édouard")]
    assert refs["techreportminimal"].title == r"An $O(n \log n / \! \log\log n)$ Sorting Algorithm"
    # an entry without a title: provisional, from its key; its crossref'd fields its own
    journal = refs["wholejournal"]
    assert (journal.title, journal.title_provisional) == ("whole-journal", True)
    assert (journal.venue, journal.year, journal.volume, journal.issue) == (
        "G-Animal's Journal",
        1986,
        "41",
        "7",
    )
    assert journal.extra == {"month": "7", "key": "GAJ"}


def test_xampl_crossref_children_inherit_from_their_parents() -> None:
    refs = read_corpus("pybtex_xampl.bib")
    article = refs["article-crossref"]
    assert (article.venue, article.year, article.volume, article.issue) == (
        "G-Animal's Journal",
        1986,
        "41",
        "7",
    )
    assert article.comments == "This is a cross-referencing ARTICLE entry"  # its own note
    assert "crossref" not in article.extra
    paper = refs["inproceedings-crossref"]
    assert paper.venue == "Proc. Fifteenth Annual ACM Symposium on the Theory of Computing"
    assert paper.year == 1983
    chapter = refs["incollection-crossref"]
    assert (chapter.venue, chapter.publisher, chapter.year) == (
        "High Speed Computer and Algorithm Organization",
        "Academic Press",
        1977,
    )
    assert chapter.extra["editor"] == "David J. Lipcoll and D. H. Lawrie and A. H. Sameh"
    assert refs["inbook-crossref"].publisher == "Addison-Wesley"  # from whole-set
    assert refs["inbook-full"].year == 1973  # "{\noopsort{1973b}}1973"
    assert refs["whole-set"].year is None
    assert refs["whole-set"].extra["year"]  # an unreadable year is kept as written


def test_biber_examples_biblatex_fields(library: Library) -> None:
    refs = imported(library, "bibtexparser_biber-examples.bib", records=115, references=106)
    chapter = refs["westfahlspace"]
    assert chapter.venue == "Space and Beyond"  # the parent collection's title
    assert chapter.publisher == "Greenwood"
    assert chapter.extra["booksubtitle"] == "The Frontier Theme in Science Fiction"
    article = refs["baezarticle"]
    assert (article.arxiv_id, article.arxiv_version) == ("math/0307200", 3)
    assert article.venue == "Theory and Applications of Categories"  # journaltitle
    assert article.date == dt.date(2004, 10, 27)  # from baez/online, merged into it
    moraux = refs["moraux"]
    assert (moraux.date, moraux.extra["date"]) == (dt.date(1979, 1, 2), "1979-01-02/1980-04-08")
    assert moraux.title == "Le De Anima dans la tradition grècque"
    assert refs["kastenholz"].title.startswith("Computation of methodology-independent ionic")
    assert refs["angenendt"].pages == "431--456, 791--823"
    assert refs["pages4"].pages == "3--5"
    assert refs["pages7"].pages == r"\bibstring{number} 42, 3--6, {I-II}--5"
    assert refs["url2"].url == r"http://www.something.com/q=one\%20two"  # never decoded
    assert refs["ctan"].extra["urldate"] == "2006-10-01"
    assert refs["i2"].extra["userb"] == "Some text & some bad chars"
    # a duplicate key: both entries are read (the first then merges into its "A title"
    # look-alike of 2005, so the second gets the key)
    duplicates = [
        people(r) for r in read_list("bibtexparser_biber-examples.bib") if r.citekey == "tmn4"
    ]
    assert duplicates == [[("AAA", ""), ("BBB", ""), ("CCC", "")], [("ZZZ", "")]]
    assert people(refs["tmn4"]) == [("ZZZ", "")]
    assert "set" not in refs  # @set entries are containers, not works
    assert refs["list1"].extra["location"] == "AAA and BBB and others"


def test_features2_string_concatenation(library: Library) -> None:
    ref = imported(library, "bibtexparser_features2.bib", records=1, references=1)["mykey"]
    assert ref.title == "Cool Stuff"
    assert people(ref) == [("Doe", "John")]
    assert ref.venue == "My International Conference"
    assert ref.pages == "1--10"
    assert ref.comments == "Email: John.Doe@example.com"
    assert ref.year == 2014


def test_traps_braces_ties_and_line_breaks(library: Library) -> None:
    ref = imported(library, "bibtexparser_traps.bib", records=1, references=1)["laide2013"]
    assert ref.title == "An amazing title"
    # no "and": one person, "Last, First" across a line break (as BibTeX reads it)
    assert people(ref) == [("Jean Laidé", "Ben Loaeb")]
    assert ref.volume == "n.s. 2"
    assert ref.pages == "12--23"
    assert ref.abstract == (
        "This is an abstract. This line should be long enough to test multilines... "
        "and with a french érudit word"
    )
    assert ref.tags == ["keyword1", "keyword2"]
    assert ref.extra == {"month": "1", "comments": "A comment"}


def test_cyrillic_names_and_lineage(library: Library) -> None:
    refs = imported(library, "pybtex_cyrillic.bib", records=5, references=5)
    book = refs["viktorovmetodoj"]
    assert people(book) == [("Викторов", "Михаил Маркович")]
    assert book.title == "Методы вычисления физико-химических величин и прикладные расчёты"
    assert book.publisher == "Л.: <<Химия>>"
    assert people(refs["testbooklet"]) == [("de Last, Jr.", "First Middle")]
    inbook = refs["testinbook"]
    assert people(inbook) == [("Jackson", "Péter")]
    assert inbook.url == "https://example.com/Peter%20Jackson.html"
    assert (inbook.venue, inbook.issue, inbook.pages) == ("Some Good Book", "3", "44--59")


def test_jabref_free_text_metadata_groups_and_files(library: Library) -> None:
    # 20 entries; two share a DOI (10.1109/MSP.2004.81) and are merged
    refs = imported(library, "jabref_complex.bib", records=20, references=19)
    thesis = refs["debraga2001"]
    assert thesis.title == (
        "The postcranial anatomy of Procolophon (Parareptilia: Procolophonidae) "
        "and its implications for the origin of turtles"
    )
    assert thesis.entry_type == "phdthesis"
    paper = refs["1137631"]
    assert sorted(paper.tags) == [
        "StaticGroup",
        "TestOne",
        "TestOneSubOne",
        "TestOneSubTwo",
        "TestTwo",
    ]
    assert paper.extra["file"] == (
        ":/Volumes/iDisk/Freie Universität Berlin/Semester 9/Softwareprozesse/p11-bostrom.pdf:PDF"
    )
    assert paper.doi == "10.1145/1137627.1137631"
    assert people(paper)[:3] == [("Boström", "Gustav"), ("Wäyrynen", "Jaana"), ("Bodén", "Marine")]
    complex_names = refs["10250999"]
    assert people(complex_names) == [
        ("von Hippel", "Eric"),
        ("Reagle, Jr.", "Joseph M."),
        ("Sherry, John F.", "Jr."),  # "Last, Jr, First" read literally, as BibTeX does
        ("van den Huevel, Jr.", "Johan A"),
    ]
    assert refs["1143122"].venue == (
        "SOUPS '06: Proceedings of the second symposium on Usable privacy and security"
    )
    assert all("jabref-meta" not in str(ref.extra) for ref in refs.values())


def test_citation_js_types_and_day(library: Library) -> None:
    # The "Lorem Ipsum" entries (one per type, same title, year and authors): the paper
    # kinds (article, inproceedings, misc, techreport, unpublished) are one work, each
    # other kind its own (book, booklet, inbook, incollection, manual, proceedings, and
    # the two master's and two PhD theses pairwise); with loir:B6, 10 references.
    refs = imported(library, "citationjs_bibtex-input.bib", records=16, references=10)
    bees = refs["loirb6"]
    assert bees.date == dt.date(2012, 5, 14)  # year + month = 5 + day = 14
    assert (bees.venue, bees.volume, bees.issue, bees.pages) == ("Zootaxa", "3311", "1", "1--41")
    assert bees.extra == {}


def test_citation_js_entries_as_read() -> None:
    refs = read_corpus("citationjs_bibtex-input.bib")
    assert len(refs) == 16
    assert refs["Book"].extra["editor"] == "Coburn, Carol"
    assert refs["InCollection"].venue == "Dolor Sit Amet"
    assert refs["TechReport"].issue == "ABC-123"
    assert refs["Misc"].extra["howpublished"] == "Online"
    assert {ref.entry_type for ref in refs.values()} >= {"booklet", "manual", "unpublished"}


@pytest.mark.parametrize(
    ("name", "title", "abstract"),
    [
        ("jabref_encoding-utf-16BE-with-header.bib", "Ü ist ein Umlaut", ""),
        ("jabref_encoding-windows-1252-with-header.bib", "25° C", "25° C"),
    ],
)
def test_encoded_files_with_a_header_and_no_key(
    library: Library, name: str, title: str, abstract: str
) -> None:
    (ref,) = imported(library, name, records=1, references=1).values()
    assert (ref.title, ref.abstract) == (title, abstract)
    assert ref.citekey  # @article{, ...}: the library gives it a key


def test_gbk_file_imports_with_its_chinese_text(library: Library) -> None:
    """A GBK file without a declared encoding: the decoder recognises Chinese text (every
    non-ASCII run two bytes a character, all CJK) instead of garbling it as windows-1252."""
    path = CORPUS / "bibtexparser_gbk_test.bib"
    result = library.import_files([path])
    assert result.records == library.count() == 1
    (ref,) = library.references()
    assert (ref.title, ref.year, ref.entry_type) == ("Test Title", 2013, "article")
    assert [p.family for p in ref.authors] == ["凯撒"]
    assert ref.venue == "测试期刊"


def test_a_broken_file_changes_nothing_and_names_the_entry_line(
    seeded: Library, tmp_path: Path
) -> None:
    lines = (CORPUS / "pybtex_xampl.bib").read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "@BOOKLET{booklet-full" in line)
    title = number + 2
    assert lines[title - 1].strip() == 'title = "The Programming of Computer Art",'
    lines[title - 1] = '   title = {The Programming of {Computer Art",\n'  # an unclosed brace
    broken = tmp_path / "broken.bib"
    broken.write_text("".join(lines), encoding="utf-8")
    before = seeded.count()
    with pytest.raises(FormatError) as caught:
        seeded.import_files([CORPUS / "pybtex_cyrillic.bib", broken])
    assert (caught.value.source, caught.value.line) == (str(broken), number)
    assert "booklet-full" in caught.value.message
    assert seeded.count() == before
