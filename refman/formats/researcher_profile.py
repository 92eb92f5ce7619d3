"""Researcher profile pages (seed 002): one researcher and the works listed under them.

The page is plain text in paragraphs separated by blank lines::

    Researcher profile
                                    (blank line)
    Jiashi Feng                     <- the researcher, author of every work
    ... page chrome (trust snapshot, actions, "47 published item(s)") ...
    preprint2023arXiv               <- <type><year><venue>
    CMAE-V: Contrastive Masked ...  <- title
    Contrastive Masked Autoencoder  <- abstract (every paragraph up to the next work)

Everything before the first ``<type><year><venue>`` line is chrome and skipped. A type
line is a paragraph of one line: a lowercase type word, a year (1500-2099) glued on, and
an optional venue glued on after it. The type word maps to an entry type (``preprint``,
``article``/``journal`` -> article, ``conference``/``proceedings`` -> inproceedings,
``book``, ``chapter`` -> incollection, ``thesis`` -> phdthesis, ``report`` -> techreport,
anything else -> misc). Known conference venues gain the year ("CVPR" + 2021 -> "CVPR
2021"); other venues ("arXiv") are kept as written.

Parse errors: no "Researcher profile" heading, no name after it, no works, a work without
a title. The reader streams: each work is yielded when the next one starts (or at the end).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from refman.domain import Person, Provenance, Reference
from refman.formats.base import Format, FormatError, register
from refman.formats.enrichment import code_url, profile_venue

__all__ = ["FORMAT", "NAME", "read", "sniff"]

NAME = "researcher-profile"

_HEADING = re.compile(r"\s*Researcher profile[ \t]*(?:\n|$)", re.IGNORECASE)
_WORK = re.compile(r"([a-z][a-z-]{1,29})((?:1[5-9]|20)[0-9][0-9])(\S(?:[^\n]{0,200}\S)?)?")
_NAME = re.compile(r"[^0-9\n@:/]{2,100}")

_ENTRY_TYPES = {
    "preprint": "preprint",
    "article": "article",
    "journal": "article",
    "journal-article": "article",
    "conference": "inproceedings",
    "conference-paper": "inproceedings",
    "inproceedings": "inproceedings",
    "proceedings": "inproceedings",
    "paper": "inproceedings",
    "book": "book",
    "chapter": "incollection",
    "book-chapter": "incollection",
    "incollection": "incollection",
    "thesis": "phdthesis",
    "phdthesis": "phdthesis",
    "dissertation": "phdthesis",
    "mastersthesis": "mastersthesis",
    "report": "techreport",
    "techreport": "techreport",
}


def sniff(head: str) -> bool:
    """Whether ``head`` is the start of a profile page: a "Researcher profile" heading."""
    return _HEADING.match(head) is not None


@dataclass(slots=True)
class _Paragraph:
    """Consecutive non-blank lines: their number, stripped text and raw lines."""

    line: int
    texts: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)  # the blank lines above it

    @property
    def text(self) -> str:
        return " ".join(self.texts)


@dataclass(slots=True)
class _Work:
    """A work being read: its ``<type><year><venue>`` line, title and abstract paragraphs."""

    heading: _Paragraph
    match: re.Match[str]
    title: _Paragraph | None = None
    abstract: list[_Paragraph] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


def _paragraphs(lines: Iterable[str]) -> Iterator[_Paragraph]:
    current: _Paragraph | None = None
    texts: list[str] = []  # the current paragraph's
    raw: list[str] = []
    gap: list[str] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            if current is not None:
                gap.append(line)
            continue
        if current is not None and gap:
            yield current
            current = None
        if current is None:
            texts, raw = [text], [line]
            current = _Paragraph(number, texts, raw, gap)
            gap = []
        else:
            texts.append(text)
            raw.append(line)
    if current is not None:
        yield current


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The works of a profile page given as lines, each authored by its researcher."""
    paragraphs = _paragraphs(lines)
    heading = next(paragraphs, None)
    if heading is None:
        raise FormatError(source, None, "the profile page is empty")
    if heading.texts[0].lower() != "researcher profile":
        raise FormatError(
            source,
            heading.line,
            'not a researcher profile: it does not start with "Researcher profile"',
        )
    if len(heading.texts) > 1:
        name_paragraph: _Paragraph | None = _Paragraph(heading.line + 1, heading.texts[1:2])
    else:
        name_paragraph = next(paragraphs, None)
    if (
        name_paragraph is None
        or len(name_paragraph.texts) != 1
        or not _NAME.fullmatch(name_paragraph.texts[0])
    ):
        where = name_paragraph.line if name_paragraph is not None else heading.line
        raise FormatError(source, where, "cannot find the researcher's name after the heading")
    person = Person.from_display_name(name_paragraph.texts[0])
    work: _Work | None = None
    count = 0
    for paragraph in paragraphs:
        match = _WORK.fullmatch(paragraph.texts[0]) if len(paragraph.texts) == 1 else None
        if match is not None:
            if work is not None:
                yield _reference(work, person, source)
                count += 1
            work = _Work(paragraph, match, raw=list(paragraph.raw))
        elif work is None:
            continue  # page chrome before the first work
        elif work.title is None:
            work.title = paragraph
            work.raw.extend(paragraph.before)
            work.raw.extend(paragraph.raw)
        else:
            work.abstract.append(paragraph)
            work.raw.extend(paragraph.before)
            work.raw.extend(paragraph.raw)
    if work is not None:
        yield _reference(work, person, source)
        count += 1
    if not count:
        raise FormatError(source, None, "the profile page lists no works")


def _reference(work: _Work, person: Person, source: str) -> Reference:
    if work.title is None:
        raise FormatError(
            source, work.heading.line, f"the work {work.heading.texts[0]!r} has no title"
        )
    kind, year_text, venue_label = work.match.groups()
    year = int(year_text)
    abstract = "\n\n".join([paragraph.text for paragraph in work.abstract])
    return Reference(
        entry_type=_ENTRY_TYPES.get(kind, "misc"),
        title=work.title.text,
        abstract=abstract,
        year=year,
        venue=profile_venue(venue_label or "", year),
        code_url=code_url(abstract),
        authors=[Person(person.family, person.given)],
        provenance=[Provenance(source, work.heading.line, NAME, "".join(work.raw).rstrip())],
    )


FORMAT = register(
    Format(name=NAME, label="Researcher profile page", extensions=(".txt",), sniff=sniff, read=read)
)
