"""BibTeX/BibLaTeX export of the seeds: golden files, an independent parser (pybtex), and
a lossless export imported into an empty library giving the same references."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pybtex.database import parse_string
from pylatexenc.latex2text import LatexNodes2Text

from refman.app import open_library
from refman.domain import Person, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.formats import bibtex
from refman.formats.base import Format, WriteOptions, write_text
from refman.services.library import Library

GOLDEN = Path(__file__).parents[2] / "data" / "golden" / "bibtex"

GOLDEN_PAPERS = (
    "2106.16128",  # a preprint whose comments name a venue
    "2106.09958",  # an inproceedings with a journal reference; ``quotes'' in the abstract
    "2201.03801",  # an article in a journal
    "2103.06553",  # TeX math, backslashes and underscores in the abstract
    "Scaling & Shifting Your Features",  # a profile paper: "&" in the title, a code URL
    "MetaFormer Is Actually What You Need for Vision",  # acronyms to protect
)


def golden_references(library: Library) -> list[Reference]:
    """The golden papers of a seeded library, in ``GOLDEN_PAPERS`` order."""
    refs = library.references()
    chosen = []
    for wanted in GOLDEN_PAPERS:
        (ref,) = [r for r in refs if r.arxiv_id == wanted or r.title.startswith(wanted)]
        chosen.append(ref)
    return chosen


def tag_and_annotate(library: Library, refs: list[Reference]) -> list[Reference]:
    """Give two of ``refs`` tags and one a note; the same references, reloaded."""
    ids = [ref.id for ref in refs if ref.id is not None]
    library.add_tags(["vision", "to read"], ids[:2])
    library.add_note(ids[0], "Compare with *DG* baselines.\n\n- check Table 2")
    chosen = {ref.id: ref for ref in library.references()}
    return [chosen[ref_id] for ref_id in ids]


GOLDEN_CASES = [
    ("bibtex.bib", "bibtex", WriteOptions()),
    ("biblatex.bib", "biblatex", WriteOptions()),
    ("bibtex-lossless-notes.bib", "bibtex", WriteOptions(notes=True, lossless=True)),
    ("biblatex-lossless-notes.bib", "biblatex", WriteOptions(notes=True, lossless=True)),
]


def golden_text(library: Library, fmt_name: str, options: WriteOptions) -> str:
    refs = tag_and_annotate(library, golden_references(library))
    fmt = bibtex.FORMAT if fmt_name == "bibtex" else bibtex.BIBLATEX_FORMAT
    return write_text(fmt, refs, options)


@pytest.mark.parametrize(("name", "fmt_name", "options"), GOLDEN_CASES)
def test_seed_papers_export_as_the_golden_files(
    seeded: Library, name: str, fmt_name: str, options: WriteOptions
) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_text(seeded, fmt_name, options) == expected


# ------------------------------------------------------------------ pybtex

_UNTEX = LatexNodes2Text(math_mode="verbatim")


def untex(value: str) -> str:
    """A LaTeX field value as plain text, by pylatexenc's stock converter (independent of
    the reader's own decoding): ties as spaces, typographic quotes and dashes as refman
    writes them."""
    text = _UNTEX.latex_to_text(value)
    return text.replace("\N{NO-BREAK SPACE}", " ").replace("\u02c6", "^")


def pybtex_people(entry: object) -> list[tuple[str, str]]:
    people = []
    for person in entry.persons.get("author", []):  # type: ignore[attr-defined]
        family = " ".join([*person.prelast_names, *person.last_names])
        if person.lineage_names:
            family += ", " + " ".join(person.lineage_names)
        given = " ".join([*person.first_names, *person.middle_names])
        people.append((untex(family), untex(given)))
    return people


def tricky_references() -> list[Reference]:
    return [
        Reference(
            entry_type="article",
            citekey="muller2020gan",
            title="GANs & ImageNet: 100% of $5 for a_b",
            authors=[
                Person("Müller", "Jérôme"),
                Person("van den Berg", "Anna"),
                Person("Reagle, Jr.", "Joseph M."),
                Person("Barnes and Noble"),
                Person("Ødegaard", "Søren"),
            ],
            venue="J. Mach. Learn.",
            year=2020,
            volume="12",
            issue="3",
            pages="12-19",
            publisher="ACME & Sons",
            doi="10.1000/xyz_1",
            url="https://example.org/a_b?c=1&d=%20e",
        ),
        Reference(
            entry_type="inproceedings",
            citekey="doe2021x",
            title="Another Paper",
            authors=[Person("Doe", "Jane"), Person("others")],
            venue="CVPR 2021",
            year=2021,
            pages="1\u20139",
        ),
    ]


def test_an_export_parses_with_pybtex_to_the_same_fields(seeded: Library) -> None:
    refs = [*seeded.references(), *tricky_references()]
    text = write_text(bibtex.FORMAT, refs, WriteOptions())
    entries = parse_string(text, "bibtex").entries
    assert list(entries.keys()) == [ref.citekey for ref in refs]
    months = "January February March April May June July August September October November"
    months += " December"
    for ref in refs:
        fields = entries[ref.citekey].fields
        assert untex(fields["title"]) == ref.title
        assert pybtex_people(entries[ref.citekey]) == [(p.family, p.given) for p in ref.authors]
        assert fields.get("year") == (str(ref.year) if ref.year else None)
        if ref.date is not None:
            assert fields["month"] == months.split()[ref.date.month - 1]
        assert fields.get("eprint", "") == ref.arxiv_id
        assert fields.get("archivePrefix", "") == ("arXiv" if ref.arxiv_id else "")
        assert fields.get("doi", "") == ref.doi
        assert fields.get("url", "") == ref.url
        assert fields.get("pages", "") == re.sub(r"[-\u2013]+", "--", ref.pages)
        assert untex(fields.get("abstract", "")) == ref.abstract
        assert untex(fields.get("note", "")) == ref.comments.replace("\n", "\n\n")
        assert untex(fields.get("publisher", "")) == ref.publisher


# ------------------------------------------------------------------ the round trip


@pytest.mark.parametrize("fmt", [bibtex.FORMAT, bibtex.BIBLATEX_FORMAT], ids=lambda f: f.name)
def test_a_lossless_export_imports_as_the_same_library(
    seeded: Library, tmp_path: Path, fmt: Format
) -> None:
    originals = seeded.references()
    assert len(originals) == 79
    ids = [ref.id for ref in originals if ref.id is not None]
    seeded.add_tags(["vision"], ids[::3])
    seeded.add_tags(["to read", "Ideas: later"], ids[::5])
    seeded.add_note(ids[0], "A note\nover *two* lines & 50%")
    originals = seeded.references()
    path = tmp_path / f"library.{fmt.name}.bib"
    path.write_text(write_text(fmt, originals, WriteOptions(lossless=True, notes=True)))

    other = open_library(str(tmp_path / "b.sqlite"))
    try:
        result = other.import_files([path])
        assert (result.added, result.merged, result.unchanged) == (79, 0, 0)
        copies = {ref.citekey: ref for ref in other.references()}
    finally:
        other.store.close()
    assert copies.keys() == {ref.citekey for ref in originals}
    for ref in originals:
        copy = copies[ref.citekey]
        for name in REFERENCE_FIELDS:
            assert getattr(copy, name) == getattr(ref, name), (ref.citekey, name)
        assert [(p.family, p.given) for p in copy.authors] == [
            (p.family, p.given) for p in ref.authors
        ]
        assert sorted(copy.tags) == sorted(ref.tags)
        assert [n.text for n in copy.notes] == [n.text for n in ref.notes]
