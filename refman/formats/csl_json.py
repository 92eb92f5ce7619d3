"""CSL-JSON: the item data of citeproc processors (Zotero, Pandoc, citation.js, citeproc-py).

A file is a JSON array of items (a single item object is read too). Each item becomes a
:class:`Reference`; the writer emits what the official CSL-JSON schema (csl-data.json,
CSL 1.0.2) accepts. The mapping, both ways (each line is a decision, tested in
``tests/unit/formats/test_csl_json.py``):

* ``type``: BibTeX-style entry types <-> CSL types (``_TO_CSL_TYPE``, ``_FROM_CSL_TYPE``).
  A preprint is CSL ``article``, which CSL 1.0.2 defines for "preprints, working papers
  ... posted on a platform ... (e.g. arXiv)"; the arXiv identifier is its ``number``
  (``arXiv:2101.00001``, no version) and the repository its ``publisher`` ("arXiv"), as
  Zotero maps its preprint item. A thesis's kind is ``genre`` (BibTeX ``type``): one
  naming a master's or diploma thesis reads as ``mastersthesis``, none or a doctoral one as
  ``phdthesis``, any other as ``thesis``.
* ``id`` <- the citekey (also written as ``citation-key``); a reference without one gets
  ``ref-N`` and a repeated key ``<key>-N`` (N: its position). Reading, ``citation-key``
  wins; an ``id`` is taken as the citekey unless it is a number or a URL (Zotero's item
  URIs).
* ``title``; a reference without a title gets a provisional one (from the abstract), and
  a title-less item reads with one, flagged provisional.
* ``author`` <-> authors: ``family``/``given``; a name without a given name (a
  corporation) is ``literal``. Particles and suffixes read into the family name.
* ``issued`` <-> ``date`` (year, month, day) or ``year`` plus ``extra["month"]`` (a
  month-only date; read as the month number, "2"); ``raw``/``literal`` dates and strings
  give their year.
* ``container-title`` <-> ``venue`` (``event-title`` when there is no container), except
  that a preprint's venue naming a repository (a researcher profile's "arXiv") is its
  ``publisher``; ``volume``, ``issue``, ``publisher``, ``DOI``, ``URL``, ``abstract`` as
  they are; ``page`` "12-19" <-> ``pages`` "12--19"; ``keyword`` "a, b" <-> tags;
  ``note`` <-> ``comments`` (plus a BibTeX ``note`` from ``extra`` when not lossless).
* ``extra`` (lower-case BibTeX names) <-> ``ISBN`` isbn, ``ISSN`` issn, ``publisher-place``
  address, ``language``, ``edition``, ``collection-title`` series, ``chapter-number``
  chapter, ``genre`` type, ``title-short`` shorttitle, ``PMID``/``PMCID``, ``version``,
  ``number`` number (``collection-number`` for a book in a series), ``accessed`` urldate,
  ``editor``/``translator`` as names ("Family, Given and ..."; "{Literal}").
* The arXiv identifier reads back from ``number`` "arXiv:<id>", a line "arXiv: <id>" in
  ``note``, an arxiv.org ``URL`` or an arXiv DOI (10.48550/arXiv.<id>); a ``publisher``
  "arXiv" is then implied and not kept.
* Notes (``WriteOptions.notes``) go in ``annote``, CSL's field for a reader's
  annotations (``note`` holds the comments), and read back as one note.
* ``WriteOptions.lossless`` adds ``custom.refman``: an exact copy of what the mapping
  above changes or drops (entry type, citekey, provisional flag, year, venue, publisher,
  pages, arXiv id and version, journal reference, code URL, page and figure counts, the
  whole ``extra``, tags, notes with their times, attachments). When present it is
  authoritative for those fields: a library exported and imported again is the same.

Errors (:class:`FormatError`): invalid JSON (its line), anything but an array or object
at the top, an item that is not an object, has no string ``type``, or a field of the
wrong shape (the item's number and line, and the field).

JSON is one value, so the reader joins the lines first (a CSL-JSON file is held in
memory: 10,000 references with abstracts are about 18 MB); it then parses item by item
(``raw_decode``), yielding each reference with its line and raw item text as provenance,
so references before a broken item are read. The writer formats each item by hand (a
field per line), about twice as fast as ``json.dumps(indent=...)``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from typing import Any

from refman.domain import Attachment, Note, Person, Provenance, Reference
from refman.formats.arxiv_listing import parse_arxiv_id
from refman.formats.base import MONTHS, Format, FormatError, WriteOptions, register
from refman.formats.enrichment import provisional_title

__all__ = [
    "FORMAT",
    "NAME",
    "from_csl",
    "read",
    "sniff",
    "to_csl",
    "write",
]

NAME = "csljson"

_TO_CSL_TYPE: dict[str, str] = {
    "article": "article-journal",
    "preprint": "article",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "book": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "standard": "standard",
    "periodical": "periodical",
    "misc": "document",
}
"""Our entry types (lower-case BibTeX / biblatex names) as CSL types; others: document."""

_FROM_CSL_TYPE: dict[str, str] = {
    "article": "preprint",
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "review": "article",
    "review-book": "article",
    "paper-conference": "inproceedings",
    "book": "book",
    "classic": "book",
    "pamphlet": "booklet",
    "chapter": "incollection",
    "entry": "incollection",
    "entry-dictionary": "incollection",
    "entry-encyclopedia": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    "manuscript": "unpublished",
    "webpage": "online",
    "post": "online",
    "post-weblog": "online",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "standard": "standard",
    "periodical": "periodical",
}
"""CSL types as our entry types; the rest (document, speech, interview ...) read as misc."""

_REPOSITORY = re.compile(
    r"^(?:\w*rxiv|ssrn|research ?square|preprints(?:\.org)?|osf preprints|hal|repec)$", re.I
)
"""Preprint repositories: a preprint's venue naming one is written as its publisher."""
_THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
_MASTERS = re.compile(r"master|diplom|magister|\bm\.?\s?sc\b|\bm\.?a\.?\s+thesis", re.I)
_DOCTORAL = re.compile(r"ph\.?\s?d|doctor|dissertation", re.I)

