"""Plain domain objects: what a reference is, independent of storage and GUI."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field


@dataclass(slots=True)
class Person:
    """An author. ``family`` alone is used for single-word names."""

    family: str
    given: str = ""

    @property
    def display_name(self) -> str:
        """Name as shown to users: "Given Family"."""
        return f"{self.given} {self.family}".strip()

    @classmethod
    def from_display_name(cls, name: str) -> Person:
        """Split "Given Middle Family" or "Family, Given" into a person."""
        name = " ".join(name.split())
        if "," in name:
            family, _, given = name.partition(",")
            return cls(family=family.strip(), given=given.strip())
        given, _, family = name.rpartition(" ")
        return cls(family=family, given=given)


@dataclass(slots=True)
class Note:
    """A Markdown note attached to a reference. ``version`` is the library's count of its
    edits: an edit made against an older one lost a race and is refused."""

    text: str
    id: int | None = None
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    version: int = 1


@dataclass(slots=True)
class Attachment:
    """A file path or URL attached to a reference.

    ``copied``: a copy refman made in the library's attachment folder (else a link to the
    file where it is). ``mime`` and ``size`` are what the file was when attached.
    ``missing`` is not stored: set when the file was looked for and not found (see
    ``refman.services.attachments.check_files``)."""

    location: str
    kind: str = "file"  # "file" or "url"
    id: int | None = None
    copied: bool = False
    mime: str = ""
    size: int | None = None
    added: dt.datetime | None = None
    missing: bool = False

    @property
    def is_pdf(self) -> bool:
        """Whether this is a PDF file (by media type, else by name)."""
        if self.kind != "file":
            return False
        return self.mime == "application/pdf" or self.location.lower().endswith(".pdf")

    @property
    def name(self) -> str:
        """The file's name (or the URL), for people."""
        if self.kind != "file":
            return self.location
        return self.location.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


@dataclass(slots=True)
class Provenance:
    """Where a reference came from: the file, the record's first line and its raw text."""

    source: str
    line: int
    format: str
    raw: str
    imported: dt.datetime | None = None


@dataclass(slots=True)
class Tag:
    """A label; names are unique ignoring case."""

    name: str
    colour: str | None = None
    count: int = 0
    id: int | None = None


@dataclass(slots=True)
class AutoExport:
    """A file kept in sync with the library (``tag`` None) or with one tag: rewritten after
    every change that alters its text. ``tag_lost`` marks one whose tag was deleted."""

    path: str
    kind: str
    tag: str | None = None
    style: str = ""
    notes: bool = False
    tag_lost: bool = False
    id: int | None = None
    last_written: dt.datetime | None = None


@dataclass(slots=True)
class Reference:
    """One bibliographic record.

    ``arxiv_id`` carries no version suffix; ``arxiv_version`` keeps it (e.g. 2).
    ``title_provisional`` marks a title derived by refman rather than read from the source.
    ``pages`` is a range as written ("12--19" or "12-19"); ``extra`` keeps the fields of
    other formats that have no column of their own (BibTeX ``editor``, ``isbn``, ``note``,
    ``month`` ...), keyed by their lower-case BibTeX name, so that they survive a round
    trip.
    """

    entry_type: str = "misc"
    title: str = ""
    title_provisional: bool = False
    abstract: str = ""
    year: int | None = None
    date: dt.date | None = None
    venue: str = ""
    journal_ref: str = ""
    arxiv_id: str = ""
    arxiv_version: int | None = None
    doi: str = ""
    url: str = ""
    code_url: str = ""
    comments: str = ""
    page_count: int | None = None
    figure_count: int | None = None
    citekey: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    authors: list[Person] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)
    id: int | None = None
    added: dt.datetime | None = None
    modified: dt.datetime | None = None
    version: int = 1
    reading_status: str = "unread"
    """One of ``READING_STATUSES``; set by reading, not an edit (no new ``version``)."""
    last_page: int | None = None
    """The page (0-based) the reader last showed."""


READING_STATUSES: tuple[str, ...] = ("unread", "reading", "read")
"""A reference's reading states, in the order a paper goes through them."""


REFERENCE_FIELDS: tuple[str, ...] = (
    "entry_type",
    "citekey",
    "title",
    "title_provisional",
    "abstract",
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
    "volume",
    "issue",
    "pages",
    "publisher",
    "extra",
)
"""The scalar fields of a :class:`Reference` that are stored as columns of their own
(``extra`` as JSON text, see ``extra_to_json``)."""


def extra_to_json(extra: dict[str, str]) -> str:
    """``Reference.extra`` as stored: a JSON object with sorted keys, "" when empty."""
    return json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else ""


def extra_from_json(text: str | None) -> dict[str, str]:
    """The inverse of ``extra_to_json``."""
    return dict(json.loads(text)) if text else {}


@dataclass(slots=True)
class Collection:
    """A folder of references (``query`` None; folders nest through ``parent_id``) or a
    saved search (``query`` the quick-search text it runs). ``count`` is how many live
    references a folder holds (None for a saved search: it is counted by running it)."""

    name: str
    id: int | None = None
    parent_id: int | None = None
    query: str | None = None
    count: int | None = None

    @property
    def is_saved_search(self) -> bool:
        """Whether this is a saved search rather than a folder."""
        return self.query is not None
