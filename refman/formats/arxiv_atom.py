"""arXiv API responses: Atom feeds of papers (https://info.arxiv.org/help/api/).

The online metadata lookup reads these feeds (:func:`read_feed`, which also gives the
``opensearch:totalResults`` for paging), and a saved feed can be imported like any file.

Each ``<entry>`` becomes a :class:`Reference` (rules tested in
``tests/unit/formats/test_arxiv_atom.py``):

* ``<id>`` ``http://arxiv.org/abs/<id>v<n>`` gives ``arxiv_id`` (new-style
  ``2101.00001`` or old-style ``astro-ph/0601001``) and ``arxiv_version``; ``url`` is the
  abstract page without version (as the listing reader writes it).
* ``title`` and ``summary`` (the abstract) with whitespace collapsed; the title is real,
  not provisional. Authors from ``<author><name>`` (``Person.from_display_name``).
* ``published`` gives ``date`` and ``year``.
* ``arxiv:doi`` (the publisher's DOI) gives ``doi``; without one the DOI is arXiv's own,
  ``10.48550/arXiv.<id>``, as the listing reader gives it, so both readers agree.
  ``arxiv:journal_ref`` and ``arxiv:comment`` give ``journal_ref`` and ``comments``; venue,
  page and figure counts and a code URL come from them through :mod:`.enrichment`.
* ``arxiv:primary_category`` -> ``extra["primaryclass"]``, every ``category`` ->
  ``extra["categories"]`` (space-separated).
* Entry type, as the listing reader decides it: "preprint"; with a journal reference,
  "inproceedings" when it names a known conference, else "article"; with only a
  publisher's DOI, "article".

Double-encoded text is repaired: a feed decoded as ISO-8859-1 and saved again as UTF-8
(as HTTP clients that guess the charset do; the corpus' recorded responses read "WÃ¼bben"
for "Wübben") is recognised by the whole document encoding to ISO-8859-1 and those bytes
decoding as UTF-8, which text with real accents or symbols never does.

Errors (:class:`FormatError`): malformed XML (with the parser's line), a document type
declaration (refused: entity expansion), a root other than an Atom ``<feed>``, an entry
whose id is not an arXiv abstract URL. The API answers a bad request (HTTP 400) with a
feed whose one entry has the id ``http://arxiv.org/api/errors#<code>`` and the message as
its summary: that raises :class:`ArxivApiError` carrying the message. A feed without
entries (a search that found nothing) is valid and gives no references.

Feeds are small (a page of results is usually 100 entries, at most a few thousand): the
reader joins its lines and parses the whole document with :mod:`xml.etree.ElementTree`.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pyexpat import ErrorString

from refman.domain import Person, Provenance, Reference
from refman.formats.arxiv_listing import parse_arxiv_id
from refman.formats.base import Format, FormatError, register
from refman.formats.enrichment import (
    code_url,
    find_venue,
    page_and_figure_counts,
    provisional_title,
)

__all__ = ["FORMAT", "NAME", "ArxivApiError", "read", "read_feed", "sniff"]

NAME = "arxiv-atom"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

_FEED = re.compile(r"<feed\b[^>]*\bxmlns\s*=\s*[\"']http://www\.w3\.org/2005/Atom[\"']")
_ENTRY = re.compile(r"<entry\b.*?</entry\s*>", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ABS_URL = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/abs/(\S+)")
_ERROR_ID = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/api/errors(?:#(\S*))?")


class ArxivApiError(FormatError):
    """The arXiv API refused the request: ``api_message`` is its explanation ("incorrect
    id format for abc"), ``code`` the fragment of the error's id
    ("incorrect_id_format_for_abc")."""

    def __init__(self, source: str, line: int | None, api_message: str, code: str) -> None:
        super().__init__(source, line, f"the arXiv API reports an error: {api_message}")
        self.api_message = api_message
        self.code = code


def sniff(head: str) -> bool:
    """Whether ``head`` is the start of an arXiv API response: XML with an Atom ``<feed>``
    element, and arXiv named in it."""
    if not head.lstrip("\ufeff \t\r\n").startswith("<"):
        return False
    return _FEED.search(head) is not None and "arxiv" in head.lower()


def read(lines: Iterable[str], source: str) -> Iterator[Reference]:
    """The papers of a feed given as lines, in feed order (see :func:`read_feed`)."""
    references, _total = read_feed("".join(lines), source)
    yield from references


def read_feed(text: str, source: str) -> tuple[list[Reference], int | None]:
    """The papers of a feed and its ``opensearch:totalResults`` (None when absent): how
    many results the query has in all, of which this feed is one page."""
    text = _repair_double_encoding(text)
    doctype = _DOCTYPE.search(text)
    if doctype is not None:
        raise FormatError(
            source,
            _line_at(text, doctype.start()),
            "a document type declaration is not allowed in an arXiv API feed",
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, _column = error.position
        raise FormatError(source, line, f"malformed XML: {ErrorString(error.code)}") from None
    if root.tag != f"{_ATOM}feed":
        raise FormatError(source, 1, f"not an Atom feed (the document is a <{_local(root.tag)}>)")
    total_text = (root.findtext(f"{_OPENSEARCH}totalResults") or "").strip()
    total = int(total_text) if total_text.isdigit() else None
    entries = root.findall(f"{_ATOM}entry")
    spans = [match.span() for match in _ENTRY.finditer(text)]
    if len(spans) != len(entries):  # unusual markup: no raw texts nor line numbers
        spans = []
    references = []
    line, offset = 1, 0
    for index, entry in enumerate(entries):
        if spans:
            start, end = spans[index]
            line += text.count("\n", offset, start)
            offset = start
            raw = text[start:end]
        else:
            raw = ET.tostring(entry, encoding="unicode")
        references.append(_reference(entry, source, line, raw))
    return references, total


def _repair_double_encoding(text: str) -> str:
    """``text`` with UTF-8 read as ISO-8859-1 undone (see the module docstring)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:  # a character above U+00FF, or bytes that are not UTF-8
        return text


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: ET.Element, path: str) -> str:
    """The text of the child at ``path``, whitespace collapsed ("" when absent)."""
    return " ".join((element.findtext(path) or "").split())