_EXTRA_TEXT: tuple[tuple[str, str], ...] = (
    ("isbn", "ISBN"),
    ("issn", "ISSN"),
    ("address", "publisher-place"),
    ("language", "language"),
    ("edition", "edition"),
    ("series", "collection-title"),
    ("chapter", "chapter-number"),
    ("type", "genre"),
    ("shorttitle", "title-short"),
    ("pmid", "PMID"),
    ("pmcid", "PMCID"),
    ("version", "version"),
)
"""``extra`` keys written as CSL text fields of their own (and read back)."""
_EXTRA_NAMES: tuple[tuple[str, str], ...] = (("editor", "editor"), ("translator", "translator"))
"""``extra`` keys holding BibTeX name lists, written as CSL name lists."""
_SERIES_TYPES = frozenset({"book", "booklet", "inbook", "incollection", "inproceedings"})
"""Entry types whose BibTeX ``number`` is the number in a ``series``."""

_LOSSLESS_TEXT = ("venue", "publisher", "pages", "arxiv_id", "journal_ref", "code_url")
_LOSSLESS_NUMBERS = ("year", "arxiv_version", "page_count", "figure_count")
_CUSTOM_KEY = "refman"

_NAME_KEYS = frozenset(
    {
        "family",
        "given",
        "literal",
        "dropping-particle",
        "non-dropping-particle",
        "suffix",
        "comma-suffix",
        "static-ordering",
        "parse-names",
    }
)
_MONTHS = MONTHS
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_NUMBER = re.compile(r"^arxiv:\s*(\S+)$", re.I)
_ARXIV_NOTE = re.compile(r"^\s*arxiv:\s*(\S+)\s*$", re.I | re.M)
_PAGE_DASH = re.compile(r"\s*[-\u2010-\u2015]+\s*")
_DATE_TEXT = re.compile(r"(-?[0-9]{1,4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
_YEAR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")
_NAME_SPLIT = re.compile(r"\s+and\s+")
_SNIFF_TYPE = re.compile(r'"type"\s*:\s*"')
_SNIFF_KEY = re.compile(r'"(?:id|title|author)"\s*:')
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()
_ENCODER = json.JSONEncoder(ensure_ascii=False)


# --- writing ---------------------------------------------------------------------------


def to_csl(
    ref: Reference, options: WriteOptions | None = None, *, item_id: str | None = None
) -> dict[str, Any]:
    """``ref`` as a CSL-JSON item (a dict ready for ``json.dumps``), with ``id``
    ``item_id`` (default: the citekey, else "ref")."""
    options = options or _DEFAULT_OPTIONS
    entry_type = ref.entry_type
    csl_type = _TO_CSL_TYPE.get(entry_type, "document")
    extra = ref.extra
    item: dict[str, Any] = {"id": item_id or ref.citekey or "ref", "type": csl_type}
    if ref.citekey:
        item["citation-key"] = ref.citekey
    item["title"] = ref.title or provisional_title(
        ref.abstract, f"arXiv:{ref.arxiv_id}" if ref.arxiv_id else "Untitled"
    )
    if ref.authors and (authors := _names_to_csl(ref.authors)):
        item["author"] = authors
    if extra:  # (most references have no extra fields: skip looking them up one by one)
        for key, variable in _EXTRA_NAMES:
            value = extra.get(key)
            if value and (names := _names_to_csl(_split_names(value))):
                item[variable] = names
    issued = _issued(ref)
    if issued is not None:
        item["issued"] = {"date-parts": [issued]}
    publisher = ref.publisher
    if ref.venue:
        if csl_type == "article" and not publisher and _REPOSITORY.search(ref.venue):
            publisher = ref.venue  # a preprint's repository is its publisher, as in Zotero
        else:
            item["container-title"] = ref.venue
    if ref.volume:
        item["volume"] = ref.volume
    if ref.issue:
        item["issue"] = ref.issue
    if ref.pages:
        item["page"] = _PAGE_DASH.sub("-", ref.pages.strip())
    if not publisher and csl_type == "article" and ref.arxiv_id:
        publisher = "arXiv"
    if publisher:
        item["publisher"] = publisher
    number = extra.get("number", "")
    if number and entry_type in _SERIES_TYPES and extra.get("series"):
        item["collection-number"] = number
    elif number:
        item["number"] = number
    elif csl_type == "article" and ref.arxiv_id:
        item["number"] = f"arXiv:{ref.arxiv_id}"
    if extra:
        for key, variable in _EXTRA_TEXT:
            value = extra.get(key)
            if value:
                item[variable] = value
    if csl_type == "thesis" and "genre" not in item and entry_type in _THESIS_GENRES:
        item["genre"] = _THESIS_GENRES[entry_type]
    urldate = extra.get("urldate")
    if urldate and (accessed := _date_parts_of_text(urldate)) is not None:
        item["accessed"] = {"date-parts": [accessed]}
    if ref.doi:
        item["DOI"] = ref.doi
    if ref.url:
        item["URL"] = ref.url
    if options.abstracts and ref.abstract:
        item["abstract"] = ref.abstract
    if ref.tags:
        item["keyword"] = ", ".join(ref.tags)
    note = ref.comments
    if not options.lossless and extra.get("note"):
        note = f"{note}\n{extra['note']}" if note else extra["note"]
    if note:
        item["note"] = note
    if options.notes and ref.notes:
        item["annote"] = "\n\n".join(n.text for n in ref.notes)
    if options.lossless:
        item["custom"] = {_CUSTOM_KEY: _lossless(ref, options)}
    return item


_DEFAULT_OPTIONS = WriteOptions()


def _names_to_csl(persons: Iterable[Person]) -> list[dict[str, str]]:
    """Persons as CSL names: family and given, or ``literal`` for a single name."""
    return [
        {"family": p.family, "given": p.given} if p.given and p.family else {"literal": name}
        for p in persons
        if (name := p.family or p.given)
    ]


def _split_names(value: str) -> list[Person]:
    """A BibTeX name list ("Coburn, Carol and {IEEE Computer Society}") as persons."""
    persons = []
    for part in _NAME_SPLIT.split(value.strip()):
        name = part.strip()
        if name.startswith("{") and name.endswith("}"):
            persons.append(Person(family=name[1:-1].strip()))
        elif name:
            persons.append(Person.from_display_name(name))
    return persons


def _join_names(persons: Iterable[Person]) -> str:
    """The inverse of ``_split_names``."""
    return " and ".join(
        f"{p.family}, {p.given}" if p.given and p.family else "{" + (p.family or p.given) + "}"
        for p in persons
    )


def _issued(ref: Reference) -> list[int] | None:
    if ref.date is not None:
        return [ref.date.year, ref.date.month, ref.date.day]
    if ref.year is None:
        return None
    month = _month_number(ref.extra.get("month", ""))
    return [ref.year, month] if month else [ref.year]


def _month_number(text: str) -> int | None:
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(text)


def _date_parts_of_text(text: str) -> list[int] | None:
    """An ISO date ("2021-06-30", "2021-06", "2021") as date parts, else None."""
    match = _DATE_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    parts = [int(group) for group in match.groups() if group is not None]
    if len(parts) > 1 and not 1 <= parts[1] <= 12:
        return None
    return parts


def _lossless(ref: Reference, options: WriteOptions) -> dict[str, Any]:
    """What only refman reads back: exact copies of the fields the mapping changes."""
    data: dict[str, Any] = {"entry_type": ref.entry_type}
    if not ref.citekey:
        data["citekey"] = ""
    if ref.title_provisional:
        data["title_provisional"] = True
    for name in _LOSSLESS_TEXT:
        value = getattr(ref, name)
        if value:
            data[name] = value
    for name in _LOSSLESS_NUMBERS:
        value = getattr(ref, name)
        if value is not None:
            data[name] = value
    if ref.extra:
        data["extra"] = dict(ref.extra)
    if ref.tags:
        data["tags"] = list(ref.tags)
    if options.notes and ref.notes:
        data["notes"] = [_note_to_json(note) for note in ref.notes]
    if ref.attachments:
        data["attachments"] = [{"location": a.location, "kind": a.kind} for a in ref.attachments]
    return data


def _note_to_json(note: Note) -> dict[str, str]:
    data = {"text": note.text}
    if note.created is not None:
        data["created"] = note.created.isoformat()
    if note.modified is not None:
        data["modified"] = note.modified.isoformat()
    return data


def _dump_item(item: Mapping[str, Any]) -> str:
    """One item, pretty-printed: a field per line, names one per line (indented for an
    array in an array). Hand-made for speed: ``json.dumps(indent=...)`` runs the pure
    Python encoder, half as fast as this on a large export. A long text (an abstract) with
    nothing to escape (no quote, backslash or control character, for which ``isprintable``
    is false) is only quoted: ``encode_basestring`` takes three times as long."""
    lines = []
    for key, value in item.items():
        if type(value) is str:
            if len(value) > 64 and value.isprintable() and '"' not in value and "\\" not in value:
                lines.append(f'    "{key}": "{value}"')  # (nothing to escape: see above)
            else:
                lines.append(f'    "{key}": {encode_basestring(value)}')
        elif type(value) is list and value and type(value[0]) is dict:  # names
            names = ",\n      ".join([_encode_flat(name) for name in value])
            lines.append(f'    "{key}": [\n      {names}\n    ]')
        elif key in _DATE_KEYS and (parts := _date_parts(value)) is not None:
            lines.append(f'    "{key}": {{"date-parts": [[{parts}]]}}')
        else:
            lines.append(f'    "{key}": {_ENCODER.encode(value)}')
    return "  {\n" + ",\n".join(lines) + "\n  }"


_DATE_KEYS = frozenset({"issued", "accessed"})


def _date_parts(value: object) -> str | None:
    """The numbers of a one-date ``{"date-parts": [[y, m, d]]}`` as ``json.dumps`` writes
    them ("2021, 6, 30"), else None. (Each ``JSONEncoder.encode`` call sets up an encoder
    anew: written by hand, an export's dates and names take a tenth of the time.)"""
    if type(value) is dict and len(value) == 1:
        dates = value.get("date-parts")
        if type(dates) is list and len(dates) == 1 and type(dates[0]) is list:
            parts = dates[0]
            if parts and all(type(part) is int for part in parts):
                return ", ".join([str(part) for part in parts])
    return None


def _encode_flat(data: dict[str, Any]) -> str:
    """A dict as ``json.dumps(data, ensure_ascii=False)`` writes it: by hand when its values
    are all strings (a name)."""
    if all(type(key) is str and type(value) is str for key, value in data.items()):
        fields = [f"{encode_basestring(k)}: {encode_basestring(v)}" for k, v in data.items()]
        return "{" + ", ".join(fields) + "}"
    return _ENCODER.encode(data)


def write(refs: Iterable[Reference], options: WriteOptions) -> Iterator[str]:
    """A CSL-JSON array of ``refs``: "[", then one chunk per reference (after the first,
    each starts with ",\\n"), then "]"; UTF-8 text, characters unescaped."""
    yield "[\n"
    used: set[str] = set()
    separator = ""
    for number, ref in enumerate(refs, start=1):
        item_id = ref.citekey
        if not item_id or item_id in used:
            base = item_id or "ref"
            item_id = f"{base}-{number}"
            suffix = 1
            while item_id in used:
                suffix += 1
                item_id = f"{base}-{number}-{suffix}"
        used.add(item_id)
        yield separator + _dump_item(to_csl(ref, options, item_id=item_id))
        separator = ",\n"
    yield "\n]\n" if separator else "]\n"


# --- reading ---------------------------------------------------------------------------


def sniff(head: str) -> bool:
    """Whether ``head`` starts a CSL-JSON file: a JSON array (or object) whose first item
    has a string "type" and an "id", "title" or "author". A first item cut off by the
    64 KiB sample, or broken JSON, is judged by its keys (the reader then names the
    syntax error)."""
    text = head.lstrip(_WHITESPACE + "\ufeff")
    if not text or text[0] not in "[{":
        return False
    start = 0
    if text[0] == "[":
        start = _skip_space(text, 1)
        if start >= len(text) or text[start] != "{":
            return False
    try:
        first, _end = _DECODER.raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError):  # (nested deeper than the C decoder goes)
        return bool(_SNIFF_TYPE.search(text) and _SNIFF_KEY.search(text))
    return (
        isinstance(first, dict)
        and isinstance(first.get("type"), str)
        and any(key in first for key in ("id", "title", "author"))
    )


