"""Property tests for RIS: the reader only ever refuses with a FormatError, and a lossless
export reads back as exactly the references written, whatever their text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain import Note, Person, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.formats import ris
from refman.formats.base import FormatError, WriteOptions, write_text
from tests.unit.formats.support import lines

SETTINGS = settings(max_examples=300, deadline=None)

FRAGMENTS = [
    "TY  - JOUR\n",
    "TY  - \n",
    "ER  - \n",
    "ER  -\n",
    "ER then text\n",
    "AU  - Smith, J.\n",
    "AU  - \n",
    "PY  - 2012///\n",
    "DA  - 2021/02/30\n",
    "DA  - May 2009\n",
    "SP  - 1\nEP  - 2\n",
    "SN  - 1234-567X\n",
    "AN  - arXiv:2106.16128v2\n",
    "UR  - https://arxiv.org/abs/2113.00001\n",
    "N1  - note\n",
    "      indented\n",
    "C8  - refman.year: 3\n",
    "C8  - refman.date: 2021-02-30\n",
    'C8  - refman.authors: [["a", "b"]]\n',
    'C8  - refman.authors: ["ab"]\n',
    "C8  - refman.tags: {}\n",
    'C8  - refman.title: "unterminated\n',
    "C8  - refman.\n",
    "Provider: JSTOR\n",
    "\n",
    "\ufeff",
    " ",
    "-",
]
documents = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map(
    "".join
)


@SETTINGS
@given(documents)
def test_the_reader_accepts_or_refuses_with_a_line(text: str) -> None:
    result = attempt(text)
    if isinstance(result, FormatError):
        assert result.source == "doc.ris"
        assert result.line is None or 1 <= result.line <= text.count("\n") + 1
    else:
        assert all(ref.title for ref in result)
        assert all(ref.provenance[0].raw.startswith("TY  - ") for ref in result)


def attempt(text: str) -> list[Reference] | FormatError:
    """The references read from ``text``, or the FormatError refusing it."""
    try:
        return list(ris.read(lines(text), "doc.ris"))
    except FormatError as error:
        return error


# Text as a decoded file can hold it: no control characters but tab and line feed (the
# decoder refuses the others, and turns CR into LF), no lone surrogates.
text = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
        st.sampled_from(["\n", "\t", "  ", '"', "\\", "ER  - ", "TY  - JOUR", "refman.x: y"]),
    ),
    max_size=5,
).map("".join)
EXTRA_KEYS = ["editor", "month", "isbn", "issn", "address", "shortjournal", "type", "note"]
references = st.builds(
    Reference,
    entry_type=st.one_of(st.sampled_from(["article", "preprint", "book", "misc"]), text),
    title=text,
    title_provisional=st.booleans(),
    abstract=text,
    year=st.none() | st.integers(0, 9999),
    date=st.none() | st.dates(dt.date(1000, 1, 1), dt.date(2999, 12, 31)),
    venue=text,
    journal_ref=text,
    arxiv_id=st.one_of(st.sampled_from(["", "2106.16128", "hep-th/9901001"]), text),
    arxiv_version=st.none() | st.integers(1, 99),
    doi=st.one_of(st.just("10.48550/arXiv.2106.16128"), text),
    url=text,
    code_url=text,
    comments=text,
    page_count=st.none() | st.integers(0, 10_000),
    figure_count=st.none() | st.integers(0, 10_000),
    citekey=text,
    volume=text,
    issue=text,
    pages=st.one_of(st.sampled_from(["12--19", "12-19", "e1234"]), text),
    publisher=text,
    extra=st.dictionaries(
        st.one_of(st.sampled_from(EXTRA_KEYS), st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
        text.filter(bool),
        max_size=4,
    ),
    authors=st.lists(st.builds(Person, text, text), max_size=3),
    tags=st.lists(text, max_size=3),
    notes=st.lists(st.builds(Note, text), max_size=2),
)


@SETTINGS
@given(references, st.booleans())
def test_lossless_export_reads_back_exactly(ref: Reference, abstracts: bool) -> None:
    options = WriteOptions(notes=True, abstracts=abstracts, lossless=True)
    written = write_text(ris.FORMAT, [ref], options)
    (back,) = ris.read(lines(written), "export.ris")
    for name in REFERENCE_FIELDS:
        if name == "abstract" and not abstracts:
            continue
        assert getattr(back, name) == getattr(ref, name), name
    assert back.authors == ref.authors
    assert back.tags == ref.tags
    assert [n.text for n in back.notes] == [n.text for n in ref.notes]
    assert back.title or not ref.title  # never an empty TI line
    assert "\r" not in written
    assert all(line.endswith("\n") for line in lines(written))