def _reference(entry: ET.Element, source: str, line: int, raw: str) -> Reference:
    entry_id = _text(entry, f"{_ATOM}id")
    error = _ERROR_ID.fullmatch(entry_id)
    if error is not None:
        message = _text(entry, f"{_ATOM}summary") or "unknown error"
        raise ArxivApiError(source, line, message, error.group(1) or "")
    match = _ABS_URL.fullmatch(entry_id)
    parsed = parse_arxiv_id(match.group(1)) if match is not None else None
    if parsed is None:
        shown = entry_id or "(none)"
        raise FormatError(source, line, f"an entry whose id {shown!r} is not an arXiv paper")
    identifier = parsed.id
    abstract = _text(entry, f"{_ATOM}summary")
    title = _text(entry, f"{_ATOM}title")
    comments = _text(entry, f"{_ARXIV}comment")
    journal_ref = _text(entry, f"{_ARXIV}journal_ref")
    publisher_doi = _text(entry, f"{_ARXIV}doi")
    date = _date(_text(entry, f"{_ATOM}published"))

    venue = find_venue(comments, journal_ref)
    entry_type = "preprint"
    if journal_ref:
        conference = venue is not None and venue.kind == "conference"
        entry_type = "inproceedings" if conference else "article"
    elif publisher_doi:
        entry_type = "article"
    pages, figures = page_and_figure_counts(comments)

    extra: dict[str, str] = {}
    primary = entry.find(f"{_ARXIV}primary_category")
    if primary is not None and primary.get("term"):
        extra["primaryclass"] = primary.get("term", "")
    categories = [c.get("term", "") for c in entry.findall(f"{_ATOM}category")]
    if any(categories):
        extra["categories"] = " ".join(c for c in categories if c)

    authors = []
    for author in entry.findall(f"{_ATOM}author"):
        name = _text(author, f"{_ATOM}name")
        if name:
            authors.append(Person.from_display_name(name))
    return Reference(
        entry_type=entry_type,
        title=title or provisional_title(abstract, f"arXiv:{identifier}"),
        title_provisional=not title,
        abstract=abstract,
        year=date.year if date is not None else parsed.year,
        date=date,
        venue=venue.display if venue is not None else "",
        journal_ref=journal_ref,
        arxiv_id=identifier,
        arxiv_version=parsed.version,
        doi=publisher_doi or f"10.48550/arXiv.{identifier}",
        url=f"https://arxiv.org/abs/{identifier}",
        code_url=code_url(comments, abstract),
        comments=comments,
        page_count=pages,
        figure_count=figures,
        extra=extra,
        authors=authors,
        provenance=[Provenance(source, line, NAME, raw)],
    )


def _date(text: str) -> dt.date | None:
    """The date of an Atom timestamp ("2012-01-23T21:15:02Z")."""
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


FORMAT = register(
    Format(
        name=NAME,
        label="arXiv API (Atom)",
        extensions=(".atom", ".xml"),
        sniff=sniff,
        read=read,
        streams=False,
    )
)
