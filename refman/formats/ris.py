"""RIS: the tagged format of reference managers and publishers' exports (EndNote, Zotero,
Mendeley, Scopus, CAS SciFinder, ...).

A record is a run of tag lines ``XY  - value`` (two capitals or a capital and a digit,
two spaces, a hyphen, a space), opened by ``TY  - <type>`` and closed by ``ER  -``::

    TY  - JOUR
    TI  - A transversely isotropic composite ...
    AU  - Federico, S.
    PY  - 2004
    ER  -

Reading rules (each tested in ``tests/unit/formats/test_ris.py``):

* A line that is not a tag line continues the value above it: wrapped abstracts, and
  ``ER then second line`` (not a tag line: no ``"  -"`` after the first two characters).
  Continuation lines of prose fields are joined with spaces (a blank line in between
  makes a paragraph break, ``"\\n\\n"``); those of notes (``N1``) keep their lines, less
  up to six leading spaces of indentation, so Markdown notes survive. Trailing whitespace
  of every line is dropped.
* Blank lines between records are ignored. Before the first record, up to ten header
  lines of the form ``Name: value`` are skipped (JSTOR and ProQuest exports start with
  ``Provider: ...``, ``Database: ...``, ``Content: ...``). Anything else outside a record
  is refused.
* Errors (:class:`FormatError` naming the 1-based line): text outside a record; a tag
  other than ``TY`` outside a record; a ``TY`` line inside a record (the record above
  has no ``ER``); a record without ``ER`` at the end of the file (named by its ``TY``
  line); a ``TY`` line without a type; a file without records; a malformed refman field.
* Types: JOUR (and JFULL, EJOUR, MGZN, NEWS, INPR) -> article, CONF/CPAPER ->
  inproceedings, BOOK/EBOOK/EDBOOK -> book, CHAP/ECHAP -> incollection, THES ->
  phdthesis (mastersthesis when ``M3`` says "master"), RPRT -> techreport, UNPB/MANSCPT
  -> unpublished, anything else (GEN, ELEC, ...) -> misc. A type written out ("Journal
  Article", rispy's labels) is understood too.
* Fields: TI/T1 (else BT for a book, CT, ST) -> title; a record without any gets a
  provisional title from its abstract. AU/A1 -> authors ("Family, Given"); A2/ED ->
  ``extra["editor"]`` (" and "-joined); AB/N2 -> abstract; JF/JO/T2/JA/J2 (BT for a
  chapter) -> venue, the first present, and an abbreviation not used as venue ->
  ``extra["shortjournal"]``; VL (or VO), IS, SP/EP -> pages "SP--EP"; PB; SN -> isbn or
  issn by its shape; DO (a doi.org URL or "doi:" prefix removed); UR (the first) -> url;
  KW -> tags; N1 -> notes; ID -> citekey; PY/Y1/DA -> year, date (a full date) or
  ``extra["month"]`` (a month without a day); AD -> affiliation, CY -> address, LA ->
  language, ET -> edition, T3 -> series, ST -> shorttitle, NV -> volumes, M3 -> type,
  Y2 -> urldate. Other tags are not read (the raw record is kept in the provenance).
* arXiv: ``AN  - arXiv:<id>[vN]`` (what the writer writes), else an arxiv.org/abs URL in
  UR, else a 10.48550/arXiv.<id> DOI gives arxiv_id and arxiv_version.

Writing: TY, ID, TI, AU (one per author), A2 (editors), PY, DA (YYYY/MM/DD), AB (with
``options.abstracts``), JO (an article's venue) or T2 (others'), J2, VL, IS, SP/EP, PB,
CY, SN, ET, T3, ST, LA, AD, M3, NV, Y2, DO, UR (the url, else the arXiv abstract page),
AN (``arXiv:<id>[vN]``), KW (one per tag), N1 (one per note, with ``options.notes``),
ER, and a blank line. Prose values are written on one line (whitespace collapsed); notes
keep their lines as continuation lines indented by six spaces (so no line of a note can
pass for a tag). A provisional title is written as it is.

Lossless (``options.lossless``): the record written so far is read back, and every field
that did not survive exactly (the provisional flag, preprint type, comments, journal
reference, code URL, counts, an unmappable extra field, a name with a comma, a note
ending in a line break, ...) is added as ``C8  - refman.<field>: <value>`` (also
``refman.extra.<key>``, and ``refman.authors``, ``refman.tags``, ``refman.notes`` as JSON
lists); the reader applies those last. So a library exported and imported again is the
same library by construction, while other tools see an ordinary record plus a custom
field. A value is written plain when it reads back as it is (one line, no surrounding or
doubled spaces), else as a JSON string; an empty value means empty (None for numbers, a
removed extra field).

Why not rispy's parser: it gives no line numbers, silently skips text outside records and
drops a record without ``ER`` at the end of a file, reads a file with a BOM as empty, and
turns each continuation line of a list tag (``N1``) into a separate item. This reader
makes one pass over the lines (about 0.3 s for 10,000 records) and streams; it uses
rispy's table of type names. The writer is plain text for the same control over lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any, Final

import rispy

from refman.domain import Note, Person, Provenance, Reference
from refman.domain.model import REFERENCE_FIELDS
from refman.formats.arxiv_listing import parse_arxiv_id
from refman.formats.base import MONTHS, Format, FormatError, WriteOptions, register
from refman.formats.enrichment import provisional_title

__all__ = ["FORMAT", "NAME", "read", "sniff", "write"]

NAME = "ris"

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAGS: Final = frozenset(a + b for a in _UPPER for b in _UPPER + "0123456789")
"""Every well-formed tag: a capital, then a capital or a digit."""

_MAX_PREAMBLE = 10
_HEADER = re.compile(r"[A-Za-z][A-Za-z ]{0,30}:")
"""A header line before the first record ("Provider: JSTOR http://www.jstor.org")."""
_TY_LINE = re.compile(r"TY  - *\S")

_VERBATIM: Final = frozenset({"N1"})
"""Tags whose continuation lines keep their line structure (notes)."""
_INDENT = "      "
"""Continuation lines are written indented to the value column; up to this much leading
space is removed when they are read."""

_READ_TYPES: Final = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "INPR": "article",
    "CONF": "inproceedings",
    "CPAPER": "inproceedings",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "THES": "phdthesis",
    "RPRT": "techreport",
    "UNPB": "unpublished",
    "MANSCPT": "unpublished",
}
_TYPE_LABELS: Final = {
    **{label.lower(): code for code, label in rispy.TYPE_OF_REFERENCE_MAPPING.items()},
    "journal article": "JOUR",
    "conference paper": "CPAPER",
    "conference proceedings": "CONF",
    "book section": "CHAP",
    "thesis": "THES",
    "report": "RPRT",
    "unpublished": "UNPB",
}
"""Types written out, as some exporters do ("Journal Article"): rispy's names and more."""

