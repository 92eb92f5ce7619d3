"""The arXiv API (Atom) reader: every recorded response in the corpus, the error feed,
malformed XML, and import through a real library."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from refman.domain import Person, Reference
from refman.formats import arxiv_atom
from refman.formats.arxiv_atom import ArxivApiError, read_feed
from refman.formats.base import FormatError, by_name, detect
from refman.services.library import Library
from tests.unit.formats.support import lines, seed_text

CORPUS = Path(__file__).parents[2] / "data" / "corpus" / "arxiv-atom"
PAGE = CORPUS / "arxivpy_query_all-testing_100results.atom.xml"
OLD_STYLE = CORPUS / "arxivpy_idlist_old-style-id_astro-ph-0601001.atom.xml"
ONE_VALID = CORPUS / "arxivpy_idlist_one-invalid-one-valid.atom.xml"
FORMAT_2016 = CORPUS / "arxivpy_2016_search_au-del_maestro.atom.xml"
ERROR = CORPUS / "arxivpy_error_incorrect-id-format_http400.atom.xml"


def feed(path: Path) -> tuple[list[Reference], int | None]:
    return read_feed(path.read_text("utf-8"), path.name)


def by_id(refs: list[Reference]) -> dict[str, Reference]:
    return {ref.arxiv_id: ref for ref in refs}


ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}</id>
    <published>2021-06-30T17:59:59Z</published>
    <title>A   Title
      over two lines</title>
    <summary>  An abstract
  over lines.
</summary>
    <author><name>Jane Q. Doe</name></author>
    {more}
  </entry>
"""


def make_feed(*entries: str, total: str = "3") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def entry(identifier: str = "2106.16128v2", more: str = "") -> str:
    return ENTRY.format(id=identifier, more=more)


# ---------------------------------------------------------------------- registration


def test_registered_without_a_writer() -> None:
    fmt = by_name("arxiv-atom")
    assert fmt is arxiv_atom.FORMAT
    assert (fmt.label, fmt.extensions, fmt.write) == ("arXiv API (Atom)", (".atom", ".xml"), None)


@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda p: p.name)
def test_every_corpus_file_is_detected(path: Path) -> None:
    assert detect(path.read_text("utf-8")[:65536], path.name).name == "arxiv-atom"


@pytest.mark.parametrize(
    "head",
    [
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>',
        "<rss><channel><title>arXiv</title></channel></rss>",
        "TY  - JOUR\nUR  - http://www.w3.org/2005/Atom <feed arxiv\nER  -\n",
        "An abstract about <feed xmlns='http://www.w3.org/2005/Atom'> on arXiv.\n",
    ],
)
def test_other_text_is_not_taken_for_a_feed(head: str) -> None:
    assert not arxiv_atom.sniff(head)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_the_seeds_are_not_taken_for_a_feed(prefix: str) -> None:
    assert not arxiv_atom.sniff(seed_text(prefix)[:65536])


# ---------------------------------------------------------------------------- corpus


def test_a_page_of_100_results() -> None:
    refs, total = feed(PAGE)
    assert (len(refs), total) == (100, 214881)
    assert len(by_id(refs)) == 100
    first = refs[0]
    assert (first.arxiv_id, first.arxiv_version) == ("2202.12139", 1)
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert not first.title_provisional
    assert first.abstract.startswith("Deep Learning (DL) has revolutionized")
    assert first.authors == [
        Person("Ahuja", "Mohit Kumar"),
        Person("Gotlieb", "Arnaud"),
        Person("Spieker", "Helge"),
    ]
    assert (first.date, first.year) == (dt.date(2022, 2, 24), 2022)
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022")
    assert first.comments == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.extra == {"primaryclass": "cs.SE", "categories": "cs.SE cs.LG"}
    assert first.url == "https://arxiv.org/abs/2202.12139"
    assert first.entry_type in {"article", "inproceedings"}
    assert first.provenance[0].line == 10
    assert first.provenance[0].raw.startswith("<entry>\n    <id>http://arxiv.org/abs/2202.12139v1")
    assert first.provenance[0].raw.endswith("</entry>")
    # every entry: a real title, an abstract, authors, a date, categories
    assert all(r.title and r.abstract and r.authors and r.date for r in refs)
    assert all(r.extra["primaryclass"] in r.extra["categories"].split() for r in refs)
    assert all(r.doi for r in refs)
    assert sum(1 for r in refs if r.journal_ref) == 18
    assert sum(1 for r in refs if not r.doi.startswith("10.48550/")) == 32  # arxiv:doi
    # a journal reference or a publisher's DOI makes an article (no known conference here)
    assert Counter(r.entry_type for r in refs) == {"preprint": 65, "article": 35}


