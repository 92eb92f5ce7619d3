"""Property tests: the readers never crash, and structure never leaks into an abstract."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from refman.domain import Reference
from refman.formats import arxiv_listing
from refman.formats.base import FormatError
from refman.formats.enrichment import (
    code_url,
    find_venue,
    page_and_figure_counts,
    provisional_title,
)
from refman.formats.text_decoding import decode
from tests.unit.formats.support import lines, listing, profile

SETTINGS = settings(max_examples=300, deadline=None)

IDENTIFIER_LINE = re.compile(
    r"\s*arxiv:\s*(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
    r"(?:\s*$|\s+-\s)",
    re.IGNORECASE,
)

# Pieces of listings, profile pages and traps, shuffled into "almost valid" documents.
FRAGMENTS = [
    "arXiv:2106.16128",
    "arXiv:2106.16128v2",
    "arXiv:hep-th/9901001",
    "arXiv:2113.00001",
    "arxiv: 1412.6980",
    " - IJCAI2021",
    " - IEEE Transactions on Pattern Analysis and Machine Intelligence (T-PAMI) 2021",
    "Created: 2021-06-30",
    "Created: 2021-02-30",
    "Created:",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "\t",
    "-",
    "In this paper, we propose a novel Dual Reweighting Domain Generalization (DRDG) framework.",
    "A novel pruning method, termed CLR-RNF, is proposed.",
    "Accepted by CVPR2021",
    "9 pages, 6 figures",
    "Code: https://github.com/a/b.",
    "\\url{https://github.com/x/y}",
    "arXiv admin note: overlap with arXiv:1911.10862",
    "Researcher profile",
    "Jiashi Feng",
    "preprint2023arXiv",
    "article2021CVPR",
    "(",
    ")",
    "é",
    "…",
]
documents = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map(
    "".join
)
any_text = st.one_of(st.text(), documents)


def error_is_sound(error: FormatError, source: str) -> bool:
    return error.source == source and (error.line is None or error.line >= 1)


def attempt(read: Callable[[str], list[Reference]], text: str) -> list[Reference] | FormatError:
    """What ``read`` gives for ``text``: references, or the FormatError it raised."""
    try:
        return read(text)
    except FormatError as error:
        return error


def listing_references_are_sound(text: str) -> None:
    references = attempt(listing, text)
    if isinstance(references, FormatError):
        assert error_is_sound(references, "test.txt")
        return
    for ref in references:
        assert ref.arxiv_id
        assert ref.abstract.strip()
        assert ref.title.strip()
        assert ref.title_provisional
        assert "\n" not in ref.abstract
        assert "\n" not in ref.journal_ref
        assert not IDENTIFIER_LINE.match(ref.abstract)
        assert not ref.abstract.lstrip().startswith("Created:")
        assert ref.provenance[0].line >= 1
        assert ref.abstract.split()[0] in ref.provenance[0].raw


@SETTINGS
@given(any_text)
def test_listing_reader_never_crashes(text: str) -> None:
    listing_references_are_sound(text)


@SETTINGS
@given(any_text)
def test_listing_reader_never_crashes_on_crlf_lines(text: str) -> None:
    with contextlib.suppress(FormatError):
        list(arxiv_listing.read(text.splitlines(keepends=True), "test.txt"))


@SETTINGS
@given(any_text)
def test_profile_reader_never_crashes(text: str) -> None:
    for page in (text, f"Researcher profile\n\nAda Example\n\n{text}"):
        works = attempt(profile, page)
        if isinstance(works, FormatError):
            assert error_is_sound(works, "test.txt")
            continue
        for work in works:
            assert work.title.strip()
            assert work.authors


@SETTINGS
@given(st.binary(max_size=300))
def test_decode_never_crashes(data: bytes) -> None:
    try:
        text = decode(data, "blob")
    except FormatError:
        return
    assert "\r" not in text
    assert text.strip()


PRINTABLE = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85\ufeff"
)


@SETTINGS
@given(st.text(PRINTABLE, min_size=1), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_decode_round_trips_unicode(text: str, codec: str) -> None:
    data = text.encode(codec)
    if not text.strip():
        return
    assert decode(data, "f.txt") == text


@SETTINGS
@given(any_text)
def test_enrichment_helpers_never_crash(text: str) -> None:
    title = provisional_title(text)
    assert title.strip()
    assert "\n" not in title or "\n" in text
    url = code_url(text, text)
    assert url == "" or url.startswith(("http://", "https://"))
    find_venue(text, text)
    pages, figures = page_and_figure_counts(text)
    assert pages is None or pages >= 0
    assert figures is None or figures >= 0


# ----------------------------------------------- generated listings parse back exactly

WORD_CHARS = string.ascii_letters + string.digits + ".,;:()'$%/-&é"
capitalised = st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True)
word = st.one_of(
    st.text(WORD_CHARS, min_size=1, max_size=10),
    st.sampled_from(["arXiv:2106.16128", "Created:", "-", "2021In", "(T-PAMI)", "IJCAI-21"]),
)
sentence = st.builds(
    lambda first, rest: " ".join([first, *rest]), capitalised, st.lists(word, max_size=15)
)
comment = sentence.filter(lambda text: not text.lower().startswith(("arxiv:", "created:")))
journal = st.from_regex(
    r"[A-Z][A-Za-z.]{1,10}( [A-Z][A-Za-z.]{1,10}){0,4} (19|20)[0-9][0-9]", fullmatch=True
)


@st.composite
def identifiers(draw: st.DrawFn) -> tuple[str, int | None]:
    if draw(st.booleans()):
        archive = draw(st.sampled_from(["hep-th", "math.GT", "cond-mat", "astro-ph"]))
        yy = draw(st.sampled_from(["91", "95", "99", "00", "06"]))
        identifier = f"{archive}/{yy}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 999)):03d}"
    else:
        yymm = draw(st.integers(7, 29)) * 100 + draw(st.integers(1, 12))
        width = 5 if yymm >= 1501 else 4
        number = draw(st.integers(1, 10**width - 1))
        identifier = f"{yymm:04d}.{number:0{width}d}"
    version = draw(st.none() | st.integers(1, 12))
    return identifier, version


@dataclass
class Record:
    abstract: str
    comments: list[str]
    identifier: str
    version: int | None
    journal: str | None
    created: dt.date | None

    @property
    def id_line(self) -> str:
        suffix = f"v{self.version}" if self.version else ""
        tail = f" - {self.journal}" if self.journal else ""
        return f"arXiv:{self.identifier}{suffix}{tail}"


@st.composite
def records(draw: st.DrawFn, with_dates: bool) -> Record:
    identifier, version = draw(identifiers())
    created = draw(st.none() | st.dates(dt.date(1991, 1, 1), dt.date(2030, 12, 31)))
    return Record(
        abstract=draw(sentence),
        comments=draw(st.lists(comment, max_size=3)),
        identifier=identifier,
        version=version,
        journal=draw(st.none() | journal),
        created=created if with_dates else None,
    )


def blank_line_form(items: list[Record]) -> str:
    parts = []
    for item in items:
        parts.append(f"{item.abstract}\n\n")
        parts.extend(f"{line}\n\n" for line in item.comments)
        parts.append(f"{item.id_line}\n")
        if item.created:
            parts.append(f"Created: {item.created.isoformat()}\n")
        parts.append("\n")
    return "".join(parts)


def compact_form(items: list[Record]) -> str:
    text = ""
    for item in items:
        text += "\n".join([item.abstract, *item.comments, item.id_line])
    return text


def expected(item: Record) -> tuple[object, ...]:
    return (
        item.identifier,
        item.version,
        item.abstract,
        "\n".join(item.comments),
        item.journal or "",
        item.created,
    )


def parsed(text: str, crlf: bool) -> list[tuple[object, ...]]:
    given_lines = text.replace("\n", "\r\n").splitlines(keepends=True) if crlf else lines(text)
    return [
        (ref.arxiv_id, ref.arxiv_version, ref.abstract, ref.comments, ref.journal_ref, ref.date)
        for ref in arxiv_listing.read(given_lines, "gen.txt")
    ]


@SETTINGS
@given(st.lists(records(with_dates=True), min_size=1, max_size=6), st.booleans())
def test_blank_line_listings_parse_back_exactly(items: list[Record], crlf: bool) -> None:
    text = blank_line_form(items)
    assert parsed(text, crlf) == [expected(item) for item in items]
    listing_references_are_sound(text)


@SETTINGS
@given(st.lists(records(with_dates=False), min_size=1, max_size=6), st.booleans())
def test_compact_listings_parse_back_exactly(items: list[Record], crlf: bool) -> None:
    text = compact_form(items)
    assert parsed(text, crlf) == [expected(item) for item in items]
    listing_references_are_sound(text)


# ------------------------------------------------- generated profiles parse back exactly

title = st.builds(
    lambda first, rest: " ".join([first, *rest]), capitalised, st.lists(word, max_size=8)
)


@st.composite
def works(draw: st.DrawFn) -> tuple[str, int, str, str, list[str]]:
    kind = draw(st.sampled_from(["preprint", "article", "conference", "thesis", "dataset"]))
    return (
        kind,
        draw(st.integers(1990, 2029)),
        draw(st.sampled_from(["arXiv", "CVPR", "Nature", ""])),
        draw(title),
        draw(st.lists(sentence, max_size=2)),
    )


@SETTINGS
@given(st.lists(works(), min_size=1, max_size=6))
def test_profiles_parse_back_exactly(items: list[tuple[str, int, str, str, list[str]]]) -> None:
    page = "Researcher profile\n\nAda Example\n\nTrust snapshot\n\n3 published item(s)\n\n"
    for kind, year, venue, work_title, abstract in items:
        page += f"{kind}{year}{venue}\n\n{work_title}\n\n" + "".join(f"{p}\n\n" for p in abstract)
    references = profile(page)
    assert [(ref.year, ref.title, ref.abstract) for ref in references] == [
        (year, work_title, "\n\n".join(abstract)) for _, year, _, work_title, abstract in items
    ]
    for ref in references:
        assert not re.search(r"(?m)^[a-z][a-z-]+(19|20)\d\d", ref.abstract)