_WRITE_TYPES: Final = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "proceedings": "CONF",
    "book": "BOOK",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "thesis": "THES",
    "techreport": "RPRT",
    "report": "RPRT",
    "unpublished": "UNPB",
    "preprint": "UNPB",
    "online": "ELEC",
    "misc": "GEN",
}

_EXTRA_TAGS: Final = (
    # (extra key, tag written, tags read); a repeated tag's values are joined with "; "
    ("shortjournal", "J2", ()),  # read with the venue (JA/J2)
    ("address", "CY", ("CY",)),
    ("edition", "ET", ("ET",)),
    ("series", "T3", ("T3",)),
    ("shorttitle", "ST", ()),  # read with the title (a title of last resort)
    ("language", "LA", ("LA",)),
    ("affiliation", "AD", ("AD",)),
    ("type", "M3", ()),  # read apart: CAS puts the DOI there
    ("volumes", "NV", ("NV",)),
    ("urldate", "Y2", ("Y2",)),
)

_ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")
_DATE = re.compile(r"\s*(\d{4})(?:[/-](\d{0,2})(?:[/-](\d{0,2}))?)?")
_YEAR = re.compile(r"\b(1\d{3}|2\d{3})\b")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/abs/([^?#\s]+)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)
_MONTHS = MONTHS

_BOOLEAN_FIELDS: Final = frozenset({"title_provisional"})
_INT_FIELDS: Final = frozenset({"year", "arxiv_version", "page_count", "figure_count"})
_SCALAR_FIELDS: Final = tuple(name for name in REFERENCE_FIELDS if name != "extra")
_OVERRIDE = "refman."
_LIST_OVERRIDES: Final = frozenset({"authors", "tags", "notes"})


# ------------------------------------------------------------------------------ sniffing


def sniff(head: str) -> bool:
    """Whether ``head`` starts like RIS: its first line that is neither blank nor one of
    at most ten ``Name: value`` header lines is a ``TY  - <type>`` line."""
    headers = 0
    for line in head.lstrip("\ufeff").splitlines():
        if _TY_LINE.match(line):
            return True
        if not line.strip():
            continue
        if headers < _MAX_PREAMBLE and _HEADER.match(line) and not _is_tag_line(line):
            headers += 1
            continue
        return False
    return False


def _is_tag_line(line: str) -> bool:
    return line[2:5] == "  -" and line[:2] in _TAGS and (len(line) == 5 or line[5] in " \n")


# ------------------------------------------------------------------------------- reading


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The references of an RIS text given as lines (ends kept), in file order; each is
    yielded when its ``ER`` line is read. Raises :class:`FormatError` naming the line."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        raise FormatError(source, None, "no RIS records (no 'TY  - ' line)")
    if first.startswith("\ufeff"):
        first = first[1:]
    tags: list[str] = []
    values: list[str] = []
    numbers: list[int] = []
    more: dict[int, list[str]] = {}  # entry index -> its continuation lines
    raw: list[str] = []
    start = 0  # the line number of the open record's TY line; 0 outside a record
    records = 0
    preamble = 0
    tag_set = _TAGS
    for number, line in enumerate(chain((first,), iterator), start=1):
        if (
            line[2:5] == "  -"
            and line[:2] in tag_set
            and (len(line) == 5 or line[5] == " " or line[5] == "\n")
        ):
            tag = line[:2]
            if start:
                raw.append(line)
                if tag == "ER":
                    records += 1
                    yield _reference(
                        tags, values, numbers, more, source=source, start=start, raw="".join(raw)
                    )
                    tags, values, numbers, more, raw = [], [], [], {}, []
                    start = 0
                    continue
                if tag == "TY":
                    raise FormatError(
                        source,
                        number,
                        f"a new record starts (TY) before the record at line {start} is "
                        "closed by an 'ER  -' line",
                    )
                tags.append(tag)
                values.append(line[6:].rstrip())
                numbers.append(number)
                continue
            if tag != "TY":
                raise FormatError(
                    source,
                    number,
                    f"a {tag} line outside a record (a record starts with a 'TY  - ' line)",
                )
            value = line[6:].strip()
            if not value:
                raise FormatError(source, number, "a TY line without a reference type")
            start = number
            raw.append(line)
            tags.append(tag)
            values.append(value)
            numbers.append(number)
            continue
        if start:
            raw.append(line)
            more.setdefault(len(tags) - 1, []).append(line)
            continue
        if not line.strip():
            continue
        if not records and preamble < _MAX_PREAMBLE and _HEADER.match(line):
            preamble += 1
            continue
        text = line.strip()
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise FormatError(
            source,
            number,
            f"not an RIS tag line: {shown!r} (a record starts with 'TY  - ' and ends with 'ER  -')",
        )
    if start:
        raise FormatError(
            source, start, "the record starting here is not closed by an 'ER  -' line"
        )
    if not records:
        raise FormatError(source, None, "no RIS records (no 'TY  - ' line)")


def _join(tag: str, first: str, lines: list[str]) -> str:
    """A value with its continuation lines: verbatim tags keep their lines (up to six
    leading spaces of indentation removed), prose becomes paragraphs of joined lines."""
    if tag in _VERBATIM:
        kept = [first]
        for line in lines:
            text = line.rstrip()
            indent = len(text) - len(text.lstrip(" "))
            kept.append(text[min(indent, len(_INDENT)) :])
        while len(kept) > 1 and not kept[-1]:
            kept.pop()
        return "\n".join(kept)
    paragraphs: list[str] = []
    words = [first.strip()] if first.strip() else []
    for line in lines:
        text = line.strip()
        if text:
            words.append(text)
        elif words:
            paragraphs.append(" ".join(words))
            words = []
    if words:
        paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs)


def _reference(
    tags: list[str],
    values: list[str],
    numbers: list[int],
    more: dict[int, list[str]],
    *,
    source: str,
    start: int,
    raw: str,
) -> Reference:
    """The reference of one record's entries (the TY entry first)."""
    for index, lines in more.items():
        values[index] = _join(tags[index], values[index], lines)
    fields: dict[str, list[str]] = {}
    overrides: list[tuple[int, str]] = []
    for tag, value, number in zip(tags, values, numbers, strict=True):
        if tag == "C8":
            if value.startswith(_OVERRIDE):
                overrides.append((number, value))
            continue
        text = value if tag in _VERBATIM else value.strip()
        if not text.strip():
            continue
        found = fields.get(tag)
        if found is None:
            fields[tag] = [text]
        else:
            found.append(text)
    get = fields.get
    extra: dict[str, str] = {}

    code = values[0].strip()
    entry_type = _READ_TYPES.get(code.upper()) or _READ_TYPES.get(
        _TYPE_LABELS.get(code.lower(), ""), "misc"
    )
    kind = (get("M3") or [""])[0]
    if entry_type == "phdthesis" and "master" in kind.lower():
        entry_type = "mastersthesis"

    doi = _DOI_PREFIX.sub("", (get("DO") or [""])[0]).strip()
    if kind and kind != doi:
        extra["type"] = kind

    title = _first(fields, "TI", "T1", *(("BT",) if entry_type == "book" else ()), "CT")
    short_titles = get("ST")
    if short_titles:
        if title:
            extra["shorttitle"] = short_titles[0]
        else:
            title = short_titles[0]
    abstract = _first(fields, "AB", "N2")

    venue_tags = ("JF", "JO", "T2", "JA", "J2", *(("BT",) if entry_type == "incollection" else ()))
    venue = _first(fields, *venue_tags)
    short = next((v for v in (get("JA") or []) + (get("J2") or []) if v != venue), "")
    if short:
        extra["shortjournal"] = short

    editors = (get("A2") or []) + (get("ED") or [])
    if editors:
        extra["editor"] = " and ".join(editors)
    for key, _written, read_tags in _EXTRA_TAGS:
        for tag in read_tags:
            found = get(tag)
            if found:
                extra[key] = "; ".join(found)
                break
    for serial in get("SN") or ():
        key = _isbn_or_issn(serial, entry_type)
        extra[key] = f"{extra[key]}; {serial}" if key in extra else serial

    year, date, month = _year_and_date(fields)
    if month is not None and date is None:
        extra["month"] = str(month)

    arxiv_id, arxiv_version = _arxiv(fields, doi)

    start_page = _first(fields, "SP")
    end_page = _first(fields, "EP")
    pages = f"{start_page}--{end_page}" if start_page and end_page else start_page or end_page

    authors = [Person.from_display_name(name) for name in (get("AU") or []) + (get("A1") or [])]
    tags_seen: set[str] = set()
    keywords = []
    for keyword in get("KW") or ():
        name = " ".join(keyword.split())
        if name.casefold() not in tags_seen:
            tags_seen.add(name.casefold())
            keywords.append(name)

    provisional = not title
    if provisional:
        title = provisional_title(abstract, f"arXiv:{arxiv_id}" if arxiv_id else "Untitled")
    ref = Reference(
        entry_type=entry_type,
        title=title,
        title_provisional=provisional,
        abstract=abstract,
        year=year,
        date=date,
        venue=venue,
        arxiv_id=arxiv_id,
        arxiv_version=arxiv_version,
        doi=doi,
        url=_first(fields, "UR"),
        citekey=_first(fields, "ID"),
        volume=_first(fields, "VL", "VO"),
        issue=_first(fields, "IS"),
        pages=pages,
        publisher=_first(fields, "PB"),
        extra=extra,
        authors=authors,
        tags=keywords,
        notes=[Note(text) for text in get("N1") or ()],
        provenance=[Provenance(source, start, NAME, raw.rstrip())],
    )
    for number, text in overrides:
        _apply_override(ref, text, source, number)
    return ref


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    """The first value of the first of ``tags`` present."""
    for tag in tags:
        found = fields.get(tag)
        if found:
            return found[0]
    return ""


def _isbn_or_issn(number: str, entry_type: str) -> str:
    """Which of BibTeX's fields an ``SN`` value belongs in, by its shape (else by type)."""
    if _ISSN.fullmatch(number):
        return "issn"
    digits = sum(ch.isdigit() or ch in "Xx" for ch in number)
    if digits in (10, 13):
        return "isbn"
    return "isbn" if entry_type in ("book", "incollection") else "issn"


def _parse_date(text: str) -> tuple[int | None, int | None, int | None]:
    """Year, month and day of an RIS date ("2012///", "2009/05/12/", "2009-05-12",
    "May 2009"); each None when absent or implausible."""
    match = _DATE.match(text)
    if match is None:
        found = _YEAR.search(text)
        if found is None:
            return None, None, None
        year = int(found.group(1))
        words = re.findall(r"[A-Za-z]+", text)
        month = next((_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS), None)
        return year, month, None
    year = int(match.group(1))
    if not 1000 <= year <= 2999:
        return None, None, None
    month = int(match.group(2)) if match.group(2) else None
    if month is not None and not 1 <= month <= 12:
        return year, None, None
    day = int(match.group(3)) if match.group(3) and month is not None else None
    return year, month, day


def _year_and_date(
    fields: dict[str, list[str]],
) -> tuple[int | None, dt.date | None, int | None]:
    """The year (PY, else Y1, else DA), a full date (DA, else PY, else Y1) and a month
    (in the same order as the date; kept when there is no full date)."""
    parsed = {tag: _parse_date(text) for tag in ("DA", "PY", "Y1") if (text := _first(fields, tag))}
    year = next(
        (parsed[t][0] for t in ("PY", "Y1", "DA") if t in parsed and parsed[t][0] is not None),
        None,
    )
    date: dt.date | None = None
    month: int | None = None
    for y, m, d in parsed.values():  # DA, PY, Y1 (insertion order)
        if date is None and y is not None and m is not None and d is not None:
            with contextlib.suppress(ValueError):
                date = dt.date(y, m, d)
        if month is None and m is not None:
            month = m
    return year, date, month


def _arxiv(fields: dict[str, list[str]], doi: str) -> tuple[str, int | None]:
    """The arXiv identifier and version from ``AN  - arXiv:...``, an arXiv abstract URL or
    an arXiv DOI, in that order."""
    for number in fields.get("AN") or ():
        if number[:6].lower() == "arxiv:":
            parsed = parse_arxiv_id(number)
            if parsed is not None:
                return parsed.id, parsed.version
    for url in fields.get("UR") or ():
        match = _ARXIV_URL.search(url)
        if match is not None:
            parsed = parse_arxiv_id(match.group(1))
            if parsed is not None:
                return parsed.id, parsed.version
    match = _ARXIV_DOI.fullmatch(doi)
    if match is not None:
        parsed = parse_arxiv_id(match.group(1))
        if parsed is not None:
            return parsed.id, parsed.version
    return "", None


def _apply_override(ref: Reference, text: str, source: str, number: int) -> None:
    """Apply one ``C8  - refman.<field>: <value>`` line (see the module docstring)."""
    name, colon, value = text[len(_OVERRIDE) :].partition(":")
    name = name.strip()
    if not colon:
        raise FormatError(source, number, f"malformed refman field {text[:60]!r} (no ':')")
    if value.startswith(" "):
        value = value[1:]
    try:
        if name in _LIST_OVERRIDES:
            items = json.loads(value or "[]")
            if not isinstance(items, list):
                raise ValueError(value)
            if name == "authors":
                if not all(
                    isinstance(i, list) and len(i) == 2 and all(isinstance(n, str) for n in i)
                    for i in items
                ):
                    raise ValueError(value)
                ref.authors = [Person(family, given) for family, given in items]
                return
            if not all(isinstance(item, str) for item in items):
                raise ValueError(value)
            if name == "tags":
                ref.tags = list(items)
            else:
                ref.notes = [Note(text) for text in items]
            return
        if value.startswith('"'):
            value = json.loads(value)
            if not isinstance(value, str):
                raise ValueError(value)
        if name.startswith("extra."):
            key = name[len("extra.") :]
            if value:
                ref.extra[key] = value
            else:
                ref.extra.pop(key, None)
        elif name in _BOOLEAN_FIELDS:
            if value not in ("true", "false"):
                raise ValueError(value)
            setattr(ref, name, value == "true")
        elif name in _INT_FIELDS:
            setattr(ref, name, int(value) if value else None)
        elif name == "date":
            ref.date = dt.date.fromisoformat(value) if value else None
        elif name in _SCALAR_FIELDS:
            setattr(ref, name, value)
        # another name comes from a newer refman: ignored
    except ValueError:  # json.JSONDecodeError is one
        raise FormatError(
            source, number, f"malformed value for refman.{name}: {value[:60]!r}"
        ) from None


# ------------------------------------------------------------------------------- writing


def write(refs: Iterable[Reference], options: WriteOptions) -> Iterator[str]:
    """The RIS text of ``refs``: one chunk per reference, each ending with a blank line."""
    for ref in refs:
        entries = _entries(ref, options)
        if options.lossless:
            entries.extend(_overrides(ref, options, entries))
        entries.append(("ER", ""))
        yield _render(entries) + "\n"


def _render(entries: list[tuple[str, str]]) -> str:
    parts = []
    for tag, value in entries:
        if "\n" in value:
            first, *rest = value.split("\n")
            parts.append(f"{tag}  - {first}\n")
            parts.extend(f"{_INDENT}{line}\n" if line else "\n" for line in rest)
        else:
            parts.append(f"{tag}  - {value}\n")
    return "".join(parts)


def _line(text: str) -> str:
    """A prose value on one line."""
    return " ".join(text.split())


def _verbatim(text: str) -> str:
    """A multi-line value as written: LF line ends, trailing whitespace dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _person(person: Person) -> str:
    """ "Family, Given"; a family name with a space and no given name keeps a comma so
    that it is not split on reading."""
    family = _line(person.family)
    given = _line(person.given)
    if given:
        return f"{family}, {given}"
    return f"{family}," if " " in family else family


def _entries(ref: Reference, options: WriteOptions) -> list[tuple[str, str]]:
    """The (tag, value) lines of ``ref`` up to (not including) ``ER``."""
    entries = [("TY", _WRITE_TYPES.get(ref.entry_type, "GEN"))]
    add = entries.append
    if ref.citekey:
        add(("ID", _line(ref.citekey)))
    title = _line(ref.title) or provisional_title(
        ref.abstract, f"arXiv:{ref.arxiv_id}" if ref.arxiv_id else "Untitled"
    )
    add(("TI", title))
    entries.extend(("AU", _person(person)) for person in ref.authors)
    extra = ref.extra
    editors = _line(extra.get("editor", ""))
    if editors:
        entries.extend(("A2", name) for name in editors.split(" and ") if name)
    if ref.year is not None:
        add(("PY", str(ref.year)))
    month = _month(extra.get("month", ""))
    if ref.date is not None:
        date = ref.date
        add(("DA", f"{date.year:04d}/{date.month:02d}/{date.day:02d}"))
    elif ref.year is not None and month is not None:
        add(("DA", f"{ref.year:04d}/{month:02d}"))
    if options.abstracts and ref.abstract.strip():
        add(("AB", _line(ref.abstract)))
    if ref.venue:
        add(("JO" if ref.entry_type == "article" else "T2", _line(ref.venue)))
    for tag, value in (("VL", ref.volume), ("IS", ref.issue)):
        if value:
            add((tag, _line(value)))
    if ref.pages:
        start_page, end_page = _split_pages(_line(ref.pages))
        add(("SP", start_page))
        if end_page:
            add(("EP", end_page))
    if ref.publisher:
        add(("PB", _line(ref.publisher)))
    for key, tag, _read_tags in _EXTRA_TAGS:
        value = _line(extra.get(key, ""))
        if value:
            add((tag, value))
    for key in ("isbn", "issn"):
        entries.extend(("SN", n) for n in _line(extra.get(key, "")).split("; ") if n)
    if ref.doi:
        add(("DO", _line(ref.doi)))
    url = ref.url or (f"https://arxiv.org/abs/{ref.arxiv_id}" if ref.arxiv_id else "")
    if url:
        add(("UR", _line(url)))
    if ref.arxiv_id:
        version = f"v{ref.arxiv_version}" if ref.arxiv_version else ""
        add(("AN", f"arXiv:{ref.arxiv_id}{version}"))
    entries.extend(("KW", _line(tag)) for tag in ref.tags if tag.strip())
    if options.notes:
        for note in ref.notes:
            text = _verbatim(note.text)
            if text.strip():
                add(("N1", text))
    return entries


def _month(text: str) -> int | None:
    text = text.strip().lower().rstrip(".")
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(text)


def _split_pages(pages: str) -> tuple[str, str]:
    """ "12--19", "12-19", "12–19" -> ("12", "19"); anything else is a start page."""
    for dash in ("--", "–", "-"):
        first, sep, last = pages.partition(dash)
        if sep and first.strip() and last.strip() and dash not in last:
            return first.strip(), last.strip()
    return pages, ""


def _overrides(
    ref: Reference, options: WriteOptions, entries: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``C8`` lines for what ``entries`` do not carry back exactly (see the module
    docstring): the record is read back and compared field by field."""
    text = _render([*entries, ("ER", "")])
    back = next(read(text.split("\n"), "<lossless check>"))
    found: list[tuple[str, str]] = []
    for name in _SCALAR_FIELDS:
        if name == "abstract" and not options.abstracts:
            continue
        mine = getattr(ref, name)
        if mine != getattr(back, name):
            found.append(("C8", f"{_OVERRIDE}{name}: {_encode(mine)}"))
    for key in sorted(ref.extra.keys() | back.extra.keys()):
        value = ref.extra.get(key, "")
        if value != back.extra.get(key, ""):
            found.append(("C8", f"{_OVERRIDE}extra.{key}: {_encode(value)}"))
    lists: list[tuple[str, list[Any], list[Any]]] = [
        (
            "authors",
            [[p.family, p.given] for p in ref.authors],
            [[p.family, p.given] for p in back.authors],
        ),
        ("tags", list(ref.tags), back.tags),
    ]
    if options.notes:
        lists.append(("notes", [n.text for n in ref.notes], [n.text for n in back.notes]))
    for name, mine_items, their_items in lists:
        if mine_items != their_items:
            found.append(("C8", f"{_OVERRIDE}{name}: {_json(mine_items)}"))
    return found


def _encode(value: Any) -> str:
    """A field's value for a ``C8`` line: plain when it reads back as it is, else a JSON
    string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        plain = (
            value == value.strip()
            and not value.startswith('"')
            and value.isprintable()
            and " " * 2 not in value
        )
        return value if plain else _json(value)
    return str(value)


def _json(value: object) -> str:
    """JSON on one line: every line break and control character escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


FORMAT = register(
    Format(name=NAME, label="RIS", extensions=(".ris",), sniff=sniff, read=read, write=write)
)