def test_double_encoded_names_are_repaired() -> None:
    # The recorded responses were decoded as ISO-8859-1 and saved again as UTF-8:
    # "RamÃ­rez" in the file is "Ramírez", and "Î´" in an abstract is "δ".
    assert "RamÃ­rez" in PAGE.read_text("utf-8")
    refs = by_id(feed(PAGE)[0])
    assert refs["2405.13786"].authors[0] == Person("Ramírez", "Aurora")
    assert refs["2405.13786"].authors[2] == Person("Romero", "José Raúl")
    assert any("δ" in ref.abstract for ref in refs.values())
    assert not any("Ã" in ref.abstract + ref.title for ref in refs.values())
    (valid,) = feed(ONE_VALID)[0]
    assert Person("Wübben", "Dirk") in valid.authors


def test_correct_text_is_left_alone() -> None:
    text = make_feed(entry(more="<arxiv:comment>Ã© is not é; π</arxiv:comment>"))
    (ref,) = read_feed(text, "x.atom")[0]
    assert ref.comments == "Ã© is not é; π"


def test_an_old_style_identifier() -> None:
    (ref,), total = feed(OLD_STYLE)
    assert total == 1
    assert (ref.arxiv_id, ref.arxiv_version) == ("astro-ph/0601001", 1)
    assert ref.url == "https://arxiv.org/abs/astro-ph/0601001"
    assert ref.doi == "10.48550/arXiv.astro-ph/0601001"  # no arxiv:doi: arXiv's own
    assert ref.journal_ref == "ActaAstron.56:1-50,2006"
    assert ref.entry_type == "article"
    assert (ref.page_count, ref.figure_count) == (62, 16)
    assert ref.extra == {"primaryclass": "astro-ph", "categories": "astro-ph"}
    assert [a.family for a in ref.authors] == ["Gould", "Dorsher", "Gaudi", "Udalski"]
    assert ref.date == dt.date(2006, 1, 2)


