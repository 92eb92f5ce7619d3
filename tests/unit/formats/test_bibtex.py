"""The BibTeX/BibLaTeX reader and writers: mapping, LaTeX, names, escaping, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain import Note, Person, Reference
from refman.formats import bibtex
from refman.formats.base import FormatError, WriteOptions, by_name, detect, read_text, write_text
from tests.unit.formats.support import seed_text

SOURCE = "test.bib"


def read(text: str) -> list[Reference]:
    return read_text(bibtex.FORMAT, text, SOURCE)


def one(text: str) -> Reference:
    (ref,) = read(text)
    return ref


def write(refs: list[Reference], **options: bool) -> str:
    return write_text(bibtex.FORMAT, refs, WriteOptions(**options))


def write_biblatex(refs: list[Reference], **options: bool) -> str:
    return write_text(bibtex.BIBLATEX_FORMAT, refs, WriteOptions(**options))


def field(text: str, name: str) -> str:
    """The value of ``name`` as written in the (single-entry) ``text``."""
    prefix = f"  {name} = "
    (line,) = [line for line in text.splitlines() if line.startswith(prefix)]
    return line[len(prefix) :].removesuffix(",")


def round_trip(ref: Reference, *, biblatex: bool = False) -> Reference:
    fmt = bibtex.BIBLATEX_FORMAT if biblatex else bibtex.FORMAT
    text = write_text(fmt, [ref], WriteOptions(lossless=True, notes=True))
    (back,) = read_text(fmt, text, SOURCE)
    return back


# ------------------------------------------------------------------ registry, sniffing


def test_both_dialects_are_registered_with_a_writer() -> None:
    assert by_name("bibtex") is bibtex.FORMAT
    assert by_name("biblatex") is bibtex.BIBLATEX_FORMAT
    assert (bibtex.FORMAT.label, bibtex.BIBLATEX_FORMAT.label) == ("BibTeX", "BibLaTeX")
    assert bibtex.FORMAT.extensions == bibtex.BIBLATEX_FORMAT.extensions == (".bib",)
    assert bibtex.FORMAT.write is not None
    assert bibtex.BIBLATEX_FORMAT.write is not None


@pytest.mark.parametrize(
    "head",
    [
        "@article{k,\n  title = {T},\n}\n",
        "% Encoding: UTF-8\n\n@Book(k,\n  title = {T})\n",
        "This file was written by hand.\nIt lists one paper.\n\n  @ INPROCEEDINGS {k, title={T}}\n",
        "@comment{jabref-meta: databaseType:bibtex;}\n",
    ],
)
def test_sniffer_accepts_an_entry_start_at_a_line_start(head: str) -> None:
    assert bibtex.sniff(head)
    assert detect(head, SOURCE).name == "bibtex"


@pytest.mark.parametrize(
    "head",
    [
        "Write to me@example.org{at any time}.\n",
        "Twitter: @handle (new)\n",
        "TY  - JOUR\nTI  - A title\nER  - \n",
        "Nothing recognisable here.\n",
    ],
)
def test_sniffer_refuses_other_text(head: str) -> None:
    assert not bibtex.sniff(head)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_sniffer_refuses_the_seeds(prefix: str) -> None:
    assert not bibtex.sniff(seed_text(prefix)[:65536])


# ------------------------------------------------------------------ reading: fields


def test_fields_map_to_reference_columns_and_the_rest_to_extra() -> None:
    ref = one(
        """@Article{Key:2020,
  Author    = {M{\\"u}ller, Hans and Jane Doe},
  title     = {Deep {GAN}s for {ImageNet}},
  journal   = {J.~Mach. Learn.},
  year      = 2020,
  month     = may,
  volume    = {12},
  number    = {3},
  pages     = {12-19},
  publisher = {ACME},
  doi       = {https://doi.org/10.1000/XYZ_1},
  url       = {https://example.org/a_b?c=1&d=%20},
  keywords  = {gan; vision, Vision},
  note      = {Oral},
  annote    = {My *note*},
  abstract  = {We do {\\em things} in 50\\% less time.},
  isbn      = {978-3},
  editor    = {Smith, A.},
}
"""
    )
    assert ref.entry_type == "article"
    assert ref.citekey == "Key:2020"
    assert [(p.family, p.given) for p in ref.authors] == [("Müller", "Hans"), ("Doe", "Jane")]
    assert ref.title == "Deep GANs for ImageNet"
    assert not ref.title_provisional
    assert ref.venue == "J. Mach. Learn."
    assert (ref.year, ref.date, ref.volume, ref.issue) == (2020, None, "12", "3")
    assert ref.pages == "12--19"
    assert ref.publisher == "ACME"
    assert ref.doi == "10.1000/XYZ_1"
    assert ref.url == "https://example.org/a_b?c=1&d=%20"
    assert ref.tags == ["gan", "vision"]
    assert ref.comments == "Oral"
    assert [note.text for note in ref.notes] == ["My *note*"]
    assert ref.abstract == "We do things in 50% less time."
    assert ref.extra == {"month": "5", "isbn": "978-3", "editor": "Smith, A."}
    assert ref.provenance[0].line == 1
    assert ref.provenance[0].format == "bibtex"
    assert ref.provenance[0].raw.startswith("@Article{Key:2020,")


def test_string_macros_are_case_insensitive_and_concatenate() -> None:
    ref = one(
        """@string{CoNf = "Intl. Conf."}
@STRING{ full = "Proc. " # conf # " on " # {Things} }
@misc{k, title = "A" # { } # "title", howpublished = FULL, month = "10~" # jan}
"""
    )
    assert ref.title == "A title"
    assert ref.extra["howpublished"] == "Proc. Intl. Conf. on Things"
    assert ref.extra["month"] == "10 January"


def test_a_later_string_definition_wins_and_an_undefined_macro_is_its_name() -> None:
    ref = one(
        "@string{j = {One}}\n@string{J = {Two}}\n@article{k, title={T}, journal = j, x = y}\n"
    )
    assert ref.venue == "Two"
    assert ref.extra["x"] == "y"


def test_crossref_child_inherits_missing_fields_biblatex_title_to_booktitle() -> None:
    refs = read(
        """@incollection{child, crossref = {PARENT}, title = {Chapter}, pages = {1--9}}
@collection{parent, title = {The Book}, editor = {Ed, Itor}, year = 1999,
  publisher = {Pub}, shorttitle = {Book}}
"""
    )
    child = refs[0]
    assert child.title == "Chapter"
    assert child.venue == "The Book"
    assert (child.year, child.publisher) == (1999, "Pub")
    assert child.extra == {"editor": "Ed, Itor"}  # crossref resolved, shorttitle not inherited
    assert refs[1].title == "The Book"


def test_crossref_prefers_a_parents_own_booktitle_and_follows_chains() -> None:
    refs = read(
        """@inproceedings{a, crossref = {b}, title = {Paper}}
@proceedings{b, crossref = {c}, title = {Proc.}, booktitle = {Proc. of Things}}
@proceedings{c, year = 2001, publisher = {P}}
@article{d, crossref = {missing}, title = {T}}
"""
    )
    assert (refs[0].venue, refs[0].year, refs[0].publisher) == ("Proc. of Things", 2001, "P")
    assert refs[3].extra == {"crossref": "missing"}


def test_biblatex_sets_make_no_reference() -> None:
    refs = read("@set{s, entryset = {a,b}}\n@article{a, title={A}}\n@article{b, title={B}}\n")
    assert [ref.citekey for ref in refs] == ["a", "b"]


def test_preamble_comments_and_free_text_are_ignored() -> None:
    refs = read(
        """@preamble{"\\newcommand{\\x}{y}"}
Free text between entries, with an @ sign.
@comment{jabref-meta: grouping: 0 AllEntriesGroup:;}
@misc{k, title = {T}}
% a comment line
"""
    )
    assert [ref.title for ref in refs] == ["T"]


@pytest.mark.parametrize(
    ("fields", "year", "date", "extra"),
    [
        ("year = 2020, month = feb", 2020, None, {"month": "2"}),
        ("year = 2012, month = 5, day = 14", 2012, dt.date(2012, 5, 14), {}),
        ("date = {2020-05-01}", 2020, dt.date(2020, 5, 1), {}),
        ("date = {2020-05}", 2020, None, {"month": "5"}),
        ("date = {2020}", 2020, None, {}),
        (
            "date = {1979-01-02/1980-04-08}",
            1979,
            dt.date(1979, 1, 2),
            {"date": "1979-01-02/1980-04-08"},
        ),
        ("year = {{\\noopsort{a}}1973}", 1973, None, {}),
        ("year = {1973b}", 1973, None, {"year": "1973b"}),
        ("year = 2001, month = {Spring}", 2001, None, {"month": "Spring"}),
        ("year = 2001, date = {2001-06-30}, month = jun", 2001, dt.date(2001, 6, 30), {}),
    ],
)
def test_years_dates_and_months(
    fields: str, year: int, date: dt.date | None, extra: dict[str, str]
) -> None:
    ref = one(f"@misc{{k, title = {{T}}, {fields}}}\n")
    assert (ref.year, ref.date, ref.extra) == (year, date, extra)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("12-19", "12--19"),
        ("12--19", "12--19"),
        ("12 \u2013 19", "12--19"),
        ("431--456, 791-823", "431--456, 791--823"),
        ("73+", "73+"),
        ("M-1--M-4", "M-1--M-4"),
        ("42--", "42--"),
    ],
)
def test_pages_are_normalised_to_double_hyphens(written: str, stored: str) -> None:
    assert one(f"@misc{{k, title = {{T}}, pages = {{{written}}}}}\n").pages == stored


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "version", "extra"),
    [
        (
            "eprint = {2106.16128v2}, archivePrefix = {arXiv}, primaryClass = {cs.CV}",
            "2106.16128",
            2,
            {"primaryclass": "cs.CV"},
        ),
        ("eprint = {math/0307200v3}, eprinttype = {arxiv}", "math/0307200", 3, {}),
        ("eprint = {arXiv:1412.6980}", "1412.6980", None, {}),
        (
            "eprint = {12345}, eprinttype = {pubmed}",
            "",
            None,
            {"eprint": "12345", "eprinttype": "pubmed"},
        ),
    ],
)
def test_arxiv_eprints(
    fields: str, arxiv_id: str, version: int | None, extra: dict[str, str]
) -> None:
    ref = one(f"@misc{{k, title = {{T}}, {fields}}}\n")
    assert (ref.arxiv_id, ref.arxiv_version, ref.extra) == (arxiv_id, version, extra)


def test_latex_is_decoded_in_text_but_never_in_links() -> None:
    ref = one(
        """@misc{k,
  title = {{The} {\\'E}cole~de {\\"{U}}lm: $O(n \\log n)$ --- and \\emph{more} -- ``it'' {\\&} co},
  url = {http://x.org/~me/a\\_b{c}},
  doi = {10.1000/a\\_b},
  file = {:C\\:/a~b.pdf:PDF},
  bdsk-url-1 = {http://x.org/%7e},
}
"""
    )
    assert (
        ref.title == "The École de Ülm: $O(n \\log n)$ \u2014 and more \u2013 \u201cit\u201d & co"
    )
    assert ref.url == "http://x.org/~me/a\\_b{c}"
    assert ref.doi == "10.1000/a\\_b"
    assert ref.extra == {"file": ":C\\:/a~b.pdf:PDF", "bdsk-url-1": "http://x.org/%7e"}


def test_line_breaks_in_a_value_are_spaces_and_a_blank_line_a_line_break() -> None:
    ref = one("@misc{k, title = {A long\n      title}, note = {First\n\n   second\n   line}}\n")
    assert (ref.title, ref.comments) == ("A long title", "First\nsecond line")


def test_an_entry_without_title_gets_a_provisional_one() -> None:
    untitled, with_abstract = read(
        "@misc{misc-minimal, note = {N}}\n@misc{k2, abstract = {We propose a new method.}}\n"
    )
    assert (untitled.title, untitled.title_provisional) == ("misc-minimal", True)
    assert with_abstract.title
    assert with_abstract.title_provisional


# ------------------------------------------------------------------ reading: names


@pytest.mark.parametrize(
    ("names", "people"),
    [
        ("Donald E. Knuth", [("Knuth", "Donald E.")]),
        ("Brinch Hansen, Per", [("Brinch Hansen", "Per")]),
        ("Ludwig van Beethoven", [("van Beethoven", "Ludwig")]),
        ("von Hippel, Eric", [("von Hippel", "Eric")]),
        ("Reagle, Jr., Joseph M.", [("Reagle, Jr.", "Joseph M.")]),
        ("{Barnes and Noble} and Doe, J.", [("Barnes and Noble", ""), ("Doe", "J.")]),
        ("A. One and\n    B. Two AND C. Three", [("One", "A."), ("Two", "B."), ("Three", "C.")]),
        ("{\\'{E}}douard Masterly", [("Masterly", "Édouard")]),
        ("Jean~Laid{\\'e}", [("Laidé", "Jean")]),
        ("Викторов, Михаил Маркович", [("Викторов", "Михаил Маркович")]),
        ("Doe, John and others", [("Doe", "John"), ("others", "")]),
    ],
)
def test_bibtex_name_forms(names: str, people: list[tuple[str, str]]) -> None:
    ref = one(f"@misc{{k, title = {{T}}, author = {{{names}}}}}\n")
    assert [(p.family, p.given) for p in ref.authors] == people


# ------------------------------------------------------------------ reading: errors


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "@article{a, title = {x}}\n\n@article{b,\n  title = {Broken {brace},\n}\n\n"
            "@article{c, title = {y}}\n",
            3,
            "not closed",
        ),
        ("% header\n@article{\n  title = {No key},\n  year = 2000,\n}\n", 2, "has no key"),
        ("@article{a,\n  title = {x}\n  year = 2000\n}\n", 2, "missing comma"),
        ("@article{a,\n  title = {x},\n  = {y},\n}\n", 3, "no name"),
        ("@misc{a, title = {x}}\n@string{s = {a} # }\n", 2, "missing after '#'"),
        ("@misc{a,\n  title = {x},\n", 1, "not closed"),
    ],
)
def test_a_broken_file_is_refused_naming_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        read(text)
    assert (caught.value.source, caught.value.line) == (SOURCE, line)
    assert words in caught.value.message


def test_a_file_without_entries_is_refused() -> None:
    with pytest.raises(FormatError, match="no BibTeX entries"):
        read('@comment{nothing}\n@preamble{"x"}\n')


def test_an_empty_key_is_accepted_and_duplicate_keys_both_read() -> None:
    refs = read("@article{,\n title = {A}}\n@misc{k, title = {B}}\n@misc{k, title = {C}}\n")
    assert [(ref.citekey, ref.title) for ref in refs] == [("", "A"), ("k", "B"), ("k", "C")]


def test_a_repeated_field_keeps_the_first_value() -> None:
    assert one("@misc{k, title = {First}, TITLE = {Second}}\n").title == "First"


# ------------------------------------------------------------------ writing


def arxiv_preprint() -> Reference:
    return Reference(
        entry_type="preprint",
        citekey="feng2022metaformer",
        title="MetaFormer Is Actually What You Need for Vision",
        authors=[Person("Yu", "Weihao"), Person("Feng", "Jiashi")],
        year=2022,
        date=dt.date(2022, 3, 7),
        arxiv_id="2111.11418",
        arxiv_version=3,
        doi="10.48550/arXiv.2111.11418",
        url="https://arxiv.org/abs/2111.11418",
        extra={"primaryclass": "cs.CV"},
        venue="CVPR 2022",
        comments="Accepted by CVPR 2022",
        tags=["vision", "transformers"],
        abstract="We show that $\\alpha$ matters.",
        notes=[Note("Read *this*."), Note("Second note")],
    )


def test_bibtex_writes_an_arxiv_record_as_misc_with_eprint_fields() -> None:
    text = write([arxiv_preprint()])
    assert text.startswith("@misc{feng2022metaformer,\n")
    assert field(text, "author") == "{Yu, Weihao and Feng, Jiashi}"
    assert field(text, "title") == "{{MetaFormer} Is Actually What You Need for Vision}"
    assert (field(text, "year"), field(text, "month")) == ("{2022}", "mar")
    assert field(text, "eprint") == "{2111.11418}"
    assert field(text, "archivePrefix") == "{arXiv}"
    assert field(text, "primaryClass") == "{cs.CV}"
    assert field(text, "doi") == "{10.48550/arXiv.2111.11418}"
    assert field(text, "note") == "{Accepted by CVPR 2022}"
    assert field(text, "keywords") == "{vision, transformers}"
    assert field(text, "abstract") == "{We show that \\$\\textbackslash{}alpha\\$ matters.}"
    for absent in ("annote", "date", "howpublished", "x-refman-venue"):
        assert f"  {absent} = " not in text


def test_biblatex_writes_an_arxiv_record_as_online_with_a_date() -> None:
    text = write_biblatex([arxiv_preprint()])
    assert text.startswith("@online{feng2022metaformer,\n")
    assert field(text, "date") == "{2022-03-07}"
    assert field(text, "eprinttype") == "{arxiv}"
    assert field(text, "eprintclass") == "{cs.CV}"
    for absent in ("year", "month", "archivePrefix", "primaryClass"):
        assert f"  {absent} = " not in text


def test_venue_goes_to_journal_booktitle_or_howpublished_by_type() -> None:
    article = Reference(entry_type="article", title="T", venue="Nature", year=2020)
    paper = Reference(entry_type="inproceedings", title="T", venue="CVPR 2021")
    misc = Reference(entry_type="preprint", title="T", venue="arXiv")
    assert field(write([article]), "journal") == "{Nature}"
    assert field(write_biblatex([article]), "journaltitle") == "{Nature}"
    assert field(write([paper]), "booktitle") == "{CVPR 2021}"
    assert field(write([misc]), "howpublished") == "{arXiv}"
    assert write([misc]).startswith("@misc{")


def test_options_control_notes_abstracts_and_refman_fields() -> None:
    ref = arxiv_preprint()
    plain = write([ref], abstracts=False)
    assert "abstract" not in plain
    assert "x-refman" not in plain
    full = write([ref], notes=True, lossless=True)
    assert "  annote = {Read *this*.\n\n{}\n\nSecond note},\n" in full  # a blank line kept
    assert field(full, "x-refman-entry-type") == "{preprint}"
    assert field(full, "x-refman-arxiv-version") == "{3}"
    assert field(full, "x-refman-venue") == "{CVPR 2022}"
    assert field(full, "date") == "{2022-03-07}"


def test_every_entry_gets_a_title_and_a_unique_valid_key() -> None:
    refs = [
        Reference(title="", abstract=""),
        Reference(title="B", citekey="a b,{c}", id=7),
        Reference(title="C", citekey="a b,{c}"),
        Reference(title="Provisional…", title_provisional=True),
    ]
    text = write(refs)
    heads = [line for line in text.splitlines() if line.startswith("@")]
    assert heads == ["@misc{ref1,", "@misc{abc,", "@misc{abc-1,", "@misc{ref4,"]
    assert "  title = {Untitled},\n" in text
    assert "  title = {Provisional{\\textellipsis}},\n" in text


def test_all_special_characters_are_escaped_and_read_back() -> None:
    title = "Cost & 100% of $5 #1 a_b {x} ~y ^z \\w"
    ref = Reference(entry_type="article", title=title, citekey="k")
    text = write([ref])
    assert field(text, "title") == (
        "{Cost \\& 100\\% of \\$5 \\#1 a\\_b \\{x\\} \\textasciitilde{}y "
        "\\textasciicircum{}z \\textbackslash{}w}"
    )
    assert one(text).title == title


def test_an_unbalanced_brace_is_escaped_so_the_entry_stays_balanced() -> None:
    ref = Reference(title="a } b {", citekey="k")
    text = write([ref])
    assert field(text, "title") == "{a \\textbraceright{} b \\textbraceleft{}}"
    assert one(text).title == "a } b {"


def test_urls_and_dois_are_written_verbatim_and_read_back_equal() -> None:
    url = "https://example.org/a_b/c?x=1&y=%20z#frag"
    ref = Reference(title="T", citekey="k", url=url, doi="10.1000/a_b%2", code_url=url)
    text = write([ref], lossless=True)
    assert field(text, "url") == "{" + url + "}"
    assert field(text, "doi") == "{10.1000/a_b%2}"
    assert field(text, "x-refman-code-url") == "{" + url + "}"
    back = one(text)
    assert (back.url, back.doi, back.code_url) == (url, "10.1000/a_b%2", url)


def test_unicode_names_become_latex_and_come_back() -> None:
    people = [
        Person("Müller", "Jérôme"),
        Person("Ødegaard", "Søren"),
        Person("Викторов", "Михаил"),
        Person("van den Berg", "Anna"),
        Person("Reagle, Jr.", "Joseph M."),
        Person("Barnes and Noble"),
        Person("World Health Organization"),
        Person("Doe, Inc", "X"),
        Person("others"),
    ]
    ref = Reference(title="T", citekey="k", authors=people)
    text = write([ref])
    assert field(text, "author") == (
        "{M{\\\"u}ller, J{\\'e}r{\\^o}me and {\\O}degaard, S{\\o}ren and "
        "{\\CYRV}{\\cyri}{\\cyrk}{\\cyrt}{\\cyro}{\\cyrr}{\\cyro}{\\cyrv}, "
        "{\\CYRM}{\\cyri}{\\cyrh}{\\cyra}{\\cyri}{\\cyrl} and van den Berg, Anna and "
        "Reagle, Jr., Joseph M. and {Barnes and Noble} and {World Health Organization} and "
        "{Doe, Inc}, X and others}"
    )
    back = one(text)
    assert [(p.family, p.given) for p in back.authors] == [(p.family, p.given) for p in people]


def test_acronyms_and_proper_nouns_in_titles_are_protected() -> None:
    ref = Reference(title="A GAN on ImageNet: MetaFormer in 3D, not Vision", citekey="k")
    assert field(write([ref]), "title") == (
        "{A {GAN} on {ImageNet}: {MetaFormer} in {3D}, not Vision}"
    )


def test_pages_are_written_with_double_hyphens_never_textendash() -> None:
    for pages in ("12-19", "12\u201319", "12--19"):
        text = write([Reference(title="T", citekey="k", pages=pages)])
        assert field(text, "pages") == "{12--19}"
        assert "textendash" not in text


def test_dashes_and_hyphens_survive_both_ways() -> None:
    title = "A \u2013 B \u2014 C -- D - E-\u2013F"
    text = write([Reference(title=title, citekey="k")])
    assert field(text, "title") == "{A -- B --- C -{}- D - E-{}--F}"
    assert one(text).title == title


def test_multi_line_comments_and_notes_round_trip() -> None:
    ref = Reference(
        title="T",
        citekey="k",
        comments="9 pages\nAccepted by CVPR",
        notes=[Note("# Heading\n\n- item\n  - nested\n@article{not an entry}")],
    )
    back = round_trip(ref)
    assert back.comments == ref.comments
    assert [note.text for note in back.notes] == [ref.notes[0].text]


@pytest.mark.parametrize("biblatex", [False, True])
def test_lossless_keeps_what_only_refman_knows(biblatex: bool) -> None:
    ref = arxiv_preprint()
    ref.title_provisional = True
    ref.page_count, ref.figure_count = 9, 6
    ref.code_url = "https://github.com/a/b"
    ref.journal_ref = "CVPR 2022"
    ref.extra["month"] = "3"  # consistent with the date: not kept twice
    back = round_trip(ref, biblatex=biblatex)
    expected = {**ref.extra}
    del expected["month"]
    assert back.extra == expected
    for name in (
        "entry_type",
        "title",
        "title_provisional",
        "year",
        "date",
        "venue",
        "journal_ref",
        "arxiv_id",
        "arxiv_version",
        "doi",
        "url",
        "code_url",
        "comments",
        "page_count",
        "figure_count",
        "abstract",
    ):
        assert getattr(back, name) == getattr(ref, name), name


@pytest.mark.parametrize("biblatex", [False, True])
@pytest.mark.parametrize(
    ("year", "date", "extra"),
    [
        (2020, None, {"month": "2"}),
        (2020, None, {"month": "Spring"}),
        (1979, dt.date(1979, 1, 2), {"date": "1979-01-02/1980-04-08"}),
        (1973, None, {"year": "1973b"}),
        (2012, dt.date(2012, 5, 14), {}),
        (None, None, {}),
    ],
)
def test_dates_round_trip(
    biblatex: bool, year: int | None, date: dt.date | None, extra: dict[str, str]
) -> None:
    ref = Reference(title="T", citekey="k", year=year, date=date, extra=dict(extra))
    back = round_trip(ref, biblatex=biblatex)
    assert (back.year, back.date, back.extra) == (year, date, extra)


TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cc", "Cs")),
        st.sampled_from("&%$#_{}~^\\-`'\n\t @–—“”\xa0éДø"),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_survives_encoding_and_decoding(text: str) -> None:
    for encoded in (bibtex.encode_latex(text), bibtex.encode_title(text)):
        entry = f"@misc{{k,\n  note = {{{encoded}}},\n}}\n"
        if text:
            assert one(entry).comments == text


CORPUS = Path(__file__).parents[2] / "data" / "corpus" / "bibtex"


def corpus_values() -> list[str]:
    """Every field value of the corpus files, macros expanded (as the reader sees them)."""
    from refman.formats.text_decoding import decode

    values = []
    for path in sorted(CORPUS.glob("*.bib")):
        library = bibtex._library(decode(path.read_bytes(), str(path)))
        for entry in library.entries:
            for item in entry.fields:
                try:
                    values.append(bibtex._evaluate(item.value.strip(), {}))
                except ValueError:
                    continue  # a macro concatenation this test does not resolve
    return values


def test_the_fast_latex_paths_decode_as_pylatexenc_does() -> None:
    samples = [
        "a \\emph{b} c",
        "{\\sc ObsAtk} x",
        "$x^2$ costs \\$5",
        "{\\'{E}}douard Laid{\\'e} \\c{c} \\\"o",
        "{\\noopsort{1973b}}1973",
        "$96.53\\%$ vs. 50\\%",
        "A -- B --- C ``q'' ~ {x}",
    ]
    samples += [bibtex.encode_latex(text) for text in ("Müller & Sons 100%", "a\\b_c {d}")]
    checked = 0
    for value in [*corpus_values(), *samples]:
        value = bibtex._layout(value)  # noqa: PLW2901
        fast = bibtex._common_latex(value)
        if fast is not None:
            assert fast == bibtex._latex_to_text.__wrapped__(value), value
            checked += 1
    assert checked > 1000


def test_an_entry_type_that_is_not_an_identifier_is_written_as_misc() -> None:
    text = write([Reference(entry_type="Journal Article", title="T", citekey="k")], lossless=True)
    assert text.startswith("@misc{k,\n")
    assert one(text).entry_type == "Journal Article"