def _skip_space(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The references of a CSL-JSON array (or single item), in file order, each yielded
    as soon as its item is parsed."""
    text = "".join(lines)
    pos = _skip_space(text, 1 if text.startswith("\ufeff") else 0)
    if pos == len(text):
        raise FormatError(source, None, "the file is empty")
    line = 1 + text.count("\n", 0, pos)
    if text[pos] == "{":
        item, end = _decode(text, pos, source)
        yield from_csl(item, source, 1, line, text[pos:end])
        _expect_end(text, end, source)
        return
    if text[pos] != "[":
        raise FormatError(source, line, "not CSL-JSON: expected a JSON array of items")
    counted = pos  # ``line`` is the line of ``counted``
    pos = _skip_space(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        _expect_end(text, pos + 1, source)
        return
    number = 0
    while True:
        line += text.count("\n", counted, pos)
        counted = pos
        item, end = _decode(text, pos, source)
        number += 1
        yield from_csl(item, source, number, line, text[pos:end])
        after = _skip_space(text, end)
        if after < len(text) and text[after] == "]":
            _expect_end(text, after + 1, source)
            return
        if after >= len(text) or text[after] != ",":
            where = line + text.count("\n", pos, after)
            problem = "the array is not closed" if after >= len(text) else "expected ',' or ']'"
            raise FormatError(source, where, f"{problem} after item {number}")
        pos = _skip_space(text, after + 1)


def _decode(text: str, pos: int, source: str) -> tuple[Any, int]:
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise FormatError(
            source, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"
        ) from exc
    except RecursionError:  # (the C decoder's guard against deep nesting)
        line = 1 + text.count("\n", 0, pos)
        raise FormatError(source, line, "JSON nested too deeply to be CSL-JSON") from None
    return value, end


def _expect_end(text: str, pos: int, source: str) -> None:
    pos = _skip_space(text, pos)
    if pos < len(text):
        line = 1 + text.count("\n", 0, pos)
        raise FormatError(source, line, "unexpected text after the end of the JSON value")


class _Item:
    """An item being read: typed access to its fields, errors naming the item and field."""

    __slots__ = ("data", "line", "number", "source")

    def __init__(self, data: dict[str, Any], source: str, number: int, line: int | None) -> None:
        self.data = data
        self.source = source
        self.number = number
        self.line = line

    def fail(self, field: str, message: str) -> FormatError:
        return FormatError(self.source, self.line, f"item {self.number}: {field!r} {message}")

    def text(self, key: str) -> str:
        """A text field ("" when absent or null); numbers are taken as text."""
        value = self.data.get(key)
        if value is None:
            return ""
        if type(value) is str:
            return value.strip()
        if type(value) is int or (type(value) is float and value.is_integer()):
            return str(int(value))
        if type(value) is float:
            return str(value)
        raise self.fail(key, "must be a string")

    def names(self, key: str) -> list[Person]:
        value = self.data.get(key)
        if value is None:
            return []
        if type(value) is not list:
            raise self.fail(key, "must be a list of names")
        persons = []
        for name in value:
            if type(name) is not dict or not all(
                part in _NAME_KEYS and (type(text) is str or part not in _NAME_PARTS)
                for part, text in name.items()
            ):
                raise self.fail(key, "must be a list of names ({'family': ..., 'given': ...})")
            person = _person(name)
            if person is not None:
                persons.append(person)
        return persons

    def date(self, key: str) -> list[int] | None:
        """A date as its parts (year[, month[, day]]), the first of a range; None when
        absent or without a year."""
        value = self.data.get(key)
        if value is None:
            return None
        if type(value) is str:
            return _date_parts_in_text(value)
        if type(value) is not dict:
            raise self.fail(key, "must be a date object ({'date-parts': [[year, month, day]]})")
        parts = value.get("date-parts")
        if parts is not None:
            if type(parts) is not list or not all(type(p) is list for p in parts):
                raise self.fail(key, "must have 'date-parts' as a list of [year, month, day]")
            if parts and parts[0]:
                numbers = []
                for part in parts[0][:3]:
                    if type(part) is int:
                        numbers.append(part)
                    elif type(part) is str and part.strip().lstrip("-").isdigit():
                        numbers.append(int(part))
                    elif part in ("", None):
                        break
                    else:
                        raise self.fail(key, f"has a date part {part!r} that is not a number")
                if numbers:
                    return numbers
        for text_key in ("raw", "literal"):
            text = value.get(text_key)
            if type(text) is str:
                return _date_parts_in_text(text)
        return None


_NAME_PARTS = frozenset(
    {"family", "given", "literal", "dropping-particle", "non-dropping-particle", "suffix"}
)


def _person(name: dict[str, Any]) -> Person | None:
    literal = name.get("literal", "").strip()
    if literal:
        return Person(family=literal)
    family = " ".join(
        part for part in (name.get("non-dropping-particle", ""), name.get("family", "")) if part
    ).strip()
    given = " ".join(
        part for part in (name.get("given", ""), name.get("dropping-particle", "")) if part
    ).strip()
    suffix = name.get("suffix", "").strip()
    if not family:
        family, given = given, ""
    if not family:
        return None
    if suffix:
        family = f"{family}, {suffix}"
    return Person(family=family, given=given)


def _date_parts_in_text(text: str) -> list[int] | None:
    parts = _date_parts_of_text(text)
    if parts is not None:
        return parts
    match = _YEAR_IN_TEXT.search(text)
    return [int(match.group(1))] if match else None


def _entry_type(csl_type: str, genre: str) -> str:
    entry_type = _FROM_CSL_TYPE.get(csl_type, "misc")
    if csl_type == "thesis" and genre:
        if _MASTERS.search(genre):
            return "mastersthesis"
        if not _DOCTORAL.search(genre):
            return "thesis"
    return entry_type


def _citekey_of(item: _Item) -> str:
    key = item.text("citation-key")
    if key:
        return key
    identifier = item.data.get("id")
    if type(identifier) is str:
        identifier = identifier.strip()
        if "://" in identifier or identifier.isdigit():
            return ""  # a Zotero item URI or a database number, not a citation key
        return identifier
    if identifier is None or type(identifier) in (int, float):
        return ""
    raise item.fail("id", "must be a string or a number")


def from_csl(
    data: object, source: str = "", number: int = 1, line: int | None = None, raw: str = ""
) -> Reference:
    """The reference of one CSL-JSON item (``number``: its 1-based position in the file,
    ``line``: where it starts, ``raw``: its text, for errors and provenance)."""
    if type(data) is not dict:
        raise FormatError(source, line, f"item {number} is not a JSON object")
    item = _Item(data, source, number, line)
    csl_type = data.get("type")
    if type(csl_type) is not str or not csl_type.strip():
        raise item.fail("type", "is missing: a CSL item needs a string 'type'")
    csl_type = csl_type.strip()
    genre = item.text("genre")
    entry_type = _entry_type(csl_type, genre)
    ref = Reference(entry_type=entry_type, citekey=_citekey_of(item))
    ref.provenance = [Provenance(source, line or 1, NAME, raw)]
    extra = ref.extra
    ref.title = item.text("title")
    ref.abstract = item.text("abstract")
    ref.authors = item.names("author")
    for key, variable in _EXTRA_NAMES:
        persons = item.names(variable)
        if persons:
            extra[key] = _join_names(persons)
    _read_issued(item, ref)
    ref.venue = item.text("container-title") or item.text("event-title") or item.text("event")
    ref.volume = item.text("volume")
    ref.issue = item.text("issue")
    pages = item.text("page")
    ref.pages = _PAGE_DASH.sub("--", pages) if pages else ""
    ref.publisher = item.text("publisher")
    ref.doi = item.text("DOI")
    ref.url = item.text("URL")
    ref.comments = item.text("note")
    for key, variable in _EXTRA_TEXT:
        value = item.text(variable)
        if value:
            extra[key] = value
    if entry_type in _THESIS_GENRES and extra.get("type") == _THESIS_GENRES[entry_type]:
        del extra["type"]  # the default kind of thesis, as written for a plain phdthesis
    number_text = item.text("number")
    arxiv = None
    if number_text:
        match = _ARXIV_NUMBER.match(number_text)
        arxiv = parse_arxiv_id(match.group(1)) if match else None
        if arxiv is None:
            extra["number"] = number_text
    series_number = item.text("collection-number")
    if series_number:
        extra.setdefault("number", series_number)
    accessed = item.date("accessed")
    if accessed is not None:
        extra["urldate"] = "-".join(f"{part:02d}" for part in accessed)
    keywords = item.text("keyword")
    if keywords:
        ref.tags = list(dict.fromkeys(t.strip() for t in keywords.split(",") if t.strip()))
    annote = item.text("annote")
    if annote:
        ref.notes = [Note(annote)]
    arxiv = arxiv or _arxiv_elsewhere(ref)
    if arxiv is not None:
        ref.arxiv_id = arxiv.id
        ref.arxiv_version = arxiv.version
        if ref.publisher.casefold() == "arxiv":
            ref.publisher = ""  # implied by the identifier (written again on export)
    if not ref.title:
        fallback = f"arXiv:{ref.arxiv_id}" if ref.arxiv_id else "Untitled"
        ref.title = provisional_title(ref.abstract, fallback)
        ref.title_provisional = True
    custom = data.get("custom")
    if type(custom) is dict and _CUSTOM_KEY in custom:
        _apply_lossless(item, ref, custom[_CUSTOM_KEY])
    return ref


def _read_issued(item: _Item, ref: Reference) -> None:
    parts = item.date("issued")
    if not parts:
        return
    ref.year = parts[0]
    if len(parts) == 3:
        try:
            ref.date = dt.date(*parts)
        except ValueError:
            pass
        else:
            return
    if len(parts) >= 2 and 1 <= parts[1] <= 12:
        ref.extra["month"] = str(parts[1])


def _arxiv_elsewhere(ref: Reference) -> Any:
    """The arXiv identifier in a note line, an arxiv.org URL or an arXiv DOI, if any."""
    candidates = []
    if "arxiv" in ref.comments.lower():
        candidates += _ARXIV_NOTE.findall(ref.comments)
    match = _ARXIV_URL.match(ref.url)
    if match:
        candidates.append(match.group(1))
    match = _ARXIV_DOI.match(ref.doi)
    if match:
        candidates.append(match.group(1))
    for candidate in candidates:
        parsed = parse_arxiv_id(candidate)
        if parsed is not None:
            return parsed
    return None


def _apply_lossless(item: _Item, ref: Reference, data: object) -> None:
    """Take refman's exact copies from ``custom.refman`` (authoritative where present)."""
    field = f"custom.{_CUSTOM_KEY}"
    if type(data) is not dict:
        raise item.fail(field, "must be an object")

    def value(key: str, kind: type, default: Any) -> Any:
        got = data.get(key, default)
        if got is not default and type(got) is not kind:
            raise item.fail(f"{field}.{key}", f"must be of JSON type {kind.__name__}")
        return got

    ref.entry_type = value("entry_type", str, ref.entry_type) or ref.entry_type
    ref.citekey = value("citekey", str, ref.citekey)
    ref.title_provisional = value("title_provisional", bool, False)
    for key in _LOSSLESS_TEXT:
        setattr(ref, key, value(key, str, ""))
    for key in _LOSSLESS_NUMBERS:
        setattr(ref, key, value(key, int, None))
    extra = value("extra", dict, {})
    if not all(type(v) is str for v in extra.values()):
        raise item.fail(f"{field}.extra", "must map names to strings")
    ref.extra = dict(extra)
    tags = value("tags", list, [])
    if not all(type(tag) is str for tag in tags):
        raise item.fail(f"{field}.tags", "must be a list of strings")
    ref.tags = list(tags)
    notes = value("notes", list, None)
    if notes is not None:
        ref.notes = [_note_from_json(item, f"{field}.notes", note) for note in notes]
    attachments = value("attachments", list, [])
    ref.attachments = []
    for attachment in attachments:
        if type(attachment) is not dict or type(attachment.get("location")) is not str:
            raise item.fail(f"{field}.attachments", "must be a list of {'location', 'kind'}")
        kind = attachment.get("kind", "file")
        ref.attachments.append(Attachment(attachment["location"], str(kind)))


def _note_from_json(item: _Item, field: str, data: object) -> Note:
    if type(data) is not dict or type(data.get("text")) is not str:
        raise item.fail(field, "must be a list of {'text', 'created', 'modified'}")
    try:
        created, modified = (
            dt.datetime.fromisoformat(data[key]) if type(data.get(key)) is str else None
            for key in ("created", "modified")
        )
    except ValueError as exc:
        raise item.fail(field, f"has a malformed time: {exc}") from exc
    return Note(data["text"], created=created, modified=modified)


FORMAT = register(
    Format(
        name=NAME,
        label="CSL-JSON",
        extensions=(".json",),
        sniff=sniff,
        read=read,
        write=write,
        streams=False,
    )
)