def test_an_id_list_with_one_invalid_id_gives_the_valid_paper() -> None:
    (ref,), total = feed(ONE_VALID)
    assert total == 1
    assert (ref.arxiv_id, ref.arxiv_version) == ("1707.08567", 1)
    assert ref.title == (
        "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert ref.entry_type == "preprint"  # no journal reference, no DOI
    assert ref.doi == "10.48550/arXiv.1707.08567"
    assert len(ref.authors) == 34
    assert ref.page_count == 44


def test_the_2016_response_format() -> None:
    refs, total = feed(FORMAT_2016)
    assert (len(refs), total) == (10, 31)
    first = refs[0]
    assert (first.arxiv_id, first.arxiv_version) == ("1201.4869", 1)
    assert first.title == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert first.abstract.startswith("As helium-4 is cooled below 2.17 K it undergoes")
    assert "\n" not in first.abstract
    assert "  " not in first.abstract
    assert first.doi == "10.1142/S021797921244002X"
    assert first.journal_ref == "Int. J. Mod. Phys. B, 26, 1244002 (2012)"
    assert first.entry_type == "article"
    assert (first.page_count, first.figure_count) == (26, 10)
    assert first.extra == {
        "primaryclass": "cond-mat.mes-hall",
        "categories": "cond-mat.mes-hall cond-mat.other",
    }
    second = refs[1]
    assert (second.arxiv_id, second.arxiv_version) == ("cond-mat/0412498", 1)
    assert [p.display_name for p in second.authors] == ["Adrian Del Maestro", "Subir Sachdev"]
    assert all(ref.doi and ref.journal_ref for ref in refs)


def test_the_error_feed() -> None:
    with pytest.raises(ArxivApiError) as info:
        feed(ERROR)
    error = info.value
    assert isinstance(error, FormatError)
    assert error.api_message == "incorrect id format for abc"
    assert error.code == "incorrect_id_format_for_abc"
    assert "incorrect id format for abc" in error.message
    assert (error.source, error.line) == (ERROR.name, 9)


# ------------------------------------------------------------------------ small feeds


def test_an_entry_field_by_field() -> None:
    more = (
        "<arxiv:comment>Accepted by CVPR2021. 9 pages,\n 6 figures. "
        "Code: https://github.com/a/b</arxiv:comment>\n"
        '<arxiv:primary_category term="cs.CV"/>\n'
        '<category term="cs.CV"/><category term="cs.LG"/>'
    )
    refs, total = read_feed(make_feed(entry(more=more), total="3"), "x.atom")
    (ref,) = refs
    assert total == 3
    assert (ref.arxiv_id, ref.arxiv_version, ref.year) == ("2106.16128", 2, 2021)
    assert ref.title == "A Title over two lines"
    assert ref.abstract == "An abstract over lines."
    assert ref.authors == [Person("Doe", "Jane Q.")]
    assert ref.comments == "Accepted by CVPR2021. 9 pages, 6 figures. Code: https://github.com/a/b"
    assert (ref.venue, ref.page_count, ref.figure_count) == ("CVPR 2021", 9, 6)
    assert ref.code_url == "https://github.com/a/b"
    assert ref.entry_type == "preprint"
    assert ref.extra == {"primaryclass": "cs.CV", "categories": "cs.CV cs.LG"}
    assert ref.provenance[0].line == 4
    assert ref.provenance[0].format == "arxiv-atom"


@pytest.mark.parametrize(
    ("more", "entry_type"),
    [
        ("", "preprint"),
        ("<arxiv:journal_ref>Phys. Rev. B 71, 184511 (2005)</arxiv:journal_ref>", "article"),
        ("<arxiv:journal_ref>CVPR 2021</arxiv:journal_ref>", "inproceedings"),
        ("<arxiv:doi>10.1103/PhysRevB.71.184511</arxiv:doi>", "article"),
    ],
)
def test_entry_types(more: str, entry_type: str) -> None:
    (ref,), _ = read_feed(make_feed(entry(more=more)), "x.atom")
    assert ref.entry_type == entry_type


def test_an_empty_result_and_a_missing_total() -> None:
    assert read_feed(make_feed(total="0"), "x.atom") == ([], 0)
    text = make_feed(entry()).replace("<opensearch:totalResults>3</opensearch:totalResults>", "")
    refs, total = read_feed(text, "x.atom")
    assert (len(refs), total) == (1, None)


def test_the_reader_reads_lines() -> None:
    text = make_feed(entry("2106.16128v2"), entry("hep-th/9901001"))
    refs = list(arxiv_atom.read(lines(text), "x.atom"))
    assert [(r.arxiv_id, r.arxiv_version) for r in refs] == [
        ("2106.16128", 2),
        ("hep-th/9901001", None),
    ]
    assert [r.provenance[0].line for r in refs] == [4, 15]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (make_feed(entry()).replace("</title>", "</titel>", 1), 8, "malformed XML: mismatched tag"),
        ("<?xml version='1.0'?>\n<feed>\n", 3, "malformed XML"),
        ('<!DOCTYPE feed [<!ENTITY a "b">]>\n<feed/>', 1, "document type declaration"),
        ("<html><body>arXiv</body></html>", 1, "not an Atom feed"),
        (make_feed(entry("2113.00001")), 4, "is not an arXiv paper"),
        (make_feed(entry()).replace("http://arxiv.org/abs/", "urn:x:"), 4, "not an arXiv paper"),
    ],
)
def test_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(FormatError, match=message) as info:
        read_feed(text, "bad.atom")
    assert (info.value.source, info.value.line) == ("bad.atom", line)


# ---------------------------------------------------------------------------- import


def test_imported_feeds_merge_with_each_other(library: Library) -> None:
    result = library.import_files([FORMAT_2016, OLD_STYLE, ONE_VALID])
    assert (result.added, result.merged) == (12, 0)
    ref = library.get("astro-ph/0601001")
    assert ref.title.startswith("Frequency of Hot Jupiters")
    again = library.import_files([OLD_STYLE])
    assert (again.added, again.unchanged) == (0, 1)


def test_importing_the_error_feed_changes_nothing(library: Library) -> None:
    with pytest.raises(FormatError, match="incorrect id format for abc") as info:
        library.import_files([OLD_STYLE, ERROR])
    assert info.value.line == 9
    assert library.count() == 0


def test_a_feed_fills_in_a_listing_record(library: Library, tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text(
        "We derive the frequencies of hot Jupiters.\n\narXiv:astro-ph/0601001\n"
        "Created: 2006-01-02\n"
    )
    library.import_files([listing])
    result = library.import_files([OLD_STYLE])
    assert (result.added, result.merged) == (0, 1)
    ref = library.get("astro-ph/0601001")
    assert ref.title.startswith("Frequency of Hot Jupiters")  # a real title replaces
    assert not ref.title_provisional
    assert len(ref.authors) == 4
