"""What a face asks the library for: a query over references and the rows it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class SortKey(StrEnum):
    """Columns the reference list can be sorted by (in SQL)."""

    TITLE = "title"
    AUTHORS = "authors"
    YEAR = "year"
    VENUE = "venue"
    ADDED = "added"


@dataclass(frozen=True, slots=True)
class ReferenceQuery:
    """Which references to list and in which order.

    ``text`` is the quick search: every word must match (as a prefix) in the title,
    authors, abstract, venue, tags or notes, ignoring case and accents. ``tags`` must all
    be carried (or any of them with ``any_tag``); ``untagged`` keeps references with no
    tag; ``trashed`` lists the trash instead of the library."""

    text: str = ""
    tags: tuple[str, ...] = ()
    any_tag: bool = False
    untagged: bool = False
    trashed: bool = False
    ids: tuple[int, ...] | None = None
    sort: SortKey = SortKey.ADDED
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListRow:
    """The few fields the reference list shows for one reference."""

    id: int
    title: str
    title_provisional: bool
    authors: str
    year: int | None
    venue: str
    added: dt.datetime
    tags: tuple[tuple[str, str | None], ...]
