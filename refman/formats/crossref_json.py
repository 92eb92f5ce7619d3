"""Crossref REST API responses: the JSON of ``/works/{doi}`` (https://api.crossref.org).

The online metadata lookup reads a DOI's record with :func:`read_work`; a saved response
(one work, or a list of works from a search) can be imported like any file.

A response is an envelope ``{"status": "ok", "message-type": "work", "message": {...}}``
(``"work-list"``: ``message.items`` holds the works). Each work becomes a
:class:`Reference` (rules tested in ``tests/unit/formats/test_crossref_json.py``):

* ``title`` (first of the list) and ``subtitle`` ("Title: Subtitle" unless the title
  already holds it); markup (``<i>``, ``<sub>``, MathML) is stripped and entities decoded.
  The title is real, never provisional.
* ``author``: ``given`` and ``family`` (an organisation's ``name`` as the family name).
* ``issued`` (the earliest of print and online publication; ``published``, ``created``
  as fallbacks) gives ``year``, and ``date`` when it has a day.
* ``container-title``: a known conference or journal in any of them gives the venue's
  short display form ("CVPR 2021", as the other readers write it); else the journal's
  name (the first container title), or the book's title for a chapter or proceedings
  paper (the last: Crossref lists the series first).
* ``type``: ``journal-article`` -> article, ``proceedings-article`` -> inproceedings,
  ``book-chapter`` -> incollection, ``posted-content`` (a preprint) -> preprint,
  ``report`` -> techreport, ``dissertation`` -> phdthesis, books -> book; others misc.
* ``DOI``, ``volume``, ``issue``, ``page`` (else ``article-number``), ``publisher``;
  ``abstract`` (JATS XML: tags stripped, a leading "Abstract" heading dropped,
  paragraphs separated by blank lines); ``ISSN`` and ``ISBN`` -> ``extra``. ``url`` is
  the DOI link.

Errors (:class:`FormatError`): malformed JSON (with its line), a response that is not
``"status": "ok"`` (the API's message is given), a message of another type, a work
without a DOI. The provenance keeps the work's JSON without its list of cited references
(``reference``), which can run to hundreds of entries and says nothing of the work.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from refman.domain import Person, Provenance, Reference
from refman.formats.base import Format, FormatError, register
from refman.formats.enrichment import venue_in_text

__all__ = ["FORMAT", "NAME", "read", "read_work", "read_works", "sniff"]

NAME = "crossref-json"

_SNIFF = re.compile(r'^\s*\{.{0,200}?"message-type"\s*:\s*"work(?:-list)?"', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_JATS_TITLE = re.compile(r"^\s*<(?:jats:)?title>\s*abstract\s*</(?:jats:)?title>", re.I)
_PARAGRAPH_END = re.compile(r"</(?:jats:)?p>", re.I)
_MATHML = re.compile(r"<(?P<tag>(?:mml:)?annotation)\b[^>]*>.*?</(?P=tag)>", re.DOTALL)

TYPES: dict[str, str] = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "book-part": "incollection",
    "reference-entry": "incollection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "posted-content": "preprint",
    "report": "techreport",
    "report-component": "techreport",
    "dissertation": "phdthesis",
}
"""Crossref work types (https://api.crossref.org/types) to entry types; others: misc."""

_BOOK_PARTS = frozenset({"proceedings-article", "book-chapter", "book-section", "book-part"})


def sniff(head: str) -> bool:
    """Whether ``head`` starts a Crossref API response (its ``message-type`` is named
    near the start, as the API writes it)."""
    return _SNIFF.match(head.lstrip("\ufeff")) is not None


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The works of a response given as lines."""
    yield from read_works("".join(lines), source)


def read_work(text: str, source: str) -> Reference:
    """The one work of a ``/works/{doi}`` response."""
    works = read_works(text, source)
    if len(works) != 1:
        raise FormatError(source, 1, f"expected one work, the response holds {len(works)}")
    return works[0]


def read_works(text: str, source: str) -> list[Reference]:
    """The works of a response: one for ``work``, any number for ``work-list``."""
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(source, error.lineno, f"malformed JSON: {error.msg}") from None
    if not isinstance(envelope, dict):
        raise FormatError(source, 1, "not a Crossref API response (no JSON object)")
    status = envelope.get("status")
    if status != "ok":
        raise FormatError(source, 1, f"Crossref reports an error: {_failure(envelope)}")
    kind = envelope.get("message-type")
    message = envelope.get("message")
    if kind == "work" and isinstance(message, dict):
        items: list[Any] = [message]
    elif kind == "work-list" and isinstance(message, dict):
        found = message.get("items")
        items = found if isinstance(found, list) else []
    else:
        raise FormatError(source, 1, f"not a Crossref work (the message is a {kind!r})")
    return [_reference(item, source) for item in items]


def _failure(envelope: dict[str, Any]) -> str:
    """The explanation of a failed response (its ``message`` is a list of errors)."""
    message = envelope.get("message")
    if isinstance(message, list):
        texts = [str(m.get("message", "")) for m in message if isinstance(m, dict)]
        if any(texts):
            return "; ".join(t for t in texts if t)
    if isinstance(message, str) and message:
        return message
    return f"status {envelope.get('status')!r}"


def _strings(value: Any) -> list[str]:
    """A Crossref list of strings (tolerating one string), cleaned, empties dropped."""
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    cleaned = (clean_markup(item) for item in items if isinstance(item, str))
    return [item for item in cleaned if item]


def _string(work: dict[str, Any], key: str) -> str:
    value = work.get(key)
    return " ".join(str(value).split()) if isinstance(value, str | int) else ""


def clean_markup(text: str) -> str:
    """``text`` without tags (MathML annotations dropped), entities decoded, whitespace
    collapsed."""
    return " ".join(html.unescape(_TAG.sub("", _MATHML.sub("", text))).split())


def _abstract(text: str) -> str:
    """A JATS abstract as paragraphs of plain text."""
    text = _JATS_TITLE.sub("", text)
    paragraphs = (clean_markup(p) for p in _PARAGRAPH_END.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _date_parts(work: dict[str, Any]) -> list[int]:
    """The first usable ``date-parts`` of ``issued``, ``published`` or ``created``."""
    for key in ("issued", "published", "published-print", "published-online", "created"):
        value = work.get(key)
        parts = value.get("date-parts") if isinstance(value, dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            numbers = []
            for part in parts[0]:
                if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
                    numbers.append(int(part))
                else:
                    break
            if numbers and 1000 <= numbers[0] <= 2999:
                return numbers
    return []


def _person(author: Any) -> Person | None:
    if not isinstance(author, dict):
        return None
    family = clean_markup(str(author.get("family") or ""))
    given = clean_markup(str(author.get("given") or ""))
    if family:
        return Person(family=family, given=given)
    name = clean_markup(str(author.get("name") or ""))
    if name:
        return Person(family=name)
    return Person.from_display_name(given) if given else None


def _venue(containers: list[str], work_type: str, year: int | None) -> str:
    for title in containers:
        venue = venue_in_text(title)
        if venue is not None:
            if venue.kind == "conference" and venue.year is None and year is not None:
                return f"{venue.display} {year}" if not venue.workshop else venue.display
            return venue.display
    if not containers:
        return ""
    return containers[-1] if work_type in _BOOK_PARTS else containers[0]


def _reference(work: Any, source: str) -> Reference:
    if not isinstance(work, dict):
        raise FormatError(source, 1, "a work that is not a JSON object")
    doi = _string(work, "DOI")
    if not doi:
        raise FormatError(source, 1, "a work without a DOI")
    titles = _strings(work.get("title"))
    title = titles[0] if titles else ""
    subtitles = _strings(work.get("subtitle"))
    if title and subtitles and subtitles[0].casefold() not in title.casefold():
        title = f"{title}: {subtitles[0]}"
    work_type = _string(work, "type")
    entry_type = TYPES.get(work_type, "misc")
    if work_type == "posted-content" and _string(work, "subtype") not in ("", "preprint"):
        entry_type = "misc"
    parts = _date_parts(work)
    year = parts[0] if parts else None
    date = None
    if len(parts) >= 3:
        try:
            date = dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            date = None
    abstract_value = work.get("abstract")
    abstract = _abstract(abstract_value) if isinstance(abstract_value, str) else ""
    extra: dict[str, str] = {}
    for key, name in (("ISSN", "issn"), ("ISBN", "isbn")):
        values = list(dict.fromkeys(_strings(work.get(key))))
        if values:
            extra[name] = ", ".join(values)
    authors = [p for p in map(_person, work.get("author") or []) if p is not None]
    raw_work = {key: value for key, value in work.items() if key != "reference"}
    return Reference(
        entry_type=entry_type,
        title=title or f"doi:{doi}",
        title_provisional=not title,
        abstract=abstract,
        year=year,
        date=date,
        venue=_venue(_strings(work.get("container-title")), work_type, year),
        doi=doi,
        url=f"https://doi.org/{doi}",
        volume=_string(work, "volume"),
        issue=_string(work, "issue"),
        pages=_string(work, "page") or _string(work, "article-number"),
        publisher=_string(work, "publisher"),
        extra=extra,
        authors=authors,
        provenance=[Provenance(source, 1, NAME, json.dumps(raw_work, ensure_ascii=False))],
    )


FORMAT = register(
    Format(
        name=NAME,
        label="Crossref API (JSON)",
        extensions=(".json",),
        sniff=sniff,
        read=read,
        streams=False,  # (one JSON document, read whole: a huge file is refused)
    )
)
